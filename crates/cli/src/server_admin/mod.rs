//! The cohort server's storage from the command line: `starl migrate` (a journal between a
//! personal SQLite file and a server account) and `starl admin` (users, cohorts, invites).
//!
//! Both name a database as `sqlite:PATH` or `postgres://user@host/db` (also `postgresql://`);
//! the admin commands read `--database` or `STARL_DATABASE_URL`. Everything goes through
//! `starl_store::{Database, Accounts, Store}`: the backends decide nothing here.

mod admin;
mod migrate;

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use starl_store::Database;
use starl_store_postgres::PgDatabase;
use starl_store_sqlite::SqliteDatabase;

pub use admin::{run as admin, AdminCommand};
pub use migrate::{run as migrate, MigrateArgs};

/// Where a database is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Location {
    pub fn parse(s: &str) -> Result<Location> {
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            Ok(Location::Postgres(s.to_string()))
        } else if let Some(path) = s.strip_prefix("sqlite:") {
            if path.is_empty() {
                bail!("`sqlite:` needs a path, as in sqlite:~/.local/share/starl/starl.db");
            }
            Ok(Location::Sqlite(PathBuf::from(path)))
        } else {
            bail!(
                "`{}`: name a database as sqlite:PATH or postgres://user@host/dbname",
                starl_store_postgres::redact_url(s)
            )
        }
    }

    /// For messages: never a password.
    pub fn describe(&self) -> String {
        match self {
            Location::Sqlite(p) => format!("sqlite:{}", p.display()),
            Location::Postgres(url) => starl_store_postgres::redact_url(url),
        }
    }

    /// Open the database (creating a SQLite file, migrating either schema).
    pub fn open(&self) -> Result<Box<dyn Database>> {
        Ok(match self {
            Location::Sqlite(path) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
                }
                Box::new(SqliteDatabase::open(path).map_err(crate::journal::store_error)?)
            }
            Location::Postgres(url) => Box::new(PgDatabase::connect(url).map_err(crate::journal::store_error)?),
        })
    }
}

/// `--database`, from the flag or `STARL_DATABASE_URL`.
#[derive(Debug, clap::Args)]
pub struct DatabaseArg {
    /// The server's database: postgres://user@host/dbname or sqlite:PATH.
    #[arg(long, value_name = "URL", env = "STARL_DATABASE_URL", global = true)]
    pub database: Option<String>,
}

impl DatabaseArg {
    pub fn location(&self) -> Result<Location> {
        match &self.database {
            Some(s) => Location::parse(s),
            None => bail!("no database: pass --database postgres://... (or sqlite:PATH), or set STARL_DATABASE_URL"),
        }
    }
}

/// A duration such as `7d`, `12h`, `30m` or `2w`.
pub fn parse_duration(s: &str) -> Result<jiff::SignedDuration> {
    let s = s.trim();
    let (n, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: i64 = n.parse().with_context(|| format!("`{s}`: expected a number and a unit, as in 7d"))?;
    let secs = match unit.trim() {
        "m" | "min" => 60,
        "h" => 3600,
        "d" | "" => 86_400,
        "w" => 7 * 86_400,
        other => bail!("`{other}` in `{s}`: use m, h, d or w"),
    };
    if n <= 0 || n > 365 * 86_400 * 10 / secs {
        bail!("`{s}`: expected a positive duration of at most ten years");
    }
    Ok(jiff::SignedDuration::from_secs(n * secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_and_durations() {
        assert_eq!(Location::parse("sqlite:/tmp/x.db").unwrap(), Location::Sqlite("/tmp/x.db".into()));
        assert!(matches!(Location::parse("postgres://u@h/db").unwrap(), Location::Postgres(_)));
        assert!(Location::parse("mysql://x").is_err());
        assert!(Location::parse("sqlite:").is_err());
        assert_eq!(Location::parse("postgres://u:secret@h/db").unwrap().describe(), "postgres://u:***@h/db");
        assert_eq!(parse_duration("7d").unwrap().as_secs(), 7 * 86_400);
        assert_eq!(parse_duration("12h").unwrap().as_secs(), 12 * 3600);
        assert_eq!(parse_duration("2w").unwrap().as_secs(), 14 * 86_400);
        assert!(parse_duration("0d").is_err());
        assert!(parse_duration("7y").is_err());
        assert!(parse_duration("soon").is_err());
    }
}
