//! The multi-user conformance suite: privacy and accounts, for every [`Database`] backend. Each
//! check takes a fresh, empty database (a SQLite one has its local user, id 1, already). A
//! backend runs them all with one line in its tests:
//!
//! ```ignore
//! starl_store::database_conformance_tests!(|| Some(Box::new(MyDatabase::scratch().unwrap())));
//! ```
//! (`None` from the closure skips every check with a message: no server configured.)

use jiff::civil::date;
use jiff::Timestamp;

use super::{sample_attempt, sample_entry, sample_feedback};
use crate::{
    Accounts, Bundle, Comment, Database, EntryFilter, NewAuditEvent, NewInvite, NewShare, NewUser, Review, Role, Store,
    StoreError, Story, StoryAnalysis, StoryFilter, User, UserId,
};

/// One multi-user check: it gets a fresh database and panics if the backend misbehaves.
pub type DbCheck = fn(&dyn Database);

/// Every multi-user check, by name.
pub const CHECKS: &[(&str, DbCheck)] = &[
    ("journals_are_private", journals_are_private),
    ("users_and_passwords", users_and_passwords),
    ("sessions_expire_and_log_out_everywhere", sessions_expire_and_log_out_everywhere),
    ("invites_are_single_use_and_expire", invites_are_single_use_and_expire),
    ("shares_are_seen_only_by_their_reviewer", shares_are_seen_only_by_their_reviewer),
    ("reviews_and_revocation", reviews_and_revocation),
    ("mentor_coverage_is_numbers_only", mentor_coverage_is_numbers_only),
    ("deleting_an_account_leaves_nothing", deleting_an_account_leaves_nothing),
];

/// One `#[test]` per multi-user check, each on a fresh database from `$make` (a closure giving
/// `Option<Box<dyn Database>>`; `None` skips with a message).
#[macro_export]
macro_rules! database_conformance_tests {
    ($make:expr) => {
        $crate::database_conformance_tests!(@each $make;
            journals_are_private users_and_passwords sessions_expire_and_log_out_everywhere
            invites_are_single_use_and_expire shares_are_seen_only_by_their_reviewer reviews_and_revocation
            mentor_coverage_is_numbers_only deleting_an_account_leaves_nothing);
    };
    (@each $make:expr; $($name:ident)*) => {
        $(
            #[test]
            fn $name() {
                let make: fn() -> Option<Box<dyn $crate::Database>> = $make;
                match make() {
                    Some(db) => $crate::testing::accounts::$name(db.as_ref()),
                    None => eprintln!("skipped {}: no database server configured", stringify!($name)),
                }
            }
        )*
    };
}

fn ts(s: i64) -> Timestamp {
    Timestamp::from_second(1_770_000_000 + s).unwrap()
}

fn user(a: &mut dyn Accounts, name: &str, role: Role) -> User {
    a.create_user(&NewUser { name: name.into(), role, created: ts(0) }, None).unwrap()
}

fn nf<T: std::fmt::Debug>(r: Result<T, StoreError>) {
    assert!(matches!(r, Err(StoreError::NotFound { .. })), "expected NotFound, got {r:?}");
}

/// A journal with one of everything; returns (entry id, story id).
fn fill(s: &mut dyn Store) -> (i64, i64) {
    let e = s.create_entry(&sample_entry("Private failure", date(2026, 1, 5))).unwrap();
    let mut st = Story::new("Private story", "## Situation\nSecret body text.", ts(1));
    st.entry_id = Some(e.id);
    let st = s.create_story(&st).unwrap();
    s.set_ready(st.id, true).unwrap();
    let mut a = sample_attempt("failed", ts(2));
    a.story_id = Some(st.id);
    s.record_attempt(&a).unwrap();
    s.add_feedback(&sample_feedback(st.id, ts(3))).unwrap();
    let an = StoryAnalysis { key: "k".into(), score: 70, category: "technical".into(), fits: vec!["failed".into()] };
    s.save_story_analyses(&[(st.id, an)]).unwrap();
    (e.id, st.id)
}

