//! The wire: `Content-Length` framed JSON-RPC over a byte stream, one thread reading and one
//! writing, as `lsp_server::Connection::stdio` does, but forgiving.
//!
//! `lsp_server`'s own reader thread stops at the first malformed message, which ends the server.
//! A language server must outlive a bad message, so this reader reports it (with the request id
//! when one can be read, so that it can be answered) and goes on with the next frame. It also
//! queues messages without bound, so that the server can drain everything that has arrived
//! before it analyses, and only the latest text of a document is analysed.

use std::io::{self, BufRead, Read, Write};
use std::thread;

use crossbeam_channel::{Receiver, Sender};
use lsp_server::{Message, RequestId};

/// The largest message body accepted; larger ones are skipped (and reported).
const MAX_BODY: usize = 64 << 20;

/// What the reader thread hands to the server.
#[derive(Debug)]
pub enum Incoming {
    Message(Message),
    /// A frame that is not a JSON-RPC message. `id` is set when it looks like a request whose id
    /// could be read, so that it can be answered with an error.
    Malformed {
        id: Option<RequestId>,
        error: String,
    },
}

/// Both ends of the server's connection.
pub struct Transport {
    pub sender: Sender<Message>,
    pub receiver: Receiver<Incoming>,
    writer: thread::JoinHandle<io::Result<()>>,
}

impl Transport {
    /// Standard input and output.
    pub fn stdio() -> Transport {
        Transport::new(|| io::stdin().lock(), || io::stdout().lock())
    }

    /// Any reader and writer (made on their threads, so that they need not be `Send`).
    pub fn new<R, W>(
        reader: impl FnOnce() -> R + Send + 'static,
        writer: impl FnOnce() -> W + Send + 'static,
    ) -> Transport
    where
        R: BufRead,
        W: Write,
    {
        let (in_tx, in_rx) = crossbeam_channel::unbounded::<Incoming>();
        let (out_tx, out_rx) = crossbeam_channel::unbounded::<Message>();
        thread::Builder::new()
            .name("starl-lsp-reader".into())
            .spawn(move || read_loop(&mut reader(), &in_tx))
            .expect("spawn the reader thread");
        let writer = thread::Builder::new()
            .name("starl-lsp-writer".into())
            .spawn(move || {
                let mut w = writer();
                for msg in out_rx {
                    msg.write(&mut w)?;
                }
                w.flush()
            })
            .expect("spawn the writer thread");
        Transport { sender: out_tx, receiver: in_rx, writer }
    }

    /// Drop the sending end and wait until every message sent has been written.
    /// The reader thread is left alone: it may be blocked reading a stream nobody will close.
    pub fn finish(self) -> io::Result<()> {
        drop(self.sender);
        self.writer.join().unwrap_or_else(|_| Err(io::Error::other("the writer thread panicked")))
    }
}

fn read_loop(r: &mut impl BufRead, tx: &Sender<Incoming>) {
    loop {
        let incoming = match read_frame(r) {
            Ok(Frame::Eof) | Err(_) => return,
            Ok(Frame::Bad(error)) => Incoming::Malformed { id: None, error },
            Ok(Frame::Body(body)) => parse(&body),
        };
        let exit = matches!(&incoming, Incoming::Message(Message::Notification(n)) if n.method == "exit");
        if tx.send(incoming).is_err() || exit {
            return;
        }
    }
}

fn parse(body: &[u8]) -> Incoming {
    match serde_json::from_slice::<Message>(body) {
        Ok(m) => Incoming::Message(m),
        Err(e) => {
            let value = serde_json::from_slice::<serde_json::Value>(body).ok();
            let id = value
                .as_ref()
                .filter(|v| v.get("method").is_some())
                .and_then(|v| v.get("id"))
                .and_then(|id| serde_json::from_value::<RequestId>(id.clone()).ok());
            let what = if value.is_some() { "not a JSON-RPC message" } else { "malformed JSON" };
            Incoming::Malformed { id, error: format!("{what}: {e}") }
        }
    }
}

