//! The conformance suite: what every [`Store`] backend must do. Each check takes a fresh, empty
//! store. A backend runs them all with one line in its tests:
//!
//! ```ignore
//! starl_store::conformance_tests!(|| Box::new(MyStore::open_in_memory().unwrap()));
//! ```

use jiff::civil::{date, Date};
use jiff::Timestamp;

use crate::{
    AttemptFilter, Bundle, Category, Entry, EntryFilter, Feedback, FollowUp, FollowUpStatus, PracticeAttempt, Store,
    StoreError, Story, StoryAnalysis, StoryFilter, ThemeScores, MAX_ID,
};

/// One conformance check: it gets a fresh, empty store and panics if the store misbehaves.
pub type Check = fn(&mut dyn Store);

/// Every check, by name.
pub const CHECKS: &[(&str, Check)] = &[
    ("entry_round_trip", entry_round_trip),
    ("entry_ids_are_assigned_or_kept", entry_ids_are_assigned_or_kept),
    ("invalid_entries_are_refused", invalid_entries_are_refused),
    ("unknown_ids_are_not_found", unknown_ids_are_not_found),
    ("update_and_delete_entry", update_and_delete_entry),
    ("filters", filters),
    ("full_text_search", full_text_search),
    ("listing_order_holds_for_every_filter", listing_order_holds_for_every_filter),
    ("follow_ups", follow_ups),
    ("story_round_trip_and_link", story_round_trip_and_link),
    ("ready_pin_unpin", ready_pin_unpin),
    ("attempt_round_trip", attempt_round_trip),
    ("invalid_attempts_are_refused", invalid_attempts_are_refused),
    ("attempts_by_question_story_and_time", attempts_by_question_story_and_time),
    ("story_analyses_cache", story_analyses_cache),
    ("feedback_round_trip_and_cascade", feedback_round_trip_and_cascade),
    ("invalid_feedback_is_refused", invalid_feedback_is_refused),
    ("atomically_rolls_back", atomically_rolls_back),
    ("import_export_round_trip", import_export_round_trip),
    ("import_is_idempotent_and_renumbers", import_is_idempotent_and_renumbers),
    ("failed_import_leaves_nothing", failed_import_leaves_nothing),
];

/// Run every check, each on a fresh store from `make`.
pub fn run_all(make: &mut dyn FnMut() -> Box<dyn Store>) {
    for (name, check) in CHECKS {
        eprintln!("conformance: {name}");
        check(make().as_mut());
    }
}

/// One `#[test]` per conformance check, each on a fresh store from `$make`.
///
/// `conformance_tests!(optional: || -> Option<Box<dyn Store>>)` is for a backend that needs a
/// server: when `$make` gives `None` (no server configured) each test passes after printing
/// that it was skipped.
#[macro_export]
macro_rules! conformance_tests {
    (optional: $make:expr) => {
        $crate::conformance_tests!(@names optional $make);
    };
    ($make:expr) => {
        $crate::conformance_tests!(@names required $make);
    };
    (@names $kind:ident $make:expr) => {
        $crate::conformance_tests!(@each $kind $make;
            entry_round_trip entry_ids_are_assigned_or_kept invalid_entries_are_refused
            unknown_ids_are_not_found update_and_delete_entry filters full_text_search
            listing_order_holds_for_every_filter follow_ups story_round_trip_and_link ready_pin_unpin
            attempt_round_trip invalid_attempts_are_refused attempts_by_question_story_and_time
            story_analyses_cache feedback_round_trip_and_cascade invalid_feedback_is_refused atomically_rolls_back import_export_round_trip
            import_is_idempotent_and_renumbers failed_import_leaves_nothing);
    };
    (@each required $make:expr; $($name:ident)*) => {
        $(
            #[test]
            fn $name() {
                let make: fn() -> Box<dyn $crate::Store> = $make;
                $crate::testing::$name(make().as_mut());
            }
        )*
    };
    (@each optional $make:expr; $($name:ident)*) => {
        $(
            #[test]
            fn $name() {
                let make: fn() -> Option<Box<dyn $crate::Store>> = $make;
                match make() {
                    Some(mut store) => $crate::testing::$name(store.as_mut()),
                    None => eprintln!("skipped {}: no database server configured", stringify!($name)),
                }
            }
        )*
    };
}

pub mod accounts;

fn ts(s: i64) -> Timestamp {
    Timestamp::from_second(1_770_000_000 + s).unwrap()
}

/// A full entry, as a test would write it.
pub fn sample_entry(title: &str, happened: Date) -> Entry {
    let mut e = Entry::new(title, happened, ts(0));
    e.what_happened = format!("{title}: the nightly migration locked the orders table for 40 minutes.");
    e.impact = "Checkout was down for 40 minutes for 15% of users.".into();
    e.my_part = "I ran the migration without testing it against production-sized data.".into();
    e.root_cause = "No staging data of realistic size.".into();
    e.what_i_did = "I rolled back and told the on-call channel within 5 minutes.".into();
    e.learned = "Test schema changes against a copy of production data.".into();
    e.will_change = "Add a migration dry run to the release checklist.".into();
    e.category = Some(Category::Technical);
    e.tags = vec!["database".into(), "ops".into()];
    e.severity = Some(3);
    e.follow_up = Some(FollowUp::open(happened.checked_add(jiff::Span::new().days(30)).unwrap()));
    e
}

