//! `starl rules`, `starl explain`, `starl completions` and the help.

mod common;

use common::*;
use starl_analyzer::{Kind, RuleSet};

#[test]
fn rules_lists_every_reported_rule_grouped() {
    let dir = scratch();
    let run = starl(dir.path(), &["rules"]);
    assert_eq!(run.code, 0, "{run:?}");
    let out = &run.stdout;
    let (flags, story, strengths) =
        (out.find("Red flags").expect(out), out.find("Story checks").expect(out), out.find("Strengths").expect(out));
    assert!(flags < story && story < strengths, "{out}");
    let builtin = RuleSet::builtin();
    for r in &builtin.rules {
        let line = out.lines().find(|l| l.split_whitespace().next() == Some(r.id.as_str()));
        if r.kind == Kind::Signal {
            assert!(line.is_none(), "internal signal {} is listed: {out}", r.id);
            continue;
        }
        let line = line.unwrap_or_else(|| panic!("{} is not listed: {out}", r.id));
        assert!(line.contains(r.summary.as_str()), "{line}");
        if r.kind != Kind::Strength {
            assert!(line.contains(r.severity.as_str()), "{line}");
        }
        let position = out.find(line).unwrap();
        let group = match r.kind {
            Kind::RedFlag => flags..story,
            Kind::Story => story..strengths,
            _ => strengths..out.len(),
        };
        assert!(group.contains(&position), "{} is in the wrong group: {out}", r.id);
    }
    assert!(line_of(out, "blame-shifting").contains("warning"));
    assert!(line_of(out, "no-learning").contains("error"));
}

fn line_of<'a>(out: &'a str, id: &str) -> &'a str {
    out.lines().find(|l| l.split_whitespace().next() == Some(id)).unwrap()
}

#[test]
fn rules_json_and_configured_severities() {
    let dir = scratch();
    write(dir.path(), "starl.toml", "disable = [\"hedging\"]\n[severity]\nexcuse = \"error\"\n");
    let run = starl(dir.path(), &["rules", "--format", "json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let entries = run.json();
    let entries = entries.as_array().unwrap();
    let reported = RuleSet::builtin().rules.iter().filter(|r| r.kind != Kind::Signal).count();
    assert_eq!(entries.len(), reported);
    let get = |id: &str| entries.iter().find(|e| e["id"] == id).unwrap_or_else(|| panic!("{id}"));
    assert_eq!(get("blame-shifting")["kind"], "red-flag");
    assert_eq!(get("blame-shifting")["severity"], "warning");
    assert_eq!(get("hedging")["severity"], "off");
    assert_eq!(get("excuse")["severity"], "error");
    assert_eq!(get("no-learning")["kind"], "story");
    assert_eq!(get("owns-it")["kind"], "strength");
    assert!(get("owns-it")["severity"].is_null());
    assert!(get("owns-it")["summary"].as_str().is_some_and(|s| !s.is_empty()));
}

#[test]
fn explain_prints_everything_about_a_rule() {
    let dir = scratch();
    let rules = RuleSet::builtin();
    let rule = rules.rule("blame-shifting").unwrap();
    let run = starl(dir.path(), &["explain", "blame-shifting"]);
    assert_eq!(run.code, 0, "{run:?}");
    let out = &run.stdout;
    // Explanation, message, help and examples are wrapped: compare words.
    let words = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let flat = words(&out.replace(['✗', '✓'], ""));
    for (what, text) in [
        ("summary", &rule.summary),
        ("explanation", &rule.explanation),
        ("message", &rule.message),
        ("help", &rule.help),
        ("bad example", rule.bad.as_ref().unwrap()),
        ("good example", rule.good.as_ref().unwrap()),
    ] {
        assert!(flat.contains(&words(text)), "{what} missing: {out}");
    }
    assert!(out.contains("warning"), "{out}");
    assert!(out.contains(&format!("seeds {}", rule.seeds.join(", "))), "{out}");
    assert!(out.contains(&format!("{} patterns", rule.patterns.len())), "{out}");
    assert!(out.contains("Instead of") && out.contains('✗') && out.contains('✓'), "{out}");
}

#[test]
fn explain_suggests_a_near_rule() {
    let dir = scratch();
    let run = starl(dir.path(), &["explain", "blame-shiftin"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("unknown rule `blame-shiftin`; did you mean `blame-shifting`?"), "{run:?}");
    assert!(run.stdout.is_empty());
    let far = starl(dir.path(), &["explain", "zzzzzzzzzz"]);
    assert_eq!(far.code, 2);
    assert!(far.stderr.contains("starl rules"), "{far:?}");
    // Internal signals are not rules a user can look up.
    let signal = RuleSet::builtin().rules.iter().find(|r| r.kind == Kind::Signal).map(|r| r.id.clone());
    if let Some(signal) = signal {
        assert_eq!(starl(dir.path(), &["explain", &signal]).code, 2);
    }
}

#[test]
fn completions_for_every_shell() {
    let dir = scratch();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let run = starl(dir.path(), &["completions", shell]);
        assert_eq!(run.code, 0, "{shell}: {run:?}");
        assert!(run.stdout.contains("starl") && run.stdout.contains("lint"), "{shell}: {run:?}");
        assert!(run.stdout.contains("format") && run.stdout.contains("max-size"), "{shell}: {run:?}");
    }
    assert_eq!(starl(dir.path(), &["completions", "tcsh"]).code, 2);
}

#[test]
fn help_teaches_with_examples() {
    let dir = scratch();
    let top = starl(dir.path(), &["--help"]);
    assert_eq!(top.code, 0);
    assert!(top.stdout.contains("failure stories") && top.stdout.contains("interview"), "{top:?}");
    for command in ["lint", "rules", "explain", "completions", "lsp"] {
        assert!(top.stdout.contains(&format!("  {command} ")), "{command}: {top:?}");
    }
    assert!(top.stdout.contains("Examples:"), "{top:?}");
    assert!(!top.stdout.contains('\u{1b}'), "no styles into a pipe: {top:?}");

    let lint = starl(dir.path(), &["lint", "--help"]);
    for example in [
        "starl lint story.md",
        "starl lint stories/ --format short",
        "cat story.md | starl lint -",
        "starl lint --format json stories/ | jq",
        "Exit status:",
    ] {
        assert!(lint.stdout.contains(example), "{example}: {lint:?}");
    }
    for command in ["rules", "explain", "completions"] {
        let run = starl(dir.path(), &[command, "--help"]);
        assert_eq!(run.code, 0);
        assert!(run.stdout.contains("Examples:"), "{command}: {run:?}");
        assert!(run.stdout.lines().nth(2).is_some_and(|l| !l.is_empty()), "{command} has a long description: {run:?}");
    }
    assert!(starl(dir.path(), &["explain", "--help"]).stdout.contains("starl explain blame-shifting"));
    let version = starl(dir.path(), &["--version"]);
    assert!(version.stdout.starts_with("starl "), "{version:?}");
}
