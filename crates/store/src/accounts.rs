//! Accounts for a cohort server: users and roles, sessions, cohorts, invites, shares of a story
//! with a reviewer, reviews, a mentor's coverage view and the audit log of refused access.
//!
//! **Privacy is enforced here, not by the caller.** A member's journal is reached only through
//! [`Database::store`] for that member (every backend scopes each statement by its owner). What a
//! member shows anyone else is a [`Share`]: a snapshot of one story's text (redacted or not, as
//! the owner chose), addressed to one named reviewer, revocable at any moment. Every method that
//! takes a `viewer` checks that viewer itself: a share or review that exists but is not the
//! viewer's to see is answered [`StoreError::NotFound`] (never revealing it exists) and the
//! attempt is written to the audit log. A mentor's [`CohortCoverage`] is numbers only.
//!
//! **Secrets are never stored.** Passwords are kept as Argon2id hashes ([`hash_password`]);
//! session ids and invite tokens are random 256-bit strings handed to the caller once and kept
//! only as SHA-256 hashes ([`token_hash`]), so a copy of the database logs no one in. The
//! backends draw the randomness; this crate stays free of I/O (the salt and token bytes are
//! arguments).

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::{Id, Store, StoreError};

/// A user's id: unique in a database. The single user of a personal journal is [`LOCAL_USER`].
pub type UserId = i64;
/// A cohort's id.
pub type CohortId = i64;
/// A share's id (unique in the database, not per user: a share is seen by two users).
pub type ShareId = i64;

/// The one user of a personal (SQLite) journal: every record written before accounts existed,
/// and every record written by `SqliteStore::open`, is theirs.
pub const LOCAL_USER: UserId = 1;

/// What a user may do besides keeping their own journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Keeps a journal, shares stories, reviews what peers share with them.
    Member,
    /// A member who also sees the coverage of the cohorts they belong to (numbers only).
    Mentor,
    /// Manages users, cohorts and invites. Sees no one's journal either.
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Member, Role::Mentor, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Member => "member",
            Role::Mentor => "mentor",
            Role::Admin => "admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<Role, StoreError> {
        let s = s.trim().to_ascii_lowercase();
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| StoreError::Invalid(format!("role `{s}`: expected member, mentor or admin")))
    }
}

/// An account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    /// The login name: unique, lower case ([`normalize_user_name`]).
    pub name: String,
    pub role: Role,
    pub created: Timestamp,
}

/// A user to create ([`Accounts::create_user`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub name: String,
    pub role: Role,
    pub created: Timestamp,
}

/// A login name in its stored form: trimmed, lower case, 1 to 64 letters, digits, `-`, `_`, `.`
/// or `@` (an e-mail address fits).
pub fn normalize_user_name(name: &str) -> Result<String, StoreError> {
    let n = name.trim().to_lowercase();
    if n.is_empty()
        || n.chars().count() > 64
        || !n.chars().all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '@'))
    {
        return Err(StoreError::Invalid(format!(
            "user name `{}`: use 1 to 64 letters, digits, `-`, `_`, `.` or `@`",
            name.trim()
        )));
    }
    Ok(n)
}

/// A logged-in session, found by its token ([`Accounts::session`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Session {
    pub user: User,
    pub created: Timestamp,
    pub expires: Timestamp,
}

/// A group of members with their mentors (a bootcamp class, a team).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cohort {
    pub id: CohortId,
    pub name: String,
    pub created: Timestamp,
}

/// An invitation to make an account ([`Accounts::create_invite`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInvite {
    /// The cohort the new user joins, if any.
    pub cohort: Option<CohortId>,
    /// The new user's role.
    pub role: Role,
    pub created_by: Option<UserId>,
    pub created: Timestamp,
    /// After this instant the invite no longer works.
    pub expires: Timestamp,
}

/// A stored invite. Its token is not kept, only its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Invite {
    pub id: i64,
    pub cohort: Option<CohortId>,
    pub role: Role,
    pub created_by: Option<UserId>,
    pub created: Timestamp,
    pub expires: Timestamp,
    /// Who used it, once used (an invite works once).
    pub used_by: Option<UserId>,
    pub used_at: Option<Timestamp>,
}

/// What an owner shares ([`Accounts::create_share`]): a snapshot of a story for one reviewer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewShare {
    /// The owner's story (it must be theirs).
    pub story_id: Id,
    /// Who may read it: a mentor or a peer of a cohort the owner belongs to.
    pub reviewer: UserId,
    pub title: String,
    /// The text the reviewer sees: the story's body, or its redaction (`starl share`), as the
    /// caller made it. The reviewer never sees anything else of the owner's.
    pub text: String,
    /// Whether `text` is redacted (shown to the reviewer as such).
    pub redacted: bool,
    pub created: Timestamp,
}

