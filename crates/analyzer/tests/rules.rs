//! Every rule file is valid, every rule of the coaching model exists, and every rule's own
//! `fire` examples fire it and its `pass` examples do not.

use starl_analyzer::{Analyzer, Kind, Report, RuleSet};

/// The rule ids of `shared/design/coaching-model.md`: a public contract.
const CONTRACT: &[&str] = &[
    "blame-shifting",
    "excuse",
    "minimizing",
    "external-only",
    "humble-brag",
    "trivial-failure",
    "too-severe",
    "never-failed",
    "evasive-passive",
    "hedging",
    "we-instead-of-i",
    "generic-learning",
    "no-learning",
    "no-change",
    "no-specifics",
    "too-long",
    "too-short",
    "missing-part",
    "dramatic-language",
    "self-deprecation",
    "owns-it",
    "quantified",
    "root-cause",
    "communicated",
    "systemic-fix",
    "applied-later",
];

fn fired(r: &Report, id: &str) -> bool {
    r.diagnostics.iter().any(|d| d.rule == id) || r.strengths.iter().any(|s| s.rule == id)
}

#[test]
fn every_contract_rule_exists_with_its_words() {
    let rules = RuleSet::builtin();
    for id in CONTRACT {
        let r = rules.rule(id).unwrap_or_else(|| panic!("rule `{id}` is missing"));
        assert!(!r.summary.is_empty(), "{id}: no summary");
        assert!(!r.explanation.is_empty(), "{id}: no explanation");
        if matches!(r.kind, Kind::RedFlag | Kind::Story) {
            assert!(!r.message.is_empty() && !r.help.is_empty(), "{id}: no message or help");
        }
        assert!(r.bad.is_some() || r.good.is_some(), "{id}: no example for `starl explain`");
    }
}

