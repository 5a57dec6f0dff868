//! Speaking LSP to a server over stdio: messages framed with `Content-Length`, one JSON
//! value per message, both ways. Shared by the language server's tests and its
//! benchmark (`#[path]`).

use std::io::Read;
use std::sync::mpsc::Sender;

use serde_json::{Value, json};

/// A message body framed for the wire.
pub fn frame(body: &str) -> String {
    format!("Content-Length: {}\r\n\r\n{body}", body.len())
}

/// A JSON-RPC notification.
pub fn notification(method: &str, params: Value) -> Value {
    json!({ "jsonrpc": "2.0", "method": method, "params": params })
}

/// A JSON-RPC request.
pub fn request(id: i64, method: &str, params: Value) -> Value {
    json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params })
}

/// Reads frames from `stdout` until it closes, sending each message (or `Null` for a
/// body that is not JSON) to `tx`. Meant to run on its own thread.
pub fn read_frames(mut stdout: impl Read, tx: Sender<Value>) {
    let mut bytes = Vec::new();
    let mut chunk = vec![0u8; 1 << 16];
    while let Ok(n) = stdout.read(&mut chunk) {
        if n == 0 {
            return;
        }
        bytes.extend_from_slice(&chunk[..n]);
        while let Some(split) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
            let header = String::from_utf8_lossy(&bytes[..split]).into_owned();
            let length: usize = header
                .lines()
                .find_map(|l| l.strip_prefix("Content-Length: "))
                .and_then(|n| n.trim().parse().ok())
                .unwrap_or(0);
            if bytes.len() < split + 4 + length {
                break;
            }
            let body: Vec<u8> = bytes.drain(..split + 4 + length).skip(split + 4).collect();
            if tx.send(serde_json::from_slice(&body).unwrap_or(Value::Null)).is_err() {
                return;
            }
        }
    }
}
