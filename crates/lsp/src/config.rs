//! Which analyzer a document gets: `starl.toml` discovered from the document's folder upwards,
//! exactly as `starl lint` does, cached per folder and per file, and reloaded when it changes.
//!
//! Two ways to notice a change, because not every client can watch files: before each analysis
//! the configuration file and the rule files it names are `stat`ed, and a different modification
//! time or size reloads them; and a `workspace/didChangeWatchedFiles` notification (registered
//! for `**/starl.toml` when the client allows) forgets what it names. A configuration that does
//! not load gives the defaults and one error message per broken version, never a failure.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use starl_analyzer::{Analyzer, Options};
use starl_config::{Config, Overrides};

/// What a file looked like when it was read: changes to it change this.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    modified: Option<SystemTime>,
    len: u64,
}

fn stamp(p: &Path) -> Option<Stamp> {
    let m = std::fs::metadata(p).ok()?;
    Some(Stamp { modified: m.modified().ok(), len: m.len() })
}

/// One configuration file, loaded.
struct Loaded {
    /// The files it was read from (the configuration, its rule files and folders) as they were.
    watched: Vec<(PathBuf, Option<Stamp>)>,
    config: Result<Config, String>,
    /// Built on first use; one for both syntaxes (`Analyzer::analyze_as`).
    analyzer: Option<Arc<Analyzer>>,
    /// A problem not yet shown to the user.
    unreported: Option<String>,
}

impl Loaded {
    fn load(path: &Path) -> Loaded {
        let config = Config::load(path).map_err(|e| e.to_string());
        let mut watched = vec![(path.to_owned(), stamp(path))];
        if let Ok(c) = &config {
            let base = path.parent().unwrap_or(Path::new("."));
            for r in &c.file.rules {
                let p = base.join(r);
                if let Ok(entries) = std::fs::read_dir(&p) {
                    let mut files: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
                    files.sort();
                    watched.extend(files.into_iter().map(|f| (f.clone(), stamp(&f))));
                }
                watched.push((p.clone(), stamp(&p)));
            }
        }
        let unreported = config.as_ref().err().cloned();
        Loaded { watched, config, analyzer: None, unreported }
    }

    fn is_current(&self) -> bool {
        self.watched.iter().all(|(p, s)| stamp(p) == *s)
    }

    fn watches(&self, p: &Path) -> bool {
        self.watched.iter().any(|(w, _)| w == p)
    }
}

/// The analyzer for a document, and a problem with its configuration to show, once.
pub struct Resolved {
    pub analyzer: Arc<Analyzer>,
    pub problem: Option<String>,
}

/// Configuration cache for every folder documents have been opened from.
#[derive(Default)]
pub struct Configs {
    /// Folder -> the configuration file found for it (`None`: none, the defaults).
    found: HashMap<PathBuf, Option<PathBuf>>,
    loaded: HashMap<PathBuf, Loaded>,
    default: Option<Arc<Analyzer>>,
}

impl Configs {
    /// The analyzer for a document in `folder` (`None` for documents that are not files: the
    /// user's configuration, if any).
    pub fn resolve(&mut self, folder: Option<&Path>) -> Resolved {
        let path = match folder {
            Some(dir) => self.discover(dir),
            None => starl_config::user_config_dir().map(|d| d.join("starl.toml")).filter(|p| p.is_file()),
        };
        let Some(path) = path else {
            return Resolved { analyzer: self.default_analyzer(), problem: None };
        };
        let current = self.loaded.get(&path).is_some_and(Loaded::is_current);
        if !current {
            if !path.is_file() {
                // Deleted (or renamed): look again from where the document is.
                self.loaded.remove(&path);
                self.found.retain(|_, p| p.as_deref() != Some(&path));
                return self.resolve(folder);
            }
            self.loaded.insert(path.clone(), Loaded::load(&path));
        }
        let loaded = self.loaded.get_mut(&path).expect("just loaded");
        let built = match (&loaded.config, &loaded.analyzer) {
            (_, Some(a)) => Some(a.clone()),
            (Err(_), None) => None,
            (Ok(config), None) => match config.analyzer(&Overrides::default()) {
                Ok(a) => {
                    let a = Arc::new(a);
                    loaded.analyzer = Some(a.clone());
                    Some(a)
                }
                Err(e) => {
                    loaded.config = Err(e.to_string());
                    loaded.unreported = Some(e.to_string());
                    None
                }
            },
        };
        let problem = loaded
            .unreported
            .take()
            .map(|e| format!("starl: {e}\nUsing the default configuration until {} is fixed.", path.display()));
        let analyzer = built.unwrap_or_else(|| self.default_analyzer());
        Resolved { analyzer, problem }
    }

