//! The server: the lifecycle (initialize, shutdown, exit), the open documents, and the loop that
//! drains every message that has arrived before it analyses, so that a burst of edits gives one
//! analysis of the latest text.

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use lsp_server::{ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::{
    CodeActionKind, CodeActionOptions, CodeActionParams, CodeActionProviderCapability, CodeLensOptions, CodeLensParams,
    DidChangeTextDocumentParams, DidChangeWatchedFilesParams, DidChangeWatchedFilesRegistrationOptions,
    DidCloseTextDocumentParams, DidOpenTextDocumentParams, ExecuteCommandOptions, ExecuteCommandParams,
    FileSystemWatcher, GlobPattern, HoverParams, HoverProviderCapability, InitializeParams, InitializeResult,
    LogMessageParams, MessageType, PublishDiagnosticsParams, Registration, RegistrationParams, ServerCapabilities,
    ServerInfo, ShowMessageParams, TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions, Url,
};
use serde::de::DeserializeOwned;
use starl_analyzer::{Analyzer, Report, Syntax};

use crate::config::Configs;
use crate::features::{View, SHOW_SUMMARY};
use crate::position::{Encoding, LineIndex};
use crate::render;
use crate::transport::Incoming;

/// How long the input must be quiet before dirty documents are analysed: a burst of edits
/// arriving together is analysed once.
const QUIET: Duration = Duration::from_millis(25);
/// The longest a dirty document waits under a continuous stream of messages.
const MAX_DELAY: Duration = Duration::from_millis(250);

/// How the session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// `exit` after `shutdown`: exit code 0.
    Clean,
    /// `exit` without `shutdown`, or the input closed: exit code 1.
    Unclean,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Uninitialized,
    Running,
    ShuttingDown,
}

struct Analysis {
    report: Report,
    analyzer: Arc<Analyzer>,
}

struct Doc {
    text: String,
    index: LineIndex,
    version: i32,
    syntax: Syntax,
    /// The folder configuration is discovered from (file:// documents only).
    folder: Option<PathBuf>,
    /// The analysis of `text`; `None` while dirty.
    analysis: Option<Analysis>,
}

type Reply = Result<serde_json::Value, (ErrorCode, String)>;

pub struct Server {
    out: Sender<Message>,
    state: State,
    enc: Encoding,
    docs: HashMap<Url, Doc>,
    /// Documents whose text changed since they were last analysed, oldest first.
    dirty: Vec<Url>,
    dirty_since: Option<Instant>,
    configs: Configs,
    watch_config: bool,
    next_id: i32,
}

impl Server {
    pub fn new(out: Sender<Message>) -> Server {
        Server {
            out,
            state: State::Uninitialized,
            enc: Encoding::default(),
            docs: HashMap::new(),
            dirty: Vec::new(),
            dirty_since: None,
            configs: Configs::default(),
            watch_config: false,
            next_id: 0,
        }
    }

    /// Serve until `exit` or the end of the input.
    pub fn run(mut self, input: &Receiver<Incoming>) -> Outcome {
        loop {
            let next = match self.dirty_since {
                None => input.recv().map_err(|_| RecvTimeoutError::Disconnected),
                Some(since) if since.elapsed() >= MAX_DELAY => Err(RecvTimeoutError::Timeout),
                Some(since) => input.recv_timeout(QUIET.min(MAX_DELAY - since.elapsed())),
            };
            match next {
                Ok(incoming) => {
                    if let Some(outcome) = self.handle_guarded(incoming) {
                        return outcome;
                    }
                }
                Err(RecvTimeoutError::Timeout) => self.analyse_dirty(),
                Err(RecvTimeoutError::Disconnected) => return Outcome::Unclean,
            }
        }
    }

    /// Handle one message; a panic (a bug) is reported and answered, never the end of the server.
    fn handle_guarded(&mut self, incoming: Incoming) -> Option<Outcome> {
        let request = match &incoming {
            Incoming::Message(Message::Request(r)) => Some((r.id.clone(), r.method.clone())),
            _ => None,
        };
        match catch_unwind(AssertUnwindSafe(|| self.handle(incoming))) {
            Ok(outcome) => outcome,
            Err(panic) => {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                self.log(MessageType::ERROR, format!("starl: internal error: {what}"));
                if let Some((id, method)) = request {
                    self.respond(id, Err((ErrorCode::InternalError, format!("{method} failed: {what}"))));
                }
                None
            }
        }
    }

