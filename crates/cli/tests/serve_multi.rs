//! `starl serve --multi-user` through the real binary: configuration from `STARL_` variables,
//! `/healthz`, JSON logs on standard error, and a clean stop on SIGTERM.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Duration;

fn get(addr: &str, path: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

#[cfg(unix)]
#[test]
fn serves_accounts_from_environment_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    run_against(&format!("sqlite:{}", dir.path().join("server.db").display()), dir.path());
    // PostgreSQL too (its pool must close cleanly at the stop) when a server is named.
    match std::env::var("STARL_TEST_DATABASE_URL").ok().filter(|u| !u.is_empty()) {
        Some(url) => {
            let db = starl_store_postgres::PgDatabase::scratch(&url).unwrap();
            run_against(db.scratch_url().unwrap(), dir.path());
        }
        None => eprintln!("skipped the PostgreSQL half: set STARL_TEST_DATABASE_URL=postgres://..."),
    }
}

#[cfg(unix)]
fn run_against(database: &str, dir: &std::path::Path) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_starl"))
        .args(["serve", "--port", "0"])
        .env("STARL_MULTI_USER", "true")
        .env("STARL_DATABASE_URL", database)
        .env("STARL_LOG_FORMAT", "json")
        .env("XDG_CONFIG_HOME", dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_owned();
    assert!(line.contains("multi-user"), "{line}");

    let health = get(&addr, "/healthz");
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    let journal = get(&addr, "/api/entries");
    assert!(journal.starts_with("HTTP/1.1 401"), "the journal needs a login: {journal}");

    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let code = child.wait().unwrap();
    let mut logs = String::new();
    child.stderr.take().unwrap().read_to_string(&mut logs).unwrap();
    assert!(code.success(), "{database}: {code:?}\n{logs}");
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    assert!(rest.contains("stopped"), "{rest}");
    let lines: Vec<serde_json::Value> =
        logs.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"))).collect();
    assert!(lines.iter().any(|l| l["fields"]["route"] == "/healthz" && l["fields"]["status"] == 200), "{logs}");
    assert!(lines.iter().any(|l| l["fields"]["message"] == "stopped: requests in flight finished"), "{logs}");
}
