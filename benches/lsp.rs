//! Benchmark of `strata lsp` (run with `cargo bench --bench lsp`; numbers go in
//! BENCHMARKS.md): the release binary over stdio, spoken to as an editor would, on
//! generated workspaces of 1,000 and 10,000 results (`strata::synth`, 50 results a
//! file). Measures the first analysis, the latency from a `didChange` to the
//! `publishDiagnostics` of that version, hover, definition, completion and references
//! on a settled workspace, and hover right after an edit (which waits for the analysis
//! of the edit). Prints a Markdown table of medians, p95 and maxima for each size.
//! Not a test: nothing here asserts a time.

#[path = "../tests/support/lsp_frames.rs"]
mod frames;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const TIMEOUT: Duration = Duration::from_secs(120);

struct Server {
    child: Child,
    stdin: ChildStdin,
    messages: Receiver<Value>,
    next_id: i64,
}

impl Server {
    fn start(binary: &Path) -> Server {
        let mut child = Command::new(binary)
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
        let stdin = child.stdin.take().unwrap_or_else(|| panic!("no stdin"));
        let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
        let (tx, messages) = channel();
        std::thread::spawn(move || frames::read_frames(stdout, tx));
        Server { child, stdin, messages, next_id: 0 }
    }

    fn send(&mut self, message: &Value) {
        let frame = frames::frame(&message.to_string());
        self.stdin.write_all(frame.as_bytes()).unwrap_or_else(|e| panic!("write: {e}"));
        self.stdin.flush().unwrap_or_else(|e| panic!("flush: {e}"));
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(&frames::notification(method, params));
    }

    fn request(&mut self, method: &str, params: Value) -> i64 {
        self.next_id += 1;
        self.send(&frames::request(self.next_id, method, params));
        self.next_id
    }

    fn wait(&mut self, ok: impl Fn(&Value) -> bool) -> Value {
        loop {
            let message = self.messages.recv_timeout(TIMEOUT).unwrap_or_else(|e| panic!("no message in time: {e}"));
            if ok(&message) {
                return message;
            }
        }
    }

    fn call(&mut self, method: &str, params: Value) -> Value {
        let id = self.request(method, params);
        self.wait(|m| m["id"] == id)
    }
}

fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// `samples | median | p95 | max`, in milliseconds.
fn stats(samples: &mut [Duration]) -> String {
    if samples.is_empty() {
        return "0 | | |".to_owned();
    }
    samples.sort();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1000.0);
    format!("{} | {} | {} | {}", samples.len(), ms(at(0.5)), ms(at(0.95)), ms(at(1.0)))
}

/// Times `runs` answers to `method` at `params`, checking each with `ok`.
fn time_requests(
    server: &mut Server,
    runs: usize,
    method: &str,
    params: &Value,
    ok: impl Fn(&Value) -> bool,
) -> Vec<Duration> {
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        let sent = Instant::now();
        let answer = server.call(method, params.clone());
        samples.push(sent.elapsed());
        assert!(ok(&answer["result"]), "{method}: {answer}");
    }
    samples
}

