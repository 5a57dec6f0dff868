//! `strata report --watch`: the report served on 127.0.0.1 and rebuilt when a `.strata`
//! file, a data file or `strata.toml` changes (issue 19 item 4). IO at the edge only:
//! a poll of the workspace (loaded again every half second; rebuilt only when the
//! loaded bytes differ), and a small HTTP/1.1 server that answers three requests and
//! nothing else: `GET /` (the report, with a script that reloads it when it changes),
//! `GET /version` (the report's generation) and `HEAD` of either. It binds to 127.0.0.1
//! only, answers only requests whose `Host` is that address (or `localhost` at its port,
//! so a web page cannot read the report by pointing its own name at 127.0.0.1: DNS
//! rebinding), reads at most 8 KiB of a request within 5 seconds, holds at most
//! `MAX_CONNECTIONS` at once, and serves no file from disk.

use std::hash::{BuildHasher as _, Hash as _, Hasher as _};
use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Connections answered at once; past this, a new one is closed unanswered.
const MAX_CONNECTIONS: usize = 32;

/// What is served: the generation (1 for the first report, then one more per rebuild)
/// and the page.
#[derive(Default)]
struct Served {
    generation: u64,
    page: String,
}

/// Serves what `build` makes on `127.0.0.1:port` (0: any free port), calling it again
/// every half second and publishing a new generation when the fingerprint it returns
/// changes. `build` returns the fingerprint of what it read and the page (or an error
/// message, shown as a page). Prints the address on stderr; returns only on a failure
/// to bind.
pub fn watch(port: u16, build: impl Fn(Option<u64>) -> Option<(u64, Result<String, String>)>) -> Result<(), String> {
    let listener =
        TcpListener::bind(("127.0.0.1", port)).map_err(|e| format!("cannot listen on 127.0.0.1:{port}: {e}"))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    let nonce = format!("{:016x}", std::collections::hash_map::RandomState::new().hash_one(address.port()));
    let served = Arc::new(Mutex::new(Served::default()));
    let mut last = None;
    publish(&served, &nonce, &mut last, &build);
    say(&format!("serving the report at http://{address}/ (rebuilt when a file changes; Ctrl-C stops)"));
    {
        let served = Arc::clone(&served);
        let open = Arc::new(AtomicUsize::new(0));
        let port = address.port();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                if open.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS {
                    open.fetch_sub(1, Ordering::SeqCst);
                    continue; // dropped: closed unanswered
                }
                let (served, open) = (Arc::clone(&served), Arc::clone(&open));
                std::thread::spawn(move || {
                    answer(stream, port, &served);
                    open.fetch_sub(1, Ordering::SeqCst);
                });
            }
        });
    }
    loop {
        std::thread::sleep(Duration::from_millis(500));
        publish(&served, &nonce, &mut last, &build);
    }
}

/// Builds again when what was read changed, and publishes the new page.
fn publish(
    served: &Mutex<Served>,
    nonce: &str,
    last: &mut Option<u64>,
    build: &impl Fn(Option<u64>) -> Option<(u64, Result<String, String>)>,
) {
    let Some((fingerprint, page)) = build(*last) else { return };
    *last = Some(fingerprint);
    let mut served = served.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    served.generation += 1;
    let page = match page {
        Ok(html) => html,
        Err(message) => error_page(&message),
    };
    served.page = live(&page, served.generation, nonce);
    let generation = served.generation;
    drop(served);
    if generation > 1 {
        say(&format!("rebuilt the report (generation {generation})"));
    }
}

/// A line on stderr; a closed stderr does not stop the server.
fn say(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// A fingerprint of bytes: equal inputs give equal fingerprints within one run.
pub fn fingerprint(parts: &mut dyn Iterator<Item = &[u8]>) -> u64 {
    let mut hasher = std::hash::DefaultHasher::new();
    for part in parts {
        part.hash(&mut hasher);
    }
    hasher.finish()
}

/// The report made live: its policy allows the one script (by nonce) and requests to
/// this server, and the script asks for `/version` every second and reloads on a change.
fn live(page: &str, generation: u64, nonce: &str) -> String {
    let policy = strata::report::CSP;
    let live_policy = format!("{policy}; script-src 'nonce-{nonce}'; connect-src 'self'");
    let script = format!(
        "<script nonce=\"{nonce}\">(function(){{var g={generation};setInterval(function(){{\
         fetch('/version',{{cache:'no-store'}}).then(function(r){{return r.text()}})\
         .then(function(t){{if(Number(t)!==g)location.reload()}}).catch(function(){{}})}},1000)}})();</script>"
    );
    let page = page.replacen(policy, &live_policy, 1);
    match page.rfind("</body>") {
        Some(at) => format!("{}{script}{}", &page[..at], &page[at..]),
        None => page + &script,
    }
}

/// A page saying why there is no report, for a workspace that cannot be loaded.
fn error_page(message: &str) -> String {
    let mut escaped = String::new();
    for c in message.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            c => escaped.push(c),
        }
    }
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta http-equiv=\"Content-Security-Policy\" \
         content=\"{}\"><title>No report</title></head><body><h1>No report</h1><p>error: {escaped}</p></body></html>\n",
        strata::report::CSP
    )
}

