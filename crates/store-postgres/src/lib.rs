//! The [`Store`] and the [`Accounts`] of a cohort server, on PostgreSQL.
//!
//! - **One database, many users.** [`PgDatabase`] is the server's handle (a connection pool,
//!   cheap to clone); [`PgDatabase::store`] opens the journal of *one* user, and every statement
//!   of that [`PgStore`] is scoped by its owner: no method can name another user's rows. Journal
//!   ids (entries, stories, attempts, feedback) are per owner — the primary keys are `(owner,
//!   id)` — so a personal journal moves into an account with its ids unchanged, and guessing an
//!   id only ever reaches one's own records. Accounts, sessions, cohorts, invites, shares,
//!   reviews and the audit log are [`Accounts`] on [`PgDatabase`] (see `accounts.rs`).
//! - **Schema versions.** `migrations/NNNN_*.sql` are embedded and applied in order at connect,
//!   in one transaction under an advisory lock (two servers starting at once migrate once). The
//!   version reached is kept in the `schema_version` table. A database whose version is newer
//!   than this build is refused with [`StoreError::TooNew`] before anything is written; a
//!   schema with tables but no `schema_version` is [`StoreError::Foreign`]. The schema is the
//!   first of the connection's `search_path` (name another with `?options=-csearch_path%3Dname`).
//! - **A bounded pool of synchronous clients.** [`Store`] is synchronous, so this backend uses
//!   the synchronous `postgres` client in an `r2d2` pool of at most [`PoolOptions::max_size`]
//!   connections (a request waits up to [`PoolOptions::timeout`] for one). The `postgres`
//!   client drives a private tokio runtime of its own; it must not be called from a thread
//!   that runs an async runtime (it would panic): an async server calls the store inside
//!   `tokio::task::spawn_blocking`, which is also where blocking database work belongs. The
//!   alternative, `tokio-postgres` behind a blocking facade, would need the same
//!   `spawn_blocking` and add a second runtime hop per call, for nothing. Each pooled
//!   connection keeps its prepared statements, so a call costs one round trip per statement.
//! - **Atomic writes.** Every write method is one transaction (a savepoint inside
//!   [`Store::atomically`]), and takes a transaction-scoped advisory lock on its owner: one
//!   user's writes are serialised (ids are `max + 1` per owner), different users never wait for
//!   each other. A store dropped inside a transaction rolls it back before its connection goes
//!   back to the pool.
//! - **Search.** As SQLite's FTS5 index: every word of the query as a word prefix, in any field
//!   or tag, case and accents folded, syntax characters taken literally (`search.rs`).
//! - **Listings** are ordered by the same key as SQLite's, `k = days(happened) << 32 | id`, with
//!   an index on `(owner, k)`.
//!
//! TLS is not built in (the client connects with `NoTls`): run the database on the same host
//! or a private network, or put a TLS-terminating proxy in front.

mod accounts;
mod search;

use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use jiff::civil::Date;
use jiff::Timestamp;
use postgres::types::ToSql;
use postgres::{Client, NoTls, Row};
use r2d2_postgres::PostgresConnectionManager;
use starl_store::{
    AttemptFilter, Category, Entry, EntryFilter, Feedback, FollowUp, FollowUpStatus, Id, PracticeAttempt, Store,
    StoreError, Story, StoryAnalysis, StoryFilter, ThemeScores, UserId, MAX_ID,
};

/// The migrations, in order: migration `i` (0-based) brings the schema to version `i + 1`.
pub const MIGRATIONS: &[(&str, &str)] = &[
    ("0001_init.sql", include_str!("../migrations/0001_init.sql")),
    ("0002_accounts.sql", include_str!("../migrations/0002_accounts.sql")),
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// The first key of starl's advisory locks ("STRL"); the second is 0 for migrations, the owner
/// for a user's writes.
const LOCK_KEY: i32 = 0x5354_524C;

type Pooled = r2d2::PooledConnection<Manager>;

/// How many prepared statements a connection keeps (the store's SQL is a fixed set plus a few
/// shapes of listing; the cache is emptied if it ever fills).
const STATEMENT_CACHE: usize = 256;

/// A pooled client with its prepared statements: a statement is parsed once per connection,
/// then each call is one round trip instead of two (prepare, execute).
pub(crate) struct Conn {
    client: Client,
    statements: std::collections::HashMap<String, postgres::Statement>,
}

impl Conn {
    pub(crate) fn statement(&mut self, sql: &str) -> Result<postgres::Statement, postgres::Error> {
        if let Some(st) = self.statements.get(sql) {
            return Ok(st.clone());
        }
        let st = self.client.prepare(sql)?;
        if self.statements.len() >= STATEMENT_CACHE {
            self.statements.clear();
        }
        self.statements.insert(sql.to_owned(), st.clone());
        Ok(st)
    }
}

impl std::ops::Deref for Conn {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.client
    }
}

impl std::ops::DerefMut for Conn {
    fn deref_mut(&mut self) -> &mut Client {
        &mut self.client
    }
}

/// `r2d2_postgres`'s manager, with a statement cache on each connection.
struct Manager(PostgresConnectionManager<NoTls>);

impl r2d2::ManageConnection for Manager {
    type Connection = Conn;
    type Error = postgres::Error;

    fn connect(&self) -> Result<Conn, postgres::Error> {
        Ok(Conn { client: self.0.connect()?, statements: Default::default() })
    }

    fn is_valid(&self, conn: &mut Conn) -> Result<(), postgres::Error> {
        self.0.is_valid(&mut conn.client)
    }

    fn has_broken(&self, conn: &mut Conn) -> bool {
        self.0.has_broken(&mut conn.client)
    }
}

/// The connection pool's bounds.
#[derive(Debug, Clone, Copy)]
pub struct PoolOptions {
    /// At most this many connections are open at once.
    pub max_size: u32,
    /// How long a caller waits for a free connection before [`StoreError::Backend`].
    pub timeout: Duration,
}

impl Default for PoolOptions {
    fn default() -> PoolOptions {
        PoolOptions { max_size: 16, timeout: Duration::from_secs(10) }
    }
}

