//! `starl lsp`, driven as an editor drives it: the real binary, JSON-RPC with `Content-Length`
//! framing over its standard input and output. Every read has a timeout, so a hang fails the
//! test instead of blocking it.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const TIMEOUT: Duration = Duration::from_secs(30);

/// A minimal LSP client around a running `starl lsp`.
struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    rx: mpsc::Receiver<Value>,
    /// Messages read but not yet asked for, in order.
    backlog: Vec<Value>,
    /// Every message received, in order.
    seen: Vec<Value>,
    next_id: i64,
    /// Where the documents live; also the user's configuration folder, so that none leaks in.
    dir: tempfile::TempDir,
}

fn frame(body: &str) -> Vec<u8> {
    format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

fn read_message(r: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':')?;
        if name.eq_ignore_ascii_case("content-length") {
            length = value.trim().parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    r.read_exact(&mut body).ok()?;
    Some(serde_json::from_slice(&body).expect("the server writes JSON"))
}

impl Client {
    fn start() -> Client {
        let dir = tempfile::tempdir().unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_starl"))
            .arg("lsp")
            .env("XDG_CONFIG_HOME", dir.path().join("xdg"))
            .env("HOME", dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start starl lsp");
        let stdin = child.stdin.take();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            while let Some(m) = read_message(&mut stdout) {
                if tx.send(m).is_err() {
                    break;
                }
            }
        });
        Client { child, stdin, rx, backlog: Vec::new(), seen: Vec::new(), next_id: 0, dir }
    }

    /// Start and initialize; `utf8` offers the UTF-8 position encoding (with UTF-16).
    fn initialized(utf8: bool) -> Client {
        let mut c = Client::start();
        let r = c.initialize(utf8, false);
        let expected = if utf8 { "utf-8" } else { "utf-16" };
        assert_eq!(r["capabilities"]["positionEncoding"], expected, "{r}");
        c
    }

    fn initialize(&mut self, utf8: bool, watch: bool) -> Value {
        let encodings = if utf8 { json!(["utf-8", "utf-16"]) } else { json!(["utf-16"]) };
        let r = self.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": null,
                "capabilities": {
                    "general": { "positionEncodings": encodings },
                    "workspace": { "didChangeWatchedFiles": { "dynamicRegistration": watch } },
                    "textDocument": { "publishDiagnostics": { "versionSupport": true } },
                },
            }),
        );
        self.notify("initialized", json!({}));
        r["result"].clone()
    }

    fn write(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        stdin.write_all(bytes).unwrap();
        stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        let body = json!({ "jsonrpc": "2.0", "method": method, "params": params }).to_string();
        self.write(&frame(&body));
    }

    fn send_request(&mut self, method: &str, params: Value) -> i64 {
        self.next_id += 1;
        let body = json!({ "jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params }).to_string();
        self.write(&frame(&body));
        self.next_id
    }

    /// Send a request and wait for its response (the whole response message).
    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.send_request(method, params);
        self.response(id)
    }

    fn response(&mut self, id: i64) -> Value {
        self.wait_for(&format!("the response to request {id}"), |m| m["id"] == id && m.get("method").is_none())
    }

    /// The first message (from the backlog, then the server) that satisfies `pred`; the others
    /// stay in the backlog.
    fn wait_for(&mut self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.backlog.iter().position(&pred) {
            return self.backlog.remove(i);
        }
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let m = match self.rx.recv_timeout(left) {
                Ok(m) => m,
                Err(_) => panic!("timed out waiting for {what}; received: {:#?}", self.seen),
            };
            self.seen.push(m.clone());
            if pred(&m) {
                return m;
            }
            self.backlog.push(m);
        }
    }

    /// The next diagnostics published for `uri` with `version`.
    fn diagnostics(&mut self, uri: &str, version: i64) -> Vec<Value> {
        let m = self.wait_for(&format!("diagnostics of {uri} v{version}"), |m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && m["params"]["version"] == version
        });
        m["params"]["diagnostics"].as_array().unwrap().clone()
    }

    fn uri(&self, name: &str) -> String {
        file_uri(&self.dir.path().join(name))
    }

    fn open(&mut self, name: &str, language: &str, text: &str) -> String {
        let uri = self.uri(name);
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": language, "version": 1, "text": text } }),
        );
        uri
    }

    fn change(&mut self, uri: &str, version: i64, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": [{ "text": text }] }),
        );
    }

    fn hover(&mut self, uri: &str, pos: Value) -> Value {
        self.request("textDocument/hover", json!({ "textDocument": { "uri": uri }, "position": pos }))["result"].clone()
    }

    fn code_actions(&mut self, uri: &str, range: Value) -> Vec<Value> {
        let r = self.request(
            "textDocument/codeAction",
            json!({ "textDocument": { "uri": uri }, "range": range, "context": { "diagnostics": [] } }),
        );
        r["result"].as_array().unwrap_or_else(|| panic!("{r}")).clone()
    }

    fn shutdown_and_exit(mut self) -> ExitStatus {
        let r = self.request("shutdown", Value::Null);
        assert!(r.get("error").is_none(), "{r}");
        self.notify("exit", Value::Null);
        self.wait()
    }

    fn wait(&mut self) -> ExitStatus {
        drop(self.stdin.take());
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "starl lsp did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn file_uri(p: &Path) -> String {
    let mut s = String::from("file://");
    for b in p.to_str().unwrap().bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => s.push(b as char),
            _ => s.push_str(&format!("%{b:02X}")),
        }
    }
    s
}

