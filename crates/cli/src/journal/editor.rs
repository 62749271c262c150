//! Editing text in the user's `$EDITOR`, the way git does: a template the user leaves blank
//! aborts; text that does not parse comes back with the error on top; what was typed is never
//! lost (it lives in a file that is kept, and named, whenever starl gives up).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

/// The editor command: `$VISUAL`, else `$EDITOR`, else `vi`. It may carry arguments
/// (`code --wait`): it is run by the shell, as git does.
pub fn editor_command() -> String {
    ["VISUAL", "EDITOR"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|v| !v.trim().is_empty())
        .unwrap_or_else(|| "vi".to_owned())
}

fn run_editor(path: &Path) -> Result<()> {
    let editor = editor_command();
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$@\""))
        .arg(&editor)
        .arg(path)
        .status()
        .with_context(|| format!("cannot start the editor `{editor}`"))?;
    if !status.success() {
        bail!(
            "the editor `{editor}` exited with {}; nothing was saved. Your text is kept in {}",
            status.code().map_or("a signal".to_owned(), |c| format!("status {c}")),
            path.display()
        );
    }
    Ok(())
}

/// The outcome of an editing session.
pub enum Edited<T> {
    Done(T),
    /// The user left the text blank or unchanged: nothing to do.
    Aborted,
}

/// A kept scratch file: deleted when the work succeeds, named when it does not.
pub struct Scratch {
    pub path: PathBuf,
    keep: bool,
}

impl Scratch {
    /// The work using the text failed: keep the file and say where it is.
    pub fn keep(mut self) -> PathBuf {
        self.keep = true;
        self.path.clone()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Edit `initial` until `parse` accepts it. `blank` says whether the text means "abort".
pub fn edit_until_valid<T>(
    name: &str,
    initial: &str,
    blank: impl Fn(&str) -> bool,
    parse: impl Fn(&str) -> Result<T, super::format::ParseError>,
) -> Result<(Edited<T>, Scratch)> {
    let file = tempfile::Builder::new()
        .prefix(&format!("starl-{name}-"))
        .suffix(".md")
        .tempfile()
        .context("cannot create a temporary file for the editor")?;
    let (_, path) = file.keep().context("cannot keep the temporary file")?;
    let mut scratch = Scratch { path, keep: false };
    std::fs::write(&scratch.path, initial).with_context(|| format!("cannot write {}", scratch.path.display()))?;
    let mut last_written = initial.to_owned();
    loop {
        if let Err(e) = run_editor(&scratch.path) {
            scratch.keep = true;
            return Err(e);
        }
        let text = std::fs::read_to_string(&scratch.path)
            .with_context(|| format!("cannot read {}", scratch.path.display()))?;
        let body = strip_error_note(&text);
        if blank(body) || body == initial {
            return Ok((Edited::Aborted, scratch));
        }
        match parse(body) {
            Ok(v) => return Ok((Edited::Done(v), scratch)),
            Err(e) if text == last_written => {
                // Saved as it was, error and all: the user is not going to fix it now.
                scratch.keep = true;
                bail!("{e}; nothing was saved. Your text is kept in {}", scratch.path.display());
            }
            Err(e) => {
                crate::report_error(&format!("{e}; reopening the editor"));
                last_written =
                    format!("{NOTE_START}\n  {e}\n  Fix it and save, or delete everything to abort.\n-->\n{body}");
                std::fs::write(&scratch.path, &last_written)
                    .with_context(|| format!("cannot write {}", scratch.path.display()))?;
            }
        }
    }
}

const NOTE_START: &str = "<!-- starl could not read this:";

fn strip_error_note(text: &str) -> &str {
    if let Some(rest) = text.strip_prefix(NOTE_START) {
        if let Some(i) = rest.find("-->\n") {
            return &rest[i + 4..];
        }
    }
    text
}
