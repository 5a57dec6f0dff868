//! The language server in-process: a JSON-RPC client drives `strata::lsp::service()`
//! (draining the client socket in the background, as a real client would), one test
//! per capability, plus the bad inputs it must survive. The binary over stdio is tested
//! at the end, under abuse in `lsp_abuse.rs` (which shares `Process` and the fixtures
//! here), and with a real third-party client in `tests/lsp/`.

#[path = "../support/lsp_frames.rs"]
pub(crate) mod frames;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use frames::frame;
use futures::StreamExt;
use serde_json::{Value, json};
use strata::lsp::{Backend, service};
use tokio::sync::mpsc;
use tower_lsp_server::LspService;
use tower_lsp_server::jsonrpc::Request;
use tower_lsp_server::ls_types::Uri;
use tower_service::Service;

/// How long a test waits for the server before it fails.
pub(crate) const TIMEOUT: Duration = Duration::from_secs(20);

struct Client {
    service: LspService<Backend>,
    inbox: mpsc::UnboundedReceiver<Request>,
    next_id: i64,
    /// The latest `publishDiagnostics` for each URI.
    diagnostics: BTreeMap<String, Value>,
    logs: Vec<String>,
    pub root: PathBuf,
    _dir: Option<tempfile::TempDir>,
}

pub(crate) fn uri(path: &Path) -> String {
    Uri::from_file_path(path).map(|u| u.as_str().to_owned()).unwrap_or_else(|| panic!("no URI for {}", path.display()))
}

/// A workspace in a temporary directory: `(relative path, text)` pairs.
pub(crate) fn workspace(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary directory");
    for (path, text) in files {
        let path = dir.path().join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create directory");
        }
        std::fs::write(path, text).expect("write file");
    }
    dir
}

impl Client {
    /// A server that has not been initialized.
    fn bare() -> Client {
        let (service, mut socket) = service();
        let (tx, inbox) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Some(message) = socket.next().await {
                if tx.send(message).is_err() {
                    break;
                }
            }
        });
        Client {
            service,
            inbox,
            next_id: 0,
            diagnostics: BTreeMap::new(),
            logs: Vec::new(),
            root: PathBuf::new(),
            _dir: None,
        }
    }

    /// A server initialized on `dir` (negotiating UTF-8 when `utf8`).
    async fn start(dir: tempfile::TempDir, utf8: bool) -> Client {
        let mut client = Client::bare();
        client.root = dir.path().to_path_buf();
        let encodings = if utf8 { json!(["utf-8", "utf-16"]) } else { json!(["utf-16"]) };
        let params = json!({
            "processId": null,
            "rootUri": uri(dir.path()),
            "capabilities": { "general": { "positionEncodings": encodings } },
            "workspaceFolders": [{ "uri": uri(dir.path()), "name": "ws" }],
        });
        let result = client.request("initialize", params).await.expect("initialize");
        let expected = if utf8 { "utf-8" } else { "utf-16" };
        assert_eq!(result["capabilities"]["positionEncoding"], expected);
        client.notify("initialized", json!({})).await;
        client._dir = Some(dir);
        client
    }

    fn uri(&self, rel: &str) -> String {
        uri(&self.root.join(rel))
    }

    async fn send(&mut self, request: Request) -> Option<tower_lsp_server::jsonrpc::Response> {
        futures::future::poll_fn(|cx| self.service.poll_ready(cx)).await.expect("service ready");
        let response = tokio::time::timeout(TIMEOUT, self.service.call(request)).await.expect("no answer in time");
        response.expect("server exited")
    }

    /// A request: its result, or its error object.
    async fn request(&mut self, method: &str, params: Value) -> Result<Value, Value> {
        self.next_id += 1;
        let request = Request::build(method.to_owned()).params(params).id(self.next_id).finish();
        let response = self.send(request).await.expect("a request has a response");
        let (_, body) = response.into_parts();
        body.map_err(|e| serde_json::to_value(e).unwrap_or_default())
    }

    async fn ok(&mut self, method: &str, params: Value) -> Value {
        match self.request(method, params).await {
            Ok(value) => value,
            Err(error) => panic!("{method} failed: {error}"),
        }
    }

    async fn notify(&mut self, method: &str, params: Value) {
        let request = Request::build(method.to_owned()).params(params).finish();
        assert!(self.send(request).await.is_none(), "a notification has no response");
    }

    async fn open(&mut self, rel: &str, text: &str) {
        let params = json!({ "textDocument": {
            "uri": self.uri(rel), "languageId": "strata", "version": 1, "text": text } });
        self.notify("textDocument/didOpen", params).await;
    }

    /// Replaces the range with `text` (positions in the negotiated encoding).
    async fn edit(&mut self, rel: &str, version: i32, range: [u32; 4], text: &str) {
        let [sl, sc, el, ec] = range;
        let params = json!({
            "textDocument": { "uri": self.uri(rel), "version": version },
            "contentChanges": [{ "range": {
                "start": { "line": sl, "character": sc }, "end": { "line": el, "character": ec } },
                "text": text }],
        });
        self.notify("textDocument/didChange", params).await;
    }

    fn take(&mut self, message: Request) {
        let (method, _, params) = message.into_parts();
        let params = params.unwrap_or_default();
        match &*method {
            "textDocument/publishDiagnostics" => {
                let uri = params["uri"].as_str().unwrap_or_default().to_owned();
                self.diagnostics.insert(uri, params["diagnostics"].clone());
            }
            "window/logMessage" => self.logs.push(params["message"].as_str().unwrap_or_default().to_owned()),
            _ => {}
        }
    }

    /// Waits until the diagnostics published for `rel` satisfy `ok`, and returns them.
    async fn diagnostics(&mut self, rel: &str, ok: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let uri = self.uri(rel);
        self.diagnostics_of(&uri, ok).await
    }

    /// `diagnostics` for a URI outside the first folder.
    async fn diagnostics_of(&mut self, uri: &str, ok: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let rel = uri;
        let deadline = tokio::time::Instant::now() + TIMEOUT;
        loop {
            let current: Vec<Value> = self.diagnostics.get(uri).and_then(Value::as_array).cloned().unwrap_or_default();
            if ok(&current) {
                return current;
            }
            match tokio::time::timeout_at(deadline, self.inbox.recv()).await {
                Ok(Some(message)) => self.take(message),
                _ => panic!("diagnostics of {rel} never matched; last: {current:#?}"),
            }
        }
    }

    /// The diagnostics published for `rel` once its errors have exactly `codes`.
    async fn expect_errors(&mut self, rel: &str, codes: &[&str]) -> Vec<Value> {
        let diags = self.diagnostics(rel, |d| errors_of(d) == codes).await;
        diags.into_iter().filter(|d| d["severity"] == 1).collect()
    }

    fn pos(&self, rel: &str, line: u32, character: u32) -> Value {
        json!({ "textDocument": { "uri": self.uri(rel) }, "position": { "line": line, "character": character } })
    }
}

pub(crate) fn codes_of(diags: &[Value]) -> Vec<&str> {
    diags.iter().map(|d| d["code"].as_str().unwrap_or_default()).collect()
}

pub(crate) fn errors_of(diags: &[Value]) -> Vec<&str> {
    diags.iter().filter(|d| d["severity"] == 1).map(|d| d["code"].as_str().unwrap_or_default()).collect()
}

/// The line and UTF-16 column of the first `needle` in `text` (+ `delta` characters).
pub(crate) fn at16(text: &str, needle: &str, delta: usize) -> (u32, u32) {
    let offset = text.find(needle).unwrap_or_else(|| panic!("no {needle:?}"));
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = text[..offset].matches('\n').count() as u32;
    let col: usize = text[line_start..offset].chars().map(char::len_utf16).sum::<usize>() + delta;
    (line, col as u32)
}

pub(crate) const MAP: &str =
    "map \"Acme\" {\n  method: pump\n}\n\nlayer financial \"Financial\"\nlayer customer \"Customer\"\n";

pub(crate) const FINANCE: &str = "result profit \"Profit grows year on year\" {\n  layer: financial\n  owner: \"CFO\"\n\n  measure margin \"Gross margin\" {\n    unit: \"%\"\n    direction: up\n    baseline: 31.5% at 2026-09\n    target: 35% by 2027-12\n    frequency: monthly\n  }\n}\n";

pub(crate) const CUSTOMERS: &str = "group regulars \"Daily regulars\" {\n  intent: grow\n  gives: \"Revenue\"\n  gets: \"Coffee\"\n  proposition: \"Fast\"\n}\n\nresult loyal \"Regulars come back every working day\" {\n  layer: customer\n  for: regulars\n\n  measure repeat_rate \"Repeat rate\" {\n    unit: \"%\"\n    direction: up\n    baseline: 42% at 2026-Q3\n    target: 50% by 2027-06\n    frequency: weekly\n  }\n}\n\nloyal -> profit\n";

pub(crate) fn coffee() -> tempfile::TempDir {
    workspace(&[("map.strata", MAP), ("finance.strata", FINANCE), ("customers.strata", CUSTOMERS)])
}

