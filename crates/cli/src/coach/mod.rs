//! The practice loop on the command line: `starl practice`, `practice history`, `reframe`,
//! `share`, `feedback` and `review`. The logic is `starl-coach`'s (shared with the web app);
//! these modules read the journal, ask and print.

mod countdown;
mod practice;
mod reframe;
mod review;
mod share;

use std::io::Read;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};

/// The coaching commands, flattened into the top-level command list.
#[derive(Debug, clap::Subcommand)]
pub enum CoachCommand {
    Practice(practice::PracticeArgs),
    Reframe(reframe::ReframeArgs),
    Share(share::ShareArgs),
    Feedback(share::FeedbackArgs),
    Review(review::ReviewArgs),
}

pub fn run(command: CoachCommand) -> Result<ExitCode> {
    match command {
        CoachCommand::Practice(a) => practice::run(a),
        CoachCommand::Reframe(a) => reframe::run(&a),
        CoachCommand::Share(a) => share::share(&a),
        CoachCommand::Feedback(a) => share::feedback(&a),
        CoachCommand::Review(a) => review::run(&a),
    }
}

/// The terminal's width for charts: `$COLUMNS` when set, else the terminal's, else 80.
pub fn term_width() -> usize {
    if let Some(n) = std::env::var("COLUMNS").ok().and_then(|c| c.trim().parse::<usize>().ok()).filter(|&n| n > 0) {
        return n;
    }
    console::Term::stdout().size_checked().map_or(80, |(_, cols)| usize::from(cols).max(1))
}

/// Read a file, or standard input for `-`.
pub fn read_input(path: &Path) -> Result<String> {
    if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).context("cannot read standard input")?;
        Ok(s)
    } else {
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
    }
}

/// Write `text` to `path` atomically (a temporary file beside it, then renamed).
pub fn write_file(path: &Path, text: &str) -> Result<()> {
    use std::io::Write;
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir).with_context(|| format!("cannot write in {}", dir.display()))?;
    tmp.write_all(text.as_bytes()).with_context(|| format!("cannot write {}", path.display()))?;
    tmp.persist(path).map_err(|e| e.error).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
