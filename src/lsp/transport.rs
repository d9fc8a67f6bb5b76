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
///
/// The reader resynchronises after any bad frame: a header block is the lines up to an
/// empty one, and the frame's length is taken from the last `Content-Length:` anywhere in
/// them, so the unread rest of a bad frame (a body after a length that did not parse, the
/// tail of a body longer than its length) is skipped as a header line and the next
/// frame's header is still found, even when it follows such a tail on the same line.
fn read_frame(input: &mut impl BufRead) -> Option<Option<Vec<u8>>> {
    let mut length = None;
    let mut garbled = false;
    loop {
        let mut line = Vec::new();
        if input.read_until(b'\n', &mut line).ok()? == 0 {
            return None;
        }
        let header = String::from_utf8_lossy(&line);
        let header = header.trim_end();
        if header.is_empty() {
            if length.is_some() || garbled {
                break;
            }
            // Blank lines between frames are not a frame.
            continue;
        }
        match content_length(header) {
            Some(Ok(n)) => {
                length = Some(n);
                garbled = false;
            }
            Some(Err(())) => {
                length = None;
                garbled = true;
            }
            None => {}
        }
    }
    let Some(length) = length else {
        eprintln!("explainer lsp: a message without a valid Content-Length was skipped");
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

/// The value of the last `Content-Length:` header in a line (matched without regard to
/// case, anywhere in the line): `None` when there is none, `Err` when its value is not a
/// length.
fn content_length(line: &str) -> Option<Result<usize, ()>> {
    const NAME: &str = "content-length:";
    let lower = line.to_ascii_lowercase();
    let at = lower.rfind(NAME)?;
    let value = line[at + NAME.len()..].trim();
    Some(value.parse::<usize>().map_err(|_| ()))
}

#[cfg(test)]
mod tests {
    use super::read_frame;

    /// Every frame the reader returns from `input`, skipped ones as `None`.
    fn frames(input: &[u8]) -> Vec<Option<String>> {
        let mut r = input;
        std::iter::from_fn(|| read_frame(&mut r))
            .map(|f| f.map(|b| String::from_utf8(b).unwrap()))
            .collect()
    }

    fn frame(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    #[test]
    fn reads_frames_one_after_another() {
        let input = format!("{}{}", frame("{\"a\":1}"), frame("{}"));
        let got = frames(input.as_bytes());
        assert_eq!(got, [Some("{\"a\":1}".into()), Some("{}".into())]);
    }

    #[test]
    fn finds_the_next_frame_after_a_bad_length() {
        let ok = frame("{\"id\":2}");
        for bad in [
            "Content-Length: abc\r\n\r\n{\"id\":1}".to_string(),
            "Content-Length: -5\r\n\r\n{\"id\":1}".to_string(),
            "Content-Le\r\n\r\n{\"id\":1}".to_string(),
            // A length shorter than the body: its tail runs into the next header.
            "Content-Length: 4\r\n\r\n{\"id\":1}".to_string(),
            // A header line cut short, with no blank line after it.
            "Content-Length: 1".to_string(),
        ] {
            let got = frames(format!("{bad}{ok}").as_bytes());
            assert_eq!(
                got.last(),
                Some(&Some("{\"id\":2}".to_string())),
                "after {bad:?}: {got:?}"
            );
        }
    }
}