fn titles(v: &[Entry]) -> Vec<&str> {
    v.iter().map(|e| e.title.as_str()).collect()
}

pub fn entry_round_trip(s: &mut dyn Store) {
    let mut e = sample_entry("Locked the orders table", date(2026, 3, 2));
    e.tags = vec!["Ops".into(), "#database".into(), "ops".into()];
    let stored = s.create_entry(&e).unwrap();
    assert!(stored.id > 0);
    assert_eq!(stored.tags, vec!["database", "ops"], "tags are normalised, sorted, deduplicated");
    let back = s.entry(stored.id).unwrap();
    assert_eq!(back, stored);
    assert_eq!(back.follow_up, e.follow_up);
    assert_eq!(back.what_happened, e.what_happened);
    // Unicode and an empty optional field survive.
    let mut u = Entry::new("Zürich → Tōkyō 🚀", date(2025, 12, 31), ts(1));
    u.learned = "naïve café \"quotes\" 'single' \n second line".into();
    let u2 = s.create_entry(&u).unwrap();
    assert_eq!(s.entry(u2.id).unwrap().learned, u.learned);
    assert_eq!(s.entry(u2.id).unwrap().category, None);
}

pub fn entry_ids_are_assigned_or_kept(s: &mut dyn Store) {
    let a = s.create_entry(&sample_entry("a", date(2026, 1, 1))).unwrap();
    let b = s.create_entry(&sample_entry("b", date(2026, 1, 1))).unwrap();
    assert!(b.id > a.id);
    let mut c = sample_entry("c", date(2026, 1, 1));
    c.id = 42;
    assert_eq!(s.create_entry(&c).unwrap().id, 42);
    assert!(matches!(s.create_entry(&c), Err(StoreError::Conflict { id: 42, .. })));
    assert!(s.create_entry(&sample_entry("d", date(2026, 1, 1))).unwrap().id > 42);
}

pub fn invalid_entries_are_refused(s: &mut dyn Store) {
    let mut e = sample_entry("  ", date(2026, 1, 1));
    assert!(matches!(s.create_entry(&e), Err(StoreError::Invalid(_))));
    e.title = "ok".into();
    e.severity = Some(6);
    assert!(matches!(s.create_entry(&e), Err(StoreError::Invalid(_))));
    e.severity = Some(0);
    assert!(matches!(s.create_entry(&e), Err(StoreError::Invalid(_))));
    e.severity = Some(5);
    e.tags = vec!["two words".into()];
    assert!(matches!(s.create_entry(&e), Err(StoreError::Invalid(_))));
    e.tags = vec![];
    e.id = MAX_ID + 1;
    assert!(matches!(s.create_entry(&e), Err(StoreError::Invalid(_))), "ids fit in 32 bits");
    e.id = -3;
    assert!(matches!(s.create_entry(&e), Err(StoreError::Invalid(_))));
    assert!(s.entries(&EntryFilter::default()).unwrap().is_empty(), "nothing was written");
    e.id = MAX_ID;
    assert_eq!(s.create_entry(&e).unwrap().id, MAX_ID, "the largest id is fine");
}

pub fn unknown_ids_are_not_found(s: &mut dyn Store) {
    let nf = |r: Result<(), StoreError>| assert!(matches!(r, Err(StoreError::NotFound { .. })), "{r:?}");
    nf(s.entry(7).map(drop));
    nf(s.delete_entry(7));
    let mut e = sample_entry("x", date(2026, 1, 1));
    e.id = 7;
    nf(s.update_entry(&e).map(drop));
    nf(s.record_follow_up(7, FollowUpStatus::Held, "", ts(0)).map(drop));
    nf(s.story(7).map(drop));
    nf(s.delete_story(7));
    nf(s.set_ready(7, true).map(drop));
    nf(s.pin(7, "failed").map(drop));
    let mut st = Story::new("t", "b", ts(0));
    st.id = 7;
    nf(s.update_story(&st).map(drop));
    st.id = 0;
    st.entry_id = Some(99);
    nf(s.create_story(&st).map(drop));
    nf(s.attempt(7).map(drop));
    let mut a = PracticeAttempt::new("failed", "an answer", ts(0));
    a.story_id = Some(99);
    nf(s.record_attempt(&a).map(drop));
}