/// A user's journal cannot be read or changed through another user's store, by any method.
pub fn journals_are_private(db: &dyn Database) {
    let mut acc = db.accounts().unwrap();
    let ada = user(acc.as_mut(), "ada", Role::Member);
    let bob = user(acc.as_mut(), "bob", Role::Member);
    let mut a = db.store(ada.id).unwrap();
    let (eid, sid) = fill(a.as_mut());
    let before = a.export().unwrap();
    let aid = before.attempts[0].id;
    let fid = before.feedback[0].id;

    let mut b = db.store(bob.id).unwrap();
    assert!(b.entries(&EntryFilter::default()).unwrap().is_empty());
    assert!(b.entries(&EntryFilter { search: Some("private".into()), ..Default::default() }).unwrap().is_empty());
    assert!(b.entries(&EntryFilter { tags: vec!["ops".into()], ..Default::default() }).unwrap().is_empty());
    assert_eq!(b.count_entries(&EntryFilter::default()).unwrap(), 0);
    assert!(b.due_follow_ups(date(2030, 1, 1)).unwrap().is_empty());
    assert!(b.stories(&StoryFilter::default()).unwrap().is_empty());
    assert!(b.attempts(&Default::default()).unwrap().is_empty());
    assert!(b.feedback(sid).unwrap().is_empty());
    assert!(b.story_analyses().unwrap().is_empty());
    assert_eq!(b.export().unwrap(), Bundle::default());
    nf(b.entry(eid));
    nf(b.story(sid));
    nf(b.attempt(aid));
    nf(b.feedback_item(fid));
    let mut e = before.entries[0].clone();
    e.title = "Overwritten by bob".into();
    nf(b.update_entry(&e));
    nf(b.record_follow_up(eid, crate::FollowUpStatus::Held, "bob was here", ts(9)));
    nf(b.delete_entry(eid));
    let mut st = before.stories[0].clone();
    st.body = "Overwritten by bob".into();
    nf(b.update_story(&st));
    nf(b.set_ready(sid, false));
    nf(b.pin(sid, "missed-deadline"));
    nf(b.unpin(sid, "failed"));
    nf(b.delete_story(sid));
    // Links to another user's records are refused as if they did not exist.
    let mut linked = Story::new("bob's", "b", ts(5));
    linked.entry_id = Some(eid);
    nf(b.create_story(&linked));
    let mut att = sample_attempt("failed", ts(5));
    att.story_id = Some(sid);
    nf(b.record_attempt(&att));
    nf(b.add_feedback(&sample_feedback(sid, ts(5))));
    b.save_story_analyses(&[(sid, StoryAnalysis { key: "x".into(), score: 1, category: "c".into(), fits: vec![] })])
        .unwrap();
    // Bob importing a bundle with ada's ids gets his own records (renumbered or not, as the
    // backend's ids allow) and leaves hers alone.
    let mut bundle = before.clone();
    for e in &mut bundle.entries {
        e.title = format!("bob: {}", e.title);
    }
    b.import(&bundle).unwrap();
    assert_eq!(b.export().unwrap().entries.len(), 1);
    assert_eq!(b.export().unwrap().stories.len(), 1);
    b.atomically(&mut |s| {
        assert!(s.entry(eid).map_or(true, |e| e.title.starts_with("bob: ")));
        Ok(())
    })
    .unwrap();
    drop(b);
    assert_eq!(a.export().unwrap(), before, "ada's journal is exactly as she left it");
    assert_eq!(a.story_analyses().unwrap()[&sid].key, "k");
}

