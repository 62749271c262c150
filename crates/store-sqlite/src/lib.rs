//! The [`Store`] on one embedded SQLite file: no server, no set-up.
//!
//! - **Schema versions.** The migrations in `migrations/NNNN_*.sql` are embedded in the binary
//!   and applied in order, in one transaction, on open; the version reached is SQLite's
//!   `user_version` and the file is stamped with starl's `application_id`. A file whose version
//!   is newer than this build knows is refused with [`StoreError::TooNew`] before anything is
//!   written to it.
//! - **Atomic writes.** Every write method runs in one `BEGIN IMMEDIATE` transaction (a
//!   savepoint when nested in [`Store::atomically`]); a process killed at any moment leaves the
//!   file as it was before or after.
//! - **Concurrency.** WAL journal and a busy timeout: two processes writing at once both
//!   succeed, one after the other; readers never wait for writers.
//! - **Search.** A contentless FTS5 index (word prefixes, accents folded) kept in step with
//!   `entries` in the same transaction; tags have their own `(tag, entry_id)` index.
//! - **Owners (schema 5).** Every journal record has an owner; a handle reads and writes one
//!   owner's records only: [`SqliteStore::open`] the local user's (a personal journal, exactly as
//!   before), [`SqliteStore::open_as`] another account's. Ids stay unique in the file (they key
//!   the full-text index), so one user's explicit id can conflict with another's; import then
//!   renumbers. The accounts ([`starl_store::Accounts`], `accounts.rs`) are the whole file's;
//!   [`SqliteDatabase`] hands out both, for `starl serve --multi-user` on one file.
//! - **Listings never sort.** Each entry has a sort key, `k = (days of happened since 1970) <<
//!   32 | id`, which orders as "most recent first, then highest id". The full-text index is keyed
//!   by `k`, tag rows carry it and `entries` has an index on it, so whichever of them drives a
//!   listing is walked backwards and stops at the LIMIT (see [`entry_query`]).

mod accounts;

pub use accounts::SqliteDatabase;

use std::path::Path;
use std::time::Duration;

use jiff::civil::Date;
use jiff::Timestamp;
use std::collections::BTreeMap;

use rusqlite::types::Value;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension, Row};
use starl_store::{
    AttemptFilter, Category, Entry, EntryFilter, Feedback, FollowUp, FollowUpStatus, Id, PracticeAttempt, Store,
    StoreError, Story, StoryAnalysis, StoryFilter, ThemeScores, UserId, LOCAL_USER, MAX_ID,
};

/// The migrations, in order: migration `i` (0-based) brings the schema to version `i + 1`.
pub const MIGRATIONS: &[(&str, &str)] = &[
    ("0001_init.sql", include_str!("../migrations/0001_init.sql")),
    ("0002_practice_attempts.sql", include_str!("../migrations/0002_practice_attempts.sql")),
    ("0003_listing_keys_and_bank_cache.sql", include_str!("../migrations/0003_listing_keys_and_bank_cache.sql")),
    ("0004_feedback.sql", include_str!("../migrations/0004_feedback.sql")),
    ("0005_owners_and_accounts.sql", include_str!("../migrations/0005_owners_and_accounts.sql")),
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// `PRAGMA application_id` of a starl database: "STRL".
pub const APPLICATION_ID: i64 = 0x5354_524C;

/// How long a writer waits for another process's transaction before giving up.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// A starl database.
pub struct SqliteStore {
    conn: Connection,
    location: String,
    /// Open transactions and savepoints.
    depth: u32,
    /// Whose journal this handle reads and writes ([`LOCAL_USER`] unless opened with
    /// [`SqliteStore::open_as`]).
    owner: UserId,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore").field("location", &self.location).finish()
    }
}

fn backend(location: &str) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
    move |e| StoreError::Backend(format!("{location}: {e}"))
}

