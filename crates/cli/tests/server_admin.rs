//! `starl migrate` and `starl admin` end to end, through the real binary: on SQLite always, and
//! on PostgreSQL when `STARL_TEST_DATABASE_URL` names a server (each test in a schema of its
//! own, dropped after).

mod common;

use std::path::Path;

use common::{command, finish, scratch, Run};
use jiff::civil::date;
use starl_store::testing::{sample_attempt, sample_entry, sample_feedback};
use starl_store::{Bundle, Database, FollowUp, FollowUpStatus, Store, Story, LOCAL_USER};
use starl_store_postgres::PgDatabase;
use starl_store_sqlite::{SqliteDatabase, SqliteStore};

fn pg() -> Option<PgDatabase> {
    match std::env::var("STARL_TEST_DATABASE_URL").ok().filter(|u| !u.is_empty()) {
        Some(url) => Some(PgDatabase::scratch(&url).unwrap()),
        None => {
            eprintln!("skipped the PostgreSQL half: set STARL_TEST_DATABASE_URL=postgres://...");
            None
        }
    }
}

fn run(dir: &Path, args: &[&str], stdin: Option<&str>) -> Run {
    let mut cmd = command(dir, args);
    cmd.env_remove("STARL_DATABASE_URL").env_remove("STARL_BASE_URL");
    match stdin {
        None => finish(cmd.output().unwrap()),
        Some(input) => {
            use std::io::Write;
            let mut child = cmd
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
            finish(child.wait_with_output().unwrap())
        }
    }
}

/// A personal journal with one of everything.
fn personal_journal(path: &Path) -> Bundle {
    let mut s = SqliteStore::open(path).unwrap();
    let mut e1 = sample_entry("Locked the orders table", date(2026, 3, 2));
    e1.id = 3;
    let e1 = s.create_entry(&e1).unwrap();
    let mut e2 = sample_entry("Zürich → Tōkyō estimate 🚀", date(2025, 11, 30));
    e2.follow_up = Some(FollowUp {
        due: date(2026, 1, 1),
        status: FollowUpStatus::Held,
        evidence: "it held".into(),
        recorded: Some(jiff::Timestamp::from_second(1_770_000_077).unwrap()),
    });
    s.create_entry(&e2).unwrap();
    let mut st = Story::new(
        "The migration",
        "## Situation\nWe had **one** table.",
        jiff::Timestamp::from_second(1_770_000_005).unwrap(),
    );
    st.entry_id = Some(e1.id);
    st.ready = true;
    st.pinned = vec!["failed".into()];
    st.unpinned = vec!["didnt-scale".into()];
    st.score = Some(81);
    let st = s.create_story(&st).unwrap();
    let mut a = sample_attempt("failed", jiff::Timestamp::from_second(1_770_000_090).unwrap());
    a.story_id = Some(st.id);
    s.record_attempt(&a).unwrap();
    s.record_attempt(&sample_attempt("missed-deadline", jiff::Timestamp::from_second(1_770_000_095).unwrap())).unwrap();
    s.add_feedback(&sample_feedback(st.id, jiff::Timestamp::from_second(1_770_000_099).unwrap())).unwrap();
    let b = s.export().unwrap();
    assert_eq!((b.entries.len(), b.stories.len(), b.attempts.len(), b.feedback.len()), (2, 1, 2, 1));
    b
}

fn export_of(db: &dyn Database, user: &str) -> Bundle {
    let id = db.accounts().unwrap().user_by_name(user).unwrap().id;
    db.store(id).unwrap().export().unwrap()
}

