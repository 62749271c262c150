//! The conformance suites (the journal's and the multi-user one) on PostgreSQL, when
//! `STARL_TEST_DATABASE_URL` names a server; each test runs in a schema of its own, dropped after.

use starl_store::{Accounts, Database, NewUser, Role, Store};
use starl_store_postgres::PgDatabase;

fn url() -> Option<String> {
    let url = std::env::var("STARL_TEST_DATABASE_URL").ok().filter(|u| !u.is_empty());
    if url.is_none() {
        eprintln!("skipped: set STARL_TEST_DATABASE_URL=postgres://... to run the PostgreSQL conformance suite");
    }
    url
}

fn scratch() -> Option<PgDatabase> {
    Some(PgDatabase::scratch(&url()?).unwrap())
}

/// A fresh database with one user; that user's journal.
fn journal() -> Option<Box<dyn Store>> {
    let mut db = scratch()?;
    let me = db
        .create_user(&NewUser { name: "me".into(), role: Role::Member, created: jiff::Timestamp::UNIX_EPOCH }, None)
        .unwrap();
    Some(Box::new(db.store(me.id).unwrap()))
}

mod journal {
    starl_store::conformance_tests!(optional: super::journal);
}

mod accounts {
    starl_store::database_conformance_tests!(|| super::scratch().map(|db| Box::new(db) as Box<dyn super::Database>));
}