/// A starl database on a PostgreSQL server: the pool every [`PgStore`] borrows from, and the
/// server's [`Accounts`](starl_store::Accounts). Clones share the pool.
#[derive(Clone)]
pub struct PgDatabase {
    inner: Arc<Inner>,
}

struct Inner {
    pool: r2d2::Pool<Manager>,
    location: String,
    /// A schema made for one test run, dropped with the last handle: (server config, schema, url).
    scratch: Option<(postgres::Config, String, String)>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Some((config, schema, _)) = &self.scratch {
            if let Ok(mut c) = config.connect(NoTls) {
                let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
            }
        }
    }
}

impl std::fmt::Debug for PgDatabase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgDatabase").field("location", &self.inner.location).finish()
    }
}

/// A URL for messages: user, host, port and database, never the password.
fn describe(config: &postgres::Config) -> String {
    let host = match config.get_hosts().first() {
        Some(postgres::config::Host::Tcp(h)) => h.clone(),
        #[cfg(unix)]
        Some(postgres::config::Host::Unix(p)) => p.display().to_string(),
        None => "localhost".into(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let user = config.get_user().map(|u| format!("{u}@")).unwrap_or_default();
    format!("postgres://{user}{host}:{port}/{}", config.get_dbname().unwrap_or(""))
}

fn parse_url(url: &str) -> Result<postgres::Config, StoreError> {
    let mut config = postgres::Config::from_str(url)
        .map_err(|e| StoreError::Invalid(format!("`{}` is not a PostgreSQL URL: {e}", redact_url(url))))?;
    if config.get_application_name().is_none() {
        config.application_name("starl");
    }
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(Duration::from_secs(10));
    }
    Ok(config)
}

/// `url` with any password replaced by `***`, for messages.
pub fn redact_url(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://") {
        let (auth, host) = match rest.split_once('@') {
            Some((a, h)) => (a, h),
            None => return url.to_string(),
        };
        if let Some((user, _)) = auth.split_once(':') {
            return format!("{scheme}://{user}:***@{host}");
        }
    }
    url.to_string()
}

fn be(location: &str, e: postgres::Error) -> StoreError {
    StoreError::Backend(format!("{location}: {e}"))
}

impl PgDatabase {
    /// Connect to the database at `url` (`postgres://user[:password]@host[:port]/dbname`),
    /// bring its schema up to date and open a pool with the default bounds.
    pub fn connect(url: &str) -> Result<PgDatabase, StoreError> {
        PgDatabase::connect_with(url, PoolOptions::default())
    }

    /// [`PgDatabase::connect`] with the pool's bounds.
    pub fn connect_with(url: &str, options: PoolOptions) -> Result<PgDatabase, StoreError> {
        let config = parse_url(url)?;
        PgDatabase::open(config, options, None)
    }

    /// A fresh, empty database for one test: a new schema on the server at `url`, used through
    /// the connections' `search_path` and dropped (with everything in it) when the last handle
    /// goes. Parallel tests and repeated runs never see each other's rows.
    pub fn scratch(url: &str) -> Result<PgDatabase, StoreError> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let config = parse_url(url)?;
        let location = describe(&config);
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
        let schema = format!("starl_test_{}_{}_{nanos}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed));
        let mut admin = config.connect(NoTls).map_err(|e| be(&location, e))?;
        drop_abandoned_scratch_schemas(&mut admin);
        admin.batch_execute(&format!("CREATE SCHEMA {schema}")).map_err(|e| be(&location, e))?;
        let sep = if url.contains('?') { '&' } else { '?' };
        let scratch_url = format!("{url}{sep}options=-csearch_path%3D{schema}");
        let mut scoped = config.clone();
        scoped.options(&format!("-csearch_path={schema}"));
        match PgDatabase::open(scoped, PoolOptions { max_size: 4, ..Default::default() }, None) {
            Ok(db) => {
                let inner = Arc::try_unwrap(db.inner).map_err(|_| StoreError::Backend("pool shared".into()))?;
                let mut inner = inner;
                inner.scratch = Some((config, schema, scratch_url));
                Ok(PgDatabase { inner: Arc::new(inner) })
            }
            Err(e) => {
                let _ = admin.batch_execute(&format!("DROP SCHEMA {schema} CASCADE"));
                Err(e)
            }
        }
    }

    /// For a [`PgDatabase::scratch`] database: a URL that reaches the same schema (to connect a
    /// second time, or to hand to the command line in a test).
    pub fn scratch_url(&self) -> Option<&str> {
        self.inner.scratch.as_ref().map(|(_, _, url)| url.as_str())
    }

    fn open(config: postgres::Config, options: PoolOptions, _: Option<()>) -> Result<PgDatabase, StoreError> {
        let location = describe(&config);
        // One plain connection first: a wrong address fails now and clearly, and a database
        // from a newer starl is refused before any pool exists.
        let mut client =
            config.connect(NoTls).map_err(|e| StoreError::Backend(format!("cannot connect to {location}: {e}")))?;
        migrate(&mut client, &location)?;
        drop(client);
        let pool = r2d2::Pool::builder()
            .max_size(options.max_size.max(1))
            .min_idle(Some(0))
            // A broken connection is noticed by the client (`is_closed`) and replaced; a test
            // query per checkout would add a round trip to every request.
            .test_on_check_out(false)
            .connection_timeout(options.timeout)
            .build(Manager(PostgresConnectionManager::new(config, NoTls)))
            .map_err(|e| StoreError::Backend(format!("{location}: {e}")))?;
        Ok(PgDatabase { inner: Arc::new(Inner { pool, location, scratch: None }) })
    }

    /// Where the database is, for messages (no password).
    pub fn location(&self) -> &str {
        &self.inner.location
    }

    fn conn(&self) -> Result<Pooled, StoreError> {
        self.inner.pool.get().map_err(|e| StoreError::Backend(format!("{}: no connection: {e}", self.inner.location)))
    }

    /// The schema version of the database.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        let mut c = self.conn()?;
        read_version(&mut **c, &self.inner.location)
    }

    /// The journal of user `owner`: a [`Store`] that reads and writes that user's records only.
    /// It holds one pooled connection until dropped (a request's worth of work).
    pub fn store(&self, owner: UserId) -> Result<PgStore, StoreError> {
        Ok(PgStore { conn: self.conn()?, owner, depth: 0, db: self.clone() })
    }
}

