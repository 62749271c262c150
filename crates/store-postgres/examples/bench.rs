//! The storage benchmark on PostgreSQL (a benchmark, not a test): 1,000 users with 100 journal
//! entries each (100,000 entries) and a session each, then the latency of the calls a server
//! makes per request, through the real pool: list a journal page, search it, save an entry,
//! look a session up. Prints the median and p99 of each.
//!
//! `STARL_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test cargo run --release -p
//! starl-store-postgres --example bench [-- USERS ENTRIES_PER_USER SAMPLES]`
//!
//! Everything happens in a fresh schema, dropped at the end.

use std::time::{Duration, Instant};

use jiff::civil::date;
use jiff::Timestamp;
use starl_store::{Accounts, Category, Entry, EntryFilter, NewUser, Role, Store, StoreError};
use starl_store_postgres::{PgDatabase, PoolOptions};

fn entry(i: usize) -> Entry {
    let happened = date(2020, 1, 1).checked_add(jiff::Span::new().days((i * 37 % 2000) as i64)).unwrap();
    let mut e = Entry::new(format!("Incident {i}: the nightly job failed"), happened, Timestamp::now());
    e.what_happened = format!("The migration {i} locked the orders table for {} minutes during the release.", i % 60);
    e.impact = "Checkout was down for 15% of users.".into();
    e.my_part = "I ran it without a dry run against production-sized data.".into();
    e.learned = "Test schema changes against a copy of production data first.".into();
    e.will_change = "Add a dry run to the release checklist.".into();
    e.category = Some(Category::ALL[i % 3]);
    e.tags = vec![["ops", "database", "release", "people"][i % 4].into(), format!("team{}", i % 10)];
    e.severity = Some((i % 5 + 1) as u8);
    e
}

struct Stats(Vec<Duration>);

impl Stats {
    fn report(mut self, what: &str) {
        self.0.sort();
        let at = |q: f64| self.0[((self.0.len() - 1) as f64 * q).round() as usize].as_secs_f64() * 1000.0;
        println!("{what:<34} median {:>7.3} ms   p99 {:>7.3} ms   (n = {})", at(0.5), at(0.99), self.0.len());
    }
}

/// A small deterministic generator (no dependency for a benchmark's dice).
struct Dice(u64);

impl Dice {
    fn next(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

fn main() -> Result<(), StoreError> {
    let url = std::env::var("STARL_TEST_DATABASE_URL")
        .map_err(|_| StoreError::Invalid("set STARL_TEST_DATABASE_URL=postgres://...".into()))?;
    let args: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let (users, per_user, samples) = (
        args.first().copied().unwrap_or(1000),
        args.get(1).copied().unwrap_or(100),
        args.get(2).copied().unwrap_or(2000),
    );
    let db = PgDatabase::scratch(&url)?;
    // The pool a server would have; `scratch` made a small one for tests.
    let db =
        PgDatabase::connect_with(db.scratch_url().unwrap_or(&url), PoolOptions { max_size: 8, ..Default::default() })
            .map(|server| (db, server))?;
    let (keep, db) = db;
    if std::env::var_os("STARL_BENCH_KEEP").is_some() {
        // Leave the schema behind to look at (EXPLAIN); drop it by hand afterwards.
        println!("keeping {}", keep.scratch_url().unwrap_or_default());
        std::mem::forget(keep);
    }

    let started = Instant::now();
    let threads = 4;
    let mut handles = Vec::new();
    for t in 0..threads {
        let db = db.clone();
        handles.push(std::thread::spawn(move || -> Result<Vec<(i64, String)>, StoreError> {
            let mut out = Vec::new();
            let mut acc = db.clone();
            for u in (t..users).step_by(threads) {
                let user = acc.create_user(
                    &NewUser { name: format!("user{u}"), role: Role::Member, created: Timestamp::now() },
                    None,
                )?;
                let mut store = db.store(user.id)?;
                store.atomically(&mut |s| {
                    for i in 0..per_user {
                        s.create_entry(&entry(u * per_user + i))?;
                    }
                    Ok(())
                })?;
                let now = Timestamp::now();
                let (token, _) = acc.create_session(
                    user.id,
                    now,
                    now.checked_add(jiff::SignedDuration::from_hours(24))
                        .map_err(|e| StoreError::Invalid(e.to_string()))?,
                )?;
                out.push((user.id, token));
            }
            Ok(out)
        }));
    }
    let mut people = Vec::new();
    for h in handles {
        people.extend(h.join().map_err(|_| StoreError::Backend("a loader panicked".into()))??);
    }
    println!(
        "loaded {} users, {} entries and {} sessions in {:.1} s",
        people.len(),
        people.len() * per_user,
        people.len(),
        started.elapsed().as_secs_f64()
    );

    let mut dice = Dice(0x5eed_1234_abcd_9876);
    let mut acc = db.clone();
    let time = |f: &mut dyn FnMut() -> Result<(), StoreError>| -> Result<Stats, StoreError> {
        let mut v = Vec::with_capacity(samples);
        for _ in 0..samples {
            let t = Instant::now();
            f()?;
            v.push(t.elapsed());
        }
        Ok(Stats(v))
    };
    let page = EntryFilter { limit: Some(20), ..Default::default() };
    let n = people.len();
    let ids: Vec<i64> = people.iter().map(|p| p.0).collect();
    let mut d1 = Dice(dice.next(1 << 30) as u64 + 1);
    time(&mut || {
        let got = db.store(ids[d1.next(n)])?.entries(&page)?;
        assert_eq!(got.len(), 20.min(per_user));
        Ok(())
    })?
    .report("list (first page of 20)");
    let search = EntryFilter { search: Some("migration locked".into()), limit: Some(20), ..Default::default() };
    time(&mut || db.store(ids[d1.next(n)])?.entries(&search).map(drop))?.report("search (two words, page of 20)");
    let tagged = EntryFilter { tags: vec!["ops".into()], limit: Some(20), ..Default::default() };
    time(&mut || db.store(ids[d1.next(n)])?.entries(&tagged).map(drop))?.report("list by tag (page of 20)");
    let mut k = 0;
    time(&mut || {
        k += 1;
        db.store(ids[d1.next(n)])?.create_entry(&entry(10_000_000 + k)).map(drop)
    })?
    .report("save (create an entry)");
    time(&mut || {
        let mut s = db.store(ids[d1.next(n)])?;
        let mut e = s.entries(&EntryFilter { limit: Some(1), ..Default::default() })?.remove(0);
        e.learned.push_str(" Again.");
        s.update_entry(&e).map(drop)
    })?
    .report("edit (read one, update it)");
    let now = Timestamp::now();
    time(&mut || {
        let (_, token) = &people[d1.next(n)];
        let s = acc.session(token, now)?;
        assert!(s.is_some());
        Ok(())
    })?
    .report("session lookup");
    Ok(())
}