/// The LSP position of byte `offset` of `text`, computed independently of the server: columns in
/// UTF-16 code units (or bytes with `utf8`).
fn pos(text: &str, offset: usize, utf8: bool) -> Value {
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = if utf8 { offset - line_start } else { text[line_start..offset].encode_utf16().count() };
    json!({ "line": line, "character": col })
}

fn range(text: &str, start: usize, end: usize, utf8: bool) -> Value {
    json!({ "start": pos(text, start, utf8), "end": pos(text, end, utf8) })
}

/// The byte offset of an LSP position (UTF-16 columns).
fn offset(text: &str, p: &Value) -> usize {
    let line = p["line"].as_u64().unwrap() as usize;
    let col = p["character"].as_u64().unwrap() as usize;
    let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
    let mut units = 0;
    for (i, c) in text[start..].char_indices() {
        if units >= col {
            return start + i;
        }
        units += c.len_utf16();
    }
    text.len()
}

fn apply(text: &str, edit: &Value) -> String {
    let s = offset(text, &edit["range"]["start"]);
    let e = offset(text, &edit["range"]["end"]);
    format!("{}{}{}", &text[..s], edit["newText"].as_str().unwrap(), &text[e..])
}

fn codes(diags: &[Value]) -> Vec<&str> {
    diags.iter().map(|d| d["code"].as_str().unwrap()).collect()
}

fn find<'a>(diags: &'a [Value], code: &str) -> &'a Value {
    diags.iter().find(|d| d["code"] == code).unwrap_or_else(|| panic!("no {code} in {diags:#?}"))
}

/// The only edit of a code action, on `uri`.
fn only_edit<'a>(action: &'a Value, uri: &str) -> &'a Value {
    let edits = action["edit"]["changes"][uri].as_array().unwrap_or_else(|| panic!("{action}"));
    assert_eq!(edits.len(), 1, "{action}");
    &edits[0]
}

fn action<'a>(actions: &'a [Value], title: &str) -> &'a Value {
    actions.iter().find(|a| a["title"] == title).unwrap_or_else(|| panic!("no `{title}` in {actions:#?}"))
}

const STORY: &str = "😀 Ünïcode 日本語 story\n\nMistakes were made, and we kind of noticed it late.\n";

