//! `--format human`: rustc-style annotated findings, then the story's strengths and a summary.
//! Styles are always written; the anstream writer strips them when colour is off.

use std::io::{self, Write};

use annotate_snippets::{AnnotationKind, Group, Level, Origin, Patch, Renderer, Snippet};
use anstyle::{AnsiColor, Style};
use starl_analyzer::{Diagnostic, RuleSet, Severity, Strength, Structure};

use super::{one_line, severity_style, Detail, Printer, Story};
use crate::lint::Tally;

const BOLD: Style = Style::new().bold();
const DIM: Style = Style::new().dimmed();
const GOOD: Style = AnsiColor::Green.on_default();
const FAIR: Style = AnsiColor::Yellow.on_default();
const POOR: Style = AnsiColor::Red.on_default();
/// Width of the summary's field names.
const FIELD: usize = 10;
/// Longest strength excerpt shown in full.
const EXCERPT_CHARS: usize = 40;
/// Excerpts shown per strength rule.
const STRENGTH_EXCERPTS: usize = 2;

fn level(severity: Severity) -> Level<'static> {
    match severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Info => Level::INFO,
    }
}

/// Green, yellow or red for a 0-100 score.
fn score_style(score: u8) -> Style {
    match score {
        70.. => GOOD,
        40.. => FAIR,
        _ => POOR,
    }
}

pub struct Human<W: Write> {
    out: W,
    renderer: Renderer,
    detail: Detail,
}

impl<W: Write> Human<W> {
    pub fn new(out: W, detail: Detail) -> Self {
        // Long paragraph lines are cut around the finding to fit this width.
        let width = std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()).unwrap_or(100);
        Human { out, renderer: Renderer::styled().term_width(width), detail }
    }

    fn diagnostic(&mut self, story: &Story, d: &Diagnostic) -> io::Result<()> {
        let title = level(d.severity).primary_title(d.message.as_str()).id(d.rule.as_str());
        let help = Level::HELP.message(d.help.as_str());
        let name = story.display_name();
        let rendered = match span_window(story.text, d) {
            Some(w) => {
                let label = story.analyzer.rules().rule(&d.rule).map_or(String::new(), |r| short_label(&r.summary));
                let source = Snippet::source(w.text).line_start(w.line).path(name);
                let mut groups = vec![Group::with_title(title)
                    .element(source.annotation(AnnotationKind::Primary.span(w.span.clone()).label(label)))
                    .element(help)];
                if let Some(r) = &d.replacement {
                    let advice = if r.is_empty() { "leave it out" } else { "say it plainly" };
                    let mut span = w.span.clone();
                    if r.is_empty() {
                        // Delete a space next to the words too, so that one space remains.
                        if w.text[span.end..].starts_with(' ') {
                            span.end += 1;
                        } else if w.text[..span.start].ends_with(' ') {
                            span.start -= 1;
                        }
                    }
                    groups.push(Group::with_title(Level::HELP.secondary_title(advice)).element(
                        Snippet::source(w.text).line_start(w.line).path(name).patch(Patch::new(span, r.as_str())),
                    ));
                }
                self.renderer.render(&groups)
            }
            None => self.renderer.render(&[Group::with_title(title).element(Origin::path(name)).element(help)]),
        };
        writeln!(self.out, "{rendered}\n")
    }

    fn summary(&mut self, story: &Story) -> io::Result<()> {
        let (r, rules) = (story.report, story.analyzer.rules());
        let out = &mut self.out;
        let score = score_style(r.score).bold();
        let findings = findings(&Tally::of(r));
        writeln!(out, "{BOLD}{}{BOLD:#}: score {score}{}/100{score:#} · {findings}", story.display_name(), r.score)?;
        strengths(out, &r.strengths)?;

        let themes: Vec<String> = r
            .themes
            .iter()
            .into_iter()
            .map(|(name, v)| {
                let style = score_style(v);
                format!("{name} {style}{v}{style:#}")
            })
            .collect();
        field(out, "themes", &themes.join(" · "))?;

        let limit = story.analyzer.options().max_seconds;
        let spoken = mmss(r.spoken_seconds);
        let spoken = if r.spoken_seconds > limit { format!("{POOR}{spoken}{POOR:#}") } else { spoken };
        field(out, "length", &format!("{} words · {spoken} spoken (limit {})", r.words, mmss(limit)))?;

        let framework = rules.framework(&r.framework);
        let how = match r.structure {
            Structure::Headings => "from its headings",
            Structure::Prose => "inferred from prose",
        };
        field(out, "framework", &format!("{} ({how})", framework.map_or(r.framework.as_str(), |f| f.name.as_str())))?;

        // Parts in the order they first appear, then the framework's parts not found.
        fn name_of<'a>(rules: &'a RuleSet, id: &'a str) -> &'a str {
            rules.part_id(id).map_or(id, |p| rules.parts[p as usize].name.as_str())
        }
        let part_name = |id| name_of(rules, id);
        let mut found: Vec<&str> = Vec::new();
        for p in &r.parts {
            if !found.contains(&p.part.as_str()) {
                found.push(&p.part);
            }
        }
        let expected = framework.map_or(&[][..], |f| &f.parts[..]);
        let missing: Vec<&str> = expected
            .iter()
            .map(|&p| rules.parts[p as usize].id.as_str())
            .filter(|id| !found.contains(id))
            .map(part_name)
            .collect();
        let mut parts = match found.len() {
            0 => "none found".to_owned(),
            _ => found.iter().map(|p| part_name(p)).collect::<Vec<_>>().join(" → "),
        };
        if !missing.is_empty() {
            parts += &format!("  {FAIR}missing: {}{FAIR:#}", missing.join(", "));
        }
        field(out, "parts", &parts)?;
        if self.detail.verbose {
            let width = r.parts.iter().map(|p| part_name(&p.part).chars().count()).max().unwrap_or(0);
            for p in &r.parts {
                writeln!(out, "  {:FIELD$}   {:width$}  {DIM}line {}{DIM:#}", "", part_name(&p.part), p.line)?;
            }
        }

        field(out, "category", &r.category)?;
        field(out, "fits", &if r.fits.is_empty() { "no common question".to_owned() } else { r.fits.join(", ") })
    }
}

