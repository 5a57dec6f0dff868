//! `strata report`: each case (a directory under `tests/fixtures/report/`, or an example)
//! beside its expected `.html`, `.md` and `.txt`, and `.err` (exit status and stderr)
//! when the workspace has errors, whose exit status is `check`'s. Then every HTML report
//! opened in headless Chromium (`tests/tools/report-check.mjs`, playwright-core): no
//! console error, no network request (all blocked and counted), no script, every link
//! resolves, one section per result and one map link to each, a chart with its title per
//! measure with data, its points and signals as the data says, and screenshots kept
//! under `target/report-shots/` (the README's come from there). A missing tool fails
//! the test with the command that installs it.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::common::{assert_all, expect_file, root, strata, text};

fn fixture_dir() -> PathBuf {
    root().join("tests/fixtures/report")
}

/// The cases: the fixture directories, then the examples (their expectations are named
/// after them in the fixture directory); each with the directory to run in and the path
/// to give, relative to it.
fn cases() -> Vec<(String, PathBuf, String)> {
    let mut cases: Vec<(String, PathBuf, String)> = std::fs::read_dir(fixture_dir())
        .unwrap_or_else(|e| panic!("cannot list the report fixtures: {e}"))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .map(|p| {
            let name = p.file_name().unwrap_or_default().to_string_lossy().into_owned();
            (name.clone(), fixture_dir(), name)
        })
        .collect();
    cases.sort();
    for example in ["coffee", "library"] {
        cases.push((format!("example_{example}"), root(), format!("examples/{example}")));
    }
    cases
}

#[test]
fn report_fixtures() {
    let cases = cases();
    assert!(cases.len() >= 4, "too few report cases: {cases:?}");
    let mut results = Vec::new();
    for (name, dir, path) in &cases {
        let mut statuses = Vec::new();
        for (format, ext) in [("html", "html"), ("markdown", "md"), ("text", "txt")] {
            let output = strata(dir, &["report", path, "--format", format]);
            let (stdout, stderr) = text(&output);
            results.push(expect_file(&fixture_dir().join(format!("{name}.{ext}")), &stdout));
            statuses.push(format!("exit: {}\n{stderr}", output.status.code().unwrap_or(-1)));
        }
        if statuses.iter().any(|s| *s != statuses[0]) {
            results.push(Err(format!("{name}: the formats end differently:\n{}", statuses.join("\n"))));
        }
        let err = fixture_dir().join(format!("{name}.err"));
        if statuses[0] != "exit: 0\n" || err.exists() {
            results.push(expect_file(&err, &statuses[0]));
        }
    }
    assert_all(results);
}

/// `-o FILE` writes what stdout would have; the default format is HTML.
#[test]
fn output_file_and_default_format() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let out = dir.path().join("report.html");
    let output = strata(&root(), &["report", "examples/library", "-o", &out.to_string_lossy()]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output).1);
    assert!(output.stdout.is_empty());
    let written = std::fs::read_to_string(&out).unwrap_or_default();
    let expected = std::fs::read_to_string(fixture_dir().join("example_library.html")).unwrap_or_default();
    assert!(written.starts_with("<!DOCTYPE html>"), "not HTML: {}", &written[..written.len().min(80)]);
    assert!(
        written == expected,
        "`-o` wrote another report than stdout gives (tests/fixtures/report/example_library.html)"
    );
    // An output that cannot be written is a tool failure, as a path without maps is.
    let bad = strata(&root(), &["report", "examples/library", "-o", "/nonexistent-dir/x.html"]);
    assert_eq!(bad.status.code(), Some(2));
    let none = strata(&root(), &["report", "tests/fixtures/report/hostile/data"]);
    assert_eq!(none.status.code(), Some(2), "{}", text(&none).1);
}

/// Every expectation has its input.
#[test]
fn no_orphaned_report_expectations() {
    let names: Vec<String> = cases().into_iter().map(|(name, _, _)| name).collect();
    for entry in std::fs::read_dir(fixture_dir()).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            continue;
        }
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
        assert!(names.iter().any(|n| n == stem), "{} has no input beside it", path.display());
    }
}

/// The text report fits 100 columns, whatever the strings (the 10,000-character
/// statement included).
#[test]
fn the_text_report_fits_100_columns() {
    for (name, _, _) in cases() {
        let report = std::fs::read_to_string(fixture_dir().join(format!("{name}.txt"))).unwrap_or_default();
        assert!(!report.is_empty(), "{name}.txt is missing");
        for line in report.lines() {
            assert!(line.chars().count() <= 100, "{name}.txt: a line of {} characters: {line}", line.chars().count());
        }
    }
}