    fn handle(&mut self, incoming: Incoming) -> Option<Outcome> {
        match incoming {
            Incoming::Malformed { id: Some(id), error } => {
                self.respond(id, Err((ErrorCode::InvalidRequest, error)));
                None
            }
            Incoming::Malformed { id: None, error } => {
                self.log(MessageType::ERROR, format!("starl: ignored a message: {error}"));
                None
            }
            Incoming::Message(Message::Request(req)) => {
                self.on_request(req);
                None
            }
            Incoming::Message(Message::Notification(n)) => self.on_notification(n),
            Incoming::Message(Message::Response(r)) => {
                if let Err(e) = r.response_result {
                    self.log(
                        MessageType::WARNING,
                        format!("starl: the client refused request {}: {}", r.id, e.message),
                    );
                }
                None
            }
        }
    }

    // ---- output ----

    fn send(&self, m: impl Into<Message>) {
        // The writer is gone only when the client has gone; nothing to tell anyone then.
        let _ = self.out.send(m.into());
    }

    fn respond(&self, id: RequestId, reply: Reply) {
        self.send(match reply {
            Ok(v) => Response::new_ok(id, v),
            Err((code, message)) => Response::new_err(id, code as i32, message),
        });
    }

    fn notify(&self, method: &str, params: impl serde::Serialize) {
        self.send(Notification::new(method.to_owned(), params));
    }

    fn log(&self, typ: MessageType, message: String) {
        self.notify("window/logMessage", LogMessageParams { typ, message });
    }

    fn show(&self, typ: MessageType, message: String) {
        self.notify("window/showMessage", ShowMessageParams { typ, message });
    }

    fn request(&mut self, method: &str, params: impl serde::Serialize) {
        self.next_id += 1;
        let id = RequestId::from(format!("starl/{}", self.next_id));
        self.send(Request::new(id, method.to_owned(), params));
    }

    // ---- requests ----

    fn on_request(&mut self, req: Request) {
        match (self.state, req.method.as_str()) {
            (State::Uninitialized, "initialize") => {
                let reply = params(req.params).and_then(|p| self.initialize(p));
                self.respond(req.id, reply);
            }
            (State::Uninitialized, _) => {
                self.respond(req.id, Err((ErrorCode::ServerNotInitialized, "the server is not initialized".into())))
            }
            (State::ShuttingDown, _) => {
                self.respond(req.id, Err((ErrorCode::InvalidRequest, "the server is shutting down".into())))
            }
            (State::Running, "initialize") => {
                self.respond(req.id, Err((ErrorCode::InvalidRequest, "the server is already initialized".into())))
            }
            (State::Running, "shutdown") => {
                self.state = State::ShuttingDown;
                self.dirty.clear();
                self.dirty_since = None;
                self.respond(req.id, Ok(serde_json::Value::Null));
            }
            (State::Running, method) => {
                let reply = match method {
                    "textDocument/hover" => params(req.params).and_then(|p| self.hover(p)),
                    "textDocument/codeAction" => params(req.params).and_then(|p| self.code_action(p)),
                    "textDocument/codeLens" => params(req.params).and_then(|p| self.code_lens(p)),
                    "workspace/executeCommand" => params(req.params).and_then(|p| self.execute_command(p)),
                    _ => Err((ErrorCode::MethodNotFound, format!("starl does not handle `{method}`"))),
                };
                self.respond(req.id, reply);
            }
        }
    }

