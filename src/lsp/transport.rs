//! The stdio transport in front of tower-lsp-server. tower-lsp-server 0.23 stops
//! reading its input at the first message it cannot decode (bad JSON, a batch, a frame
//! without `Content-Length`), which would end the session. So the raw input is framed
//! here first: a well-formed message goes on to the server, anything else is answered
//! with a JSON-RPC error (`-32700` parse error, `-32600` invalid request) written
//! between the server's own messages, and the session goes on.

use std::str::FromStr;

use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;
use tower_lsp_server::jsonrpc::{Request, Response};

/// Frames larger than this are skipped rather than buffered.
const MAX_FRAME: usize = 1 << 30;
/// A header block longer than this is junk.
const MAX_HEADER: usize = 8 * 1024;

/// What the framer found at the front of its buffer.
#[derive(Debug, PartialEq, Eq)]
pub enum Frame {
    /// One message's body.
    Message(Vec<u8>),
    /// Bytes that are no message (skipped up to where a header may start).
    Junk,
}

/// Splits a byte stream into LSP base-protocol frames (`Content-Length: N\r\n\r\n` and
/// N bytes), skipping junk between them.
#[derive(Default)]
pub struct Framer {
    buffer: Vec<u8>,
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w.eq_ignore_ascii_case(needle))
}

impl Framer {
    pub fn push(&mut self, bytes: &[u8]) {
        self.buffer.extend_from_slice(bytes);
    }

    /// The next frame, or `None` until more bytes arrive.
    pub fn next(&mut self) -> Option<Frame> {
        // Junk before the first header.
        let header = [find(&self.buffer, b"content-length"), find(&self.buffer, b"content-type")];
        match header.into_iter().flatten().min() {
            Some(0) => {}
            Some(at) => {
                self.buffer.drain(..at);
                return Some(Frame::Junk);
            }
            None => {
                // A header block without a known header, or too long a line of junk.
                if let Some(end) = find(&self.buffer, b"\r\n\r\n") {
                    self.buffer.drain(..end + 4);
                    return Some(Frame::Junk);
                }
                if self.buffer.len() > MAX_HEADER {
                    let keep = self.buffer.len() - "content-length".len();
                    self.buffer.drain(..keep);
                    return Some(Frame::Junk);
                }
                return None;
            }
        }
        let Some(end) = find(&self.buffer, b"\r\n\r\n") else {
            if self.buffer.len() > MAX_HEADER {
                self.buffer.drain(..1);
                return Some(Frame::Junk);
            }
            return None;
        };
        let header = String::from_utf8_lossy(&self.buffer[..end]).into_owned();
        let length = header.lines().find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.trim().eq_ignore_ascii_case("content-length").then(|| value.trim().parse::<usize>().ok())?
        });
        let Some(length) = length.filter(|&n| n <= MAX_FRAME) else {
            self.buffer.drain(..end + 4);
            return Some(Frame::Junk);
        };
        let start = end + 4;
        if self.buffer.len() < start + length {
            return None;
        }
        let body = self.buffer[start..start + length].to_vec();
        self.buffer.drain(..start + length);
        Some(Frame::Message(body))
    }
}

/// `Ok` for a message the server can decode, else the error response to send.
pub fn check(body: &[u8]) -> Result<(), Value> {
    let error = |code: i64, message: &str, id: Value| json!({ "jsonrpc": "2.0", "id": id, "error": { "code": code, "message": message } });
    let Ok(text) = std::str::from_utf8(body) else {
        return Err(error(-32700, "Parse error: the message is not UTF-8", Value::Null));
    };
    let value: Value = match serde_json::from_str(text) {
        Ok(value) => value,
        Err(e) => return Err(error(-32700, &format!("Parse error: {e}"), Value::Null)),
    };
    if Request::from_str(text).is_ok() || Response::from_str(text).is_ok() {
        return Ok(());
    }
    let id = match value.get("id") {
        Some(id @ (Value::Number(_) | Value::String(_))) => id.clone(),
        _ => Value::Null,
    };
    Err(error(-32600, "Invalid request: not a JSON-RPC 2.0 request, notification or response", id))
}

fn encode(body: &[u8]) -> Vec<u8> {
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body);
    out
}

