//! starl's failure journal and story bank: the domain model and the storage interface.
//!
//! [`Store`] is small and shaped by the domain (entries, follow-ups, stories, practice attempts,
//! import), not by
//! SQL: the command line speaks only to it, `starl-store-sqlite` implements it on one embedded
//! file, and a server backend (PostgreSQL) can implement it later and prove itself with the same
//! conformance suite ([`testing`], behind the `testing` feature).
//!
//! **Invariant:** no SQL and no I/O here. **Invariant:** every method of a [`Store`] is atomic:
//! it writes everything or nothing; [`Store::atomically`] makes a sequence of calls atomic.
//!
//! A cohort server adds [`Database`] (a journal per user: `store(user)`) and [`Accounts`]
//! (users, sessions, cohorts, invites, shares, reviews, coverage, audit log); see `accounts.rs`.
//! Privacy is enforced by the backends, and proven by `testing::accounts`.
//!
//! Time is the caller's: the store writes the `created`/`updated` stamps and dates it is given,
//! which keeps it deterministic, testable and round-trip exact.

mod accounts;
mod import;
mod model;
#[cfg(feature = "testing")]
pub mod testing;

pub use accounts::{
    dummy_password_hash, hash_password, normalize_user_name, story_questions, token_from_bytes, token_hash,
    verify_password, Accounts, AuditEvent, Cohort, CohortCoverage, CohortId, Comment, Database, Invite, MemberCoverage,
    NewAuditEvent, NewInvite, NewShare, NewUser, Review, Role, Session, Share, ShareId, User, UserId, LOCAL_USER,
};
pub use jiff::civil::Date;
pub use jiff::Timestamp;
pub use model::{
    normalize_tag, truncate, AttemptFilter, Bundle, Category, Entry, EntryFilter, Feedback, FollowUp, FollowUpStatus,
    Id, ImportSummary, PracticeAttempt, Story, StoryAnalysis, StoryFilter, ThemeScores, DEFAULT_FOLLOW_UP_DAYS, MAX_ID,
};

use std::collections::BTreeMap;

/// What can go wrong in a store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no {kind} with id {id}")]
    NotFound { kind: &'static str, id: Id },
    #[error("{kind} {id} already exists")]
    Conflict { kind: &'static str, id: Id },
    #[error("{0}")]
    Invalid(String),
    /// The caller may not do this (a member asking for a mentor's view, ...). Access to another
    /// user's records is [`StoreError::NotFound`] instead, which does not reveal they exist.
    #[error("not allowed: {0}")]
    Forbidden(String),
    /// The database was written by a newer starl; it was not touched.
    #[error(
        "{location} was written by a newer starl (schema version {found}; this starl knows up to {supported}). \
         It was not modified: upgrade starl to use it."
    )]
    TooNew { location: String, found: i64, supported: i64 },
    /// The database is not one of starl's.
    #[error("{location} is not a starl database: {reason}")]
    Foreign { location: String, reason: String },
    /// The backend failed (I/O, locking, a broken file); the message says where and why.
    #[error("{0}")]
    Backend(String),
}

/// The storage interface. Reads take `&mut self` too, so that backends whose clients need
/// exclusive access (a PostgreSQL connection) implement it without interior mutability.
pub trait Store {
    /// Add an entry. A non-zero `entry.id` is kept (an error if taken); zero gets a fresh id.
    /// The entry is normalised ([`Entry::normalize`]) and returned as stored.
    fn create_entry(&mut self, entry: &Entry) -> Result<Entry, StoreError>;
    fn entry(&mut self, id: Id) -> Result<Entry, StoreError>;
    /// Replace the entry with `entry.id`, follow-up included. `created` and `updated` are written
    /// as given: set `updated` to now.
    fn update_entry(&mut self, entry: &Entry) -> Result<Entry, StoreError>;
    /// Remove an entry and its follow-up; stories that came from it keep their text but lose the link.
    fn delete_entry(&mut self, id: Id) -> Result<(), StoreError>;
    /// Entries that pass the filter, most recent `happened` first (then highest id).
    fn entries(&mut self, filter: &EntryFilter) -> Result<Vec<Entry>, StoreError>;
    /// How many entries pass the filter, its `limit` aside (for "N more" under a listing).
    fn count_entries(&mut self, filter: &EntryFilter) -> Result<usize, StoreError> {
        Ok(self.entries(&EntryFilter { limit: None, ..filter.clone() })?.len())
    }

    /// Entries whose follow-up is open and due on or before `on`, earliest due first.
    fn due_follow_ups(&mut self, on: Date) -> Result<Vec<Entry>, StoreError>;
    /// Record whether the change stuck. An entry without a follow-up gets one, due `at`'s date.
    fn record_follow_up(
        &mut self,
        id: Id,
        status: FollowUpStatus,
        evidence: &str,
        at: Timestamp,
    ) -> Result<Entry, StoreError>;