/// Hostile strings are text in every format: no tag made by user text survives in the
/// HTML, and markdown escapes what would make markup.
#[test]
fn hostile_strings_stay_text() {
    let html = std::fs::read_to_string(fixture_dir().join("hostile.html")).unwrap_or_default();
    for bad in ["<script", "<b>", "<i>", "<tag>", "<!-- not", "href=\"javascript"] {
        assert!(!html.contains(bad), "hostile.html contains `{bad}`");
    }
    assert!(html.contains("&lt;/section&gt;&lt;script&gt;alert(1)&lt;/script&gt;"), "the owner is not shown escaped");
    let md = std::fs::read_to_string(fixture_dir().join("hostile.md")).unwrap_or_default();
    let bare = md.as_bytes().windows(2).filter(|w| w[1] == b'<' && w[0] != b'\\').count();
    assert!(bare == 0 && md.contains(r"\<script\>"), "hostile.md has {bare} unescaped `<`");
    let txt = std::fs::read_to_string(fixture_dir().join("hostile.txt")).unwrap_or_default();
    assert!(txt.contains("</section><script>alert(1)</script>"), "the text report does not show the owner as written");
}

/// What the library says each report must show: its results' ids, and per measure with
/// data its chart's title, number of points and signals.
struct Expected {
    results: Vec<String>,
    charts: Vec<(String, String, usize, usize)>,
}

fn expected(dir: &std::path::Path, path: &str) -> Expected {
    let mut loaded = strata::workspace::load(&[dir.join(path)]).unwrap_or_else(|e| panic!("load {path}: {e}"));
    let item = &mut loaded[0];
    let (asts, diags) = strata::workspace::parse_and_read_data(item);
    let analysis = strata::check_parsed(&item.workspace, asts, diags);
    let model = &analysis.model;
    let results = model.results.iter().map(|r| format!("result-{}", r.id)).collect();
    let mut charts = Vec::new();
    for r in strata::story::in_layer_order(model) {
        for &m in &model.results[r].measures {
            if let Some(Some(data)) = analysis.evidence.get(m) {
                let measure = &model.measures[m];
                let title = format!("XmR chart of {}", strata::report::title_of(measure));
                charts.push((
                    format!("measure-{}", measure.id),
                    title,
                    data.chart.points.len(),
                    data.chart.signals.len(),
                ));
            }
        }
    }
    Expected { results, charts }
}