impl SqliteStore {
    /// Open (creating if need be) the database at `path` and bring its schema up to date. The
    /// folder must exist.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        let location = path.display().to_string();
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags)
            .map_err(|e| StoreError::Backend(format!("cannot open {location}: {e}")))?;
        SqliteStore::setup(conn, location, true)
    }

    /// Open the database at `path` as [`SqliteStore::open`] does, for the journal of `owner`:
    /// every [`Store`] method then reads and writes that user's records only. (Accounts methods
    /// are the whole file's.)
    pub fn open_as(path: &Path, owner: UserId) -> Result<SqliteStore, StoreError> {
        let mut store = SqliteStore::open(path)?;
        store.owner = owner;
        Ok(store)
    }

    /// Whose journal this handle is.
    pub fn owner(&self) -> UserId {
        self.owner
    }

    /// A private database in memory (tests).
    pub fn open_in_memory() -> Result<SqliteStore, StoreError> {
        let conn = Connection::open_in_memory().map_err(backend(":memory:"))?;
        SqliteStore::setup(conn, ":memory:".into(), false)
    }

    /// Where the database is, for messages.
    pub fn location(&self) -> &str {
        &self.location
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        self.conn.pragma_query_value(None, "user_version", |r| r.get(0)).map_err(backend(&self.location))
    }

    fn setup(conn: Connection, location: String, file: bool) -> Result<SqliteStore, StoreError> {
        let err = |e: rusqlite::Error| StoreError::Backend(format!("{location}: {e}"));
        conn.busy_timeout(BUSY_TIMEOUT).map_err(err)?;
        // Look before writing anything: a newer or foreign file is refused untouched.
        check_version(&conn, &location)?;
        if file {
            // WAL changes the file header once; only ever done to a file we may write.
            let mode: String = retry_busy(|| conn.pragma_update_and_check(None, "journal_mode", "wal", |r| r.get(0)))
                .map_err(|e| StoreError::Backend(format!("cannot write to {location}: {e}")))?;
            if !mode.eq_ignore_ascii_case("wal") {
                return Err(StoreError::Backend(format!("{location}: cannot use the WAL journal (got {mode})")));
            }
            conn.pragma_update(None, "synchronous", "NORMAL").map_err(err)?;
        }
        conn.pragma_update(None, "foreign_keys", "ON").map_err(err)?;
        let mut store = SqliteStore { conn, location, depth: 0, owner: LOCAL_USER };
        store.migrate()?;
        Ok(store)
    }

    /// Apply the migrations this file lacks, all in one transaction.
    fn migrate(&mut self) -> Result<(), StoreError> {
        if self.schema_version()? == SCHEMA_VERSION {
            return Ok(());
        }
        self.write(|c, location| {
            // Another process may have migrated since we looked.
            let from = check_version(c, location)?;
            for (i, (name, sql)) in MIGRATIONS.iter().enumerate().skip(from as usize) {
                c.execute_batch(sql)
                    .map_err(|e| StoreError::Backend(format!("{location}: migration {name} failed: {e}")))?;
                c.pragma_update(None, "user_version", i as i64 + 1).map_err(backend(location))?;
            }
            c.pragma_update(None, "application_id", APPLICATION_ID).map_err(backend(location))?;
            Ok(())
        })
    }

    /// Run `f` in a transaction (or a savepoint inside one): all of it or none of it.
    fn write<T>(&mut self, f: impl FnOnce(&Connection, &str) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let (begin, commit, rollback) = if self.depth == 0 {
            ("BEGIN IMMEDIATE".to_string(), "COMMIT".to_string(), "ROLLBACK".to_string())
        } else {
            let sp = format!("w{}", self.depth);
            (format!("SAVEPOINT {sp}"), format!("RELEASE {sp}"), format!("ROLLBACK TO {sp}; RELEASE {sp}"))
        };
        retry_busy(|| self.conn.execute_batch(&begin)).map_err(backend(&self.location))?;
        self.depth += 1;
        let result = f(&self.conn, &self.location);
        self.depth -= 1;
        match result {
            Ok(v) => match self.conn.execute_batch(&commit) {
                Ok(()) => Ok(v),
                Err(e) => {
                    let _ = self.conn.execute_batch(&rollback);
                    Err(backend(&self.location)(e))
                }
            },
            Err(e) => {
                let _ = self.conn.execute_batch(&rollback);
                Err(e)
            }
        }
    }

    /// Run several reads against one snapshot.
    fn read<T>(&self, f: impl FnOnce(&Connection, &str) -> Result<T, StoreError>) -> Result<T, StoreError> {
        if self.depth > 0 {
            return f(&self.conn, &self.location);
        }
        self.conn.execute_batch("BEGIN DEFERRED").map_err(backend(&self.location))?;
        let r = f(&self.conn, &self.location);
        let _ = self.conn.execute_batch("COMMIT");
        r
    }
}

/// SQLite's busy handler does not cover every lock upgrade (switching to WAL, or `BEGIN
/// IMMEDIATE` racing another process's first write); retry those for the busy timeout.
fn retry_busy<T>(mut f: impl FnMut() -> rusqlite::Result<T>) -> rusqlite::Result<T> {
    let start = std::time::Instant::now();
    loop {
        match f() {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if matches!(e.code, rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
                    && start.elapsed() < BUSY_TIMEOUT =>
            {
                std::thread::sleep(Duration::from_millis(5));
            }
            r => return r,
        }
    }
}

/// The file's schema version, if this build can use it.
fn check_version(c: &Connection, location: &str) -> Result<i64, StoreError> {
    let read = |pragma: &str| -> Result<i64, StoreError> {
        retry_busy(|| c.pragma_query_value(None, pragma, |r| r.get(0))).map_err(|e| match e {
            rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::NotADatabase => {
                StoreError::Foreign { location: location.into(), reason: "the file is not an SQLite database".into() }
            }
            e => StoreError::Backend(format!("cannot read {location}: {e}")),
        })
    };
    let version = read("user_version")?;
    let app = read("application_id")?;
    if app != 0 && app != APPLICATION_ID {
        return Err(StoreError::Foreign {
            location: location.into(),
            reason: format!("it belongs to another application (application_id {app:#x})"),
        });
    }
    if version > SCHEMA_VERSION {
        return Err(StoreError::TooNew { location: location.into(), found: version, supported: SCHEMA_VERSION });
    }
    if version == 0 {
        let tables: i64 = c
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .map_err(|e| StoreError::Backend(format!("cannot read {location}: {e}")))?;
        if tables > 0 {
            return Err(StoreError::Foreign {
                location: location.into(),
                reason: "it has tables but no starl schema version".into(),
            });
        }
    }
    Ok(version)
}

/// The columns [`entry_from_row`] reads, from `entries e` and `follow_ups f`.
const ENTRY_SELECT: &str = "e.id, e.title, e.happened, e.what_happened, e.impact, e.my_part, e.root_cause, \
     e.what_i_did, e.learned, e.will_change, e.category, e.severity, e.created, e.updated, \
     (SELECT group_concat(tag, ' ') FROM entry_tags t WHERE t.entry_id = e.id), \
     f.due, f.status, f.evidence, f.recorded";

const ENTRY_FROM: &str = "FROM entries e LEFT JOIN follow_ups f ON f.entry_id = e.id";

const ATTEMPT_COLUMNS: &str = "id, question, story_id, answer, duration, words, score, ownership, transparency, \
     learning, resilience, prevention, created FROM practice_attempts";

const STORY_COLUMNS: &str = "s.id, s.title, s.framework, s.body, s.entry_id, s.ready, s.score, s.created, s.updated, \
     (SELECT group_concat(question, ' ') FROM story_questions q WHERE q.story_id = s.id AND q.pinned = 1), \
     (SELECT group_concat(question, ' ') FROM story_questions q WHERE q.story_id = s.id AND q.pinned = 0) \
     FROM stories s";

fn bad_value(what: &str, value: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        0,
        rusqlite::types::Type::Text,
        format!("stored {what} `{value}` is not valid").into(),
    )
}

