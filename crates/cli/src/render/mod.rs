//! Printing reports: one [`Printer`] per output format, each fed one story at a time so that
//! nothing but the current story is held in memory.

mod human;
mod json;
mod short;

use std::borrow::Cow;
use std::io;

use anstyle::Style;
use starl_analyzer::{Analyzer, Report, Severity};

use crate::lint::Tally;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Annotated findings, strengths and a summary per story.
    Human,
    /// One JSON array with one report per story (see report-format.md).
    Json,
    /// One line per finding: path:line:col: severity[rule] message.
    Short,
}

/// How much the human format prints besides the findings.
#[derive(Debug, Clone, Copy, Default)]
pub struct Detail {
    pub quiet: bool,
    pub verbose: bool,
}

/// One analysed story.
pub struct Story<'a> {
    /// The path as given, or `-` for standard input.
    pub name: &'a str,
    pub text: &'a str,
    pub report: &'a Report,
    pub analyzer: &'a Analyzer,
}

impl Story<'_> {
    /// The name to show people: standard input has no path.
    fn display_name(&self) -> &str {
        if self.name == "-" {
            "<stdin>"
        } else {
            self.name
        }
    }
}

pub trait Printer {
    fn begin(&mut self) -> io::Result<()> {
        Ok(())
    }
    fn story(&mut self, story: &Story) -> io::Result<()>;
    fn finish(&mut self, tally: &Tally) -> io::Result<()>;
}

pub fn printer(format: Format, detail: Detail) -> Box<dyn Printer> {
    match format {
        Format::Human => Box::new(human::Human::new(anstream::stdout().lock(), detail)),
        Format::Json => Box::new(json::Json::new(io::BufWriter::new(io::stdout().lock()))),
        Format::Short => Box::new(short::Short::new(io::BufWriter::new(anstream::stdout().lock()))),
    }
}

/// The colour of a severity, the same as in annotated findings.
pub fn severity_style(severity: Severity) -> Style {
    match severity {
        Severity::Error => annotate_snippets::renderer::DEFAULT_ERROR_STYLE,
        Severity::Warning => annotate_snippets::renderer::DEFAULT_WARNING_STYLE,
        Severity::Info => annotate_snippets::renderer::DEFAULT_INFO_STYLE,
    }
}

/// Story text made safe to print on one line: control characters (escape sequences, line breaks)
/// and text-direction overrides are neutralised and runs of whitespace become one space.
fn one_line(s: &str) -> Cow<'_, str> {
    let unsafe_char =
        |c: char| c.is_control() || matches!(c, '\u{200d}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    if !s.chars().any(unsafe_char) {
        return Cow::Borrowed(s);
    }
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    Cow::Owned(annotate_snippets::normalize_untrusted_str(&s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_neutralises_escapes_and_breaks() {
        assert_eq!(one_line("It was my mistake"), "It was my mistake");
        assert_eq!(one_line("kind of\n  slipped"), "kind of slipped");
        assert!(!one_line("bad \u{1b}[31mred").contains('\u{1b}'));
    }
}
