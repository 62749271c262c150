//! `starl review`: the quarterly review of the failure log (000).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Result};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use starl_coach::review::{self as coach, Inputs, Period};
use starl_store::{AttemptFilter, EntryFilter, StoryFilter};

use super::{term_width, write_file};
use crate::journal::{parse_date, print_json, today, DbArgs, StoreResult};

/// Review your failure log for a quarter: patterns, lessons, follow-ups, stories and practice.
///
/// What failed, by category, severity and tag; the root-cause words and tags that recur across
/// entries; the lessons you wrote down and whether their follow-ups held; the stories you wrote
/// and made ready; and how your practice scores moved. In the terminal with bar charts (fitted to
/// its width; plain numbers when it is too narrow), as JSON, or as one HTML page with charts that
/// opens offline. The default period is the current quarter.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
\x1b[1m\x1b[4mExamples:\x1b[0m
  starl review                                 This quarter so far
  starl review --quarter 2026-Q3               A past quarter
  starl review --since 2026-01-01 --until 2026-06-30 --format json
  starl review --quarter 2026-Q3 --html q3.html")]
pub struct ReviewArgs {
    /// The quarter: YYYY-QN, like 2026-Q3 [default: the current quarter].
    #[arg(long, value_name = "QUARTER", conflicts_with_all = ["since", "until"])]
    pub quarter: Option<String>,
    /// The first day of the period (YYYY-MM-DD, today or yesterday).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub since: Option<Date>,
    /// The last day of the period [default: today].
    #[arg(long, value_name = "DATE", value_parser = parse_date, requires = "since")]
    pub until: Option<Date>,
    /// text (with charts) or json.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Write the review as one self-contained HTML page to this file.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    #[command(flatten)]
    pub db: DbArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

pub fn run(a: &ReviewArgs) -> Result<ExitCode> {
    let period = match (&a.quarter, a.since) {
        (Some(q), _) => Period::quarter(q)?,
        (None, Some(since)) => Period::between(since, a.until.unwrap_or_else(today))?,
        (None, None) => Period::quarter_of(today()),
    };
    let tz = TimeZone::system();
    let (start, end) = period.instants(&tz);
    let mut store = a.db.open()?;
    // Entries of any date: earlier entries whose follow-up was recorded in the period count too.
    let entries = store.entries(&EntryFilter::default()).or_user()?;
    let stories = store.stories(&StoryFilter::default()).or_user()?;
    let attempts =
        store.attempts(&AttemptFilter { since: Some(start), until: Some(end), ..Default::default() }).or_user()?;
    let review = coach::review(
        &period,
        Inputs { entries: &entries, stories: &stories, attempts: &attempts, today: today(), tz: &tz },
    );
    if let Some(path) = &a.html {
        if path.as_os_str() == "-" {
            bail!("--html needs a file name");
        }
        write_file(path, &coach::render_html(&review))?;
        eprintln!("wrote {}", path.display());
    }
    match a.format {
        Format::Json => print_json(&review)?,
        Format::Text if a.html.is_some() => {}
        Format::Text => print!("{}", coach::render_text(&review, term_width())),
    }
    Ok(ExitCode::SUCCESS)
}