#[test]
fn every_rule_example_behaves() {
    let analyzer = Analyzer::builtin();
    let mut failures = Vec::new();
    let mut checked = 0;
    for rule in &analyzer.rules().rules {
        if rule.kind == Kind::Signal {
            continue;
        }
        if !matches!(rule.id.as_str(), "too-long") {
            assert!(!rule.fire.is_empty(), "{}: no `fire` examples", rule.id);
        }
        for text in &rule.fire {
            checked += 1;
            if !fired(&analyzer.analyze(text), &rule.id) {
                failures.push(format!("{} should fire on: {text}", rule.id));
            }
        }
        for text in &rule.pass {
            checked += 1;
            if fired(&analyzer.analyze(text), &rule.id) {
                failures.push(format!("{} should NOT fire on: {text}", rule.id));
            }
        }
    }
    assert!(failures.is_empty(), "{} of {checked} rule examples fail:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn signals_examples_behave() {
    // Signals are not reported; check them through the facts they feed.
    let a = Analyzer::builtin();
    let r = a.analyze("We built it for nine months. The market shifted and there was nothing anyone could do.");
    assert!(fired(&r, "external-only"));
    let r = a.analyze("The market shifted, and I had skipped every customer interview, which was my mistake.");
    assert!(!fired(&r, "external-only"));
}

#[test]
fn user_rule_files_extend_and_override() {
    let extra = vec![(
        "mine.toml".to_owned(),
        r#"
[lexicons]
other_party = ["the platform guild"]

[[rule]]
id = "jargon"
kind = "red-flag"
severity = "info"
summary = "Team jargon."
message = "Jargon the interviewer will not know."
help = "Say it plainly."
patterns = ["synergy|synergies"]
fire = ["We had great synergy."]
"#
        .to_owned(),
    )];
    let rules = RuleSet::load(&extra).expect("valid user file");
    let a = Analyzer::new(rules, Default::default()).unwrap();
    assert!(fired(&a.analyze("We had great synergy."), "jargon"));
    assert!(fired(&a.analyze("The platform guild never told me about the freeze."), "blame-shifting"));
}

#[test]
fn rule_file_errors_name_file_and_line() {
    let bad = |text: &str| RuleSet::load(&[("mine.toml".into(), text.into())]).unwrap_err();
    let e = bad(
        "[[rule]]\nid = \"x\"\nkind = \"red-flag\"\nseverity = \"info\"\nmessage = \"m\"\nhelp = \"h\"\ncolour = 3\n",
    );
    assert_eq!(e.file, "mine.toml");
    assert!(e.message.contains("colour"), "{e}");
    let e = bad("[[rule]]\nid = \"x\"\nkind = \"strength\"\npatterns = [\n  \"ok\",\n  \".. bad\",\n]\n");
    assert_eq!((e.file.as_str(), e.line), ("mine.toml", 6), "{e}");
    let e = bad("[[rule]]\nid = \"x\"\nkind = \"strength\"\npatterns = [\"@nosuch word\"]\n");
    assert!(e.message.contains("@nosuch"), "{e}");
    let e = bad("[[rule]]\nid = \"Bad Id\"\nkind = \"strength\"\n");
    assert!(e.message.contains("kebab-case"), "{e}");
    // `[analysis]` values are checked once every file is read: the error still names the file
    // and the line that set them.
    let e = bad("# mine\n[analysis]\nwe_min = 3\n  setup_parts = [\"situation\", \"prologue\"]\n");
    assert_eq!((e.file.as_str(), e.line), ("mine.toml", 4), "{e}");
    assert!(e.message.contains("setup_parts") && e.message.contains("prologue"), "{e}");
    let e = bad("[analysis]\nprose_required_parts = [\"epilogue\"]\n");
    assert_eq!((e.file.as_str(), e.line), ("mine.toml", 2), "{e}");
    let e = bad("\n\n[analysis]\ndefault_framework = \"haiku\"\n");
    assert_eq!((e.file.as_str(), e.line), ("mine.toml", 4), "{e}");
    assert!(e.message.contains("haiku"), "{e}");
}

#[test]
fn rewrites_cover_the_whole_phrase() {
    let a = Analyzer::builtin();
    let text = "Some mistakes were made in the mapping.";
    let r = a.analyze(text);
    let d = r.diagnostics.iter().find(|d| d.rule == "evasive-passive").expect("flagged");
    assert_eq!(&text[d.start.unwrap()..d.end.unwrap()], "Some mistakes were made");
    assert_eq!(d.replacement.as_deref(), Some("I made some mistakes"));
    let r = a.analyze("We kind of noticed it late.");
    let d = r.diagnostics.iter().find(|d| d.rule == "hedging").expect("flagged");
    assert_eq!((d.excerpt.as_deref(), d.replacement.as_deref()), (Some("kind of"), Some("")));
}

#[test]
fn quantities_are_quoted_with_their_symbols() {
    let r = Analyzer::builtin().analyze("About 8% of pages were stale, which cost us $1,900 and ¥3,000.");
    let q: Vec<&str> = r.strengths.iter().filter(|s| s.rule == "quantified").map(|s| s.excerpt.as_str()).collect();
    assert_eq!(q, ["8%", "$1,900", "¥3,000"]);
}

/// No built-in rule lists a pattern twice and no lexicon an entry twice: a repeat costs a match
/// attempt (or a trie walk) on every story and says nothing new, and it is how near-twins start.
#[test]
fn built_in_rules_repeat_no_pattern_or_lexicon_entry() {
    let mut repeats = Vec::new();
    for (name, text) in starl_analyzer::BUILTIN {
        let doc: toml::Table = toml::from_str(text).unwrap();
        let mut lists: Vec<(String, &toml::Value)> = Vec::new();
        for rule in doc.get("rule").and_then(|r| r.as_array()).into_iter().flatten() {
            if let Some(p) = rule.get("patterns") {
                lists.push((format!("rule {}", rule["id"]), p));
            }
        }
        for (lexicon, entries) in doc.get("lexicons").and_then(|l| l.as_table()).into_iter().flatten() {
            lists.push((format!("lexicon {lexicon}"), entries));
        }
        for (what, list) in lists {
            let mut seen = std::collections::HashSet::new();
            for item in list.as_array().into_iter().flatten().filter_map(|v| v.as_str()) {
                if !seen.insert(item) {
                    repeats.push(format!("{name}: {what}: {item}"));
                }
            }
        }
    }
    assert!(repeats.is_empty(), "repeated:\n{}", repeats.join("\n"));
}
