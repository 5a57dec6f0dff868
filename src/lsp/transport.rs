//! The stdio transport in front of tower-lsp-server. tower-lsp-server 0.23 stops
//! reading its input at the first message it cannot decode (bad JSON, a batch, a frame
//! without `Content-Length`), which would end the session. So the raw input is framed
//! here first: a well-formed message goes on to the server, anything else is answered
//! with a JSON-RPC error (`-32700` parse error, `-32600` invalid request) written
//! between the server's own messages, and the session goes on.
//!
//! Resynchronising relies on one fact: a `Content-Length: N` line ended by a raw line
//! break can never occur inside a JSON text (outside a string the name is not JSON;
//! inside one, a raw line break is not allowed). So such a line inside a header block
//! or a body means that what came before it was cut short, and reading starts again
//! there: a header or a `Content-Length` that lies costs one message, not the session.

use std::str::FromStr;

use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;
use tower_lsp_server::jsonrpc::{Request, Response};

/// Frames larger than this are skipped rather than buffered.
const MAX_FRAME: u64 = 1 << 30;
/// A header block longer than this is junk.
const MAX_HEADER: usize = 8 * 1024;
const NAME: &[u8] = b"content-length";

/// What the framer found at the front of its buffer.
#[derive(Debug, PartialEq, Eq)]
pub enum Frame {
    /// One message's body.
    Message(Vec<u8>),
    /// Bytes that are no message (skipped up to where a header may start).
    Junk,
    /// A header announcing more than `MAX_FRAME` bytes (the number as written): the
    /// header is dropped and what follows is skipped as junk, never buffered.
    TooLarge(String),
    /// A frame whose body was cut short by the next header: skipped up to that header.
    Truncated,
}

/// Splits a byte stream into LSP base-protocol frames (`Content-Length: N\r\n\r\n` and
/// N bytes), skipping junk between them.
#[derive(Default)]
pub struct Framer {
    buffer: Vec<u8>,
    /// Whether bodies are searched for a header that cuts them short: for the client's
    /// input, not for the server's own output.
    resync: bool,
    /// How far the body being received has been searched for a header line.
    scanned: usize,
}

/// Where `needle` (ASCII, matched without case) first occurs. Bodies are searched too,
/// so candidates are found with memchr rather than by comparing at every byte.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    let first = *needle.first()?;
    memchr::memchr2_iter(first.to_ascii_lowercase(), first.to_ascii_uppercase(), haystack)
        .find(|&i| haystack.get(i..i + needle.len()).is_some_and(|w| w.eq_ignore_ascii_case(needle)))
}

/// Where the first `Content-Length: <digits>\r\n` line starts in `bytes`.
fn header_line(bytes: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(found) = find(&bytes[from..], NAME) {
        let start = from + found;
        let mut rest = bytes[start + NAME.len()..].iter().skip_while(|b| matches!(b, b' ' | b'\t'));
        if rest.next() == Some(&b':') {
            let mut rest = rest.skip_while(|b| matches!(b, b' ' | b'\t')).peekable();
            let mut digits = 0;
            while rest.next_if(|b| b.is_ascii_digit()).is_some() {
                digits += 1;
            }
            if digits > 0 && rest.next() == Some(&b'\r') && rest.next() == Some(&b'\n') {
                return Some(start);
            }
        }
        from = start + 1;
    }
    None
}

impl Framer {
    /// A framer for what the client sends, which may lie.
    pub fn client() -> Framer {
        Framer { resync: true, ..Framer::default() }
    }

    pub fn push(&mut self, bytes: &[u8]) {
        self.buffer.extend_from_slice(bytes);
    }

    fn skip(&mut self, to: usize, frame: Frame) -> Option<Frame> {
        self.buffer.drain(..to);
        self.scanned = 0;
        Some(frame)
    }

    /// The next frame, or `None` until more bytes arrive.
    pub fn next(&mut self) -> Option<Frame> {
        // Junk before the first header (searched for only when no header starts the
        // buffer: a search through a buffer of many messages for each is quadratic).
        let starts = |name: &[u8]| self.buffer.get(..name.len()).is_some_and(|b| b.eq_ignore_ascii_case(name));
        let header = if starts(NAME) || starts(b"content-type") {
            Some(0)
        } else {
            [find(&self.buffer, NAME), find(&self.buffer, b"content-type")].into_iter().flatten().min()
        };
        match header {
            Some(0) => {}
            Some(at) => return self.skip(at, Frame::Junk),
            None => {
                // A header block without a known header, or too long a line of junk.
                if let Some(end) = find(&self.buffer, b"\r\n\r\n") {
                    return self.skip(end + 4, Frame::Junk);
                }
                if self.buffer.len() > MAX_HEADER {
                    return self.skip(self.buffer.len() - NAME.len(), Frame::Junk);
                }
                return None;
            }
        }
        let Some(end) = find(&self.buffer, b"\r\n\r\n") else {
            if self.buffer.len() > MAX_HEADER {
                return self.skip(1, Frame::Junk);
            }
            return None;
        };
        // A second `Content-Length` in one header block: the first header was cut short.
        let first = find(&self.buffer[..end], NAME);
        if let Some(again) = first.and_then(|f| find(&self.buffer[f + 1..end], NAME).map(|a| f + 1 + a)) {
            return self.skip(again, Frame::Junk);
        }
        let header = String::from_utf8_lossy(&self.buffer[..end]).into_owned();
        let value = header.lines().find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.trim().eq_ignore_ascii_case("content-length").then(|| value.trim().to_owned())
        });
        let start = end + 4;
        let length = match value {
            Some(v) if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) => match v.parse::<u64>() {
                Ok(n) if n <= MAX_FRAME => n as usize,
                _ => return self.skip(start, Frame::TooLarge(v)),
            },
            _ => return self.skip(start, Frame::Junk),
        };
        // The body so far, searched once for a header line that would cut it short.
        let available = self.buffer.len().min(start + length);
        let from = self.scanned.clamp(start, available);
        if self.resync
            && let Some(at) = header_line(&self.buffer[from..available])
        {
            return self.skip(from + at, Frame::Truncated);
        }
        if available < start + length {
            // A header line may straddle the end: search its possible start again.
            self.scanned = available.saturating_sub(64).max(start);
            return None;
        }
        let body = self.buffer[start..start + length].to_vec();
        self.skip(start + length, Frame::Message(body))
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
    // tower-lsp-server reads a message without `method` as a request for the method
    // `""`; JSON-RPC makes `method` a string that every request has.
    let method = value.get("method");
    let request = method.is_some_and(Value::is_string) && Request::from_str(text).is_ok();
    if request || (method.is_none() && Response::from_str(text).is_ok()) {
        return Ok(());
    }
    let id = match value.get("id") {
        Some(id @ (Value::Number(_) | Value::String(_))) => id.clone(),
        _ => Value::Null,
    };
    Err(error(-32600, "Invalid request: not a JSON-RPC 2.0 request, notification or response", id))
}