/// A story shared with one reviewer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Share {
    pub id: ShareId,
    pub owner: UserId,
    pub owner_name: String,
    pub story_id: Id,
    pub reviewer: UserId,
    pub reviewer_name: String,
    pub title: String,
    /// The shared snapshot (emptied when the share is revoked).
    pub text: String,
    pub redacted: bool,
    pub created: Timestamp,
    /// When the owner revoked it: the reviewer no longer sees it; the owner keeps the reviews.
    pub revoked: Option<Timestamp>,
}

/// A comment anchored to a passage of the shared text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comment {
    /// Byte range of the passage in the share's text (on char boundaries).
    pub start: usize,
    pub end: usize,
    /// The passage itself, as the reviewer saw it (checked against the text).
    pub quote: String,
    pub text: String,
}

/// A reviewer's rubric for one share (one per reviewer and share; saving again replaces it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    /// Assigned by the store.
    #[serde(default)]
    pub id: i64,
    pub share_id: ShareId,
    /// Set by the store to the reviewer who saved it.
    #[serde(default)]
    pub reviewer: UserId,
    /// Does the story sound authentic? 1 to 5.
    pub authenticity: u8,
    /// Is the learning compelling? 1 to 5.
    pub learning: u8,
    /// Where to strengthen the story.
    #[serde(default)]
    pub strengthen: String,
    #[serde(default)]
    pub comments: Vec<Comment>,
    pub created: Timestamp,
    pub updated: Timestamp,
}

impl Review {
    /// Check the review against the text it is about and bring it to its canonical form.
    pub fn normalize(&mut self, shared_text: &str) -> Result<(), StoreError> {
        for (name, v) in [("authenticity", self.authenticity), ("learning", self.learning)] {
            if !(1..=5).contains(&v) {
                return Err(StoreError::Invalid(format!("{name} is rated 1 to 5, not {v}")));
            }
        }
        self.strengthen = self.strengthen.trim().to_string();
        for (i, c) in self.comments.iter_mut().enumerate() {
            c.text = c.text.trim().to_string();
            let passage = (c.start <= c.end).then(|| shared_text.get(c.start..c.end)).flatten();
            match passage {
                Some(p) if p == c.quote => {}
                _ => {
                    return Err(StoreError::Invalid(format!(
                        "comment {}: bytes {}..{} of the shared text are not the quoted passage",
                        i + 1,
                        c.start,
                        c.end
                    )))
                }
            }
            if c.text.is_empty() {
                return Err(StoreError::Invalid(format!("comment {} is empty", i + 1)));
            }
        }
        self.comments.sort_by_key(|c| (c.start, c.end));
        self.created = crate::truncate(self.created);
        self.updated = crate::truncate(self.updated);
        Ok(())
    }
}

/// One member's coverage, as their mentor sees it: counts, never content.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MemberCoverage {
    pub user: UserId,
    pub name: String,
    /// Stories marked ready.
    pub ready_stories: usize,
    /// Ready stories per question id they answer (the analyzer's fits, as last cached by the
    /// member's bank, plus pins, minus unpins).
    pub by_question: BTreeMap<String, usize>,
    /// Ready stories per category (as last analysed).
    pub by_category: BTreeMap<String, usize>,
    /// Practice attempts since the coverage's `since`.
    pub attempts_since: usize,
    pub last_attempt: Option<Timestamp>,
}

/// A mentor's view of a cohort ([`Accounts::cohort_coverage`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CohortCoverage {
    pub cohort: Cohort,
    pub since: Timestamp,
    pub members: Vec<MemberCoverage>,
}

/// What a ready story contributes to coverage: pins win over the analysis, unpins remove.
pub fn story_questions(pinned: &[String], unpinned: &[String], analysis: Option<&crate::StoryAnalysis>) -> Vec<String> {
    let mut qs: Vec<String> = analysis.map(|a| a.fits.clone()).unwrap_or_default();
    qs.extend(pinned.iter().cloned());
    qs.retain(|q| !unpinned.contains(q));
    qs.sort();
    qs.dedup();
    qs
}

/// A refused access, for the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEvent {
    pub id: i64,
    pub at: Timestamp,
    /// Who tried (None: not logged in, or an account since deleted).
    pub actor: Option<UserId>,
    /// What was tried: `share.read`, `review.save`, `entry.read`, ...
    pub action: String,
    /// What it was tried on: `share 7`, `entry 3`, ... (ids only, never content).
    pub target: String,
}

/// A refusal to record ([`Accounts::record_refusal`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAuditEvent {
    pub at: Timestamp,
    pub actor: Option<UserId>,
    pub action: String,
    pub target: String,
}

