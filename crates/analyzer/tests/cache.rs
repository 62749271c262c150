//! A rule set read back from its bytes (`RuleSet::to_bytes`, the rule cache of `starl-config`)
//! analyses every story exactly as the rule set it was written from.

use std::path::{Path, PathBuf};

use starl_analyzer::{Analyzer, Options, RuleSet, Syntax};

fn stories() -> Vec<(PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let mut out = Vec::new();
    for dir in ["cases", "holdout"] {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(root.join(dir))
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "md"))
            .collect();
        paths.sort();
        out.extend(paths.into_iter().map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            (p, text)
        }));
    }
    assert!(out.len() >= 200, "the stories went missing: {}", out.len());
    out
}

/// Both rule sets, as analyzers with `options`, give byte-identical JSON reports for every story.
fn assert_same_reports(fresh: RuleSet, cached: RuleSet, options: Options) {
    let fresh = Analyzer::new(fresh, options.clone()).unwrap();
    let cached = Analyzer::new(cached, options).unwrap();
    for (path, text) in stories() {
        let a = serde_json::to_string(&fresh.analyze(&text)).unwrap();
        let b = serde_json::to_string(&cached.analyze(&text)).unwrap();
        assert_eq!(a, b, "{}", path.display());
    }
}

#[test]
fn builtin_rules_read_back_analyse_every_story_the_same() {
    let bytes = RuleSet::builtin().to_bytes();
    let cached = RuleSet::from_bytes(&bytes).unwrap();
    assert_same_reports(RuleSet::builtin(), cached, Options::default());
    // Options that reach other parts of the rule set: a forced framework, plain text.
    let cached = RuleSet::from_bytes(&bytes).unwrap();
    let options = Options { framework: Some("star".into()), syntax: Syntax::Plain, ..Options::default() };
    assert_same_reports(RuleSet::builtin(), cached, options);
}

#[test]
fn user_rules_read_back_analyse_every_story_the_same() {
    // A user file that extends a built-in lexicon, replaces a built-in rule and adds one.
    let extra = vec![(
        "team.toml".to_owned(),
        r#"
[lexicons]
other_party = ["the platform guild"]

[[rule]]
id = "jargon"
kind = "red-flag"
severity = "warning"
message = "jargon"
help = "say what you did"
patterns = ["synergy", "leverag* _? @other_party?"]
"#
        .to_owned(),
    )];
    let fresh = RuleSet::load(&extra).unwrap();
    let cached = RuleSet::from_bytes(&fresh.to_bytes()).unwrap();
    assert!(cached.rule("jargon").is_some());
    assert_eq!(cached.lexicon_len("other_party"), fresh.lexicon_len("other_party"));
    assert_same_reports(RuleSet::load(&extra).unwrap(), cached, Options::default());
}
