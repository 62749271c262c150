//! `starl log` and `starl edit`: write a failure down, in the editor or from flags or a file.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use jiff::civil::Date;
use starl_store::{Category, Entry, FollowUp, Id, DEFAULT_FOLLOW_UP_DAYS};

use super::editor::{edit_until_valid, Edited};
use super::format::{entry_from_markdown, entry_is_blank, entry_to_markdown};
use super::{now, parse_date, today, DbArgs, StoreResult};

/// Write down a failure: what went wrong, why, and what you learned.
///
/// With no options, opens $EDITOR (fallback vi) on a Markdown template with the fields of a good
/// entry. Leave it blank to abort. If what you wrote cannot be read, the editor opens again with
/// the error on top. With --title, the entry is made from the options instead; with
/// --from-file, from a Markdown file in the template's form (- for standard input).
#[derive(Debug, clap::Args)]
#[command(after_help = "\
EXAMPLES:
  starl log
  starl log --title 'Shipped a migration that locked orders' --what 'Checkout was down 40 min' \\
            --learned 'Dry-run schema changes on production-sized data' --tag database
  starl log --from-file entry.md")]
pub struct LogArgs {
    /// The title: a non-interactive entry from these options.
    #[arg(long)]
    pub title: Option<String>,
    /// What happened.
    #[arg(long, value_name = "TEXT")]
    pub what: Option<String>,
    /// What it cost.
    #[arg(long, value_name = "TEXT")]
    pub impact: Option<String>,
    /// Your part in it.
    #[arg(long, value_name = "TEXT")]
    pub my_part: Option<String>,
    /// Why it happened.
    #[arg(long, value_name = "TEXT")]
    pub root_cause: Option<String>,
    /// What you did about it.
    #[arg(long, value_name = "TEXT")]
    pub did: Option<String>,
    /// What you learned.
    #[arg(long, value_name = "TEXT")]
    pub learned: Option<String>,
    /// What you will change (gets a follow-up).
    #[arg(long, value_name = "TEXT")]
    pub change: Option<String>,
    /// When it happened: YYYY-MM-DD, today or yesterday [default: today].
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub happened: Option<Date>,
    /// technical, leadership or communication.
    #[arg(long, value_parser = parse_category)]
    pub category: Option<Category>,
    /// A tag (repeatable, or comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub tag: Vec<String>,
    /// 1 (minor) to 5 (severe).
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=5))]
    pub severity: Option<u8>,
    /// When to check whether the change stuck [default: 30 days from today].
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub follow_up: Option<Date>,
    /// Read the entry from this Markdown file (- for standard input).
    #[arg(long, value_name = "PATH", conflicts_with = "title")]
    pub from_file: Option<PathBuf>,
    #[command(flatten)]
    pub db: DbArgs,
}

/// Edit an entry in $EDITOR.
#[derive(Debug, clap::Args)]
pub struct EditArgs {
    /// The entry's id (see `starl entries`).
    pub id: Id,
    #[command(flatten)]
    pub db: DbArgs,
}

pub fn parse_category(s: &str) -> Result<Category, String> {
    s.parse().map_err(|e: starl_store::StoreError| e.to_string())
}

/// Give an entry with something to change, and no follow-up, its follow-up.
fn add_follow_up(e: &mut Entry, due: Option<Date>) {
    if e.follow_up.is_none() && !e.will_change.trim().is_empty() {
        let due = due
            .unwrap_or_else(|| today().checked_add(jiff::Span::new().days(DEFAULT_FOLLOW_UP_DAYS)).unwrap_or(today()));
        e.follow_up = Some(FollowUp::open(due));
    }
}

fn read_source(path: &PathBuf) -> Result<String> {
    if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).context("cannot read standard input")?;
        Ok(s)
    } else {
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
    }
}

pub fn log(a: &LogArgs) -> Result<ExitCode> {
    let now = now();
    let mut base = Entry::new("", a.happened.unwrap_or_else(today), now);
    base.category = a.category;
    base.severity = a.severity;
    base.tags = a.tag.clone();
    let mut entry = if let Some(title) = &a.title {
        let mut e = base;
        e.title = title.clone();
        for (field, v) in [
            ("what_happened", &a.what),
            ("impact", &a.impact),
            ("my_part", &a.my_part),
            ("root_cause", &a.root_cause),
            ("what_i_did", &a.did),
            ("learned", &a.learned),
            ("will_change", &a.change),
        ] {
            if let (Some(f), Some(v)) = (e.text_field_mut(field), v) {
                *f = v.trim().to_owned();
            }
        }
        e
    } else if let Some(path) = &a.from_file {
        let text = read_source(path)?;
        entry_from_markdown(&text, &base)
            .map_err(|e| anyhow::anyhow!("{}:{}: {}", path.display(), e.line, e.message))?
    } else {
        // Open the database first: no point writing an entry that cannot be saved.
        a.db.open()?;
        let template = entry_to_markdown(&base, true);
        let (edited, scratch) =
            edit_until_valid("entry", &template, entry_is_blank, |t| entry_from_markdown(t, &base))?;
        let mut e = match edited {
            Edited::Done(e) => e,
            Edited::Aborted => {
                crate::report_note("aborting: the entry is empty");
                return Ok(ExitCode::from(1));
            }
        };
        e.created = now;
        e.updated = now;
        add_follow_up(&mut e, a.follow_up);
        let saved = a.db.open().and_then(|mut s| s.create_entry(&e).or_user());
        return match saved {
            Ok(e) => {
                drop(scratch);
                announce(&e);
                Ok(ExitCode::SUCCESS)
            }
            Err(err) => {
                let kept = scratch.keep();
                Err(err.context(format!("the entry was not saved; your text is kept in {}", kept.display())))
            }
        };
    };
    entry.created = now;
    entry.updated = now;
    add_follow_up(&mut entry, a.follow_up);
    let e = a.db.open()?.create_entry(&entry).or_user()?;
    announce(&e);
    Ok(ExitCode::SUCCESS)
}

fn announce(e: &Entry) {
    let mut msg = format!("logged entry {}: {}", e.id, e.title);
    if let Some(f) = &e.follow_up {
        msg.push_str(&format!(" (follow-up due {})", f.due));
    }
    println!("{msg}");
}

pub fn edit(a: &EditArgs) -> Result<ExitCode> {
    let mut store = a.db.open()?;
    let original = store.entry(a.id).or_user()?;
    let text = entry_to_markdown(&original, false);
    let (edited, scratch) =
        edit_until_valid("entry", &text, |t| t.trim().is_empty(), |t| entry_from_markdown(t, &original))?;
    let mut e = match edited {
        Edited::Done(e) => e,
        Edited::Aborted => {
            crate::report_note(&format!("entry {} unchanged", a.id));
            return Ok(ExitCode::SUCCESS);
        }
    };
    e.id = original.id;
    e.created = original.created;
    e.updated = now();
    add_follow_up(&mut e, None);
    if e == (Entry { updated: e.updated, ..original }) {
        crate::report_note(&format!("entry {} unchanged", a.id));
        return Ok(ExitCode::SUCCESS);
    }
    match store.update_entry(&e).or_user() {
        Ok(e) => {
            drop(scratch);
            println!("updated entry {}: {}", e.id, e.title);
            Ok(ExitCode::SUCCESS)
        }
        Err(err) => {
            let kept = scratch.keep();
            bail!("{err:#}; your text is kept in {}", kept.display())
        }
    }
}
