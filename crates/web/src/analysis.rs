//! The analyzers the server uses: one per framework (plus the inferring one), built once from the
//! configuration at start and shared by every request (`Analyzer` is `Send + Sync`).

use std::collections::HashMap;

use starl_analyzer::{Analyzer, Report};
use starl_config::{Config, Overrides};

use crate::WebError;

/// The configured analyzer, and one forced to each framework the rules know.
pub struct Analyzers {
    inferring: Analyzer,
    by_framework: HashMap<String, Analyzer>,
    frameworks: Vec<String>,
    threshold: u8,
}

impl Analyzers {
    /// Build every analyzer `config` gives (this compiles the rules once per framework).
    pub fn new(config: &Config) -> Result<Analyzers, WebError> {
        let inferring = config.analyzer(&Overrides::default())?;
        let frameworks: Vec<String> = inferring.rules().frameworks.iter().map(|f| f.id.clone()).collect();
        let mut by_framework = HashMap::new();
        for f in &frameworks {
            let a = config.analyzer(&Overrides { framework: Some(f.clone()), ..Overrides::default() })?;
            by_framework.insert(f.clone(), a);
        }
        Ok(Analyzers { inferring, by_framework, frameworks, threshold: config.bank_threshold() })
    }

    /// The built-in rules and no configuration file (tests).
    pub fn builtin() -> Analyzers {
        Analyzers::new(&Config::default()).unwrap_or_else(|_| {
            let inferring = Analyzer::builtin();
            Analyzers { inferring, by_framework: HashMap::new(), frameworks: Vec::new(), threshold: 70 }
        })
    }

    /// The analyzer for `framework` (`None`: the configuration's choice, else inferred), or
    /// `None` when no framework has that id.
    pub fn get(&self, framework: Option<&str>) -> Option<&Analyzer> {
        match framework.map(str::trim).filter(|f| !f.is_empty()) {
            None => Some(&self.inferring),
            Some(f) => self.by_framework.get(&f.to_ascii_lowercase()),
        }
    }

    /// Analyse `text` under `framework`, if that framework exists.
    pub fn analyze(&self, text: &str, framework: Option<&str>) -> Option<Report> {
        self.get(framework).map(|a| a.analyze(text))
    }

    /// The framework ids, in the rules' order.
    pub fn frameworks(&self) -> &[String] {
        &self.frameworks
    }

    /// The common questions: `(id, text)`.
    pub fn questions(&self) -> Vec<(String, String)> {
        self.inferring.rules().questions.iter().map(|q| (q.id.clone(), q.text.clone())).collect()
    }

    /// The score a ready story needs to count in the bank (`[bank] threshold`).
    pub fn bank_threshold(&self) -> u8 {
        self.threshold
    }

    /// The configured analyzer.
    pub fn inferring(&self) -> &Analyzer {
        &self.inferring
    }
}
