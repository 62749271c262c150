//! The multi-user server (`starl serve --multi-user`): accounts, sessions, shares, reviews, a
//! mentor's cohort view and the admin's invites, on a [`Database`] (SQLite or PostgreSQL).
//!
//! Design choices:
//!
//! - **The same app, another source.** The journal pages and the JSON API are the local app's,
//!   unchanged: they reach storage only through [`StoreSource`], and [`AccountsSource`] answers
//!   `Database::store(user)` for the [`User::Account`] the session resolved to. Privacy is the
//!   storage layer's (a per-user store cannot name another owner's rows); this layer only has to
//!   get the *user* right. `User::Local` is refused outright, so a route that somehow skipped
//!   authentication reaches no one's journal.
//! - **One guard in front of everything** ([`auth::guard`]): the Host check, the body limit, the
//!   session cookie (resolved to the user, put in the request's extensions), the login
//!   requirement (pages redirect to `/login`, the API answers 401), CSRF (per session: the token
//!   is `SHA-256("csrf:" + session token)`, so it needs no storage and reveals nothing about the
//!   session; before login a double-submit cookie), the Origin check, strict headers, and the
//!   request log. Refused accesses (a 403 or 404 on a route that takes an id) are logged with
//!   `tracing` and recorded with [`Accounts::record_refusal`].
//! - **Logs never carry secrets**: requests are logged by their *route* (`/invite/{token}`), not
//!   their URI, and no header, cookie, form field or body is ever logged.
//! - **Accounts calls block** (Argon2id, database round trips), so they run on
//!   `spawn_blocking`, like the journal's store calls.

pub mod admin;
pub mod auth;
pub mod ratelimit;
pub mod shares;
mod templates;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use starl_store::{Accounts, Database, Store, StoreError};

use crate::error::{ApiError, WebError};
use crate::source::{StoreSource, User};
use crate::{Analyzers, AppState};

/// Every route this module adds, `(method, path)` as axum writes it (pages and API): the
/// security tests enumerate the ones that take an id and fail when one has no IDOR case.
pub const ROUTES: &[(&str, &str)] = &[
    ("get", "/healthz"),
    ("get", "/login"),
    ("post", "/login"),
    ("post", "/logout"),
    ("post", "/logout/everywhere"),
    ("get", "/invite/{token}"),
    ("post", "/invite/{token}"),
    ("get", "/account"),
    ("post", "/account/delete"),
    ("get", "/admin"),
    ("post", "/admin/invites"),
    ("get", "/shares"),
    ("post", "/shares"),
    ("get", "/shares/{id}"),
    ("post", "/shares/{id}/revoke"),
    ("post", "/shares/{id}/review"),
    ("get", "/cohorts/{id}"),
    ("get", "/api/me"),
    ("get", "/api/export"),
    ("delete", "/api/account"),
    ("post", "/api/stories/{id}/shares"),
    ("get", "/api/shares"),
    ("get", "/api/shares/{id}"),
    ("delete", "/api/shares/{id}"),
    ("put", "/api/shares/{id}/review"),
    ("get", "/api/cohorts"),
    ("get", "/api/cohorts/{id}/coverage"),
    ("get", "/api/admin/users"),
    ("post", "/api/admin/invites"),
    ("get", "/api/openapi-accounts.json"),
];

/// The OpenAPI 3 document of this module's API (the journal's is `/api/openapi.json`).
pub const OPENAPI: &str = include_str!("openapi.json");

/// The local app's pages that take an id (`crate::pages`), for the same enumeration.
pub const JOURNAL_PAGES_WITH_IDS: &[(&str, &str)] = &[("get", "/stories/{id}"), ("get", "/journal/{id}")];

/// How the multi-user server behaves.
#[derive(Debug, Clone)]
pub struct MultiUserOptions {
    /// Behind a TLS-terminating reverse proxy: cookies are `Secure`, the client address is the
    /// last `X-Forwarded-For` hop, and `public_hosts` are accepted as `Host`.
    pub behind_proxy: bool,
    /// Mark cookies `Secure` (set when behind a proxy or serving TLS).
    pub secure_cookies: bool,
    /// `Host` values accepted besides the bound address (the proxy's public name, `name:port`
    /// or a bare name).
    pub public_hosts: Vec<String>,
    /// How long a session lasts.
    pub session_ttl: Duration,
    /// Failed logins allowed per account in `login_window`.
    pub login_per_account: usize,
    /// Failed logins allowed per client address in `login_window`.
    pub login_per_address: usize,
    pub login_window: Duration,
}

