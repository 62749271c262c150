//! Markdown for hovers and text for the summary lens: what `starl explain` and the end of
//! `starl lint` say, in an editor's words.

use std::fmt::Write;

use starl_analyzer::{Diagnostic, Kind, Report, Rule, RuleSet, Severity};

/// A rule's full explanation, in the sections `starl explain RULE` prints, in Markdown.
/// `severity` is the one in force (the configuration may change a rule's).
pub fn explain(rule: &Rule, severity: Severity) -> String {
    let mut s = String::new();
    let _ = write!(s, "**`{}`**", rule.id);
    if !rule.summary.trim().is_empty() {
        let _ = write!(s, ": {}", rule.summary.trim());
    }
    let kind = match rule.kind {
        Kind::RedFlag => "red flag",
        Kind::Story => "story check",
        Kind::Strength => "strength",
        Kind::Signal => "signal",
    };
    let mut facts = vec![kind.to_owned(), severity.as_str().to_owned()];
    if !rule.seeds.is_empty() {
        facts.push(format!("seeds {}", rule.seeds.join(", ")));
    }
    let _ = write!(s, "\n\n*{}*", facts.join(" · "));
    for (title, body) in [
        ("Why it matters", &rule.explanation),
        ("What an interviewer hears", &rule.message),
        ("What to do instead", &rule.help),
    ] {
        if !body.trim().is_empty() {
            let _ = write!(s, "\n\n#### {title}\n\n{}", body.trim());
        }
    }
    for (title, mark, text) in [("Instead of", "✗", &rule.bad), ("Say", "✓", &rule.good)] {
        if let Some(text) = text.as_deref().filter(|t| !t.trim().is_empty()) {
            let _ = write!(s, "\n\n#### {title}\n\n{}", quote(&format!("{mark} {}", text.trim())));
        }
    }
    let _ = write!(
        s,
        "\n\n*Defined in {0}. Silence it in this story with `<!-- starl-disable {1} -->`, or everywhere with `disable = [\"{1}\"]` in `starl.toml`.*",
        rule.source, rule.id
    );
    s
}

fn quote(text: &str) -> String {
    text.trim().lines().map(|l| format!("> {l}")).collect::<Vec<_>>().join("\n")
}

/// `m:ss`.
pub fn duration(seconds: u32) -> String {
    format!("{}:{:02}", seconds / 60, seconds % 60)
}

fn framework_name(rules: &RuleSet, report: &Report) -> String {
    rules.framework(&report.framework).map_or_else(|| report.framework.clone(), |f| f.name.clone())
}

/// The parts found, in story order, each once, by name.
fn parts_found(rules: &RuleSet, report: &Report) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for p in &report.parts {
        let name = rules.parts.iter().find(|q| q.id == p.part).map_or(p.part.as_str(), |q| q.name.as_str());
        let name = if name.is_empty() { p.part.as_str() } else { name };
        if !names.iter().any(|n| n == name) {
            names.push(name.to_owned());
        }
    }
    names
}

/// The one-line summary (code lens title, message).
pub fn summary_line(rules: &RuleSet, report: &Report) -> String {
    let parts = parts_found(rules, report);
    format!(
        "starl: score {}/100 · {} spoken · {} words · {} · parts: {}",
        report.score,
        duration(report.spoken_seconds),
        report.words,
        framework_name(rules, report),
        if parts.is_empty() { "none".to_owned() } else { parts.join(", ") },
    )
}

/// The summary of the story, in Markdown: score, themes, spoken time, words, framework, parts,
/// and the findings about the story as a whole (which have no words to hover).
pub fn summary(rules: &RuleSet, report: &Report) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "### starl: score {}/100\n", report.score);
    let themes = report.themes.iter();
    let names: Vec<&str> = themes.iter().map(|(t, _)| *t).collect();
    let values: Vec<String> = themes.iter().map(|(_, v)| v.to_string()).collect();
    let _ = writeln!(s, "| {} |", names.join(" | "));
    let _ = writeln!(s, "|{}", "---:|".repeat(themes.len()));
    let _ = writeln!(s, "| {} |\n", values.join(" | "));
    let parts = parts_found(rules, report);
    let _ = writeln!(s, "- **Spoken:** {} ({} words)", duration(report.spoken_seconds), report.words);
    let _ = writeln!(s, "- **Framework:** {}", framework_name(rules, report));
    let _ = writeln!(
        s,
        "- **Parts found:** {}{}",
        if parts.is_empty() { "none".to_owned() } else { parts.join(", ") },
        match report.structure {
            starl_analyzer::Structure::Headings => " (from headings)",
            starl_analyzer::Structure::Prose => " (inferred from the prose)",
        }
    );
    if !report.category.is_empty() {
        let _ = writeln!(s, "- **Kind of failure:** {}", report.category);
    }
    let count = |sev: Severity| report.diagnostics.iter().filter(|d| d.severity == sev).count();
    let plural = |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let _ = writeln!(
        s,
        "- **Findings:** {}, {}, {} info",
        plural(count(Severity::Error), "error", "errors"),
        plural(count(Severity::Warning), "warning", "warnings"),
        count(Severity::Info)
    );
    if !report.strengths.is_empty() {
        let mut ids: Vec<&str> = Vec::new();
        for x in &report.strengths {
            if !ids.contains(&x.rule.as_str()) {
                ids.push(&x.rule);
            }
        }
        let _ = writeln!(s, "- **Strengths:** {}", ids.join(", "));
    }
    let story: Vec<&Diagnostic> = report.diagnostics.iter().filter(|d| d.start.is_none()).collect();
    if !story.is_empty() {
        let _ = writeln!(s, "\n**About the story as a whole:**\n");
        for d in story {
            let summary = rules.rule(&d.rule).map_or("", |r| r.summary.trim());
            let text = if summary.is_empty() { d.message.trim() } else { summary };
            let _ = writeln!(s, "- `{}` ({}): {}", d.rule, d.severity.as_str(), text);
        }
    }
    s.trim_end().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use starl_analyzer::Analyzer;

    #[test]
    fn explanation_has_every_section() {
        let a = Analyzer::builtin();
        let rule = a.rules().rule("hedging").unwrap();
        let md = explain(rule, Severity::Info);
        for needle in [
            "`hedging`",
            "Vague softening",
            "red flag · info",
            "Why it matters",
            "What an interviewer hears",
            "What to do instead",
            "#### Instead of",
            "> ✗ We kind of",
            "#### Say",
            "> ✓ I noticed",
            "hedging.toml",
        ] {
            assert!(md.contains(needle), "{needle} in {md}");
        }
    }

    #[test]
    fn summary_has_score_themes_time_and_parts() {
        let a = Analyzer::builtin();
        let r = a.analyze("## Situation\nI shipped a bug.\n\n## Action\nI rolled it back in 10 minutes.\n");
        let md = summary(a.rules(), &r);
        for needle in ["score", "ownership", "prevention", "Spoken:", "0:0", "Framework:", "Parts found:", "Situation"]
        {
            assert!(md.contains(needle), "{needle} in {md}");
        }
        assert_eq!(duration(125), "2:05");
        assert!(summary_line(a.rules(), &r).contains("words"));
    }
}
