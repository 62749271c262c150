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

mod as_another_user {
    // A second user of a shared file: the journal suite holds for them too.
    starl_store::conformance_tests!(|| {
        use starl_store::Accounts;
        let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap().keep();
        let path = dir.join("starl.db");
        let mut accounts = starl_store_sqlite::SqliteStore::open(&path).unwrap();
        let new = starl_store::NewUser {
            name: "second".into(),
            role: starl_store::Role::Member,
            created: jiff::Timestamp::UNIX_EPOCH,
        };
        let user = accounts.create_user(&new, None).unwrap();
        Box::new(starl_store_sqlite::SqliteStore::open_as(&path, user.id).unwrap())
    });
}

mod multi_user {
    starl_store::database_conformance_tests!(|| {
        let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap().keep();
        Some(Box::new(starl_store_sqlite::SqliteDatabase::open(&dir.join("starl.db")).unwrap()))
    });
}
