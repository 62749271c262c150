//! What is particular to PostgreSQL: schema versions, foreign schemas, concurrent start-ups, the
//! pool. Skipped (with a message) unless `STARL_TEST_DATABASE_URL` names a server.

use starl_store::{Accounts, NewUser, Role, Store, StoreError};
use starl_store_postgres::{PgDatabase, SCHEMA_VERSION};

fn url() -> Option<String> {
    let url = std::env::var("STARL_TEST_DATABASE_URL").ok().filter(|u| !u.is_empty());
    if url.is_none() {
        eprintln!("skipped: set STARL_TEST_DATABASE_URL=postgres://... to run the PostgreSQL tests");
    }
    url
}

/// An empty schema of our own (not migrated), dropped when the guard goes.
struct EmptySchema {
    url: String,
    name: String,
}

impl EmptySchema {
    fn new(base: &str, tag: &str) -> EmptySchema {
        let name = format!("starl_test_{tag}_{}", std::process::id());
        let mut c = postgres::Client::connect(base, postgres::NoTls).unwrap();
        c.batch_execute(&format!("DROP SCHEMA IF EXISTS {name} CASCADE; CREATE SCHEMA {name}")).unwrap();
        let sep = if base.contains('?') { '&' } else { '?' };
        EmptySchema { url: format!("{base}{sep}options=-csearch_path%3D{name}"), name }
    }
}

impl Drop for EmptySchema {
    fn drop(&mut self) {
        if let Ok(mut c) = postgres::Client::connect(&self.url, postgres::NoTls) {
            let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name));
        }
    }
}

fn snapshot(url: &str) -> Vec<String> {
    let mut c = postgres::Client::connect(url, postgres::NoTls).unwrap();
    let mut out: Vec<String> = c
        .query("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let v: i32 = c.query_one("SELECT version FROM schema_version", &[]).unwrap().get(0);
    out.push(format!("version {v}"));
    let n: i64 = c.query_one("SELECT count(*) FROM entries", &[]).unwrap().get(0);
    out.push(format!("entries {n}"));
    out
}

#[test]
fn a_new_database_gets_the_latest_schema_and_connecting_again_is_a_no_op() {
    let Some(base) = url() else { return };
    let schema = EmptySchema::new(&base, "fresh");
    let db = PgDatabase::connect(&schema.url).unwrap();
    assert_eq!(db.schema_version().unwrap(), SCHEMA_VERSION);
    let before = snapshot(&schema.url);
    drop(db);
    PgDatabase::connect(&schema.url).unwrap();
    assert_eq!(snapshot(&schema.url), before);
}

#[test]
fn a_database_from_the_future_is_refused_untouched() {
    let Some(base) = url() else { return };
    let schema = EmptySchema::new(&base, "future");
    {
        let mut db = PgDatabase::connect(&schema.url).unwrap();
        let me = db
            .create_user(&NewUser { name: "me".into(), role: Role::Member, created: jiff::Timestamp::UNIX_EPOCH }, None)
            .unwrap();
        db.store(me.id)
            .unwrap()
            .create_entry(&starl_store::testing::sample_entry("kept", jiff::civil::date(2026, 1, 1)))
            .unwrap();
    }
    let mut c = postgres::Client::connect(&schema.url, postgres::NoTls).unwrap();
    c.execute("UPDATE schema_version SET version = $1", &[&(SCHEMA_VERSION as i32 + 1)]).unwrap();
    let before = snapshot(&schema.url);
    let err = PgDatabase::connect(&schema.url).unwrap_err();
    assert!(matches!(err, StoreError::TooNew { found, .. } if found == SCHEMA_VERSION + 1), "{err}");
    let msg = err.to_string();
    assert!(msg.contains("newer starl") && msg.contains("not modified"), "{msg}");
    assert!(!msg.contains("password"), "{msg}");
    assert_eq!(snapshot(&schema.url), before, "nothing changed");
}

#[test]
fn a_foreign_schema_is_refused() {
    let Some(base) = url() else { return };
    let schema = EmptySchema::new(&base, "foreign");
    let mut c = postgres::Client::connect(&schema.url, postgres::NoTls).unwrap();
    c.batch_execute("CREATE TABLE orders (id int)").unwrap();
    let err = PgDatabase::connect(&schema.url).unwrap_err();
    assert!(matches!(err, StoreError::Foreign { .. }), "{err}");
    let n: i64 = c.query_one("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()", &[]).unwrap().get(0);
    assert_eq!(n, 1, "nothing was created");
}

#[test]
fn servers_starting_at_once_migrate_once() {
    let Some(base) = url() else { return };
    let schema = EmptySchema::new(&base, "race");
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let url = schema.url.clone();
            std::thread::spawn(move || PgDatabase::connect(&url).map(|db| db.schema_version().unwrap()))
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap().unwrap(), SCHEMA_VERSION);
    }
}

#[test]
fn a_bad_address_fails_quickly_and_names_no_password() {
    let err = PgDatabase::connect("postgres://someone:hunter2@127.0.0.1:1/nothing").unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("cannot connect to postgres://someone@127.0.0.1:1/nothing"), "{msg}");
    assert!(!msg.contains("hunter2"), "{msg}");
    assert!(matches!(PgDatabase::connect("mysql://x"), Err(StoreError::Invalid(_))));
}

#[test]
fn concurrent_writers_of_one_journal_get_distinct_ids() {
    let Some(base) = url() else { return };
    let mut db = PgDatabase::scratch(&base).unwrap();
    let me = db
        .create_user(&NewUser { name: "me".into(), role: Role::Member, created: jiff::Timestamp::UNIX_EPOCH }, None)
        .unwrap();
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let db = db.clone();
            std::thread::spawn(move || {
                let mut s = db.store(me.id).unwrap();
                for i in 0..10 {
                    s.create_entry(&starl_store::testing::sample_entry(
                        &format!("t{t} e{i}"),
                        jiff::civil::date(2026, 1, 1),
                    ))
                    .unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let all = db.store(me.id).unwrap().entries(&Default::default()).unwrap();
    assert_eq!(all.len(), 40);
}
