//! The failure journal and story bank, end to end: the real binary, a temporary data folder,
//! a scripted $EDITOR.

mod common;

use std::path::PathBuf;
use std::process::{Command, Stdio};

use common::{Journal as Env, Run};

/// What these tests ask of the journal beyond running `starl`.
trait JournalExt {
    fn count(&self) -> usize;
    fn log(&self, title: &str, extra: &[&str]) -> Run;
}

impl JournalExt for Env {
    fn count(&self) -> usize {
        self.run(&["entries", "--format", "json"]).ok().json().as_array().unwrap().len()
    }
    fn log(&self, title: &str, extra: &[&str]) -> Run {
        let mut a = vec!["log", "--title", title];
        a.extend_from_slice(extra);
        self.run(&a).ok()
    }
}

const ENTRY_MD: &str = "---
title: Deployed on a Friday
happened: 2026-02-13
category: technical
tags: [deploy, ops]
severity: 2
---

## What happened
I deployed the billing service at 17:30 on a Friday; invoices failed for 2 hours.

## What I learned
Deploy before Thursday noon so the whole team is around to watch it.

## What I will change
A deploy-freeze rule in the team's calendar.
";

#[test]
fn log_from_flags_then_list_filter_show() {
    let env = Env::new();
    let r = env.log(
        "Locked the orders table",
        &["--what", "Checkout hung 40 minutes", "--learned", "Dry-run migrations", "--tag", "database,ops"],
    );
    assert!(r.stdout.starts_with("logged entry 1: Locked the orders table"), "{r:?}");
    env.log("Missed the deadline", &["--happened", "2026-01-05", "--category", "communication", "--tag", "estimation"]);
    assert!(env.db().exists(), "created on first use under XDG_DATA_HOME");
    let table = env.run(&["entries"]).ok().stdout;
    assert!(table.contains("Locked the orders table") && table.contains("Missed the deadline"), "{table}");
    let ids = |args: &[&str]| -> Vec<i64> {
        let mut a = vec!["entries", "--format", "json"];
        a.extend_from_slice(args);
        env.run(&a).ok().json().as_array().unwrap().iter().map(|e| e["id"].as_i64().unwrap()).collect()
    };
    assert_eq!(ids(&["--tag", "ops"]), [1]);
    assert_eq!(ids(&["--search", "checkout"]), [1]);
    assert_eq!(ids(&["--category", "communication"]), [2]);
    assert_eq!(ids(&["--until", "2026-01-31"]), [2]);
    assert_eq!(ids(&["--since", "2026-01-06"]), [1]);
    let show = env.run(&["show", "1"]).ok().stdout;
    assert!(show.contains("title: \"Locked the orders table\"") && show.contains("Dry-run migrations"), "{show}");
    // --db overrides the default location.
    let other = env.path().join("other.db");
    env.run(&["--color", "never", "entries", "--db", other.to_str().unwrap()]).ok();
    assert!(other.exists());
}