/// Drop the scratch schemas of test processes that died before dropping theirs (their pid, in
/// the name, no longer runs). Best effort, Linux only (`/proc`); a reused pid only delays it.
fn drop_abandoned_scratch_schemas(admin: &mut Client) {
    if !std::path::Path::new("/proc/self").exists() {
        return;
    }
    let Ok(rows) = admin.query("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'starl\\_test\\_%'", &[]) else {
        return;
    };
    for r in rows {
        let name: String = r.get(0);
        let pid = name.trim_start_matches("starl_test_").split('_').next().and_then(|p| p.parse::<u32>().ok());
        if let Some(pid) = pid {
            if !std::path::Path::new(&format!("/proc/{pid}")).exists() {
                let _ = admin.batch_execute(&format!("DROP SCHEMA IF EXISTS \"{name}\" CASCADE"));
            }
        }
    }
}

/// The schema version, or 0 for an empty schema; a schema with tables but no version is foreign.
fn read_version(c: &mut impl postgres::GenericClient, location: &str) -> Result<i64, StoreError> {
    let has: bool =
        c.query_one("SELECT to_regclass('schema_version') IS NOT NULL", &[]).map_err(|e| be(location, e))?.get(0);
    if !has {
        let tables: i64 = c
            .query_one("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()", &[])
            .map_err(|e| be(location, e))?
            .get(0);
        if tables > 0 {
            return Err(StoreError::Foreign {
                location: location.into(),
                reason: "its schema has tables but no starl schema_version (use an empty database, or another \
                         schema with ?options=-csearch_path%3Dname)"
                    .into(),
            });
        }
        return Ok(0);
    }
    let row = c.query_opt("SELECT version, application FROM schema_version", &[]).map_err(|e| be(location, e))?;
    let Some(row) = row else { return Ok(0) };
    let app: String = row.get(1);
    if app != "starl" {
        return Err(StoreError::Foreign {
            location: location.into(),
            reason: format!("its schema belongs to `{app}`"),
        });
    }
    Ok(i64::from(row.get::<_, i32>(0)))
}

/// Apply the migrations the database lacks, all in one transaction.
fn migrate(c: &mut Client, location: &str) -> Result<(), StoreError> {
    let check = |found: i64| {
        if found > SCHEMA_VERSION {
            Err(StoreError::TooNew { location: location.into(), found, supported: SCHEMA_VERSION })
        } else {
            Ok(found)
        }
    };
    // Look before writing anything (not even a lock): a newer database is refused untouched.
    if check(read_version(c, location)?)? == SCHEMA_VERSION {
        return Ok(());
    }
    let mut tx = c.transaction().map_err(|e| be(location, e))?;
    tx.execute("SELECT pg_advisory_xact_lock($1, 0)", &[&LOCK_KEY]).map_err(|e| be(location, e))?;
    // Another server may have migrated while we waited.
    let from = check(read_version(&mut tx, location)?)?;
    if from == 0 {
        tx.batch_execute(
            "CREATE TABLE schema_version (version integer NOT NULL, application text NOT NULL DEFAULT 'starl');
             INSERT INTO schema_version (version) VALUES (0);",
        )
        .map_err(|e| be(location, e))?;
    }
    for (i, (name, sql)) in MIGRATIONS.iter().enumerate().skip(from as usize) {
        tx.batch_execute(sql).map_err(|e| StoreError::Backend(format!("{location}: migration {name} failed: {e}")))?;
        tx.execute("UPDATE schema_version SET version = $1", &[&(i as i32 + 1)]).map_err(|e| be(location, e))?;
    }
    tx.commit().map_err(|e| be(location, e))
}

/// One user's journal on PostgreSQL ([`PgDatabase::store`]).
pub struct PgStore {
    conn: Pooled,
    owner: UserId,
    /// Open transactions and savepoints.
    depth: u32,
    db: PgDatabase,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore").field("location", &self.db.inner.location).field("owner", &self.owner).finish()
    }
}

impl Drop for PgStore {
    fn drop(&mut self) {
        if self.depth > 0 {
            // Dropped mid-transaction (a panic): never hand a connection in a transaction back.
            let _ = self.conn.batch_execute("ROLLBACK");
        }
    }
}

/// A connection with the owner and location at hand; every query maps its errors.
pub(crate) struct Db<'a> {
    pub(crate) c: &'a mut Conn,
    pub(crate) owner: UserId,
    pub(crate) loc: &'a str,
}

pub(crate) type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

impl Db<'_> {
    pub(crate) fn query(&mut self, sql: &str, params: Params<'_>) -> Result<Vec<Row>, StoreError> {
        let st = self.c.statement(sql).map_err(|e| be(self.loc, e))?;
        self.c.client.query(&st, params).map_err(|e| be(self.loc, e))
    }
    pub(crate) fn opt(&mut self, sql: &str, params: Params<'_>) -> Result<Option<Row>, StoreError> {
        let st = self.c.statement(sql).map_err(|e| be(self.loc, e))?;
        self.c.client.query_opt(&st, params).map_err(|e| be(self.loc, e))
    }
    pub(crate) fn one(&mut self, sql: &str, params: Params<'_>) -> Result<Row, StoreError> {
        let st = self.c.statement(sql).map_err(|e| be(self.loc, e))?;
        self.c.client.query_one(&st, params).map_err(|e| be(self.loc, e))
    }
    pub(crate) fn exec(&mut self, sql: &str, params: Params<'_>) -> Result<u64, StoreError> {
        let st = self.c.statement(sql).map_err(|e| be(self.loc, e))?;
        self.c.client.execute(&st, params).map_err(|e| be(self.loc, e))
    }
}

