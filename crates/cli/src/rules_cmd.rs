//! `starl rules` and `starl explain`: the rules, as the configuration in force has them.

use std::io::{self, Write};
use std::process::ExitCode;

use anstyle::{AnsiColor, Style};
use anyhow::{bail, Result};
use serde::Serialize;
use starl_analyzer::{Analyzer, Kind, Rule, Severity};
use starl_config::Overrides;

use crate::render::severity_style;
use crate::settings::{self, ConfigArgs};

const BOLD: Style = Style::new().bold();
const DIM: Style = Style::new().dimmed();
const HEADING: Style = AnsiColor::Cyan.on_default().bold();
const WIDTH: usize = 96;

/// List every rule starl reports: red flags, story checks and strengths.
///
/// Shows each rule's id, kind, severity (as the configuration in force sets it; "off" when it is
/// disabled) and a one-line summary. Rules added by the configuration's rule files are included.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
\x1b[1m\x1b[4mExamples:\x1b[0m
  starl rules
  starl rules --format json | jq -r '.[] | select(.kind == \"red-flag\") | .id'
  starl explain hedging")]
pub struct RulesArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Human)]
    format: ListFormat,

    #[command(flatten)]
    config: ConfigArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ListFormat {
    Human,
    Json,
}

/// Explain a rule: why interviewers care, what to say instead, and an example of each.
///
/// Prints the rule's full explanation, the source documents it comes from, its severity, the
/// message and help a finding carries, a bad example and a better one, and how many patterns it
/// matches.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
\x1b[1m\x1b[4mExamples:\x1b[0m
  starl explain blame-shifting
  starl explain no-learning
  starl explain owns-it")]
pub struct ExplainArgs {
    /// The rule id, as `starl rules` lists it.
    #[arg(value_name = "RULE")]
    rule: String,

    #[command(flatten)]
    config: ConfigArgs,
}

/// The rules as the configuration has them.
fn configured(config: &ConfigArgs) -> Result<Analyzer> {
    settings::analyzer(&config.load()?, &Overrides::default())
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::RedFlag => "red-flag",
        Kind::Story => "story",
        Kind::Strength => "strength",
        Kind::Signal => "signal",
    }
}

/// The severity a rule is reported at: `None` for strengths, which carry none, and `Some(None)`
/// when the configuration turns the rule off.
fn effective_severity(analyzer: &Analyzer, rule: &Rule) -> Option<Option<Severity>> {
    if rule.kind == Kind::Strength {
        return None;
    }
    let o = analyzer.options();
    if o.disabled.contains(&rule.id) {
        return Some(None);
    }
    Some(Some(o.severities.iter().rev().find(|(id, _)| *id == rule.id).map_or(rule.severity, |(_, s)| *s)))
}

const GROUPS: [(Kind, &str, &str); 3] = [
    (Kind::RedFlag, "Red flags", "found in the words of a story"),
    (Kind::Story, "Story checks", "about the story as a whole"),
    (Kind::Strength, "Strengths", "what already works"),
];

#[derive(Serialize)]
struct RuleEntry<'a> {
    id: &'a str,
    kind: &'static str,
    /// `null` for strengths; `"off"` when disabled.
    severity: Option<&'static str>,
    summary: &'a str,
}

pub fn rules(args: &RulesArgs) -> Result<ExitCode> {
    let analyzer = configured(&args.config)?;
    let mut out = anstream::stdout().lock();
    let listed = |kind: Kind| {
        let mut v: Vec<&Rule> = analyzer.rules().rules.iter().filter(|r| r.kind == kind).collect();
        v.sort_by(|a, b| a.id.cmp(&b.id));
        v
    };
    let severity_name = |r: &Rule| effective_severity(&analyzer, r).map(|s| s.map_or("off", Severity::as_str));
    match args.format {
        ListFormat::Json => {
            let entries: Vec<RuleEntry> = GROUPS
                .iter()
                .flat_map(|&(kind, _, _)| listed(kind))
                .map(|r| RuleEntry {
                    id: &r.id,
                    kind: kind_name(r.kind),
                    severity: severity_name(r),
                    summary: &r.summary,
                })
                .collect();
            serde_json::to_writer_pretty(&mut out, &entries)?;
            writeln!(out)?;
        }
        ListFormat::Human => {
            let width = analyzer.rules().rules.iter().filter(|r| r.kind != Kind::Signal).map(|r| r.id.len()).max();
            let width = width.unwrap_or(0);
            for (i, &(kind, title, about)) in GROUPS.iter().enumerate() {
                if i > 0 {
                    writeln!(out)?;
                }
                writeln!(out, "{HEADING}{title}{HEADING:#} {DIM}({about}){DIM:#}")?;
                for r in listed(kind) {
                    let severity = match effective_severity(&analyzer, r) {
                        None => String::from("       "),
                        Some(None) => format!("{DIM}{:7}{DIM:#}", "off"),
                        Some(Some(s)) => {
                            let style = severity_style(s);
                            format!("{style}{:7}{style:#}", s.as_str())
                        }
                    };
                    writeln!(out, "  {BOLD}{:width$}{BOLD:#}  {severity}  {}", r.id, r.summary)?;
                }
            }
            writeln!(out, "\n{DIM}`starl explain RULE` tells why a rule matters and what to say instead.{DIM:#}")?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

pub fn explain(args: &ExplainArgs) -> Result<ExitCode> {
    let analyzer = configured(&args.config)?;
    let rules = analyzer.rules();
    let Some(rule) = rules.rule(&args.rule).filter(|r| r.kind != Kind::Signal) else {
        let hint = match settings::closest_rule(rules, &args.rule) {
            Some(close) => format!("did you mean `{close}`?"),
            None => "`starl rules` lists them all".to_owned(),
        };
        bail!("unknown rule `{}`; {hint}", args.rule);
    };
    let mut out = anstream::stdout().lock();
    write_explanation(&mut out, &analyzer, rule)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn write_explanation(out: &mut impl Write, analyzer: &Analyzer, r: &Rule) -> io::Result<()> {
    writeln!(out, "{BOLD}{}{BOLD:#}: {}", r.id, r.summary)?;
    let mut facts = vec![kind_name(r.kind).replace('-', " ")];
    match effective_severity(analyzer, r) {
        Some(Some(s)) => {
            let style = severity_style(s);
            facts.push(format!("{style}{}{style:#}", s.as_str()));
        }
        Some(None) => facts.push("off in this configuration".into()),
        None => {}
    }
    if !r.seeds.is_empty() {
        facts.push(format!("seeds {}", r.seeds.join(", ")));
    }
    facts.push(match (r.kind, r.patterns.len()) {
        (Kind::Story, 0) => "checked on the whole story".into(),
        (_, 1) => "1 pattern".into(),
        (_, n) => format!("{n} patterns"),
    });
    writeln!(out, "  {}", facts.join(" · "))?;

    let section = |out: &mut dyn Write, title: &str, body: &str| -> io::Result<()> {
        if body.trim().is_empty() {
            return Ok(());
        }
        writeln!(out, "\n{HEADING}{title}{HEADING:#}")?;
        for line in wrap(body, WIDTH - 2) {
            writeln!(out, "  {line}")?;
        }
        Ok(())
    };
    section(out, "Why it matters", &r.explanation)?;
    // Story checks fill `{part}` in with the part a story lacks.
    section(out, "What an interviewer hears", &r.message.replace("{part}", "<part>"))?;
    section(out, "What to do instead", &r.help.replace("{part}", "<part>"))?;
    let example = |out: &mut dyn Write, title: &str, mark: &str, style: Style, text: &Option<String>| {
        let Some(text) = text.as_deref().filter(|t| !t.trim().is_empty()) else { return Ok(()) };
        writeln!(out, "\n{HEADING}{title}{HEADING:#}")?;
        for (i, line) in wrap(text, WIDTH - 4).into_iter().enumerate() {
            let mark = if i == 0 { mark } else { " " };
            writeln!(out, "  {style}{mark}{style:#} {line}")?;
        }
        io::Result::Ok(())
    };
    example(out, "Instead of", "✗", AnsiColor::Red.on_default(), &r.bad)?;
    example(out, "Say", "✓", AnsiColor::Green.on_default(), &r.good)?;
    writeln!(out, "\n{DIM}Defined in {}.{DIM:#}", r.source)
}

/// Word-wrap text to `width` columns, keeping paragraphs (blank lines) apart.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    for (i, paragraph) in text.trim().split("\n\n").enumerate() {
        if i > 0 {
            lines.push(String::new());
        }
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
                lines.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        if !line.is_empty() {
            lines.push(line);
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_keeps_paragraphs_and_width() {
        let lines = wrap("one two three\nfour five\n\nsix", 9);
        assert_eq!(lines, ["one two", "three", "four five", "", "six"]);
        assert!(wrap("", 10).is_empty());
    }
}