pub fn update_and_delete_entry(s: &mut dyn Store) {
    let mut e = s.create_entry(&sample_entry("first", date(2026, 2, 1))).unwrap();
    e.title = "second".into();
    e.what_happened = "Rewritten.".into();
    e.tags = vec!["new-tag".into()];
    e.learned = "Something specific.".into();
    e.follow_up = None;
    e.updated = ts(100);
    let u = s.update_entry(&e).unwrap();
    assert_eq!(u, s.entry(e.id).unwrap());
    assert_eq!(u.tags, vec!["new-tag"]);
    assert_eq!(u.follow_up, None);
    assert_eq!(u.updated, ts(100));
    assert_eq!(s.entries(&EntryFilter { tags: vec!["ops".into()], ..Default::default() }).unwrap().len(), 0);
    assert_eq!(s.entries(&EntryFilter { search: Some("second".into()), ..Default::default() }).unwrap().len(), 1);
    assert_eq!(s.entries(&EntryFilter { search: Some("first".into()), ..Default::default() }).unwrap().len(), 0);
    let mut story = Story::new("from it", "body", ts(0));
    story.entry_id = Some(e.id);
    let story = s.create_story(&story).unwrap();
    s.delete_entry(e.id).unwrap();
    assert!(matches!(s.entry(e.id), Err(StoreError::NotFound { .. })));
    assert_eq!(s.story(story.id).unwrap().entry_id, None, "the story stays, unlinked");
    assert!(s.entries(&EntryFilter { search: Some("second".into()), ..Default::default() }).unwrap().is_empty());
    assert!(s.due_follow_ups(date(2030, 1, 1)).unwrap().is_empty());
}

pub fn filters(s: &mut dyn Store) {
    let mut a = sample_entry("a", date(2026, 1, 10));
    a.tags = vec!["ops".into()];
    let mut b = sample_entry("b", date(2026, 2, 10));
    b.tags = vec!["ops".into(), "people".into()];
    b.category = Some(Category::Leadership);
    let mut c = sample_entry("c", date(2026, 3, 10));
    c.tags = vec![];
    c.category = None;
    for e in [&a, &b, &c] {
        s.create_entry(e).unwrap();
    }
    let f = |s: &mut dyn Store, f: EntryFilter| titles(&s.entries(&f).unwrap()).join(",");
    assert_eq!(f(s, EntryFilter::default()), "c,b,a", "most recent first");
    assert_eq!(f(s, EntryFilter { tags: vec!["ops".into()], ..Default::default() }), "b,a");
    assert_eq!(f(s, EntryFilter { tags: vec!["OPS".into(), "people".into()], ..Default::default() }), "b");
    assert_eq!(f(s, EntryFilter { tags: vec!["nope".into()], ..Default::default() }), "");
    assert_eq!(f(s, EntryFilter { category: Some(Category::Technical), ..Default::default() }), "a");
    assert_eq!(f(s, EntryFilter { since: Some(date(2026, 2, 10)), ..Default::default() }), "c,b");
    assert_eq!(f(s, EntryFilter { until: Some(date(2026, 2, 10)), ..Default::default() }), "b,a");
    assert_eq!(
        f(s, EntryFilter { since: Some(date(2026, 1, 11)), until: Some(date(2026, 3, 9)), ..Default::default() }),
        "b"
    );
    assert_eq!(f(s, EntryFilter { limit: Some(2), ..Default::default() }), "c,b");
    assert_eq!(s.count_entries(&EntryFilter { limit: Some(2), ..Default::default() }).unwrap(), 3, "limit aside");
    assert_eq!(s.count_entries(&EntryFilter { tags: vec!["ops".into()], ..Default::default() }).unwrap(), 2);
    assert_eq!(
        s.count_entries(&EntryFilter {
            search: Some("migration".into()),
            since: Some(date(2026, 2, 1)),
            ..Default::default()
        })
        .unwrap(),
        2
    );
    assert_eq!(s.count_entries(&EntryFilter { tags: vec!["nope".into()], ..Default::default() }).unwrap(), 0);
    assert_eq!(
        f(s, EntryFilter { tags: vec!["ops".into()], search: Some("a".into()), ..Default::default() }),
        "b,a",
        "search and tag combine (\"a\" is a prefix of words in both)"
    );
}

pub fn full_text_search(s: &mut dyn Store) {
    let mut a = Entry::new("Deploy on Friday", date(2026, 1, 1), ts(0));
    a.learned = "Never deploy database migrations before a weekend.".into();
    let mut b = Entry::new("Missed the estimate", date(2026, 1, 2), ts(0));
    b.root_cause = "I didn't break the work down; the café rewrite was bigger than it looked.".into();
    b.tags = vec!["estimation".into()];
    s.create_entry(&a).unwrap();
    s.create_entry(&b).unwrap();
    let q = |s: &mut dyn Store, q: &str| {
        titles(&s.entries(&EntryFilter { search: Some(q.into()), ..Default::default() }).unwrap()).join(",")
    };
    assert_eq!(q(s, "deploy"), "Deploy on Friday");
    assert_eq!(q(s, "DEPLOY weekend"), "Deploy on Friday", "every word, any field, any case");
    assert_eq!(q(s, "deploy estimate"), "", "every word must occur");
    assert_eq!(q(s, "migrat"), "Deploy on Friday", "word prefixes match");
    assert_eq!(q(s, "cafe"), "Missed the estimate", "accents are folded");
    assert_eq!(q(s, "estimation"), "Missed the estimate", "tags are searched");
    // Query syntax characters are taken literally, never as an error.
    for odd in ["\"", "a OR", "NOT", "(x", "*", "deploy\"", "a:b", "-x", "'", "^"] {
        s.entries(&EntryFilter { search: Some(odd.into()), ..Default::default() }).unwrap();
    }
    assert_eq!(q(s, "   "), "Missed the estimate,Deploy on Friday", "a blank search is no search");
}