#[test]
fn html_reports_in_chromium() {
    let tools = root().join("tests/tools");
    assert!(
        tools.join("node_modules/playwright-core").is_dir(),
        "the Node test tools are not installed: run `scripts/test` (it runs `npm install --prefix tests/tools`)"
    );
    let shots = root().join("target/report-shots");
    std::fs::create_dir_all(&shots).unwrap_or_else(|e| panic!("cannot create {}: {e}", shots.display()));
    let mut failures = Vec::new();
    for (name, dir, path) in cases() {
        let html = fixture_dir().join(format!("{name}.html"));
        let output = Command::new("node")
            .arg(tools.join("report-check.mjs"))
            .arg(&html)
            .arg(shots.join(&name))
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("cannot run node: {e}"));
        let (stdout, stderr) = text(&output);
        assert!(output.status.success(), "report-check.mjs failed on {name}:\n{stderr}");
        let seen: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{name}: report-check output: {e}"));
        let list = |key: &str| -> Vec<Value> { seen[key].as_array().cloned().unwrap_or_default() };
        let strings = |key: &str| -> Vec<String> {
            list(key).iter().map(|v| v.as_str().unwrap_or_default().to_owned()).collect()
        };
        let mut fail = |what: String| failures.push(format!("{name}: {what}"));
        for key in ["requests", "consoleErrors", "dialogs", "unresolved"] {
            if !list(key).is_empty() {
                fail(format!("{key}: {:?}", list(key)));
            }
        }
        if seen["scripts"].as_u64() != Some(0) {
            fail(format!("{} script elements", seen["scripts"]));
        }
        let want = expected(&dir, &path);
        let mut results = strings("results");
        let mut map: Vec<String> = strings("mapLinks").iter().map(|h| h.trim_start_matches('#').to_owned()).collect();
        let mut ids = want.results.clone();
        results.sort();
        map.sort();
        ids.sort();
        if results != ids {
            fail(format!("result sections {results:?}, the map has {ids:?}"));
        }
        if map != ids {
            fail(format!("map links {map:?}, the map has {ids:?}"));
        }
        for click in list("clicked") {
            if click["href"] != click["hash"] {
                fail(format!("clicking {} led to {}", click["href"], click["hash"]));
            }
        }
        let charts: Vec<(String, String, usize, usize)> = list("charts")
            .iter()
            .map(|c| {
                (
                    c["section"].as_str().unwrap_or_default().to_owned(),
                    c["title"].as_str().unwrap_or_default().to_owned(),
                    c["points"].as_u64().unwrap_or(0) as usize,
                    c["signals"].as_array().map_or(0, Vec::len),
                )
            })
            .collect();
        if charts != want.charts {
            fail(format!("charts (section, title, points, signals) {charts:?}, expected {:?}", want.charts));
        }
        if list("charts").iter().any(|c| c["drawn"] != Value::Bool(true)) {
            fail("a chart is not drawn at its size".to_owned());
        }
        let signals: usize = want.charts.iter().map(|c| c.3).sum();
        if list("signalText").len() != signals {
            fail(format!("{} signals written beside the charts, {signals} in the data", list("signalText").len()));
        }
        if seen["pdfBytes"].as_u64().unwrap_or(0) < 1000 {
            fail("printing to PDF gave nothing".to_owned());
        }
        for shot in ["top", "page"] {
            if !shots.join(format!("{name}-{shot}.png")).is_file() {
                fail(format!("no {shot} screenshot"));
            }
        }
        if name == "hostile" {
            let body = seen["text"].as_str().unwrap_or_default();
            for shown in
                ["</section><script>alert(1)</script>", "]]> <!-- not a comment --> &amp; &#x3c;", "a < b && c > d"]
            {
                if !body.contains(shown) {
                    fail(format!("the page does not show `{shown}` as text"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A `strata report . --watch --port 0` running in `dir`, killed when dropped.
struct Served {
    child: std::process::Child,
    address: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(dir: &std::path::Path) -> Served {
    use std::io::{BufRead as _, BufReader};
    let mut child = Command::new(env!("CARGO_BIN_EXE_strata"))
        .args(["report", ".", "--watch", "--port", "0"])
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run strata: {e}"));
    let stderr = child.stderr.take().unwrap_or_else(|| panic!("no stderr"));
    let mut first = String::new();
    let mut stderr = BufReader::new(stderr);
    stderr.read_line(&mut first).unwrap_or_else(|e| panic!("read stderr: {e}"));
    // The rest of stderr is drained, so the server never writes to a closed pipe.
    std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
    let address = first
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_else(|| panic!("no address in {first:?}"))
        .to_owned();
    assert!(address.starts_with("127.0.0.1:"), "{first}");
    Served { child, address }
}

fn write_map(path: &std::path::Path, statement: &str) {
    let text = format!("layer top \"Top\"\nresult a \"{statement}\" {{ layer: top }}\n");
    std::fs::write(path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

/// `--watch`: the report served on 127.0.0.1 (an ephemeral port here), `/version` the
/// generation, a new generation and the new text after a file changes, nothing else
/// served; the page may run only its own reload script and fetch only from the server.
#[test]
fn watch_serves_and_rebuilds() {
    use std::io::{Read as _, Write as _};
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let map = dir.path().join("map.strata");
    write_map(&map, "Residents read every week");
    let served = serve(dir.path());
    // Each request names the server in `Host`, as a browser does; `raw` sends it as is.
    let raw = |request: &str| -> String {
        let mut stream = std::net::TcpStream::connect(&served.address).unwrap_or_else(|e| panic!("connect: {e}"));
        stream.write_all(request.as_bytes()).unwrap_or_else(|e| panic!("send: {e}"));
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        answer
    };
    let get = |request: &str| raw(&request.replacen("\r\n", &format!("\r\nHost: {}\r\n", served.address), 1));
    // DNS rebinding: a page whose own name points at 127.0.0.1 is refused.
    assert!(raw("GET / HTTP/1.1\r\nHost: evil.example:7273\r\n\r\n").starts_with("HTTP/1.1 403"));
    let page = get("GET / HTTP/1.1\r\n\r\n");
    assert!(page.starts_with("HTTP/1.1 200 OK\r\n"), "{}", &page[..page.len().min(200)]);
    assert!(page.contains("Residents read every week"));
    assert!(page.contains("script-src 'nonce-") && page.contains("connect-src 'self'"), "the live page's policy");
    assert_eq!(page.matches("<script").count(), 1, "one script: the reload");
    let version = |answer: String| answer.rsplit("\r\n\r\n").next().unwrap_or_default().to_owned();
    assert_eq!(version(get("GET /version HTTP/1.1\r\n\r\n")), "1");
    assert!(get("GET /map.strata HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 404"));
    assert!(get("GET /../../etc/passwd HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 404"));
    assert!(get("POST / HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 405"));
    // Nothing changed: still generation 1 after a few polls.
    std::thread::sleep(std::time::Duration::from_millis(1_200));
    assert_eq!(version(get("GET /version HTTP/1.1\r\n\r\n")), "1");
    write_map(&map, "Residents borrow a book every week");
    let mut now = String::new();
    for _ in 0..100 {
        now = version(get("GET /version HTTP/1.1\r\n\r\n"));
        if now != "1" {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(now, "2", "no rebuild after the edit");
    let page = get("GET / HTTP/1.1\r\n\r\n");
    assert!(page.contains("Residents borrow a book every week") && !page.contains("Residents read every week"));
}

/// `--watch` in headless Chromium (`tests/tools/watch-check.mjs`): after a map file is
/// rewritten the open page reloads itself and shows the new statement; it asks only
/// for `/` and `/version`, breaks no Content-Security-Policy rule and logs no error.
#[test]
fn watch_reloads_the_page_in_chromium() {
    let tools = root().join("tests/tools");
    assert!(
        tools.join("node_modules/playwright-core").is_dir(),
        "the Node test tools are not installed: run `scripts/test` (it runs `npm install --prefix tests/tools`)"
    );
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let map = dir.path().join("map.strata");
    write_map(&map, "Residents read every week");
    let served = serve(dir.path());
    let new_text = "layer top \"Top\"\nresult a \"Residents borrow a book every week\" { layer: top }\n";
    let output = Command::new("node")
        .arg(tools.join("watch-check.mjs"))
        .arg(format!("http://{}/", served.address))
        .arg(&map)
        .arg(new_text)
        .arg("Residents borrow a book every week")
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run node: {e}"));
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "watch-check.mjs failed:\n{stderr}");
    let seen: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("watch-check output: {e}\n{stdout}"));
    assert!(seen["before"].as_str().unwrap_or_default().contains("Residents read every week"), "{seen}");
    assert_eq!(seen["reloaded"], Value::Bool(true), "the page did not reload with the new text: {seen}");
    for key in ["offsite", "consoleErrors", "csp"] {
        assert_eq!(seen[key], serde_json::json!([]), "{key}: {seen}");
    }
    assert_eq!(seen["paths"], serde_json::json!(["/", "/version"]), "{seen}");
}

/// Every markdown report, rendered by a CommonMark parser with GitHub's tables and
/// strikethrough (`tests/tools/report_markdown_check.py`, markdown-it-py): a heading per
/// `#` line, a bold run per `**` pair Strata wrote, and no markup made by user text.
#[test]
fn markdown_reports_render_as_meant() {
    let mut args = vec![root().join("tests/tools/report_markdown_check.py").to_string_lossy().into_owned()];
    args.extend(
        cases().iter().map(|(name, _, _)| fixture_dir().join(format!("{name}.md")).to_string_lossy().into_owned()),
    );
    let output = Command::new("python3").args(&args).output().unwrap_or_else(|e| panic!("cannot run python3: {e}"));
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "the markdown does not render as meant:\n{stdout}{stderr}");
}

/// The 40 maps of arbitrary strings and awkward ids of the export property test, as
/// HTML reports read back by Python's HTML parser (`tests/tools/report_html_check.py`):
/// only the elements Strata writes, every link to an id of the page, and each result's
/// heading exactly its statement (on one line) and id.
#[test]
fn any_string_stays_text_in_the_html_report() {
    use proptest::strategy::{Strategy as _, ValueTree as _};
    let cases: usize = std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(40);
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = crate::export::generated_map();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let mut list = Vec::new();
    for i in 0..cases {
        let tree = strategy.new_tree(&mut runner).unwrap_or_else(|e| panic!("cannot generate a map: {e}"));
        let text = crate::export::source(&tree.current());
        let workspace = strata::Workspace {
            files: vec![strata::source::SourceFile::new("generated.strata", text)],
            config: None,
            data: Vec::new(),
        };
        let analysis = strata::check(&workspace);
        let input = strata::report::Input {
            model: &analysis.model,
            asts: &analysis.asts,
            evidence: &analysis.evidence,
            diagnostics: &analysis.diagnostics,
            sources: &workspace,
        };
        let html = strata::report::report(&input, strata::report::Format::Html);
        let file = dir.path().join(format!("report{i}.html"));
        std::fs::write(&file, html).unwrap_or_else(|e| panic!("write: {e}"));
        let model = &analysis.model;
        let results: Vec<String> = strata::story::in_layer_order(model)
            .into_iter()
            .map(|r| format!("{} ({})", strata::report::line(&model.results[r].statement.value), model.results[r].id))
            .collect();
        list.push(serde_json::json!({ "file": file.to_string_lossy(), "results": results }));
    }
    let mut child = Command::new("python3")
        .arg(root().join("tests/tools/report_html_check.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run python3: {e}"));
    if let Some(mut stdin) = child.stdin.take() {
        use std::io::Write as _;
        let _ = stdin.write_all(serde_json::to_string(&list).unwrap_or_default().as_bytes());
    }
    let output = child.wait_with_output().unwrap_or_else(|e| panic!("python3: {e}"));
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "the HTML reports do not read as meant:\n{stdout}{stderr}");
}
