//! `starl entries`, `show`, `rm`, `due` and `followup`.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use anyhow::{bail, Result};
use jiff::civil::Date;
use starl_store::{Category, Entry, EntryFilter, FollowUpStatus, Id};

use super::format::entry_to_markdown;
use super::log::parse_category;
use super::{clip, now, parse_date, print_json, today, DbArgs, ListFormat, StoreResult};

/// The table shows this many entries unless `--limit` says otherwise.
pub const DEFAULT_TABLE_LIMIT: usize = 100;

/// List journal entries, most recent first.
///
/// The table shows the 100 most recent that match (and says how many more there are); JSON
/// gives them all. `--limit N` changes either; `--limit 0` means no limit.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
EXAMPLES:
  starl entries --tag database --since 2026-01-01
  starl entries --search 'migration rollback'
  starl entries --format json | jq '.[].title'")]
pub struct EntriesArgs {
    /// Only entries with this tag (repeatable: all must be present).
    #[arg(long, value_delimiter = ',')]
    pub tag: Vec<String>,
    /// Only this category: technical, leadership or communication.
    #[arg(long, value_parser = parse_category)]
    pub category: Option<Category>,
    /// Only entries that happened on or after this date.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub since: Option<Date>,
    /// Only entries that happened on or before this date.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub until: Option<Date>,
    /// Full-text search: every word must occur (as the start of a word) in the entry.
    #[arg(long, value_name = "WORDS")]
    pub search: Option<String>,
    /// At most this many entries; 0 for all [default: 100 in the table, all in JSON].
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
    #[command(flatten)]
    pub db: DbArgs,
}

/// Show one entry (in the Markdown form `starl edit` uses).
#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    pub id: Id,
    /// markdown or json.
    #[arg(long, value_enum, default_value_t = ShowFormat::Markdown)]
    pub format: ShowFormat,
    #[command(flatten)]
    pub db: DbArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ShowFormat {
    Markdown,
    Json,
}

/// Remove an entry (asks first). Stories made from it stay, unlinked.
#[derive(Debug, clap::Args)]
pub struct RmArgs {
    pub id: Id,
    /// Do not ask.
    #[arg(long, short)]
    pub yes: bool,
    #[command(flatten)]
    pub db: DbArgs,
}

/// List the follow-ups that are due: did the change you promised stick?
#[derive(Debug, clap::Args)]
pub struct DueArgs {
    /// Due on or before this date [default: today].
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub on: Option<Date>,
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
    #[command(flatten)]
    pub db: DbArgs,
}

/// Record whether the change you promised in an entry stuck, and the evidence.
///
/// The evidence is what makes a story's "applied later" true: `starl story new --from ID` offers it.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
EXAMPLES:
  starl followup 12 --held --evidence 'Two migrations since, both dry-run first'
  starl followup 12 --didnt-hold --evidence 'Skipped the checklist under deadline'")]
pub struct FollowupArgs {
    pub id: Id,
    /// The change stuck.
    #[arg(long, conflicts_with = "didnt_hold", required_unless_present = "didnt_hold")]
    pub held: bool,
    /// The change did not stick.
    #[arg(long)]
    pub didnt_hold: bool,
    /// What shows it (a date, a number, what happened next time).
    #[arg(long, value_name = "TEXT", default_value = "")]
    pub evidence: String,
    #[command(flatten)]
    pub db: DbArgs,
}

fn table(entries: &[Entry]) -> Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{:>5}  {:<10}  {:<13}  {:>3}  {:<48}  TAGS", "ID", "HAPPENED", "CATEGORY", "SEV", "TITLE")?;
    for e in entries {
        writeln!(
            out,
            "{:>5}  {:<10}  {:<13}  {:>3}  {:<48}  {}",
            e.id,
            e.happened,
            e.category.map_or("-", |c| c.as_str()),
            e.severity.map_or("-".to_owned(), |s| s.to_string()),
            clip(&e.title, 48),
            e.tags.join(",")
        )?;
    }
    Ok(())
}