/// Writes a workspace of `results` results, serves it and prints the table.
fn run(binary: &Path, results: usize, runs: usize, request_runs: usize) {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("lsp-bench-{results}"));
    let _ = std::fs::remove_dir_all(&dir);
    let files = strata::synth::workspace(results, 50, 42);
    let bytes: usize = files.iter().map(|f| f.text.len()).sum();
    for file in &files {
        let path = dir.join(&file.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{}: {e}", parent.display()));
        }
        std::fs::write(&path, &file.text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
    // The file edited: one in the middle of the workspace.
    let result_files: Vec<_> = files.iter().filter(|f| f.path.starts_with("results/")).collect();
    let edited = result_files.get(result_files.len() / 2).unwrap_or_else(|| panic!("no results file"));
    let path = dir.join(&edited.path);
    let text = edited.text.clone();
    let doc = uri(&path);
    println!(
        "workspace: {results} results, {} files, {:.1} MB; edited file `{}` ({} lines)\n",
        files.len(),
        bytes as f64 / 1e6,
        edited.path,
        text.lines().count()
    );

    let mut server = Server::start(binary);
    let start = Instant::now();
    server.call(
        "initialize",
        json!({ "processId": null, "rootUri": uri(&dir), "capabilities": {},
                "workspaceFolders": [{ "uri": uri(&dir), "name": "bench" }] }),
    );
    server.notify("initialized", json!({}));
    let initialized = start.elapsed();
    // A hover waits for the first analysis of the whole workspace. The position: the
    // effect of a link, an id declared in another file.
    let (link_line, link_col) = text
        .lines()
        .enumerate()
        .find_map(|(i, line)| line.find(" -> r").map(|c| (i, c + 5)))
        .unwrap_or_else(|| panic!("no link in the edited file"));
    let at = json!({ "textDocument": { "uri": doc }, "position": { "line": link_line, "character": link_col } });
    let hover = server.call("textDocument/hover", at.clone());
    assert!(hover["result"]["contents"]["value"].as_str().is_some_and(|t| t.contains("result")), "{hover}");
    let first_analysis = start.elapsed();

    server.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": doc, "languageId": "strata", "version": 1, "text": text } }),
    );
    // The first `layer: ` value of the file, broken and fixed in turn: the edited file
    // still declares what it declared, so only it is read again.
    let (layer_line, layer_col, layer_len) = text
        .lines()
        .enumerate()
        .find_map(|(i, line)| {
            let at = line.find("layer: ")?;
            Some((i, at + 7, line.len() - at - 7))
        })
        .unwrap_or_else(|| panic!("no layer in the edited file"));
    let original = text.lines().nth(layer_line).map(|l| l[layer_col..layer_col + layer_len].to_owned());
    let original = original.unwrap_or_default();
    let mut version = 1;
    let mut change =
        time_toggles(&mut server, &doc, &mut version, (layer_line, layer_col), &original, "nowhere_layer", runs);
    // The first result's id, renamed and back: the files that use it are read again.
    let (decl_line, id) = text
        .lines()
        .enumerate()
        .find_map(|(i, line)| Some((i, line.strip_prefix("result ")?.split(' ').next()?.to_owned())))
        .unwrap_or_else(|| panic!("no result in the edited file"));
    let renamed = format!("{id}_renamed");
    let mut rename = time_toggles(&mut server, &doc, &mut version, (decl_line, 7), &id, &renamed, runs);
    // A result added at the end of the file and removed: every later node moves.
    assert!(text.ends_with('\n'));
    let end = (text.lines().count(), 0);
    let mut added = time_toggles(&mut server, &doc, &mut version, end, "", "result bench_added \"Added\"", runs);
    // The map's method, in its own file, made invalid and mended (a diagnostic there
    // comes and goes): the whole workspace is analysed again.
    let map = files.iter().find(|f| f.path.ends_with("map.strata")).unwrap_or_else(|| panic!("no map file"));
    let map_doc = uri(&dir.join(&map.path));
    server.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": map_doc, "languageId": "strata", "version": 1, "text": map.text } }),
    );
    let method = map
        .text
        .lines()
        .enumerate()
        .find_map(|(i, line)| Some((i, line.find("method: pump")? + 8)))
        .unwrap_or_else(|| panic!("no method in the map"));
    let mut map_version = 1;
    let mut whole = time_toggles(&mut server, &map_doc, &mut map_version, method, "pump", "pumps", runs);
    let mut hovers = time_requests(&mut server, request_runs, "textDocument/hover", &at, Value::is_object);
    let mut definitions =
        time_requests(&mut server, request_runs, "textDocument/definition", &at, |r| r["uri"].is_string());
    let mut completions = time_requests(&mut server, request_runs, "textDocument/completion", &at, |r| {
        r["items"].as_array().is_some_and(|items| !items.is_empty())
    });
    let mut with_declaration = at.clone();
    with_declaration["context"] = json!({ "includeDeclaration": true });
    let mut references = time_requests(&mut server, request_runs, "textDocument/references", &with_declaration, |r| {
        r.as_array().is_some_and(|found| found.len() >= 2)
    });
    // Hover right after an edit: it waits for the analysis of the edit.
    let mut after_edit = Vec::new();
    for _ in 0..runs {
        version += 1;
        let edit = json!({
            "textDocument": { "uri": doc, "version": version },
            "contentChanges": [{ "range": {
                "start": { "line": 0, "character": 0 }, "end": { "line": 0, "character": 0 } }, "text": "" }],
        });
        let sent = Instant::now();
        server.notify("textDocument/didChange", edit);
        let answer = server.call("textDocument/hover", at.clone());
        after_edit.push(sent.elapsed());
        assert!(answer["result"].is_object(), "{answer}");
    }
    server.call("shutdown", Value::Null);
    server.notify("exit", Value::Null);
    let _ = server.child.wait();

    let ms = |d: Duration| format!("{:.0} ms", d.as_secs_f64() * 1000.0);
    println!("| what ({results} results) | samples | median | p95 | max |");
    println!("|---|---:|---:|---:|---:|");
    println!("| `initialize` answered (folders read) | 1 | {} | | |", ms(initialized));
    println!("| first hover answered (first analysis of the workspace) | 1 | {} | | |", ms(first_analysis));
    println!("| `didChange` (an attribute's value) -> `publishDiagnostics` of that version | {} |", stats(&mut change));
    println!("| … when the edit renames a result used in other files | {} |", stats(&mut rename));
    println!("| … when the edit adds a result (every later node moves) | {} |", stats(&mut added));
    println!("| … when the edit is in the map's file (the whole workspace analysed) | {} |", stats(&mut whole));
    println!("| hover, settled | {} |", stats(&mut hovers));
    println!("| definition, settled | {} |", stats(&mut definitions));
    println!("| completion on a link's effect, settled | {} |", stats(&mut completions));
    println!("| references (with the declaration), settled | {} |", stats(&mut references));
    println!("| hover right after a `didChange` | {} |\n", stats(&mut after_edit));
}

