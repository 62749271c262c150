//! Speed of the store's queries in process, on a generated journal. Not a test: run it in
//! release mode. The speed targets of issue 3 are measured on the real binary, process start
//! included, by `cargo bench -p starl --bench journal`.
//!
//! ```text
//! cargo run --release -p starl-store-sqlite --example bench [ENTRIES]
//! ```

use std::time::Instant;

use starl_store::{Bundle, Entry, EntryFilter, Store, Story, StoryFilter, Timestamp};
use starl_store_sqlite::SqliteStore;

const WORDS: &[&str] = &[
    "deploy",
    "migration",
    "rollback",
    "estimate",
    "deadline",
    "review",
    "outage",
    "cache",
    "schema",
    "customer",
    "manager",
    "feedback",
    "incident",
    "release",
    "latency",
    "budget",
    "hiring",
    "roadmap",
    "handoff",
    "oncall",
];

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("starl.db");
    let mut store = SqliteStore::open(&path).unwrap();
    let now = Timestamp::from_second(1_770_000_000).unwrap();
    let mut rng = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let mut bundle = Bundle::default();
    for i in 0..n {
        let day = jiff::civil::date(2020, 1, 1).checked_add(jiff::Span::new().days((i % 2000) as i64)).unwrap();
        let mut e = Entry::new(format!("Failure {i}"), day, now);
        let text: Vec<&str> = (0..40).map(|_| WORDS[(next() % WORDS.len() as u64) as usize]).collect();
        e.what_happened = text.join(" ");
        e.learned = format!("lesson{} about {}", next() % 5000, WORDS[(next() % 20) as usize]);
        e.tags = vec![format!("team{}", next() % 200), WORDS[(next() % 20) as usize].to_string()];
        bundle.entries.push(e);
    }
    for i in 0..1000 {
        bundle.stories.push(Story::new(format!("Story {i}"), "## Situation\nx\n", now));
    }
    let t = Instant::now();
    store.import(&bundle).unwrap();
    println!("import {n} entries + 1000 stories: {:?}", t.elapsed());
    drop(store);

    let t = Instant::now();
    let mut store = SqliteStore::open(&path).unwrap();
    println!("open: {:?}", t.elapsed());
    let mut time = |name: &str, f: &EntryFilter| {
        let t = Instant::now();
        let k = store.entries(f).unwrap().len();
        println!("{name}: {k} entries in {:?}", t.elapsed());
    };
    time("--search lesson42 (rare word)", &EntryFilter { search: Some("lesson42".into()), ..Default::default() });
    time(
        "--search 'lesson4 rollback' (prefix + word)",
        &EntryFilter { search: Some("lesson4 rollback".into()), ..Default::default() },
    );
    time("--tag team7 (0.5%)", &EntryFilter { tags: vec!["team7".into()], ..Default::default() });
    time(
        "--tag team7 --search cache",
        &EntryFilter { tags: vec!["team7".into()], search: Some("cache".into()), ..Default::default() },
    );
    time(
        "--search deploy --limit 50 (common word)",
        &EntryFilter { search: Some("deploy".into()), limit: Some(50), ..Default::default() },
    );
    time("--tag deploy (5%)", &EntryFilter { tags: vec!["deploy".into()], ..Default::default() });
    let t = Instant::now();
    let k = store.stories(&StoryFilter { ready: Some(false), ..Default::default() }).unwrap().len();
    println!("stories: {k} in {:?}", t.elapsed());
}