pub fn entries(a: &EntriesArgs) -> Result<ExitCode> {
    let limit = match (a.limit, a.format) {
        (Some(0), _) | (None, ListFormat::Json) => None,
        (Some(n), _) => Some(n),
        (None, ListFormat::Table) => Some(DEFAULT_TABLE_LIMIT),
    };
    let mut filter = EntryFilter {
        tags: a.tag.clone(),
        category: a.category,
        since: a.since,
        until: a.until,
        search: a.search.clone(),
        // One more than shown says whether there are more, without counting them all.
        limit: limit.map(|n| n.saturating_add(1)),
    };
    let mut store = a.db.open()?;
    let mut list = store.entries(&filter).or_user()?;
    let more = limit.is_some_and(|n| list.len() > n);
    if let Some(n) = limit {
        list.truncate(n);
    }
    match a.format {
        ListFormat::Json => print_json(&list)?,
        ListFormat::Table if list.is_empty() => {
            crate::report_note("no entries (write one with `starl log`)");
        }
        ListFormat::Table => {
            table(&list)?;
            if more {
                filter.limit = None;
                let rest = store.count_entries(&filter).or_user()?.saturating_sub(list.len()).max(1);
                crate::report_note(&format!(
                    "{rest} more {}: use --limit N to see more (--limit 0 for all), or narrow the search",
                    if rest == 1 { "entry" } else { "entries" },
                ));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn show(a: &ShowArgs) -> Result<ExitCode> {
    let e = a.db.open()?.entry(a.id).or_user()?;
    match a.format {
        ShowFormat::Json => print_json(&e)?,
        ShowFormat::Markdown => print!("{}", entry_to_markdown(&e, false)),
    }
    Ok(ExitCode::SUCCESS)
}

/// Ask a yes/no question on the terminal; no terminal means no.
pub fn confirm(question: &str) -> Result<bool> {
    if !std::io::stdin().is_terminal() {
        bail!("{question} — not asking without a terminal; pass --yes to confirm");
    }
    eprint!("{question} [y/N] ");
    std::io::stderr().flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(matches!(line.trim().to_lowercase().as_str(), "y" | "yes"))
}

pub fn rm(a: &RmArgs) -> Result<ExitCode> {
    let mut store = a.db.open()?;
    let e = store.entry(a.id).or_user()?;
    if !a.yes && !confirm(&format!("remove entry {}: {}?", e.id, e.title))? {
        crate::report_note("nothing removed");
        return Ok(ExitCode::from(1));
    }
    store.delete_entry(a.id).or_user()?;
    println!("removed entry {}: {}", e.id, e.title);
    Ok(ExitCode::SUCCESS)
}

pub fn due(a: &DueArgs) -> Result<ExitCode> {
    let on = a.on.unwrap_or_else(today);
    let list = a.db.open()?.due_follow_ups(on).or_user()?;
    match a.format {
        ListFormat::Json => print_json(&list)?,
        ListFormat::Table if list.is_empty() => crate::report_note(&format!("no follow-up due by {on}")),
        ListFormat::Table => {
            let mut out = std::io::stdout().lock();
            for e in &list {
                let due = e.follow_up.as_ref().map(|f| f.due.to_string()).unwrap_or_default();
                writeln!(out, "{:>5}  due {due}  {}", e.id, clip(&e.title, 60))?;
                writeln!(out, "       will change: {}", clip(&e.will_change, 80))?;
            }
            writeln!(out, "\nRecord each: starl followup ID --held|--didnt-hold --evidence '...'")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn followup(a: &FollowupArgs) -> Result<ExitCode> {
    let status = if a.held { FollowUpStatus::Held } else { FollowUpStatus::DidntHold };
    let e = a.db.open()?.record_follow_up(a.id, status, &a.evidence, now()).or_user()?;
    println!("entry {}: the change {}", e.id, if a.held { "held" } else { "did not hold" });
    if a.held && a.evidence.trim().is_empty() {
        crate::report_note("add --evidence: it is what makes a story's `applied-later` true");
    }
    Ok(ExitCode::SUCCESS)
}