/// Whatever drives a listing (the full-text index, a tag, a category, dates or none), the order
/// is the same: most recent `happened` first, then highest id; dates and ids out of step with
/// each other (a backdated entry, an import) and edits that move an entry in time included.
pub fn listing_order_holds_for_every_filter(s: &mut dyn Store) {
    // Ids deliberately out of date order, several entries a day, far past and far future.
    let days = [
        date(2026, 3, 1),
        date(2024, 1, 1),
        date(2026, 3, 1),
        date(1, 1, 1),
        date(9999, 12, 31),
        date(2025, 6, 30),
        date(2026, 3, 1),
        date(1969, 12, 31),
        date(2025, 6, 30),
        date(1970, 1, 1),
    ];
    for (i, day) in days.iter().enumerate() {
        let mut e = Entry::new(format!("entry {i}"), *day, ts(i as i64));
        e.what_happened = if i % 2 == 0 { "deploy went wrong".into() } else { "rollback was slow".into() };
        e.tags = match i % 3 {
            0 => vec!["ops".into(), "people".into(), "on-call".into()],
            1 => vec!["ops".into(), "web/api".into()],
            _ => vec![],
        };
        if i == 4 {
            e.what_happened.push_str(" ops people on call web api"); // the words, not the tags
        }
        e.category = [None, Some(Category::Technical), Some(Category::Leadership)][i % 3];
        if i == 9 {
            e.id = 500; // imported with its own id
        }
        s.create_entry(&e).unwrap();
    }
    // One edit moves an entry back in time, another forward: both must move in every listing.
    let mut moved = s.entries(&EntryFilter { search: Some("entry".into()), ..Default::default() }).unwrap();
    moved.sort_by_key(|e| e.id);
    let (mut back, mut fwd) = (moved[0].clone(), moved[5].clone());
    back.happened = date(2000, 2, 29);
    fwd.happened = date(2030, 1, 1);
    s.update_entry(&back).unwrap();
    s.update_entry(&fwd).unwrap();

    let mut all = s.entries(&EntryFilter::default()).unwrap();
    let mut expected = all.clone();
    expected.sort_by_key(|e| std::cmp::Reverse((e.happened, e.id)));
    assert_eq!(titles(&all), titles(&expected), "most recent first, then highest id");
    all.sort_by_key(|e| e.id);
    let filters = [
        EntryFilter::default(),
        EntryFilter { search: Some("deploy".into()), ..Default::default() },
        EntryFilter { search: Some("entry".into()), ..Default::default() },
        EntryFilter { tags: vec!["ops".into()], ..Default::default() },
        EntryFilter { tags: vec!["ops".into(), "people".into()], ..Default::default() },
        EntryFilter { tags: vec!["ops".into()], search: Some("rollback".into()), ..Default::default() },
        EntryFilter { tags: vec!["on-call".into()], search: Some("deploy".into()), ..Default::default() },
        EntryFilter { tags: vec!["web/api".into(), "ops".into()], search: Some("entry".into()), ..Default::default() },
        EntryFilter { tags: vec!["people".into()], search: Some("entry".into()), ..Default::default() },
        EntryFilter { category: Some(Category::Technical), ..Default::default() },
        EntryFilter { category: Some(Category::Leadership), search: Some("entry".into()), ..Default::default() },
        EntryFilter { since: Some(date(1970, 1, 1)), until: Some(date(2026, 3, 1)), ..Default::default() },
        EntryFilter { since: Some(date(1969, 12, 31)), search: Some("entry".into()), ..Default::default() },
        EntryFilter { until: Some(date(2025, 6, 30)), tags: vec!["ops".into()], ..Default::default() },
        EntryFilter { since: Some(date(2026, 3, 1)), category: Some(Category::Technical), ..Default::default() },
    ];
    for f in filters {
        let want: Vec<&Entry> = expected
            .iter()
            .filter(|e| {
                f.tags.iter().all(|t| e.tags.contains(t))
                    && f.category.is_none_or(|c| e.category == Some(c))
                    && f.since.is_none_or(|d| e.happened >= d)
                    && f.until.is_none_or(|d| e.happened <= d)
                    && f.search.as_deref().is_none_or(|q| {
                        let text = format!("{} {}", e.title, e.what_happened).to_lowercase();
                        text.split_whitespace().any(|w| w.starts_with(q))
                    })
            })
            .collect();
        let want: Vec<&str> = want.iter().map(|e| e.title.as_str()).collect();
        assert_eq!(titles(&s.entries(&f).unwrap()), want, "{f:?}");
        assert_eq!(s.count_entries(&f).unwrap(), want.len(), "{f:?}");
        for n in [1, 2, 3] {
            let limited = s.entries(&EntryFilter { limit: Some(n), ..f.clone() }).unwrap();
            assert_eq!(titles(&limited), want[..n.min(want.len())], "{f:?} limit {n}");
        }
    }
    // Removed entries leave every listing.
    s.delete_entry(fwd.id).unwrap();
    for f in [
        EntryFilter { search: Some("entry".into()), ..Default::default() },
        EntryFilter { tags: vec!["ops".into()], ..Default::default() },
        EntryFilter::default(),
    ] {
        assert!(s.entries(&f).unwrap().iter().all(|e| e.id != fwd.id), "{f:?}");
    }
}

