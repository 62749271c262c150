//! Drive the real `starl` binary in a hermetic environment: its own current folder, no user
//! configuration or rule cache, no colour variables from the caller.

#![allow(dead_code)] // Each test binary uses a different part of this module.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub use tempfile::TempDir;

/// A model answer: complete STAR-L with headings, ownership, numbers and a lesson applied later.
/// It has no error-level finding and no warning.
pub const GOOD: &str = include_str!("good.md");

/// A story whose only red flag is one blame-shifting sentence (a warning).
pub fn warn_story() -> String {
    format!("{GOOD}\nThe requirements kept changing.\n")
}

/// A story with an error: it claims never to have failed, and has no lesson.
pub const ERROR: &str = "I've never really failed at anything important. My projects always ship.\n";

/// A story with a hedge (`hedging`, info) and nothing else wrong.
pub fn hedge_story() -> String {
    format!("{GOOD}\nThe rollout was kind of slow.\n")
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// This run, after checking that it succeeded.
    #[track_caller]
    pub fn ok(self) -> Run {
        assert_eq!(self.code, 0, "{self:?}");
        self
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}\nstderr:\n{}", self.stdout, self.stderr))
    }

    /// The `rule` ids of one report's diagnostics.
    pub fn rules_of(report: &serde_json::Value) -> Vec<String> {
        report["diagnostics"].as_array().unwrap().iter().map(|d| d["rule"].as_str().unwrap().to_owned()).collect()
    }
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "exit {}\n--- stdout\n{}\n--- stderr\n{}", self.code, self.stdout, self.stderr)
    }
}

/// A scratch folder to run in.
pub fn scratch() -> TempDir {
    tempfile::tempdir().unwrap()
}

pub fn write(dir: &Path, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, contents).unwrap();
    path
}

/// `starl ARGS` run in `dir`, with nothing in the environment that would change its output.
pub fn command(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_starl"));
    cmd.args(args)
        .current_dir(dir)
        .env("HOME", dir)
        .env("XDG_CONFIG_HOME", dir.join(".no-user-config"))
        .env("XDG_CACHE_HOME", dir.join(".cache"))
        .env_remove("STARL_CACHE_DIR")
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("COLUMNS")
        .stdin(Stdio::null());
    cmd
}

pub fn finish(output: Output) -> Run {
    Run {
        code: output.status.code().expect("starl was killed by a signal"),
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    }
}

pub fn starl(dir: &Path, args: &[&str]) -> Run {
    finish(command(dir, args).output().unwrap())
}

/// `starl ARGS` with `input` on standard input.
pub fn starl_stdin(dir: &Path, args: &[&str], input: &[u8]) -> Run {
    let mut child =
        command(dir, args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    // Write from another thread: starl may stop reading early (a size limit) or write a lot.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    finish(out)
}

/// A user's own machine in a temporary folder: a data folder (the journal's database) and a
/// config folder under it, a scripted `$EDITOR`, no colour, UTC, 100 columns. The journal, story
/// bank and coaching tests run `starl` as that user.
pub struct Journal {
    dir: TempDir,
}

impl Journal {
    pub fn new() -> Journal {
        Journal { dir: scratch() }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Where the journal's database is (`$XDG_DATA_HOME/starl/starl.db`).
    pub fn db(&self) -> PathBuf {
        self.path().join("data/starl/starl.db")
    }

    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_starl"));
        c.args(args)
            .current_dir(self.path())
            .env("XDG_DATA_HOME", self.path().join("data"))
            .env("XDG_CONFIG_HOME", self.path().join("config"))
            .env("HOME", self.path())
            .env("NO_COLOR", "1")
            .env("EDITOR", "false")
            .env("TZ", "UTC")
            .env("COLUMNS", "100")
            .env_remove("VISUAL")
            .env_remove("STARL_DB")
            .stdin(Stdio::null());
        c
    }

    pub fn run(&self, args: &[&str]) -> Run {
        finish(self.cmd(args).output().unwrap())
    }

    /// `run` with one more environment variable.
    pub fn run_env(&self, args: &[&str], key: &str, value: &str) -> Run {
        finish(self.cmd(args).env(key, value).output().unwrap())
    }

    /// `run` with `input` on standard input.
    pub fn stdin(&self, args: &[&str], input: &str) -> Run {
        let mut child =
            self.cmd(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
        finish(child.wait_with_output().unwrap())
    }

    /// `run` with `$EDITOR` a shell script of these lines.
    pub fn with_editor(&self, script: &str, args: &[&str]) -> Run {
        let path = self.path().join("editor.sh");
        std::fs::write(&path, format!("#!/bin/sh\n{script}\n")).unwrap();
        std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
        finish(self.cmd(args).env("EDITOR", &path).output().unwrap())
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        write(self.path(), name, text)
    }

    pub fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path().join(name)).unwrap()
    }
}
