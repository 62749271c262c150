//! The store conformance suite, on SQLite in memory and on a file.

mod in_memory {
    starl_store::conformance_tests!(|| Box::new(starl_store_sqlite::SqliteStore::open_in_memory().unwrap()));
}

mod on_file {
    starl_store::conformance_tests!(|| {
        // Scratch files go to cargo's folder for them, under target/.
        let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap().keep();
        Box::new(starl_store_sqlite::SqliteStore::open(&dir.join("starl.db")).unwrap())
    });
}
