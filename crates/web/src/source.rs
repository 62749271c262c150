//! The one seam through which handlers reach a [`Store`]: [`StoreSource`].
//!
//! A handler never opens a database: it asks the application's source for the store of the
//! [`User`] making the request, and runs its store calls inside the closure it is given (on a
//! blocking thread, see [`crate::AppState::store`]). The single-user app has one source,
//! [`SqliteSource`]: one SQLite file behind a mutex. A multi-user server (PostgreSQL, accounts)
//! adds a source that picks the user's store or schema, and a [`User`] that comes from a session.

use std::path::Path;
use std::sync::Mutex;

use starl_store::{Store, StoreError};
use starl_store_sqlite::SqliteStore;

/// Who is making a request. The local app has one user; accounts add variants.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum User {
    /// The person at this machine: `starl serve` without accounts.
    Local,
    /// A logged-in account of a multi-user server (`starl serve --multi-user`), from its session
    /// (see `crate::accounts`).
    Account { id: starl_store::UserId, role: starl_store::Role, name: String },
}

/// Where handlers get their store from. Object safe, so the state holds `Arc<dyn StoreSource>`;
/// [`with_store`](trait.StoreSource.html#method.with_store) is the typed way to call it.
pub trait StoreSource: Send + Sync + 'static {
    /// Run `f` on `user`'s store. `f` is called exactly once, unless the store cannot be had.
    fn with_store_dyn(
        &self,
        user: &User,
        f: &mut dyn FnMut(&mut dyn Store) -> Result<(), StoreError>,
    ) -> Result<(), StoreError>;
}

impl dyn StoreSource {
    /// Run `f` on `user`'s store and return what it returns.
    pub fn with_store<R>(
        &self,
        user: &User,
        f: impl FnOnce(&mut dyn Store) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        let mut f = Some(f);
        let mut out = None;
        self.with_store_dyn(user, &mut |store| {
            if let Some(f) = f.take() {
                out = Some(f(store)?);
            }
            Ok(())
        })?;
        out.ok_or_else(|| StoreError::Backend("the store source did not run the request".into()))
    }
}

/// The single-user source: one SQLite database, one request at a time.
pub struct SqliteSource {
    store: Mutex<SqliteStore>,
}

impl SqliteSource {
    /// Open (creating on first use) the database at `path`.
    pub fn open(path: &Path) -> Result<SqliteSource, StoreError> {
        Ok(SqliteSource { store: Mutex::new(SqliteStore::open(path)?) })
    }

    pub fn new(store: SqliteStore) -> SqliteSource {
        SqliteSource { store: Mutex::new(store) }
    }
}

impl StoreSource for SqliteSource {
    fn with_store_dyn(
        &self,
        _user: &User,
        f: &mut dyn FnMut(&mut dyn Store) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        // A panic in another request leaves the connection usable: every store call is atomic.
        let mut store = self.store.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut *store)
    }
}