#[test]
fn a_burst_of_changes_publishes_diagnostics_for_the_latest_text_only() {
    let mut c = Client::initialized(false);
    let uri = c.open("story.md", "markdown", "Mistakes were made.\n");
    // Five quick edits in one write, as fast typing gives; only the last one matters.
    let versions = [
        "Mistakes were made. We kind of\n",
        "Mistakes were made. We kind of noticed\n",
        "Mistakes were made. We kind of noticed it.\n",
        "Mistakes were made.\nWe kind of noticed it.\n",
    ];
    let last = "日本 😀 café\nWe kind of noticed it. I fixed it.\n";
    let mut burst = Vec::new();
    for (i, text) in versions.iter().chain([&last]).enumerate() {
        let body = json!({
            "jsonrpc": "2.0",
            "method": "textDocument/didChange",
            "params": { "textDocument": { "uri": uri, "version": i + 2 }, "contentChanges": [{ "text": text }] },
        });
        burst.extend(frame(&body.to_string()));
    }
    c.write(&burst);
    let diags = c.diagnostics(&uri, 6);

    // Nothing of the earlier texts: the passive voice is gone.
    assert!(!codes(&diags).contains(&"evasive-passive"), "{diags:#?}");
    let hedge = find(&diags, "hedging");
    let s = last.find("kind of").unwrap();
    assert_eq!(hedge["range"], range(last, s, s + "kind of".len(), false));
    assert_eq!(hedge["range"]["start"], json!({ "line": 1, "character": 3 }));
    assert_eq!(hedge["severity"], 3, "info -> Information");
    assert_eq!(hedge["source"], "starl");
    let message = hedge["message"].as_str().unwrap();
    let (said, help) = message.split_once('\n').expect("message, then help on a new line");
    assert!(said.contains("hedge"), "{message}");
    assert!(help.contains("Drop the hedge"), "{message}");

    // Findings about the story as a whole sit on the first line, whole.
    let first_line_len = "日本 😀 café".encode_utf16().count();
    let story = find(&diags, "too-short");
    assert_eq!(
        story["range"],
        json!({ "start": { "line": 0, "character": 0 }, "end": { "line": 0, "character": first_line_len } })
    );
    assert_eq!(find(&diags, "no-learning")["severity"], 1, "error -> Error");

    // The burst was coalesced rather than analysed change by change.
    let r = c.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri }, "position": { "line": 5, "character": 0 } }),
    );
    assert!(r.get("error").is_none(), "{r}");
    let published: Vec<i64> = c
        .seen
        .iter()
        .filter(|m| m["method"] == "textDocument/publishDiagnostics")
        .map(|m| m["params"]["version"].as_i64().unwrap())
        .collect();
    assert_eq!(published.last(), Some(&6), "{published:?}");
    assert!(published.iter().filter(|&&v| v > 1).count() < 5, "each edit was analysed: {published:?}");
}

#[test]
fn positions_are_utf16_or_utf8_as_negotiated() {
    let crlf = STORY.replace('\n', "\r\n");
    for utf8 in [false, true] {
        let mut c = Client::initialized(utf8);
        for (name, text) in [("lf.md", STORY), ("crlf.md", crlf.as_str())] {
            let uri = c.open(name, "markdown", text);
            let diags = c.diagnostics(&uri, 1);
            let s = text.find("Mistakes").unwrap();
            assert_eq!(find(&diags, "evasive-passive")["range"], range(text, s, s + "Mistakes were made".len(), utf8));
            let s = text.find("kind of").unwrap();
            assert_eq!(find(&diags, "hedging")["range"], range(text, s, s + "kind of".len(), utf8));
            assert_eq!(find(&diags, "hedging")["range"]["start"]["line"], 2);
            let first = "😀 Ünïcode 日本語 story";
            let end = if utf8 { first.len() } else { first.encode_utf16().count() };
            assert_eq!(find(&diags, "too-short")["range"]["end"], json!({ "line": 0, "character": end }));
        }
        assert!(c.shutdown_and_exit().success());
    }
}

#[test]
fn hover_explains_the_rule_and_the_first_line_summarises_the_story() {
    let mut c = Client::initialized(false);
    let uri = c.open("story.md", "markdown", STORY);
    let diags = c.diagnostics(&uri, 1);
    let hedge_range = find(&diags, "hedging")["range"].clone();

    let s = STORY.find("kind of").unwrap() + 2; // inside the span, after the emoji and CJK
    let h = c.hover(&uri, pos(STORY, s, false));
    assert_eq!(h["contents"]["kind"], "markdown");
    let md = h["contents"]["value"].as_str().unwrap();
    for needle in [
        "`hedging`",
        "Vague softening words",
        "Why it matters",
        "What an interviewer hears",
        "What to do instead",
        "We kind of noticed it after a while",
        "I noticed the relevance drop",
    ] {
        assert!(md.contains(needle), "{needle} not in\n{md}");
    }
    assert_eq!(h["range"], hedge_range);

    let h = c.hover(&uri, json!({ "line": 0, "character": 3 }));
    let md = h["contents"]["value"].as_str().unwrap();
    for needle in [
        "score",
        "/100",
        "ownership",
        "transparency",
        "learning",
        "resilience",
        "prevention",
        "Spoken:",
        "0:0",
        "words",
        "Framework:",
        "Parts found:",
        "too-short",
    ] {
        assert!(md.contains(needle), "{needle} not in\n{md}");
    }

    // Words nobody flagged, past the end of a line, past the end of the document: nothing.
    assert_eq!(c.hover(&uri, pos(STORY, STORY.find("late").unwrap(), false)), Value::Null);
    assert_eq!(c.hover(&uri, json!({ "line": 2, "character": 500 })), Value::Null);
    assert_eq!(c.hover(&uri, json!({ "line": 90, "character": 0 })), Value::Null);
}

