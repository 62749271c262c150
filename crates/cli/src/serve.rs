//! `starl serve`: the local web app (crate `starl-web`) on the journal's database and the
//! configured analyzer.

use std::net::{IpAddr, SocketAddr};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result};
use starl_config::Overrides;

use crate::journal::{store_error, DbArgs};
use crate::settings::{self, ConfigArgs};

/// Serve the web app: the journal, a story editor with live feedback, the bank, practice and the
/// quarterly review, in your browser.
///
/// Listens on 127.0.0.1:7373 by default and prints the address; Ctrl-C stops it. The app reads
/// and writes the same database as the other commands and analyses with the same starl.toml.
/// Only this machine can reach it unless --host says otherwise.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
\x1b[1m\x1b[4mExamples:\x1b[0m
  starl serve                      http://127.0.0.1:7373/
  starl serve --port 8080 --open   another port, and open the browser
  starl serve --db ~/journal.db    another database")]
pub struct ServeArgs {
    /// The address to listen on. 0.0.0.0 exposes your journal to the network (with a warning).
    #[arg(long, value_name = "ADDRESS", default_value = "127.0.0.1", env = "STARL_HOST")]
    pub host: IpAddr,
    /// The port to listen on (0 picks a free one).
    #[arg(long, short, value_name = "PORT", default_value_t = 7373, env = "STARL_PORT")]
    pub port: u16,
    /// Open the app in your browser once it is listening.
    #[arg(long, env = "STARL_OPEN")]
    pub open: bool,
    #[command(flatten)]
    pub config: ConfigArgs,
    #[command(flatten)]
    pub db: DbArgs,
    #[command(flatten)]
    pub multi: crate::serve_multi::MultiUserArgs,
}

pub fn run(a: &ServeArgs) -> Result<ExitCode> {
    let config = a.config.load()?;
    // The CLI's messages for a bad configuration (with "did you mean"), before building them all.
    settings::analyzer(&config, &Overrides::default())?;
    let analyzers = starl_web::Analyzers::new(&config)?;
    if a.multi.multi_user {
        return crate::serve_multi::run(a, analyzers);
    }
    let path = a.db.path()?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create the data folder {}", dir.display()))?;
    }
    let source = starl_web::SqliteSource::open(&path).map_err(store_error)?;
    let options = starl_web::ServeOptions { addr: SocketAddr::new(a.host, a.port), open: a.open };
    starl_web::serve_blocking(Arc::new(source), Arc::new(analyzers), options)?;
    Ok(ExitCode::SUCCESS)
}
