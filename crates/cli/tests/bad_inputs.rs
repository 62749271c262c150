//! Inputs that cannot be linted: each gets one line on standard error naming it, the exit status
//! is 2, and every other input is still reported.

mod common;

use common::*;

/// Lint `bad` between two good stories; return the run after checking what always holds.
fn lint_among_good(dir: &std::path::Path, bad: &str, extra: &[&str]) -> Run {
    write(dir, "a.md", GOOD);
    write(dir, "z.md", GOOD);
    let mut args = vec!["lint", "--format", "json"];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["a.md", bad, "z.md"]);
    let run = starl(dir, &args);
    assert_eq!(run.code, 2, "{run:?}");
    let paths: Vec<String> =
        run.json().as_array().unwrap().iter().map(|r| r["path"].as_str().unwrap().to_owned()).collect();
    assert_eq!(paths, ["a.md", "z.md"], "the other inputs are reported: {run:?}");
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line on stderr: {run:?}");
    assert!(lines[0].starts_with(&format!("error: {bad}: ")), "{run:?}");
    assert!(!run.stderr.contains("panicked"));
    run
}

#[test]
fn missing_file() {
    let dir = scratch();
    let run = lint_among_good(dir.path(), "nope.md", &[]);
    assert!(run.stderr.contains("nope.md: no such file or folder"), "{run:?}");
}

#[test]
fn invalid_utf8_names_the_offset_and_line_of_the_first_bad_byte() {
    let dir = scratch();
    let mut bytes = b"I was wrong.\nIt cost us \xe2\x82\xac200.\nThe caf".to_vec();
    let offset = bytes.len();
    bytes.extend_from_slice(b"\xe9 was closed.\n");
    write(dir.path(), "latin1.md", bytes);
    let run = lint_among_good(dir.path(), "latin1.md", &[]);
    assert!(run.stderr.contains(&format!("not valid UTF-8: first bad byte at offset {offset} (line 3)")), "{run:?}");
}

#[test]
fn binary_file() {
    let dir = scratch();
    write(dir.path(), "image.md", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR");
    let run = lint_among_good(dir.path(), "image.md", &[]);
    assert!(run.stderr.contains("binary file (NUL byte at offset 8)"), "{run:?}");
}

#[test]
fn empty_and_blank_files() {
    let dir = scratch();
    write(dir.path(), "empty.md", "");
    let run = lint_among_good(dir.path(), "empty.md", &[]);
    assert!(run.stderr.contains("empty.md: empty"), "{run:?}");
    write(dir.path(), "blank.md", " \n\t\n  \r\n");
    let run = lint_among_good(dir.path(), "blank.md", &[]);
    assert!(run.stderr.contains("blank.md: contains only whitespace"), "{run:?}");
}

#[test]
fn a_50_mb_file_is_refused_without_reading_it() {
    let dir = scratch();
    let line = "The requirements kept changing and I kind of panicked. ".repeat(20) + "\n";
    let big = line.repeat(50 * 1024 * 1024 / line.len() + 1);
    assert!(big.len() > 50 * 1024 * 1024);
    write(dir.path(), "huge.md", &big);
    drop(big);
    let started = std::time::Instant::now();
    let run = lint_among_good(dir.path(), "huge.md", &[]);
    assert!(run.stderr.contains("too large"), "{run:?}");
    assert!(run.stderr.contains("over the limit of 1048576 bytes"), "{run:?}");
    assert!(started.elapsed() < std::time::Duration::from_secs(20), "took {:?}", started.elapsed());
}

#[test]
fn max_size_sets_the_limit() {
    let dir = scratch();
    assert!(GOOD.len() < 2048);
    write(dir.path(), "long.md", GOOD.repeat(2));
    let run = lint_among_good(dir.path(), "long.md", &["--max-size", "2K"]);
    assert!(
        run.stderr.contains(&format!("too large: {} bytes, over the limit of 2048 bytes", 2 * GOOD.len())),
        "{run:?}"
    );
}

#[test]
fn standard_input_is_read_with_a_bound() {
    let dir = scratch();
    let endless = vec![b'a'; 4 * 1024 * 1024];
    let run = starl_stdin(dir.path(), &["lint", "--format", "json", "--max-size", "64K", "-"], &endless);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("error: -: too large: over the limit of 65536 bytes"), "{run:?}");
    assert_eq!(run.json(), serde_json::json!([]));

    let empty = starl_stdin(dir.path(), &["lint", "-"], b"");
    assert_eq!(empty.code, 2);
    assert!(empty.stderr.contains("-: empty"), "{empty:?}");
}

#[test]
fn unreadable_file() {
    let dir = scratch();
    let path = write(dir.path(), "secret.md", GOOD);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
    }
    if std::fs::read(&path).is_err() {
        let run = lint_among_good(dir.path(), "secret.md", &[]);
        assert!(run.stderr.contains("secret.md: permission denied"), "{run:?}");
    } else {
        // Running as root: permissions do not stop a read. A file whose read fails for another
        // reason shows the same handling.
        #[cfg(target_os = "linux")]
        {
            let run = lint_among_good(dir.path(), "/proc/self/mem", &[]);
            assert!(run.stderr.contains("/proc/self/mem: cannot read: "), "{run:?}");
        }
    }
}

#[test]
fn a_folder_is_walked_where_a_file_was_expected() {
    let dir = scratch();
    write(dir.path(), "stories/one.md", GOOD);
    write(dir.path(), "stories/two.txt", GOOD);
    let run = starl(dir.path(), &["lint", "--format", "json", "stories"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.json().as_array().unwrap().len(), 2);
}

#[test]
fn every_bad_input_at_once() {
    let dir = scratch();
    write(dir.path(), "good.md", GOOD);
    write(dir.path(), "empty.md", "");
    write(dir.path(), "bin.md", b"a\0b");
    write(dir.path(), "bad.md", b"\xff");
    let run = starl(dir.path(), &["lint", "empty.md", "good.md", "bin.md", "nope.md", "bad.md"]);
    assert_eq!(run.code, 2);
    assert_eq!(run.stderr.lines().count(), 4, "{run:?}");
    for name in ["empty.md", "bin.md", "nope.md", "bad.md"] {
        assert!(run.stderr.contains(&format!("error: {name}: ")), "{name}: {run:?}");
    }
    assert!(run.stdout.contains("good.md: score "), "{run:?}");
    assert!(run.stdout.contains("4 inputs could not be read"), "{run:?}");
}
