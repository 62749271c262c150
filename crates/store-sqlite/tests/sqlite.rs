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