/// What a request gets: status, content type and body.
type Answer = (&'static str, &'static str, String);

/// The answer to `request` (its bytes up to the blank line), on a server at 127.0.0.1
/// `port`. Pure, for the tests: the `Host` header must name this server (DNS rebinding
/// otherwise lets any web page read the report), then only `/` and `/version`.
fn route(request: &[u8], port: u16, served: &Mutex<Served>) -> Answer {
    let text = String::from_utf8_lossy(request);
    let mut lines = text.split('\n').map(|l| l.trim_end_matches('\r'));
    let line = lines.next().unwrap_or_default();
    let mut words = line.split_whitespace();
    let (method, target) = (words.next().unwrap_or_default(), words.next().unwrap_or_default());
    let text_plain = "text/plain; charset=utf-8";
    let host = lines
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("host"))
        .map(|(_, value)| value.trim().to_ascii_lowercase());
    let allowed = [format!("127.0.0.1:{port}"), format!("localhost:{port}")];
    match host {
        None => return ("400 Bad Request", text_plain, "a Host header is required\n".to_owned()),
        Some(host) if !allowed.contains(&host) => {
            return ("403 Forbidden", text_plain, format!("only requests to {} are answered\n", allowed[0]));
        }
        Some(_) => {}
    }
    match (method, target) {
        ("GET" | "HEAD", "/" | "/index.html") => {
            let served = served.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            ("200 OK", "text/html; charset=utf-8", served.page.clone())
        }
        ("GET" | "HEAD", "/version") => {
            let served = served.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            ("200 OK", text_plain, served.generation.to_string())
        }
        ("GET" | "HEAD", _) => ("404 Not Found", text_plain, "not found: only the report is served\n".to_owned()),
        _ => ("405 Method Not Allowed", text_plain, "only GET and HEAD\n".to_owned()),
    }
}

/// Answers one connection: one request (at most 8 KiB, within 5 seconds), then close.
fn answer(mut stream: TcpStream, port: u16, served: &Mutex<Served>) {
    let deadline = Instant::now() + Duration::from_secs(5);
    let _ = stream.set_write_timeout(Some(Duration::from_secs(10)));
    let mut request = Vec::new();
    let mut buf = [0u8; 1024];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < 8192 {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
            break;
        }
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => request.extend_from_slice(&buf[..n]),
        }
    }
    let (status, kind, body) = route(&request, port, served);
    let method = request.split(|&b| b == b' ').next().unwrap_or_default();
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nCache-Control: no-store\r\n\
         X-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    if method != b"HEAD" {
        let _ = stream.write_all(body.as_bytes());
    }
    let _ = stream.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn served() -> Mutex<Served> {
        Mutex::new(Served { generation: 3, page: "<p>report</p>".to_owned() })
    }

    #[test]
    fn only_requests_naming_this_server_are_answered() {
        let served = served();
        let ask = |request: &str| route(request.as_bytes(), 7273, &served);
        assert_eq!(ask("GET / HTTP/1.1\r\nHost: 127.0.0.1:7273\r\n\r\n").2, "<p>report</p>");
        assert_eq!(ask("GET /version HTTP/1.1\r\nhost: LOCALHOST:7273\r\n\r\n").2, "3");
        // DNS rebinding: a page's own name pointed at 127.0.0.1.
        assert_eq!(ask("GET / HTTP/1.1\r\nHost: evil.example:7273\r\n\r\n").0, "403 Forbidden");
        assert_eq!(ask("GET / HTTP/1.1\r\nHost: 127.0.0.1:80\r\n\r\n").0, "403 Forbidden");
        assert_eq!(ask("GET / HTTP/1.1\r\n\r\n").0, "400 Bad Request");
        // A Host line after the blank line is body, not a header.
        assert_eq!(ask("GET / HTTP/1.1\r\n\r\nHost: 127.0.0.1:7273\r\n").0, "400 Bad Request");
        assert_eq!(ask("GET /etc/passwd HTTP/1.1\r\nHost: 127.0.0.1:7273\r\n\r\n").0, "404 Not Found");
        assert_eq!(ask("POST / HTTP/1.1\r\nHost: 127.0.0.1:7273\r\n\r\n").0, "405 Method Not Allowed");
        assert_eq!(ask("\u{0}\u{ff}garbage").0, "400 Bad Request");
    }
}
