//! Typing an answer against the clock: a countdown on the terminal's last line while the
//! answer is typed above it.
//!
//! The last line is kept out of the scrolling region (DECSTBM) and redrawn four times a second
//! with the cursor saved and restored, so the line-editing of the terminal (cooked mode) is left
//! alone: backspace, paste and Ctrl-D work as everywhere. The region is reset when the answer
//! ends, on an error, and on Ctrl-C. Only used when standard input and standard error are both a
//! terminal.

use std::io::{BufRead, IsTerminal, Write};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use starl_coach::practice::format_duration;

/// Whether a countdown can be shown: standard input and standard error are a terminal.
pub fn available() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// Restores the terminal when dropped.
struct Region {
    rows: u16,
}

impl Region {
    fn set(rows: u16) -> Region {
        let mut err = std::io::stderr().lock();
        // Make room so the cursor is not on the last line, then fence that line off.
        let _ = write!(err, "\n\x1b[1A\x1b7\x1b[1;{}r\x1b8", rows - 1);
        let _ = err.flush();
        Region { rows }
    }
}

impl Drop for Region {
    fn drop(&mut self) {
        reset(self.rows);
    }
}

fn reset(rows: u16) {
    let mut err = std::io::stderr().lock();
    let _ = write!(err, "\x1b7\x1b[{rows};1H\x1b[2K\x1b[r\x1b8");
    let _ = err.flush();
}

/// Read lines from standard input until a line holding only `.` or the end of input (Ctrl-D),
/// showing the time left of `limit` seconds on the last line of the terminal. Returns the
/// answer and how long it took.
pub fn read_with_countdown(limit: u32) -> Result<(String, Duration)> {
    let term = console::Term::stderr();
    let (rows, cols) = term.size_checked().unwrap_or((24, 80));
    if rows < 4 {
        return read_plain();
    }
    let region = Region::set(rows);
    let done = Arc::new(AtomicBool::new(false));
    let words = Arc::new(AtomicUsize::new(0));
    {
        // Ctrl-C: put the terminal back before dying, as the default handler would.
        let _ = ctrlc::set_handler(move || {
            reset(rows);
            let _ = writeln!(std::io::stderr(), "\ninterrupted: nothing saved");
            std::process::exit(130);
        });
    }
    let start = Instant::now();
    let drawer = {
        let (done, words) = (done.clone(), words.clone());
        std::thread::spawn(move || {
            let styled = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            while !done.load(Ordering::Relaxed) {
                let elapsed = start.elapsed().as_secs() as u32;
                let n = words.load(Ordering::Relaxed);
                let (text, color) = if elapsed <= limit {
                    let left = limit - elapsed;
                    let color = if left <= 30 { "\x1b[33m" } else { "\x1b[32m" };
                    (
                        format!(
                            "⏱  {} left of {} · {n} words · end with a line holding only . (or Ctrl-D)",
                            format_duration(left),
                            format_duration(limit)
                        ),
                        color,
                    )
                } else {
                    (
                        format!(
                            "⏱  time's up: {} over {} · wrap up with what you learned · end with .",
                            format_duration(elapsed - limit),
                            format_duration(limit)
                        ),
                        "\x1b[31m",
                    )
                };
                let text = starl_coach::chart::clip(&text, usize::from(cols).saturating_sub(1));
                let (on, off) = if styled { (color, "\x1b[0m") } else { ("", "") };
                let mut err = std::io::stderr().lock();
                let _ = write!(err, "\x1b7\x1b[{rows};1H\x1b[2K{on}{text}{off}\x1b8");
                let _ = err.flush();
                drop(err);
                std::thread::sleep(Duration::from_millis(250));
            }
        })
    };
    let result = read_lines(|line| {
        words.fetch_add(starl_coach::practice::count_words(line), Ordering::Relaxed);
    });
    let took = start.elapsed();
    done.store(true, Ordering::Relaxed);
    let _ = drawer.join();
    drop(region);
    Ok((result?, took))
}

/// Read the answer without a countdown (still ending at a lone `.` or the end of input).
pub fn read_plain() -> Result<(String, Duration)> {
    let start = Instant::now();
    let text = read_lines(|_| {})?;
    Ok((text, start.elapsed()))
}

fn read_lines(mut on_line: impl FnMut(&str)) -> Result<String> {
    let stdin = std::io::stdin();
    let mut text = String::new();
    for line in stdin.lock().lines() {
        let line = line.context("cannot read standard input")?;
        if line.trim() == "." {
            break;
        }
        on_line(&line);
        text.push_str(&line);
        text.push('\n');
    }
    Ok(text)
}
