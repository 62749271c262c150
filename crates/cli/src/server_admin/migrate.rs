//! `starl migrate --from sqlite:PATH --to postgres://... --user NAME`: move a journal into a
//! server account (or back), all of it or nothing.

use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use starl_store::{Database, NewUser, Role, StoreError, UserId, LOCAL_USER};

use super::Location;

/// Move a journal between databases: a personal SQLite file and an account on the cohort
/// server's PostgreSQL (or another SQLite file).
///
/// Everything is copied in one transaction on the target, with its ids: entries, follow-ups,
/// stories, pins, practice attempts and feedback. Run it again and nothing is duplicated; if
/// anything fails, the target is left as it was. The source is only read.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
\x1b[1m\x1b[4mExamples:\x1b[0m
  starl migrate --from sqlite:~/.local/share/starl/starl.db --to postgres://starl@db/starl --user ada
  starl migrate --from postgres://starl@db/starl --user ada --to sqlite:ada.db")]
pub struct MigrateArgs {
    /// Where the journal is: sqlite:PATH or postgres://...
    #[arg(long, value_name = "DATABASE")]
    pub from: String,
    /// Where it goes: postgres://... or sqlite:PATH.
    #[arg(long, value_name = "DATABASE")]
    pub to: String,
    /// The account on the PostgreSQL side (created, as a member without a password, if it is
    /// the target and does not exist); between two SQLite files, the account in --to. A
    /// personal SQLite file's journal is its local user's.
    #[arg(long, value_name = "NAME")]
    pub user: Option<String>,
    /// The account to read in --from (a shared SQLite file); overrides --user for that side.
    #[arg(long, value_name = "NAME")]
    pub from_user: Option<String>,
    /// The account to write in --to; overrides --user for that side.
    #[arg(long, value_name = "NAME")]
    pub to_user: Option<String>,
}

/// The journal's owner on one side: the named account on a server, the local user of a file.
fn owner(db: &dyn Database, location: &Location, user: Option<&str>, create: bool) -> Result<(UserId, bool)> {
    let name = match (location, user) {
        (Location::Sqlite(_), None) => return Ok((LOCAL_USER, false)),
        (Location::Postgres(_), None) => bail!("name the account with --user NAME"),
        (_, Some(name)) => name,
    };
    let mut accounts = db.accounts().map_err(crate::journal::store_error)?;
    match accounts.user_by_name(name) {
        Ok(u) => Ok((u.id, false)),
        Err(StoreError::NotFound { .. }) if create => {
            let u = accounts
                .create_user(&NewUser { name: name.into(), role: Role::Member, created: jiff::Timestamp::now() }, None)
                .map_err(crate::journal::store_error)?;
            Ok((u.id, true))
        }
        Err(StoreError::NotFound { .. }) => bail!("{} has no account named `{name}`", location.describe()),
        Err(e) => Err(crate::journal::store_error(e)),
    }
}

pub fn run(args: &MigrateArgs) -> Result<ExitCode> {
    let (from, to) = (Location::parse(&args.from)?, Location::parse(&args.to)?);
    if from == to {
        bail!("--from and --to are the same database");
    }
    let pg = |l: &Location| matches!(l, Location::Postgres(_));
    let from_user = args.from_user.as_deref().or(args.user.as_deref().filter(|_| pg(&from)));
    let to_user = args.to_user.as_deref().or(args.user.as_deref().filter(|_| pg(&to) || !pg(&from)));
    let source = from.open().with_context(|| format!("cannot open {}", from.describe()))?;
    let (source_owner, _) = owner(source.as_ref(), &from, from_user, false)?;
    let bundle = source
        .store(source_owner)
        .and_then(|mut s| s.export())
        .map_err(crate::journal::store_error)
        .with_context(|| format!("cannot read the journal in {}", from.describe()))?;

    let target = to.open().with_context(|| format!("cannot open {}", to.describe()))?;
    let (target_owner, created) = owner(target.as_ref(), &to, to_user, true)?;
    let result = target.store(target_owner).and_then(|mut s| s.import(&bundle));
    let summary = match result {
        Ok(s) => s,
        Err(e) => {
            if created {
                // The account was made for this migration: nothing of it may remain either.
                let _ = target.accounts().and_then(|mut a| a.delete_user(target_owner));
            }
            return Err(crate::journal::store_error(e))
                .with_context(|| format!("nothing was written to {}", to.describe()));
        }
    };
    let added = summary.entries_added + summary.entries_renumbered;
    let stories = summary.stories_added + summary.stories_renumbered;
    let attempts = summary.attempts_added + summary.attempts_renumbered;
    let feedback = summary.feedback_added + summary.feedback_renumbered;
    let unchanged =
        summary.entries_unchanged + summary.stories_unchanged + summary.attempts_unchanged + summary.feedback_unchanged;
    println!(
        "migrated {added} entries, {stories} stories, {attempts} practice attempts and {feedback} reviews to {}{}",
        to.describe(),
        to_user.map(|u| format!(" (account {u})")).unwrap_or_default()
    );
    if unchanged > 0 {
        println!("{unchanged} records were already there and were left as they were");
    }
    let renumbered = summary.entries_renumbered
        + summary.stories_renumbered
        + summary.attempts_renumbered
        + summary.feedback_renumbered;
    if renumbered > 0 {
        println!("{renumbered} records took new ids (theirs were taken); their links follow them");
    }
    if created {
        crate::report_note(&format!(
            "created the account `{}` (member, no password): set one with `starl admin set-password NAME --password-stdin`",
            to_user.unwrap_or_default()
        ));
    }
    Ok(ExitCode::SUCCESS)
}