/// Run `f` in a transaction on `c` (a savepoint when `depth` > 0), locking `lock` (an owner)
/// for the transaction when given.
pub(crate) fn in_transaction<T>(
    c: &mut Conn,
    depth: &mut u32,
    loc: &str,
    lock: Option<UserId>,
    f: impl FnOnce(&mut Conn) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let (begin, commit, rollback) = if *depth == 0 {
        ("BEGIN".to_string(), "COMMIT".to_string(), "ROLLBACK".to_string())
    } else {
        let sp = format!("w{depth}");
        (
            format!("SAVEPOINT {sp}"),
            format!("RELEASE SAVEPOINT {sp}"),
            format!("ROLLBACK TO SAVEPOINT {sp}; RELEASE SAVEPOINT {sp}"),
        )
    };
    c.batch_execute(&begin).map_err(|e| be(loc, e))?;
    *depth += 1;
    let result = match lock {
        Some(owner) if *depth == 1 => c
            .execute("SELECT pg_advisory_xact_lock($1, $2)", &[&LOCK_KEY, &(owner as i32)])
            .map_err(|e| be(loc, e))
            .and_then(|_| f(c)),
        _ => f(c),
    };
    *depth -= 1;
    match result {
        Ok(v) => match c.batch_execute(&commit) {
            Ok(()) => Ok(v),
            Err(e) => {
                let _ = c.batch_execute(&rollback);
                Err(be(loc, e))
            }
        },
        Err(e) => {
            let _ = c.batch_execute(&rollback);
            Err(e)
        }
    }
}

impl PgStore {
    /// The user whose journal this is.
    pub fn owner(&self) -> UserId {
        self.owner
    }

    /// The database this journal is in.
    pub fn database(&self) -> &PgDatabase {
        &self.db
    }