/// Reads the client's bytes, passes each well-formed message to `server`, and sends
/// an error response for anything else to `errors`.
pub async fn filter(
    mut input: impl AsyncRead + Unpin,
    mut server: impl AsyncWrite + Unpin,
    errors: mpsc::UnboundedSender<Vec<u8>>,
) {
    let mut framer = Framer::default();
    let mut chunk = vec![0u8; 64 * 1024];
    let mut junk = false;
    loop {
        let read = match input.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        framer.push(&chunk[..read]);
        while let Some(frame) = framer.next() {
            match frame {
                // One error for each run of junk.
                Frame::Junk if !junk => {
                    junk = true;
                    let response = json!({ "jsonrpc": "2.0", "id": null,
                        "error": { "code": -32700, "message": "Parse error: bytes that are no LSP message were skipped" } });
                    let _ = errors.send(encode(response.to_string().as_bytes()));
                }
                Frame::Junk => {}
                Frame::Message(body) => {
                    junk = false;
                    match check(&body) {
                        Ok(()) => {
                            if server.write_all(&encode(&body)).await.is_err() {
                                return;
                            }
                        }
                        Err(response) => {
                            let _ = errors.send(encode(response.to_string().as_bytes()));
                        }
                    }
                }
            }
        }
    }
    let _ = server.shutdown().await;
}

/// Copies the server's messages to `output`, whole, with the error responses of
/// `filter` between them; ends when the server's output ends.
pub async fn merge(
    mut server: impl AsyncRead + Unpin,
    mut output: impl AsyncWrite + Unpin,
    mut errors: mpsc::UnboundedReceiver<Vec<u8>>,
) {
    let mut framer = Framer::default();
    let mut chunk = vec![0u8; 64 * 1024];
    let mut errors_open = true;
    loop {
        tokio::select! {
            read = server.read(&mut chunk) => {
                let n = match read {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                framer.push(&chunk[..n]);
                while let Some(frame) = framer.next() {
                    if let Frame::Message(body) = frame
                        && output.write_all(&encode(&body)).await.is_err()
                    {
                        return;
                    }
                }
                if output.flush().await.is_err() {
                    return;
                }
            }
            error = errors.recv(), if errors_open => match error {
                Some(bytes) => {
                    if output.write_all(&bytes).await.is_err() || output.flush().await.is_err() {
                        return;
                    }
                }
                None => errors_open = false,
            },
        }
    }
    let _ = output.flush().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_messages_and_skips_junk() {
        let mut framer = Framer::default();
        framer.push(b"garbage\r\nContent-Length: 2\r\n\r\n{}Content-Length: x\r\n\r\ncontent-length: 3\r\nContent-Type: a\r\n\r\n[1]");
        assert_eq!(framer.next(), Some(Frame::Junk));
        assert_eq!(framer.next(), Some(Frame::Message(b"{}".to_vec())));
        assert_eq!(framer.next(), Some(Frame::Junk));
        assert_eq!(framer.next(), Some(Frame::Message(b"[1]".to_vec())));
        assert_eq!(framer.next(), None);
        framer.push(b"Content-Length: 5\r\n\r\nab");
        assert_eq!(framer.next(), None);
        framer.push(b"cde");
        assert_eq!(framer.next(), Some(Frame::Message(b"abcde".to_vec())));
    }

    #[test]
    fn checks_messages_as_the_server_would() {
        assert!(check(br#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}"#).is_ok());
        assert!(check(br#"{"jsonrpc":"2.0","method":"exit"}"#).is_ok());
        assert!(check(br#"{"jsonrpc":"2.0","id":1,"result":null}"#).is_ok());
        let bad = |body: &[u8]| check(body).err().map(|e| (e["error"]["code"].clone(), e["id"].clone()));
        assert_eq!(bad(b"{ nope"), Some((json!(-32700), Value::Null)));
        assert_eq!(bad(b"\xff"), Some((json!(-32700), Value::Null)));
        assert_eq!(bad(b"[1, 2]"), Some((json!(-32600), Value::Null)));
        assert_eq!(bad(br#"{"id":4,"method":"x"}"#), Some((json!(-32600), json!(4))));
    }
}
