//! starl-web: `starl serve`, the local web app on the same store and analyzer as the CLI.
//!
//! Pages are rendered on the server from templates embedded at compile time ([`pages`]); a small
//! amount of plain JavaScript (embedded too, see [`assets`]) drives the live editor, which calls
//! the JSON API ([`api`], documented as OpenAPI 3 at `/api/openapi.json`). Every request passes
//! [`security::guard`] (Host check against DNS rebinding, CSRF token and Origin for changes, a
//! body limit, strict headers).
//!
//! Handlers reach the journal only through [`StoreSource`] (see [`source`]), on a blocking
//! thread: the single-user app wraps one SQLite file; a multi-user server adds another source.

pub mod accounts;
pub mod analysis;
pub mod api;
pub mod assets;
pub mod bank;
pub mod error;
pub mod extract;
pub mod pages;
pub mod review;
pub mod security;
pub mod source;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::Router;
use starl_store::{Store, StoreError};

pub use analysis::Analyzers;
pub use error::{ApiError, WebError};
pub use source::{SqliteSource, StoreSource, User};

/// Everything a handler needs, cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn StoreSource>,
    analyzers: Arc<Analyzers>,
    csrf: String,
    hosts: security::AllowedHosts,
    templates: pages::Templates,
}

impl AppState {
    /// The state of a server bound to `bound`, on `store`, with a fresh CSRF token.
    pub fn new(
        store: Arc<dyn StoreSource>,
        analyzers: Arc<Analyzers>,
        bound: SocketAddr,
    ) -> Result<AppState, WebError> {
        let csrf = security::random_token().map_err(|e| WebError::Random(e.to_string()))?;
        let templates = pages::Templates::new()?;
        let hosts = security::AllowedHosts::new(bound);
        Ok(AppState { inner: Arc::new(Inner { store, analyzers, csrf, hosts, templates }) })
    }

    /// The per-process token that state-changing requests carry in `X-CSRF-Token`.
    pub fn csrf_token(&self) -> &str {
        &self.inner.csrf
    }

    pub fn analyzers(&self) -> &Arc<Analyzers> {
        &self.inner.analyzers
    }

    pub(crate) fn hosts(&self) -> &security::AllowedHosts {
        &self.inner.hosts
    }

    pub(crate) fn templates(&self) -> &pages::Templates {
        &self.inner.templates
    }

    /// Run `f` on `user`'s store, on a blocking thread (store calls block), with the analyzers.
    pub async fn store<R: Send + 'static>(
        &self,
        user: User,
        f: impl FnOnce(&mut dyn Store, &Analyzers) -> Result<R, StoreError> + Send + 'static,
    ) -> Result<R, ApiError> {
        let source = Arc::clone(&self.inner.store);
        let analyzers = Arc::clone(&self.inner.analyzers);
        let joined = tokio::task::spawn_blocking(move || source.with_store(&user, |s| f(s, &analyzers))).await;
        match joined {
            Ok(result) => result.map_err(ApiError::from),
            Err(e) => Err(ApiError::internal(format!("the request failed: {e}"))),
        }
    }
}

/// The whole application: pages, assets and API, behind the security guard.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(pages::routes())
        .merge(assets::routes())
        .nest("/api", api::routes())
        .layer(DefaultBodyLimit::max(security::BODY_LIMIT))
        .layer(axum::middleware::from_fn_with_state(state.clone(), security::guard))
        .with_state(state)
}

/// How to serve.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub addr: SocketAddr,
    /// Open the app in the browser once listening.
    pub open: bool,
}

/// Bind, print the address, serve until Ctrl-C (or SIGTERM), then finish the requests in flight.
pub async fn serve(
    store: Arc<dyn StoreSource>,
    analyzers: Arc<Analyzers>,
    options: ServeOptions,
) -> Result<(), WebError> {
    let listener = tokio::net::TcpListener::bind(options.addr)
        .await
        .map_err(|source| WebError::Bind { addr: options.addr.to_string(), source })?;
    let bound = listener.local_addr().map_err(WebError::Serve)?;
    let state = AppState::new(store, analyzers, bound)?;
    let url = format!("http://{bound}/");
    println!("starl is serving on {url} (Ctrl-C to stop)");
    if bound.ip().is_unspecified() {
        eprintln!(
            "warning: listening on every network interface: anyone who can reach this machine can read and change \
             your journal. Use --host 127.0.0.1 unless you mean it."
        );
    }
    if options.open {
        let local = if bound.ip().is_unspecified() { format!("http://127.0.0.1:{}/", bound.port()) } else { url };
        open_browser(&local);
    }
    axum::serve(listener, router(state)).with_graceful_shutdown(shutdown_signal()).await.map_err(WebError::Serve)?;
    println!("starl serve stopped");
    Ok(())
}

/// Ctrl-C, or SIGTERM on Unix.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

/// Open `url` in the user's browser (`open` on macOS, `xdg-open` elsewhere, `start` on Windows);
/// failing is only a note: the address is printed anyway.
fn open_browser(url: &str) {
    let mut command = if cfg!(target_os = "macos") {
        std::process::Command::new("open")
    } else if cfg!(windows) {
        let mut c = std::process::Command::new("cmd");
        c.args(["/C", "start", ""]);
        c
    } else {
        std::process::Command::new("xdg-open")
    };
    command
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    if command.spawn().is_err() {
        eprintln!("note: could not open a browser; open {url} yourself");
    }
}

/// [`serve`] on a runtime of its own, for a synchronous caller (the `starl` binary).
pub fn serve_blocking(
    store: Arc<dyn StoreSource>,
    analyzers: Arc<Analyzers>,
    options: ServeOptions,
) -> Result<(), WebError> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(WebError::Serve)?;
    runtime.block_on(serve(store, analyzers, options))
}
