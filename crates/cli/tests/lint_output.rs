//! `starl lint` output: the JSON contract, the short format, the human format and its colours,
//! standard input and the folder walk.

mod common;

use common::*;
use serde_json::Value;

/// 1-based line and column (in Unicode scalar values) of a byte offset, as report-format.md says.
fn line_col(text: &str, offset: usize) -> (u64, u64) {
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (before.matches('\n').count() as u64 + 1, before[line_start..].chars().count() as u64 + 1)
}

/// Every span in a report slices back to its excerpt and has the right line and column; a
/// story-level finding has no span at all.
fn check_spans(text: &str, report: &Value) {
    for d in report["diagnostics"].as_array().unwrap() {
        for key in ["rule", "severity", "message", "help"] {
            assert!(d[key].is_string(), "{key} in {d}");
        }
        assert!(["error", "warning", "info"].contains(&d["severity"].as_str().unwrap()));
        if d["start"].is_null() {
            for key in ["start", "end", "line", "column", "excerpt"] {
                assert!(d.get(key).is_some_and(Value::is_null), "story-level {key} must be null: {d}");
            }
            continue;
        }
        let (start, end) = (d["start"].as_u64().unwrap() as usize, d["end"].as_u64().unwrap() as usize);
        assert_eq!(&text[start..end], d["excerpt"].as_str().unwrap(), "{d}");
        assert_eq!(line_col(text, start), (d["line"].as_u64().unwrap(), d["column"].as_u64().unwrap()), "{d}");
    }
    for s in report["strengths"].as_array().unwrap() {
        let (start, end) = (s["start"].as_u64().unwrap() as usize, s["end"].as_u64().unwrap() as usize);
        assert_eq!(&text[start..end], s["excerpt"].as_str().unwrap(), "{s}");
        assert_eq!(line_col(text, start), (s["line"].as_u64().unwrap(), s["column"].as_u64().unwrap()));
    }
}

