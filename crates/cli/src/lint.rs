//! `starl lint`: read stories, analyse each one, print the reports as they come, and decide the
//! exit status.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Result};
use starl_analyzer::{Report, Severity};
use starl_config::Overrides;

use crate::inputs::{self, Failed};
use crate::render::{self, Format, Story};
use crate::settings::{self, ConfigArgs};
use crate::{report_error, report_note, EXIT_TROUBLE};

const EXAMPLES: &str = "\
\x1b[1m\x1b[4mExamples:\x1b[0m
  starl lint story.md
  starl lint stories/ --format short
  cat story.md | starl lint -
  starl lint --format json stories/ | jq '.[] | {path, score}'
  starl lint story.md --disable hedging,dramatic-language --framework star-l
  starl lint stories/ --deny warnings           Fail on warnings too (for CI)

\x1b[1m\x1b[4mExit status:\x1b[0m
  0  no error-level finding
  1  at least one error (or any warning under --deny warnings)
  2  a usage error, a bad configuration, or an input that could not be read";

/// Check failure stories and say what an interviewer will hear.
///
/// Every story gets its findings (red flags quoted from the text, and story-level checks such as
/// a missing lesson or a story too long to tell), its strengths, five theme scores and an overall
/// score, its spoken length, the framework and parts found, and the questions it can answer.
///
/// Configuration comes from the first starl.toml (or .starl.toml) in the current folder or its
/// parents, else ~/.config/starl/starl.toml; the options below apply on top. A rule can be
/// silenced inside a story with <!-- starl-disable RULE -->.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct LintArgs {
    /// Story files or folders, or - for standard input. A folder stands for every .md, .markdown
    /// and .txt file under it, sorted (hidden folders and target/ are skipped). .txt files are
    /// read as plain text, everything else as Markdown.
    #[arg(value_name = "PATHS", value_hint = clap::ValueHint::AnyPath)]
    pub paths: Vec<PathBuf>,

    /// Output format: annotated findings for people, one JSON array for programs, or one line
    /// per finding for editors and grep.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,

    /// Do not report this rule (repeatable, or comma-separated).
    #[arg(long, value_name = "RULE", value_delimiter = ',')]
    pub disable: Vec<String>,

    /// Report this rule even if the configuration disables it (repeatable, or comma-separated).
    #[arg(long, value_name = "RULE", value_delimiter = ',')]
    pub enable: Vec<String>,

    /// Check against this framework instead of inferring it: star, star-l, four-part or arc.
    #[arg(long, value_name = "FRAMEWORK")]
    pub framework: Option<String>,

    #[command(flatten)]
    pub config: ConfigArgs,

    /// Exit with status 1 on warnings too, not only on errors.
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub deny: Option<Deny>,

    /// Speaking pace in words per minute, for spoken time and too-long (60-400; default 150).
    #[arg(long, value_name = "N")]
    pub wpm: Option<u32>,

    /// Refuse inputs larger than this many bytes (suffixes K and M are 1024-based).
    #[arg(long, value_name = "BYTES", default_value = "1M", value_parser = parse_size)]
    pub max_size: u64,

    /// Print only the findings: no strengths and no summary.
    #[arg(short, long, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Also print where each part starts, and the configuration file used (on standard error).
    #[arg(short, long)]
    pub verbose: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Deny {
    Warnings,
}

/// A byte count: digits with an optional 1024-based K or M (`K`, `KB`, `KiB` ...).
fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let digits = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (n, unit) = s.split_at(digits);
    let n: u64 = n.parse().map_err(|_| format!("`{s}` is not a size in bytes (e.g. 1048576, 512K, 2M)"))?;
    let factor = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        _ => return Err(format!("`{s}`: unknown unit `{unit}` (use K or M)")),
    };
    n.checked_mul(factor).ok_or_else(|| format!("`{s}` is too large"))
}

/// What the stories said, added up: enough to print totals and choose the exit status.
#[derive(Debug, Default)]
pub struct Tally {
    pub stories: usize,
    pub unreadable: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

impl Tally {
    /// The findings of one report.
    pub fn of(report: &Report) -> Tally {
        let mut t = Tally::default();
        t.add(report);
        t
    }

    fn add(&mut self, report: &Report) {
        self.stories += 1;
        for d in &report.diagnostics {
            match d.severity {
                Severity::Error => self.errors += 1,
                Severity::Warning => self.warnings += 1,
                Severity::Info => self.infos += 1,
            }
        }
    }

    fn exit_code(&self, deny_warnings: bool) -> ExitCode {
        if self.unreadable > 0 {
            ExitCode::from(EXIT_TROUBLE)
        } else if self.errors > 0 || (deny_warnings && self.warnings > 0) {
            ExitCode::FAILURE
        } else {
            ExitCode::SUCCESS
        }
    }
}

pub fn run(args: &LintArgs) -> Result<ExitCode> {
    if args.paths.is_empty() {
        bail!(
            "no stories to check\n\n  hint: name story files or folders, or - for standard input:\n        \
             starl lint story.md\n        cat story.md | starl lint -"
        );
    }
    let config = args.config.load()?;
    if args.verbose {
        match &config.path {
            Some(p) => report_note(&format!("configuration: {}", p.display())),
            None => report_note("configuration: none found, using the defaults"),
        }
    }
    let overrides = Overrides {
        framework: args.framework.clone(),
        words_per_minute: args.wpm,
        disable: args.disable.clone(),
        enable: args.enable.clone(),
        syntax: None,
    };
    let analyzer = settings::analyzer(&config, &overrides)?;
    let deny_warnings = args.deny == Some(Deny::Warnings) || config.deny_warnings();

    let mut printer = render::printer(args.format, render::Detail { quiet: args.quiet, verbose: args.verbose });
    let mut tally = Tally::default();
    printer.begin()?;
    for item in inputs::expand(&args.paths) {
        let read = item.and_then(|input| match inputs::read(&input, args.max_size) {
            Ok(text) => Ok((input, text)),
            Err(error) => Err(Failed { name: input.name, error }),
        });
        match read {
            Ok((input, text)) => {
                let report = analyzer.analyze_as(&text, input.syntax);
                tally.add(&report);
                printer.story(&Story { name: &input.name, text: &text, report: &report, analyzer: &analyzer })?;
            }
            Err(failed) => {
                tally.unreadable += 1;
                report_error(&format!("{}: {}", failed.name, failed.error));
            }
        }
    }
    printer.finish(&tally)?;
    // The process ends now: freeing the compiled rules one allocation at a time would only cost
    // time (~1.4M instructions, more than analysing a story).
    std::mem::forget(analyzer);
    Ok(tally.exit_code(deny_warnings))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1048576"), Ok(1 << 20));
        assert_eq!(parse_size("512K"), Ok(512 << 10));
        assert_eq!(parse_size("2 MiB"), Ok(2 << 20));
        assert!(parse_size("2G").is_err());
        assert!(parse_size("lots").is_err());
        assert!(parse_size("99999999999999999999M").is_err());
    }
}
