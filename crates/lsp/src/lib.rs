//! starl's language server: the analyzer inside every editor. This is the only crate that knows
//! the Language Server Protocol, and the only one that knows its position encodings.
//!
//! `starl lsp` serves LSP over standard input and output, for Markdown and plain-text stories:
//!
//! - **Diagnostics** for every finding, as the user types (full document sync; a burst of edits
//!   is analysed once, on its latest text). Findings about the story as a whole, which have no
//!   words, are shown on the first line.
//! - **Hover** on flagged words: the rule's explanation (`starl explain RULE`). Hover on the
//!   first line: the summary of the story (score, themes, spoken time, words, framework, parts).
//! - **Code actions**: the rule's rewrite where it has one, and "Disable RULE in this story".
//! - **Code lens** on the first line: the one-line summary; it runs `starl.showSummary`.
//! - **Configuration**: `starl.toml` discovered from each document's folder upwards, as
//!   `starl lint` does, reloaded when it changes.
//!
//! Columns are negotiated: UTF-8 when the client offers it, else UTF-16 (see [`position`]).

mod config;
mod features;
pub mod position;
mod render;
mod server;
mod transport;

use server::{Outcome, Server};
use transport::Transport;

/// Serve the Language Server Protocol over standard input and output until `exit`.
///
/// Returns `Ok` after `shutdown` then `exit`. An `exit` without `shutdown` (or the input closing
/// first) ends the process with exit code 1, as the protocol asks.
pub fn run_stdio() -> anyhow::Result<()> {
    let transport = Transport::stdio();
    let outcome = Server::new(transport.sender.clone()).run(&transport.receiver);
    // Every reply is written before the process ends (an error here: the client is gone).
    let written = transport.finish();
    match outcome {
        Outcome::Clean => Ok(written?),
        Outcome::Unclean => std::process::exit(1),
    }
}