fn field(out: &mut impl Write, name: &str, value: &str) -> io::Result<()> {
    writeln!(out, "  {DIM}{name:FIELD$}{DIM:#} {value}")
}

/// One line per strength rule, in order of first appearance, with its first few excerpts.
fn strengths(out: &mut impl Write, strengths: &[Strength]) -> io::Result<()> {
    let mut by_rule: Vec<(&str, Vec<&Strength>)> = Vec::new();
    for s in strengths {
        match by_rule.iter_mut().find(|(rule, _)| *rule == s.rule) {
            Some((_, v)) => v.push(s),
            None => by_rule.push((&s.rule, vec![s])),
        }
    }
    let width = by_rule.iter().map(|(rule, _)| rule.len()).max().unwrap_or(0);
    for (i, (rule, found)) in by_rule.iter().enumerate() {
        let name = if i == 0 { "strengths" } else { "" };
        let mut shown: Vec<String> = found
            .iter()
            .take(STRENGTH_EXCERPTS)
            .map(|s| format!("“{}” {DIM}(line {}){DIM:#}", clip(&one_line(&s.excerpt), EXCERPT_CHARS), s.line))
            .collect();
        if found.len() > STRENGTH_EXCERPTS {
            shown.push(format!("{DIM}+{} more{DIM:#}", found.len() - STRENGTH_EXCERPTS));
        }
        writeln!(out, "  {DIM}{name:FIELD$}{DIM:#} {GOOD}✓{GOOD:#} {rule:width$} {}", shown.join(", "))?;
    }
    Ok(())
}