fn date(s: String) -> rusqlite::Result<Date> {
    s.parse().map_err(|_| bad_value("date", &s))
}

fn stamp(secs: i64) -> rusqlite::Result<Timestamp> {
    Timestamp::from_second(secs).map_err(|_| bad_value("time", &secs.to_string()))
}

fn words(s: Option<String>) -> Vec<String> {
    let mut v: Vec<String> = s.unwrap_or_default().split_whitespace().map(str::to_owned).collect();
    v.sort();
    v
}

fn entry_from_row(r: &Row<'_>) -> rusqlite::Result<Entry> {
    let category: Option<String> = r.get(10)?;
    let follow_up = match r.get::<_, Option<String>>(15)? {
        None => None,
        Some(due) => {
            let status: String = r.get(16)?;
            Some(FollowUp {
                due: date(due)?,
                status: status.parse().map_err(|_| bad_value("status", &status))?,
                evidence: r.get(17)?,
                recorded: r.get::<_, Option<i64>>(18)?.map(stamp).transpose()?,
            })
        }
    };
    Ok(Entry {
        id: r.get(0)?,
        title: r.get(1)?,
        happened: date(r.get(2)?)?,
        what_happened: r.get(3)?,
        impact: r.get(4)?,
        my_part: r.get(5)?,
        root_cause: r.get(6)?,
        what_i_did: r.get(7)?,
        learned: r.get(8)?,
        will_change: r.get(9)?,
        category: category.map(|c| c.parse::<Category>().map_err(|_| bad_value("category", &c))).transpose()?,
        severity: r.get(11)?,
        created: stamp(r.get(12)?)?,
        updated: stamp(r.get(13)?)?,
        tags: words(r.get(14)?),
        follow_up,
    })
}

fn story_from_row(r: &Row<'_>) -> rusqlite::Result<Story> {
    Ok(Story {
        id: r.get(0)?,
        title: r.get(1)?,
        framework: r.get(2)?,
        body: r.get(3)?,
        entry_id: r.get(4)?,
        ready: r.get(5)?,
        score: r.get(6)?,
        created: stamp(r.get(7)?)?,
        updated: stamp(r.get(8)?)?,
        pinned: words(r.get(9)?),
        unpinned: words(r.get(10)?),
    })
}

fn attempt_from_row(r: &Row<'_>) -> rusqlite::Result<PracticeAttempt> {
    Ok(PracticeAttempt {
        id: r.get(0)?,
        question: r.get(1)?,
        story_id: r.get(2)?,
        answer: r.get(3)?,
        duration_seconds: r.get(4)?,
        words: r.get(5)?,
        score: r.get(6)?,
        themes: ThemeScores {
            ownership: r.get(7)?,
            transparency: r.get(8)?,
            learning: r.get(9)?,
            resilience: r.get(10)?,
            prevention: r.get(11)?,
        },
        created: stamp(r.get(12)?)?,
    })
}

fn load_attempt(c: &Connection, location: &str, owner: UserId, id: Id) -> Result<PracticeAttempt, StoreError> {
    c.prepare_cached(&format!("SELECT {ATTEMPT_COLUMNS} WHERE id = ?1 AND owner = ?2"))
        .and_then(|mut st| st.query_row([id, owner], attempt_from_row).optional())
        .map_err(backend(location))?
        .ok_or(StoreError::NotFound { kind: "practice attempt", id })
}

const FEEDBACK_COLUMNS: &str =
    "id, story_id, reviewer, authenticity, learning, strengthen, comments, received FROM feedback";

fn feedback_from_row(r: &Row<'_>) -> rusqlite::Result<Feedback> {
    Ok(Feedback {
        id: r.get(0)?,
        story_id: r.get(1)?,
        reviewer: r.get(2)?,
        authenticity: r.get(3)?,
        learning: r.get(4)?,
        strengthen: r.get(5)?,
        comments: r.get(6)?,
        received: stamp(r.get(7)?)?,
    })
}

fn load_feedback(c: &Connection, location: &str, owner: UserId, id: Id) -> Result<Feedback, StoreError> {
    c.prepare_cached(&format!("SELECT {FEEDBACK_COLUMNS} WHERE id = ?1 AND owner = ?2"))
        .and_then(|mut st| st.query_row([id, owner], feedback_from_row).optional())
        .map_err(backend(location))?
        .ok_or(StoreError::NotFound { kind: "feedback", id })
}

fn load_entry(c: &Connection, location: &str, owner: UserId, id: Id) -> Result<Entry, StoreError> {
    c.prepare_cached(&format!("SELECT {ENTRY_SELECT} {ENTRY_FROM} WHERE e.id = ?1 AND e.owner = ?2"))
        .and_then(|mut st| st.query_row([id, owner], entry_from_row).optional())
        .map_err(backend(location))?
        .ok_or(StoreError::NotFound { kind: "entry", id })
}

fn load_story(c: &Connection, location: &str, owner: UserId, id: Id) -> Result<Story, StoreError> {
    c.prepare_cached(&format!("SELECT {STORY_COLUMNS} WHERE s.id = ?1 AND s.owner = ?2"))
        .and_then(|mut st| st.query_row([id, owner], story_from_row).optional())
        .map_err(backend(location))?
        .ok_or(StoreError::NotFound { kind: "story", id })
}

/// Whether `owner` has a record with `id` in `table`.
fn exists(c: &Connection, location: &str, owner: UserId, table: &str, id: Id) -> Result<bool, StoreError> {
    c.prepare_cached(&format!("SELECT 1 FROM {table} WHERE id = ?1 AND owner = ?2"))
        .and_then(|mut st| st.exists([id, owner]))
        .map_err(backend(location))
}