pub fn follow_ups(s: &mut dyn Store) {
    let mut a = sample_entry("a", date(2026, 1, 1));
    a.follow_up = Some(FollowUp::open(date(2026, 2, 1)));
    let mut b = sample_entry("b", date(2026, 1, 1));
    b.follow_up = Some(FollowUp::open(date(2026, 1, 20)));
    let mut c = sample_entry("c", date(2026, 1, 1));
    c.follow_up = None;
    let a = s.create_entry(&a).unwrap();
    s.create_entry(&b).unwrap();
    let c = s.create_entry(&c).unwrap();
    assert_eq!(titles(&s.due_follow_ups(date(2026, 1, 19)).unwrap()), Vec::<&str>::new());
    assert_eq!(titles(&s.due_follow_ups(date(2026, 1, 20)).unwrap()), vec!["b"]);
    assert_eq!(titles(&s.due_follow_ups(date(2026, 3, 1)).unwrap()), vec!["b", "a"], "earliest due first");
    let done =
        s.record_follow_up(a.id, FollowUpStatus::Held, "Two migrations since, both dry-run first.", ts(50)).unwrap();
    let f = done.follow_up.clone().unwrap();
    assert_eq!((f.status, f.due, f.recorded), (FollowUpStatus::Held, date(2026, 2, 1), Some(ts(50))));
    assert_eq!(f.evidence, "Two migrations since, both dry-run first.");
    assert_eq!(s.entry(a.id).unwrap(), done);
    assert_eq!(titles(&s.due_follow_ups(date(2026, 3, 1)).unwrap()), vec!["b"], "recorded ones are no longer due");
    let c2 = s.record_follow_up(c.id, FollowUpStatus::DidntHold, "", ts(86_400 * 3)).unwrap();
    let f = c2.follow_up.unwrap();
    assert_eq!(f.status, FollowUpStatus::DidntHold);
    assert_eq!(f.due, ts(86_400 * 3).to_zoned(jiff::tz::TimeZone::UTC).date());
}

pub fn story_round_trip_and_link(s: &mut dyn Store) {
    let e = s.create_entry(&sample_entry("origin", date(2026, 1, 1))).unwrap();
    let mut st = Story::new(" The migration ", "## Situation\nWe had **one** table.\n\n## Task\n…", ts(3));
    st.framework = Some("STAR-L".into());
    st.entry_id = Some(e.id);
    st.score = Some(72);
    st.pinned = vec!["failed".into()];
    let stored = s.create_story(&st).unwrap();
    assert_eq!(stored.title, "The migration");
    assert_eq!(stored.framework.as_deref(), Some("star-l"));
    assert_eq!(s.story(stored.id).unwrap(), stored);
    let mut u = stored.clone();
    u.body.push_str("\nMore.");
    u.score = None;
    u.updated = ts(9);
    assert_eq!(s.update_story(&u).unwrap(), u);
    assert_eq!(s.story(u.id).unwrap(), u);
    let other = s.create_story(&Story::new("other", "x", ts(4))).unwrap();
    assert_eq!(s.stories(&StoryFilter::default()).unwrap().len(), 2);
    assert_eq!(s.stories(&StoryFilter { entry_id: Some(e.id), ..Default::default() }).unwrap(), vec![u.clone()]);
    s.delete_story(other.id).unwrap();
    assert_eq!(s.stories(&StoryFilter::default()).unwrap(), vec![u]);
}

pub fn ready_pin_unpin(s: &mut dyn Store) {
    let st = s.create_story(&Story::new("s", "b", ts(0))).unwrap();
    assert!(!st.ready);
    assert!(s.set_ready(st.id, true).unwrap().ready);
    assert_eq!(s.stories(&StoryFilter { ready: Some(true), ..Default::default() }).unwrap().len(), 1);
    assert_eq!(s.stories(&StoryFilter { ready: Some(false), ..Default::default() }).unwrap().len(), 0);
    let p = s.pin(st.id, "failed").unwrap();
    assert_eq!(p.pinned, vec!["failed"]);
    let p = s.unpin(st.id, "failed").unwrap();
    assert!(p.pinned.is_empty());
    assert_eq!(p.unpinned, vec!["failed"]);
    let p = s.pin(st.id, "failed").unwrap();
    assert_eq!((p.pinned.len(), p.unpinned.len()), (1, 0));
    s.pin(st.id, "admitted-wrong").unwrap();
    assert_eq!(s.story(st.id).unwrap().pinned, vec!["admitted-wrong", "failed"]);
    assert!(!s.set_ready(st.id, false).unwrap().ready);
}

/// A full practice attempt, as a test would write it.
pub fn sample_attempt(question: &str, created: Timestamp) -> PracticeAttempt {
    let mut a = PracticeAttempt::new(
        question,
        "In March I shipped a migration that locked the orders table for 40 minutes. It was my mistake.",
        created,
    );
    a.duration_seconds = Some(161);
    a.words = 17;
    a.score = 74;
    a.themes = ThemeScores { ownership: 90, transparency: 70, learning: 55, resilience: 60, prevention: 40 };
    a
}

