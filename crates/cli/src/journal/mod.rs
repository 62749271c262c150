//! The failure journal and the story bank: `starl log`, `entries`, `show`, `edit`, `rm`, `due`,
//! `followup`, `story ...`, `bank`, `export`, `import`. Everything here speaks to the
//! [`starl_store::Store`] interface; the only place that knows it is SQLite is [`open_store`].

mod bank;
mod editor;
mod entries;
mod export;
pub mod format;
mod log;
mod progress;
mod story;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use jiff::civil::Date;
use jiff::Timestamp;
use starl_store::{Store, StoreError};
use starl_store_sqlite::SqliteStore;

/// The journal's commands, flattened into the top-level command list.
#[derive(Debug, clap::Subcommand)]
pub enum JournalCommand {
    Log(log::LogArgs),
    Entries(entries::EntriesArgs),
    Show(entries::ShowArgs),
    Edit(log::EditArgs),
    Rm(entries::RmArgs),
    Due(entries::DueArgs),
    Followup(entries::FollowupArgs),
    /// Interview stories: new, list, show, edit, lint, rm, ready, pin, unpin.
    #[command(subcommand)]
    Story(story::StoryCommand),
    Bank(bank::BankArgs),
    Export(export::ExportArgs),
    Import(export::ImportArgs),
}

pub fn run(command: JournalCommand) -> Result<ExitCode> {
    match command {
        JournalCommand::Log(a) => log::log(&a),
        JournalCommand::Entries(a) => entries::entries(&a),
        JournalCommand::Show(a) => entries::show(&a),
        JournalCommand::Edit(a) => log::edit(&a),
        JournalCommand::Rm(a) => entries::rm(&a),
        JournalCommand::Due(a) => entries::due(&a),
        JournalCommand::Followup(a) => entries::followup(&a),
        JournalCommand::Story(c) => story::run(c),
        JournalCommand::Bank(a) => bank::bank(&a),
        JournalCommand::Export(a) => export::export(&a),
        JournalCommand::Import(a) => export::import(&a),
    }
}

/// Where the database is: `--db`, else `STARL_DB`, else `$XDG_DATA_HOME/starl/starl.db`.
#[derive(Debug, Clone, clap::Args)]
pub struct DbArgs {
    /// The journal database [default: $XDG_DATA_HOME/starl/starl.db, usually
    /// ~/.local/share/starl/starl.db]. Created on first use.
    #[arg(long, value_name = "PATH", env = "STARL_DB")]
    pub db: Option<PathBuf>,
}

impl DbArgs {
    pub fn path(&self) -> Result<PathBuf> {
        if let Some(p) = &self.db {
            return Ok(p.clone());
        }
        use etcetera::BaseStrategy;
        let base = etcetera::choose_base_strategy().context("cannot find your home folder; use --db PATH")?;
        Ok(base.data_dir().join("starl").join("starl.db"))
    }

    /// Open the database, creating it (and its folder) on first use.
    pub fn open(&self) -> Result<Box<dyn Store>> {
        let path = self.path()?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).with_context(|| format!("cannot create the data folder {}", dir.display()))?;
        }
        let store = SqliteStore::open(&path).map_err(store_error)?;
        Ok(Box::new(store))
    }
}

/// A store error as the user should read it.
pub fn store_error(e: StoreError) -> anyhow::Error {
    match e {
        StoreError::NotFound { kind, id } => {
            anyhow::anyhow!(
                "no {kind} with id {id} (see `starl {}`)",
                if kind == "entry" { "entries" } else { "story list" }
            )
        }
        e => anyhow::Error::new(e),
    }
}

/// Shorthand: `store.call().map_err(store_error)?`.
pub trait StoreResult<T> {
    fn or_user(self) -> Result<T>;
}

impl<T> StoreResult<T> for Result<T, StoreError> {
    fn or_user(self) -> Result<T> {
        self.map_err(store_error)
    }
}

/// Now, to the second.
pub fn now() -> Timestamp {
    starl_store::truncate(Timestamp::now())
}

/// Today in the local time zone.
pub fn today() -> Date {
    jiff::Zoned::now().date()
}

/// `YYYY-MM-DD`, or `today`, `yesterday`.
pub fn parse_date(s: &str) -> std::result::Result<Date, String> {
    match s {
        "today" => Ok(today()),
        "yesterday" => today().yesterday().map_err(|e| e.to_string()),
        _ => s.parse().map_err(|_| format!("`{s}` is not a date: use YYYY-MM-DD, today or yesterday")),
    }
}

/// Output formats of the listing commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ListFormat {
    Table,
    Json,
}

/// Print JSON on standard output.
pub fn print_json<T: serde::Serialize + ?Sized>(value: &T) -> Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)?;
    Ok(())
}

/// Cut `s` to `width` characters, with an ellipsis.
pub fn clip(s: &str, width: usize) -> String {
    let one: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() <= width {
        one
    } else {
        let mut c: String = one.chars().take(width.saturating_sub(1)).collect();
        c.push('…');
        c
    }
}