#[test]
fn code_actions_rewrite_and_disable_on_non_ascii_text() {
    let mut c = Client::initialized(false);
    let uri = c.open("story.md", "markdown", STORY);
    let diags = c.diagnostics(&uri, 1);

    // The hedge: deleted, with its space.
    let hedge = find(&diags, "hedging")["range"].clone();
    let actions = c.code_actions(&uri, json!({ "start": hedge["start"], "end": hedge["start"] }));
    let delete = action(&actions, "Delete “kind of”");
    assert_eq!(delete["kind"], "quickfix");
    assert_eq!(delete["isPreferred"], true);
    assert_eq!(delete["diagnostics"][0]["code"], "hedging");
    let edit = only_edit(delete, &uri);
    let s = STORY.find("kind of").unwrap();
    assert_eq!(edit["range"], range(STORY, s, s + "kind of ".len(), false));
    assert_eq!(apply(STORY, edit), STORY.replace("we kind of noticed", "we noticed"));

    // The passive: rewritten in the first person.
    let passive = find(&diags, "evasive-passive")["range"].clone();
    let actions = c.code_actions(&uri, passive);
    let rewrite = action(&actions, "Replace “Mistakes were made” with “I made mistakes”");
    assert_eq!(apply(STORY, only_edit(rewrite, &uri)), STORY.replace("Mistakes were made", "I made mistakes"));

    // Disable: a comment on a new first line; once applied, the rule is silent.
    let disable = action(&actions, "Disable evasive-passive in this story");
    let edit = only_edit(disable, &uri);
    assert_eq!(edit["range"], json!({ "start": { "line": 0, "character": 0 }, "end": { "line": 0, "character": 0 } }));
    assert_eq!(edit["newText"], "<!-- starl-disable evasive-passive -->\n");
    let fixed = apply(STORY, edit);
    c.change(&uri, 2, &fixed);
    let diags = c.diagnostics(&uri, 2);
    assert!(!codes(&diags).contains(&"evasive-passive"), "{diags:#?}");
    assert!(codes(&diags).contains(&"hedging"));

    // Story-level findings are on the first line: disabling them is offered there.
    let actions =
        c.code_actions(&uri, json!({ "start": { "line": 0, "character": 1 }, "end": { "line": 0, "character": 1 } }));
    action(&actions, "Disable too-short in this story");
    // Only quick fixes are offered, and only when asked for.
    let r = c.request(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": uri }, "range": hedge, "context": { "diagnostics": [], "only": ["refactor"] } }),
    );
    assert_eq!(r["result"], json!([]));
}

#[test]
fn disable_goes_after_front_matter() {
    let mut c = Client::initialized(false);
    let text = "---\ntitle: \"Ünïcode 😀\"\n---\n## Situation\nWe kind of noticed it.\n";
    let uri = c.open("fm.md", "markdown", text);
    let diags = c.diagnostics(&uri, 1);
    let hedge = find(&diags, "hedging")["range"].clone();
    let actions = c.code_actions(&uri, hedge);
    let edit = only_edit(action(&actions, "Disable hedging in this story"), &uri);
    assert_eq!(edit["range"]["start"], json!({ "line": 3, "character": 0 }));
    let fixed = apply(text, edit);
    assert!(
        fixed.starts_with("---\ntitle: \"Ünïcode 😀\"\n---\n<!-- starl-disable hedging -->\n## Situation\n"),
        "{fixed}"
    );
    c.change(&uri, 2, &fixed);
    assert!(!codes(&c.diagnostics(&uri, 2)).contains(&"hedging"));
}