    fn discover(&mut self, dir: &Path) -> Option<PathBuf> {
        self.found.entry(dir.to_owned()).or_insert_with(|| starl_config::discover(dir)).clone()
    }

    fn default_analyzer(&mut self) -> Arc<Analyzer> {
        self.default
            .get_or_insert_with(|| {
                Arc::new(
                    Analyzer::new(starl_config::builtin_rules(), Options::default())
                        .expect("default options are valid"),
                )
            })
            .clone()
    }

    /// Look for a configuration file again the next time a document of `dir` is analysed (a
    /// closer `starl.toml` may have appeared since).
    pub fn rediscover(&mut self, dir: &Path) {
        self.found.remove(dir);
    }

    /// Files changed on disk (`workspace/didChangeWatchedFiles`): forget what they affect, and
    /// every discovery, since a new configuration file may have appeared.
    pub fn changed(&mut self, paths: &[PathBuf]) {
        self.found.clear();
        self.loaded.retain(|config, l| !paths.iter().any(|p| p == config || l.watches(p)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hedges(a: &Analyzer) -> bool {
        a.analyze("We kind of missed it.").diagnostics.iter().any(|d| d.rule == "hedging")
    }

    #[test]
    fn discovers_caches_and_reloads_on_change() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("stories");
        std::fs::create_dir_all(&sub).unwrap();
        let cfg = dir.path().join("starl.toml");
        std::fs::write(&cfg, "disable = [\"hedging\"]\n").unwrap();
        let mut c = Configs::default();
        let r = c.resolve(Some(&sub));
        assert!(r.problem.is_none());
        assert!(!hedges(&r.analyzer));
        let again = c.resolve(Some(&sub));
        assert!(Arc::ptr_eq(&r.analyzer, &again.analyzer), "cached");

        std::fs::write(&cfg, "disable = []\n").unwrap();
        let r = c.resolve(Some(&sub));
        assert!(hedges(&r.analyzer), "reloaded after the file changed");
    }

    #[test]
    fn a_broken_config_is_reported_once_and_gives_the_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("starl.toml");
        std::fs::write(&cfg, "disable = [\"hedging\"\ncolour = 1\n").unwrap();
        let mut c = Configs::default();
        let r = c.resolve(Some(dir.path()));
        assert!(r.problem.as_deref().is_some_and(|p| p.contains("starl.toml")), "{:?}", r.problem);
        assert!(hedges(&r.analyzer));
        assert!(c.resolve(Some(dir.path())).problem.is_none(), "once");
        assert!(c.resolve(Some(dir.path())).problem.is_none(), "only once");

        // Valid TOML naming an unknown rule fails when the analyzer is built.
        std::fs::write(&cfg, "disable = [\"no-such-rule\"]\n").unwrap();
        let r = c.resolve(Some(dir.path()));
        assert!(r.problem.as_deref().is_some_and(|p| p.contains("no-such-rule")), "{:?}", r.problem);
        assert!(c.resolve(Some(dir.path())).problem.is_none());
    }

    #[test]
    fn deleted_and_new_configs() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("a");
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(dir.path().join("starl.toml"), "disable = [\"hedging\"]\n").unwrap();
        let mut c = Configs::default();
        assert!(!hedges(&c.resolve(Some(&sub)).analyzer));
        std::fs::remove_file(dir.path().join("starl.toml")).unwrap();
        // The user's own configuration may apply now; hedging is on unless it disables it.
        let _ = c.resolve(Some(&sub));
        std::fs::write(sub.join("starl.toml"), "disable = [\"hedging\"]\n").unwrap();
        c.changed(&[sub.join("starl.toml")]);
        assert!(!hedges(&c.resolve(Some(&sub)).analyzer));
    }
}