pub fn attempt_round_trip(s: &mut dyn Store) {
    let story = s.create_story(&Story::new("the story", "body", ts(0))).unwrap();
    let mut a = sample_attempt(" Failed ", ts(10));
    a.story_id = Some(story.id);
    a.answer = "Zürich → Tōkyō 🚀 \"quoted\"\n\nsecond paragraph ".into();
    let stored = s.record_attempt(&a).unwrap();
    assert!(stored.id > 0);
    assert_eq!(stored.question, "failed", "question ids are normalised");
    assert_eq!(stored.answer, a.answer, "the answer is kept exactly");
    assert_eq!((stored.story_id, stored.duration_seconds, stored.words), (Some(story.id), Some(161), 17));
    assert_eq!(stored.themes, a.themes);
    assert_eq!(s.attempt(stored.id).unwrap(), stored);
    // Optional fields empty; ids kept or assigned as for entries.
    let mut b = PracticeAttempt::new("missed-deadline", "Short answer.", ts(11));
    b.id = 40;
    let b = s.record_attempt(&b).unwrap();
    assert_eq!((b.id, b.story_id, b.duration_seconds, b.score), (40, None, None, 0));
    assert!(matches!(s.record_attempt(&b), Err(StoreError::Conflict { id: 40, .. })));
    assert!(s.record_attempt(&PracticeAttempt::new("failed", "again", ts(12))).unwrap().id > 40);
    // Removing the story keeps the attempt, unlinked.
    s.delete_story(story.id).unwrap();
    assert_eq!(s.attempt(stored.id).unwrap().story_id, None);
    assert_eq!(s.attempts(&AttemptFilter::default()).unwrap().len(), 3);
}

pub fn invalid_attempts_are_refused(s: &mut dyn Store) {
    let bad = |s: &mut dyn Store, f: &dyn Fn(&mut PracticeAttempt)| {
        let mut a = sample_attempt("failed", ts(0));
        f(&mut a);
        let r = s.record_attempt(&a);
        assert!(matches!(r, Err(StoreError::Invalid(_))), "{a:?}: {r:?}");
    };
    bad(s, &|a| a.answer = "  \n ".into());
    bad(s, &|a| a.question = "two words".into());
    bad(s, &|a| a.question = String::new());
    bad(s, &|a| a.score = 101);
    bad(s, &|a| a.themes.prevention = 200);
    bad(s, &|a| a.id = MAX_ID + 1);
    assert!(s.attempts(&AttemptFilter::default()).unwrap().is_empty(), "nothing was written");
}

pub fn attempts_by_question_story_and_time(s: &mut dyn Store) {
    let st = s.create_story(&Story::new("s", "b", ts(0))).unwrap();
    // Recorded out of time order: listings are oldest first all the same.
    let specs = [("failed", 300, true), ("failed", 100, false), ("admitted-wrong", 200, true), ("failed", 200, false)];
    let mut ids = Vec::new();
    for (q, t, linked) in specs {
        let mut a = sample_attempt(q, ts(t));
        a.story_id = linked.then_some(st.id);
        a.score = (t / 10) as u8;
        ids.push(s.record_attempt(&a).unwrap().id);
    }
    let list =
        |s: &mut dyn Store, f: AttemptFilter| -> Vec<i64> { s.attempts(&f).unwrap().iter().map(|a| a.id).collect() };
    let (a300, a100, w200, a200) = (ids[0], ids[1], ids[2], ids[3]);
    assert_eq!(list(s, AttemptFilter::default()), [a100, w200, a200, a300], "oldest first, then lowest id");
    assert_eq!(list(s, AttemptFilter { question: Some("failed".into()), ..Default::default() }), [a100, a200, a300]);
    assert_eq!(list(s, AttemptFilter { question: Some("FAILED".into()), ..Default::default() }), [a100, a200, a300]);
    assert_eq!(
        list(s, AttemptFilter { question: Some("didnt-scale".into()), ..Default::default() }),
        Vec::<i64>::new()
    );
    assert_eq!(list(s, AttemptFilter { story_id: Some(st.id), ..Default::default() }), [w200, a300]);
    assert_eq!(
        list(s, AttemptFilter { since: Some(ts(200)), ..Default::default() }),
        [w200, a200, a300],
        "since is inclusive"
    );
    assert_eq!(
        list(s, AttemptFilter { until: Some(ts(300)), ..Default::default() }),
        [a100, w200, a200],
        "until is exclusive"
    );
    assert_eq!(
        list(
            s,
            AttemptFilter {
                question: Some("failed".into()),
                since: Some(ts(150)),
                until: Some(ts(301)),
                ..Default::default()
            }
        ),
        [a200, a300]
    );
}

