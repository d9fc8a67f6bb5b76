//! The stdio transport: `lsp-server`'s [`Connection`] over stdin and stdout, with a
//! reader that survives bad input. lsp-server's own stdio reader stops at the first
//! frame that is not a JSON-RPC message, which would end the server; this one reads the
//! `Content-Length` frames itself, hands each body to lsp-server's [`Message`] parser,
//! and answers one that does not parse with an error response (when it has an id) or a
//! line on stderr, then reads on. Writing is lsp-server's [`Message::write`].

use crossbeam_channel::{Sender, bounded, unbounded};
use lsp_server::{Connection, ErrorCode, Message, RequestId, Response};
use std::io::{BufRead, Read, Write};
use std::thread::JoinHandle;

/// The largest message body read (a whole 100,000-line buffer is a few megabytes).
const MAX_BODY: usize = 256 << 20;

/// The transport's threads, to join at the end.
pub struct Threads {
    reader: JoinHandle<()>,
    writer: JoinHandle<()>,
}

impl Threads {
    /// Waits for the writer to flush what was sent. The reader is left to end with
    /// stdin: after `exit` it stops by itself.
    pub fn join(self) {
        let _ = self.writer.join();
        drop(self.reader);
    }
}

/// A connection over stdin and stdout.
pub fn stdio() -> std::io::Result<(Connection, Threads)> {
    let (to_client, outgoing) = unbounded::<Message>();
    let (incoming, from_client) = bounded::<Message>(64);
    let writer = std::thread::Builder::new()
        .name("lsp-writer".into())
        .spawn(move || {
            let mut out = std::io::stdout().lock();
            for msg in outgoing {
                if msg.write(&mut out).and_then(|()| out.flush()).is_err() {
                    break;
                }
            }
        })?;
    let errors = to_client.clone();
    let reader = std::thread::Builder::new()
        .name("lsp-reader".into())
        .spawn(move || {
            let mut input = std::io::stdin().lock();
            while let Some(body) = read_frame(&mut input) {
                let Some(body) = body else { continue };
                match serde_json::from_slice::<Message>(&body) {
                    Ok(msg) => {
                        let exit = matches!(&msg, Message::Notification(n) if n.method == "exit");
                        if incoming.send(msg).is_err() || exit {
                            break;
                        }
                    }
                    Err(e) => refuse(&errors, &body, &e.to_string()),
                }
            }
        })?;
    let conn = Connection {
        sender: to_client,
        receiver: from_client,
    };
    Ok((conn, Threads { reader, writer }))
}

/// Answers a body that is not a message: an error response if it has an id.
fn refuse(errors: &Sender<Message>, body: &[u8], why: &str) {
    let id = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| match v.get("id")? {
            serde_json::Value::Number(n) => n
                .as_i64()
                .and_then(|n| i32::try_from(n).ok())
                .map(RequestId::from),
            serde_json::Value::String(s) => Some(RequestId::from(s.clone())),
            _ => None,
        });
    match id {
        Some(id) => {
            let code = ErrorCode::InvalidRequest as i32;
            let _ = errors
                .send(Response::new_err(id, code, format!("not a valid request: {why}")).into());
        }
        None => eprintln!("explainer lsp: ignored a message that is not JSON-RPC: {why}"),
    }
}

/// The next frame's body: `None` at the end of the input, `Some(None)` for a frame that
/// could not be read whole (skipped).
fn read_frame(input: &mut impl BufRead) -> Option<Option<Vec<u8>>> {
    let mut length = None;
    let mut any = false;
    loop {
        let mut header = Vec::new();
        if input.read_until(b'\n', &mut header).ok()? == 0 {
            return if any { Some(None) } else { None };
        }
        any = true;
        let header = String::from_utf8_lossy(&header);
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.trim().eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse::<usize>().ok();
        }
    }
    let Some(length) = length else {
        eprintln!("explainer lsp: a message without a Content-Length was skipped");
        return Some(None);
    };
    if length > MAX_BODY {
        let skipped = std::io::copy(&mut input.take(length as u64), &mut std::io::sink()).ok()?;
        eprintln!("explainer lsp: a message of {skipped} bytes was too long and skipped");
        return Some(None);
    }
    let mut body = vec![0; length];
    input.read_exact(&mut body).ok()?;
    Some(Some(body))
}