/// Accounts of a multi-user database. Methods are atomic, like [`Store`]'s. Those that take a
/// `viewer` or an `owner` decide access themselves (see the module docs).
pub trait Accounts {
    /// Create a user; `password` is hashed (Argon2id) before it is stored. A taken name is a
    /// [`StoreError::Conflict`].
    fn create_user(&mut self, user: &NewUser, password: Option<&str>) -> Result<User, StoreError>;
    fn user(&mut self, id: UserId) -> Result<User, StoreError>;
    fn user_by_name(&mut self, name: &str) -> Result<User, StoreError>;
    /// Every user, by id.
    fn users(&mut self) -> Result<Vec<User>, StoreError>;
    fn set_role(&mut self, id: UserId, role: Role) -> Result<User, StoreError>;
    /// Replace the password (`None`: no password login). Other sessions stay: call
    /// [`Accounts::delete_sessions`] too to log out everywhere.
    fn set_password(&mut self, id: UserId, password: Option<&str>) -> Result<(), StoreError>;
    /// The user whose name and password these are, or `None` (unknown name, wrong password or
    /// no password). Takes as long for an unknown name as for a wrong password.
    fn check_password(&mut self, name: &str, password: &str) -> Result<Option<User>, StoreError>;
    /// Delete the account and everything that is the user's: journal, stories, attempts,
    /// feedback, sessions, memberships, shares they made or received, reviews they wrote.
    fn delete_user(&mut self, id: UserId) -> Result<(), StoreError>;

    /// Start a session for `user`; returns the token (give it to the client, e.g. in a cookie)
    /// and the session. Only the token's hash is stored.
    fn create_session(
        &mut self,
        user: UserId,
        now: Timestamp,
        expires: Timestamp,
    ) -> Result<(String, Session), StoreError>;
    /// The session of `token`, if it exists and has not expired at `now` (an expired one is
    /// deleted).
    fn session(&mut self, token: &str, now: Timestamp) -> Result<Option<Session>, StoreError>;
    /// Log out: forget the session of `token` (no error if there is none).
    fn delete_session(&mut self, token: &str) -> Result<(), StoreError>;
    /// Log out everywhere: forget every session of `user`. Returns how many there were.
    fn delete_sessions(&mut self, user: UserId) -> Result<usize, StoreError>;

    /// A new cohort; a taken name is a [`StoreError::Conflict`].
    fn create_cohort(&mut self, name: &str, created: Timestamp) -> Result<Cohort, StoreError>;
    fn cohort_by_name(&mut self, name: &str) -> Result<Cohort, StoreError>;
    fn cohorts(&mut self) -> Result<Vec<Cohort>, StoreError>;
    /// Add `user` to `cohort` (already a member: no change).
    fn add_member(&mut self, cohort: CohortId, user: UserId) -> Result<(), StoreError>;
    fn remove_member(&mut self, cohort: CohortId, user: UserId) -> Result<(), StoreError>;
    /// The cohort's members (mentors included), by id.
    fn members(&mut self, cohort: CohortId) -> Result<Vec<User>, StoreError>;
    /// The cohorts `user` belongs to, by id.
    fn cohorts_of(&mut self, user: UserId) -> Result<Vec<Cohort>, StoreError>;

    /// A single-use invite; returns the token (to put in the link) and the invite.
    fn create_invite(&mut self, invite: &NewInvite) -> Result<(String, Invite), StoreError>;
    /// The invite of `token` if it can still be used at `now`.
    fn invite(&mut self, token: &str, now: Timestamp) -> Result<Option<Invite>, StoreError>;
    /// Use the invite of `token`: create the user with the invite's role, in its cohort, and mark
    /// the invite used, all at once. An unknown, used or expired token is
    /// [`StoreError::Invalid`] and changes nothing.
    fn redeem_invite(
        &mut self,
        token: &str,
        name: &str,
        password: Option<&str>,
        now: Timestamp,
    ) -> Result<User, StoreError>;

    /// Share `owner`'s story with a reviewer: a mentor, or a peer, of a cohort the owner is in.
    /// The story must be the owner's ([`StoreError::NotFound`] otherwise).
    fn create_share(&mut self, owner: UserId, share: &NewShare) -> Result<Share, StoreError>;
    /// Revoke a share of `owner`'s: the reviewer no longer sees it, its text is forgotten.
    fn revoke_share(&mut self, owner: UserId, id: ShareId, at: Timestamp) -> Result<(), StoreError>;
    /// A share as `viewer` may see it: its owner always, its reviewer while it is not revoked.
    fn share(&mut self, viewer: UserId, id: ShareId) -> Result<Share, StoreError>;
    /// The shares `owner` made (revoked ones included), newest first.
    fn shares_by(&mut self, owner: UserId) -> Result<Vec<Share>, StoreError>;
    /// The shares addressed to `reviewer` and not revoked, newest first.
    fn shares_for(&mut self, reviewer: UserId) -> Result<Vec<Share>, StoreError>;

