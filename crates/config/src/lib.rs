//! `starl.toml`: where it is found, what it may say, and how it becomes an [`Analyzer`].
//!
//! Discovery: the first `starl.toml` (or `.starl.toml`) in the starting folder or one of its
//! parents; failing that, `$XDG_CONFIG_HOME/starl/starl.toml` (usually `~/.config/starl/`).
//! Command-line overrides (`--disable`, `--enable`, `--framework`, ...) apply on top.
//!
//! ```toml
//! framework = "star-l"          # force a framework (otherwise inferred from the headings)
//! words_per_minute = 150         # speaking pace for spoken time
//! max_seconds = 180              # too-long above this
//! min_words = 80                 # too-short below this
//! disable = ["hedging"]          # rules not to report
//! rules = ["team-rules.toml"]    # extra rule files, relative to this file
//! deny_warnings = false          # warnings make `starl lint` exit 1
//!
//! [severity]
//! dramatic-language = "warning"  # error | warning | info | off
//!
//! [bank]
//! threshold = 70                 # score a ready story needs to count in `starl bank`
//!
//! [share]
//! names = ["Priya Sharma"]       # redacted by `starl share --redact` wherever they occur
//! companies = ["Globex"]         # redacted as [Company A]
//! ```

mod cache;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use starl_analyzer::{Analyzer, Options, OptionsError, RuleError, RuleSet, Severity, Syntax};

pub use cache::{rules_key, user_cache_dir, Fnv, RuleCache, Source, CACHE_DIR_ENV};

/// The built-in rules alone, from the user's rule cache when it holds them ([`RuleSet::builtin`]
/// otherwise, and then into the cache).
pub fn builtin_rules() -> RuleSet {
    RuleCache::user().load(&[]).unwrap_or_else(|_| RuleSet::builtin())
}

/// The names a configuration file may have, in order of preference.
pub const FILE_NAMES: &[&str] = &["starl.toml", ".starl.toml"];

/// The contents of a `starl.toml`. Unknown keys are errors.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    pub framework: Option<String>,
    pub words_per_minute: Option<u32>,
    pub max_seconds: Option<u32>,
    pub min_words: Option<usize>,
    #[serde(default)]
    pub disable: Vec<String>,
    #[serde(default)]
    pub severity: BTreeMap<String, String>,
    #[serde(default)]
    pub rules: Vec<String>,
    pub deny_warnings: Option<bool>,
    #[serde(default)]
    pub bank: BankConfig,
    #[serde(default)]
    pub share: ShareConfig,
}

/// `[share]`: review packets (`starl share --redact`).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ShareConfig {
    /// Names (people, projects, anything confidential) to redact wherever they occur.
    #[serde(default)]
    pub names: Vec<String>,
    /// Company and client names to redact.
    #[serde(default)]
    pub companies: Vec<String>,
}

/// `[bank]`: the story bank.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BankConfig {
    /// The score (0-100) a ready story needs to count toward coverage.
    pub threshold: Option<u8>,
}

/// A loaded configuration: the file (if any) and where it was.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Config {
    pub path: Option<PathBuf>,
    pub file: ConfigFile,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    // The I/O error is part of the message and not a `source`: the binary prints the chain of
    // sources, which would repeat it.
    #[error("{path}: {error}")]
    Io { path: PathBuf, error: std::io::Error },
    #[error("{path}:{line}: {message}")]
    Parse { path: PathBuf, line: usize, message: String },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error(transparent)]
    Rules(#[from] RuleError),
    #[error(transparent)]
    Options(#[from] OptionsError),
}

/// What the command line says, applied over the file.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub framework: Option<String>,
    pub words_per_minute: Option<u32>,
    pub disable: Vec<String>,
    pub enable: Vec<String>,
    pub syntax: Option<Syntax>,
}

/// The user's configuration folder for starl (`$XDG_CONFIG_HOME/starl`).
pub fn user_config_dir() -> Option<PathBuf> {
    use etcetera::BaseStrategy;
    etcetera::choose_base_strategy().ok().map(|s| s.config_dir().join("starl"))
}