/// Whether `id` is taken in `table`, by anyone: ids are unique in the file (a multi-user file
/// refuses another user's id as a conflict, and import then renumbers).
fn taken(c: &Connection, location: &str, table: &str, id: Id) -> Result<bool, StoreError> {
    c.prepare_cached(&format!("SELECT 1 FROM {table} WHERE id = ?1"))
        .and_then(|mut st| st.exists([id]))
        .map_err(backend(location))
}

/// Days from 1970-01-01 to `d` in the proleptic Gregorian calendar (negative before), as
/// SQLite's `julianday(d) - 2440587.5` (H. Hinnant's `days_from_civil`).
fn days(d: Date) -> i64 {
    let (m, day) = (i64::from(d.month()), i64::from(d.day()));
    let y = i64::from(d.year()) - i64::from(m <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// An entry's sort key: "most recent `happened` first, then highest id" is `k` descending. Ids
/// are below 2^32 ([`MAX_ID`]), days fit in 22 bits: `k` is unique and far from overflow.
fn sort_key(happened: Date, id: Id) -> i64 {
    (days(happened) << 32) + id
}

/// The keys of the entries that happened on or after `since`, and on or before `until`.
fn key_range(since: Option<Date>, until: Option<Date>) -> (Option<i64>, Option<i64>) {
    (since.map(|d| days(d) << 32), until.map(|d| (days(d) << 32) + 0xFFFF_FFFF))
}

/// A listing's SQL and arguments: `SELECT {what} FROM ... WHERE ... [ORDER BY k DESC LIMIT n]`.
///
/// One index drives it, walked backwards in key order so that LIMIT stops the walk: the
/// full-text index when there is a search (FTS5 consumes `ORDER BY rowid DESC`, and its rowid
/// is the key), else the `(tag, k)` index of the first tag, else `entries (k)` or `entries
/// (category, k)`. Dates narrow the key range of the driving index. The other conditions are
/// checks on each row: another tag through the `(tag, k)` index, the category on the row.
/// Nothing is sorted and no set of matches is built (`tests/plans.rs` checks the plans).
///
/// `what` names columns of `entries e` (and `follow_ups f`, which are then joined). `entries`
/// is always joined, by its key or id, to check the row's owner: a personal journal's rows are
/// all the local user's, and a multi-user file checks each row it walks.
pub fn entry_query(
    owner: Option<UserId>,
    filter: &EntryFilter,
    what: &str,
    ordered: bool,
) -> Result<(String, Vec<Value>), StoreError> {
    let mut args: Vec<Value> = Vec::new();
    let mut arg = |v: Value| {
        args.push(v);
        format!("?{}", args.len())
    };
    let mut tags = Vec::with_capacity(filter.tags.len());
    for t in &filter.tags {
        tags.push(starl_store::normalize_tag(t)?);
    }
    tags.sort();
    tags.dedup();
    let mut conds: Vec<String> = Vec::new();
    let (from, join, key) = if let Some(mut q) = filter.search.as_deref().and_then(fts_query) {
        // The tags are in the indexed text too: as exact phrases in the query they let FTS5
        // intersect with a rare tag's short doclist instead of checking every match of a
        // common word. The `EXISTS` checks below still decide (a word in the text is not a tag).
        for t in tags.iter().filter(|t| t.chars().any(char::is_alphanumeric)) {
            q.push_str(&format!(" \"{t}\""));
        }
        conds.push(format!("entries_fts MATCH {}", arg(q.into())));
        ("entries_fts", " JOIN entries e ON e.k = entries_fts.rowid", "entries_fts.rowid")
    } else if let Some(t) = tags.first() {
        conds.push(format!("t0.tag = {}", arg(t.clone().into())));
        ("entry_tags t0", " JOIN entries e ON e.id = t0.entry_id", "t0.k")
    } else {
        ("entries e", "", "e.k")
    };
    let (lo, hi) = key_range(filter.since, filter.until);
    if let Some(lo) = lo {
        conds.push(format!("{key} >= {}", arg(lo.into())));
    }
    if let Some(hi) = hi {
        conds.push(format!("{key} <= {}", arg(hi.into())));
    }
    let driven_by_tag = key == "t0.k";
    for t in tags.iter().skip(usize::from(driven_by_tag)) {
        conds.push(format!(
            "EXISTS (SELECT 1 FROM entry_tags x WHERE x.tag = {} AND x.k = {key})",
            arg(t.clone().into())
        ));
    }
    if let Some(cat) = filter.category {
        conds.push(format!("e.category = {}", arg(cat.as_str().to_owned().into())));
    }
    // The owner is checked on each row of the walk, unless the file has one owner (`None`: a
    // personal journal), where a count needs no row of `entries` at all.
    if let Some(owner) = owner {
        conds.push(format!("e.owner = {}", arg(owner.into())));
    }
    let mut sql = format!("SELECT {what} FROM {from}");
    if owner.is_some() || what.contains("e.") || what.contains("f.") || filter.category.is_some() {
        sql.push_str(join);
    }
    if what.contains("f.") {
        sql.push_str(" LEFT JOIN follow_ups f ON f.entry_id = e.id");
    }
    if !conds.is_empty() {
        sql.push_str(" WHERE ");
        sql.push_str(&conds.join(" AND "));
    }
    if ordered {
        sql.push_str(&format!(" ORDER BY {key} DESC"));
        if let Some(n) = filter.limit {
            sql.push_str(&format!(" LIMIT {}", arg((n.min(i64::MAX as usize) as i64).into())));
        }
    }
    Ok((sql, args))
}

/// The text the full-text index holds for an entry.
fn fts_text(e: &Entry) -> String {
    let mut s = e.title.clone();
    for (_, t) in e.text_fields() {
        s.push('\n');
        s.push_str(t);
    }
    s.push('\n');
    s.push_str(&e.tags.join(" "));
    s
}

/// The FTS5 query for what a user typed: every word, as a word prefix, taken literally.
fn fts_query(search: &str) -> Option<String> {
    let terms: Vec<String> = search
        .split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .map(|w| format!("\"{}\"*", w.replace('"', "\"\"")))
        .collect();
    (!terms.is_empty()).then(|| terms.join(" "))
}

/// Write an entry's row, tags, follow-up and index entry. `insert` for a new row; an id of 0
/// takes the next free one.
fn put_entry(c: &Connection, location: &str, owner: UserId, e: &Entry, insert: bool) -> Result<Id, StoreError> {
    let err = backend(location);
    let id = if insert && e.id == 0 {
        let next: Id = c
            .prepare_cached("SELECT coalesce(max(id), 0) + 1 FROM entries")
            .and_then(|mut st| st.query_row([], |r| r.get(0)))
            .map_err(&err)?;
        if next > MAX_ID {
            return Err(StoreError::Invalid(format!("no entry ids left (the largest is {MAX_ID})")));
        }
        next
    } else {
        e.id
    };
    let k = sort_key(e.happened, id);
    if !insert {
        // The index row is under the old key: remove it before the key changes.
        c.prepare_cached("DELETE FROM entries_fts WHERE rowid = (SELECT k FROM entries WHERE id = ?1)")
            .and_then(|mut st| st.execute([id]))
            .map_err(&err)?;
    }
    let sql = if insert {
        "INSERT INTO entries (id, title, happened, what_happened, impact, my_part, root_cause, what_i_did, learned, \
         will_change, category, severity, created, updated, k, owner) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"
    } else {
        "UPDATE entries SET title = ?2, happened = ?3, what_happened = ?4, impact = ?5, my_part = ?6, root_cause = ?7, \
         what_i_did = ?8, learned = ?9, will_change = ?10, category = ?11, severity = ?12, created = ?13, updated = ?14, \
         k = ?15 WHERE id = ?1 AND owner = ?16"
    };
    c.prepare_cached(sql)
        .and_then(|mut st| {
            st.execute(params![
                id,
                e.title,
                e.happened.to_string(),
                e.what_happened,
                e.impact,
                e.my_part,
                e.root_cause,
                e.what_i_did,
                e.learned,
                e.will_change,
                e.category.map(Category::as_str),
                e.severity,
                e.created.as_second(),
                e.updated.as_second(),
                k,
                owner,
            ])
        })
        .map_err(&err)?;
    if !insert {
        c.prepare_cached("DELETE FROM entry_tags WHERE entry_id = ?1")
            .and_then(|mut st| st.execute([id]))
            .map_err(&err)?;
        c.prepare_cached("DELETE FROM follow_ups WHERE entry_id = ?1")
            .and_then(|mut st| st.execute([id]))
            .map_err(&err)?;
    }
    {
        let mut st = c.prepare_cached("INSERT INTO entry_tags (tag, entry_id, k) VALUES (?1, ?2, ?3)").map_err(&err)?;
        for t in &e.tags {
            st.execute(params![t, id, k]).map_err(&err)?;
        }
    }
    if let Some(f) = &e.follow_up {
        c.prepare_cached(
            "INSERT INTO follow_ups (entry_id, due, status, evidence, recorded) VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .and_then(|mut st| {
            st.execute(params![id, f.due.to_string(), f.status.as_str(), f.evidence, f.recorded.map(|t| t.as_second())])
        })
        .map_err(&err)?;
    }
    c.prepare_cached("INSERT INTO entries_fts (rowid, text) VALUES (?1, ?2)")
        .and_then(|mut st| st.execute(params![k, fts_text(e)]))
        .map_err(&err)?;
    Ok(id)
}

fn put_story(c: &Connection, location: &str, owner: UserId, s: &Story, insert: bool) -> Result<Id, StoreError> {
    let err = backend(location);
    if let Some(eid) = s.entry_id {
        if !exists(c, location, owner, "entries", eid)? {
            return Err(StoreError::NotFound { kind: "entry", id: eid });
        }
    }
    let sql = if insert {
        "INSERT INTO stories (id, title, framework, body, entry_id, ready, score, created, updated, owner) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
    } else {
        "UPDATE stories SET title = ?2, framework = ?3, body = ?4, entry_id = ?5, ready = ?6, score = ?7, \
         created = ?8, updated = ?9 WHERE id = ?1 AND owner = ?10"
    };
    c.prepare_cached(sql)
        .and_then(|mut st| {
            st.execute(params![
                (s.id > 0).then_some(s.id),
                s.title,
                s.framework,
                s.body,
                s.entry_id,
                s.ready,
                s.score,
                s.created.as_second(),
                s.updated.as_second(),
                owner,
            ])
        })
        .map_err(&err)?;
    let id = if insert && s.id == 0 { c.last_insert_rowid() } else { s.id };
    if !insert {
        c.prepare_cached("DELETE FROM story_questions WHERE story_id = ?1")
            .and_then(|mut st| st.execute([id]))
            .map_err(&err)?;
    }
    let mut st = c
        .prepare_cached("INSERT INTO story_questions (story_id, question, pinned) VALUES (?1, ?2, ?3)")
        .map_err(&err)?;
    for q in &s.pinned {
        st.execute(params![id, q, true]).map_err(&err)?;
    }
    for q in &s.unpinned {
        st.execute(params![id, q, false]).map_err(&err)?;
    }
    Ok(id)
}

impl Store for SqliteStore {
    fn create_entry(&mut self, entry: &Entry) -> Result<Entry, StoreError> {
        let owner = self.owner;
        let mut e = entry.clone();
        e.normalize()?;
        self.write(|c, loc| {
            if e.id < 0 || (e.id > 0 && taken(c, loc, "entries", e.id)?) {
                return Err(StoreError::Conflict { kind: "entry", id: e.id });
            }
            let id = put_entry(c, loc, owner, &e, true)?;
            load_entry(c, loc, owner, id)
        })
    }

    fn entry(&mut self, id: Id) -> Result<Entry, StoreError> {
        let owner = self.owner;
        self.read(|c, loc| load_entry(c, loc, owner, id))
    }

    fn update_entry(&mut self, entry: &Entry) -> Result<Entry, StoreError> {
        let owner = self.owner;
        let mut e = entry.clone();
        e.normalize()?;
        self.write(|c, loc| {
            if !exists(c, loc, owner, "entries", e.id)? {
                return Err(StoreError::NotFound { kind: "entry", id: e.id });
            }
            put_entry(c, loc, owner, &e, false)?;
            load_entry(c, loc, owner, e.id)
        })
    }

    fn delete_entry(&mut self, id: Id) -> Result<(), StoreError> {
        let owner = self.owner;
        self.write(|c, loc| {
            let k: Option<i64> = c
                .query_row("SELECT k FROM entries WHERE id = ?1 AND owner = ?2", [id, owner], |r| r.get(0))
                .optional()
                .map_err(backend(loc))?;
            let Some(k) = k else { return Err(StoreError::NotFound { kind: "entry", id }) };
            c.execute("DELETE FROM entries WHERE id = ?1", [id]).map_err(backend(loc))?;
            c.execute("DELETE FROM entries_fts WHERE rowid = ?1", [k]).map_err(backend(loc))?;
            Ok(())
        })
    }

    fn entries(&mut self, filter: &EntryFilter) -> Result<Vec<Entry>, StoreError> {
        let owner = self.owner;
        if filter.limit == Some(0) {
            return Ok(Vec::new());
        }
        let (sql, args) = entry_query(Some(owner), filter, ENTRY_SELECT, true)?;
        self.read(|c, loc| {
            let mut st = c.prepare_cached(&sql).map_err(backend(loc))?;
            let rows = st.query_map(rusqlite::params_from_iter(args.iter()), entry_from_row).map_err(backend(loc))?;
            rows.collect::<rusqlite::Result<Vec<_>>>().map_err(backend(loc))
        })
    }

    fn count_entries(&mut self, filter: &EntryFilter) -> Result<usize, StoreError> {
        let owner = self.owner;
        self.read(|c, loc| {
            // A file whose only account is this store's owner (every personal journal) holds
            // that owner's entries only: count from the driving index alone, as before owners.
            let sole: bool = c
                .prepare_cached("SELECT count(*) = 1 AND max(id) = ?1 FROM users")
                .and_then(|mut st| st.query_row([owner], |r| r.get(0)))
                .map_err(backend(loc))?;
            let (sql, args) = entry_query((!sole).then_some(owner), filter, "count(*)", false)?;
            let n: i64 = c
                .prepare_cached(&sql)
                .and_then(|mut st| st.query_row(rusqlite::params_from_iter(args.iter()), |r| r.get(0)))
                .map_err(backend(loc))?;
            Ok(n as usize)
        })
    }

    fn due_follow_ups(&mut self, on: Date) -> Result<Vec<Entry>, StoreError> {
        let owner = self.owner;
        let sql =
            format!("SELECT {ENTRY_SELECT} {ENTRY_FROM} WHERE f.status = 'open' AND f.due <= ?1 AND e.owner = ?2 ORDER BY f.due, e.id");
        self.read(|c, loc| {
            let mut st = c.prepare_cached(&sql).map_err(backend(loc))?;
            let rows = st.query_map(params![on.to_string(), owner], entry_from_row).map_err(backend(loc))?;
            rows.collect::<rusqlite::Result<Vec<_>>>().map_err(backend(loc))
        })
    }

    fn record_follow_up(
        &mut self,
        id: Id,
        status: FollowUpStatus,
        evidence: &str,
        at: Timestamp,
    ) -> Result<Entry, StoreError> {
        let owner = self.owner;
        let at = starl_store::truncate(at);
        self.write(|c, loc| {
            let mut e = load_entry(c, loc, owner, id)?;
            let due = e.follow_up.as_ref().map_or_else(|| at.to_zoned(jiff::tz::TimeZone::UTC).date(), |f| f.due);
            e.follow_up = Some(FollowUp { due, status, evidence: evidence.trim().to_owned(), recorded: Some(at) });
            c.execute(
                "INSERT OR REPLACE INTO follow_ups (entry_id, due, status, evidence, recorded) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![id, due.to_string(), status.as_str(), evidence.trim(), at.as_second()],
            )
            .map_err(backend(loc))?;
            load_entry(c, loc, owner, id)
        })
    }

    fn create_story(&mut self, story: &Story) -> Result<Story, StoreError> {
        let owner = self.owner;
        let mut s = story.clone();
        s.normalize()?;
        self.write(|c, loc| {
            if s.id < 0 || (s.id > 0 && taken(c, loc, "stories", s.id)?) {
                return Err(StoreError::Conflict { kind: "story", id: s.id });
            }
            let id = put_story(c, loc, owner, &s, true)?;
            load_story(c, loc, owner, id)
        })
    }

    fn story(&mut self, id: Id) -> Result<Story, StoreError> {
        let owner = self.owner;
        self.read(|c, loc| load_story(c, loc, owner, id))
    }

    fn update_story(&mut self, story: &Story) -> Result<Story, StoreError> {
        let owner = self.owner;
        let mut s = story.clone();
        s.normalize()?;
        self.write(|c, loc| {
            if !exists(c, loc, owner, "stories", s.id)? {
                return Err(StoreError::NotFound { kind: "story", id: s.id });
            }
            put_story(c, loc, owner, &s, false)?;
            load_story(c, loc, owner, s.id)
        })
    }

    fn delete_story(&mut self, id: Id) -> Result<(), StoreError> {
        let owner = self.owner;
        self.write(|c, loc| {
            match c.execute("DELETE FROM stories WHERE id = ?1 AND owner = ?2", [id, owner]).map_err(backend(loc))? {
                0 => Err(StoreError::NotFound { kind: "story", id }),
                _ => Ok(()),
            }
        })
    }

    fn stories(&mut self, filter: &StoryFilter) -> Result<Vec<Story>, StoreError> {
        let owner = self.owner;
        let sql = format!(
            "SELECT {STORY_COLUMNS} WHERE s.owner = ?3 AND (?1 IS NULL OR s.ready = ?1) AND (?2 IS NULL OR s.entry_id = ?2) \
             ORDER BY s.id"
        );
        self.read(|c, loc| {
            let mut st = c.prepare_cached(&sql).map_err(backend(loc))?;
            let rows =
                st.query_map(params![filter.ready, filter.entry_id, owner], story_from_row).map_err(backend(loc))?;
            rows.collect::<rusqlite::Result<Vec<_>>>().map_err(backend(loc))
        })
    }

    fn set_ready(&mut self, id: Id, ready: bool) -> Result<Story, StoreError> {
        let owner = self.owner;
        self.write(|c, loc| {
            match c
                .execute("UPDATE stories SET ready = ?2 WHERE id = ?1 AND owner = ?3", params![id, ready, owner])
                .map_err(backend(loc))?
            {
                0 => Err(StoreError::NotFound { kind: "story", id }),
                _ => load_story(c, loc, owner, id),
            }
        })
    }

    fn pin(&mut self, id: Id, question: &str) -> Result<Story, StoreError> {
        set_pin(self, id, question, true)
    }

    fn unpin(&mut self, id: Id, question: &str) -> Result<Story, StoreError> {
        set_pin(self, id, question, false)
    }

    fn record_attempt(&mut self, attempt: &PracticeAttempt) -> Result<PracticeAttempt, StoreError> {
        let owner = self.owner;
        let mut a = attempt.clone();
        a.normalize()?;
        self.write(|c, loc| {
            if a.id > 0 && taken(c, loc, "practice_attempts", a.id)? {
                return Err(StoreError::Conflict { kind: "practice attempt", id: a.id });
            }
            if let Some(sid) = a.story_id {
                if !exists(c, loc, owner, "stories", sid)? {
                    return Err(StoreError::NotFound { kind: "story", id: sid });
                }
            }
            let t = &a.themes;
            c.prepare_cached(
                "INSERT INTO practice_attempts (id, question, story_id, answer, duration, words, score, ownership, \
                 transparency, learning, resilience, prevention, created, owner) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            )
            .and_then(|mut st| {
                st.execute(params![
                    (a.id > 0).then_some(a.id),
                    a.question,
                    a.story_id,
                    a.answer,
                    a.duration_seconds,
                    a.words,
                    a.score,
                    t.ownership,
                    t.transparency,
                    t.learning,
                    t.resilience,
                    t.prevention,
                    a.created.as_second(),
                    owner,
                ])
            })
            .map_err(backend(loc))?;
            let id = if a.id > 0 { a.id } else { c.last_insert_rowid() };
            if id > MAX_ID {
                return Err(StoreError::Invalid(format!("no practice attempt ids left (the largest is {MAX_ID})")));
            }
            load_attempt(c, loc, owner, id)
        })
    }

    fn attempt(&mut self, id: Id) -> Result<PracticeAttempt, StoreError> {
        let owner = self.owner;
        self.read(|c, loc| load_attempt(c, loc, owner, id))
    }

    fn attempts(&mut self, filter: &AttemptFilter) -> Result<Vec<PracticeAttempt>, StoreError> {
        let owner = self.owner;
        let mut conds = vec!["owner = ?1".to_string()];
        let mut args: Vec<Value> = vec![owner.into()];
        if let Some(q) = &filter.question {
            args.push(starl_store::normalize_tag(q)?.into());
            conds.push(format!("question = ?{}", args.len()));
        }
        if let Some(id) = filter.story_id {
            args.push(id.into());
            conds.push(format!("story_id = ?{}", args.len()));
        }
        if let Some(t) = filter.since {
            args.push(t.as_second().into());
            conds.push(format!("created >= ?{}", args.len()));
        }
        if let Some(t) = filter.until {
            args.push(t.as_second().into());
            conds.push(format!("created < ?{}", args.len()));
        }
        let mut sql = format!("SELECT {ATTEMPT_COLUMNS}");
        if !conds.is_empty() {
            sql.push_str(" WHERE ");
            sql.push_str(&conds.join(" AND "));
        }
        sql.push_str(" ORDER BY created, id");
        self.read(|c, loc| {
            let mut st = c.prepare_cached(&sql).map_err(backend(loc))?;
            let rows = st.query_map(rusqlite::params_from_iter(args.iter()), attempt_from_row).map_err(backend(loc))?;
            rows.collect::<rusqlite::Result<Vec<_>>>().map_err(backend(loc))
        })
    }

    fn add_feedback(&mut self, feedback: &Feedback) -> Result<Feedback, StoreError> {
        let owner = self.owner;
        let mut f = feedback.clone();
        f.normalize()?;
        self.write(|c, loc| {
            if f.id > 0 && taken(c, loc, "feedback", f.id)? {
                return Err(StoreError::Conflict { kind: "feedback", id: f.id });
            }
            if !exists(c, loc, owner, "stories", f.story_id)? {
                return Err(StoreError::NotFound { kind: "story", id: f.story_id });
            }
            c.prepare_cached(
                "INSERT INTO feedback (id, story_id, reviewer, authenticity, learning, strengthen, comments, received, \
                 owner) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )
            .and_then(|mut st| {
                st.execute(params![
                    (f.id > 0).then_some(f.id),
                    f.story_id,
                    f.reviewer,
                    f.authenticity,
                    f.learning,
                    f.strengthen,
                    f.comments,
                    f.received.as_second(),
                    owner,
                ])
            })
            .map_err(backend(loc))?;
            let id = if f.id > 0 { f.id } else { c.last_insert_rowid() };
            if id > MAX_ID {
                return Err(StoreError::Invalid(format!("no feedback ids left (the largest is {MAX_ID})")));
            }
            load_feedback(c, loc, owner, id)
        })
    }

    fn feedback_item(&mut self, id: Id) -> Result<Feedback, StoreError> {
        let owner = self.owner;
        self.read(|c, loc| load_feedback(c, loc, owner, id))
    }

    fn feedback(&mut self, story_id: Id) -> Result<Vec<Feedback>, StoreError> {
        let owner = self.owner;
        self.read(|c, loc| {
            let mut st = c
                .prepare_cached(&format!(
                    "SELECT {FEEDBACK_COLUMNS} WHERE story_id = ?1 AND owner = ?2 ORDER BY received, id"
                ))
                .map_err(backend(loc))?;
            let rows = st.query_map([story_id, owner], feedback_from_row).map_err(backend(loc))?;
            rows.collect::<rusqlite::Result<Vec<_>>>().map_err(backend(loc))
        })
    }

    fn story_analyses(&mut self) -> Result<BTreeMap<Id, StoryAnalysis>, StoreError> {
        let owner = self.owner;
        self.read(|c, loc| {
            let mut st = c
                .prepare_cached(
                    "SELECT a.story_id, a.key, a.score, a.category, a.fits FROM story_analyses a \
                     JOIN stories s ON s.id = a.story_id WHERE s.owner = ?1",
                )
                .map_err(backend(loc))?;
            let rows = st
                .query_map([owner], |r| {
                    Ok((
                        r.get::<_, Id>(0)?,
                        StoryAnalysis { key: r.get(1)?, score: r.get(2)?, category: r.get(3)?, fits: words(r.get(4)?) },
                    ))
                })
                .map_err(backend(loc))?;
            rows.collect::<rusqlite::Result<BTreeMap<_, _>>>().map_err(backend(loc))
        })
    }

    fn save_story_analyses(&mut self, analyses: &[(Id, StoryAnalysis)]) -> Result<(), StoreError> {
        let owner = self.owner;
        for (_, a) in analyses {
            if a.score > 100 {
                return Err(StoreError::Invalid("a score is 0 to 100".into()));
            }
        }
        self.write(|c, loc| {
            let mut st = c
                .prepare_cached(
                    "INSERT OR REPLACE INTO story_analyses (story_id, key, score, category, fits) \
                     SELECT id, ?2, ?3, ?4, ?5 FROM stories WHERE id = ?1 AND owner = ?6",
                )
                .map_err(backend(loc))?;
            for (id, a) in analyses {
                st.execute(params![id, a.key, a.score, a.category, a.fits.join(" "), owner]).map_err(backend(loc))?;
            }
            Ok(())
        })
    }

    fn atomically(&mut self, f: &mut dyn FnMut(&mut dyn Store) -> Result<(), StoreError>) -> Result<(), StoreError> {
        // `write` hands out the connection; here the closure needs the whole store, so open the
        // transaction by hand with the same bookkeeping.
        let (begin, commit, rollback) = if self.depth == 0 {
            ("BEGIN IMMEDIATE".to_string(), "COMMIT".to_string(), "ROLLBACK".to_string())
        } else {
            let sp = format!("a{}", self.depth);
            (format!("SAVEPOINT {sp}"), format!("RELEASE {sp}"), format!("ROLLBACK TO {sp}; RELEASE {sp}"))
        };
        retry_busy(|| self.conn.execute_batch(&begin)).map_err(backend(&self.location))?;
        self.depth += 1;
        let result = f(self);
        self.depth -= 1;
        match result {
            Ok(()) => self.conn.execute_batch(&commit).map_err(|e| {
                let _ = self.conn.execute_batch(&rollback);
                backend(&self.location)(e)
            }),
            Err(e) => {
                let _ = self.conn.execute_batch(&rollback);
                Err(e)
            }
        }
    }
}

fn set_pin(store: &mut SqliteStore, id: Id, question: &str, pinned: bool) -> Result<Story, StoreError> {
    let q = starl_store::normalize_tag(question)?;
    let owner = store.owner;
    store.write(|c, loc| {
        if !exists(c, loc, owner, "stories", id)? {
            return Err(StoreError::NotFound { kind: "story", id });
        }
        c.execute(
            "INSERT OR REPLACE INTO story_questions (story_id, question, pinned) VALUES (?1, ?2, ?3)",
            params![id, q, pinned],
        )
        .map_err(backend(loc))?;
        load_story(c, loc, owner, id)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_agree_with_jiff_and_sqlite() {
        let c = Connection::open_in_memory().unwrap();
        let epoch = jiff::civil::date(1970, 1, 1);
        for d in [
            jiff::civil::date(1970, 1, 1),
            jiff::civil::date(1969, 12, 31),
            jiff::civil::date(2000, 2, 29),
            jiff::civil::date(2000, 3, 1),
            jiff::civil::date(2026, 3, 2),
            jiff::civil::date(1, 1, 1),
            jiff::civil::date(1600, 2, 29),
            jiff::civil::date(9999, 12, 31),
        ] {
            let jiff_days = d.since((jiff::Unit::Day, epoch)).unwrap().get_days() as i64;
            assert_eq!(days(d), jiff_days, "{d}");
            let sql: i64 = c
                .query_row("SELECT CAST(round(julianday(?1) - 2440587.5) AS INTEGER)", [d.to_string()], |r| r.get(0))
                .unwrap();
            assert_eq!(days(d), sql, "{d}: the migration computes keys in SQL");
        }
        assert!(sort_key(jiff::civil::date(2026, 1, 2), 1) > sort_key(jiff::civil::date(2026, 1, 1), MAX_ID));
        assert!(sort_key(jiff::civil::date(1969, 1, 2), 1) > sort_key(jiff::civil::date(1969, 1, 1), MAX_ID));
    }

    #[test]
    fn queries_are_literal() {
        assert_eq!(fts_query("deploy \"x\" OR *").as_deref(), Some("\"deploy\"* \"\"\"x\"\"\"* \"OR\"*"));
        assert_eq!(fts_query("  * ( "), None);
    }
}
