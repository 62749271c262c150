//! The measuring helper (`starl-bench __run-child`): one line per run with exit code, peak RSS of
//! that child alone, and wall time.

use std::process::Command;

#[test]
fn helper_reports_each_run() {
    let dir = std::env::temp_dir().join(format!("starl-bench-helper-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let err = dir.join("stderr.txt");
    let out = Command::new(env!("CARGO_BIN_EXE_starl-bench"))
        .args(["__run-child", "3"])
        .arg(&err)
        .args(["sh", "-c", "echo oops >&2; exit 3"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<Vec<&str>> = text.lines().map(|l| l.split_whitespace().collect()).collect();
    assert_eq!(lines.len(), 3, "{text}");
    for l in &lines {
        assert_eq!(l[0], "3");
        let rss: u64 = l[1].parse().unwrap();
        // A shell's peak, not the test process's: well under 64 MB.
        assert!(rss > 0 && rss < 64 << 20, "{rss}");
        let wall_ns: u64 = l[2].parse().unwrap();
        assert!(wall_ns > 0);
    }
    assert_eq!(std::fs::read_to_string(&err).unwrap().trim(), "oops");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn helper_rejects_bad_arguments() {
    let out = Command::new(env!("CARGO_BIN_EXE_starl-bench")).args(["__run-child", "x"]).output().unwrap();
    assert!(!out.status.success());
}