/// Migrate into `to` (a URL), check, migrate again, and back to a new file.
fn migrate_round_trip(to: &str, target: &dyn Database) {
    let dir = scratch();
    let source = dir.path().join("personal.db");
    let original = personal_journal(&source);
    let from = format!("sqlite:{}", source.display());
    let r = run(dir.path(), &["migrate", "--from", &from, "--to", to, "--user", "ada"], None);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("migrated 2 entries, 1 stories, 2 practice attempts and 1 reviews"), "{r:?}");
    assert!(r.stderr.contains("created the account `ada`"), "{r:?}");
    assert_eq!(export_of(target, "ada"), original, "export from SQLite == export from the account");
    // Again: nothing is duplicated.
    let r = run(dir.path(), &["migrate", "--from", &from, "--to", to, "--user", "ada"], None);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("migrated 0 entries") && r.stdout.contains("6 records were already there"), "{r:?}");
    assert_eq!(export_of(target, "ada"), original);
    // And back, into a new personal file.
    let back = dir.path().join("back.db");
    let r = run(
        dir.path(),
        &["migrate", "--from", to, "--from-user", "ada", "--to", &format!("sqlite:{}", back.display())],
        None,
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(SqliteStore::open(&back).unwrap().export().unwrap(), original);
    // The source was only read.
    assert_eq!(SqliteStore::open(&source).unwrap().export().unwrap(), original);
}

/// A migration that fails half-way (a record the target refuses, after others were written)
/// leaves the target exactly as it was, and an account made for it is gone again.
fn failed_migration_changes_nothing(to: &str, target: &dyn Database) {
    let dir = scratch();
    let source = dir.path().join("personal.db");
    personal_journal(&source);
    // Damage the last entry the way no starl would write it: a tag with a character tags never have.
    rusqlite::Connection::open(&source)
        .unwrap()
        .execute_batch(
            "INSERT INTO entry_tags (tag, entry_id, k) \
             SELECT 'bad!tag', id, k FROM entries WHERE id = (SELECT max(id) FROM entries)",
        )
        .unwrap();
    let from = format!("sqlite:{}", source.display());
    // An existing account with a journal of its own.
    let mut acc = target.accounts().unwrap();
    let bob = acc
        .create_user(
            &starl_store::NewUser {
                name: "bob".into(),
                role: starl_store::Role::Member,
                created: jiff::Timestamp::UNIX_EPOCH,
            },
            None,
        )
        .unwrap();
    target.store(bob.id).unwrap().create_entry(&sample_entry("bob's own", date(2026, 1, 1))).unwrap();
    let before = target.store(bob.id).unwrap().export().unwrap();
    let r = run(dir.path(), &["migrate", "--from", &from, "--to", to, "--user", "bob"], None);
    assert_ne!(r.code, 0, "{r:?}");
    assert!(r.stderr.contains("nothing was written") && r.stderr.contains("bad!tag"), "{r:?}");
    assert_eq!(target.store(bob.id).unwrap().export().unwrap(), before, "the target is untouched");
    let r = run(dir.path(), &["migrate", "--from", &from, "--to", to, "--user", "carol"], None);
    assert_ne!(r.code, 0, "{r:?}");
    assert!(acc.user_by_name("carol").is_err(), "the account made for the migration is gone");
}

#[test]
fn migrate_to_a_shared_sqlite_file_and_back() {
    let dir = scratch();
    let server = dir.path().join("server.db");
    let db = SqliteDatabase::open(&server).unwrap();
    migrate_round_trip(&format!("sqlite:{}", server.display()), &db);
    // The server file's local user got nothing.
    assert!(db.store(LOCAL_USER).unwrap().export().unwrap().entries.is_empty());
}

#[test]
fn migrate_to_postgres_and_back() {
    let Some(db) = pg() else { return };
    migrate_round_trip(db.scratch_url().unwrap(), &db);
}

#[test]
fn a_failed_migration_to_sqlite_changes_nothing() {
    let dir = scratch();
    let server = dir.path().join("server.db");
    let db = SqliteDatabase::open(&server).unwrap();
    failed_migration_changes_nothing(&format!("sqlite:{}", server.display()), &db);
}

#[test]
fn a_failed_migration_to_postgres_changes_nothing() {
    let Some(db) = pg() else { return };
    failed_migration_changes_nothing(db.scratch_url().unwrap(), &db);
}

