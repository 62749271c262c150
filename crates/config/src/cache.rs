//! The compiled rule set, kept between runs in the user's cache folder: compiling ~30 rule files
//! is most of a one-story `starl lint`, reading them back is a small part of it.
//!
//! A cache file is `rules-<key>.bin` in `$STARL_CACHE_DIR`, else `$XDG_CACHE_HOME/starl` (usually
//! `~/.cache/starl`). The key is a hash of everything the rule set is compiled from: this
//! version and build of starl, the built-in rule files and the user's rule files (names and
//! contents, in order). The bytes are [`RuleSet::to_bytes`], which checks version, build and a
//! checksum on the way back in.
//!
//! **Invariant:** the cache never changes a result and never makes starl fail. A file that cannot
//! be read or does not decode is a miss: the rules are compiled as without a cache (so errors in
//! rule files are reported as ever, and a set with an error is never written), then written
//! (atomically: a temporary file in the same folder, renamed), and a failure to write is ignored.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use starl_analyzer::{RuleError, RuleSet, BUILD_FINGERPRINT, BUILTIN_HASH};

/// The environment variable that chooses the cache folder (instead of `$XDG_CACHE_HOME/starl`).
pub const CACHE_DIR_ENV: &str = "STARL_CACHE_DIR";

/// Cache files kept in the folder: the one just written and the most recently written others (a
/// few configurations with rules of their own, or two builds of starl, in turn).
const KEEP: usize = 4;

/// The user's cache folder for starl: `$STARL_CACHE_DIR`, else `$XDG_CACHE_HOME/starl`.
pub fn user_cache_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os(CACHE_DIR_ENV).filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    use etcetera::BaseStrategy;
    etcetera::choose_base_strategy().ok().map(|s| s.cache_dir().join("starl"))
}

/// FNV-1a, 64 bits, each byte string preceded by its length (8 bytes, little-endian) so that
/// (`ab`, `c`) and (`a`, `bc`) differ: the same in every build and on every machine, unlike
/// std's hasher. The analyzer's build script hashes the built-in rules the same way.
#[derive(Debug, Clone, Copy)]
pub struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Fnv {
        Fnv::new()
    }
}

impl Fnv {
    pub fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    pub fn add(&mut self, bytes: &[u8]) -> &mut Fnv {
        for &b in (bytes.len() as u64).to_le_bytes().iter().chain(bytes) {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        self
    }

    pub fn finish(&self) -> u64 {
        self.0
    }
}

/// The cache key of the rule set compiled from the built-in rules and `extra` (`(name, text)`
/// in order, as [`RuleSet::load`] takes them).
pub fn rules_key(extra: &[(String, String)]) -> u64 {
    let mut h = Fnv::new();
    h.add(env!("CARGO_PKG_VERSION").as_bytes())
        .add(&BUILD_FINGERPRINT.to_le_bytes())
        // The built-in files hashed when the analyzer was built (see `builtin_hash_is_of_the_builtin_files`).
        .add(&BUILTIN_HASH.to_le_bytes())
        .add(&(extra.len() as u64).to_le_bytes());
    for (name, text) in extra {
        h.add(name.as_bytes()).add(text.as_bytes());
    }
    h.finish()
}

/// Where a rule set came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Read from the cache.
    Cache,
    /// Compiled from the rule files (no cache, or a cache that was missing or unusable).
    Compiled,
}

/// A folder of compiled rule sets, or none (always compile).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleCache {
    dir: Option<PathBuf>,
}

impl RuleCache {
    /// The user's cache ([`user_cache_dir`]).
    pub fn user() -> RuleCache {
        RuleCache { dir: user_cache_dir() }
    }

    /// A cache in `dir` (created when first written).
    pub fn in_dir(dir: impl Into<PathBuf>) -> RuleCache {
        RuleCache { dir: Some(dir.into()) }
    }

    /// No cache: every load compiles.
    pub fn off() -> RuleCache {
        RuleCache { dir: None }
    }

    /// The file that holds the rule set of `extra`, if there is a cache folder.
    pub fn file(&self, extra: &[(String, String)]) -> Option<PathBuf> {
        Some(self.dir.as_ref()?.join(format!("rules-{:016x}.bin", rules_key(extra))))
    }