/// Find the configuration file for work in `start` (a folder): upwards from it, then the user's.
pub fn discover(start: &Path) -> Option<PathBuf> {
    for dir in start.ancestors() {
        for name in FILE_NAMES {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    let user = user_config_dir()?.join("starl.toml");
    user.is_file().then_some(user)
}

impl Config {
    /// Read and check one configuration file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|error| ConfigError::Io { path: path.to_owned(), error })?;
        Config::parse(path, &text)
    }

    /// Parse configuration text that came from `path`.
    pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
        let file: ConfigFile = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_owned(),
            line: e.span().map_or(1, |s| text[..s.start.min(text.len())].matches('\n').count() + 1),
            message: e.message().trim().to_owned(),
        })?;
        for (rule, level) in &file.severity {
            if level != "off" && Severity::parse(level).is_none() {
                return Err(ConfigError::Invalid {
                    path: path.to_owned(),
                    message: format!("severity of `{rule}`: `{level}` is not one of error, warning, info, off"),
                });
            }
        }
        if let Some(n) = file.share.names.iter().chain(&file.share.companies).find(|n| n.trim().is_empty()) {
            return Err(ConfigError::Invalid {
                path: path.to_owned(),
                message: format!("[share] names and companies must not be empty (found {n:?})"),
            });
        }
        if file.bank.threshold.is_some_and(|t| t > 100) {
            return Err(ConfigError::Invalid {
                path: path.to_owned(),
                message: "[bank] threshold must be a score from 0 to 100".into(),
            });
        }
        Ok(Config { path: Some(path.to_owned()), file })
    }

    /// Discover and load the configuration for work in `start`; no file gives the defaults.
    pub fn discover(start: &Path) -> Result<Config, ConfigError> {
        match discover(start) {
            Some(p) => Config::load(&p),
            None => Ok(Config::default()),
        }
    }

    /// The extra rule files this configuration names, read from disk, as `(name, contents)`.
    /// A folder stands for every `.toml` file in it.
    pub fn rule_sources(&self) -> Result<Vec<(String, String)>, ConfigError> {
        let base = self.path.as_deref().and_then(Path::parent).unwrap_or(Path::new("."));
        let mut out = Vec::new();
        for r in &self.file.rules {
            let p = base.join(r);
            let files = if p.is_dir() {
                let mut v: Vec<PathBuf> = std::fs::read_dir(&p)
                    .map_err(|error| ConfigError::Io { path: p.clone(), error })?
                    .flatten()
                    .map(|e| e.path())
                    .filter(|f| f.extension().is_some_and(|e| e == "toml"))
                    .collect();
                v.sort();
                v
            } else {
                vec![p]
            };
            for f in files {
                let text = std::fs::read_to_string(&f).map_err(|error| ConfigError::Io { path: f.clone(), error })?;
                out.push((f.display().to_string(), text));
            }
        }
        Ok(out)
    }

    /// The analyzer options this configuration and the overrides give.
    pub fn options(&self, o: &Overrides) -> Options {
        let f = &self.file;
        let d = Options::default();
        let mut disabled: Vec<String> = f.disable.clone();
        let mut severities = Vec::new();
        for (rule, level) in &f.severity {
            match Severity::parse(level) {
                Some(s) => severities.push((rule.clone(), s)),
                None => disabled.push(rule.clone()),
            }
        }
        disabled.extend(o.disable.iter().cloned());
        disabled.retain(|r| !o.enable.contains(r));
        disabled.sort();
        disabled.dedup();
        Options {
            syntax: o.syntax.unwrap_or_default(),
            framework: o.framework.clone().or_else(|| f.framework.clone()),
            words_per_minute: o.words_per_minute.or(f.words_per_minute).unwrap_or(d.words_per_minute),
            max_seconds: f.max_seconds.unwrap_or(d.max_seconds),
            min_words: f.min_words.unwrap_or(d.min_words),
            disabled,
            severities,
        }
    }

    /// Build the analyzer: built-in rules, this configuration's rule files, options. The
    /// compiled rules come from the user's rule cache when it holds them ([`RuleCache`]).
    pub fn analyzer(&self, o: &Overrides) -> Result<Analyzer, ConfigError> {
        self.analyzer_with(o, &RuleCache::user())
    }

    /// [`Config::analyzer`] with the compiled rules kept in `cache`.
    pub fn analyzer_with(&self, o: &Overrides, cache: &RuleCache) -> Result<Analyzer, ConfigError> {
        let rules = cache.load(&self.rule_sources()?)?;
        for id in &o.enable {
            if rules.rule(id).is_none() {
                return Err(OptionsError::UnknownRule(id.clone()).into());
            }
        }
        Ok(Analyzer::new(rules, self.options(o))?)
    }

    /// The score a ready story needs to count in the bank (default 70).
    pub fn bank_threshold(&self) -> u8 {
        self.file.bank.threshold.unwrap_or(70)
    }

    /// Whether warnings make the lint fail.
    pub fn deny_warnings(&self) -> bool {
        self.file.deny_warnings.unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discovery_walks_up_then_stops() {
        let dir = tempfile::tempdir().unwrap();
        let deep = dir.path().join("a/b/c");
        std::fs::create_dir_all(&deep).unwrap();
        std::fs::write(dir.path().join("a/starl.toml"), "disable = [\"hedging\"]\n").unwrap();
        assert_eq!(discover(&deep).as_deref(), Some(dir.path().join("a/starl.toml").as_path()));
        let c = Config::discover(&deep).unwrap();
        assert_eq!(c.file.disable, vec!["hedging"]);
    }

    #[test]
    fn unknown_keys_and_bad_levels_are_errors_with_lines() {
        let e = Config::parse(Path::new("s.toml"), "framework = \"star\"\ncolour = true\n").unwrap_err();
        assert!(matches!(&e, ConfigError::Parse { line: 2, .. }), "{e}");
        let e = Config::parse(Path::new("s.toml"), "[severity]\nhedging = \"loud\"\n").unwrap_err();
        assert!(e.to_string().contains("loud"), "{e}");
        let e = Config::parse(Path::new("s.toml"), "[bank]\nthreshold = 140\n").unwrap_err();
        assert!(e.to_string().contains("0 to 100"), "{e}");
        let c = Config::parse(Path::new("s.toml"), "[bank]\nthreshold = 60\n").unwrap();
        assert_eq!((c.bank_threshold(), Config::default().bank_threshold()), (60, 70));
    }

    #[test]
    fn share_names() {
        let c = Config::parse(Path::new("s.toml"), "[share]\nnames = [\"Priya Sharma\"]\ncompanies = [\"Globex\"]\n")
            .unwrap();
        assert_eq!(
            (c.file.share.names.as_slice(), c.file.share.companies.as_slice()),
            (&["Priya Sharma".to_owned()][..], &["Globex".to_owned()][..])
        );
        assert_eq!(Config::default().file.share, ShareConfig::default());
        let e = Config::parse(Path::new("s.toml"), "[share]\nnames = [\"a\"]\npeople = []\n").unwrap_err();
        assert!(matches!(&e, ConfigError::Parse { line: 3, .. }), "{e}");
        let e = Config::parse(Path::new("s.toml"), "[share]\nnames = [\" \"]\n").unwrap_err();
        assert!(e.to_string().contains("must not be empty"), "{e}");
    }

    #[test]
    fn overrides_apply_over_the_file() {
        let c = Config::parse(
            Path::new("s.toml"),
            "disable = [\"hedging\", \"too-short\"]\nwords_per_minute = 130\n[severity]\nminimizing = \"off\"\nexcuse = \"error\"\n",
        )
        .unwrap();
        let o = c.options(&Overrides {
            enable: vec!["too-short".into()],
            disable: vec!["no-specifics".into()],
            ..Default::default()
        });
        assert_eq!(o.disabled, vec!["hedging", "minimizing", "no-specifics"]);
        assert_eq!(o.words_per_minute, 130);
        assert_eq!(o.severities, vec![("excuse".to_string(), Severity::Error)]);
        let a = c.analyzer_with(&Overrides::default(), &RuleCache::off()).unwrap();
        let r = a.analyze("We kind of missed it. I was wrong.");
        assert!(!r.diagnostics.iter().any(|d| d.rule == "hedging"));
    }

    #[test]
    fn user_rule_files_are_read_relative_to_the_config() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("mine.toml"),
            "[[rule]]\nid = \"jargon\"\nkind = \"red-flag\"\nseverity = \"info\"\nmessage = \"m\"\nhelp = \"h\"\npatterns = [\"synergy\"]\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("starl.toml"), "rules = [\"mine.toml\"]\n").unwrap();
        let c = Config::discover(dir.path()).unwrap();
        let cache = RuleCache::in_dir(dir.path().join("cache"));
        let a = c.analyzer_with(&Overrides::default(), &cache).unwrap();
        assert!(a.analyze("Great synergy.").diagnostics.iter().any(|d| d.rule == "jargon"));
        let c = Config { file: ConfigFile { rules: vec!["nope.toml".into()], ..c.file }, ..c };
        assert!(matches!(c.analyzer_with(&Overrides::default(), &cache), Err(ConfigError::Io { .. })));
    }
}