#[test]
fn plain_text_documents_and_the_summary_lens() {
    let mut c = Client::initialized(true);
    let uri = c.open("story.txt", "plaintext", "Mistakes were made.\nI learned to <b>test</b> backups.\n");
    let diags = c.diagnostics(&uri, 1);
    assert_eq!(find(&diags, "evasive-passive")["range"]["start"], json!({ "line": 0, "character": 0 }));

    let r = c.request("textDocument/codeLens", json!({ "textDocument": { "uri": uri } }));
    let lens = &r["result"][0];
    assert_eq!(lens["range"]["start"], json!({ "line": 0, "character": 0 }));
    let title = lens["command"]["title"].as_str().unwrap();
    assert!(title.contains("score") && title.contains("words") && title.contains("spoken"), "{title}");
    let command = lens["command"].clone();
    let r = c.request(
        "workspace/executeCommand",
        json!({ "command": command["command"], "arguments": command["arguments"] }),
    );
    assert!(r.get("error").is_none(), "{r}");
    let m = c.wait_for("the summary message", |m| m["method"] == "window/showMessage");
    assert!(m["params"]["message"].as_str().unwrap().contains("themes: ownership"), "{m}");
}

#[test]
fn bad_input_is_answered_or_logged_and_the_server_goes_on() {
    let mut c = Client::initialized(false);
    let uri = c.open("story.md", "markdown", STORY);
    c.diagnostics(&uri, 1);

    // Not JSON: logged.
    c.write(&frame("{this is not json"));
    let log = c.wait_for("a log of the bad message", |m| m["method"] == "window/logMessage");
    assert!(log["params"]["message"].as_str().unwrap().contains("malformed JSON"), "{log}");
    // A broken header line, and a frame without Content-Length: skipped.
    c.write(b"Garbage without a colon\r\n\r\nX-Other: 1\r\n\r\n");
    // A request whose shape is wrong: answered with an error.
    c.write(&frame(r#"{"jsonrpc":"2.0","id":99,"method":42}"#));
    let r = c.response(99);
    assert_eq!(r["error"]["code"], -32600, "{r}");
    // An unknown request: MethodNotFound; an unknown notification: ignored.
    let r = c.request("starl/unknown", json!({}));
    assert_eq!(r["error"]["code"], -32601, "{r}");
    c.notify("$/unknownNotification", json!({ "x": 1 }));
    // Known methods with bad params.
    let r = c.request("textDocument/hover", json!({ "nonsense": true }));
    assert_eq!(r["error"]["code"], -32602, "{r}");
    c.notify("textDocument/didOpen", json!({ "textDocument": 5 }));
    // A change to a document that is not open: logged, not a crash.
    c.change(&c.uri("never-opened.md"), 3, "We kind of did.");
    let log = c.wait_for("a log of the change", |m| {
        m["method"] == "window/logMessage" && m["params"]["message"].as_str().unwrap().contains("not open")
    });
    assert_eq!(log["params"]["type"], 2);
    // A hover on a document that is not open: nothing.
    assert_eq!(c.hover(&c.uri("never-opened.md"), json!({ "line": 0, "character": 0 })), Value::Null);

    // The open document is still served.
    let s = STORY.find("kind of").unwrap();
    let h = c.hover(&uri, pos(STORY, s, false));
    assert!(h["contents"]["value"].as_str().unwrap().contains("hedging"), "{h}");
    c.change(&uri, 2, "We kind of noticed.");
    assert!(codes(&c.diagnostics(&uri, 2)).contains(&"hedging"));
    assert!(c.shutdown_and_exit().success());
}

#[test]
fn starl_toml_is_found_from_the_document_folder_and_reloaded_when_it_changes() {
    let mut c = Client::initialized(false);
    // A folder name that must be percent-encoded in the URI.
    let folder = c.dir.path().join("my stories ü");
    std::fs::create_dir_all(&folder).unwrap();
    let config = folder.join("starl.toml");
    std::fs::write(&config, "disable = [\"hedging\"]\n").unwrap();
    let uri = c.open("my stories ü/story.md", "markdown", STORY);
    let diags = c.diagnostics(&uri, 1);
    assert!(!codes(&diags).contains(&"hedging"), "{diags:#?}");
    assert!(codes(&diags).contains(&"evasive-passive"));

    // Changed on disk; the client watches nothing: the next analysis notices all the same.
    std::fs::write(&config, "disable = [\"evasive-passive\"]  # changed\n").unwrap();
    c.change(&uri, 2, STORY);
    let diags = c.diagnostics(&uri, 2);
    assert!(codes(&diags).contains(&"hedging"), "{diags:#?}");
    assert!(!codes(&diags).contains(&"evasive-passive"), "{diags:#?}");

    // A document elsewhere has the defaults.
    let other = c.open("story.md", "markdown", STORY);
    let diags = c.diagnostics(&other, 1);
    assert!(codes(&diags).contains(&"hedging") && codes(&diags).contains(&"evasive-passive"));
}

#[test]
fn watched_config_files_are_registered_and_reanalyse_open_documents() {
    let mut c = Client::start();
    c.initialize(false, true);
    let reg = c.wait_for("client/registerCapability", |m| m["method"] == "client/registerCapability");
    let r = &reg["params"]["registrations"][0];
    assert_eq!(r["method"], "workspace/didChangeWatchedFiles");
    let globs: Vec<&str> = r["registerOptions"]["watchers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["globPattern"].as_str().unwrap())
        .collect();
    assert!(globs.contains(&"**/starl.toml"), "{globs:?}");
    let answer = json!({ "jsonrpc": "2.0", "id": reg["id"], "result": null }).to_string();
    c.write(&frame(&answer));

    let config = c.dir.path().join("starl.toml");
    std::fs::write(&config, "disable = [\"hedging\"]\n").unwrap();
    let uri = c.open("story.md", "markdown", STORY);
    assert!(!codes(&c.diagnostics(&uri, 1)).contains(&"hedging"));
    std::fs::remove_file(&config).unwrap();
    c.notify("workspace/didChangeWatchedFiles", json!({ "changes": [{ "uri": file_uri(&config), "type": 3 }] }));
    // Re-analysed without any edit.
    assert!(codes(&c.diagnostics(&uri, 1)).contains(&"hedging"));
}

#[test]
fn a_broken_starl_toml_is_shown_once_and_the_defaults_apply() {
    let mut c = Client::initialized(false);
    std::fs::write(c.dir.path().join("starl.toml"), "disable = [\"hedging\"\ncolour = true\n").unwrap();
    let uri = c.open("story.md", "markdown", STORY);
    let diags = c.diagnostics(&uri, 1);
    assert!(codes(&diags).contains(&"hedging"), "the defaults: {diags:#?}");
    let shown = c.wait_for("the error", |m| m["method"] == "window/showMessage");
    assert_eq!(shown["params"]["type"], 1);
    assert!(shown["params"]["message"].as_str().unwrap().contains("starl.toml"), "{shown}");

    c.change(&uri, 2, STORY);
    c.diagnostics(&uri, 2);
    let r = c.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri }, "position": { "line": 0, "character": 0 } }),
    );
    assert!(r["result"].is_object());
    let shown = c.seen.iter().filter(|m| m["method"] == "window/showMessage").count();
    assert_eq!(shown, 1, "shown once: {:#?}", c.seen);
}

#[test]
fn lifecycle_and_exit_codes() {
    // Requests before initialize are refused; the server waits for initialize.
    let mut c = Client::start();
    let r = c.request("textDocument/hover", json!({}));
    assert_eq!(r["error"]["code"], -32002, "{r}");
    c.initialize(false, false);
    let r = c.request("initialize", json!({ "capabilities": {} }));
    assert_eq!(r["error"]["code"], -32600, "a second initialize: {r}");
    let r = c.request("shutdown", Value::Null);
    assert_eq!(r["result"], Value::Null);
    let r = c.request("textDocument/hover", json!({}));
    assert_eq!(r["error"]["code"], -32600, "after shutdown: {r}");
    c.notify("exit", Value::Null);
    assert_eq!(c.wait().code(), Some(0));

    // exit without shutdown: 1.
    let mut c = Client::initialized(false);
    c.notify("exit", Value::Null);
    assert_eq!(c.wait().code(), Some(1));

    // The editor went away (end of input) without shutdown: 1.
    let mut c = Client::initialized(false);
    assert_eq!(c.wait().code(), Some(1));
}