pub fn story_analyses_cache(s: &mut dyn Store) {
    let a = s.create_story(&Story::new("a", "body a", ts(0))).unwrap();
    let b = s.create_story(&Story::new("b", "body b", ts(0))).unwrap();
    assert!(s.story_analyses().unwrap().is_empty());
    let an = |key: &str, score: u8| StoryAnalysis {
        key: key.into(),
        score,
        category: "technical".into(),
        fits: vec!["failed".into(), "missed-deadline".into()],
    };
    s.save_story_analyses(&[(a.id, an("k1", 60)), (b.id, an("k2", 70)), (9999, an("gone", 1))]).unwrap();
    let got = s.story_analyses().unwrap();
    assert_eq!(got.len(), 2, "a story that does not exist is skipped");
    assert_eq!(got[&a.id], an("k1", 60));
    s.save_story_analyses(&[(a.id, StoryAnalysis { fits: vec![], ..an("k3", 80) })]).unwrap();
    assert_eq!(s.story_analyses().unwrap()[&a.id], StoryAnalysis { fits: vec![], ..an("k3", 80) }, "replaced");
    s.delete_story(b.id).unwrap();
    assert_eq!(s.story_analyses().unwrap().keys().copied().collect::<Vec<_>>(), [a.id], "removed with the story");
    assert_eq!(s.export().unwrap().stories.len(), 1, "a cache is not part of the journal");
}

pub fn atomically_rolls_back(s: &mut dyn Store) {
    let r = s.atomically(&mut |s| {
        s.create_entry(&sample_entry("kept?", date(2026, 1, 1)))?;
        s.create_story(&Story::new("kept?", "b", ts(0)))?;
        s.record_attempt(&sample_attempt("failed", ts(0)))?;
        Err(StoreError::Invalid("boom".into()))
    });
    assert!(r.is_err());
    assert!(s.attempts(&AttemptFilter::default()).unwrap().is_empty());
    assert!(s.entries(&EntryFilter::default()).unwrap().is_empty());
    assert!(s.stories(&StoryFilter::default()).unwrap().is_empty());
    assert!(s.entries(&EntryFilter { search: Some("kept".into()), ..Default::default() }).unwrap().is_empty());
    s.atomically(&mut |s| s.create_entry(&sample_entry("kept", date(2026, 1, 1))).map(drop)).unwrap();
    assert_eq!(s.entries(&EntryFilter::default()).unwrap().len(), 1);
}

fn bundle() -> Bundle {
    let mut e1 = sample_entry("one", date(2026, 1, 1));
    e1.id = 3;
    let mut e2 = sample_entry("two", date(2026, 1, 2));
    e2.id = 8;
    e2.follow_up = Some(FollowUp {
        due: date(2026, 2, 2),
        status: FollowUpStatus::Held,
        evidence: "it held".into(),
        recorded: Some(ts(77)),
    });
    let mut st = Story::new("story", "body", ts(5));
    st.id = 2;
    st.entry_id = Some(8);
    st.ready = true;
    st.pinned = vec!["failed".into()];
    st.unpinned = vec!["didnt-scale".into()];
    st.score = Some(81);
    let mut a1 = sample_attempt("failed", ts(90));
    a1.id = 5;
    a1.story_id = Some(2);
    let mut a2 = sample_attempt("missed-deadline", ts(95));
    a2.id = 6;
    a2.duration_seconds = None;
    let mut f = sample_feedback(2, ts(99));
    f.id = 4;
    Bundle { entries: vec![e1, e2], stories: vec![st], attempts: vec![a1, a2], feedback: vec![f] }
}

/// A filled-in rubric for story `story_id`.
pub fn sample_feedback(story_id: crate::Id, received: Timestamp) -> Feedback {
    let mut f = Feedback::new(story_id, received);
    f.reviewer = "Sam (peer)".into();
    f.authenticity = Some(4);
    f.learning = Some(3);
    f.strengthen = "Say what you changed afterwards, with a number.".into();
    f.comments = "The situation is clear.".into();
    f
}

pub fn feedback_round_trip_and_cascade(s: &mut dyn Store) {
    let st = s.create_story(&Story::new("s", "body", ts(0))).unwrap();
    let other = s.create_story(&Story::new("other", "body", ts(0))).unwrap();
    assert!(s.feedback(st.id).unwrap().is_empty());
    let late = s.add_feedback(&sample_feedback(st.id, ts(50))).unwrap();
    let mut early = sample_feedback(st.id, ts(10));
    early.reviewer = "  Ana  ".into();
    early.learning = None;
    let early = s.add_feedback(&early).unwrap();
    assert_eq!(early.reviewer, "Ana", "normalised");
    assert_eq!(early.learning, None);
    assert!(late.id > 0 && early.id > 0 && late.id != early.id);
    assert_eq!(s.feedback(st.id).unwrap(), vec![early.clone(), late.clone()], "oldest first");
    assert_eq!(s.feedback_item(late.id).unwrap(), late);
    assert!(s.feedback(other.id).unwrap().is_empty());
    assert!(s.feedback(9999).unwrap().is_empty());
    // Ids are kept, and a taken one is a conflict that writes nothing.
    let mut kept = sample_feedback(other.id, ts(60));
    kept.id = 900;
    assert_eq!(s.add_feedback(&kept).unwrap().id, 900);
    assert!(matches!(s.add_feedback(&kept), Err(StoreError::Conflict { .. })));
    assert_eq!(s.feedback(other.id).unwrap().len(), 1);
    // Removing the story removes its feedback.
    s.delete_story(st.id).unwrap();
    assert!(s.feedback(st.id).unwrap().is_empty());
    assert!(matches!(s.feedback_item(late.id), Err(StoreError::NotFound { .. })));
    assert_eq!(s.feedback(other.id).unwrap().len(), 1);
}