#[test]
fn log_from_file_and_its_errors() {
    let env = Env::new();
    env.write("entry.md", ENTRY_MD);
    env.run(&["log", "--from-file", "entry.md"]).ok();
    let e = &env.run(&["show", "1", "--format", "json"]).ok().json();
    assert_eq!(e["title"], "Deployed on a Friday");
    assert_eq!(e["tags"], serde_json::json!(["deploy", "ops"]));
    assert_eq!(e["follow_up"]["status"], "open", "a change gets a follow-up");
    env.write("bad.md", &ENTRY_MD.replace("severity: 2", "severity: 9"));
    let r = env.run(&["log", "--from-file", "bad.md"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("bad.md:6: severity `9`"), "{r:?}");
    assert_eq!(env.count(), 1);
}

#[test]
fn log_in_the_editor() {
    let env = Env::new();
    env.write("filled.md", ENTRY_MD);
    let r = env.with_editor("cp filled.md \"$1\"", &["log"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(env.count(), 1);
}

#[test]
fn an_untouched_template_aborts() {
    let env = Env::new();
    let r = env.with_editor("exit 0", &["log"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("aborting"), "{r:?}");
    assert_eq!(env.count(), 0);
}

#[test]
fn an_editor_that_fails_saves_nothing_and_keeps_the_text() {
    let env = Env::new();
    let r = env.with_editor("echo 'my precious words' >> \"$1\"; exit 3", &["log"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("exited with status 3"), "{r:?}");
    let kept = r.stderr.split("kept in ").nth(1).unwrap().trim();
    assert!(std::fs::read_to_string(kept).unwrap().contains("my precious words"));
    std::fs::remove_file(kept).unwrap();
    assert_eq!(env.count(), 0);
}

#[test]
fn a_parse_error_reopens_the_editor_with_the_error_on_top() {
    let env = Env::new();
    env.write("bad.md", &ENTRY_MD.replace("category: technical", "category: cooking"));
    env.write("good.md", ENTRY_MD);
    // First run: write the bad entry. Second run: the error note is on top and the typed text
    // is still there; fix it.
    let script = "if [ -f second ]; then
  head -1 \"$1\" > note; grep -q 'cooking' \"$1\" && cp \"$1\" seen.md; cp good.md \"$1\"
else
  touch second; cp bad.md \"$1\"
fi";
    let r = env.with_editor(script, &["log"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stderr.contains("category `cooking`"), "{r:?}");
    assert!(std::fs::read_to_string(env.path().join("note")).unwrap().starts_with("<!-- starl could not read this"));
    assert!(env.path().join("seen.md").exists(), "nothing typed was lost");
    assert_eq!(env.count(), 1);
}

#[test]
fn edit_an_entry() {
    let env = Env::new();
    env.log("Old title", &["--learned", "x"]);
    let r = env.with_editor("sed -i 's/^title: .*/title: \"New title\"/' \"$1\"", &["edit", "1"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(env.run(&["show", "1", "--format", "json"]).ok().json()["title"], "New title");
    let r = env.with_editor("exit 0", &["edit", "1"]);
    assert!(r.stderr.contains("unchanged"), "{r:?}");
}

#[test]
fn unknown_ids_are_errors() {
    let env = Env::new();
    for args in [
        &["show", "9"][..],
        &["rm", "9", "--yes"],
        &["edit", "9"],
        &["followup", "9", "--held"],
        &["story", "show", "9"],
        &["story", "ready", "9"],
        &["story", "rm", "9", "--yes"],
        &["story", "lint", "9"],
        &["story", "new", "--from", "9"],
    ] {
        let r = env.run(args);
        assert_eq!(r.code, 2, "{args:?}: {r:?}");
        assert!(r.stderr.contains("with id 9"), "{args:?}: {r:?}");
    }
}

#[test]
fn rm_asks_and_yes_skips() {
    let env = Env::new();
    env.log("Doomed", &[]);
    let r = env.run(&["rm", "1"]);
    assert_ne!(r.code, 0, "no terminal to ask on: {r:?}");
    assert!(r.stderr.contains("--yes"), "{r:?}");
    assert_eq!(env.count(), 1);
    env.run(&["rm", "1", "--yes"]).ok();
    assert_eq!(env.count(), 0);
}

#[test]
fn follow_ups_fall_due_and_are_recorded() {
    let env = Env::new();
    env.log("With a change", &["--change", "Dry-run every migration", "--follow-up", "2026-01-01"]);
    env.log("Without", &[]);
    let due = env.run(&["due", "--on", "2026-01-01", "--format", "json"]).ok().json();
    assert_eq!(due.as_array().unwrap().len(), 1);
    assert!(env.run(&["due", "--on", "2025-12-31"]).ok().stderr.contains("no follow-up due"));
    env.run(&["followup", "1", "--held", "--evidence", "Three migrations since, all dry-run"]).ok();
    assert_eq!(env.run(&["due", "--on", "2030-01-01", "--format", "json"]).ok().json(), serde_json::json!([]));
    let e = env.run(&["show", "1", "--format", "json"]).ok().json();
    assert_eq!(e["follow_up"]["status"], "held");
    // The evidence is offered to the story: it lands in the learning part.
    env.run(&["story", "new", "--from", "1"]).ok();
    assert!(env.run(&["story", "show", "1"]).ok().stdout.contains("Since then: Three migrations since"));
}

const STORY: &str = "## Situation
In March 2026 I owned the orders service; a schema change was mine to ship.

## Task
I had to add a column to the orders table without downtime.

## Action
I ran the migration at 14:00 without testing it on production-sized data. It locked the table and
checkout hung for 40 minutes for 15% of users. That was my mistake. I rolled it back, told my
manager and the on-call channel within 5 minutes, and wrote the incident report.

## Result
We lost about $12,000 in orders. The root cause was that I had not tested against realistic data.

## Learning
I learned to dry-run every schema change on a copy of production first. I added a dry run to the
release checklist; six months later, every migration since has gone through it with no lock.
";

#[test]
fn stories_and_the_bank() {
    let env = Env::new();
    env.log("Locked the orders table", &["--category", "technical"]);
    env.write("story.md", STORY);
    let r = env.run(&["story", "new", "--from-file", "story.md", "--from", "1", "--title", "The orders lock"]).ok();
    assert!(r.stdout.starts_with("saved story 1: The orders lock"), "{r:?}");
    let list = env.run(&["story", "list", "--format", "json"]).ok().json();
    assert_eq!(list[0]["entry_id"], 1);
    assert_eq!(list[0]["ready"], false);
    let lint = env.run(&["story", "lint", "1", "--format", "json"]);
    assert!(lint.code == 0 || lint.code == 1, "{lint:?}");
    assert!(lint.json()[0]["score"].as_u64().is_some());
    let bank = env.run(&["bank", "--format", "json"]).ok().json();
    assert_eq!(bank["stories"], serde_json::json!([]), "not ready yet");
    env.run(&["story", "ready", "1"]).ok();
    env.run(&["story", "pin", "1", "negative-feedback"]).ok();
    env.run(&["story", "unpin", "1", "failed"]).ok();
    assert_eq!(env.run(&["story", "pin", "1", "nope"]).code, 2);
    let bank = env.run(&["bank", "--format", "json", "--threshold", "0"]).ok().json();
    let q = |id: &str| bank["questions"].as_array().unwrap().iter().find(|q| q["id"] == id).unwrap()["stories"].clone();
    assert_eq!(q("negative-feedback"), serde_json::json!([1]), "pinned: {bank}");
    assert_eq!(q("failed"), serde_json::json!([]), "unpinned: {bank}");
    assert!(bank["suggestion"].as_str().unwrap().len() > 10);
    let bank = env.run(&["bank", "--format", "json", "--threshold", "100"]).ok().json();
    assert_eq!(bank["below_threshold"], serde_json::json!([1]));
    let human = env.run(&["bank"]).ok().stdout;
    assert!(human.contains("Stories to prepare") && human.contains("Next: "), "{human}");
    // The threshold comes from starl.toml when the flag does not say.
    env.write("starl.toml", "[bank]\nthreshold = 0\n");
    let bank = env.run(&["bank", "--format", "json"]).ok().json();
    assert_eq!((bank["threshold"].as_u64(), bank["below_threshold"].clone()), (Some(0), serde_json::json!([])));
    env.write("starl.toml", "[bank]\nthreshold = 100\n");
    assert_eq!(env.run(&["bank", "--format", "json"]).ok().json()["below_threshold"], serde_json::json!([1]));
    std::fs::remove_file(env.path().join("starl.toml")).unwrap();
    env.run(&["story", "rm", "1", "--yes"]).ok();
    assert_eq!(env.run(&["story", "list", "--format", "json"]).ok().json(), serde_json::json!([]));
}

#[test]
fn the_wizard_goes_part_by_part() {
    let env = Env::new();
    env.log(
        "Locked the orders table",
        &["--what", "The migration locked orders for 40 minutes.", "--learned", "Dry-run."],
    );
    let mut c = env.cmd(&["story", "new", "--from", "1", "--wizard", "--framework", "star"]);
    c.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    use std::io::Write;
    // Situation: keep the entry's text. Task, Action, Result: typed.
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"\nI owned the schema change.\n\nThe requirements kept changing, so I rushed it.\n\nWe lost 40 minutes.\n\n")
        .unwrap();
    let r = common::finish(child.wait_with_output().unwrap());
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stderr.contains("== Task ==") && r.stderr.contains("blame-shifting"), "feedback per part: {r:?}");
    let body = env.run(&["story", "show", "1"]).ok().stdout;
    assert!(body.contains("## Situation\nThe migration locked orders") && body.contains("## Task\nI owned"), "{body}");
}

#[test]
fn export_import_round_trips_exactly() {
    let env = Env::new();
    env.write("entry.md", ENTRY_MD);
    env.run(&["log", "--from-file", "entry.md"]).ok();
    env.log("Ünïcödé \"quotes\" # not a comment", &["--what", "line one\n\nline two", "--tag", "x"]);
    env.write("story.md", STORY);
    env.run(&["story", "new", "--from-file", "story.md", "--from", "2"]).ok();
    env.run(&["story", "pin", "1", "failed"]).ok();
    // Practice attempts (no command writes them yet: a later `starl practice` will) arrive by import.
    env.write("attempts.json", ATTEMPTS_JSON);
    let r = env.run(&["import", "attempts.json"]).ok();
    assert!(r.stdout.contains("imported 0 entries, 0 stories and 3 practice attempts"), "{r:?}");
    env.run(&["export", "--format", "json", "-o", "a.json"]).ok();
    env.run(&["export", "--format", "markdown", "-o", "md"]).ok();
    let a: serde_json::Value = serde_json::from_slice(&std::fs::read(env.path().join("a.json")).unwrap()).unwrap();
    assert_eq!(a["starl"], 2);
    assert_eq!(a["attempts"].as_array().unwrap().len(), 3);
    assert_eq!(a["attempts"][0]["story_id"], 1);
    assert_eq!(a["attempts"][1]["answer"], "Zürich → Tōkyō: \"quoted\" 🚀\n\nA second paragraph.\n");
    let md = std::fs::read_to_string(env.path().join("md/attempts/0002-missed-deadline.md")).unwrap();
    assert!(md.starts_with("---\nkind: attempt\nid: 2\nquestion: missed-deadline\n"), "{md}");
    // Into a fresh database, and out again.
    for (input, fmt, out) in [("a.json", "json", "b.json"), ("md", "markdown", "md2")] {
        let db = env.path().join(format!("fresh-{fmt}.db"));
        let db = db.to_str().unwrap();
        env.run(&["import", input, "--db", db]).ok();
        env.run(&["export", "--format", fmt, "-o", out, "--db", db]).ok();
        // Twice is harmless.
        let again = env.run(&["import", input, "--db", db]).ok();
        assert!(again.stdout.contains("imported 0 entries, 0 stories and 0 practice attempts"), "{again:?}");
    }
    assert_eq!(std::fs::read(env.path().join("a.json")).unwrap(), std::fs::read(env.path().join("b.json")).unwrap());
    let diff = Command::new("diff").arg("-r").arg("md").arg("md2").current_dir(env.path()).output().unwrap();
    assert!(diff.status.success(), "{}", String::from_utf8_lossy(&diff.stdout));
    // A Markdown export imports back to the same JSON too.
    let db = env.path().join("cross.db");
    env.run(&["import", "md", "--db", db.to_str().unwrap()]).ok();
    env.run(&["export", "-o", "c.json", "--db", db.to_str().unwrap()]).ok();
    assert_eq!(std::fs::read(env.path().join("a.json")).unwrap(), std::fs::read(env.path().join("c.json")).unwrap());
}

/// Three practice attempts: one telling story 1, one with an answer that needs escaping, one
/// untimed. Ids 1, 2 and 7.
const ATTEMPTS_JSON: &str = r#"{"starl": 2, "entries": [], "stories": [], "attempts": [
  {"id": 1, "question": "failed", "story_id": 1, "answer": "I ran the migration without testing it.", "duration_seconds": 161,
   "words": 7, "score": 74, "themes": {"ownership": 90, "transparency": 70, "learning": 55, "resilience": 60, "prevention": 40},
   "created": "2026-03-02T10:00:00Z"},
  {"id": 2, "question": "missed-deadline", "answer": "Zürich → Tōkyō: \"quoted\" 🚀\n\nA second paragraph.\n",
   "duration_seconds": 95, "words": 8, "score": 41,
   "themes": {"ownership": 20, "transparency": 30, "learning": 40, "resilience": 50, "prevention": 60},
   "created": "2026-03-03T09:30:00Z"},
  {"id": 7, "question": "failed", "answer": "Untimed, typed.", "words": 2, "score": 12,
   "themes": {"ownership": 1, "transparency": 2, "learning": 3, "resilience": 4, "prevention": 5},
   "created": "2026-03-04T08:00:00Z"}
]}
"#;

#[test]
fn exports_of_every_version_import_and_newer_ones_are_refused() {
    let env = Env::new();
    // Version 1 had no practice attempts.
    env.write(
        "v1.json",
        r#"{"starl": 1, "entries": [{"id": 4, "title": "Old", "happened": "2025-01-01",
            "created": "2025-01-01T00:00:00Z", "updated": "2025-01-01T00:00:00Z"}], "stories": []}"#,
    );
    let r = env.run(&["import", "v1.json"]).ok();
    assert!(r.stdout.contains("imported 1 entry, 0 stories and 0 practice attempts"), "{r:?}");
    // A newer format is named as such, before its unknown fields are.
    env.write("v9.json", r#"{"starl": 9, "entries": [], "stories": [], "attempts": [], "coach_notes": []}"#);
    let r = env.run(&["import", "v9.json"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("written by a newer starl (export format 9)"), "{r:?}");
    // An attempt about a story that is nowhere: nothing is imported.
    env.write("orphan.json", &ATTEMPTS_JSON.replace("\"story_id\": 1", "\"story_id\": 99"));
    let r = env.run(&["import", "orphan.json"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("no story with id 99"), "{r:?}");
    // A malformed attempt in a Markdown folder names its file and line.
    std::fs::create_dir_all(env.path().join("md/attempts")).unwrap();
    env.write("md/attempts/0001-failed.md", "---\nkind: attempt\nquestion: failed\nscore: lots\n---\n\nAn answer.\n");
    let r = env.run(&["import", "md"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("0001-failed.md:4: score `lots`"), "{r:?}");
    let all = env.run(&["export"]).ok().json();
    assert_eq!((all["entries"].as_array().unwrap().len(), all["attempts"].as_array().unwrap().len()), (1, 0));
}

#[test]
fn jrnl_exports_become_entries() {
    let env = Env::new();
    env.write(
        "jrnl.json",
        r#"{"tags": {"@work": 2}, "entries": [
  {"title": "Broke the build.", "body": "I pushed without running tests.", "date": "2024-03-01", "time": "09:30", "tags": ["@work"], "starred": false},
  {"title": "Forgot the demo", "body": "", "date": "2024-03-02", "time": "10:00", "tags": ["@work"], "starred": true}
]}"#,
    );
    let r = env.run(&["import", "jrnl.json"]).ok();
    assert!(r.stdout.contains("imported 2 entries"), "{r:?}");
    let all = env.run(&["entries", "--tag", "work", "--format", "json"]).ok().json();
    assert_eq!(all.as_array().unwrap().len(), 2);
    assert_eq!(all[1]["what_happened"], "I pushed without running tests.");
    assert_eq!(all[1]["happened"], "2024-03-01");
}

#[test]
fn a_malformed_import_names_file_and_line_and_imports_nothing() {
    let env = Env::new();
    env.log("Before", &[]);
    env.write("broken.json", "{\"starl\": 1,\n \"entries\": [\n  {\"title\": \"x\",}\n ]}\n");
    let r = env.run(&["import", "broken.json"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("broken.json:3:"), "{r:?}");
    // A folder where the third file is bad: nothing of the first two is imported.
    std::fs::create_dir_all(env.path().join("md/entries")).unwrap();
    env.write("md/entries/a.md", ENTRY_MD);
    env.write("md/entries/b.md", ENTRY_MD);
    env.write("md/entries/c.md", &ENTRY_MD.replace("happened: 2026-02-13", "happened: someday"));
    let r = env.run(&["import", "md"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("c.md:3: `someday` is not a date"), "{r:?}");
    assert_eq!(env.count(), 1);
}

#[test]
fn a_database_from_the_future_is_refused_and_untouched() {
    let env = Env::new();
    env.log("Kept", &[]);
    // Set SQLite's user_version (header offset 60, big-endian) beyond what this starl knows.
    let mut bytes = std::fs::read(env.db()).unwrap();
    bytes[60..64].copy_from_slice(&99u32.to_be_bytes());
    std::fs::write(env.db(), &bytes).unwrap();
    for args in [&["entries"][..], &["log", "--title", "x"], &["bank"]] {
        let r = env.run(args);
        assert_eq!(r.code, 2, "{r:?}");
        assert!(r.stderr.contains("newer starl") && r.stderr.contains("not modified"), "{r:?}");
    }
    assert_eq!(std::fs::read(env.db()).unwrap(), bytes);
}

#[test]
fn an_unwritable_data_folder_is_a_clear_error() {
    let env = Env::new();
    // A data "folder" that is a file: no one, root included, can create the database under it.
    env.write("data", "not a folder");
    let r = env.run(&["log", "--title", "x"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("cannot create the data folder"), "{r:?}");
    // A read-only folder (meaningful when not running as root).
    let ro = env.path().join("ro");
    std::fs::create_dir(&ro).unwrap();
    std::fs::set_permissions(&ro, std::os::unix::fs::PermissionsExt::from_mode(0o555)).unwrap();
    let probe = std::fs::write(ro.join("probe"), "x").is_ok();
    if !probe {
        let r = env.run(&["entries", "--db", ro.join("starl.db").to_str().unwrap()]);
        assert_eq!(r.code, 2, "{r:?}");
        assert!(r.stderr.contains("starl.db"), "{r:?}");
    }
}

fn big_import(env: &Env, name: &str, n: usize, prefix: &str) -> PathBuf {
    let mut s = String::from("{\"starl\": 1, \"stories\": [], \"entries\": [\n");
    for i in 0..n {
        if i > 0 {
            s.push_str(",\n");
        }
        s.push_str(&format!(
            "{{\"title\": \"{prefix} {i}\", \"happened\": \"2026-01-01\", \"what_happened\": \"Entry number {i} of a big import, with some words to index: deploy migration rollback.\", \"tags\": [\"bulk\"], \"created\": \"2026-01-01T00:00:00Z\", \"updated\": \"2026-01-01T00:00:00Z\"}}"
        ));
    }
    s.push_str("\n]}\n");
    env.write(name, &s)
}

#[test]
fn two_processes_writing_at_once_both_succeed() {
    let env = Env::new();
    env.log("First", &[]);
    let a = big_import(&env, "a.json", 3000, "a");
    let b = big_import(&env, "b.json", 3000, "b");
    let mut children: Vec<_> = [&a, &b]
        .iter()
        .map(|p| env.cmd(&["import", p.to_str().unwrap()]).stdout(Stdio::null()).spawn().unwrap())
        .collect();
    let logs: Vec<_> = (0..5).map(|i| env.cmd(&["log", "--title", &format!("log {i}")]).output().unwrap()).collect();
    for c in &mut children {
        assert!(c.wait().unwrap().success());
    }
    for l in logs {
        assert!(l.status.success(), "{}", String::from_utf8_lossy(&l.stderr));
    }
    assert_eq!(env.count(), 1 + 6000 + 5);
}

#[test]
fn kill_9_during_a_large_import_leaves_the_database_as_before() {
    let env = Env::new();
    env.log("Before", &[]);
    let big = big_import(&env, "big.json", 60_000, "big");
    let wal = env.db().with_extension("db-wal");
    let wal_before = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    let mut child = env.cmd(&["import", big.to_str().unwrap()]).stdout(Stdio::null()).spawn().unwrap();
    // Wait until the import is writing (the write-ahead log grows), then kill it.
    let start = std::time::Instant::now();
    while std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0) <= wal_before + 64 * 1024 {
        if start.elapsed() > std::time::Duration::from_secs(60) || child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    let killed = child.try_wait().unwrap().is_none();
    eprintln!("killed mid-import: {killed}");
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let n = env.count();
    if killed {
        assert_eq!(n, 1, "killed mid-import: nothing of it remains");
    } else {
        assert_eq!(n, 60_001, "finished before the kill: all of it");
    }
    // And the database still works.
    env.log("After", &[]);
}

#[test]
fn the_table_shows_the_latest_100_and_says_how_many_more() {
    let env = Env::new();
    let big = big_import(&env, "105.json", 105, "e");
    env.run(&["import", big.to_str().unwrap()]).ok();
    let rows = |r: &Run| r.stdout.lines().skip(1).count();
    let r = env.run(&["entries"]).ok();
    assert_eq!(rows(&r), 100, "{r:?}");
    assert!(r.stderr.contains("5 more entries: use --limit N"), "{r:?}");
    let r = env.run(&["entries", "--limit", "0"]).ok();
    assert_eq!((rows(&r), r.stderr.as_str()), (105, ""));
    let r = env.run(&["entries", "--limit", "104", "--search", "entry"]).ok();
    assert_eq!(rows(&r), 104);
    assert!(r.stderr.contains("1 more entry:"), "{r:?}");
    let r = env.run(&["entries", "--tag", "bulk", "--limit", "5"]).ok();
    assert!(r.stderr.contains("100 more entries"), "{r:?}");
    assert_eq!(env.count(), 105, "JSON gives them all");
    assert_eq!(env.run(&["entries", "--format", "json", "--limit", "7"]).ok().json().as_array().unwrap().len(), 7);
}

#[test]
fn an_import_off_a_terminal_draws_no_progress_bar() {
    let env = Env::new();
    // Big enough to take well over the half second after which a terminal gets a bar.
    let big = big_import(&env, "big.json", 20_000, "big");
    let start = std::time::Instant::now();
    let r = env.run(&["import", big.to_str().unwrap()]).ok();
    eprintln!("import took {:?}", start.elapsed());
    assert_eq!(r.stderr, "", "no progress noise on a pipe: {r:?}");
    assert_eq!(r.stdout.lines().count(), 1, "only the summary: {r:?}");
    assert!(r.stdout.starts_with("imported 20000 entries"), "{r:?}");
    // -q: nothing at all.
    let db = env.path().join("quiet.db");
    let r = env.run(&["import", "-q", big.to_str().unwrap(), "--db", db.to_str().unwrap()]).ok();
    assert_eq!((r.stdout.as_str(), r.stderr.as_str()), ("", ""));
    assert_eq!(env.run(&["export", "--format", "markdown", "-o", "md", "-q"]).ok().stderr, "");
    let r = env.run(&["export", "--format", "markdown", "-o", "md2"]).ok();
    assert_eq!(r.stderr, "exported 20000 entries, 0 stories and 0 practice attempts to md2\n");
}

/// On a terminal (a pseudo-terminal from util-linux `script`), the same import draws a bar on
/// standard error, and `-q` silences it. Skipped where `script` is missing.
#[test]
fn an_import_on_a_terminal_draws_a_progress_bar() {
    if Command::new("script").arg("--version").output().map_or(true, |o| !o.status.success()) {
        eprintln!("skipped: no `script` to make a terminal");
        return;
    }
    let env = Env::new();
    let big = big_import(&env, "big.json", 20_000, "big");
    let on_tty = |args: &str| {
        // Standard error on the terminal, standard output (the summary) away.
        let line = format!("{} {args} 2>&1 >/dev/null", env!("CARGO_BIN_EXE_starl"));
        let o = Command::new("script")
            .args(["-qefc", &line, "/dev/null"])
            .current_dir(env.path())
            .env("XDG_DATA_HOME", env.path().join("data"))
            .env("XDG_CONFIG_HOME", env.path().join("config"))
            .env("HOME", env.path())
            .env("TERM", "xterm")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(o.status.success(), "{o:?}");
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let drawn = on_tty(&format!("import {} --db a.db", big.display()));
    assert!(drawn.contains("importing") && drawn.contains("/20,000"), "a bar: {drawn:?}");
    let quiet = on_tty(&format!("import -q {} --db b.db", big.display()));
    assert_eq!(quiet.trim(), "", "-q: {quiet:?}");
}

#[test]
fn the_bank_keeps_analyses_until_the_story_or_the_rules_change() {
    use starl_store::{Store, StoryAnalysis};
    let env = Env::new();
    env.log("Locked the orders table", &["--category", "technical"]);
    env.write("story.md", STORY);
    env.run(&["story", "new", "--from-file", "story.md", "--from", "1"]).ok();
    env.run(&["story", "ready", "1"]).ok();
    let bank = || env.run(&["bank", "--format", "json", "--threshold", "0"]).ok().json();
    let real = bank()["stories"][0]["score"].as_u64().unwrap();
    let open = || starl_store_sqlite::SqliteStore::open(&env.db()).unwrap();
    let cached = open().story_analyses().unwrap()[&1].clone();
    assert_eq!(u64::from(cached.score), real);
    // Plant a different analysis under the same key: the bank believes it, so it did not analyse.
    let plant = || {
        let key = open().story_analyses().unwrap()[&1].key.clone();
        let fake = StoryAnalysis { key, score: 3, category: "communication".into(), fits: vec!["didnt-scale".into()] };
        open().save_story_analyses(&[(1, fake)]).unwrap();
    };
    plant();
    let b = bank();
    assert_eq!(
        (b["stories"][0]["score"].as_u64(), b["stories"][0]["category"].as_str()),
        (Some(3), Some("communication"))
    );
    let q = |b: &serde_json::Value, id: &str| {
        b["questions"].as_array().unwrap().iter().find(|q| q["id"] == id).unwrap()["stories"].clone()
    };
    assert_eq!(q(&b, "didnt-scale"), serde_json::json!([1]));
    // A new text is analysed again (`story edit` keeps its fresh analysis).
    let r = env
        .with_editor("printf '\\nSince then I review every plan with the team.\\n' >> \"$1\"", &["story", "edit", "1"]);
    assert_eq!(r.code, 0, "{r:?}");
    let b = bank();
    assert_ne!(b["stories"][0]["score"].as_u64(), Some(3), "{b}");
    assert_ne!(open().story_analyses().unwrap()[&1].key, cached.key);
    // New rules are too: a starl.toml that changes the analysis.
    plant();
    assert_eq!(bank()["stories"][0]["score"].as_u64(), Some(3));
    env.write("starl.toml", "disable = [\"hedging\"]\n");
    assert_ne!(bank()["stories"][0]["score"].as_u64(), Some(3));
}

#[test]
fn a_cold_bank_gives_each_story_its_own_analysis() {
    // Enough stories that the bank analyses them on several threads: each must get its own
    // report back, the same as `starl story lint` gives it alone.
    let env = Env::new();
    let bodies = [
        STORY.to_owned(),
        "The requirements kept changing, so we missed the deadline. It wasn't really my fault.\n".to_owned(),
        "I've never really failed at anything important.\n".to_owned(),
        STORY.replace("## Learning", "## Lesson"),
    ];
    let stories: Vec<serde_json::Value> = (1..=24)
        .map(|i| {
            serde_json::json!({"id": i, "title": format!("s{i}"), "body": bodies[i % bodies.len()], "ready": true,
                "framework": if i % 3 == 0 { serde_json::Value::from("star") } else { serde_json::Value::Null },
                "created": "2026-01-01T00:00:00Z", "updated": "2026-01-01T00:00:00Z"})
        })
        .collect();
    let doc = serde_json::json!({"starl": 2, "entries": [], "stories": stories});
    env.write("stories.json", &doc.to_string());
    env.run(&["import", "stories.json"]).ok();
    let bank = env.run(&["bank", "--format", "json", "--threshold", "0"]).ok().json();
    let listed = bank["stories"].as_array().unwrap();
    assert_eq!(listed.len(), 24);
    let mut scores = std::collections::BTreeSet::new();
    for s in listed {
        let id = s["id"].as_i64().unwrap().to_string();
        let lint = env.run(&["story", "lint", &id, "--format", "json"]);
        assert_eq!(s["score"], lint.json()[0]["score"], "story {id}");
        scores.insert(s["score"].as_u64());
    }
    assert!(scores.len() >= 3, "the stories differ: {scores:?}");
}