#[derive(Debug, PartialEq)]
enum Frame {
    Body(Vec<u8>),
    Bad(String),
    Eof,
}

/// One frame: headers, a blank line, then `Content-Length` bytes. Lines may end in `\r\n` (as
/// the protocol says) or `\n`; headers other than `Content-Length` are ignored.
fn read_frame(r: &mut impl BufRead) -> io::Result<Frame> {
    let mut length: Option<usize> = None;
    let mut seen_header = false;
    let mut line = Vec::new();
    loop {
        line.clear();
        if r.read_until(b'\n', &mut line)? == 0 {
            return Ok(Frame::Eof);
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        if text.is_empty() {
            if !seen_header {
                continue; // stray blank line between messages
            }
            break;
        }
        let Some((name, value)) = text.split_once(':') else {
            return Ok(Frame::Bad(format!("malformed header line {:?}", truncate(text))));
        };
        seen_header = true;
        if name.trim().eq_ignore_ascii_case("content-length") {
            match value.trim().parse::<usize>() {
                Ok(n) => length = Some(n),
                Err(_) => return Ok(Frame::Bad(format!("bad Content-Length {:?}", truncate(value)))),
            }
        }
    }
    let Some(n) = length else { return Ok(Frame::Bad("a message without Content-Length".into())) };
    if n > MAX_BODY {
        io::copy(&mut r.take(n as u64), &mut io::sink())?;
        return Ok(Frame::Bad(format!("a message of {n} bytes (more than {MAX_BODY}) was skipped")));
    }
    let mut body = vec![0; n];
    match r.read_exact(&mut body) {
        Ok(()) => Ok(Frame::Body(body)),
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(Frame::Eof),
        Err(e) => Err(e),
    }
}

fn truncate(s: &str) -> &str {
    match s.char_indices().nth(80) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(input: &str) -> Vec<Frame> {
        let mut r = io::Cursor::new(input.as_bytes().to_vec());
        let mut out = Vec::new();
        loop {
            match read_frame(&mut r).unwrap() {
                Frame::Eof => return out,
                f => out.push(f),
            }
        }
    }

    fn framed(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    #[test]
    fn reads_frames_and_survives_bad_ones() {
        let input = format!(
            "{}garbage line\r\n\r\n{}Content-Length: x\r\n\r\n{}",
            framed("{\"a\":1}"),
            framed("{}"),
            format_args!("Content-Type: utf-8\nContent-Length: 2\n\n[]")
        );
        let f = frames(&input);
        assert_eq!(f[0], Frame::Body(b"{\"a\":1}".to_vec()));
        assert!(matches!(&f[1], Frame::Bad(e) if e.contains("garbage")), "{f:?}");
        assert_eq!(f[2], Frame::Body(b"{}".to_vec()));
        assert!(matches!(&f[3], Frame::Bad(e) if e.contains("Content-Length")), "{f:?}");
        assert_eq!(f[4], Frame::Body(b"[]".to_vec()));
        assert_eq!(f.len(), 5);
    }

    #[test]
    fn truncated_body_is_the_end() {
        assert_eq!(frames("Content-Length: 10\r\n\r\n{}"), vec![]);
    }

    #[test]
    fn malformed_requests_keep_their_id() {
        match parse(br#"{"jsonrpc":"2.0","id":7,"method":3}"#) {
            Incoming::Malformed { id: Some(id), .. } => assert_eq!(id, RequestId::from(7)),
            other => panic!("{other:?}"),
        }
        assert!(matches!(parse(b"{not json"), Incoming::Malformed { id: None, .. }));
        assert!(matches!(parse(br#"{"jsonrpc":"2.0","method":"x"}"#), Incoming::Message(Message::Notification(_))));
    }
}