pub fn invalid_feedback_is_refused(s: &mut dyn Store) {
    let st = s.create_story(&Story::new("s", "body", ts(0))).unwrap();
    let mut f = sample_feedback(st.id, ts(1));
    f.authenticity = Some(6);
    assert!(matches!(s.add_feedback(&f), Err(StoreError::Invalid(_))));
    let mut f = sample_feedback(st.id, ts(1));
    f.learning = Some(0);
    assert!(matches!(s.add_feedback(&f), Err(StoreError::Invalid(_))));
    let mut empty = Feedback::new(st.id, ts(1));
    empty.reviewer = "nobody".into();
    assert!(matches!(s.add_feedback(&empty), Err(StoreError::Invalid(_))));
    assert!(matches!(s.add_feedback(&sample_feedback(4242, ts(1))), Err(StoreError::NotFound { .. })));
    assert!(s.feedback(st.id).unwrap().is_empty());
}

pub fn import_export_round_trip(s: &mut dyn Store) {
    let b = bundle();
    let mut seen = Vec::new();
    let sum = s.import_with_progress(&b, &mut |n| seen.push(n)).unwrap();
    assert_eq!((sum.entries_added, sum.stories_added, sum.attempts_added), (2, 1, 2));
    assert_eq!(seen, (1..=b.len()).collect::<Vec<_>>(), "progress counts every record");
    let mut expected = b.clone();
    for e in &mut expected.entries {
        e.normalize().unwrap();
    }
    assert_eq!(s.export().unwrap(), expected, "ids, links, follow-ups, pins and attempts survive");
}

pub fn import_is_idempotent_and_renumbers(s: &mut dyn Store) {
    let b = bundle();
    s.import(&b).unwrap();
    let again = s.import(&b).unwrap();
    assert_eq!((again.entries_unchanged, again.stories_unchanged, again.entries_added), (2, 1, 0));
    assert_eq!((again.attempts_unchanged, again.attempts_added), (2, 0));
    assert_eq!((again.feedback_unchanged, again.feedback_added), (1, 0));
    assert_eq!(s.export().unwrap().entries.len(), 2);
    assert_eq!(s.export().unwrap().attempts.len(), 2);
    // Same ids, different content: renumbered, and the story follows its entry.
    let mut other = b.clone();
    for e in &mut other.entries {
        e.title.push_str(" (other journal)");
    }
    other.stories[0].title = "other story".into();
    for a in &mut other.attempts {
        a.answer.push_str(" (other journal)");
    }
    let sum = s.import(&other).unwrap();
    assert_eq!((sum.entries_renumbered, sum.stories_renumbered, sum.attempts_renumbered), (2, 1, 2));
    assert_eq!(sum.feedback_renumbered, 1, "its id was taken by the first story's feedback");
    let all = s.export().unwrap();
    assert_eq!(all.entries.len(), 4);
    let new_two = all.entries.iter().find(|e| e.title == "two (other journal)").unwrap();
    let st = all.stories.iter().find(|s| s.title == "other story").unwrap();
    assert_eq!(st.entry_id, Some(new_two.id));
    assert_ne!(new_two.id, 8);
    assert_eq!(all.attempts.len(), 4);
    let moved = all.attempts.iter().find(|a| a.answer.ends_with("(other journal)") && a.question == "failed").unwrap();
    assert_eq!(moved.story_id, Some(st.id), "an attempt follows its renumbered story");
    assert_ne!(st.id, 2);
    assert_eq!(all.feedback.len(), 2);
    assert!(all.feedback.iter().any(|f| f.story_id == st.id), "feedback follows its renumbered story");
    // Entries without ids (a jrnl import) are simply added.
    let mut fresh = sample_entry("no id", date(2026, 5, 5));
    fresh.id = 0;
    let sum = s.import(&Bundle { entries: vec![fresh.clone(), fresh], ..Default::default() }).unwrap();
    assert_eq!(sum.entries_added, 2);
}

pub fn failed_import_leaves_nothing(s: &mut dyn Store) {
    s.create_entry(&sample_entry("before", date(2026, 1, 1))).unwrap();
    let before = s.export().unwrap();
    let mut b = bundle();
    let mut bad = sample_entry("bad", date(2026, 1, 1));
    bad.severity = Some(9);
    b.entries.push(bad);
    assert!(s.import(&b).is_err());
    assert_eq!(s.export().unwrap(), before);
    let mut b = bundle();
    b.stories[0].entry_id = Some(12345);
    assert!(s.import(&b).is_err(), "a story linked to no entry");
    assert_eq!(s.export().unwrap(), before);
    let mut b = bundle();
    b.attempts[1].story_id = Some(777);
    assert!(s.import(&b).is_err(), "an attempt linked to no story");
    assert_eq!(s.export().unwrap(), before);
    let mut b = bundle();
    b.attempts[0].score = 250;
    let e = s.import(&b).unwrap_err();
    assert!(e.to_string().contains("practice attempt 1"), "{e}");
    assert_eq!(s.export().unwrap(), before);
    let mut b = bundle();
    b.feedback[0].authenticity = Some(9);
    let e = s.import(&b).unwrap_err();
    assert!(e.to_string().contains("feedback 1"), "{e}");
    assert_eq!(s.export().unwrap(), before);
}