/// Replaces `original` at `at` (line, UTF-16 column; ASCII here) with `other`, and back,
/// `runs` times in all, timing each `didChange` to the `publishDiagnostics` of its version
/// for the edited document. Ends with `original` in place.
fn time_toggles(
    server: &mut Server,
    doc: &str,
    version: &mut i32,
    (line, col): (usize, usize),
    original: &str,
    other: &str,
    runs: usize,
) -> Vec<Duration> {
    let mut times = Vec::new();
    let mut current = original;
    for run in 0..runs + runs % 2 {
        *version += 1;
        let next = if current == original { other } else { original };
        let edit = json!({
            "textDocument": { "uri": doc, "version": *version },
            "contentChanges": [{ "range": {
                "start": { "line": line, "character": col },
                "end": { "line": line, "character": col + current.len() } }, "text": next }],
        });
        let sent = Instant::now();
        server.notify("textDocument/didChange", edit);
        let v = *version;
        server.wait(|m| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == doc && m["params"]["version"] == v
        });
        if run < runs {
            times.push(sent.elapsed());
        }
        current = next;
    }
    times
}

/// Measure data (issue 18): a workspace of `measures` measures with 60 monthly values
/// each, one CSV file per measure (`strata::synth::data_workspace`). One CSV file is
/// opened and a value in it broken and mended in turn (an `invalid-data` comes and
/// goes), timing each `didChange` to the `publishDiagnostics` of that version for the
/// CSV file; then the same on a measure's `data:` line in its `.strata` file, for
/// comparison; then a hover on the measure (its chart in words), settled.
fn run_data(binary: &Path, measures: usize, runs: usize, request_runs: usize) {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("lsp-bench-data-{measures}"));
    let _ = std::fs::remove_dir_all(&dir);
    let files = strata::synth::data_workspace(measures, 60, 42);
    for file in &files {
        let path = dir.join(&file.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{}: {e}", parent.display()));
        }
        std::fs::write(&path, &file.text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
    let csvs: Vec<_> = files.iter().filter(|f| f.path.ends_with(".csv")).collect();
    let edited = csvs.get(csvs.len() / 2).unwrap_or_else(|| panic!("no CSV file"));
    let rows: usize = csvs.iter().map(|f| f.text.lines().count() - 1).sum();
    println!("data workspace: {measures} measures, {rows} CSV rows, {} files; edited `{}`\n", files.len(), edited.path);
    let mut server = Server::start(binary);
    let start = Instant::now();
    server.call(
        "initialize",
        json!({ "processId": null, "rootUri": uri(&dir), "capabilities": {},
                "workspaceFolders": [{ "uri": uri(&dir), "name": "bench" }] }),
    );
    server.notify("initialized", json!({}));
    // The measure reading the edited file, and its declaration.
    let id = edited.path.trim_start_matches("data/m").trim_end_matches(".csv").trim_start_matches('0');
    let id = format!("m{}", if id.is_empty() { "0" } else { id });
    let map = files
        .iter()
        .find(|f| f.path.ends_with(".strata") && f.text.contains(&format!("measure {id} ")))
        .unwrap_or_else(|| panic!("no map declares {id}"));
    let map_doc = uri(&dir.join(&map.path));
    let decl = map.text.lines().position(|l| l.contains(&format!("measure {id} "))).unwrap_or(0);
    let col = map.text.lines().nth(decl).and_then(|l| l.find(&id)).unwrap_or(0);
    let at = json!({ "textDocument": { "uri": map_doc }, "position": { "line": decl, "character": col } });
    let hover = server.call("textDocument/hover", at.clone());
    assert!(hover["result"]["contents"]["value"].as_str().is_some_and(|t| t.contains("central line")), "{hover}");
    let first_analysis = start.elapsed();
    let doc = uri(&dir.join(&edited.path));
    server.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": doc, "languageId": "csv", "version": 1, "text": edited.text } }),
    );
    // The first value (line 1, after `2020-01,`), made no number and back.
    let first = edited.text.lines().nth(1).unwrap_or_default();
    let value = first.split(',').nth(1).unwrap_or_default().to_owned();
    let mut version = 1;
    let csv_runs = if wanted("data-csv") { runs } else { 0 };
    let mut csv = time_toggles(&mut server, &doc, &mut version, (1, 8), &value, "n/a", csv_runs);
    // The measure's `data:` path, broken and mended, in its `.strata` file.
    server.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": map_doc, "languageId": "strata", "version": 1, "text": map.text } }),
    );
    let (data_line, data_col) = map
        .text
        .lines()
        .enumerate()
        .skip(decl)
        .find_map(|(i, l)| Some((i, l.find("data: \"")? + 7)))
        .unwrap_or_else(|| panic!("no data line"));
    let mut map_version = 1;
    let path_runs = if wanted("data-path") { runs } else { 0 };
    let mut path_edit =
        time_toggles(&mut server, &map_doc, &mut map_version, (data_line, data_col), "../", "../../", path_runs);
    let mut hovers = time_requests(&mut server, request_runs, "textDocument/hover", &at, Value::is_object);
    server.call("shutdown", Value::Null);
    server.notify("exit", Value::Null);
    let _ = server.child.wait();
    let ms = |d: Duration| format!("{:.0} ms", d.as_secs_f64() * 1000.0);
    println!("| what ({measures} measures, {rows} CSV rows) | samples | median | p95 | max |");
    println!("|---|---:|---:|---:|---:|");
    println!("| first hover answered (first analysis, every CSV read) | 1 | {} | | |", ms(first_analysis));
    println!("| CSV `didChange` (a value) -> `publishDiagnostics` of that version | {} |", stats(&mut csv));
    println!("| `.strata` `didChange` (a `data:` path) -> `publishDiagnostics` | {} |", stats(&mut path_edit));
    println!("| hover on a measure with data, settled | {} |\n", stats(&mut hovers));
}

