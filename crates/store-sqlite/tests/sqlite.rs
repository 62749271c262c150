//! What is particular to the SQLite file: versions, foreign files, concurrent writers.

use starl_store::testing::sample_entry;
use starl_store::{EntryFilter, Store, StoreError};
use starl_store_sqlite::{SqliteStore, APPLICATION_ID, SCHEMA_VERSION};

fn scratch() -> std::path::PathBuf {
    tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap().keep()
}

#[test]
fn a_new_file_gets_the_latest_schema_and_wal() {
    let path = scratch().join("starl.db");
    let s = SqliteStore::open(&path).unwrap();
    assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
    drop(s);
    let c = rusqlite::Connection::open(&path).unwrap();
    let mode: String = c.pragma_query_value(None, "journal_mode", |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");
    let app: i64 = c.pragma_query_value(None, "application_id", |r| r.get(0)).unwrap();
    assert_eq!(app, APPLICATION_ID);
    // Opening again is a no-op.
    SqliteStore::open(&path).unwrap();
}

#[test]
fn a_database_from_the_future_is_refused_untouched() {
    let path = scratch().join("starl.db");
    let mut s = SqliteStore::open(&path).unwrap();
    s.create_entry(&sample_entry("kept", jiff::civil::date(2026, 1, 1))).unwrap();
    drop(s);
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.pragma_update(None, "user_version", SCHEMA_VERSION + 1).unwrap();
        c.pragma_update(None, "journal_mode", "DELETE").unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    let err = SqliteStore::open(&path).unwrap_err();
    assert!(matches!(err, StoreError::TooNew { found, .. } if found == SCHEMA_VERSION + 1), "{err}");
    let msg = err.to_string();
    assert!(msg.contains("newer starl") && msg.contains("not modified"), "{msg}");
    assert_eq!(std::fs::read(&path).unwrap(), before, "not one byte changed");
}

#[test]
fn foreign_files_are_refused() {
    let dir = scratch();
    let text = dir.join("notes.txt");
    std::fs::write(&text, "this is not a database, it is a long enough text file to have a header\n".repeat(20))
        .unwrap();
    assert!(matches!(SqliteStore::open(&text), Err(StoreError::Foreign { .. })));
    let other = dir.join("other.db");
    rusqlite::Connection::open(&other).unwrap().execute_batch("CREATE TABLE t (x)").unwrap();
    let e = SqliteStore::open(&other).unwrap_err();
    assert!(e.to_string().contains("not a starl database"), "{e}");
}

#[test]
fn two_writers_at_once_both_succeed() {
    let path = scratch().join("starl.db");
    SqliteStore::open(&path).unwrap();
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let path = path.clone();
            std::thread::spawn(move || {
                let mut s = SqliteStore::open(&path).unwrap();
                for i in 0..100 {
                    s.create_entry(&sample_entry(&format!("w{w} e{i}"), jiff::civil::date(2026, 1, 1))).unwrap();
                }
            })
        })
        .collect();
    for w in writers {
        w.join().unwrap();
    }
    let mut s = SqliteStore::open(&path).unwrap();
    assert_eq!(s.entries(&EntryFilter::default()).unwrap().len(), 400);
}

#[test]
fn racing_first_opens_both_succeed() {
    let path = scratch().join("starl.db");
    let openers: Vec<_> = (0..4)
        .map(|_| {
            let path = path.clone();
            std::thread::spawn(move || SqliteStore::open(&path).map(drop))
        })
        .collect();
    for o in openers {
        o.join().unwrap().unwrap();
    }
}

