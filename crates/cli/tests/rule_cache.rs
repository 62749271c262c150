//! The compiled rule set kept between runs (`$STARL_CACHE_DIR`, else `$XDG_CACHE_HOME/starl`):
//! the first `starl lint` writes it, the next ones read it, and no run says anything different
//! for it.

mod common;

use std::path::{Path, PathBuf};

use common::*;

fn lint(dir: &Path, cache: &Path, args: &[&str]) -> Run {
    finish(command(dir, args).env("STARL_CACHE_DIR", cache).output().unwrap())
}

fn cache_files(cache: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> =
        std::fs::read_dir(cache).map(|d| d.flatten().map(|e| e.path()).collect()).unwrap_or_default();
    v.sort();
    v
}

fn is_rule_cache(p: &Path) -> bool {
    let name = p.file_name().unwrap().to_string_lossy();
    name.starts_with("rules-") && name.ends_with(".bin") && name.len() == "rules-.bin".len() + 16
}

#[test]
fn lint_twice_writes_then_reads_the_cache_with_the_same_output() {
    let dir = scratch();
    let cache = dir.path().join("cache");
    write(dir.path(), "story.md", warn_story());
    let args = ["lint", "--format", "json", "story.md"];

    let first = lint(dir.path(), &cache, &args);
    assert_eq!(first.code, 0, "{first:?}");
    let files = cache_files(&cache);
    assert!(files.len() == 1 && is_rule_cache(&files[0]), "{files:?}");
    let written = std::fs::metadata(&files[0]).unwrap().modified().unwrap();

    let second = lint(dir.path(), &cache, &args);
    assert_eq!((second.code, &second.stdout, &second.stderr), (first.code, &first.stdout, &first.stderr));
    // Read, not rewritten: a miss would have renamed a new file over it.
    assert_eq!(cache_files(&cache), files);
    assert_eq!(std::fs::metadata(&files[0]).unwrap().modified().unwrap(), written);
    assert!(Run::rules_of(&second.json()[0]).contains(&"blame-shifting".to_owned()));

    // The human-readable output, and no cache at all (its folder cannot be made), agree too.
    let text = lint(dir.path(), &cache, &["lint", "story.md"]);
    write(dir.path(), "blocker", "");
    let nowhere = dir.path().join("blocker/cache");
    assert_eq!(lint(dir.path(), &nowhere, &["lint", "story.md"]).stdout, text.stdout);
    assert_eq!(lint(dir.path(), &nowhere, &args).stdout, first.stdout);

    // A damaged cache file is a miss: same output, and the file is written afresh.
    std::fs::write(&files[0], b"starl\0rs but not really").unwrap();
    assert_eq!(lint(dir.path(), &cache, &args).stdout, first.stdout);
    assert!(std::fs::read(&files[0]).unwrap().len() > 1000);
}

#[test]
fn user_rules_get_their_own_cache_and_errors_are_reported_every_time() {
    let dir = scratch();
    let cache = dir.path().join("cache");
    write(dir.path(), "story.md", format!("{GOOD}\nWe had great synergy.\n"));
    write(dir.path(), "starl.toml", "rules = [\"mine.toml\"]\n");
    let rule = "[[rule]]\nid = \"jargon\"\nkind = \"red-flag\"\nseverity = \"warning\"\nmessage = \"jargon\"\nhelp = \"say it plainly\"\npatterns = [\"synergy\"]\n";
    write(dir.path(), "mine.toml", rule);
    let args = ["lint", "--format", "json", "story.md"];

    let builtin_only = lint(dir.path(), &cache, &["lint", "--config", "/dev/null", "--format", "json", "story.md"]);
    assert!(!builtin_only.stdout.contains("jargon"), "{builtin_only:?}");
    let with_rule = lint(dir.path(), &cache, &args);
    assert!(Run::rules_of(&with_rule.json()[0]).contains(&"jargon".to_owned()), "{with_rule:?}");
    assert_eq!(lint(dir.path(), &cache, &args).stdout, with_rule.stdout);
    assert_eq!(cache_files(&cache).len(), 2, "one for the built-in rules, one with mine.toml");

    // Edited: a new key, and the edit shows.
    write(dir.path(), "mine.toml", rule.replace("synergy", "great"));
    let edited = lint(dir.path(), &cache, &args);
    assert!(edited.stdout.contains("jargon") && edited.stdout != with_rule.stdout, "{edited:?}");
    assert_eq!(cache_files(&cache).len(), 3);

    // Broken: the same error, with file and line, on every run; nothing cached for it.
    write(dir.path(), "mine.toml", "[[rule]]\nid = \"jargon\"\nkind = \"nope\"\n");
    let broken = lint(dir.path(), &cache, &args);
    assert_eq!(broken.code, 2, "{broken:?}");
    assert!(broken.stderr.contains("mine.toml:3"), "{broken:?}");
    assert_eq!(broken.stderr.matches("mine.toml:3").count(), 1, "said once: {broken:?}");
    let again = lint(dir.path(), &cache, &args);
    assert_eq!((again.code, &again.stderr), (broken.code, &broken.stderr));
    assert_eq!(cache_files(&cache).len(), 3);
}