#[tokio::test]
async fn diagnostics_match_check_for_every_file_on_disk() {
    let root = strata::workspace::load(&[PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/library")])
        .expect("load the example");
    let expected = strata::check(&root[0].workspace);
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut rels = Vec::new();
    for file in root[0].workspace.files.iter().chain(&root[0].workspace.config) {
        let name = Path::new(&file.path).file_name().expect("file name").to_string_lossy().into_owned();
        std::fs::write(dir.path().join(&name), &file.text).expect("write");
        rels.push(name);
    }
    // A broken file, so that there is something to compare.
    std::fs::write(
        dir.path().join("zz_broken.strata"),
        "result broken \"Broken\" {\n  layer: nowhere\n}\nbroken -> proft\n",
    )
    .expect("write");
    let mut workspace = strata::Workspace {
        files: root[0].workspace.files.clone(),
        config: root[0].workspace.config.clone(),
        data: Vec::new(),
    };
    workspace.files.push(strata::source::SourceFile::new(
        "zz_broken.strata",
        std::fs::read_to_string(dir.path().join("zz_broken.strata")).expect("read"),
    ));
    let expected_broken = strata::check(&workspace);
    assert!(expected.diagnostics.len() < expected_broken.diagnostics.len());
    let mut client = Client::start(dir, false).await;
    let published = client.diagnostics("zz_broken.strata", |d| d.len() >= 2).await;
    let want: Vec<(String, String, u32)> = expected_broken
        .diagnostics
        .iter()
        .filter(|d| workspace.files.get(d.loc().file.0 as usize).is_some_and(|f| f.path == "zz_broken.strata"))
        .map(|d| {
            let file = &workspace.files[d.loc().file.0 as usize];
            let line = file.line_index.line_of(d.loc().span.start as usize) as u32;
            (d.code.name().to_owned(), d.severity.as_str().to_owned(), line)
        })
        .collect();
    let got: Vec<(String, String, u32)> = published
        .iter()
        .map(|d| {
            let severity = if d["severity"] == 1 { "error" } else { "warning" };
            (
                d["code"].as_str().unwrap_or_default().to_owned(),
                severity.to_owned(),
                d["range"]["start"]["line"].as_u64().unwrap_or(0) as u32,
            )
        })
        .collect();
    assert_eq!(got, want);
    let first = published.iter().find(|d| d["code"] == "unknown-reference").expect("an unknown reference");
    assert!(first["message"].as_str().unwrap_or_default().starts_with("unknown layer `nowhere`"), "{first}");
    assert!(first["codeDescription"]["href"].as_str().unwrap_or_default().ends_with("/unknown-reference.md"));
    assert_eq!(first["source"], "strata");
}

#[tokio::test]
async fn typing_an_error_shows_it_and_fixing_it_clears_it_in_every_file() {
    let mut client = Client::start(coffee(), false).await;
    client.open("finance.strata", FINANCE).await;
    // Rename `profit` in its declaration: the link in customers.strata breaks.
    client.edit("finance.strata", 2, [0, 7, 0, 13], "proft").await;
    let diags = client.expect_errors("customers.strata", &["unknown-reference"]).await;
    assert!(diags[0]["message"].as_str().unwrap_or_default().contains("did you mean `proft`?"));
    let (line, character) = at16(CUSTOMERS, "-> profit", 3);
    assert_eq!(diags[0]["range"]["start"], json!({ "line": line, "character": character }));
    // Fix it: the error is cleared in the other file.
    client.edit("finance.strata", 3, [0, 7, 0, 12], "profit").await;
    client.expect_errors("customers.strata", &[]).await;
    // An error in the open file itself, with a version.
    client.edit("finance.strata", 4, [1, 9, 1, 18], "finansial").await;
    client.expect_errors("finance.strata", &["unknown-reference"]).await;
    client.edit("finance.strata", 5, [1, 9, 1, 18], "financial").await;
    client.expect_errors("finance.strata", &[]).await;
}

#[tokio::test]
async fn many_quick_edits_end_with_the_diagnostics_of_the_last_text() {
    let mut client = Client::start(coffee(), false).await;
    client.open("finance.strata", FINANCE).await;
    for version in 2..40 {
        // Alternately break and fix the layer reference.
        let text = if version % 2 == 0 { "financiaX" } else { "financial" };
        client.edit("finance.strata", version, [1, 9, 1, 18], text).await;
    }
    client.edit("finance.strata", 40, [1, 9, 1, 18], "financiaY").await;
    let diags = client.diagnostics("finance.strata", |d| errors_of(d) == ["unknown-reference"]).await;
    let diags: Vec<&Value> = diags.iter().filter(|d| d["code"] == "unknown-reference").collect();
    assert!(diags[0]["message"].as_str().unwrap_or_default().contains("financiaY"));
}

#[tokio::test]
async fn positions_are_exact_with_emoji_cjk_and_crlf() {
    let text = "result 顧客 \"常連客が毎日 🙂\" { layer: 層x }\r\nlayer l \"L 😀\"\r\n";
    let reference = text.find("層x").expect("needle");
    for utf8 in [false, true] {
        let mut client = Client::start(workspace(&[("a.strata", text)]), utf8).await;
        let diags = client.diagnostics("a.strata", |d| codes_of(d).contains(&"unknown-reference")).await;
        let d = diags.iter().find(|d| d["code"] == "unknown-reference").expect("unknown reference");
        let (start, end) = if utf8 {
            (reference as u32, (reference + "層x".len()) as u32)
        } else {
            let (_, c) = at16(text, "層x", 0);
            (c, c + 2)
        };
        assert_eq!(d["range"]["start"], json!({ "line": 0, "character": start }), "utf8: {utf8}");
        assert_eq!(d["range"]["end"], json!({ "line": 0, "character": end }), "utf8: {utf8}");
        let hover = client.ok("textDocument/hover", client.pos("a.strata", 0, 8)).await;
        assert!(hover["contents"]["value"].as_str().unwrap_or_default().contains("result `顧客`"), "{hover}");
        // Edits in the client's units: replace `層x` with `l`, then add a line.
        client.open("a.strata", text).await;
        client.edit("a.strata", 2, [0, start, 0, end], "l").await;
        client.diagnostics("a.strata", |d| !codes_of(d).contains(&"unknown-reference")).await;
        client.edit("a.strata", 3, [1, 0, 1, 0], "layer 層x \"😀\"\r\n").await;
        let diags = client.diagnostics("a.strata", |d| codes_of(d).contains(&"empty-layer")).await;
        let empty: Vec<u64> = diags
            .iter()
            .filter(|d| d["code"] == "empty-layer")
            .map(|d| d["range"]["start"]["line"].as_u64().unwrap_or(99))
            .collect();
        assert_eq!(empty, [1], "the new layer is on line 1, the CRLF counted once");
    }
}

pub(crate) fn text_of(hover: &Value) -> String {
    hover["contents"]["value"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn hover_shows_nodes_attributes_keywords_and_codes() {
    let extra = "# strata: allow(weasel-word)\nresult service \"Our service is world-class\" {\n  layer: customer\n}\nservice -> loyal\n";
    let dir = coffee();
    std::fs::write(dir.path().join("service.strata"), extra).expect("write");
    let mut client = Client::start(dir, false).await;
    let at_decl = client.ok("textDocument/hover", client.pos("finance.strata", 0, 9)).await;
    let text = text_of(&at_decl);
    for needle in [
        "**result `profit`**: Profit grows year on year",
        "layer: `financial` Financial",
        "owner: CFO",
        "measure: `margin` Gross margin: 31.5% at 2026-09 → 35% by 2027-12 (up is better)",
        "caused by: `loyal` Regulars come back every working day",
        "causes: none",
        "because: Regulars come back every working day\n",
        "so that: it is an ultimate result",
    ] {
        assert!(text.contains(needle), "{needle:?} not in:\n{text}");
    }
    // A result in the middle: what causes it and what follows, in the story's words.
    let (line, character) = at16(CUSTOMERS, "result loyal", 7);
    let loyal = text_of(&client.ok("textDocument/hover", client.pos("customers.strata", line, character)).await);
    for needle in ["because: Our service is world", "so that: Profit grows year on year"] {
        assert!(loyal.contains(needle), "{needle:?} not in:\n{loyal}");
    }
    assert_eq!(
        at_decl["range"],
        json!({ "start": { "line": 0, "character": 7 }, "end": { "line": 0, "character": 13 } })
    );
    // The same node from a reference in another file.
    let (line, character) = at16(CUSTOMERS, "-> profit", 4);
    let at_use = client.ok("textDocument/hover", client.pos("customers.strata", line, character)).await;
    assert_eq!(text_of(&at_use), text);
    let (line, character) = at16(CUSTOMERS, "for: regulars", 7);
    let group = text_of(&client.ok("textDocument/hover", client.pos("customers.strata", line, character)).await);
    assert!(group.contains("**group `regulars`**: Daily regulars") && group.contains("intent: `grow`"), "{group}");
    let (line, character) = at16(FINANCE, "direction", 2);
    let attribute = text_of(&client.ok("textDocument/hover", client.pos("finance.strata", line, character)).await);
    assert!(
        attribute.contains("**`direction`**: `up` | `down`") && attribute.contains("Which way is better"),
        "{attribute}"
    );
    let keyword = text_of(&client.ok("textDocument/hover", client.pos("finance.strata", 4, 4)).await);
    assert!(keyword.contains("a performance measure"), "{keyword}");
    let code = text_of(&client.ok("textDocument/hover", client.pos("service.strata", 0, 20)).await);
    assert!(code.contains("**`weasel-word`** (warn by default)") && code.contains("## How to fix"), "{code}");
    let value = text_of(&client.ok("textDocument/hover", client.pos("finance.strata", 6, 16)).await);
    assert!(value.contains("`up`: one of `up`, `down`"), "{value}");
    let nothing = client.ok("textDocument/hover", client.pos("finance.strata", 3, 0)).await;
    assert_eq!(nothing, Value::Null);
}

#[tokio::test]
async fn definition_references_and_highlights_cross_files() {
    let mut client = Client::start(coffee(), false).await;
    let (line, character) = at16(CUSTOMERS, "-> profit", 5);
    let definition = client.ok("textDocument/definition", client.pos("customers.strata", line, character)).await;
    assert_eq!(definition["uri"], client.uri("finance.strata"));
    assert_eq!(
        definition["range"],
        json!({ "start": { "line": 0, "character": 7 }, "end": { "line": 0, "character": 13 } })
    );
    // `financial` is declared in map.strata and used in finance.strata.
    let mut params = client.pos("finance.strata", 1, 12);
    params["context"] = json!({ "includeDeclaration": true });
    let references = client.ok("textDocument/references", params.clone()).await;
    let files: Vec<&str> =
        references.as_array().into_iter().flatten().map(|l| l["uri"].as_str().unwrap_or_default()).collect();
    assert_eq!(files, [client.uri("map.strata"), client.uri("finance.strata")]);
    params["context"] = json!({ "includeDeclaration": false });
    let references = client.ok("textDocument/references", params).await;
    assert_eq!(references.as_array().map(Vec::len), Some(1));
    let (line, character) = at16(CUSTOMERS, "loyal ->", 1);
    let highlights = client.ok("textDocument/documentHighlight", client.pos("customers.strata", line, character)).await;
    let kinds: Vec<u64> =
        highlights.as_array().into_iter().flatten().map(|h| h["kind"].as_u64().unwrap_or(0)).collect();
    assert_eq!(kinds, [3, 2], "the declaration is written, the link reads it");
    // Nothing to find on a title.
    let none = client.ok("textDocument/definition", client.pos("finance.strata", 0, 20)).await;
    assert_eq!(none, Value::Null);
}

#[tokio::test]
async fn rename_edits_every_file_and_refuses_bad_names() {
    let mut client = Client::start(coffee(), false).await;
    let (line, character) = at16(CUSTOMERS, "-> profit", 4);
    let prepared = client.ok("textDocument/prepareRename", client.pos("customers.strata", line, character)).await;
    assert_eq!(prepared["placeholder"], "profit");
    assert_eq!(prepared["range"]["start"], json!({ "line": line, "character": character - 1 }));
    let mut params = client.pos("customers.strata", line, character);
    params["newName"] = json!("earnings");
    let edit = client.ok("textDocument/rename", params.clone()).await;
    let changes = edit["changes"].as_object().expect("changes");
    assert_eq!(changes.len(), 2);
    assert_eq!(changes[&client.uri("finance.strata")][0]["range"]["start"], json!({ "line": 0, "character": 7 }));
    assert_eq!(changes[&client.uri("customers.strata")][0]["newText"], "earnings");
    for (name, why) in [
        ("result", "reserved word"),
        ("bad-id", "not a valid id"),
        ("two words", "not a valid id"),
        ("loyal", "already declared, as a result, at customers.strata:8"),
    ] {
        params["newName"] = json!(name);
        let error = client.request("textDocument/rename", params.clone()).await.expect_err("refused");
        assert!(error["message"].as_str().unwrap_or_default().contains(why), "{name}: {error}");
    }
    let error = client.request("textDocument/prepareRename", client.pos("finance.strata", 0, 20)).await;
    assert!(error.is_err(), "a title cannot be renamed");
}

#[tokio::test]
async fn document_and_workspace_symbols() {
    let groups = "group all \"All\" {\n  group commuters \"Commuters\" {\n    group early \"Early\"\n  }\n}\naction app \"App\"\n";
    let dir = coffee();
    std::fs::write(dir.path().join("groups.strata"), groups).expect("write");
    let mut client = Client::start(dir, false).await;
    let symbols = client
        .ok("textDocument/documentSymbol", json!({ "textDocument": { "uri": client.uri("finance.strata") } }))
        .await;
    assert_eq!(symbols[0]["name"], "profit");
    assert_eq!(symbols[0]["detail"], "Profit grows year on year");
    assert_eq!(symbols[0]["children"][0]["name"], "margin");
    let symbols = client
        .ok("textDocument/documentSymbol", json!({ "textDocument": { "uri": client.uri("groups.strata") } }))
        .await;
    assert_eq!(symbols[0]["children"][0]["children"][0]["name"], "early");
    assert_eq!(symbols[1]["name"], "app");
    let symbols =
        client.ok("textDocument/documentSymbol", json!({ "textDocument": { "uri": client.uri("map.strata") } })).await;
    let names: Vec<&str> =
        symbols.as_array().into_iter().flatten().map(|s| s["name"].as_str().unwrap_or_default()).collect();
    assert_eq!(names, ["Acme", "financial", "customer"]);
    let found = client.ok("workspace/symbol", json!({ "query": "rrate" })).await;
    let names: Vec<&str> =
        found.as_array().into_iter().flatten().map(|s| s["name"].as_str().unwrap_or_default()).collect();
    assert_eq!(names, ["repeat_rate"]);
    let found = client.ok("workspace/symbol", json!({ "query": "" })).await;
    assert_eq!(found.as_array().map(Vec::len), Some(11));
}

#[tokio::test]
async fn call_hierarchy_and_code_lens() {
    let mut client = Client::start(coffee(), false).await;
    let items = client.ok("textDocument/prepareCallHierarchy", client.pos("finance.strata", 0, 8)).await;
    assert_eq!(items[0]["name"], "profit");
    let incoming = client.ok("callHierarchy/incomingCalls", json!({ "item": items[0] })).await;
    assert_eq!(incoming[0]["from"]["name"], "loyal");
    assert_eq!(incoming[0]["from"]["uri"], client.uri("customers.strata"));
    let outgoing = client.ok("callHierarchy/outgoingCalls", json!({ "item": items[0] })).await;
    assert_eq!(outgoing, json!([]));
    let outgoing = client.ok("callHierarchy/outgoingCalls", json!({ "item": incoming[0]["from"] })).await;
    assert_eq!(outgoing[0]["to"]["name"], "profit");
    let lenses =
        client.ok("textDocument/codeLens", json!({ "textDocument": { "uri": client.uri("finance.strata") } })).await;
    assert_eq!(lenses[0]["command"]["title"], "1 cause · 0 effects · 1 measure");
    let lenses =
        client.ok("textDocument/codeLens", json!({ "textDocument": { "uri": client.uri("customers.strata") } })).await;
    assert_eq!(lenses[0]["command"]["title"], "0 causes · 1 effect · 1 measure");
    // A layer is no call-hierarchy item.
    let none = client.ok("textDocument/prepareCallHierarchy", client.pos("map.strata", 4, 8)).await;
    assert_eq!(none, Value::Null);
}

fn labels(completion: &Value) -> Vec<String> {
    completion["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|i| i["label"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Completion at the `|` of `text`, opened as `new.strata`.
async fn complete(client: &mut Client, version: i32, text: &str) -> Value {
    let (line, character) = at16(text, "|", 0);
    let text = text.replacen('|', "", 1);
    if version == 1 {
        client.open("new.strata", &text).await;
    } else {
        let params = json!({
            "textDocument": { "uri": client.uri("new.strata"), "version": version },
            "contentChanges": [{ "text": text }],
        });
        client.notify("textDocument/didChange", params).await;
    }
    client.ok("textDocument/completion", client.pos("new.strata", line, character)).await
}

#[tokio::test]
async fn completion_fits_the_context() {
    let mut client = Client::start(coffee(), false).await;
    let top = complete(&mut client, 1, "res|").await;
    assert!(labels(&top).contains(&"result".to_owned()), "{top}");
    assert_eq!(top["items"][0]["textEdit"]["range"]["start"], json!({ "line": 0, "character": 0 }));
    let top = labels(&complete(&mut client, 2, "result x \"X\"\n|").await);
    assert!(top.contains(&"layer".to_owned()) && top.contains(&"loyal".to_owned()), "{top:?}");
    assert!(!top.contains(&"financial".to_owned()), "a layer cannot start a link");
    let layers = complete(&mut client, 3, "result x \"X\" {\n  layer: |\n}\n").await;
    assert_eq!(labels(&layers), ["customer", "financial"]);
    assert_eq!(layers["items"][1]["detail"], "Financial");
    let effects = complete(&mut client, 4, "result x \"X\"\nx -> |").await;
    assert_eq!(labels(&effects), ["loyal", "profit", "x"]);
    let partial = complete(&mut client, 5, "result x \"X\"\nx -> pro|").await;
    assert_eq!(labels(&partial), ["profit"]);
    assert_eq!(partial["items"][0]["textEdit"]["range"]["start"], json!({ "line": 1, "character": 5 }));
    let attributes = complete(&mut client, 6, "result x \"X\" {\n  layer: financial\n  |\n}\n").await;
    assert_eq!(labels(&attributes), ["for", "owner", "note", "measure"]);
    let nested =
        complete(&mut client, 7, "result x \"X\" {\n  measure m \"M\" {\n    unit: \"%\"\n    |\n  }\n}\n").await;
    let nested = labels(&nested);
    assert!(
        !nested.contains(&"of".to_owned())
            && !nested.contains(&"unit".to_owned())
            && nested.contains(&"direction".to_owned()),
        "{nested:?}"
    );
    let top_measure = complete(&mut client, 8, "measure m \"M\" {\n  |\n}\n").await;
    assert!(labels(&top_measure).contains(&"of".to_owned()));
    for (text, expected) in [
        ("measure m \"M\" {\n  direction: |\n}\n", vec!["up", "down"]),
        ("measure m \"M\" {\n  frequency: |\n}\n", vec!["daily", "weekly", "monthly", "quarterly", "yearly"]),
        (
            "group g \"G\" {\n  intent: |\n}\n",
            vec!["attract", "grow", "retain", "maintain", "serve", "reengineer", "retire", "exit"],
        ),
        ("action a \"A\" {\n  status: |\n}\n", vec!["planned", "active", "done", "dropped"]),
        ("a -> b {\n  strength: |\n}\n", vec!["weak", "moderate", "strong"]),
        ("a -> b {\n  polarity: |\n}\n", vec!["direct", "inverse"]),
        ("map \"M\" {\n  method: |\n}\n", vec!["pump", "bsc", "rbm"]),
        ("result x \"X\" {\n  for: [|\n}\n", vec!["regulars"]),
        ("measure m \"M\" {\n  of: |\n}\n", vec!["loyal", "profit"]),
    ] {
        let got = complete(&mut client, 9, text).await;
        assert_eq!(labels(&got), expected, "{text}");
    }
    let none = complete(&mut client, 10, "result x \"X |\"\n").await;
    assert_eq!(none, Value::Null);
}

#[tokio::test]
async fn completion_in_one_line_blocks_and_after_typos() {
    let mut client = Client::start(coffee(), false).await;
    for (version, text, expected) in [
        (1, "result r \"S\" { layer: | }\n", vec!["customer", "financial"]),
        (2, "result r \"S\" { | }\n", vec!["layer", "for", "owner", "note", "measure"]),
        (3, "result r \"S\" { layer: customer | }\n", vec!["for", "owner", "note", "measure"]),
        (4, "action a \"A\" { status: | }\n", vec!["planned", "active", "done", "dropped"]),
        (
            5,
            "group g \"G\" { intent: grow share: 10% | }\n",
            vec!["gives", "gets", "proposition", "criteria", "note", "group"],
        ),
    ] {
        let got = complete(&mut client, version, text).await;
        assert_eq!(labels(&got), expected, "{text}");
    }
    // A typo: the letters in order, or one wrong; the client is told to keep them (the
    // filter text is what was typed) and to ask again as the user types on.
    for (version, text, expected) in [
        (6, "result x \"X\" {\n  layer: fnan|\n}\n", "financial"),
        (7, "result x \"X\" {\n  layer: finacial|\n}\n", "financial"),
        (8, "result x \"X\" {\n  layer: cutsomer|\n}\n", "customer"),
        (9, "result x \"X\"\nx -> lyoal|\n", "loyal"),
    ] {
        let got = complete(&mut client, version, text).await;
        assert_eq!(labels(&got), [expected], "{text}");
        let typed = text.split(['|', ' ']).rev().nth(1).unwrap_or_default();
        assert_eq!(got["items"][0]["filterText"], typed, "{text}");
        assert_eq!(got["isIncomplete"], true, "{text}");
    }
    // What the client can filter itself keeps the label as its filter text.
    let prefix = complete(&mut client, 10, "result x \"X\" {\n  layer: fin|\n}\n").await;
    assert_eq!(prefix["items"][0]["filterText"], "financial");
    assert_eq!(prefix["isIncomplete"], false);
}

/// Decodes semantic tokens into (line, column, length, type).
fn decode(data: &[Value]) -> Vec<(u64, u64, u64, u64)> {
    let mut out = Vec::new();
    let (mut line, mut col) = (0, 0);
    for chunk in data.chunks(5) {
        let n = |i: usize| chunk.get(i).and_then(Value::as_u64).unwrap_or(0);
        line += n(0);
        col = if n(0) == 0 { col + n(1) } else { n(1) };
        out.push((line, col, n(2), n(3)));
    }
    out
}

#[tokio::test]
async fn semantic_tokens_and_folding_ranges() {
    let mut client = Client::start(coffee(), false).await;
    let doc = json!({ "textDocument": { "uri": client.uri("finance.strata") } });
    let tokens = client.ok("textDocument/semanticTokens/full", doc.clone()).await;
    let tokens = decode(tokens["data"].as_array().map(Vec::as_slice).unwrap_or_default());
    // `result` keyword, `profit` result, the statement string, `layer` property, `financial` layer.
    assert_eq!(&tokens[..5], [(0, 0, 6, 0), (0, 7, 6, 3), (0, 14, 27, 8), (1, 2, 5, 6), (1, 9, 9, 1)]);
    let folds = client.ok("textDocument/foldingRange", doc).await;
    let ranges: Vec<(u64, u64)> = folds
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| (f["startLine"].as_u64().unwrap_or(0), f["endLine"].as_u64().unwrap_or(0)))
        .collect();
    assert_eq!(ranges, [(0, 10), (4, 9)]);
}

#[tokio::test]
async fn formatting_goes_through_the_formatter() {
    let messy = "result   x  \"X\"{\nowner:\"o\"\n   }\n";
    let mut client = Client::start(workspace(&[("a.strata", messy)]), false).await;
    client.open("a.strata", messy).await;
    let params =
        json!({ "textDocument": { "uri": client.uri("a.strata") }, "options": { "tabSize": 2, "insertSpaces": true } });
    let edits = client.ok("textDocument/formatting", params.clone()).await;
    let expected = strata::fmt::format(messy).expect("formats");
    assert_ne!(expected, messy);
    let applied = apply(messy, edits.as_array().map(Vec::as_slice).unwrap_or_default());
    assert_eq!(applied, expected);
    // A file with syntax errors is not rewritten.
    client.edit("a.strata", 2, [0, 0, 0, 0], "result {\n").await;
    let edits = client.ok("textDocument/formatting", params.clone()).await;
    assert_eq!(edits, Value::Null);
    // Nor is one where formatting would change what a suppression comment covers: the
    // request fails with the reason, which no diagnostic shows.
    let misplaced = "result r0 \"R\"\n{} # strata: allow(result-without-measure)\n";
    client.edit("a.strata", 3, [0, 0, 4, 0], misplaced).await;
    let error = client.request("textDocument/formatting", params).await.expect_err("refused");
    assert_eq!(error["code"], -32803);
    let message = error["message"].as_str().unwrap_or_default();
    assert!(message.starts_with("not formatted: line 2: formatting would change what this suppression"), "{message}");
}

/// Applies LSP text edits (UTF-16 positions, non-overlapping) to `text`.
fn apply(text: &str, edits: &[Value]) -> String {
    let index = strata::source::LineIndex::new(text);
    let offset = |p: &Value| {
        let pos = strata::source::LineCol {
            line: p["line"].as_u64().unwrap_or(0) as u32,
            col: p["character"].as_u64().unwrap_or(0) as u32,
        };
        index.offset(text, pos, strata::source::ColumnUnit::Utf16)
    };
    let mut spans: Vec<(usize, usize, String)> = edits
        .iter()
        .map(|e| {
            (
                offset(&e["range"]["start"]),
                offset(&e["range"]["end"]),
                e["newText"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    spans.sort_by_key(|s| std::cmp::Reverse(s.0));
    let mut out = text.to_owned();
    for (start, end, new) in spans {
        out.replace_range(start..end, &new);
    }
    out
}

/// The quick fixes offered on `line` of `rel`.
async fn fixes(client: &mut Client, rel: &str, line: u32) -> Vec<Value> {
    let params = json!({
        "textDocument": { "uri": client.uri(rel) },
        "range": { "start": { "line": line, "character": 0 }, "end": { "line": line, "character": 200 } },
        "context": { "diagnostics": [] },
    });
    client.ok("textDocument/codeAction", params).await.as_array().cloned().unwrap_or_default()
}

fn fix<'a>(actions: &'a [Value], title: &str) -> &'a Value {
    actions.iter().find(|a| a["title"] == title).unwrap_or_else(|| {
        let titles: Vec<&Value> = actions.iter().map(|a| &a["title"]).collect();
        panic!("no {title:?} among {titles:?}")
    })
}

#[tokio::test]
async fn quick_fixes_repair_common_mistakes() {
    let text = "result x \"Sales\" {\n  layer: financal\n  ownr: \"o\"\n}\nresult launch \"Launch a pre-order app\" {\n  layer: customer\n  owner: \"o\"\n}\nmeasure m \"M\" {\n  of: x\n}\nx -> ghost\n";
    let dir = coffee();
    std::fs::write(dir.path().join("fix.strata"), text).expect("write");
    let mut client = Client::start(dir, false).await;
    client.open("fix.strata", text).await;
    client.diagnostics("fix.strata", |d| codes_of(d).contains(&"result-is-action")).await;
    let uri = client.uri("fix.strata");
    let edits_of = |action: &Value| action["edit"]["changes"][&uri].as_array().cloned().unwrap_or_default();

    let actions = fixes(&mut client, "fix.strata", 1).await;
    let replace = fix(&actions, "Replace `financal` with `financial`");
    assert_eq!(replace["isPreferred"], true);
    assert_eq!(replace["diagnostics"][0]["code"], "unknown-reference");
    assert_eq!(apply(text, &edits_of(replace)).lines().nth(1), Some("  layer: financial"));
    let actions = fixes(&mut client, "fix.strata", 2).await;
    let renamed = apply(text, &edits_of(fix(&actions, "Replace `ownr` with `owner`")));
    assert_eq!(renamed.lines().nth(2), Some("  owner: \"o\""));
    let actions = fixes(&mut client, "fix.strata", 11).await;
    let declared = apply(text, &edits_of(fix(&actions, "Declare result `ghost`")));
    assert!(declared.ends_with("x -> ghost\n\nresult ghost \"Ghost\"\n"), "{declared}");
    let actions = fixes(&mut client, "fix.strata", 8).await;
    let measured = apply(text, &edits_of(fix(&actions, "Add `unit`, `direction`, `frequency` to measure `m`")));
    assert!(
        measured.contains("measure m \"M\" {\n  of: x\n  unit: \"\"\n  direction: up\n  frequency: monthly\n}\n"),
        "{measured}"
    );
    let actions = fixes(&mut client, "fix.strata", 4).await;
    let action = apply(text, &edits_of(fix(&actions, "Turn `launch` into an action")));
    assert!(action.contains("action launch \"Launch a pre-order app\" {\n  owner: \"o\"\n}\n"), "{action}");
    let suppress = fix(&actions, "Suppress `result-is-action` here with a comment");
    let suppressed = apply(text, &edits_of(suppress));
    assert!(suppressed.contains("}\n# strata: allow(result-is-action)\nresult launch"), "{suppressed}");

    // Applying a fix clears its diagnostic.
    let params = json!({ "textDocument": { "uri": uri, "version": 2 }, "contentChanges": [{ "text": suppressed }] });
    client.notify("textDocument/didChange", params).await;
    client.diagnostics("fix.strata", |d| !codes_of(d).contains(&"result-is-action")).await;
    // A second lint on the same item extends the comment.
    let actions = fixes(&mut client, "fix.strata", 5).await;
    let more: Vec<&Value> =
        actions.iter().filter(|a| a["title"].as_str().unwrap_or_default().starts_with("Suppress")).collect();
    assert!(!more.is_empty());
    let extended = apply(&suppressed, &edits_of(more[0]));
    assert!(extended.contains("# strata: allow(result-is-action, "), "{extended}");
}

#[tokio::test]
async fn unused_suppressions_are_fixed_lint_by_lint() {
    let text = "result a \"Quality counts\"   # strata: allow(weasel-word, multiple-focus)\n# strata: allow(direction-word)\nresult b \"Regulars come back\"\na -> b\n";
    let dir = coffee();
    std::fs::write(dir.path().join("fix.strata"), text).expect("write");
    let mut client = Client::start(dir, false).await;
    client.open("fix.strata", text).await;
    client.diagnostics("fix.strata", |d| codes_of(d).contains(&"unused-suppression")).await;
    let uri = client.uri("fix.strata");
    let edits_of = |action: &Value| action["edit"]["changes"][&uri].as_array().cloned().unwrap_or_default();
    // One lint of the list suppressed nothing: only its name goes.
    let actions = fixes(&mut client, "fix.strata", 0).await;
    let trimmed = apply(text, &edits_of(fix(&actions, "Remove `multiple-focus` from the suppression")));
    assert!(trimmed.starts_with("result a \"Quality counts\"   # strata: allow(weasel-word)\n"), "{trimmed}");
    // The whole comment suppressed nothing: the comment goes, with its line.
    let actions = fixes(&mut client, "fix.strata", 1).await;
    let removed = apply(text, &edits_of(fix(&actions, "Remove the unused suppression")));
    assert!(removed.contains("allow(weasel-word, multiple-focus)\nresult b"), "{removed}");
}

#[tokio::test]
async fn graph_request_exports_what_resolves() {
    let mut client = Client::start(coffee(), false).await;
    let dot = client.ok("strata/graph", json!({ "format": "dot" })).await;
    assert!(dot["text"].as_str().unwrap_or_default().starts_with("digraph"), "{dot}");
    assert_eq!(dot["errors"], 0);
    assert_eq!(dot["note"], Value::Null);
    let mermaid = client.ok("strata/graph", json!({ "format": "mermaid", "focus": "loyal", "depth": 1 })).await;
    assert!(mermaid["text"].as_str().unwrap_or_default().contains("flowchart BT"));
    let json_export = client.ok("strata/graph", json!({ "format": "json" })).await;
    let model: Value = serde_json::from_str(json_export["text"].as_str().unwrap_or_default()).expect("JSON export");
    assert_eq!(model["results"].as_array().map(Vec::len), Some(2));
    let svg = client.ok("strata/graph", json!({ "format": "svg" })).await;
    let svg = svg["text"].as_str().unwrap_or_default();
    assert!(svg.starts_with("<svg") && svg.matches("<g class=\"node result\"").count() == 2, "{svg}");
    // With an error, the rest is still exported and the error is counted.
    client.open("finance.strata", FINANCE).await;
    client.edit("finance.strata", 2, [1, 9, 1, 18], "nowhere").await;
    let broken = client.ok("strata/graph", json!({ "format": "json" })).await;
    assert_eq!(broken["errors"], 1);
    assert!(broken["note"].as_str().unwrap_or_default().contains("1 error"));
    let model: Value = serde_json::from_str(broken["text"].as_str().unwrap_or_default()).expect("JSON export");
    assert_eq!(model["results"].as_array().map(Vec::len), Some(2));
    let error = client.request("strata/graph", json!({ "format": "png" })).await.expect_err("bad format");
    assert_eq!(error["code"], -32602);
    let error =
        client.request("strata/graph", json!({ "format": "dot", "focus": "nobody" })).await.expect_err("bad focus");
    assert!(error["message"].as_str().unwrap_or_default().contains("nobody"), "{error}");
}

#[tokio::test]
async fn requests_before_initialize_and_unknown_methods_are_errors() {
    let mut client = Client::bare();
    let error = client.request("textDocument/hover", json!({})).await.expect_err("not initialized");
    assert_eq!(error["code"], -32002);
    let mut client = Client::start(coffee(), false).await;
    let error = client.request("strata/nothing", json!({})).await.expect_err("unknown method");
    assert_eq!(error["code"], -32601);
    let error = client.request("textDocument/hover", json!({ "bad": true })).await.expect_err("bad params");
    assert_eq!(error["code"], -32602);
    let error = client.request("strata/graph", json!({ "format": "dot", "extra": 1 })).await.expect_err("bad params");
    assert_eq!(error["code"], -32602);
    // Still usable.
    let hover = client.ok("textDocument/hover", client.pos("finance.strata", 0, 8)).await;
    assert!(text_of(&hover).contains("profit"));
}

#[tokio::test]
async fn out_of_range_positions_and_unknown_documents_do_no_harm() {
    let mut client = Client::start(coffee(), false).await;
    for method in [
        "textDocument/hover",
        "textDocument/definition",
        "textDocument/completion",
        "textDocument/documentHighlight",
        "textDocument/prepareCallHierarchy",
    ] {
        for (line, character) in [(9999, 0), (0, 9999), (u32::MAX, u32::MAX)] {
            let result = client.request(method, client.pos("finance.strata", line, character)).await;
            assert!(result.is_ok(), "{method} at {line}:{character}: {result:?}");
        }
        let result = client.request(method, client.pos("nowhere.strata", 0, 0)).await;
        assert_eq!(result, Ok(Value::Null), "{method} on an unknown document");
    }
    // An edit past the end is clamped; an edit to a document that is not open is ignored.
    client.open("finance.strata", FINANCE).await;
    client.edit("finance.strata", 2, [500, 3, 900, 0], "\nresult tail \"Tail\"\n").await;
    client.edit("nowhere.strata", 2, [0, 0, 0, 0], "junk").await;
    client.notify("textDocument/didClose", json!({ "textDocument": { "uri": client.uri("nowhere.strata") } })).await;
    let symbols = client
        .ok("textDocument/documentSymbol", json!({ "textDocument": { "uri": client.uri("finance.strata") } }))
        .await;
    assert_eq!(symbols[1]["name"], "tail");
    client.diagnostics("finance.strata", |d| !d.is_empty()).await;
    assert!(client.logs.iter().any(|l| l.contains("not open")), "{:?}", client.logs);
}

#[tokio::test]
async fn files_on_disk_are_watched_even_when_broken_or_deleted_while_open() {
    let dir = coffee();
    std::fs::write(dir.path().join("latin1.strata"), b"result caf\xe9 \"Caf\xe9\"\n").expect("write");
    let mut client = Client::start(dir, false).await;
    let diags = client.expect_errors("latin1.strata", &["invalid-encoding"]).await;
    assert!(diags[0]["message"].as_str().unwrap_or_default().starts_with("`latin1.strata` is not valid UTF-8"));
    // A file created outside the editor.
    std::fs::write(client.root.join("new.strata"), "result fresh \"Fresh\" {\n  layer: nowhere\n}\n").expect("write");
    let root = client.root.clone();
    let change = |rel: &str, typ: u32| json!({ "changes": [{ "uri": uri(&root.join(rel)), "type": typ }] });
    client.notify("workspace/didChangeWatchedFiles", change("new.strata", 1)).await;
    client.expect_errors("new.strata", &["unknown-reference"]).await;
    // Changed outside the editor.
    std::fs::write(client.root.join("new.strata"), "result fresh \"Fresh\" {\n  layer: financial\n}\n").expect("write");
    client.notify("workspace/didChangeWatchedFiles", change("new.strata", 2)).await;
    client.expect_errors("new.strata", &[]).await;
    // Deleted while open: the editor's text stays until it is closed.
    client.open("customers.strata", CUSTOMERS).await;
    client.edit("customers.strata", 2, [9, 9, 9, 17], "nobody").await;
    client.expect_errors("customers.strata", &["unknown-reference"]).await;
    std::fs::remove_file(client.root.join("customers.strata")).expect("remove");
    client.notify("workspace/didChangeWatchedFiles", change("customers.strata", 3)).await;
    let hover = client.ok("textDocument/hover", client.pos("customers.strata", 7, 8)).await;
    assert!(text_of(&hover).contains("result `loyal`"));
    client.notify("textDocument/didClose", json!({ "textDocument": { "uri": client.uri("customers.strata") } })).await;
    client.diagnostics("customers.strata", <[Value]>::is_empty).await;
    // Deleted while closed: its diagnostics are cleared.
    std::fs::remove_file(client.root.join("latin1.strata")).expect("remove");
    client.notify("workspace/didChangeWatchedFiles", change("latin1.strata", 3)).await;
    client.diagnostics("latin1.strata", <[Value]>::is_empty).await;
}

/// Names that are not UTF-8: two directories that differ only in such a byte are two
/// documents, each published under a URI that percent-encodes its real bytes (`%FE`,
/// not the U+FFFD of a lossy conversion), and opening then closing one finds it on disk
/// again by that URI.
#[cfg(unix)]
#[tokio::test]
async fn names_that_are_not_utf8_are_documents_of_their_own() {
    use std::os::unix::ffi::OsStrExt as _;
    let dir = tempfile::tempdir().expect("temporary directory");
    for (name, text) in [
        (&b"d\xfe"[..], "result x \"X grows\" {\n  layer: nowhere\n}\n"),
        (b"d\xfd", "result y \"Y grows\" {\n  layer: elsewhere\n}\n"),
    ] {
        let sub = dir.path().join(std::ffi::OsStr::from_bytes(name));
        std::fs::create_dir_all(&sub).expect("create directory");
        std::fs::write(sub.join("x.strata"), text).expect("write file");
    }
    let root = uri(dir.path());
    let mut client = Client::start(dir, false).await;
    let (fe, fd) = (format!("{root}/d%FE/x.strata"), format!("{root}/d%FD/x.strata"));
    let message = |diags: &[Value]| {
        let error = diags.iter().find(|d| d["severity"] == 1);
        error.and_then(|d| d["message"].as_str()).unwrap_or_default().to_owned()
    };
    let shown = client.diagnostics_of(&fe, |d| errors_of(d) == ["unknown-reference"]).await;
    assert!(message(&shown).contains("`nowhere`"), "{shown:?}");
    let shown = client.diagnostics_of(&fd, |d| errors_of(d) == ["unknown-reference"]).await;
    assert!(message(&shown).contains("`elsewhere`"), "{shown:?}");
    let params = json!({ "textDocument": {
        "uri": fe, "languageId": "strata", "version": 1, "text": "result x \"X grows\"\n" } });
    client.notify("textDocument/didOpen", params).await;
    client.diagnostics_of(&fe, |d| errors_of(d).is_empty()).await;
    client.notify("textDocument/didClose", json!({ "textDocument": { "uri": fe } })).await;
    client.diagnostics_of(&fe, |d| errors_of(d) == ["unknown-reference"]).await;
    let lossy: Vec<&String> = client.diagnostics.keys().filter(|u| u.contains("%EF%BF%BD")).collect();
    assert!(lossy.is_empty(), "published under a lossy URI: {lossy:?}");
}

#[tokio::test]
async fn strata_toml_applies_and_is_checked() {
    let dir = workspace(&[
        ("strata.toml", "[lints]\nweasel-word = \"deny\"\n"),
        ("a.strata", "result r \"Our service is world-class\"\n"),
    ]);
    let mut client = Client::start(dir, false).await;
    client.expect_errors("a.strata", &["weasel-word"]).await;
    client.open("strata.toml", "[lints]\nweasel-word = \"allow\"\nbogus = \"warn\"\n").await;
    client.expect_errors("strata.toml", &["invalid-config"]).await;
    client.diagnostics("a.strata", |d| !codes_of(d).contains(&"weasel-word")).await;
}

/// `strata lsp` as a child process, spoken to frame by frame.
pub(crate) struct Process {
    pub(crate) child: std::process::Child,
    stdin: Option<std::process::ChildStdin>,
    pub(crate) messages: std::sync::mpsc::Receiver<Value>,
    seen: Vec<Value>,
    /// What the server wrote to stderr so far.
    pub(crate) stderr: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
}

impl Process {
    pub(crate) fn start() -> Process {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_strata"))
            .arg("lsp")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn strata lsp");
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("stdout");
        let (tx, messages) = std::sync::mpsc::channel();
        std::thread::spawn(move || frames::read_frames(stdout, tx));
        let stderr = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut pipe = child.stderr.take().expect("stderr");
        let sink = stderr.clone();
        std::thread::spawn(move || {
            use std::io::Read as _;
            let mut chunk = [0u8; 4096];
            while let Ok(n @ 1..) = pipe.read(&mut chunk) {
                sink.lock().unwrap_or_else(std::sync::PoisonError::into_inner).extend_from_slice(&chunk[..n]);
            }
        });
        Process { child, stdin, messages, seen: Vec::new(), stderr }
    }

    pub(crate) fn write(&mut self, bytes: &str) {
        self.write_bytes(bytes.as_bytes());
    }

    pub(crate) fn write_bytes(&mut self, bytes: &[u8]) {
        use std::io::Write as _;
        let stdin = self.stdin.as_mut().expect("stdin open");
        stdin.write_all(bytes).expect("write stdin");
        stdin.flush().expect("flush stdin");
    }

    /// The next message matching `ok`.
    pub(crate) fn wait(&mut self, ok: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.seen.iter().position(&ok) {
            return self.seen.remove(i);
        }
        loop {
            let message = self.messages.recv_timeout(TIMEOUT).expect("an answer in time");
            if ok(&message) {
                return message;
            }
            self.seen.push(message);
        }
    }

    pub(crate) fn answer(&mut self, id: i64) -> Value {
        self.wait(|m| m["id"] == id)
    }

    /// Closes stdin and returns the exit status.
    pub(crate) fn finish(mut self) -> Option<i32> {
        drop(self.stdin.take());
        self.child.wait().ok().and_then(|s| s.code())
    }

    /// The exit status once the process ends by itself (stdin left open), or `None`
    /// when it is still running after `TIMEOUT` (it is then killed).
    pub(crate) fn exit_code(mut self) -> Option<i32> {
        let deadline = std::time::Instant::now() + TIMEOUT;
        while std::time::Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        None
    }

    pub(crate) fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr.lock().unwrap_or_else(std::sync::PoisonError::into_inner)).into_owned()
    }
}

#[test]
fn the_binary_survives_malformed_json_and_exits_cleanly() {
    let dir = coffee();
    let init = json!({ "jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "processId": null, "rootUri": uri(dir.path()), "capabilities": {} } });
    let hover = |id: i64| {
        json!({ "jsonrpc": "2.0", "id": id, "method": "textDocument/hover", "params": {
        "textDocument": { "uri": uri(&dir.path().join("finance.strata")) }, "position": { "line": 0, "character": 8 } } })
    };
    let mut server = Process::start();
    server.write(&frame(r#"{"jsonrpc":"2.0","id":7,"method":"textDocument/hover"}"#));
    assert_eq!(server.answer(7)["error"]["code"], -32002, "before initialize");
    server.write(&frame(&init.to_string()));
    assert!(server.answer(1)["result"]["capabilities"]["hoverProvider"].as_bool().unwrap_or(false));
    server.write(&frame(r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#));
    for junk in [
        frame("{ this is not json"),
        "no header at all\r\n\r\n".to_owned(),
        frame("[1, 2, 3]"),
        frame(r#"{"id":5,"method":"x"}"#),
        "Content-Length: nine\r\n\r\n".to_owned(),
        frame("\u{FEFF}\u{1F600}"),
    ] {
        server.write(&junk);
        let error = server.wait(|m| m["error"].is_object() && (m["id"].is_null() || m["id"] == 5));
        let code = error["error"]["code"].as_i64().unwrap_or(0);
        assert!(code == -32700 || code == -32600, "{junk:?}: {error}");
        // Still serving.
        server.write(&frame(&hover(2).to_string()));
        assert!(text_of(&server.answer(2)["result"]).contains("result `profit`"), "after {junk:?}");
    }
    server.write(&frame(r#"{"jsonrpc":"2.0","id":3,"method":"no/such/method","params":{}}"#));
    assert_eq!(server.answer(3)["error"]["code"], -32601);
    server.write(&frame(r#"{"jsonrpc":"2.0","id":4,"method":"shutdown"}"#));
    assert_eq!(server.answer(4)["result"], Value::Null);
    server.write(&frame(r#"{"jsonrpc":"2.0","method":"exit"}"#));
    assert_eq!(server.finish(), Some(0));
    // `exit` without `shutdown` is not a clean exit, and neither is a closed stdin.
    let mut server = Process::start();
    server.write(&frame(&init.to_string()));
    server.answer(1);
    server.write(&frame(r#"{"jsonrpc":"2.0","method":"exit"}"#));
    assert_eq!(server.finish(), Some(1));
    let mut server = Process::start();
    server.write(&frame(&init.to_string()));
    server.answer(1);
    assert_eq!(server.finish(), Some(1));
}

#[tokio::test]
async fn documents_outside_any_folder_and_nested_workspaces() {
    // No folder at all: an opened document is checked alone.
    let mut client = Client::bare();
    let params = json!({ "processId": null, "rootUri": null, "capabilities": {} });
    client.ok("initialize", params).await;
    client.notify("initialized", json!({})).await;
    let dir = workspace(&[("strata.toml", "[lints]\nisolated-result = \"deny\"\n")]);
    client.root = dir.path().to_path_buf();
    client.open("alone.strata", "result a \"A\" {\n  layer: nowhere\n}\nresult b \"B\"\n").await;
    // The `strata.toml` beside it applies, as `strata check alone.strata` would.
    let errors =
        client.expect_errors("alone.strata", &["isolated-result", "unknown-reference", "isolated-result"]).await;
    assert_eq!(errors.len(), 3);
    let hover = client.ok("textDocument/hover", client.pos("alone.strata", 0, 7)).await;
    assert!(text_of(&hover).contains("result `a`"));

    // A directory with its own `strata.toml` is a workspace of its own: its ids are not
    // visible from the folder's workspace.
    let dir = workspace(&[
        ("top.strata", "result top \"Top\"\ntop -> inner\n"),
        ("sub/strata.toml", "[lints]\n"),
        ("sub/inner.strata", "result inner \"Inner\"\n"),
    ]);
    let mut client = Client::start(dir, false).await;
    client.expect_errors("top.strata", &["unknown-reference"]).await;
    // A folder added later is read and checked too.
    let other = workspace(&[("x.strata", "result x \"X\" {\n  layer: nowhere\n}\n")]);
    let added = json!({ "event": { "added": [{ "uri": uri(other.path()), "name": "other" }], "removed": [] } });
    client.notify("workspace/didChangeWorkspaceFolders", added).await;
    let x = uri(&other.path().join("x.strata"));
    client.diagnostics_of(&x, |d| errors_of(d) == ["unknown-reference"]).await;
    let removed = json!({ "event": { "added": [], "removed": [{ "uri": uri(other.path()), "name": "other" }] } });
    client.notify("workspace/didChangeWorkspaceFolders", removed).await;
    client.diagnostics_of(&x, <[Value]>::is_empty).await;
}

/// Measure data (spec §9): the server reads the CSV files the measures name as `strata
/// check` does, publishes what is wrong in them on the CSV's own URI, and reads a CSV
/// again when it is edited in the editor.
#[tokio::test]
async fn data_files_are_checked_as_check_does_and_edits_re_read() {
    let fixture = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/check/data_lints");
    let dir = tempfile::tempdir().expect("temporary directory");
    std::fs::create_dir(dir.path().join("data")).expect("mkdir");
    for rel in
        ["map.strata", "strata.toml", "data/margin.csv", "data/fresh.csv", "data/complaints.csv", "data/queue.csv"]
    {
        std::fs::copy(fixture.join(rel), dir.path().join(rel)).expect("copy");
    }
    let mut loaded = strata::workspace::load(&[dir.path().to_path_buf()]).expect("load");
    let (asts, diags) = strata::workspace::parse_and_read_data(&mut loaded[0]);
    let expected = strata::check_parsed(&loaded[0].workspace, asts, diags);
    let want = |file: &str| -> Vec<(String, u32)> {
        let workspace = &loaded[0].workspace;
        let mut list: Vec<(String, u32)> = expected
            .diagnostics
            .iter()
            .filter(|d| strata::diagnostics::render::Sources::source(workspace, d.loc().file).path.ends_with(file))
            .map(|d| {
                let source = strata::diagnostics::render::Sources::source(workspace, d.loc().file);
                (d.code.name().to_owned(), source.line_index.line_of(d.loc().span.start as usize) as u32)
            })
            .collect();
        list.sort();
        list
    };
    let got = |published: &[Value]| -> Vec<(String, u32)> {
        let mut list: Vec<(String, u32)> = published
            .iter()
            .map(|d| {
                let code = d["code"].as_str().unwrap_or_default().to_owned();
                (code, d["range"]["start"]["line"].as_u64().unwrap_or(0) as u32)
            })
            .collect();
        list.sort();
        list
    };
    let (csv, map) = (want("complaints.csv"), want("map.strata"));
    assert!(csv.iter().any(|(code, _)| code == "data-frequency-mismatch"), "{csv:?}");
    assert!(map.iter().any(|(code, _)| code == "short-baseline"), "{map:?}");
    let mut client = Client::start(dir, false).await;
    let published = client.diagnostics("data/complaints.csv", |d| !d.is_empty()).await;
    assert_eq!(got(&published), csv);
    let published = client.diagnostics("map.strata", |d| got(d) == map).await;
    assert_eq!(got(&published), map);

    // Edit the open CSV: a value that is not a number is reported at once, in the CSV.
    let text = std::fs::read_to_string(fixture.join("data/fresh.csv")).expect("read");
    client.open("data/fresh.csv", &text).await;
    client.edit("data/fresh.csv", 2, [1, 8, 1, 11], "4,1").await;
    let published = client.diagnostics("data/fresh.csv", |d| !d.is_empty()).await;
    assert_eq!(got(&published), [("invalid-data".to_owned(), 1)]);
    // And fixing it clears it; the short baseline is back on the map.
    client.edit("data/fresh.csv", 3, [1, 8, 1, 11], "4.1").await;
    client.diagnostics("data/fresh.csv", <[Value]>::is_empty).await;
    client.diagnostics("map.strata", |d| d.iter().any(|d| d["code"] == "short-baseline")).await;
}

#[tokio::test]
async fn several_folders_are_one_workspace_as_for_check() {
    // `strata check f1 f2`: one namespace, configured by the first path's `strata.toml`.
    let dir = workspace(&[
        ("f1/strata.toml", "[lints]\nresult-without-measure = \"deny\"\n"),
        ("f1/a.strata", "result a \"A holds\"\na -> b\n"),
        ("f2/strata.toml", "[lints]\nresult-without-measure = \"allow\"\n"),
        ("f2/b.strata", "result b \"B holds\"\n"),
    ]);
    let (f1, f2) = (dir.path().join("f1"), dir.path().join("f2"));
    let loaded = strata::workspace::load(&[f1.clone(), f2.clone()]).expect("load the folders");
    assert_eq!(loaded.len(), 1);
    let check = strata::check(&loaded[0].workspace);
    let errors: Vec<&str> = check.diagnostics.iter().map(|d| d.code.name()).collect();
    assert_eq!(errors, ["result-without-measure", "result-without-measure"]);

    let mut client = Client::bare();
    let params = json!({
        "processId": null,
        "capabilities": {},
        "workspaceFolders": [{ "uri": uri(&f1), "name": "f1" }, { "uri": uri(&f2), "name": "f2" }],
    });
    client.ok("initialize", params).await;
    client.notify("initialized", json!({})).await;
    let a = uri(&f1.join("a.strata"));
    let b = uri(&f2.join("b.strata"));
    client.diagnostics_of(&a, |d| errors_of(d) == ["result-without-measure"]).await;
    client.diagnostics_of(&b, |d| errors_of(d) == ["result-without-measure"]).await;
    // Going to the definition crosses the folders.
    let at = json!({ "textDocument": { "uri": a }, "position": { "line": 1, "character": 5 } });
    let definition = client.ok("textDocument/definition", at).await;
    assert_eq!(definition["uri"], b, "{definition}");
}

#[tokio::test]
async fn quick_fixes_never_create_an_error() {
    let text = "action app \"Launch the pre-order app\"\nresult profit \"Profit holds\"\napp -> ap\nap -> profit\nresult launch \"Launch a pre-order app\"\napp -> launch\n";
    let dir = workspace(&[("fix.strata", text)]);
    let mut client = Client::start(dir, false).await;
    client.diagnostics("fix.strata", |d| codes_of(d).contains(&"result-is-action")).await;
    // `app` is an action: as an effect it would be an error, so it is not suggested
    // there; as a cause it is.
    let titles = |actions: &[Value]| {
        actions.iter().map(|a| a["title"].as_str().unwrap_or_default().to_owned()).collect::<Vec<_>>()
    };
    let effect = titles(&fixes(&mut client, "fix.strata", 2).await);
    assert!(!effect.iter().any(|t| t.starts_with("Replace")), "{effect:?}");
    assert!(effect.contains(&"Declare result `ap`".to_owned()), "{effect:?}");
    let cause = titles(&fixes(&mut client, "fix.strata", 3).await);
    assert!(cause.contains(&"Replace `ap` with `app`".to_owned()), "{cause:?}");
}

#[tokio::test]
async fn no_action_fix_for_the_effect_of_a_link() {
    let text = "action app \"Launch the pre-order app\"\nresult profit \"Profit holds\"\napp -> ap\nap -> profit\nresult launch \"Launch a pre-order app\"\napp -> launch\n";
    let dir = workspace(&[("fix.strata", text)]);
    let mut client = Client::start(dir, false).await;
    client.diagnostics("fix.strata", |d| codes_of(d).contains(&"result-is-action")).await;
    let titles = |actions: &[Value]| {
        actions.iter().map(|a| a["title"].as_str().unwrap_or_default().to_owned()).collect::<Vec<_>>()
    };
    // `launch` is the effect of a link: an action there would be an error.
    let launch = titles(&fixes(&mut client, "fix.strata", 4).await);
    assert!(launch.contains(&"Suppress `result-is-action` here with a comment".to_owned()), "{launch:?}");
    assert!(!launch.iter().any(|t| t.starts_with("Turn")), "{launch:?}");
}

/// A map with a duplicated id, Markdown in its text and a string over several lines.
async fn duplicates_and_markdown() -> Client {
    let a = "result fast \"*grows* [see](http://x)\" {\n  owner: \"# Ops <b>team</b>\"\n  note: \"line one\n    - not a list\"\n}\n";
    let b = "result fast \"Second\"\nfast -> fast\n";
    let dir = workspace(&[("a.strata", a), ("b.strata", b)]);
    let mut client = Client::start(dir, false).await;
    client.diagnostics("b.strata", |d| errors_of(d).contains(&"duplicate-id")).await;
    client
}

#[tokio::test]
async fn rename_at_a_duplicate_renames_every_declaration() {
    let mut client = duplicates_and_markdown().await;
    // Rename at the second declaration: prepareRename offers it, and rename edits it
    // along with the first declaration and every use.
    let prepared = client.ok("textDocument/prepareRename", client.pos("b.strata", 0, 8)).await;
    assert_eq!(prepared["range"]["start"], json!({ "line": 0, "character": 7 }));
    let mut params = client.pos("b.strata", 0, 8);
    params["newName"] = json!("quick");
    let edit = client.ok("textDocument/rename", params).await;
    let starts = |rel: &str| -> Vec<Value> {
        let edits = edit["changes"][client.uri(rel)].as_array().cloned().unwrap_or_default();
        edits.iter().map(|e| e["range"]["start"].clone()).collect()
    };
    assert_eq!(starts("a.strata"), [json!({ "line": 0, "character": 7 })]);
    let mut in_b = starts("b.strata");
    in_b.sort_by_key(|p| (p["line"].as_u64(), p["character"].as_u64()));
    let expected = [(0, 7), (1, 0), (1, 8)].map(|(line, character)| json!({ "line": line, "character": character }));
    assert_eq!(in_b, expected);
}

#[tokio::test]
async fn strings_over_several_lines_fold() {
    let mut client = duplicates_and_markdown().await;
    let folds =
        client.ok("textDocument/foldingRange", json!({ "textDocument": { "uri": client.uri("a.strata") } })).await;
    let ranges: Vec<(u64, u64)> = folds
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| (f["startLine"].as_u64().unwrap_or(0), f["endLine"].as_u64().unwrap_or(0)))
        .collect();
    assert!(ranges.contains(&(2, 3)), "{ranges:?}");
}

#[tokio::test]
async fn hover_shows_user_text_as_typed() {
    let mut client = duplicates_and_markdown().await;
    let hover = text_of(&client.ok("textDocument/hover", client.pos("a.strata", 0, 8)).await);
    for needle in [
        r"**result `fast`**: \*grows\* \[see\]\(http\:\/\/x\)",
        r"owner: \# Ops \<b\>team\<\/b\>",
        "note: line one\\\n&#32;&#32;&#32;&#32;\\- not a list",
    ] {
        assert!(hover.contains(needle), "{needle:?} not in:\n{hover}");
    }
}

/// Copies a fixture folder (files only, recursively) into `to`.
fn copy_tree(from: &Path, to: &Path) {
    let mut todo = vec![(from.to_path_buf(), to.to_path_buf())];
    while let Some((from, to)) = todo.pop() {
        std::fs::create_dir_all(&to).expect("mkdir");
        for entry in std::fs::read_dir(&from).expect("read_dir").flatten() {
            let (path, dest) = (entry.path(), to.join(entry.file_name()));
            if path.is_dir() {
                todo.push((path, dest));
            } else {
                std::fs::copy(&path, &dest).expect("copy");
            }
        }
    }
}

/// Measure data in the editor (spec §9, issue 18): hover reads a measure's chart out in
/// words, a code lens sums it up, and completion after `data:` offers the CSV files
/// under the root, relative to the declaring file, and nothing outside the root. The
/// answers are compared with `tests/fixtures/lsp/data/expected.md`.
#[tokio::test]
async fn measure_data_in_hover_code_lens_and_completion() {
    let fixture = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lsp/data");
    let dir = tempfile::tempdir().expect("temporary directory");
    let root = dir.path().join("ws");
    copy_tree(&fixture.join("ws"), &root);
    // Beside the root: a CSV file never offered.
    std::fs::create_dir(dir.path().join("outside")).expect("mkdir");
    std::fs::write(dir.path().join("outside/elsewhere.csv"), "period,value\n").expect("write");
    // A name with a quote (escaped in the string inserted), one that is not UTF-8 (no
    // `data` path can spell it: not offered, no crash), and a hidden folder (skipped).
    std::fs::write(root.join("data/say \"cheese\".csv"), "period,value\n").expect("write");
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt as _;
        let name = std::ffi::OsStr::from_bytes(b"data/caf\xE9.csv");
        std::fs::write(root.join(name), "period,value\n").expect("write");
    }
    std::fs::create_dir(root.join(".hidden")).expect("mkdir");
    std::fs::write(root.join(".hidden/secret.csv"), "period,value\n").expect("write");

    let mut client = Client::start(tempfile::TempDir::new().expect("tempdir"), false).await;
    // Serve `root`, not the empty folder `start` made.
    let folder = json!({ "uri": uri(&root), "name": "ws" });
    let params = json!({ "event": { "added": [folder], "removed": [{ "uri": uri(&client.root), "name": "ws" }] } });
    client.notify("workspace/didChangeWorkspaceFolders", params).await;
    client.root = root.clone();
    let map = "maps/coffee.strata";
    let text = std::fs::read_to_string(root.join(map)).expect("read");
    client.diagnostics(map, |d| codes_of(d) == ["short-baseline"]).await;

    let mut out = String::new();
    for id in ["quick", "wait", "margin", "fresh", "spill"] {
        let needle = format!(" {id} \"");
        let (line, character) = at16(&text, &needle, 1);
        let hover = client.ok("textDocument/hover", client.pos(map, line, character)).await;
        out.push_str(&format!("## hover on `{id}`\n\n{}\n\n", text_of(&hover)));
    }
    let lenses = client.ok("textDocument/codeLens", json!({ "textDocument": { "uri": client.uri(map) } })).await;
    out.push_str("## code lenses\n\n");
    for lens in lenses.as_array().into_iter().flatten() {
        let start = &lens["range"]["start"];
        out.push_str(&format!("- {}:{} {}\n", start["line"], start["character"], lens["command"]["title"]));
    }
    let cases = [
        ("after `data:`", "frequency: monthly\n  }\n}", "frequency: monthly\n    data: |\n  }\n}"),
        ("in an open string", "frequency: monthly\n  }\n}", "frequency: monthly\n    data: \"|\n  }\n}"),
        (
            "inside a whole string",
            "frequency: monthly\n  }\n}",
            "frequency: monthly\n    data: \"../data/w|x.csv\"\n  }\n}",
        ),
        ("typed in the string", "frequency: monthly\n  }\n}", "frequency: monthly\n    data: \"ARCH|\n  }\n}"),
        ("in a result's block", "owner: \"Head of Operations\"", "owner: \"Head of Operations\"\n  data: |"),
        ("in a comment", "# No data yet", "# No data: |"),
    ];
    for (version, (what, from, to)) in (2..).zip(cases) {
        let marked = text.replacen(from, to, 1);
        assert_ne!(marked, text, "{what}");
        let (line, character) = at16(&marked, "|", 0);
        let edited = marked.replacen('|', "", 1);
        let params = json!({
            "textDocument": { "uri": client.uri(map), "version": version },
            "contentChanges": [{ "text": edited }],
        });
        if version == 2 {
            client.open(map, &edited).await;
        } else {
            client.notify("textDocument/didChange", params).await;
        }
        let answer = client.ok("textDocument/completion", client.pos(map, line, character)).await;
        out.push_str(&format!("\n## completion {what} (line {line}, column {character})\n\n"));
        let items = answer["items"].as_array().cloned().unwrap_or_default();
        if items.is_empty() {
            out.push_str("(no items)\n");
        }
        for item in items.iter().filter(|i| i["kind"] == 17) {
            let edit = &item["textEdit"];
            let (start, end) = (&edit["range"]["start"], &edit["range"]["end"]);
            out.push_str(&format!(
                "- {} -> {} at {}:{}-{}:{}\n",
                item["label"], edit["newText"], start["line"], start["character"], end["line"], end["character"]
            ));
        }
        if items.iter().any(|i| i["kind"] != 17) {
            out.push_str("(other items)\n");
        }
    }
    let expected = fixture.join("expected.md");
    if let Err(mismatch) = crate::common::expect_file(&expected, &out) {
        panic!("{mismatch}");
    }
}

/// The server's preferred quick fixes on a file are `strata check --fix`'s edits (both
/// come from `strata::fix`): applied line by line, they give `check --fix`'s result.
#[tokio::test]
async fn preferred_quick_fixes_are_check_fix_edits() {
    let cli = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cli");
    let text = std::fs::read_to_string(cli.join("fix/a.strata")).expect("the fixture");
    let fixed = std::fs::read_to_string(cli.join("fix.fixed")).expect("check --fix's result");
    let mut client = Client::start(workspace(&[("a.strata", &text)]), false).await;
    client.open("a.strata", &text).await;
    client.diagnostics("a.strata", |d| codes_of(d).contains(&"unknown-reference")).await;
    let uri = client.uri("a.strata");
    let mut edits = Vec::new();
    for line in 0..text.lines().count() as u32 {
        for action in fixes(&mut client, "a.strata", line).await {
            if action["isPreferred"] == true {
                edits.extend(action["edit"]["changes"][&uri].as_array().cloned().unwrap_or_default());
            }
        }
    }
    // An action offered on two lines (a diagnostic spanning them) counts once.
    edits.sort_by_key(|e| e.to_string());
    edits.dedup();
    assert_eq!(apply(&text, &edits), fixed);
}
