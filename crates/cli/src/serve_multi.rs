//! `starl serve --multi-user`: the cohort server (accounts, shares, reviews, a mentor's coverage
//! view) on SQLite or PostgreSQL. The web half lives in `starl_web::accounts`; this module reads
//! the flags (each also a `STARL_` environment variable), sets up structured logs and opens the
//! database with a bounded connection pool.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Result};
use starl_store::Database;
use starl_store_postgres::{PgDatabase, PoolOptions};
use starl_store_sqlite::SqliteDatabase;

use crate::journal::store_error;
use crate::serve::ServeArgs;
use crate::server_admin::Location;

/// How logs are written (to standard error).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// One readable line per event.
    Text,
    /// One JSON object per line, for a log collector.
    Json,
}

/// The multi-user server's flags.
#[derive(Debug, clap::Args)]
pub struct MultiUserArgs {
    /// Serve many users with accounts (member, mentor, admin) instead of your own journal.
    /// Create the first admin with `starl admin create-user NAME --role admin`.
    #[arg(long, env = "STARL_MULTI_USER")]
    pub multi_user: bool,
    /// The multi-user server's database: postgres://user@host/dbname or sqlite:PATH.
    #[arg(long, value_name = "URL", env = "STARL_DATABASE_URL")]
    pub database: Option<String>,
    /// Served behind a TLS-terminating reverse proxy: Secure cookies, the client address from
    /// the proxy's X-Forwarded-For, and --public-host accepted as Host.
    #[arg(long, env = "STARL_BEHIND_PROXY")]
    pub behind_proxy: bool,
    /// A public host name the proxy forwards (repeat, or separate with commas).
    #[arg(long = "public-host", value_name = "HOST", env = "STARL_PUBLIC_HOST", value_delimiter = ',')]
    pub public_hosts: Vec<String>,
    /// At most this many database connections (PostgreSQL).
    #[arg(long, value_name = "N", default_value_t = 16, env = "STARL_POOL_SIZE")]
    pub pool_size: u32,
    /// How logs are written to standard error (level from STARL_LOG, default info).
    #[arg(long, value_enum, default_value = "text", env = "STARL_LOG_FORMAT")]
    pub log_format: LogFormat,
    /// Days a login lasts.
    #[arg(long, value_name = "DAYS", default_value_t = 14, env = "STARL_SESSION_DAYS")]
    pub session_days: u32,
}

fn init_logs(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("STARL_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    // A second call (tests) finds a subscriber already set: keep it.
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

pub fn run(a: &ServeArgs, analyzers: starl_web::Analyzers) -> Result<ExitCode> {
    let m = &a.multi;
    init_logs(m.log_format);
    let Some(url) = &m.database else {
        bail!("--multi-user needs a database: --database postgres://... (or sqlite:PATH), or STARL_DATABASE_URL")
    };
    if m.pool_size == 0 {
        bail!("--pool-size must be at least 1");
    }
    if m.session_days == 0 || m.session_days > 365 {
        bail!("--session-days is 1 to 365");
    }
    let location = Location::parse(url)?;
    let db: Arc<dyn Database> = match &location {
        Location::Sqlite(path) => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)?;
            }
            Arc::new(SqliteDatabase::open(path).map_err(store_error)?)
        }
        Location::Postgres(url) => {
            let pool = PoolOptions { max_size: m.pool_size, timeout: Duration::from_secs(10) };
            Arc::new(PgDatabase::connect_with(url, pool).map_err(store_error)?)
        }
    };
    tracing::info!(database = %location.describe(), pool_size = m.pool_size, "database open");
    let options = starl_web::accounts::MultiUserOptions {
        behind_proxy: m.behind_proxy,
        secure_cookies: m.behind_proxy,
        public_hosts: m.public_hosts.clone(),
        session_ttl: Duration::from_secs(u64::from(m.session_days) * 24 * 3600),
        ..Default::default()
    };
    let serve = starl_web::accounts::ServeMultiOptions { addr: SocketAddr::new(a.host, a.port), options };
    starl_web::accounts::serve_blocking(db, Arc::new(analyzers), serve)?;
    Ok(ExitCode::SUCCESS)
}