    fn initialize(&mut self, p: InitializeParams) -> Reply {
        let caps = &p.capabilities;
        self.enc = Encoding::negotiate(caps.general.as_ref().and_then(|g| g.position_encodings.as_deref()));
        self.watch_config = caps
            .workspace
            .as_ref()
            .and_then(|w| w.did_change_watched_files)
            .and_then(|d| d.dynamic_registration)
            .unwrap_or(false);
        self.state = State::Running;
        let capabilities = ServerCapabilities {
            position_encoding: Some(self.enc.kind()),
            text_document_sync: Some(TextDocumentSyncCapability::Options(TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::FULL),
                ..Default::default()
            })),
            hover_provider: Some(HoverProviderCapability::Simple(true)),
            code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
                code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
                resolve_provider: Some(false),
                ..Default::default()
            })),
            code_lens_provider: Some(CodeLensOptions { resolve_provider: Some(false) }),
            execute_command_provider: Some(ExecuteCommandOptions {
                commands: vec![SHOW_SUMMARY.to_owned()],
                ..Default::default()
            }),
            ..Default::default()
        };
        to_value(InitializeResult {
            capabilities,
            server_info: Some(ServerInfo { name: "starl".into(), version: Some(env!("CARGO_PKG_VERSION").into()) }),
        })
    }

    /// The analysed document, analysing it first if it changed (requests see the latest text).
    fn view(&mut self, uri: &Url) -> Option<View<'_>> {
        if self.docs.get(uri)?.analysis.is_none() {
            self.analyse(uri);
        }
        let enc = self.enc;
        let doc = self.docs.get(uri)?;
        let a = doc.analysis.as_ref()?;
        Some(View { text: &doc.text, index: &doc.index, report: &a.report, rules: a.analyzer.rules(), enc })
    }

    fn hover(&mut self, p: HoverParams) -> Reply {
        let pos = p.text_document_position_params;
        let hover = self.view(&pos.text_document.uri).and_then(|v| v.hover(pos.position));
        to_value(hover)
    }

    fn code_action(&mut self, p: CodeActionParams) -> Reply {
        let uri = p.text_document.uri;
        let only = p.context.only;
        let actions = self.view(&uri).map(|v| v.code_actions(&uri, p.range, only.as_deref())).unwrap_or_default();
        to_value(actions)
    }

    fn code_lens(&mut self, p: CodeLensParams) -> Reply {
        let uri = p.text_document.uri;
        to_value(self.view(&uri).map(|v| v.code_lens(&uri)).unwrap_or_default())
    }

    fn execute_command(&mut self, p: ExecuteCommandParams) -> Reply {
        if p.command != SHOW_SUMMARY {
            return Err((ErrorCode::InvalidParams, format!("unknown command `{}`", p.command)));
        }
        let uri = p
            .arguments
            .first()
            .and_then(|a| a.as_str())
            .and_then(|s| Url::parse(s).ok())
            .ok_or((ErrorCode::InvalidParams, format!("{SHOW_SUMMARY} takes a document URI")))?;
        let Some(v) = self.view(&uri) else {
            return Err((ErrorCode::InvalidParams, format!("{uri} is not open")));
        };
        let themes: Vec<String> = v.report.themes.iter().iter().map(|(t, n)| format!("{t} {n}")).collect();
        let text = format!("{} · themes: {}", render::summary_line(v.rules, v.report), themes.join(", "));
        self.show(MessageType::INFO, text);
        Ok(serde_json::Value::Null)
    }

    // ---- notifications ----

    fn on_notification(&mut self, n: Notification) -> Option<Outcome> {
        match (self.state, n.method.as_str()) {
            (State::ShuttingDown, "exit") => return Some(Outcome::Clean),
            (_, "exit") => return Some(Outcome::Unclean),
            (State::Running, _) => {}
            // Before initialize and after shutdown, notifications are dropped.
            _ => return None,
        }
        let result = match n.method.as_str() {
            "initialized" => {
                self.register_config_watcher();
                Ok(())
            }
            "textDocument/didOpen" => params(n.params).map(|p| self.did_open(p)),
            "textDocument/didChange" => params(n.params).map(|p| self.did_change(p)),
            "textDocument/didClose" => params(n.params).map(|p| self.did_close(p)),
            "workspace/didChangeWatchedFiles" => params(n.params).map(|p| self.did_change_watched_files(p)),
            // Everything else, `$/cancelRequest` and `textDocument/didSave` included, needs nothing.
            _ => Ok(()),
        };
        if let Err((_, e)) = result {
            self.log(MessageType::ERROR, format!("starl: ignored `{}`: {e}", n.method));
        }
        None
    }

    fn register_config_watcher(&mut self) {
        if !self.watch_config {
            return;
        }
        let watchers = starl_config::FILE_NAMES
            .iter()
            .map(|name| FileSystemWatcher { glob_pattern: GlobPattern::String(format!("**/{name}")), kind: None })
            .collect();
        let options = DidChangeWatchedFilesRegistrationOptions { watchers };
        self.request(
            "client/registerCapability",
            RegistrationParams {
                registrations: vec![Registration {
                    id: "starl-config-files".into(),
                    method: "workspace/didChangeWatchedFiles".into(),
                    register_options: serde_json::to_value(options).ok(),
                }],
            },
        );
    }

    fn did_open(&mut self, p: DidOpenTextDocumentParams) {
        let d = p.text_document;
        let folder = d.uri.to_file_path().ok().and_then(|p| p.parent().map(PathBuf::from));
        if let Some(f) = &folder {
            // A starl.toml may have appeared since this folder was last seen.
            self.configs.rediscover(f);
        }
        let doc = Doc {
            index: LineIndex::new(&d.text),
            text: d.text,
            version: d.version,
            syntax: syntax(&d.language_id, &d.uri),
            folder,
            analysis: None,
        };
        self.docs.insert(d.uri.clone(), doc);
        self.mark_dirty(d.uri);
    }

    fn did_change(&mut self, p: DidChangeTextDocumentParams) {
        let uri = p.text_document.uri;
        let enc = self.enc;
        let Some(doc) = self.docs.get_mut(&uri) else {
            self.log(MessageType::WARNING, format!("starl: ignored a change to {uri}, which is not open"));
            return;
        };
        for change in p.content_changes {
            match change.range {
                None => doc.text = change.text,
                // Incremental changes are not asked for, but cost nothing to apply.
                Some(range) => {
                    let (s, e) = doc.index.offsets(&doc.text, range, enc);
                    doc.text.replace_range(s..e, &change.text);
                }
            }
            doc.index = LineIndex::new(&doc.text);
        }
        doc.version = p.text_document.version;
        doc.analysis = None;
        self.mark_dirty(uri);
    }

    fn did_close(&mut self, p: DidCloseTextDocumentParams) {
        let uri = p.text_document.uri;
        self.docs.remove(&uri);
        self.dirty.retain(|u| *u != uri);
        self.notify(
            "textDocument/publishDiagnostics",
            PublishDiagnosticsParams { uri, diagnostics: Vec::new(), version: None },
        );
    }

    fn did_change_watched_files(&mut self, p: DidChangeWatchedFilesParams) {
        let paths: Vec<PathBuf> = p.changes.iter().filter_map(|c| c.uri.to_file_path().ok()).collect();
        self.configs.changed(&paths);
        let uris: Vec<Url> = self.docs.keys().cloned().collect();
        for uri in uris {
            if let Some(d) = self.docs.get_mut(&uri) {
                d.analysis = None;
            }
            self.mark_dirty(uri);
        }
    }

    // ---- analysis ----

    fn mark_dirty(&mut self, uri: Url) {
        if !self.dirty.contains(&uri) {
            self.dirty.push(uri);
        }
        self.dirty_since.get_or_insert_with(Instant::now);
    }

    fn analyse_dirty(&mut self) {
        self.dirty_since = None;
        for uri in std::mem::take(&mut self.dirty) {
            self.analyse(&uri);
        }
    }

    /// Analyse the current text of a document and publish its diagnostics.
    fn analyse(&mut self, uri: &Url) {
        self.dirty.retain(|u| u != uri);
        if self.dirty.is_empty() {
            self.dirty_since = None;
        }
        let Some(doc) = self.docs.get_mut(uri) else { return };
        let resolved = self.configs.resolve(doc.folder.as_deref());
        let report = resolved.analyzer.analyze_as(&doc.text, doc.syntax);
        let analysis = Analysis { report, analyzer: resolved.analyzer };
        let view = View {
            text: &doc.text,
            index: &doc.index,
            report: &analysis.report,
            rules: analysis.analyzer.rules(),
            enc: self.enc,
        };
        let diagnostics = view.diagnostics();
        let version = Some(doc.version);
        doc.analysis = Some(analysis);
        if let Some(problem) = resolved.problem {
            self.show(MessageType::ERROR, problem);
        }
        self.notify(
            "textDocument/publishDiagnostics",
            PublishDiagnosticsParams { uri: uri.clone(), diagnostics, version },
        );
    }
}

fn params<P: DeserializeOwned>(v: serde_json::Value) -> Result<P, (ErrorCode, String)> {
    serde_json::from_value(v).map_err(|e| (ErrorCode::InvalidParams, format!("invalid params: {e}")))
}

fn to_value(v: impl serde::Serialize) -> Reply {
    serde_json::to_value(v).map_err(|e| (ErrorCode::InternalError, e.to_string()))
}

/// Markdown for Markdown documents (by language id, or extension), plain text for the rest.
fn syntax(language_id: &str, uri: &Url) -> Syntax {
    let id = language_id.to_ascii_lowercase();
    let markdown_ext =
        uri.path_segments().and_then(|mut s| s.next_back()).and_then(|name| name.rsplit_once('.')).is_some_and(
            |(_, ext)| matches!(ext.to_ascii_lowercase().as_str(), "md" | "markdown" | "mdown" | "mkd" | "mdx"),
        );
    match id.as_str() {
        "markdown" | "md" | "mdx" | "quarto" | "rmd" => Syntax::Markdown,
        "plaintext" | "text" | "txt" => Syntax::Plain,
        _ if markdown_ext => Syntax::Markdown,
        _ => Syntax::Plain,
    }
}
