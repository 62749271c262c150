//! A progress bar for work that takes a while (`starl import`, a Markdown `starl export`).
//!
//! Drawn on standard error, and only when standard error is a terminal and `-q` was not given:
//! a pipe or a log file never gets bar-drawing noise. It appears only once the work has run for
//! [`SHOW_AFTER`], so work that finishes sooner draws nothing at all, and it is cleared when the
//! work is done.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How long work runs before its bar appears: a bar is for work over about a second.
pub const SHOW_AFTER: Duration = Duration::from_millis(500);

pub struct Progress {
    bar: Option<ProgressBar>,
    start: Instant,
    shown: bool,
}

impl Progress {
    /// A bar on standard error if it is a terminal and not `quiet`; otherwise a no-op.
    pub fn new(quiet: bool) -> Progress {
        let bar = (!quiet && std::io::stderr().is_terminal())
            .then(|| ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden()));
        Progress { bar, start: Instant::now(), shown: false }
    }

    /// Start a phase: `len` steps (a bar with a count), or an unknown number (a spinner).
    pub fn phase(&mut self, message: &'static str, len: Option<u64>) {
        let Some(bar) = &self.bar else { return };
        let style = match len {
            Some(_) => ProgressStyle::with_template("{msg:>10} [{bar:40}] {human_pos}/{human_len} ({eta} left)")
                .map(|s| s.progress_chars("=> ")),
            None => ProgressStyle::with_template("{spinner} {msg}"),
        };
        if let Ok(style) = style {
            bar.set_style(style);
        }
        bar.set_message(message);
        bar.set_length(len.unwrap_or(0));
        bar.set_position(0);
        self.tick();
    }

    /// `done` steps of the phase are done.
    pub fn set(&mut self, done: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(done);
            self.tick();
        }
    }

    /// Draw, once the work has run long enough to deserve a bar.
    fn tick(&mut self) {
        let Some(bar) = &self.bar else { return };
        if !self.shown && self.start.elapsed() >= SHOW_AFTER {
            bar.set_draw_target(ProgressDrawTarget::stderr());
            bar.enable_steady_tick(Duration::from_millis(100));
            self.shown = true;
        }
    }

    /// The work is done: clear the bar.
    pub fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}