/// `1 error, 2 warnings` in their colours, leaving out the severities with none.
fn findings(t: &Tally) -> String {
    let counts = [(Severity::Error, t.errors), (Severity::Warning, t.warnings), (Severity::Info, t.infos)];
    let parts: Vec<String> = counts
        .into_iter()
        .filter(|&(_, n)| n > 0)
        .map(|(s, n)| {
            let style = severity_style(s);
            format!("{style}{}{style:#}", count(n, s.as_str(), &format!("{}s", s.as_str())))
        })
        .collect();
    if parts.is_empty() {
        format!("{GOOD}no findings{GOOD:#}")
    } else {
        parts.join(", ")
    }
}

impl<W: Write> Printer for Human<W> {
    fn story(&mut self, story: &Story) -> io::Result<()> {
        for d in &story.report.diagnostics {
            self.diagnostic(story, d)?;
        }
        if !self.detail.quiet {
            self.summary(story)?;
            writeln!(self.out)?;
        }
        Ok(())
    }

    fn finish(&mut self, t: &Tally) -> io::Result<()> {
        if !self.detail.quiet && t.stories + t.unreadable > 1 {
            let stories = count(t.stories, "story", "stories");
            let mut line = format!("{BOLD}{stories} checked{BOLD:#}: {}", findings(t));
            if t.unreadable > 0 {
                line += &format!("; {POOR}{} could not be read{POOR:#}", count(t.unreadable, "input", "inputs"));
            }
            writeln!(self.out, "{line}")?;
        }
        self.out.flush()
    }
}

/// The lines of the story that hold a finding, and the finding's span within them.
struct Window<'a> {
    text: &'a str,
    span: std::ops::Range<usize>,
    line: usize,
}

/// Only the lines of a finding go to the renderer: a story can be long, and every line handed
/// over is scanned. `None` for story-level findings (and for a span that does not fit the text,
/// which the analyzer never gives, rather than panicking).
fn span_window<'a>(text: &'a str, d: &Diagnostic) -> Option<Window<'a>> {
    let (start, end, line) = (d.start?, d.end?, d.line?);
    if start > end || !text.is_char_boundary(start) || !text.is_char_boundary(end) || end > text.len() {
        return None;
    }
    let from = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let mut to = text[end..].find('\n').map_or(text.len(), |i| end + i);
    if to > end && text[..to].ends_with('\r') {
        to -= 1;
    }
    Some(Window { text: &text[from..to], span: start - from..end - from, line })
}

/// A rule's summary as an underline label: "Responsibility pushed onto others." becomes
/// "responsibility pushed onto others".
fn short_label(summary: &str) -> String {
    let s = summary.trim().trim_end_matches('.');
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", s[..i].trim_end()),
        None => s.to_owned(),
    }
}

/// `1 story`, `2 stories`.
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Seconds as `m:ss`.
fn mmss(seconds: u32) -> String {
    format!("{}:{:02}", seconds / 60, seconds % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert_eq!(mmss(125), "2:05");
        assert_eq!(mmss(180), "3:00");
        assert_eq!(short_label("Responsibility pushed onto others."), "responsibility pushed onto others");
        assert_eq!(clip("abcdef", 3), "abc…");
        assert_eq!(clip("abc", 3), "abc");
        assert_eq!(count(1, "story", "stories"), "1 story");
        assert_eq!(count(0, "story", "stories"), "0 stories");
    }

    #[test]
    fn windows_hold_whole_lines_without_carriage_returns() {
        let text = "Line one.\r\nThe requirements kept changing.\r\nEnd.";
        let start = text.find("requirements").unwrap();
        let d = Diagnostic {
            rule: "blame-shifting".into(),
            severity: Severity::Warning,
            message: String::new(),
            help: String::new(),
            start: Some(start),
            end: Some(start + 12),
            line: Some(2),
            column: Some(5),
            excerpt: Some("requirements".into()),
            replacement: None,
        };
        let w = span_window(text, &d).unwrap();
        assert_eq!(w.text, "The requirements kept changing.");
        assert_eq!(&w.text[w.span.clone()], "requirements");
        assert!(span_window(text, &Diagnostic { start: None, ..d.clone() }).is_none());
        assert!(span_window(text, &Diagnostic { end: Some(9999), ..d }).is_none());
    }
}