    fn write<T>(&mut self, f: impl FnOnce(&mut Db<'_>) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let loc = self.db.inner.location.clone();
        let owner = self.owner;
        in_transaction(&mut self.conn, &mut self.depth, &loc, Some(owner), |c| f(&mut Db { c, owner, loc: &loc }))
    }

    fn read<T>(&mut self, f: impl FnOnce(&mut Db<'_>) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let loc = &self.db.inner.location;
        f(&mut Db { c: &mut self.conn, owner: self.owner, loc })
    }
}

fn bad(what: &str, value: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(format!("stored {what} `{value}` is not valid"))
}

fn get<'a, T: postgres::types::FromSql<'a>>(r: &'a Row, i: usize) -> Result<T, StoreError> {
    r.try_get(i).map_err(|e| StoreError::Backend(format!("reading column {i}: {e}")))
}

fn date_of(s: &str) -> Result<Date, StoreError> {
    s.parse().map_err(|_| bad("date", s))
}

fn stamp(secs: i64) -> Result<Timestamp, StoreError> {
    Timestamp::from_second(secs).map_err(|_| bad("time", secs))
}

fn small(v: i16, what: &str) -> Result<u8, StoreError> {
    u8::try_from(v).map_err(|_| bad(what, v))
}

fn word_list(s: Option<String>) -> Vec<String> {
    let mut v: Vec<String> = s.unwrap_or_default().split_whitespace().map(str::to_owned).collect();
    v.sort();
    v
}

/// Days from 1970-01-01 to `d` (negative before), as in the SQLite store.
fn days(d: Date) -> i64 {
    let (m, day) = (i64::from(d.month()), i64::from(d.day()));
    let y = i64::from(d.year()) - i64::from(m <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn sort_key(happened: Date, id: Id) -> i64 {
    (days(happened) << 32) + id
}

const ENTRY_SELECT: &str = "e.id, e.title, to_char(e.happened, 'YYYY-MM-DD'), e.what_happened, e.impact, e.my_part, \
     e.root_cause, e.what_i_did, e.learned, e.will_change, e.category, e.severity, e.created, e.updated, \
     (SELECT string_agg(t.tag, ' ') FROM entry_tags t WHERE t.owner = e.owner AND t.entry_id = e.id), \
     to_char(f.due, 'YYYY-MM-DD'), f.status, f.evidence, f.recorded \
     FROM entries e LEFT JOIN follow_ups f ON f.owner = e.owner AND f.entry_id = e.id";

const STORY_SELECT: &str = "s.id, s.title, s.framework, s.body, s.entry_id, s.ready, s.score, s.created, s.updated, \
     (SELECT string_agg(q.question, ' ') FROM story_questions q \
       WHERE q.owner = s.owner AND q.story_id = s.id AND q.pinned), \
     (SELECT string_agg(q.question, ' ') FROM story_questions q \
       WHERE q.owner = s.owner AND q.story_id = s.id AND NOT q.pinned) \
     FROM stories s";

const ATTEMPT_SELECT: &str = "id, question, story_id, answer, duration, words, score, ownership, transparency, \
     learning, resilience, prevention, created FROM practice_attempts";

const FEEDBACK_SELECT: &str =
    "id, story_id, reviewer, authenticity, learning, strengthen, comments, received FROM feedback";

fn entry_from_row(r: &Row) -> Result<Entry, StoreError> {
    let category: Option<String> = get(r, 10)?;
    let follow_up = match get::<Option<String>>(r, 15)? {
        None => None,
        Some(due) => {
            let status: String = get(r, 16)?;
            Some(FollowUp {
                due: date_of(&due)?,
                status: status.parse().map_err(|_| bad("status", &status))?,
                evidence: get(r, 17)?,
                recorded: get::<Option<i64>>(r, 18)?.map(stamp).transpose()?,
            })
        }
    };
    Ok(Entry {
        id: get(r, 0)?,
        title: get(r, 1)?,
        happened: date_of(&get::<String>(r, 2)?)?,
        what_happened: get(r, 3)?,
        impact: get(r, 4)?,
        my_part: get(r, 5)?,
        root_cause: get(r, 6)?,
        what_i_did: get(r, 7)?,
        learned: get(r, 8)?,
        will_change: get(r, 9)?,
        category: category.map(|c| c.parse::<Category>().map_err(|_| bad("category", &c))).transpose()?,
        severity: get::<Option<i16>>(r, 11)?.map(|s| small(s, "severity")).transpose()?,
        created: stamp(get(r, 12)?)?,
        updated: stamp(get(r, 13)?)?,
        tags: word_list(get(r, 14)?),
        follow_up,
    })
}

fn story_from_row(r: &Row) -> Result<Story, StoreError> {
    Ok(Story {
        id: get(r, 0)?,
        title: get(r, 1)?,
        framework: get(r, 2)?,
        body: get(r, 3)?,
        entry_id: get(r, 4)?,
        ready: get(r, 5)?,
        score: get::<Option<i16>>(r, 6)?.map(|s| small(s, "score")).transpose()?,
        created: stamp(get(r, 7)?)?,
        updated: stamp(get(r, 8)?)?,
        pinned: word_list(get(r, 9)?),
        unpinned: word_list(get(r, 10)?),
    })
}

fn attempt_from_row(r: &Row) -> Result<PracticeAttempt, StoreError> {
    let theme = |i| small(get::<i16>(r, i)?, "score");
    Ok(PracticeAttempt {
        id: get(r, 0)?,
        question: get(r, 1)?,
        story_id: get(r, 2)?,
        answer: get(r, 3)?,
        duration_seconds: get::<Option<i32>>(r, 4)?
            .map(|d| u32::try_from(d).map_err(|_| bad("duration", d)))
            .transpose()?,
        words: u32::try_from(get::<i32>(r, 5)?).map_err(|_| bad("word count", "negative"))?,
        score: theme(6)?,
        themes: ThemeScores {
            ownership: theme(7)?,
            transparency: theme(8)?,
            learning: theme(9)?,
            resilience: theme(10)?,
            prevention: theme(11)?,
        },
        created: stamp(get(r, 12)?)?,
    })
}

fn feedback_from_row(r: &Row) -> Result<Feedback, StoreError> {
    Ok(Feedback {
        id: get(r, 0)?,
        story_id: get(r, 1)?,
        reviewer: get(r, 2)?,
        authenticity: get::<Option<i16>>(r, 3)?.map(|s| small(s, "rating")).transpose()?,
        learning: get::<Option<i16>>(r, 4)?.map(|s| small(s, "rating")).transpose()?,
        strengthen: get(r, 5)?,
        comments: get(r, 6)?,
        received: stamp(get(r, 7)?)?,
    })
}

fn load_entry(db: &mut Db<'_>, id: Id) -> Result<Entry, StoreError> {
    let row = db.opt(&format!("SELECT {ENTRY_SELECT} WHERE e.owner = $1 AND e.id = $2"), &[&{ db.owner }, &id])?;
    row.as_ref().map(entry_from_row).transpose()?.ok_or(StoreError::NotFound { kind: "entry", id })
}

fn load_story(db: &mut Db<'_>, id: Id) -> Result<Story, StoreError> {
    let row = db.opt(&format!("SELECT {STORY_SELECT} WHERE s.owner = $1 AND s.id = $2"), &[&{ db.owner }, &id])?;
    row.as_ref().map(story_from_row).transpose()?.ok_or(StoreError::NotFound { kind: "story", id })
}

fn load_attempt(db: &mut Db<'_>, id: Id) -> Result<PracticeAttempt, StoreError> {
    let row = db.opt(&format!("SELECT {ATTEMPT_SELECT} WHERE owner = $1 AND id = $2"), &[&{ db.owner }, &id])?;
    row.as_ref().map(attempt_from_row).transpose()?.ok_or(StoreError::NotFound { kind: "practice attempt", id })
}

fn load_feedback(db: &mut Db<'_>, id: Id) -> Result<Feedback, StoreError> {
    let row = db.opt(&format!("SELECT {FEEDBACK_SELECT} WHERE owner = $1 AND id = $2"), &[&{ db.owner }, &id])?;
    row.as_ref().map(feedback_from_row).transpose()?.ok_or(StoreError::NotFound { kind: "feedback", id })
}

/// Whether the owner has a row with `id` in `table` (a name from this file, never user input).
fn exists(db: &mut Db<'_>, table: &str, id: Id) -> Result<bool, StoreError> {
    Ok(db.opt(&format!("SELECT 1 FROM {table} WHERE owner = $1 AND id = $2"), &[&{ db.owner }, &id])?.is_some())
}

/// The next free id of the owner's `table`.
fn next_id(db: &mut Db<'_>, table: &str, kind: &str) -> Result<Id, StoreError> {
    let next: i64 =
        get(&db.one(&format!("SELECT coalesce(max(id), 0) + 1 FROM {table} WHERE owner = $1"), &[&{ db.owner }])?, 0)?;
    if next > MAX_ID {
        return Err(StoreError::Invalid(format!("no {kind} ids left (the largest is {MAX_ID})")));
    }
    Ok(next)
}

/// Arguments of a built query.
#[derive(Default)]
struct Args(Vec<Box<dyn ToSql + Sync>>);

impl Args {
    fn push(&mut self, v: impl ToSql + Sync + 'static) -> String {
        self.0.push(Box::new(v));
        format!("${}", self.0.len())
    }
    fn refs(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.0.iter().map(|b| b.as_ref() as &(dyn ToSql + Sync)).collect()
    }
}

/// A listing: `SELECT {what} ... WHERE owner AND conditions [ORDER BY k DESC LIMIT n]`.
fn entry_query(owner: UserId, filter: &EntryFilter, what: &str, ordered: bool) -> Result<(String, Args), StoreError> {
    let mut args = Args::default();
    let mut conds = vec![format!("e.owner = {}", args.push(owner))];
    let mut tags = Vec::with_capacity(filter.tags.len());
    for t in &filter.tags {
        tags.push(starl_store::normalize_tag(t)?);
    }
    tags.sort();
    tags.dedup();
    if let Some(q) = filter.search.as_deref().and_then(search::query) {
        conds.push(format!("e.search @@ {}::text::tsquery", args.push(q)));
    }
    for t in tags {
        conds.push(format!(
            "EXISTS (SELECT 1 FROM entry_tags x WHERE x.owner = e.owner AND x.entry_id = e.id AND x.tag = {})",
            args.push(t)
        ));
    }
    if let Some(d) = filter.since {
        conds.push(format!("e.k >= {}", args.push(days(d) << 32)));
    }
    if let Some(d) = filter.until {
        conds.push(format!("e.k <= {}", args.push((days(d) << 32) + 0xFFFF_FFFF)));
    }
    if let Some(c) = filter.category {
        conds.push(format!("e.category = {}", args.push(c.as_str().to_owned())));
    }
    let from = if what.contains("f.") { ENTRY_SELECT.to_string() } else { format!("{what} FROM entries e") };
    let mut sql = format!("SELECT {from} WHERE {}", conds.join(" AND "));
    if ordered {
        sql.push_str(" ORDER BY e.k DESC");
        if let Some(n) = filter.limit {
            sql.push_str(&format!(" LIMIT {}", args.push(n.min(i64::MAX as usize) as i64)));
        }
    }
    Ok((sql, args))
}

/// Write an entry's row, tags and follow-up. `insert` for a new row; an id of 0 takes the next.
fn put_entry(db: &mut Db<'_>, e: &Entry, insert: bool) -> Result<Id, StoreError> {
    let id = if insert && e.id == 0 { next_id(db, "entries", "entry")? } else { e.id };
    let k = sort_key(e.happened, id);
    let mut text: Vec<&str> = vec![&e.title];
    text.extend(e.text_fields().iter().map(|(_, t)| *t));
    text.extend(e.tags.iter().map(String::as_str));
    let lexemes = search::lexemes(text);
    let sql = if insert {
        "INSERT INTO entries (owner, id, title, happened, what_happened, impact, my_part, root_cause, what_i_did, \
         learned, will_change, category, severity, created, updated, k, search) \
         VALUES ($1, $2, $3, $4::text::date, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, \
         array_to_tsvector($17::text[]))"
    } else {
        "UPDATE entries SET title = $3, happened = $4::text::date, what_happened = $5, impact = $6, my_part = $7, \
         root_cause = $8, what_i_did = $9, learned = $10, will_change = $11, category = $12, severity = $13, \
         created = $14, updated = $15, k = $16, search = array_to_tsvector($17::text[]) \
         WHERE owner = $1 AND id = $2"
    };
    let owner = db.owner;
    let written = db.exec(
        sql,
        &[
            &owner,
            &id,
            &e.title,
            &e.happened.to_string(),
            &e.what_happened,
            &e.impact,
            &e.my_part,
            &e.root_cause,
            &e.what_i_did,
            &e.learned,
            &e.will_change,
            &e.category.map(Category::as_str),
            &e.severity.map(i16::from),
            &e.created.as_second(),
            &e.updated.as_second(),
            &k,
            &lexemes,
        ],
    )?;
    if written == 0 {
        return Err(StoreError::NotFound { kind: "entry", id });
    }
    if !insert {
        db.exec("DELETE FROM entry_tags WHERE owner = $1 AND entry_id = $2", &[&owner, &id])?;
        db.exec("DELETE FROM follow_ups WHERE owner = $1 AND entry_id = $2", &[&owner, &id])?;
    }
    if !e.tags.is_empty() {
        db.exec(
            "INSERT INTO entry_tags (owner, entry_id, tag, k) SELECT $1, $2, unnest($3::text[]), $4",
            &[&owner, &id, &e.tags, &k],
        )?;
    }
    if let Some(f) = &e.follow_up {
        db.exec(
            "INSERT INTO follow_ups (owner, entry_id, due, status, evidence, recorded) \
             VALUES ($1, $2, $3::text::date, $4, $5, $6)",
            &[&owner, &id, &f.due.to_string(), &f.status.as_str(), &f.evidence, &f.recorded.map(|t| t.as_second())],
        )?;
    }
    Ok(id)
}

fn put_story(db: &mut Db<'_>, s: &Story, insert: bool) -> Result<Id, StoreError> {
    if let Some(eid) = s.entry_id {
        if !exists(db, "entries", eid)? {
            return Err(StoreError::NotFound { kind: "entry", id: eid });
        }
    }
    let id = if insert && s.id == 0 { next_id(db, "stories", "story")? } else { s.id };
    let sql = if insert {
        "INSERT INTO stories (owner, id, title, framework, body, entry_id, ready, score, created, updated) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
    } else {
        "UPDATE stories SET title = $3, framework = $4, body = $5, entry_id = $6, ready = $7, score = $8, \
         created = $9, updated = $10 WHERE owner = $1 AND id = $2"
    };
    let owner = db.owner;
    db.exec(
        sql,
        &[
            &owner,
            &id,
            &s.title,
            &s.framework,
            &s.body,
            &s.entry_id,
            &s.ready,
            &s.score.map(i16::from),
            &s.created.as_second(),
            &s.updated.as_second(),
        ],
    )?;
    if !insert {
        db.exec("DELETE FROM story_questions WHERE owner = $1 AND story_id = $2", &[&owner, &id])?;
    }
    for (list, pinned) in [(&s.pinned, true), (&s.unpinned, false)] {
        if !list.is_empty() {
            db.exec(
                "INSERT INTO story_questions (owner, story_id, question, pinned) SELECT $1, $2, unnest($3::text[]), $4",
                &[&owner, &id, list, &pinned],
            )?;
        }
    }
    Ok(id)
}

fn set_pin(store: &mut PgStore, id: Id, question: &str, pinned: bool) -> Result<Story, StoreError> {
    let q = starl_store::normalize_tag(question)?;
    store.write(|db| {
        if !exists(db, "stories", id)? {
            return Err(StoreError::NotFound { kind: "story", id });
        }
        let owner = db.owner;
        db.exec(
            "INSERT INTO story_questions (owner, story_id, question, pinned) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (owner, story_id, question) DO UPDATE SET pinned = excluded.pinned",
            &[&owner, &id, &q, &pinned],
        )?;
        load_story(db, id)
    })
}

impl Store for PgStore {
    fn create_entry(&mut self, entry: &Entry) -> Result<Entry, StoreError> {
        let mut e = entry.clone();
        e.normalize()?;
        self.write(|db| {
            if e.id > 0 && exists(db, "entries", e.id)? {
                return Err(StoreError::Conflict { kind: "entry", id: e.id });
            }
            // What was written is what a read gives back (the entry is normalised): no re-read.
            let id = put_entry(db, &e, true)?;
            Ok(Entry { id, ..e })
        })
    }

    fn entry(&mut self, id: Id) -> Result<Entry, StoreError> {
        self.read(|db| load_entry(db, id))
    }

    fn update_entry(&mut self, entry: &Entry) -> Result<Entry, StoreError> {
        let mut e = entry.clone();
        e.normalize()?;
        self.write(|db| {
            put_entry(db, &e, false)?;
            Ok(e)
        })
    }

    fn delete_entry(&mut self, id: Id) -> Result<(), StoreError> {
        self.write(|db| {
            let owner = db.owner;
            if db.exec("DELETE FROM entries WHERE owner = $1 AND id = $2", &[&owner, &id])? == 0 {
                return Err(StoreError::NotFound { kind: "entry", id });
            }
            db.exec("UPDATE stories SET entry_id = NULL WHERE owner = $1 AND entry_id = $2", &[&owner, &id])?;
            Ok(())
        })
    }

    fn entries(&mut self, filter: &EntryFilter) -> Result<Vec<Entry>, StoreError> {
        if filter.limit == Some(0) {
            return Ok(Vec::new());
        }
        let (sql, args) = entry_query(self.owner, filter, ENTRY_SELECT, true)?;
        self.read(|db| db.query(&sql, &args.refs())?.iter().map(entry_from_row).collect())
    }

    fn count_entries(&mut self, filter: &EntryFilter) -> Result<usize, StoreError> {
        let (sql, args) = entry_query(self.owner, filter, "count(*)", false)?;
        self.read(|db| Ok(get::<i64>(&db.one(&sql, &args.refs())?, 0)? as usize))
    }

    fn due_follow_ups(&mut self, on: Date) -> Result<Vec<Entry>, StoreError> {
        let sql = format!(
            "SELECT {ENTRY_SELECT} WHERE e.owner = $1 AND f.status = 'open' AND f.due <= $2::text::date \
             ORDER BY f.due, e.id"
        );
        self.read(|db| {
            let owner = db.owner;
            db.query(&sql, &[&owner, &on.to_string()])?.iter().map(entry_from_row).collect()
        })
    }

    fn record_follow_up(
        &mut self,
        id: Id,
        status: FollowUpStatus,
        evidence: &str,
        at: Timestamp,
    ) -> Result<Entry, StoreError> {
        let at = starl_store::truncate(at);
        self.write(|db| {
            let e = load_entry(db, id)?;
            let due = e.follow_up.as_ref().map_or_else(|| at.to_zoned(jiff::tz::TimeZone::UTC).date(), |f| f.due);
            let owner = db.owner;
            db.exec(
                "INSERT INTO follow_ups (owner, entry_id, due, status, evidence, recorded) \
                 VALUES ($1, $2, $3::text::date, $4, $5, $6) ON CONFLICT (owner, entry_id) DO UPDATE \
                 SET due = excluded.due, status = excluded.status, evidence = excluded.evidence, \
                 recorded = excluded.recorded",
                &[&owner, &id, &due.to_string(), &status.as_str(), &evidence.trim(), &at.as_second()],
            )?;
            load_entry(db, id)
        })
    }

    fn create_story(&mut self, story: &Story) -> Result<Story, StoreError> {
        let mut s = story.clone();
        s.normalize()?;
        self.write(|db| {
            if s.id > 0 && exists(db, "stories", s.id)? {
                return Err(StoreError::Conflict { kind: "story", id: s.id });
            }
            let id = put_story(db, &s, true)?;
            load_story(db, id)
        })
    }

    fn story(&mut self, id: Id) -> Result<Story, StoreError> {
        self.read(|db| load_story(db, id))
    }

    fn update_story(&mut self, story: &Story) -> Result<Story, StoreError> {
        let mut s = story.clone();
        s.normalize()?;
        self.write(|db| {
            if !exists(db, "stories", s.id)? {
                return Err(StoreError::NotFound { kind: "story", id: s.id });
            }
            put_story(db, &s, false)?;
            load_story(db, s.id)
        })
    }

    fn delete_story(&mut self, id: Id) -> Result<(), StoreError> {
        self.write(|db| {
            let owner = db.owner;
            if db.exec("DELETE FROM stories WHERE owner = $1 AND id = $2", &[&owner, &id])? == 0 {
                return Err(StoreError::NotFound { kind: "story", id });
            }
            db.exec("UPDATE practice_attempts SET story_id = NULL WHERE owner = $1 AND story_id = $2", &[&owner, &id])?;
            Ok(())
        })
    }

    fn stories(&mut self, filter: &StoryFilter) -> Result<Vec<Story>, StoreError> {
        let sql = format!(
            "SELECT {STORY_SELECT} WHERE s.owner = $1 AND ($2::boolean IS NULL OR s.ready = $2) \
             AND ($3::bigint IS NULL OR s.entry_id = $3) ORDER BY s.id"
        );
        self.read(|db| {
            let owner = db.owner;
            db.query(&sql, &[&owner, &filter.ready, &filter.entry_id])?.iter().map(story_from_row).collect()
        })
    }

    fn set_ready(&mut self, id: Id, ready: bool) -> Result<Story, StoreError> {
        self.write(|db| {
            let owner = db.owner;
            match db.exec("UPDATE stories SET ready = $3 WHERE owner = $1 AND id = $2", &[&owner, &id, &ready])? {
                0 => Err(StoreError::NotFound { kind: "story", id }),
                _ => load_story(db, id),
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
        let mut a = attempt.clone();
        a.normalize()?;
        self.write(|db| {
            if a.id > 0 && exists(db, "practice_attempts", a.id)? {
                return Err(StoreError::Conflict { kind: "practice attempt", id: a.id });
            }
            if let Some(sid) = a.story_id {
                if !exists(db, "stories", sid)? {
                    return Err(StoreError::NotFound { kind: "story", id: sid });
                }
            }
            let id = if a.id > 0 { a.id } else { next_id(db, "practice_attempts", "practice attempt")? };
            let t = &a.themes;
            let owner = db.owner;
            let sm = |v: u8| i16::from(v);
            db.exec(
                "INSERT INTO practice_attempts (owner, id, question, story_id, answer, duration, words, score, \
                 ownership, transparency, learning, resilience, prevention, created) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
                &[
                    &owner,
                    &id,
                    &a.question,
                    &a.story_id,
                    &a.answer,
                    &a.duration_seconds.map(|d| d.min(i32::MAX as u32) as i32),
                    &(a.words.min(i32::MAX as u32) as i32),
                    &sm(a.score),
                    &sm(t.ownership),
                    &sm(t.transparency),
                    &sm(t.learning),
                    &sm(t.resilience),
                    &sm(t.prevention),
                    &a.created.as_second(),
                ],
            )?;
            load_attempt(db, id)
        })
    }

    fn attempt(&mut self, id: Id) -> Result<PracticeAttempt, StoreError> {
        self.read(|db| load_attempt(db, id))
    }

    fn attempts(&mut self, filter: &AttemptFilter) -> Result<Vec<PracticeAttempt>, StoreError> {
        let mut args = Args::default();
        let mut conds = vec![format!("owner = {}", args.push(self.owner))];
        if let Some(q) = &filter.question {
            conds.push(format!("question = {}", args.push(starl_store::normalize_tag(q)?)));
        }
        if let Some(id) = filter.story_id {
            conds.push(format!("story_id = {}", args.push(id)));
        }
        if let Some(t) = filter.since {
            conds.push(format!("created >= {}", args.push(t.as_second())));
        }
        if let Some(t) = filter.until {
            conds.push(format!("created < {}", args.push(t.as_second())));
        }
        let sql = format!("SELECT {ATTEMPT_SELECT} WHERE {} ORDER BY created, id", conds.join(" AND "));
        self.read(|db| db.query(&sql, &args.refs())?.iter().map(attempt_from_row).collect())
    }

    fn add_feedback(&mut self, feedback: &Feedback) -> Result<Feedback, StoreError> {
        let mut f = feedback.clone();
        f.normalize()?;
        self.write(|db| {
            if f.id > 0 && exists(db, "feedback", f.id)? {
                return Err(StoreError::Conflict { kind: "feedback", id: f.id });
            }
            if !exists(db, "stories", f.story_id)? {
                return Err(StoreError::NotFound { kind: "story", id: f.story_id });
            }
            let id = if f.id > 0 { f.id } else { next_id(db, "feedback", "feedback")? };
            let owner = db.owner;
            db.exec(
                "INSERT INTO feedback (owner, id, story_id, reviewer, authenticity, learning, strengthen, comments, \
                 received) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                &[
                    &owner,
                    &id,
                    &f.story_id,
                    &f.reviewer,
                    &f.authenticity.map(i16::from),
                    &f.learning.map(i16::from),
                    &f.strengthen,
                    &f.comments,
                    &f.received.as_second(),
                ],
            )?;
            load_feedback(db, id)
        })
    }

    fn feedback_item(&mut self, id: Id) -> Result<Feedback, StoreError> {
        self.read(|db| load_feedback(db, id))
    }

    fn feedback(&mut self, story_id: Id) -> Result<Vec<Feedback>, StoreError> {
        self.read(|db| {
            let owner = db.owner;
            db.query(
                &format!("SELECT {FEEDBACK_SELECT} WHERE owner = $1 AND story_id = $2 ORDER BY received, id"),
                &[&owner, &story_id],
            )?
            .iter()
            .map(feedback_from_row)
            .collect()
        })
    }

    fn story_analyses(&mut self) -> Result<BTreeMap<Id, StoryAnalysis>, StoreError> {
        self.read(|db| {
            let owner = db.owner;
            let mut out = BTreeMap::new();
            for r in
                db.query("SELECT story_id, key, score, category, fits FROM story_analyses WHERE owner = $1", &[&owner])?
            {
                out.insert(
                    get::<i64>(&r, 0)?,
                    StoryAnalysis {
                        key: get(&r, 1)?,
                        score: small(get(&r, 2)?, "score")?,
                        category: get(&r, 3)?,
                        fits: word_list(get(&r, 4)?),
                    },
                );
            }
            Ok(out)
        })
    }

    fn save_story_analyses(&mut self, analyses: &[(Id, StoryAnalysis)]) -> Result<(), StoreError> {
        if analyses.iter().any(|(_, a)| a.score > 100) {
            return Err(StoreError::Invalid("a score is 0 to 100".into()));
        }
        self.write(|db| {
            let owner = db.owner;
            for (id, a) in analyses {
                db.exec(
                    "INSERT INTO story_analyses (owner, story_id, key, score, category, fits) \
                     SELECT owner, id, $3, $4, $5, $6 FROM stories WHERE owner = $1 AND id = $2 \
                     ON CONFLICT (owner, story_id) DO UPDATE SET key = excluded.key, score = excluded.score, \
                     category = excluded.category, fits = excluded.fits",
                    &[&owner, id, &a.key, &i16::from(a.score), &a.category, &a.fits.join(" ")],
                )?;
            }
            Ok(())
        })
    }

    fn atomically(&mut self, f: &mut dyn FnMut(&mut dyn Store) -> Result<(), StoreError>) -> Result<(), StoreError> {
        // The closure needs the whole store, so the transaction is opened by hand with the same
        // bookkeeping as `in_transaction`.
        let loc = self.db.inner.location.clone();
        let (begin, commit, rollback) = if self.depth == 0 {
            ("BEGIN".to_string(), "COMMIT".to_string(), "ROLLBACK".to_string())
        } else {
            let sp = format!("a{}", self.depth);
            (
                format!("SAVEPOINT {sp}"),
                format!("RELEASE SAVEPOINT {sp}"),
                format!("ROLLBACK TO SAVEPOINT {sp}; RELEASE SAVEPOINT {sp}"),
            )
        };
        self.conn.batch_execute(&begin).map_err(|e| be(&loc, e))?;
        self.depth += 1;
        let result = if self.depth == 1 {
            self.conn
                .execute("SELECT pg_advisory_xact_lock($1, $2)", &[&LOCK_KEY, &(self.owner as i32)])
                .map_err(|e| be(&loc, e))
                .and_then(|_| f(self))
        } else {
            f(self)
        };
        self.depth -= 1;
        match result {
            Ok(()) => self.conn.batch_execute(&commit).map_err(|e| {
                let _ = self.conn.batch_execute(&rollback);
                be(&loc, e)
            }),
            Err(e) => {
                let _ = self.conn.batch_execute(&rollback);
                Err(e)
            }
        }
    }
}