/// A journal written by schema version 1 (the full-text index keyed by entry id, no sort keys,
/// no attempts) is upgraded on open, in one transaction, and everything works on it after.
#[test]
fn a_version_1_journal_is_upgraded_in_place() {
    use starl_store::{AttemptFilter, PracticeAttempt, StoryFilter};
    use starl_store_sqlite::MIGRATIONS;
    let path = scratch().join("starl.db");
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch(MIGRATIONS[0].1).unwrap();
        c.pragma_update(None, "user_version", 1).unwrap();
        c.pragma_update(None, "application_id", APPLICATION_ID).unwrap();
        // As version 1 wrote them: ids out of date order, tags, a follow-up, an index row per id.
        for (id, title, happened, text, tags) in [
            (1, "Newest by id", "2024-01-01", "deploy rollback", "ops"),
            (2, "Oldest", "2020-05-05", "deploy", "ops people"),
            (3, "Latest", "2026-02-02", "migration", ""),
            (4, "Same day, higher id", "2026-02-02", "deploy migration", "people"),
        ] {
            c.execute(
                "INSERT INTO entries (id, title, happened, what_happened, created, updated) VALUES (?1, ?2, ?3, ?4, 0, 0)",
                rusqlite::params![id, title, happened, text],
            )
            .unwrap();
            for t in tags.split_whitespace() {
                c.execute("INSERT INTO entry_tags (tag, entry_id) VALUES (?1, ?2)", rusqlite::params![t, id]).unwrap();
            }
            c.execute(
                "INSERT INTO entries_fts (rowid, text) VALUES (?1, ?2)",
                rusqlite::params![id, format!("{title}\n{text}\n{tags}")],
            )
            .unwrap();
        }
        c.execute("INSERT INTO follow_ups (entry_id, due, status) VALUES (2, '2020-06-05', 'open')", []).unwrap();
        c.execute(
            "INSERT INTO stories (id, title, body, entry_id, created, updated) VALUES (1, 's', 'b', 4, 0, 0)",
            [],
        )
        .unwrap();
    }
    let mut s = SqliteStore::open(&path).unwrap();
    assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
    let titles = |s: &mut SqliteStore, f: EntryFilter| -> Vec<String> {
        s.entries(&f).unwrap().into_iter().map(|e| e.title).collect()
    };
    let search = |q: &str| EntryFilter { search: Some(q.into()), ..Default::default() };
    let tag = |t: &str| EntryFilter { tags: vec![t.into()], ..Default::default() };
    assert_eq!(titles(&mut s, EntryFilter::default()), ["Same day, higher id", "Latest", "Newest by id", "Oldest"]);
    assert_eq!(titles(&mut s, search("deploy")), ["Same day, higher id", "Newest by id", "Oldest"]);
    assert_eq!(titles(&mut s, tag("ops")), ["Newest by id", "Oldest"]);
    assert_eq!(
        titles(&mut s, EntryFilter { search: Some("deploy".into()), ..tag("people") }),
        ["Same day, higher id", "Oldest"]
    );
    assert_eq!(s.count_entries(&search("migration")).unwrap(), 2);
    // Writes keep the re-keyed index in step: no stale rows after an edit or a removal.
    let mut e = s.entry(2).unwrap();
    e.happened = jiff::civil::date(2030, 1, 1);
    s.update_entry(&e).unwrap();
    assert_eq!(titles(&mut s, search("deploy")), ["Oldest", "Same day, higher id", "Newest by id"]);
    s.delete_entry(4).unwrap();
    assert_eq!(titles(&mut s, search("deploy")), ["Oldest", "Newest by id"]);
    assert_eq!(s.stories(&StoryFilter::default()).unwrap()[0].entry_id, None);
    assert_eq!(s.due_follow_ups(jiff::civil::date(2021, 1, 1)).unwrap().len(), 1);
    // And the new tables are there.
    let mut a = PracticeAttempt::new("failed", "An answer.", jiff::Timestamp::from_second(0).unwrap());
    a.story_id = Some(1);
    s.record_attempt(&a).unwrap();
    assert_eq!(s.attempts(&AttemptFilter::default()).unwrap().len(), 1);
    assert!(s.story_analyses().unwrap().is_empty());
}

/// A migration that fails leaves the file at its old version, with its data.
#[test]
fn a_failed_upgrade_changes_nothing() {
    use starl_store_sqlite::MIGRATIONS;
    let path = scratch().join("starl.db");
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch(MIGRATIONS[0].1).unwrap();
        c.pragma_update(None, "user_version", 1).unwrap();
        c.execute(
            "INSERT INTO entries (id, title, happened, created, updated) VALUES (1, 'kept', '2026-01-01', 0, 0)",
            [],
        )
        .unwrap();
        // Something in the way of migration 2.
        c.execute_batch("CREATE TABLE practice_attempts (x)").unwrap();
    }
    let e = SqliteStore::open(&path).unwrap_err();
    assert!(e.to_string().contains("0002_practice_attempts.sql failed"), "{e}");
    let c = rusqlite::Connection::open(&path).unwrap();
    let v: i64 = c.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
    assert_eq!(v, 1);
    let cols: i64 =
        c.query_row("SELECT count(*) FROM pragma_table_info('entries') WHERE name = 'k'", [], |r| r.get(0)).unwrap();
    assert_eq!(cols, 0, "migration 3 did not run either");
    let n: i64 = c.query_row("SELECT count(*) FROM entries", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 1);
}

#[test]
fn a_personal_journal_from_before_accounts_is_the_local_users() {
    use starl_store::{Accounts, Database, NewUser, Role, LOCAL_USER};
    let path = scratch().join("starl.db");
    {
        // A file as schema 4 left it.
        let c = rusqlite::Connection::open(&path).unwrap();
        for (i, (_, sql)) in starl_store_sqlite::MIGRATIONS.iter().take(4).enumerate() {
            c.execute_batch(sql).unwrap();
            c.pragma_update(None, "user_version", i as i64 + 1).unwrap();
        }
        c.execute_batch(
            "INSERT INTO entries (id, title, happened, created, updated, k) VALUES (7, 'old', '2026-01-01', 0, 0, 0);
             INSERT INTO stories (id, title, body, created, updated) VALUES (3, 'old story', 'b', 0, 0);",
        )
        .unwrap();
    }
    let mut s = SqliteStore::open(&path).unwrap();
    assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(s.owner(), LOCAL_USER);
    assert_eq!(s.entry(7).unwrap().title, "old");
    assert_eq!(s.story(3).unwrap().title, "old story");
    let local = s.user(LOCAL_USER).unwrap();
    assert_eq!((local.name.as_str(), local.role), ("local", Role::Admin));
    let other = s
        .create_user(&NewUser { name: "other".into(), role: Role::Member, created: jiff::Timestamp::UNIX_EPOCH }, None)
        .unwrap();
    let db = starl_store_sqlite::SqliteDatabase::open(&path).unwrap();
    assert!(db.store(other.id).unwrap().export().unwrap().entries.is_empty());
    assert_eq!(db.store(LOCAL_USER).unwrap().export().unwrap().entries.len(), 1);
}