#[test]
fn json_is_one_array_of_reports_in_input_order_with_path_first() {
    let dir = scratch();
    // Non-ASCII text before the finding: byte offsets and character columns differ.
    let blame = "Über-engineered café rollout — the requirements kept changing, so we missed the date. \
                 QA should have caught it. I learned that I must confirm the spec in writing.\n";
    write(dir.path(), "blame.md", blame);
    write(dir.path(), "error.md", ERROR);
    write(dir.path(), "good.md", GOOD);
    let run = starl(dir.path(), &["lint", "--format", "json", "good.md", "blame.md", "error.md"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stdout.trim_start().starts_with('[') && run.stdout.trim_end().ends_with(']'), "{run:?}");
    assert_eq!(run.stdout.matches("{\"path\":").count(), 3, "every report starts with its path: {run:?}");

    let reports = run.json();
    let reports = reports.as_array().unwrap();
    let paths: Vec<&str> = reports.iter().map(|r| r["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["good.md", "blame.md", "error.md"]);
    for r in reports {
        for key in ["words", "spoken_seconds", "score"] {
            assert!(r[key].is_u64(), "{key} in {r}");
        }
        for key in ["framework", "category"] {
            assert!(r[key].is_string(), "{key} in {r}");
        }
        for key in ["parts", "diagnostics", "strengths", "fits"] {
            assert!(r[key].is_array(), "{key} in {r}");
        }
        let themes = r["themes"].as_object().unwrap();
        let names: Vec<&str> = themes.keys().map(String::as_str).collect();
        assert_eq!(names.len(), 5);
        for t in ["ownership", "transparency", "learning", "resilience", "prevention"] {
            assert!(themes[t].as_u64().unwrap() <= 100);
        }
        for p in r["parts"].as_array().unwrap() {
            assert!(p["part"].is_string() && p["start"].is_u64() && p["end"].is_u64() && p["line"].is_u64());
        }
    }
    check_spans(GOOD, &reports[0]);
    check_spans(blame, &reports[1]);
    check_spans(ERROR, &reports[2]);
    let blame_diag = reports[1]["diagnostics"].as_array().unwrap().iter().find(|d| d["rule"] == "blame-shifting");
    assert!(blame_diag.is_some_and(|d| d["column"].as_u64() > Some(30)), "{:?}", reports[1]);
    let error_diags = &reports[2]["diagnostics"];
    assert!(error_diags.as_array().unwrap().iter().any(|d| d["rule"] == "no-learning" && d["start"].is_null()));
}

#[test]
fn json_with_no_readable_input_is_still_one_array() {
    let dir = scratch();
    let run = starl(dir.path(), &["lint", "--format", "json", "missing.md"]);
    assert_eq!(run.code, 2);
    assert_eq!(run.json(), serde_json::json!([]));
}

#[test]
fn short_format_is_one_line_per_finding() {
    let dir = scratch();
    write(dir.path(), "error.md", ERROR);
    write(dir.path(), "warn.md", warn_story());
    let json = starl(dir.path(), &["lint", "--format", "json", "error.md", "warn.md"]).json();
    let run = starl(dir.path(), &["lint", "--format", "short", "error.md", "warn.md"]);
    assert_eq!(run.code, 1, "{run:?}");

    let mut expected = Vec::new();
    for r in json.as_array().unwrap() {
        let path = r["path"].as_str().unwrap();
        for d in r["diagnostics"].as_array().unwrap() {
            let (severity, rule, message) =
                (d["severity"].as_str().unwrap(), d["rule"].as_str().unwrap(), d["message"].as_str().unwrap());
            expected.push(match d["line"].as_u64() {
                Some(line) => format!("{path}:{line}:{}: {severity}[{rule}] {message}", d["column"]),
                None => format!("{path}: {severity}[{rule}] {message}"),
            });
        }
    }
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines, expected);
    assert!(lines.iter().any(|l| l.starts_with("error.md:1:1: error[never-failed] ")), "{run:?}");
    assert!(lines.iter().any(|l| l.starts_with("error.md: error[no-learning] ")), "{run:?}");
    assert!(lines.iter().any(|l| l.starts_with("warn.md:") && l.contains(": warning[blame-shifting] ")), "{run:?}");
}

#[test]
fn human_output_annotates_the_excerpt_with_rule_and_help() {
    let dir = scratch();
    write(dir.path(), "warn.md", warn_story());
    let run = starl(dir.path(), &["lint", "warn.md"]);
    assert_eq!(run.code, 0, "warnings alone pass: {run:?}");
    let out = &run.stdout;
    assert!(out.contains("warning[blame-shifting]: An interviewer hears"), "{out}");
    assert!(out.contains("--> warn.md:"), "{out}");
    assert!(out.contains("| The requirements kept changing."), "the excerpt's line is quoted: {out}");
    assert!(out.contains("^^^^"), "the excerpt is underlined: {out}");
    assert!(out.contains("= help: Focus on your actions"), "{out}");
    // Strengths and the summary.
    assert!(out.contains("✓ owns-it"), "{out}");
    for field in ["score ", "themes", "ownership ", "prevention ", "length", "spoken (limit 3:00)"] {
        assert!(out.contains(field), "{field} missing: {out}");
    }
    assert!(out.contains("STAR-L"), "{out}");
    assert!(out.contains("Situation → Task → Action → Result → Learning"), "{out}");
    assert!(out.contains("category") && out.contains("fits"), "{out}");
    assert!(!out.contains('\u{1b}'), "no colour into a pipe: {out}");
}

#[test]
fn human_story_level_findings_name_the_file_without_a_snippet() {
    let dir = scratch();
    write(dir.path(), "error.md", ERROR);
    let run = starl(dir.path(), &["lint", "error.md", "--disable", "never-failed"]);
    let out = &run.stdout;
    let at = out.find("error[no-learning]").unwrap_or_else(|| panic!("{out}"));
    let block: Vec<&str> = out[at..].lines().take(3).collect();
    assert_eq!(block[1].trim(), "--> error.md", "{out}");
    assert!(block[2].trim().starts_with("= help: "), "{out}");
    assert!(!out.contains("never-failed"));
}

#[test]
fn human_quiet_and_verbose() {
    let dir = scratch();
    write(dir.path(), "warn.md", warn_story());
    let quiet = starl(dir.path(), &["lint", "-q", "warn.md"]);
    assert!(quiet.stdout.contains("warning[blame-shifting]"), "{quiet:?}");
    assert!(!quiet.stdout.contains("themes") && !quiet.stdout.contains('✓'), "{quiet:?}");

    let verbose = starl(dir.path(), &["lint", "-v", "warn.md"]);
    assert!(verbose.stderr.contains("configuration: none found"), "{verbose:?}");
    let part_lines = verbose.stdout.lines().filter(|l| l.trim_start().starts_with("Learning") && l.contains(" line "));
    assert_eq!(part_lines.count(), 1, "parts with their lines: {verbose:?}");
}

#[test]
fn several_files_end_with_totals() {
    let dir = scratch();
    write(dir.path(), "error.md", ERROR);
    write(dir.path(), "warn.md", warn_story());
    let run = starl(dir.path(), &["lint", "error.md", "warn.md"]);
    let json = starl(dir.path(), &["lint", "--format", "json", "error.md", "warn.md"]).json();
    let count = |sev: &str| {
        json.as_array()
            .unwrap()
            .iter()
            .flat_map(|r| r["diagnostics"].as_array().unwrap())
            .filter(|d| d["severity"] == sev)
            .count()
    };
    let plural = |n: usize, what: &str| match n {
        0 => None,
        1 => Some(format!("{n} {what}")),
        _ => Some(format!("{n} {what}s")),
    };
    let counts: Vec<String> = [("error", count("error")), ("warning", count("warning")), ("info", count("info"))]
        .into_iter()
        .filter_map(|(what, n)| plural(n, what))
        .collect();
    assert!(count("error") > 0 && count("warning") > 0);
    assert_eq!(run.stdout.lines().last().unwrap(), format!("2 stories checked: {}", counts.join(", ")));
}

#[test]
fn colour_follows_the_flag_and_the_environment() {
    let dir = scratch();
    write(dir.path(), "warn.md", warn_story());
    let has_escapes = |cmd: &mut std::process::Command| finish(cmd.output().unwrap()).stdout.contains("\u{1b}[");

    assert!(!has_escapes(&mut command(dir.path(), &["lint", "warn.md"])), "a pipe gets no colour");
    assert!(has_escapes(&mut command(dir.path(), &["lint", "--color", "always", "warn.md"])));
    assert!(has_escapes(&mut command(dir.path(), &["lint", "warn.md", "--color=always", "--format", "short"])));
    assert!(has_escapes(command(dir.path(), &["lint", "warn.md"]).env("CLICOLOR_FORCE", "1")));
    assert!(!has_escapes(command(dir.path(), &["lint", "warn.md"]).env("CLICOLOR_FORCE", "1").env("NO_COLOR", "1")));
    assert!(!has_escapes(command(dir.path(), &["lint", "--color", "never", "warn.md"]).env("CLICOLOR_FORCE", "1")));
    // JSON never carries escapes.
    assert!(!has_escapes(&mut command(dir.path(), &["lint", "--color", "always", "--format", "json", "warn.md"])));
}

#[test]
fn story_text_cannot_inject_terminal_escapes() {
    let dir = scratch();
    let story = format!(
        "{GOOD}\n\u{1b}]0;pwned\u{7} The requirements kept changing, \u{1b}[2J I admit. It was my mistake \u{1b}[5m entirely.\n"
    );
    write(dir.path(), "evil.md", story);
    // With colour forced on, only starl's own styles may reach the terminal.
    for format in ["human", "short"] {
        let run = starl(dir.path(), &["lint", "--color", "always", "--format", format, "evil.md"]);
        assert!(run.stdout.contains("\u{1b}["), "{run:?}");
        assert!(run.stdout.contains("blame-shifting"), "{run:?}");
        assert!(!run.stdout.contains("\u{1b}[2J") && !run.stdout.contains("\u{1b}]0;"), "{run:?}");
        assert!(!run.stdout.contains("\u{1b}[5m"), "{run:?}");
    }
}

#[test]
fn standard_input_is_dash() {
    let dir = scratch();
    let run = starl_stdin(dir.path(), &["lint", "--format", "json", "-"], warn_story().as_bytes());
    assert_eq!(run.code, 0, "{run:?}");
    let reports = run.json();
    assert_eq!(reports[0]["path"], "-");
    assert!(Run::rules_of(&reports[0]).contains(&"blame-shifting".to_owned()));

    let human = starl_stdin(dir.path(), &["lint", "-"], warn_story().as_bytes());
    assert!(human.stdout.contains("--> <stdin>:"), "{human:?}");
    let short = starl_stdin(dir.path(), &["lint", "--format", "short", "-"], warn_story().as_bytes());
    assert!(short.stdout.starts_with("<stdin>:"), "{short:?}");
}

#[test]
fn folders_are_walked_in_sorted_order_skipping_hidden_and_target() {
    let dir = scratch();
    let root = dir.path();
    // Backticks are code in Markdown, but plain words in a .txt transcript.
    let code = format!("{GOOD}\nThe rollout was `kind of` slow.\n");
    write(root, "stories/b.md", &code);
    write(root, "stories/a.txt", &code);
    write(root, "stories/sub/c.markdown", GOOD);
    write(root, "stories/sub/deeper/d.MD", GOOD);
    write(root, "stories/z.md", GOOD);
    write(root, "stories/notes.rst", GOOD);
    write(root, "stories/.drafts/x.md", GOOD);
    write(root, "stories/target/y.md", GOOD);
    write(root, "warn.md", warn_story());
    let run_ok = starl(root, &["lint", "--format", "json", "stories", "warn.md"]);
    assert_eq!(run_ok.code, 0, "{run_ok:?}");
    let paths: Vec<String> =
        run_ok.json().as_array().unwrap().iter().map(|r| r["path"].as_str().unwrap().to_owned()).collect();
    assert_eq!(
        paths,
        [
            "stories/a.txt",
            "stories/b.md",
            "stories/sub/c.markdown",
            "stories/sub/deeper/d.MD",
            "stories/z.md",
            "warn.md"
        ]
    );
    let reports = run_ok.json();
    assert!(Run::rules_of(&reports[0]).contains(&"hedging".to_owned()), ".txt is plain text: {:?}", reports[0]);
    assert!(!Run::rules_of(&reports[1]).contains(&"hedging".to_owned()), ".md skips code: {:?}", reports[1]);
    // A folder with no stories is worth a note, not a failure.
    std::fs::create_dir_all(root.join("empty")).unwrap();
    let empty = starl(root, &["lint", "--format", "json", "empty", "warn.md"]);
    assert_eq!(empty.code, 0, "{empty:?}");
    assert!(empty.stderr.contains("note: empty: no .md, .markdown or .txt files"), "{empty:?}");
    assert_eq!(empty.json().as_array().unwrap().len(), 1);
    // A folder given with a trailing slash, twice: reported twice, paths as found.
    let twice = starl(root, &["lint", "--format", "json", "stories/sub/", "stories/sub"]).json();
    let paths: Vec<&str> = twice.as_array().unwrap().iter().map(|r| r["path"].as_str().unwrap()).collect();
    assert_eq!(
        paths,
        ["stories/sub/c.markdown", "stories/sub/deeper/d.MD", "stories/sub/c.markdown", "stories/sub/deeper/d.MD"]
    );
}

#[test]
fn a_closed_pipe_ends_quietly() {
    use std::io::{BufRead, BufReader};
    let dir = scratch();
    for i in 0..200 {
        write(dir.path(), &format!("s/{i:03}.md"), warn_story());
    }
    for format in ["human", "json", "short"] {
        let mut child = command(dir.path(), &["lint", "--format", format, "s"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
        assert!(!first.is_empty());
        // The reader is dropped here: starl's next writes fail with a broken pipe.
        let run = finish(child.wait_with_output().unwrap());
        assert_eq!(run.code, 0, "{format}: {run:?}");
        assert!(run.stderr.is_empty(), "{format}: {run:?}");
    }
}