/// A `-32700` error with a null id, framed: the answer to bytes that are no message.
fn parse_error(what: &str) -> Vec<u8> {
    let response =
        json!({ "jsonrpc": "2.0", "id": null, "error": { "code": -32700, "message": format!("Parse error: {what}") } });
    encode(response.to_string().as_bytes())
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
    let mut framer = Framer::client();
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
                    let _ = errors.send(parse_error("bytes that are no LSP message were skipped"));
                }
                Frame::Junk => {}
                Frame::TooLarge(length) => {
                    junk = true;
                    let _ = errors.send(parse_error(&format!(
                        "a message of {length} bytes is over the limit of {MAX_FRAME} bytes: it was skipped"
                    )));
                }
                Frame::Truncated => {
                    junk = false;
                    let _ = errors.send(parse_error(
                        "a message shorter than its Content-Length (cut short by the next header) was skipped",
                    ));
                }
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
            // Errors first: an error for a message is then written before the answers to
            // the messages after it, since those reached the server after it was queued.
            biased;
            error = errors.recv(), if errors_open => match error {
                Some(bytes) => {
                    if output.write_all(&bytes).await.is_err() || output.flush().await.is_err() {
                        return;
                    }
                }
                None => errors_open = false,
            },
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
    fn resynchronises_after_lying_headers() {
        let mut framer = Framer::client();
        // A header cut short (no blank line, or no line break at all) before a real one.
        framer.push(b"Content-Length: 12\r\nContent-Length: 2\r\n\r\n{}Content-Length: 9Content-Length: 1\r\n\r\n1");
        assert_eq!(framer.next(), Some(Frame::Junk));
        assert_eq!(framer.next(), Some(Frame::Message(b"{}".to_vec())));
        assert_eq!(framer.next(), Some(Frame::Junk));
        assert_eq!(framer.next(), Some(Frame::Message(b"1".to_vec())));
        // Over the limit: refused at once, nothing buffered; the body is junk.
        framer.push(b"Content-Length: 1099511627776\r\n\r\n{\"id\":1}Content-Length: 2\r\n\r\n{}");
        assert_eq!(framer.next(), Some(Frame::TooLarge("1099511627776".to_owned())));
        assert_eq!(framer.next(), Some(Frame::Junk));
        assert_eq!(framer.next(), Some(Frame::Message(b"{}".to_vec())));
        framer.push(b"Content-Length: 99999999999999999999999\r\n\r\n");
        assert_eq!(framer.next(), Some(Frame::TooLarge("99999999999999999999999".to_owned())));
        // A length that lies: the next header ends the frame, whether it arrives in
        // pieces (the body never complete) or all at once (the body complete).
        framer.push(b"Content-Length: 100000\r\n\r\n{\"id\":1}Content-Len");
        assert_eq!(framer.next(), None);
        framer.push(b"gth: 2\r\n\r\n{}");
        assert_eq!(framer.next(), Some(Frame::Truncated));
        assert_eq!(framer.next(), Some(Frame::Message(b"{}".to_vec())));
        framer.push(b"Content-Length: 30\r\n\r\n{\"a\":Content-Length: 2\r\n\r\n{}");
        assert_eq!(framer.next(), Some(Frame::Truncated));
        assert_eq!(framer.next(), Some(Frame::Message(b"{}".to_vec())));
        // The name inside a JSON string is no header.
        let body = br#"{"text":"Content-Length: 5 and content-length:3"}"#;
        framer.push(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
        framer.push(body);
        assert_eq!(framer.next(), Some(Frame::Message(body.to_vec())));
        assert_eq!(framer.next(), None);
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
        assert_eq!(bad(br#"{"jsonrpc":"2.0","id":5,"params":{}}"#), Some((json!(-32600), json!(5))));
        assert_eq!(bad(br#"{"jsonrpc":"2.0","id":6,"method":null}"#), Some((json!(-32600), json!(6))));
    }
}