    /// Add a story; ids as for [`Store::create_entry`]. Its `entry_id` must exist.
    fn create_story(&mut self, story: &Story) -> Result<Story, StoreError>;
    fn story(&mut self, id: Id) -> Result<Story, StoreError>;
    fn update_story(&mut self, story: &Story) -> Result<Story, StoreError>;
    fn delete_story(&mut self, id: Id) -> Result<(), StoreError>;
    /// Stories that pass the filter, by id.
    fn stories(&mut self, filter: &StoryFilter) -> Result<Vec<Story>, StoreError>;
    /// Mark a story ready (or not) for the bank.
    fn set_ready(&mut self, id: Id, ready: bool) -> Result<Story, StoreError>;
    /// Say the story answers `question`, whatever the analyzer thinks.
    fn pin(&mut self, id: Id, question: &str) -> Result<Story, StoreError>;
    /// Say the story does not answer `question`, whatever the analyzer thinks.
    fn unpin(&mut self, id: Id, question: &str) -> Result<Story, StoreError>;

    /// Record a practice attempt; ids as for [`Store::create_entry`]. Its `story_id`, if any, must
    /// exist. The attempt is normalised ([`PracticeAttempt::normalize`]) and returned as stored.
    fn record_attempt(&mut self, attempt: &PracticeAttempt) -> Result<PracticeAttempt, StoreError>;
    fn attempt(&mut self, id: Id) -> Result<PracticeAttempt, StoreError>;
    /// Attempts that pass the filter, oldest first (then lowest id): the order of a history.
    fn attempts(&mut self, filter: &AttemptFilter) -> Result<Vec<PracticeAttempt>, StoreError>;

    /// Keep a peer's review of a story; ids as for [`Store::create_entry`] (a taken id is a
    /// [`StoreError::Conflict`], reported before anything is written). Its `story_id` must exist.
    /// The review is normalised ([`Feedback::normalize`]) and returned as stored.
    fn add_feedback(&mut self, feedback: &Feedback) -> Result<Feedback, StoreError>;
    fn feedback_item(&mut self, id: Id) -> Result<Feedback, StoreError>;
    /// The reviews of a story, oldest first (then lowest id). A story that does not exist has none.
    fn feedback(&mut self, story_id: Id) -> Result<Vec<Feedback>, StoreError>;

    /// The bank's cached analyses ([`StoryAnalysis`]), by story id. A cache: never exported.
    fn story_analyses(&mut self) -> Result<BTreeMap<Id, StoryAnalysis>, StoreError>;
    /// Keep analyses, replacing any a story had, in one transaction. Stories that no longer
    /// exist (removed meanwhile by another process) are skipped.
    fn save_story_analyses(&mut self, analyses: &[(Id, StoryAnalysis)]) -> Result<(), StoreError>;

    /// Run `f` in one transaction: if it fails (or the process dies), nothing it did remains.
    fn atomically(&mut self, f: &mut dyn FnMut(&mut dyn Store) -> Result<(), StoreError>) -> Result<(), StoreError>;

    /// Import a bundle, all or nothing. Ids are kept where free; an identical entry or story
    /// already under its id is skipped (importing twice is harmless); one whose id is taken by
    /// something else gets a new id, and the stories that came from it follow. A story's
    /// `entry_id` must name an entry of the bundle or of the store; likewise an attempt's
    /// `story_id`, which follows a renumbered story.
    fn import(&mut self, bundle: &Bundle) -> Result<ImportSummary, StoreError> {
        self.import_with_progress(bundle, &mut |_| {})
    }

    /// [`Store::import`], calling `progress` with the number of records done so far (out of
    /// [`Bundle::len`]) as it goes, for a progress bar.
    fn import_with_progress(
        &mut self,
        bundle: &Bundle,
        progress: &mut dyn FnMut(usize),
    ) -> Result<ImportSummary, StoreError> {
        let mut summary = ImportSummary::default();
        self.atomically(&mut |s| {
            summary = import::import(s, bundle, progress)?;
            Ok(())
        })?;
        Ok(summary)
    }

    /// Everything, by id: what `import` takes back.
    fn export(&mut self) -> Result<Bundle, StoreError> {
        let mut entries = self.entries(&EntryFilter::default())?;
        entries.sort_by_key(|e| e.id);
        let stories = self.stories(&StoryFilter::default())?;
        let mut attempts = self.attempts(&AttemptFilter::default())?;
        attempts.sort_by_key(|a| a.id);
        let mut feedback = Vec::new();
        for s in &stories {
            feedback.extend(self.feedback(s.id)?);
        }
        feedback.sort_by_key(|f| f.id);
        Ok(Bundle { entries, stories, attempts, feedback })
    }
}
