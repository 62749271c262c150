//! Configuration at the binary's edge: which `starl.toml` applies, and the analyzer it gives.

use std::path::PathBuf;

use anyhow::{Context, Result};
use starl_analyzer::{Analyzer, Kind, OptionsError, RuleSet};
use starl_config::{Config, ConfigError, Overrides, RuleCache};

/// The `--config` option, shared by every command that reads rules.
#[derive(Debug, Clone, clap::Args)]
pub struct ConfigArgs {
    /// Read the configuration from this file instead of looking for starl.toml (or .starl.toml)
    /// in the current folder, its parents, then ~/.config/starl/.
    #[arg(long, value_name = "PATH", value_hint = clap::ValueHint::FilePath)]
    pub config: Option<PathBuf>,
}

impl ConfigArgs {
    pub fn load(&self) -> Result<Config> {
        Ok(match &self.config {
            Some(path) => Config::load(path)?,
            None => {
                let cwd = std::env::current_dir().context("cannot read the current folder")?;
                Config::discover(&cwd)?
            }
        })
    }
}

/// Build the analyzer a configuration and the command line give. An unknown rule id gets a
/// "did you mean" when one is close.
pub fn analyzer(config: &Config, overrides: &Overrides) -> Result<Analyzer> {
    config.analyzer(overrides).map_err(|e| match e {
        ConfigError::Options(OptionsError::UnknownRule(ref id)) => {
            // Only on this error path: compile the rules once more to know their ids.
            let rules = config.rule_sources().ok().and_then(|extra| RuleCache::user().load(&extra).ok());
            match rules.as_ref().and_then(|r| closest_rule(r, id)) {
                Some(close) => anyhow::anyhow!("{e}; did you mean `{close}`?"),
                None => e.into(),
            }
        }
        e => e.into(),
    })
}

/// The reported rule (not an internal signal) whose id is nearest to `id`, if any is near enough
/// to be a likely typo.
pub fn closest_rule<'r>(rules: &'r RuleSet, id: &str) -> Option<&'r str> {
    rules
        .rules
        .iter()
        .filter(|r| r.kind != Kind::Signal)
        .map(|r| (strsim::levenshtein(id, &r.id), r.id.as_str()))
        .filter(|&(d, candidate)| d <= (candidate.len().max(id.len()) / 3).max(2))
        .min_by_key(|&(d, _)| d)
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_ids_only() {
        let rules = RuleSet::builtin();
        assert_eq!(closest_rule(&rules, "blame-shiftng"), Some("blame-shifting"));
        assert_eq!(closest_rule(&rules, "hedgin"), Some("hedging"));
        assert_eq!(closest_rule(&rules, "quantum-physics"), None);
    }
}
