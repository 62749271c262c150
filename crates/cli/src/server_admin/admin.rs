//! `starl admin`: users, cohorts and invites of a cohort server, from the command line.

use std::io::Read;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use starl_store::{NewInvite, NewUser, Role};

use super::DatabaseArg;

/// Manage the accounts of a cohort server: users, cohorts, invites.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
\x1b[1m\x1b[4mExamples:\x1b[0m
  export STARL_DATABASE_URL=postgres://starl@localhost/starl
  printf '%s' \"$PASSWORD\" | starl admin create-user ada --role admin --password-stdin
  starl admin create-cohort 'Spring 2026'
  starl admin invite --cohort 'Spring 2026' --role member --expires 7d")]
pub struct AdminCommand {
    #[command(flatten)]
    pub database: DatabaseArg,
    #[command(subcommand)]
    pub action: AdminAction,
}

#[derive(Debug, clap::Subcommand)]
pub enum AdminAction {
    /// Create an account.
    CreateUser {
        /// The login name (letters, digits, `-`, `_`, `.`, `@`).
        name: String,
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// Read the password from standard input (one line); without it the account has no
        /// password until one is set.
        #[arg(long)]
        password_stdin: bool,
        /// Also add the user to this cohort.
        #[arg(long, value_name = "NAME")]
        cohort: Option<String>,
    },
    /// Set (or, without --password-stdin, remove) an account's password, and log it out everywhere.
    SetPassword {
        name: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Create a cohort: a group of members and their mentors.
    CreateCohort { name: String },
    /// Add a user to a cohort.
    AddMember {
        #[arg(long, value_name = "NAME")]
        cohort: String,
        user: String,
    },
    /// Print a single-use link that creates an account.
    Invite {
        /// The cohort the new user joins.
        #[arg(long, value_name = "NAME")]
        cohort: Option<String>,
        #[arg(long, value_parser = parse_role, default_value = "member")]
        role: Role,
        /// How long the link works: 30m, 12h, 7d, 2w.
        #[arg(long, default_value = "7d", value_parser = super::parse_duration)]
        expires: jiff::SignedDuration,
        /// The server's address, for the link.
        #[arg(long, value_name = "URL", env = "STARL_BASE_URL", default_value = "http://127.0.0.1:7373")]
        base_url: String,
    },
    /// List the accounts (names and roles, never content).
    Users,
}

fn parse_role(s: &str) -> Result<Role, String> {
    s.parse().map_err(|e: starl_store::StoreError| e.to_string())
}

fn read_password() -> Result<String> {
    let mut s = String::new();
    std::io::stdin().read_to_string(&mut s).context("cannot read the password from standard input")?;
    let p = s.lines().next().unwrap_or("").to_string();
    if p.is_empty() {
        bail!("the password on standard input is empty");
    }
    Ok(p)
}

pub fn run(cmd: &AdminCommand) -> Result<ExitCode> {
    let location = cmd.database.location()?;
    let db = location.open().with_context(|| format!("cannot open {}", location.describe()))?;
    let mut acc = db.accounts().map_err(crate::journal::store_error)?;
    let err = crate::journal::store_error;
    let now = jiff::Timestamp::now();
    match &cmd.action {
        AdminAction::CreateUser { name, role, password_stdin, cohort } => {
            let password = if *password_stdin { Some(read_password()?) } else { None };
            let cohort = cohort
                .as_deref()
                .map(|c| acc.cohort_by_name(c).map_err(|_| anyhow::anyhow!("no cohort named `{c}`")))
                .transpose()?;
            let user = acc
                .create_user(&NewUser { name: name.clone(), role: *role, created: now }, password.as_deref())
                .map_err(|e| match e {
                    starl_store::StoreError::Conflict { .. } => anyhow::anyhow!("the name `{}` is taken", name.trim()),
                    e => err(e),
                })?;
            if let Some(c) = &cohort {
                acc.add_member(c.id, user.id).map_err(err)?;
            }
            println!("created {} `{}` (id {})", user.role, user.name, user.id);
            if password.is_none() {
                crate::report_note("no password: the account cannot log in until one is set (set-password)");
            }
        }
        AdminAction::SetPassword { name, password_stdin } => {
            let password = if *password_stdin { Some(read_password()?) } else { None };
            let user = acc.user_by_name(name).map_err(|_| anyhow::anyhow!("no user named `{name}`"))?;
            acc.set_password(user.id, password.as_deref()).map_err(err)?;
            let n = acc.delete_sessions(user.id).map_err(err)?;
            println!(
                "{} the password of `{}`; logged out of {n} sessions",
                if password.is_some() { "set" } else { "removed" },
                user.name
            );
        }
        AdminAction::CreateCohort { name } => {
            let c = acc.create_cohort(name, now).map_err(|e| match e {
                starl_store::StoreError::Conflict { .. } => {
                    anyhow::anyhow!("there is already a cohort `{}`", name.trim())
                }
                e => err(e),
            })?;
            println!("created cohort `{}` (id {})", c.name, c.id);
        }
        AdminAction::AddMember { cohort, user } => {
            let c = acc.cohort_by_name(cohort).map_err(|_| anyhow::anyhow!("no cohort named `{cohort}`"))?;
            let u = acc.user_by_name(user).map_err(|_| anyhow::anyhow!("no user named `{user}`"))?;
            acc.add_member(c.id, u.id).map_err(err)?;
            println!("`{}` is in cohort `{}`", u.name, c.name);
        }
        AdminAction::Invite { cohort, role, expires, base_url } => {
            let cohort = match cohort {
                Some(name) => Some(acc.cohort_by_name(name).map_err(|_| anyhow::anyhow!("no cohort named `{name}`"))?),
                None => None,
            };
            let expires_at = now.checked_add(*expires).context("the expiry is too far away")?;
            let (token, _) = acc
                .create_invite(&NewInvite {
                    cohort: cohort.as_ref().map(|c| c.id),
                    role: *role,
                    created_by: None,
                    created: now,
                    expires: expires_at,
                })
                .map_err(err)?;
            println!("{}/invite/{token}", base_url.trim_end_matches('/'));
            let into = cohort.map(|c| format!(" in cohort `{}`", c.name)).unwrap_or_default();
            crate::report_note(&format!(
                "single use, for a {role}{into}; it expires {}",
                expires_at.strftime("%Y-%m-%d %H:%M UTC")
            ));
        }
        AdminAction::Users => {
            for u in acc.users().map_err(err)? {
                println!("{}\t{}\t{}", u.id, u.role, u.name);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