impl Default for MultiUserOptions {
    fn default() -> MultiUserOptions {
        MultiUserOptions {
            behind_proxy: false,
            secure_cookies: false,
            public_hosts: Vec::new(),
            session_ttl: Duration::from_secs(14 * 24 * 3600),
            login_per_account: 5,
            login_per_address: 20,
            login_window: Duration::from_secs(15 * 60),
        }
    }
}

/// The journal of the account a session resolved to: `Database::store(id)`.
pub struct AccountsSource {
    db: Arc<dyn Database>,
}

impl AccountsSource {
    pub fn new(db: Arc<dyn Database>) -> AccountsSource {
        AccountsSource { db }
    }
}

impl StoreSource for AccountsSource {
    fn with_store_dyn(
        &self,
        user: &User,
        f: &mut dyn FnMut(&mut dyn Store) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        match user {
            User::Account { id, .. } => {
                let mut store = self.db.store(*id)?;
                f(&mut *store)
            }
            _ => Err(StoreError::Forbidden("a multi-user server has no local user: log in".into())),
        }
    }
}

/// The state of the multi-user routes, cheap to clone.
#[derive(Clone)]
pub struct MultiUser {
    inner: Arc<Inner>,
}

struct Inner {
    app: AppState,
    db: Arc<dyn Database>,
    options: MultiUserOptions,
    limiter: ratelimit::LoginLimiter,
    templates: templates::Templates,
}

impl MultiUser {
    /// The server on `db`, bound to `bound`.
    pub fn new(
        db: Arc<dyn Database>,
        analyzers: Arc<Analyzers>,
        bound: SocketAddr,
        options: MultiUserOptions,
    ) -> Result<MultiUser, WebError> {
        let source: Arc<dyn StoreSource> = Arc::new(AccountsSource::new(Arc::clone(&db)));
        let app = AppState::new(source, analyzers, bound)?;
        let limiter = ratelimit::LoginLimiter::new(&options);
        let templates = templates::Templates::new()?;
        Ok(MultiUser { inner: Arc::new(Inner { app, db, options, limiter, templates }) })
    }

    pub fn app(&self) -> &AppState {
        &self.inner.app
    }

    pub fn options(&self) -> &MultiUserOptions {
        &self.inner.options
    }

    pub(crate) fn limiter(&self) -> &ratelimit::LoginLimiter {
        &self.inner.limiter
    }

    pub(crate) fn templates(&self) -> &templates::Templates {
        &self.inner.templates
    }

    /// Run `f` on the accounts, on a blocking thread.
    pub async fn accounts<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut dyn Accounts) -> Result<R, StoreError> + Send + 'static,
    ) -> Result<R, ApiError> {
        let db = Arc::clone(&self.inner.db);
        let joined = tokio::task::spawn_blocking(move || {
            let mut accounts = db.accounts()?;
            f(&mut *accounts)
        })
        .await;
        match joined {
            Ok(result) => result.map_err(ApiError::from),
            Err(e) => Err(ApiError::internal(format!("the request failed: {e}"))),
        }
    }

    /// Run `f` on the journal of account `id`, on a blocking thread.
    pub async fn journal<R: Send + 'static>(
        &self,
        user: User,
        f: impl FnOnce(&mut dyn Store, &Analyzers) -> Result<R, StoreError> + Send + 'static,
    ) -> Result<R, ApiError> {
        self.inner.app.store(user, f).await
    }
}

/// The whole multi-user application: the local app's pages and API on per-account stores, the
/// account, share, cohort and admin routes, behind [`auth::guard`].
pub fn router(mu: MultiUser) -> Router {
    let local = Router::new()
        .merge(crate::pages::routes())
        .merge(crate::assets::routes())
        .nest("/api", crate::api::routes())
        .with_state(mu.app().clone());
    let mine = Router::new()
        .route("/healthz", get(healthz))
        .route("/login", get(auth::login_page).post(auth::login))
        .route("/logout", post(auth::logout))
        .route("/logout/everywhere", post(auth::logout_everywhere))
        .route("/invite/{token}", get(auth::invite_page).post(auth::accept_invite))
        .route("/account", get(auth::account_page))
        .route("/account/delete", post(auth::delete_account_form))
        .route("/admin", get(admin::admin_page))
        .route("/admin/invites", post(admin::invite_form))
        .route("/shares", get(shares::shares_page).post(shares::share_form))
        .route("/shares/{id}", get(shares::share_page))
        .route("/shares/{id}/revoke", post(shares::revoke_form))
        .route("/shares/{id}/review", post(shares::review_form))
        .route("/cohorts/{id}", get(shares::cohort_page))
        .route("/api/me", get(auth::me))
        .route("/api/export", get(shares::export))
        .route("/api/account", axum::routing::delete(auth::delete_account))
        .route("/api/stories/{id}/shares", post(shares::create_share))
        .route("/api/shares", get(shares::list_shares))
        .route("/api/shares/{id}", get(shares::get_share).delete(shares::revoke_share))
        .route("/api/shares/{id}/review", put(shares::save_review))
        .route("/api/cohorts", get(shares::cohorts))
        .route("/api/cohorts/{id}/coverage", get(shares::coverage))
        .route("/api/admin/users", get(admin::users))
        .route("/api/admin/invites", post(admin::create_invite))
        .route(
            "/api/openapi-accounts.json",
            get(|| async { ([(axum::http::header::CONTENT_TYPE, "application/json")], OPENAPI) }),
        )
        .with_state(mu.clone());
    local
        .merge(mine)
        .layer(DefaultBodyLimit::max(crate::security::BODY_LIMIT))
        .layer(axum::middleware::from_fn_with_state(mu, auth::guard))
}