    /// Save `reviewer`'s review of a share addressed to them (replacing their previous one).
    fn save_review(&mut self, reviewer: UserId, review: &Review) -> Result<Review, StoreError>;
    /// The reviews of a share, as `viewer` may see them: the owner sees all, a reviewer theirs.
    fn reviews(&mut self, viewer: UserId, share: ShareId) -> Result<Vec<Review>, StoreError>;

    /// Coverage of a cohort for `viewer`, who must be a mentor in it (or an admin): per member,
    /// ready stories per question and category and practice attempts since `since`.
    fn cohort_coverage(
        &mut self,
        viewer: UserId,
        cohort: CohortId,
        since: Timestamp,
    ) -> Result<CohortCoverage, StoreError>;

    /// Record a refused access (the methods above record their own).
    fn record_refusal(&mut self, event: &NewAuditEvent) -> Result<(), StoreError>;
    /// The latest `limit` refusals, newest first.
    fn audit_log(&mut self, limit: usize) -> Result<Vec<AuditEvent>, StoreError>;
}

/// A multi-user database, as a server holds it: a journal per user, and the accounts.
pub trait Database: Send + Sync {
    /// The journal of `user`: a store that reads and writes that user's records only.
    fn store(&self, user: UserId) -> Result<Box<dyn Store + Send>, StoreError>;
    /// The accounts.
    fn accounts(&self) -> Result<Box<dyn Accounts + Send>, StoreError>;
}

/// The Argon2id hash of `password` in PHC string form, with the caller's random `salt`
/// (argon2's default, OWASP-recommended parameters: 19 MiB, 2 passes, 1 lane).
pub fn hash_password(password: &str, salt: &[u8; 16]) -> Result<String, StoreError> {
    use argon2::password_hash::{PasswordHasher, SaltString};
    let salt = SaltString::encode_b64(salt).map_err(|e| StoreError::Invalid(format!("salt: {e}")))?;
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| StoreError::Invalid(format!("cannot hash the password: {e}")))
}

/// Whether `password` matches the PHC `hash` (constant-time comparison).
pub fn verify_password(password: &str, hash: &str) -> bool {
    use argon2::password_hash::{PasswordHash, PasswordVerifier};
    PasswordHash::new(hash).is_ok_and(|h| argon2::Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// A hash to verify against when the user does not exist, so that answering takes as long as
/// for a wrong password (computed once).
pub fn dummy_password_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password("starl: no such user", &[0x5a; 16]).unwrap_or_default())
}

/// A token for a session or an invite from 32 random bytes: 64 hex digits.
pub fn token_from_bytes(bytes: &[u8; 32]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The stored form of a token: its SHA-256, in hex. Tokens are 256 random bits, so a fast hash
/// is enough (no dictionary to guess from).
pub fn token_hash(token: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_and_verify() {
        let h = hash_password("correct horse", &[7; 16]).unwrap();
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("wrong", &h));
        assert!(!verify_password("correct horse", "not a hash"));
        assert!(!verify_password("x", dummy_password_hash()));
        assert!(dummy_password_hash().starts_with("$argon2id$"));
    }

    #[test]
    fn tokens_and_names() {
        let t = token_from_bytes(&[0xab; 32]);
        assert_eq!(t.len(), 64);
        assert_eq!(token_hash(&t).len(), 64);
        assert_ne!(token_hash(&t), t);
        assert_eq!(normalize_user_name(" Ada@Example.org ").unwrap(), "ada@example.org");
        assert!(normalize_user_name("two words").is_err());
        assert!(normalize_user_name("").is_err());
        assert_eq!("Mentor".parse::<Role>().unwrap(), Role::Mentor);
    }

    #[test]
    fn anchors_are_checked() {
        let text = "We shipped. I broke the build.";
        let mut r = Review {
            id: 0,
            share_id: 1,
            reviewer: 0,
            authenticity: 4,
            learning: 3,
            strengthen: " more numbers ".into(),
            comments: vec![Comment { start: 12, end: 30, quote: "I broke the build.".into(), text: "good".into() }],
            created: Timestamp::UNIX_EPOCH,
            updated: Timestamp::UNIX_EPOCH,
        };
        r.normalize(text).unwrap();
        assert_eq!(r.strengthen, "more numbers");
        r.comments[0].end = 29;
        assert!(r.normalize(text).is_err());
        r.comments[0].end = 31;
        assert!(r.normalize(text).is_err());
        r.comments[0].end = 30;
        r.learning = 6;
        assert!(r.normalize(text).is_err());
    }
}