/// Whether `section` is to run: `STRATA_BENCH_SECTIONS` (comma-separated: `edits`,
/// `data-csv`, `data-path`, `shapes`) lists those wanted; every one when it is unset.
fn wanted(section: &str) -> bool {
    std::env::var("STRATA_BENCH_SECTIONS").map_or(true, |s| s.split(',').any(|w| w.trim() == section))
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --all-targets` does not, and then this
    // runs once on a tiny workspace, as a smoke test of the harness.
    let bench = std::env::args().any(|a| a == "--bench");
    let number = |name: &str| std::env::var(name).ok().and_then(|n| n.trim().parse::<usize>().ok());
    let sizes: Vec<usize> = std::env::var("STRATA_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .or_else(|| number("STRATA_BENCH_RESULTS").map(|n| vec![n]))
        .unwrap_or_else(|| if bench { vec![1_000, 10_000] } else { vec![100] });
    let runs = number("STRATA_BENCH_RUNS").unwrap_or(if bench { 30 } else { 2 });
    let request_runs = if bench { runs.max(100) } else { runs };
    // Another build of `strata` (the code before a change, say) can be measured instead.
    let binary = std::env::var_os("STRATA_BENCH_BINARY")
        .map_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_strata")), PathBuf::from);
    for &results in sizes.iter().filter(|_| wanted("edits")) {
        run(&binary, results, runs, request_runs);
    }
    let data_sizes: Vec<usize> = std::env::var("STRATA_BENCH_DATA_MEASURES")
        .ok()
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| if bench { vec![1_000, 10_000] } else { vec![100] });
    for measures in data_sizes.into_iter().filter(|_| wanted("data-csv") || wanted("data-path")) {
        run_data(&binary, measures, runs, request_runs);
    }
    // Issue 17's server shapes: 10,000 results in one file and in 100 files, each
    // without and with a suppression comment on every result.
    let shape_sizes: Vec<usize> = std::env::var("STRATA_BENCH_SHAPE_RESULTS")
        .ok()
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| if bench { vec![10_000] } else { vec![100] });
    let format_runs = number("STRATA_BENCH_FORMAT_RUNS").unwrap_or(if bench { 10 } else { 2 });
    // `STRATA_BENCH_SHAPES` picks some of them: `one-plain`, `one-allow`, `many-plain`,
    // `many-allow` (comma-separated).
    let picked =
        |name: &str| std::env::var("STRATA_BENCH_SHAPES").map_or(true, |s| s.split(',').any(|w| w.trim() == name));
    for results in shape_sizes.into_iter().filter(|_| wanted("shapes")) {
        for (files, per_file) in [("one", results), ("many", results / 100)] {
            for (kind, suppressed) in [("plain", false), ("allow", true)] {
                if picked(&format!("{files}-{kind}")) {
                    run_shape(&binary, results, per_file.max(1), suppressed, runs, format_runs);
                }
            }
        }
    }
}

/// `strata::synth::workspace(results, per_file, 42)` with, when `suppressed`, a lint on
/// every result that a suppression comment on the line before allows (a year in its
/// statement: `target-in-result`), as a legacy map quietened result by result would be.
fn shape_files(results: usize, per_file: usize, suppressed: bool) -> Vec<strata::synth::SynthFile> {
    let mut files = strata::synth::workspace(results, per_file, 42);
    if !suppressed {
        return files;
    }
    for file in files.iter_mut().filter(|f| f.path.starts_with("results/")) {
        let mut text = String::with_capacity(file.text.len() * 2);
        for line in file.text.split_inclusive('\n') {
            match line.strip_suffix("\" {\n").filter(|_| line.starts_with("result ")) {
                Some(head) => {
                    text.push_str("# strata: allow(target-in-result)\n");
                    text.push_str(head);
                    text.push_str(" by 2027\" {\n");
                }
                None => text.push_str(line),
            }
        }
        file.text = text;
    }
    files
}

/// Issue 17's server shapes: `results` results in files of `per_file` (one file of
/// 10,000 or 100 of 100), with or without a suppression comment on every result. One
/// file in the middle is opened and the first `layer:` value in it broken and mended
/// in turn, timing each `didChange` to the `publishDiagnostics` of that version; then a
/// `textDocument/formatting` of that file (settled), `format_runs` times.
fn run_shape(binary: &Path, results: usize, per_file: usize, suppressed: bool, runs: usize, format_runs: usize) {
    let name = format!("lsp-bench-shape-{results}-{per_file}-{}", if suppressed { "allow" } else { "plain" });
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    let files = shape_files(results, per_file, suppressed);
    for file in &files {
        let path = dir.join(&file.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{}: {e}", parent.display()));
        }
        std::fs::write(&path, &file.text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
    let result_files: Vec<_> = files.iter().filter(|f| f.path.starts_with("results/")).collect();
    let edited = result_files.get(result_files.len() / 2).unwrap_or_else(|| panic!("no results file"));
    let text = edited.text.clone();
    let doc = uri(&dir.join(&edited.path));
    let comments = text.matches("# strata: allow(").count();
    let mut server = Server::start(binary);
    let start = Instant::now();
    server.call(
        "initialize",
        json!({ "processId": null, "rootUri": uri(&dir), "capabilities": {},
                "workspaceFolders": [{ "uri": uri(&dir), "name": "bench" }] }),
    );
    server.notify("initialized", json!({}));
    let at = json!({ "textDocument": { "uri": doc }, "position": { "line": 0, "character": 0 } });
    server.call("textDocument/hover", at);
    let first_analysis = start.elapsed();
    server.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": doc, "languageId": "strata", "version": 1, "text": text } }),
    );
    let (layer_line, layer_col, layer_len) = text
        .lines()
        .enumerate()
        .find_map(|(i, line)| {
            let at = line.find("layer: ")?;
            Some((i, at + 7, line.len() - at - 7))
        })
        .unwrap_or_else(|| panic!("no layer in the edited file"));
    let original = text.lines().nth(layer_line).map(|l| l[layer_col..layer_col + layer_len].to_owned());
    let original = original.unwrap_or_default();
    let mut version = 1;
    let mut change =
        time_toggles(&mut server, &doc, &mut version, (layer_line, layer_col), &original, "nowhere_layer", runs);
    let params = json!({ "textDocument": { "uri": doc }, "options": { "tabSize": 2, "insertSpaces": true } });
    let mut format = time_requests(&mut server, format_runs, "textDocument/formatting", &params, Value::is_array);
    server.call("shutdown", Value::Null);
    server.notify("exit", Value::Null);
    let _ = server.child.wait();
    let ms = |d: Duration| format!("{:.0} ms", d.as_secs_f64() * 1000.0);
    let shape = format!(
        "{results} results in {} file(s) of {per_file}, {}",
        results.div_ceil(per_file),
        if suppressed { "a suppression comment on each" } else { "no suppression comments" }
    );
    println!(
        "shape: {shape}; edited `{}` ({} lines, {comments} suppression comments)\n",
        edited.path,
        text.lines().count()
    );
    println!("| what ({shape}) | samples | median | p95 | max |");
    println!("|---|---:|---:|---:|---:|");
    println!("| first hover answered (first analysis) | 1 | {} | | |", ms(first_analysis));
    println!("| `didChange` (an attribute's value) -> `publishDiagnostics` of that version | {} |", stats(&mut change));
    println!("| `textDocument/formatting` of the edited file, settled | {} |\n", stats(&mut format));
}