fn admin_flow(url: &str, db: &dyn Database) {
    let dir = scratch();
    let d = dir.path();
    let r = run(
        d,
        &["admin", "--database", url, "create-user", "Root", "--role", "admin", "--password-stdin"],
        Some("s3cret pass\n"),
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("created admin `root`"), "{r:?}");
    assert!(!r.stdout.contains("s3cret") && !r.stderr.contains("s3cret"), "{r:?}");
    let mut acc = db.accounts().unwrap();
    assert!(acc.check_password("root", "s3cret pass").unwrap().is_some());
    let r = run(d, &["admin", "--database", url, "create-user", "root", "--role", "member"], None);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("taken"), "{r:?}");
    let r = run(d, &["admin", "--database", url, "create-cohort", "Spring 2026"], None);
    assert_eq!(r.code, 0, "{r:?}");
    let r = run(d, &["admin", "--database", url, "create-cohort", "Spring 2026"], None);
    assert!(r.code != 0 && r.stderr.contains("already a cohort"), "{r:?}");
    let r = run(
        d,
        &[
            "admin",
            "--database",
            url,
            "invite",
            "--cohort",
            "Spring 2026",
            "--role",
            "mentor",
            "--expires",
            "7d",
            "--base-url",
            "https://starl.example/",
        ],
        None,
    );
    assert_eq!(r.code, 0, "{r:?}");
    let link = r.stdout.trim();
    let token = link.strip_prefix("https://starl.example/invite/").unwrap_or_else(|| panic!("{r:?}"));
    assert_eq!(token.len(), 64);
    assert!(r.stderr.contains("single use, for a mentor in cohort `Spring 2026`"), "{r:?}");
    let now = jiff::Timestamp::now();
    let inv = acc.invite(token, now).unwrap().expect("the invite works");
    assert!(inv.expires > now.checked_add(jiff::SignedDuration::from_hours(24 * 7 - 1)).unwrap());
    let mia = acc.redeem_invite(token, "mia", Some("pw"), now).unwrap();
    assert_eq!(mia.role, starl_store::Role::Mentor);
    assert!(acc.redeem_invite(token, "eve", None, now).is_err(), "single use");
    let cohort = acc.cohort_by_name("Spring 2026").unwrap();
    assert_eq!(acc.members(cohort.id).unwrap(), vec![mia]);
    // Usage errors.
    let r = run(d, &["admin", "--database", url, "create-user", "x", "--role", "boss"], None);
    assert_eq!(r.code, 2, "{r:?}");
    let r = run(d, &["admin", "--database", url, "invite", "--expires", "7y"], None);
    assert_eq!(r.code, 2, "{r:?}");
    let r = run(d, &["admin", "--database", url, "invite", "--cohort", "nope"], None);
    assert!(r.code != 0 && r.stderr.contains("no cohort named `nope`"), "{r:?}");
    let r = run(d, &["admin", "--database", url, "users"], None);
    assert!(r.stdout.contains("admin\troot") && r.stdout.contains("mentor\tmia"), "{r:?}");
}

#[test]
fn admin_on_sqlite() {
    let dir = scratch();
    let path = dir.path().join("server.db");
    let db = SqliteDatabase::open(&path).unwrap();
    admin_flow(&format!("sqlite:{}", path.display()), &db);
}

#[test]
fn admin_on_postgres() {
    let Some(db) = pg() else { return };
    admin_flow(db.scratch_url().unwrap(), &db);
}

#[test]
fn admin_needs_a_database_and_names_no_password() {
    let dir = scratch();
    let r = run(dir.path(), &["admin", "users"], None);
    assert!(r.code != 0 && r.stderr.contains("STARL_DATABASE_URL"), "{r:?}");
    let r = run(dir.path(), &["admin", "--database", "postgres://u:hunter2@127.0.0.1:1/x", "users"], None);
    assert!(r.code != 0 && !r.stderr.contains("hunter2") && r.stderr.contains("cannot connect"), "{r:?}");
    let r = run(dir.path(), &["migrate", "--from", "mysql://x", "--to", "sqlite:y.db"], None);
    assert!(r.code != 0 && r.stderr.contains("sqlite:PATH or postgres://"), "{r:?}");
}