/// `GET /healthz`: 200 `{"status":"ok"}` when the database answers, 503 otherwise.
async fn healthz(State(mu): State<MultiUser>) -> impl IntoResponse {
    match mu.accounts(|a| a.audit_log(1).map(|_| ())).await {
        Ok(()) => (StatusCode::OK, Json(serde_json::json!({ "status": "ok" }))),
        Err(e) => {
            tracing::error!(error = %e.error, "health check: the database does not answer");
            (StatusCode::SERVICE_UNAVAILABLE, Json(serde_json::json!({ "status": "database unavailable" })))
        }
    }
}

/// How to serve the multi-user app.
#[derive(Debug, Clone)]
pub struct ServeMultiOptions {
    pub addr: SocketAddr,
    pub options: MultiUserOptions,
}

/// Bind, print the address, serve until Ctrl-C or SIGTERM, then finish the requests in flight.
///
/// Keep a handle of `db` and drop it after the runtime (as [`serve_blocking`] does): a
/// PostgreSQL pool must not be closed on a runtime's thread.
pub async fn serve(db: Arc<dyn Database>, analyzers: Arc<Analyzers>, serve: ServeMultiOptions) -> Result<(), WebError> {
    let listener = tokio::net::TcpListener::bind(serve.addr)
        .await
        .map_err(|source| WebError::Bind { addr: serve.addr.to_string(), source })?;
    let bound = listener.local_addr().map_err(WebError::Serve)?;
    let mu = MultiUser::new(db, analyzers, bound, serve.options)?;
    println!("starl (multi-user) is serving on http://{bound}/ (Ctrl-C to stop)");
    serve_on(listener, mu, crate::shutdown_signal()).await?;
    println!("starl serve stopped");
    Ok(())
}

/// Serve `mu` on `listener` until `shutdown` completes, then stop accepting connections and
/// finish the requests in flight before returning.
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    mu: MultiUser,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), WebError> {
    let bound = listener.local_addr().map_err(WebError::Serve)?;
    tracing::info!(%bound, behind_proxy = mu.options().behind_proxy, "serving");
    let app = router(mu).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await.map_err(WebError::Serve)?;
    tracing::info!("stopped: requests in flight finished");
    Ok(())
}

/// [`serve`] on a runtime of its own, for a synchronous caller (the `starl` binary).
pub fn serve_blocking(
    db: Arc<dyn Database>,
    analyzers: Arc<Analyzers>,
    options: ServeMultiOptions,
) -> Result<(), WebError> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(WebError::Serve)?;
    // The last handle of the database must go outside the runtime: closing a PostgreSQL pool
    // drops synchronous clients, which block on a runtime of their own and so panic on a thread
    // that drives one. Keep a handle until the runtime is gone.
    let keep = Arc::clone(&db);
    let result = runtime.block_on(serve(db, analyzers, options));
    drop(runtime);
    drop(keep);
    result
}

#[cfg(test)]
mod tests {
    /// Every API route of this module is documented, and the document names no other.
    #[test]
    fn openapi_documents_every_route() {
        let doc: serde_json::Value = serde_json::from_str(super::OPENAPI).unwrap();
        let paths = doc["paths"].as_object().unwrap();
        let mut documented = Vec::new();
        for (path, ops) in paths {
            for method in ops.as_object().unwrap().keys() {
                documented.push((method.clone(), path.clone()));
            }
        }
        let mut routes: Vec<(String, String)> = super::ROUTES
            .iter()
            .filter(|(_, p)| p.starts_with("/api/") || *p == "/healthz")
            .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
            .collect();
        routes.sort();
        documented.sort();
        assert_eq!(routes, documented);
    }
}