    /// [`RuleSet::load`]`(extra)`, from the cache when it holds it; compiled and written to the
    /// cache otherwise.
    pub fn load(&self, extra: &[(String, String)]) -> Result<RuleSet, RuleError> {
        self.load_traced(extra).map(|(set, _)| set)
    }

    /// [`RuleCache::load`], and where the rule set came from.
    pub fn load_traced(&self, extra: &[(String, String)]) -> Result<(RuleSet, Source), RuleError> {
        let file = self.file(extra);
        if let Some(set) =
            file.as_deref().and_then(|f| std::fs::read(f).ok()).and_then(|b| RuleSet::from_bytes(&b).ok())
        {
            return Ok((set, Source::Cache));
        }
        let set = RuleSet::load(extra)?;
        if let Some(file) = &file {
            // Only a cache: a read-only or full disk is no reason to fail, or to say anything.
            let _ = write_atomically(file, &set.to_bytes());
            prune(file);
        }
        Ok((set, Source::Compiled))
    }
}

/// Write `bytes` to `file` so that no reader ever sees part of them: into a temporary file beside
/// it, then renamed over it.
fn write_atomically(file: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = file.parent().ok_or_else(|| std::io::Error::other("no parent folder"))?;
    std::fs::create_dir_all(dir)?;
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let nanos = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default().subsec_nanos();
    let tmp = dir.join(format!(".{name}.{}.{nanos}.tmp", std::process::id()));
    let written = std::fs::write(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, file));
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// Best effort: remove all but the [`KEEP`] most recently written `rules-*.bin` files of `file`'s
/// folder (`file` itself is kept), and temporary files left for an hour by a run that died.
fn prune(file: &Path) {
    let Some(dir) = file.parent() else { return };
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let now = SystemTime::now();
    let mut others: Vec<(SystemTime, PathBuf)> = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let modified = entry.metadata().and_then(|m| m.modified()).unwrap_or(now);
        if name.starts_with(".rules-") && name.ends_with(".tmp") {
            if now.duration_since(modified).unwrap_or_default() > Duration::from_secs(3600) {
                let _ = std::fs::remove_file(&path);
            }
        } else if name.starts_with("rules-") && name.ends_with(".bin") && path != file {
            others.push((modified, path));
        }
    }
    others.sort_by_key(|e| std::cmp::Reverse(e.0));
    for (_, path) in others.into_iter().skip(KEEP - 1) {
        let _ = std::fs::remove_file(path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULE: &str = "[[rule]]\nid = \"jargon\"\nkind = \"red-flag\"\nseverity = \"info\"\nmessage = \"m\"\nhelp = \"h\"\npatterns = [\"synergy\"]\n";

    fn report_of(set: RuleSet, text: &str) -> String {
        let a = starl_analyzer::Analyzer::new(set, starl_analyzer::Options::default()).unwrap();
        format!("{:?}", a.analyze(text))
    }

    fn cache_files(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .map(|d| d.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
            .unwrap_or_default();
        v.sort();
        v
    }

    #[test]
    fn builtin_hash_is_of_the_builtin_files() {
        let mut h = Fnv::new();
        for (name, text) in starl_analyzer::BUILTIN {
            h.add(name.as_bytes()).add(text.as_bytes());
        }
        assert_eq!(h.finish(), BUILTIN_HASH);
    }

    #[test]
    fn first_load_writes_the_second_reads() {
        let dir = tempfile::tempdir().unwrap();
        let cache = RuleCache::in_dir(dir.path().join("starl"));
        let extra = vec![("mine.toml".to_owned(), RULE.to_owned())];
        let (a, from) = cache.load_traced(&extra).unwrap();
        assert_eq!(from, Source::Compiled);
        let file = cache.file(&extra).unwrap();
        assert!(file.is_file(), "{:?}", cache_files(&dir.path().join("starl")));
        let (b, from) = cache.load_traced(&extra).unwrap();
        assert_eq!(from, Source::Cache);
        let story = "The synergy was great, but the requirements kept changing and I never failed.";
        assert_eq!(report_of(a, story), report_of(b, story));
        assert_eq!(cache_files(&dir.path().join("starl")), vec![file.file_name().unwrap().to_string_lossy()]);
    }

    #[test]
    fn a_damaged_cache_is_replaced_and_the_result_is_right() {
        let dir = tempfile::tempdir().unwrap();
        let cache = RuleCache::in_dir(dir.path());
        cache.load(&[]).unwrap();
        let file = cache.file(&[]).unwrap();
        let good = std::fs::read(&file).unwrap();
        let story = "The requirements kept changing, so the release slipped. We kind of missed it.";
        let fresh = report_of(RuleSet::builtin(), story);
        let mut flipped = good.clone();
        let mid = flipped.len() / 2;
        flipped[mid] ^= 0x40;
        for bad in [b"garbage".to_vec(), good[..good.len() / 3].to_vec(), flipped, Vec::new()] {
            std::fs::write(&file, &bad).unwrap();
            let (set, from) = cache.load_traced(&[]).unwrap();
            assert_eq!(from, Source::Compiled);
            assert_eq!(report_of(set, story), fresh);
            assert_eq!(std::fs::read(&file).unwrap(), good, "rewritten");
        }
        // A folder where the file should be: unreadable and unwritable, still no error.
        std::fs::remove_file(&file).unwrap();
        std::fs::create_dir(&file).unwrap();
        let (set, from) = cache.load_traced(&[]).unwrap();
        assert_eq!((from, report_of(set, story)), (Source::Compiled, fresh.clone()));
        // A cache folder that cannot be made (a file is in the way).
        let blocked = RuleCache::in_dir(dir.path().join("file/starl"));
        std::fs::write(dir.path().join("file"), "").unwrap();
        assert_eq!(report_of(blocked.load(&[]).unwrap(), story), fresh);
    }

    #[test]
    fn changed_user_rules_change_the_key_and_errors_are_not_cached() {
        let one = vec![("mine.toml".to_owned(), RULE.to_owned())];
        let edited = vec![("mine.toml".to_owned(), RULE.replace("synergy", "leverage"))];
        let renamed = vec![("yours.toml".to_owned(), RULE.to_owned())];
        let split = vec![("mine.toml".to_owned(), String::new()), (String::new(), RULE.to_owned())];
        let keys = [rules_key(&[]), rules_key(&one), rules_key(&edited), rules_key(&renamed), rules_key(&split)];
        for (i, a) in keys.iter().enumerate() {
            for b in &keys[i + 1..] {
                assert_ne!(a, b);
            }
        }
        assert_eq!(rules_key(&one), rules_key(&one.clone()));

        let dir = tempfile::tempdir().unwrap();
        let cache = RuleCache::in_dir(dir.path());
        let a = cache.load(&one).unwrap();
        let b = cache.load(&edited).unwrap();
        assert!(a.rule("jargon").is_some() && b.rule("jargon").is_some());
        assert!(report_of(a, "Great synergy.").contains("jargon"));
        assert!(!report_of(b, "Great synergy.").contains("jargon"));
        assert_eq!(cache_files(dir.path()).len(), 2);

        let broken = vec![("bad.toml".to_owned(), "[[rule]]\nid = \"x\"\nkind = \"nope\"\n".to_owned())];
        let e = cache.load(&broken).unwrap_err();
        assert_eq!(e, RuleSet::load(&broken).unwrap_err());
        assert!(!cache.file(&broken).unwrap().exists());
    }

    #[test]
    fn only_a_few_cache_files_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        for i in 0..KEEP + 2 {
            std::fs::write(dir.path().join(format!("rules-{i:016x}.bin")), "old").unwrap();
        }
        std::fs::write(dir.path().join("notes.txt"), "mine").unwrap();
        let cache = RuleCache::in_dir(dir.path());
        cache.load(&[]).unwrap();
        let files = cache_files(dir.path());
        assert_eq!(files.iter().filter(|f| f.starts_with("rules-")).count(), KEEP, "{files:?}");
        assert!(files.contains(&"notes.txt".to_owned()));
        assert!(cache.file(&[]).unwrap().is_file());
    }
}