pub fn users_and_passwords(db: &dyn Database) {
    let mut acc = db.accounts().unwrap();
    let ada = acc
        .create_user(&NewUser { name: " Ada ".into(), role: Role::Member, created: ts(0) }, Some("correct horse"))
        .unwrap();
    assert_eq!((ada.name.as_str(), ada.role, ada.created), ("ada", Role::Member, ts(0)));
    assert!(matches!(
        acc.create_user(&NewUser { name: "ADA".into(), role: Role::Admin, created: ts(0) }, None),
        Err(StoreError::Conflict { .. })
    ));
    assert!(matches!(
        acc.create_user(&NewUser { name: "two words".into(), role: Role::Admin, created: ts(0) }, None),
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(acc.user(ada.id).unwrap(), ada);
    assert_eq!(acc.user_by_name("ADA").unwrap(), ada);
    nf(acc.user_by_name("nobody"));
    nf(acc.user(987_654));
    assert_eq!(acc.check_password("ada", "correct horse").unwrap(), Some(ada.clone()));
    assert_eq!(acc.check_password("Ada", "correct horse").unwrap(), Some(ada.clone()));
    assert_eq!(acc.check_password("ada", "wrong").unwrap(), None);
    assert_eq!(acc.check_password("nobody", "correct horse").unwrap(), None);
    acc.set_password(ada.id, Some("battery staple")).unwrap();
    assert_eq!(acc.check_password("ada", "correct horse").unwrap(), None);
    assert!(acc.check_password("ada", "battery staple").unwrap().is_some());
    acc.set_password(ada.id, None).unwrap();
    assert_eq!(acc.check_password("ada", "battery staple").unwrap(), None, "no password: no login");
    assert_eq!(acc.set_role(ada.id, Role::Mentor).unwrap().role, Role::Mentor);
    assert!(acc.users().unwrap().iter().any(|u| u.name == "ada" && u.role == Role::Mentor));
    nf(acc.set_role(987_654, Role::Admin));
}

pub fn sessions_expire_and_log_out_everywhere(db: &dyn Database) {
    let mut acc = db.accounts().unwrap();
    let ada = user(acc.as_mut(), "ada", Role::Member);
    let bob = user(acc.as_mut(), "bob", Role::Member);
    let (t1, s1) = acc.create_session(ada.id, ts(0), ts(3600)).unwrap();
    let (t2, _) = acc.create_session(ada.id, ts(10), ts(3600)).unwrap();
    let (tb, _) = acc.create_session(bob.id, ts(0), ts(3600)).unwrap();
    assert!(t1.len() >= 32 && t1 != t2, "tokens are long and distinct");
    assert_eq!((s1.user.clone(), s1.created, s1.expires), (ada.clone(), ts(0), ts(3600)));
    assert_eq!(acc.session(&t1, ts(100)).unwrap().map(|s| s.user.id), Some(ada.id));
    assert_eq!(acc.session(&tb, ts(100)).unwrap().map(|s| s.user.id), Some(bob.id));
    assert_eq!(acc.session("not-a-token", ts(100)).unwrap(), None);
    assert_eq!(acc.session(&crate::token_hash(&t1), ts(100)).unwrap(), None, "the hash is not a token");
    assert_eq!(acc.session(&t1, ts(3600)).unwrap(), None, "expired");
    assert_eq!(acc.session(&t1, ts(100)).unwrap(), None, "an expired session is gone");
    acc.delete_session(&t2).unwrap();
    assert_eq!(acc.session(&t2, ts(100)).unwrap(), None, "logged out");
    acc.delete_session("unknown").unwrap();
    let (t3, _) = acc.create_session(ada.id, ts(20), ts(3600)).unwrap();
    let (t4, _) = acc.create_session(ada.id, ts(20), ts(3600)).unwrap();
    assert_eq!(acc.delete_sessions(ada.id).unwrap(), 2, "log out everywhere");
    assert_eq!(acc.session(&t3, ts(100)).unwrap(), None);
    assert_eq!(acc.session(&t4, ts(100)).unwrap(), None);
    assert!(acc.session(&tb, ts(100)).unwrap().is_some(), "bob's session stays");
    nf(acc.create_session(987_654, ts(0), ts(10)));
}

pub fn invites_are_single_use_and_expire(db: &dyn Database) {
    let mut acc = db.accounts().unwrap();
    let admin = user(acc.as_mut(), "root", Role::Admin);
    let cohort = acc.create_cohort("Spring 2026", ts(0)).unwrap();
    assert!(matches!(acc.create_cohort("Spring 2026", ts(0)), Err(StoreError::Conflict { .. })));
    assert_eq!(acc.cohort_by_name("Spring 2026").unwrap(), cohort);
    let invite = NewInvite {
        cohort: Some(cohort.id),
        role: Role::Mentor,
        created_by: Some(admin.id),
        created: ts(0),
        expires: ts(7 * 86_400),
    };
    let (token, inv) = acc.create_invite(&invite).unwrap();
    assert!(token.len() >= 32);
    assert_eq!((inv.role, inv.cohort, inv.used_by), (Role::Mentor, Some(cohort.id), None));
    assert_eq!(acc.invite(&token, ts(100)).unwrap().map(|i| i.id), Some(inv.id));
    assert_eq!(acc.invite(&crate::token_hash(&token), ts(100)).unwrap(), None);
    let mia = acc.redeem_invite(&token, "mia", Some("pw"), ts(100)).unwrap();
    assert_eq!((mia.name.as_str(), mia.role), ("mia", Role::Mentor));
    assert_eq!(acc.members(cohort.id).unwrap(), vec![mia.clone()]);
    assert_eq!(acc.cohorts_of(mia.id).unwrap(), vec![cohort.clone()]);
    assert!(acc.check_password("mia", "pw").unwrap().is_some());
    assert_eq!(acc.invite(&token, ts(101)).unwrap(), None, "used");
    assert!(matches!(acc.redeem_invite(&token, "eve", None, ts(101)), Err(StoreError::Invalid(_))), "single use");
    nf(acc.user_by_name("eve"));
    // Expired.
    let (old, _) = acc.create_invite(&NewInvite { expires: ts(50), ..invite.clone() }).unwrap();
    assert_eq!(acc.invite(&old, ts(50)).unwrap(), None);
    assert!(matches!(acc.redeem_invite(&old, "late", None, ts(50)), Err(StoreError::Invalid(_))));
    nf(acc.user_by_name("late"));
    assert!(matches!(acc.redeem_invite("made-up", "x", None, ts(0)), Err(StoreError::Invalid(_))));
    // A taken name leaves the invite usable.
    let (fresh, _) = acc.create_invite(&NewInvite { role: Role::Member, ..invite }).unwrap();
    assert!(matches!(acc.redeem_invite(&fresh, "mia", None, ts(60)), Err(StoreError::Conflict { .. })));
    let sam = acc.redeem_invite(&fresh, "sam", None, ts(61)).unwrap();
    assert_eq!(sam.role, Role::Member);
    acc.remove_member(cohort.id, sam.id).unwrap();
    assert_eq!(acc.members(cohort.id).unwrap(), vec![mia]);
    acc.add_member(cohort.id, sam.id).unwrap();
    acc.add_member(cohort.id, sam.id).unwrap();
    assert_eq!(acc.members(cohort.id).unwrap().len(), 2);
    assert!(acc.cohorts().unwrap().contains(&cohort));
}

/// Ada (member), Bob (member) and Mia (mentor) in one cohort; Max, a mentor of another; Root, an
/// admin in none. Ada has a story.
struct Cast {
    ada: User,
    bob: User,
    mia: User,
    max: User,
    root: User,
    cohort: crate::Cohort,
    story: i64,
}

fn cast(db: &dyn Database, acc: &mut dyn Accounts) -> Cast {
    let ada = user(acc, "ada", Role::Member);
    let bob = user(acc, "bob", Role::Member);
    let mia = user(acc, "mia", Role::Mentor);
    let max = user(acc, "max", Role::Mentor);
    let root = user(acc, "root", Role::Admin);
    let cohort = acc.create_cohort("one", ts(0)).unwrap();
    let other = acc.create_cohort("two", ts(0)).unwrap();
    for u in [&ada, &bob, &mia] {
        acc.add_member(cohort.id, u.id).unwrap();
    }
    acc.add_member(other.id, max.id).unwrap();
    let (_, story) = fill(db.store(ada.id).unwrap().as_mut());
    Cast { ada, bob, mia, max, root, cohort, story }
}

fn new_share(story: i64, reviewer: UserId) -> NewShare {
    NewShare {
        story_id: story,
        reviewer,
        title: "Private story".into(),
        text: "## Situation\n[redacted] body text.".into(),
        redacted: true,
        created: ts(10),
    }
}

pub fn shares_are_seen_only_by_their_reviewer(db: &dyn Database) {
    let mut acc = db.accounts().unwrap();
    let c = cast(db, acc.as_mut());
    let share = acc.create_share(c.ada.id, &new_share(c.story, c.mia.id)).unwrap();
    assert_eq!((share.owner, share.reviewer, share.story_id), (c.ada.id, c.mia.id, c.story));
    assert_eq!((share.owner_name.as_str(), share.reviewer_name.as_str()), ("ada", "mia"));
    assert!(share.redacted && share.revoked.is_none());
    // The reviewer sees the snapshot, never the story's own text.
    let seen = acc.share(c.mia.id, share.id).unwrap();
    assert_eq!(seen.text, "## Situation\n[redacted] body text.");
    assert!(!seen.text.contains("Secret"));
    assert_eq!(acc.shares_for(c.mia.id).unwrap(), vec![seen.clone()]);
    assert_eq!(acc.share(c.ada.id, share.id).unwrap(), seen, "the owner sees it too");
    assert_eq!(acc.shares_by(c.ada.id).unwrap(), vec![seen]);
    // Nobody else: a peer, a mentor of another cohort, an admin.
    for other in [&c.bob, &c.max, &c.root] {
        nf(acc.share(other.id, share.id));
        assert!(acc.shares_for(other.id).unwrap().is_empty());
        assert!(acc.shares_by(other.id).unwrap().is_empty());
        nf(acc.reviews(other.id, share.id));
        let review = Review {
            id: 0,
            share_id: share.id,
            reviewer: other.id,
            authenticity: 1,
            learning: 1,
            strengthen: "mine now".into(),
            comments: vec![],
            created: ts(11),
            updated: ts(11),
        };
        nf(acc.save_review(other.id, &review));
        nf(acc.revoke_share(other.id, share.id, ts(12)));
    }
    nf(acc.share(c.mia.id, share.id + 1000));
    // Refusals are in the audit log, with ids and no content.
    let log = acc.audit_log(100).unwrap();
    for other in [&c.bob, &c.max, &c.root] {
        assert!(log.iter().any(|e| e.actor == Some(other.id)), "{} refused and logged: {log:?}", other.name);
    }
    assert!(log.iter().all(|e| !e.target.contains("redacted") && !e.action.contains("Secret")));
    acc.record_refusal(&NewAuditEvent {
        at: ts(20),
        actor: Some(c.bob.id),
        action: "entry.read".into(),
        target: "entry 1".into(),
    })
    .unwrap();
    assert_eq!(acc.audit_log(1).unwrap()[0].action, "entry.read", "newest first");
    // Shares go only to a mentor or peer of one of the owner's cohorts, of the owner's stories.
    assert!(acc.create_share(c.ada.id, &new_share(c.story, c.max.id)).is_err(), "not in ada's cohorts");
    assert!(acc.create_share(c.ada.id, &new_share(c.story, c.root.id)).is_err(), "an admin is not a reviewer");
    assert!(acc.create_share(c.ada.id, &new_share(c.story, c.ada.id)).is_err(), "not with oneself");
    nf(acc.create_share(c.bob.id, &new_share(c.story, c.mia.id)));
    let peer = acc.create_share(c.ada.id, &new_share(c.story, c.bob.id)).unwrap();
    assert_eq!(acc.shares_for(c.bob.id).unwrap().len(), 1, "a peer of the cohort");
    assert_eq!(acc.shares_for(c.mia.id).unwrap().len(), 1, "mia sees only hers");
    assert_ne!(peer.id, share.id);
}

pub fn reviews_and_revocation(db: &dyn Database) {
    let mut acc = db.accounts().unwrap();
    let c = cast(db, acc.as_mut());
    let share = acc.create_share(c.ada.id, &new_share(c.story, c.mia.id)).unwrap();
    let text = &share.text;
    let start = text.find("body").unwrap();
    let mut review = Review {
        id: 0,
        share_id: share.id,
        reviewer: 0,
        authenticity: 4,
        learning: 2,
        strengthen: " Say what changed. ".into(),
        comments: vec![Comment { start, end: start + 4, quote: "body".into(), text: "Which part?".into() }],
        created: ts(11),
        updated: ts(11),
    };
    let saved = acc.save_review(c.mia.id, &review).unwrap();
    assert_eq!((saved.reviewer, saved.strengthen.as_str()), (c.mia.id, "Say what changed."));
    assert_eq!(saved.comments, review.comments);
    assert_eq!(acc.reviews(c.ada.id, share.id).unwrap(), vec![saved.clone()]);
    assert_eq!(acc.reviews(c.mia.id, share.id).unwrap(), vec![saved.clone()]);
    // Saving again replaces; a comment must quote the shared text exactly.
    review.learning = 5;
    review.updated = ts(12);
    let again = acc.save_review(c.mia.id, &review).unwrap();
    assert_eq!((again.id, again.learning, again.updated), (saved.id, 5, ts(12)));
    assert_eq!(acc.reviews(c.ada.id, share.id).unwrap().len(), 1);
    review.comments[0].quote = "Secret".into();
    assert!(matches!(acc.save_review(c.mia.id, &review), Err(StoreError::Invalid(_))));
    review.comments.clear();
    review.authenticity = 0;
    assert!(matches!(acc.save_review(c.mia.id, &review), Err(StoreError::Invalid(_))));
    // Revoked: gone for the reviewer, kept (without its text) for the owner with its reviews.
    acc.revoke_share(c.ada.id, share.id, ts(20)).unwrap();
    nf(acc.share(c.mia.id, share.id));
    assert!(acc.shares_for(c.mia.id).unwrap().is_empty());
    nf(acc.reviews(c.mia.id, share.id));
    review.authenticity = 3;
    nf(acc.save_review(c.mia.id, &review));
    let mine = acc.share(c.ada.id, share.id).unwrap();
    assert_eq!((mine.revoked, mine.text.as_str()), (Some(ts(20)), ""));
    assert_eq!(acc.reviews(c.ada.id, share.id).unwrap().len(), 1);
    assert_eq!(acc.shares_by(c.ada.id).unwrap().len(), 1);
    // Removing the story removes its shares.
    let share2 = acc.create_share(c.ada.id, &new_share(c.story, c.bob.id)).unwrap();
    db.store(c.ada.id).unwrap().delete_story(c.story).unwrap();
    nf(acc.share(c.bob.id, share2.id));
    assert!(acc.shares_by(c.ada.id).unwrap().is_empty());
}

pub fn mentor_coverage_is_numbers_only(db: &dyn Database) {
    let mut acc = db.accounts().unwrap();
    let c = cast(db, acc.as_mut());
    {
        let mut s = db.store(c.ada.id).unwrap();
        let mut st = Story::new("Second", "text", ts(4));
        st.ready = true;
        st.pinned = vec!["missed-deadline".into()];
        st.unpinned = vec!["failed".into()];
        let st = s.create_story(&st).unwrap();
        let an =
            StoryAnalysis { key: "k2".into(), score: 50, category: "leadership".into(), fits: vec!["failed".into()] };
        s.save_story_analyses(&[(st.id, an)]).unwrap();
        s.create_story(&Story::new("Draft", "not ready", ts(5))).unwrap();
        s.record_attempt(&sample_attempt("failed", ts(100))).unwrap();
    }
    let cov = acc.cohort_coverage(c.mia.id, c.cohort.id, ts(50)).unwrap();
    assert_eq!(cov.cohort, c.cohort);
    let names: Vec<&str> = cov.members.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["ada", "bob", "mia"]);
    let ada = &cov.members[0];
    assert_eq!(ada.ready_stories, 2);
    assert_eq!(ada.by_question.get("failed"), Some(&1), "the unpin wins over the analysis");
    assert_eq!(ada.by_question.get("missed-deadline"), Some(&1));
    assert_eq!(ada.by_category.get("technical"), Some(&1));
    assert_eq!(ada.by_category.get("leadership"), Some(&1));
    assert_eq!((ada.attempts_since, ada.last_attempt), (1, Some(ts(100))), "attempts since, not before");
    assert_eq!(cov.members[1].ready_stories, 0);
    // Only a mentor of the cohort, or an admin.
    for who in [&c.ada, &c.bob, &c.max] {
        let r = acc.cohort_coverage(who.id, c.cohort.id, ts(0));
        assert!(matches!(r, Err(StoreError::Forbidden(_))), "{}: {r:?}", who.name);
    }
    assert!(acc.cohort_coverage(c.root.id, c.cohort.id, ts(0)).is_ok());
    nf(acc.cohort_coverage(c.root.id, 987_654, ts(0)));
}

pub fn deleting_an_account_leaves_nothing(db: &dyn Database) {
    let mut acc = db.accounts().unwrap();
    let c = cast(db, acc.as_mut());
    let (token, _) = acc.create_session(c.ada.id, ts(0), ts(3600)).unwrap();
    let mine = acc.create_share(c.ada.id, &new_share(c.story, c.mia.id)).unwrap();
    // Bob shares with ada, and ada reviews it.
    let (_, bob_story) = fill(db.store(c.bob.id).unwrap().as_mut());
    let to_ada = acc.create_share(c.bob.id, &new_share(bob_story, c.ada.id)).unwrap();
    let review = Review {
        id: 0,
        share_id: to_ada.id,
        reviewer: 0,
        authenticity: 3,
        learning: 3,
        strengthen: "ada's words".into(),
        comments: vec![],
        created: ts(11),
        updated: ts(11),
    };
    acc.save_review(c.ada.id, &review).unwrap();
    let bob_before = db.store(c.bob.id).unwrap().export().unwrap();

    acc.delete_user(c.ada.id).unwrap();
    nf(acc.user(c.ada.id));
    nf(acc.user_by_name("ada"));
    nf(acc.delete_user(c.ada.id));
    assert_eq!(acc.check_password("ada", "x").unwrap(), None);
    assert_eq!(acc.session(&token, ts(10)).unwrap(), None);
    assert!(acc.members(c.cohort.id).unwrap().iter().all(|u| u.id != c.ada.id));
    assert_eq!(db.store(c.ada.id).unwrap().export().unwrap(), Bundle::default(), "no journal left");
    assert!(db.store(c.ada.id).unwrap().story_analyses().unwrap().is_empty());
    nf(acc.share(c.mia.id, mine.id));
    assert!(acc.shares_for(c.mia.id).unwrap().is_empty());
    assert!(acc.reviews(c.bob.id, to_ada.id).is_err() || acc.reviews(c.bob.id, to_ada.id).unwrap().is_empty());
    assert!(acc.shares_by(c.bob.id).unwrap().is_empty(), "a share with ada has no one to go to");
    assert_eq!(db.store(c.bob.id).unwrap().export().unwrap(), bob_before, "bob's journal is untouched");
    // The name is free again, and a new ada sees nothing of the old one.
    let ada2 = user(acc.as_mut(), "ada", Role::Member);
    assert_eq!(db.store(ada2.id).unwrap().export().unwrap(), Bundle::default());
    assert!(acc.shares_for(ada2.id).unwrap().is_empty());
}
