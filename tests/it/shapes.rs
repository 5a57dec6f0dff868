//! The shape suite (issue 16): maps of extreme shape, generated here (nothing stored),
//! through every stage a user can reach: `check` in every format, every export, a
//! focus, `fmt` and the language server. Two halves keep it inside CI's time:
//!
//! - every stage of the library on a thread with a deliberately small stack
//!   (`SMALL_STACK`), on shapes a few thousand links long. Recursion once per link, per
//!   result or per nested group needs far more stack than that, so any walk over user
//!   data that recurses fails here at a size that runs in a second in a debug build;
//! - the binary and the server at the sizes that crashed them (a path of ~87,000 links in
//!   the CLI, ~21,000 in the server), with real stacks.
//!
//! Each run has a generous time bound: a hang detector, not a benchmark.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use strata::Workspace;
use strata::diagnostics::render;
use strata::export::{self, Focus, Format};
use strata::source::SourceFile;

use crate::common::{strata, text};
use crate::lsp::frames::{frame, notification, request};
use crate::lsp::{Process, uri, workspace};

/// The stack of the thread that runs the library: 256 KiB, an eighth of a tokio worker's.
/// The deepest legitimate recursion, pest on blocks nested `MAX_READABLE_NESTING` deep,
/// fits in it with room to spare in a debug build; recursion per link does not.
const SMALL_STACK: usize = 256 * 1024;

/// The hang detector: no stage of any shape may take longer (debug build, busy machine).
const LIMIT: Duration = Duration::from_secs(60);

/// Runs `f`, failing if it took longer than `LIMIT`.
fn timed<T>(what: &str, f: impl FnOnce() -> T) -> T {
    timed_within(LIMIT, what, f)
}

/// Runs `f`, failing if it took longer than `limit`.
fn timed_within<T>(limit: Duration, what: &str, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    let took = start.elapsed();
    assert!(took < limit, "{what} took {took:?}, more than {limit:?}: a hang?");
    out
}

/// A result without digits in its title, so that only the shape draws diagnostics.
fn result(out: &mut String, id: &str) {
    let _ = writeln!(out, "result {id} \"Regulars come back every day\"");
}

fn declared(n: usize) -> String {
    let mut out = String::with_capacity(n * 48);
    for i in 0..n {
        result(&mut out, &format!("r{i}"));
    }
    out
}

/// `r0 -> r1 -> …` declared cause first (`up`), or each effect before its cause.
fn chain(n: usize, up: bool) -> String {
    let mut out = declared(n);
    for i in 0..n - 1 {
        let (from, to) = if up { (i, i + 1) } else { (i + 1, i) };
        let _ = writeln!(out, "r{from} -> r{to}");
    }
    out
}

/// One loop through every result: "each node links to the next".
fn cycle(n: usize) -> String {
    let mut out = chain(n, true);
    let _ = writeln!(out, "r{} -> r0", n - 1);
    out
}

/// `n / 2` loops of two results.
fn small_cycles(n: usize) -> String {
    let mut out = declared(n);
    for i in (0..n - 1).step_by(2) {
        let _ = writeln!(out, "r{i} -> r{} -> r{i}", i + 1);
    }
    out
}

/// Every result links to every other.
fn complete(n: usize) -> String {
    let mut out = declared(n);
    for i in 0..n {
        for j in (0..n).filter(|&j| j != i) {
            let _ = writeln!(out, "r{i} -> r{j}");
        }
    }
    out
}

/// `n` causes of one result.
fn star(n: usize) -> String {
    let mut out = String::new();
    result(&mut out, "hub");
    for i in 0..n {
        result(&mut out, &format!("c{i}"));
        let _ = writeln!(out, "c{i} -> hub");
    }
    out
}

/// `n` layers, one result in each, each result causing the one in the layer above.
fn layers(n: usize) -> String {
    let mut out = String::new();
    for i in 0..n {
        let _ = writeln!(out, "layer l{i} \"Layer\"");
    }
    for i in 0..n {
        let _ = writeln!(out, "result r{i} \"Regulars come back every day\" {{ layer: l{i} }}");
    }
    for i in 1..n {
        let _ = writeln!(out, "r{i} -> r{}", i - 1);
    }
    out
}

/// `n` groups, half of them sub-groups, a result for each top-level one, then groups
/// nested past `MAX_NESTING` (reported and not descended into).
fn groups(n: usize) -> String {
    let mut out = String::with_capacity(n * 80);
    for i in 0..n / 2 {
        let _ = writeln!(
            out,
            "group g{i} \"Regulars\" {{\n  intent: grow\n  share: 1%\n  group s{i} \"Commuters\" {{ share: 50% }}\n}}\nresult r{i} \"Regulars come back every day\" {{ for: g{i} }}"
        );
    }
    out + &nested(strata::syntax::MAX_NESTING + 8)
}

/// Groups nested `depth` deep.
fn nested(depth: usize) -> String {
    let mut out = String::new();
    for d in 0..depth {
        let _ = writeln!(out, "{:indent$}group n{d} \"Nested\" {{", "", indent = d.min(40));
    }
    for d in (0..depth).rev() {
        let _ = writeln!(out, "{:indent$}}}", "", indent = d.min(40));
    }
    out
}

/// The chain with every item on one line, so that most labels are far past column 65,535.
fn one_line(n: usize) -> String {
    chain(n, true).replace('\n', " ") + "\n"
}

/// One result whose id starts past column 65,535 (miette's formatting limit).
fn far_label() -> String {
    format!("{}result a \"Regulars come back every day\"\n", " ".repeat(65_529))
}

/// Every shape at a size of about `n`, with the id to focus on (`None` where the file
/// is too deep to read, so there is nothing to focus on).
fn shapes(n: usize, complete_n: usize) -> Vec<(&'static str, String, Option<&'static str>)> {
    vec![
        ("chain up", chain(n, true), Some("r0")),
        ("chain down", chain(n, false), Some("r0")),
        ("cycle", cycle(n), Some("r0")),
        ("small cycles", small_cycles(n), Some("r0")),
        ("complete", complete(complete_n), Some("r0")),
        ("star", star(n), Some("hub")),
        ("layers", layers(n.min(1_000)), Some("r0")),
        ("groups", groups(n), Some("r0")),
        // Just under `MAX_READABLE_NESTING` (256): pest reads it, recursing per block.
        ("readable nesting", nested(250), None),
        // Past it: the file is not read at all.
        ("unreadable nesting", nested(300), None),
        // A syntax error at the end: pest, not the fast path, reads the whole chain.
        ("broken chain", chain(n, true) + "result\n", Some("r0")),
        ("one line", one_line(n), Some("r0")),
        ("far label", far_label(), Some("a")),
    ]
}

fn one_file(text: &str) -> Workspace {
    Workspace { files: vec![SourceFile::new("shape.strata", text)], config: None, data: Vec::new() }
}

/// Everything the library does with one file, as the CLI and the server call it.
fn every_stage(name: &str, text: &str, focus: Option<&str>) {
    let workspace = one_file(text);
    let analysis = timed(name, || strata::check(&workspace));
    let diags = &analysis.diagnostics;
    let human = timed(name, || render::human(&workspace, diags, false, 100));
    // Snippets show the labels' neighbourhood, never a whole long line; only a message
    // (a loop names every result in it) may be long, and it is wrapped at the width.
    let widest = human.lines().map(|l| l.chars().count()).max().unwrap_or(0);
    assert!(widest <= 200, "{name}: a human line of {widest} characters");
    timed(name, || render::short(&workspace, diags));
    // Each snippet's header names the column `short` does, cut lines or not.
    for d in diags.iter().take(500) {
        let one = std::slice::from_ref(d);
        let short = render::short(&workspace, one);
        let at = short.split(": ").next().unwrap_or_default();
        assert!(render::human(&workspace, one, false, 100).contains(&format!("[{at}]")), "{name}: {short}");
    }
    let json: Value = serde_json::from_str(&timed(name, || render::json(&workspace, diags, 1))).expect("json");
    assert_eq!(json["diagnostics"].as_array().map(Vec::len), Some(diags.len()), "{name}");
    timed(name, || render::sarif(&workspace, diags));
    timed(name, || render::github(&workspace, diags));
    for format in [Format::Json, Format::Dot, Format::Mermaid, Format::Svg] {
        let whole = timed(name, || export::export(&workspace, &analysis.model, format, None)).expect("export");
        assert!(!whole.is_empty(), "{name}");
        if let Some(id) = focus {
            let focus = Focus { id: id.to_owned(), depth: 2 };
            let part = timed(name, || export::export(&workspace, &analysis.model, format, Some(&focus)));
            assert!(part.is_ok_and(|part| !part.is_empty()), "{name}");
        }
    }
    for format in [strata::story::Format::Markdown, strata::story::Format::Text] {
        let story = timed(name, || strata::story::story(&analysis.model, &analysis.evidence, format));
        assert!(!story.is_empty(), "{name}");
    }
    let input = strata::report::Input {
        model: &analysis.model,
        asts: &analysis.asts,
        evidence: &analysis.evidence,
        diagnostics: diags,
        sources: &workspace,
    };
    for format in [strata::report::Format::Html, strata::report::Format::Markdown, strata::report::Format::Text] {
        let report = timed(name, || strata::report::report(&input, format));
        // Every result has its section.
        let sections = match format {
            strata::report::Format::Html => report.matches("<article class=\"result\"").count(),
            _ => analysis.model.results.len(),
        };
        assert_eq!(sections, analysis.model.results.len(), "{name}");
    }
    match timed(name, || strata::fmt::format(text)) {
        Ok(formatted) => {
            let again = strata::fmt::format(&formatted).expect("formatted text formats");
            assert_eq!(again, formatted, "{name}: formatting twice changes the text");
        }
        // Only groups nested too deep and the broken chain hold a syntax error.
        Err(errors) => {
            assert!(name.contains("nest") || name.contains("broken") || name == "groups", "{name}: {}", errors.len())
        }
    }
}

/// The codes found in `text`, and how often.
fn codes(text: &str) -> std::collections::BTreeMap<&'static str, usize> {
    let mut out = std::collections::BTreeMap::new();
    for d in strata::check(&one_file(text)).diagnostics {
        *out.entry(d.code.name()).or_default() += 1;
    }
    out
}

/// Runs `f` on a thread with `SMALL_STACK`; a stack overflow aborts the test binary.
fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    let thread = std::thread::Builder::new().stack_size(SMALL_STACK).spawn(f).expect("spawn a thread");
    if let Err(panic) = thread.join() {
        std::panic::resume_unwind(panic);
    }
}

#[test]
fn every_stage_runs_on_a_small_stack() {
    on_small_stack(|| {
        for (name, text, focus) in shapes(4_000, 60) {
            every_stage(name, &text, focus);
        }
    });
}

#[test]
fn the_shapes_draw_the_diagnostics_they_should() {
    on_small_stack(|| {
        let n = 1_000;
        let chain_codes = codes(&chain(n, true));
        assert_eq!(chain_codes.get("causal-cycle"), None);
        assert_eq!(chain_codes.get("result-without-measure"), Some(&n));
        assert_eq!(codes(&chain(n, false)), chain_codes);
        assert_eq!(codes(&cycle(n)).get("causal-cycle"), Some(&1));
        assert_eq!(codes(&small_cycles(n)).get("causal-cycle"), Some(&(n / 2)));
        assert_eq!(codes(&complete(50)).get("causal-cycle"), Some(&1));
        assert_eq!(codes(&star(n)).get("isolated-result"), None);
        assert_eq!(codes(&layers(n)).get("downward-link"), None);
        assert_eq!(codes(&layers(n)).get("no-path-to-top"), None);
        assert_eq!(codes(&one_line(n)), chain_codes);
        // Nested past MAX_NESTING: one error at the first block too deep; past
        // MAX_READABLE_NESTING: one error at the first brace past it.
        assert_eq!(codes(&groups(n)).get("syntax-error"), Some(&1));
        assert_eq!(codes(&groups(n)).get("unused-group"), Some(&1), "the outermost nested group");
        assert_eq!(codes(&nested(300)).get("syntax-error"), Some(&1));
    });
}

/// A loop through every result names them all, but its snippet draws at most 100
/// labels: miette lays out lines times labels, which never ended on 100,000.
#[test]
fn a_loop_of_many_links_draws_a_bounded_snippet() {
    on_small_stack(|| {
        let workspace = one_file(&cycle(5_000));
        let analysis = strata::check(&workspace);
        let loops: Vec<_> = analysis.diagnostics.iter().filter(|d| d.code.name() == "causal-cycle").cloned().collect();
        assert_eq!(loops.len(), 1);
        assert_eq!(loops[0].secondary.len(), 4_999);
        let human = timed("a loop of 5,000", || render::human(&workspace, &loops, false, 100));
        assert!(human.contains("4899 more labels are not shown here; `--format json` lists them all"), "{human}");
        assert_eq!(human.matches("` -> `").count(), 100, "drawn labels");
    });
}

/// The binary on the maps that crashed it: a path of 100,000 links both ways and a loop
/// through 100,000 results, through `check --deny warnings`, and the loop through an
/// export that runs the lints (a lint set to `deny`).
#[test]
fn the_binary_survives_long_paths() {
    let n = 100_000;
    for (name, map) in [("up", chain(n, true)), ("down", chain(n, false)), ("cycle", cycle(n))] {
        let dir = workspace(&[("map.strata", &map), ("strata.toml", "[lints]\nisolated-result = \"deny\"\n")]);
        let output = timed(name, || strata(dir.path(), &["check", "--deny", "warnings", "--format", "short"]));
        let (stdout, stderr) = text(&output);
        assert_eq!(output.status.code(), Some(1), "{name}: {stderr}");
        assert_eq!(stdout.matches("result-without-measure").count(), n, "{name}");
        assert_eq!(stdout.contains("causal-cycle"), name == "cycle", "{name}");
        if name != "cycle" {
            continue;
        }
        let output = timed(name, || strata(dir.path(), &["export", "--format", "json", "--output", "map.json"]));
        assert_eq!(output.status.code(), Some(0), "{name}: {}", text(&output).1);
        let model: Value =
            serde_json::from_slice(&std::fs::read(dir.path().join("map.json")).expect("export")).expect("json");
        assert_eq!(model["links"].as_array().map(Vec::len), Some(n), "{name}");
    }
}

/// A label past column 65,535 panicked miette (exit 101) wherever human output is
/// printed: `check`, `export` refusing a broken workspace, `fmt` on a file with a
/// syntax error. The snippet shows the label's neighbourhood; the header the real column.
#[test]
fn a_label_past_column_65535_is_shown_cut_down() {
    let far = far_label();
    let broken = far.replace("result a", "result a a");
    let dir = workspace(&[("far.strata", &far)]);
    let output = strata(dir.path(), &["check"]);
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("╭─[far.strata:1:65537]"), "{stderr}");
    // Sixty characters before the label, the spaces cut: `result ` is seven of them.
    assert!(stderr.contains(&format!(" 1 │ …{}result a \"Regulars", " ".repeat(53))), "{stderr}");
    assert!(stderr.lines().all(|l| l.chars().count() < 200), "{stderr}");
    let dir = workspace(&[("broken.strata", &broken)]);
    for args in [&["export", "--format", "dot"][..], &["fmt", "broken.strata"][..]] {
        let output = strata(dir.path(), args);
        let (_, stderr) = text(&output);
        assert_ne!(output.status.code(), Some(101), "{args:?}: {stderr}");
        assert!(stderr.contains("[broken.strata:1:65539]"), "{args:?}: {stderr}");
        assert!(stderr.lines().all(|l| l.chars().count() < 200), "{args:?}: {stderr}");
    }
}

/// The server on a file on disk right after `initialize`, then on an unsaved buffer: a
/// path and a loop of 30,000 links, past the ~21,000 that overflowed a worker's stack.
#[test]
fn the_server_survives_long_paths() {
    let n = 30_000;
    let dir = workspace(&[("map.strata", &chain(n, true))]);
    let root = dir.path().to_path_buf();
    let file = uri(&root.join("map.strata"));
    let mut server = Process::start();
    let init = json!({ "processId": null, "rootUri": uri(&root), "capabilities": {},
                       "workspaceFolders": [{ "uri": uri(&root), "name": "ws" }] });
    server.write(&frame(&request(1, "initialize", init).to_string()));
    server.wait(|m| m["id"] == 1);
    server.write(&frame(&notification("initialized", json!({})).to_string()));
    // `Process::wait` gives up after 20 s without a message; a debug build on a busy
    // machine may take longer over 30,000 results, so wait here up to `LIMIT`.
    let published = |server: &mut Process, code: &str| {
        let deadline = Instant::now() + LIMIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let m = server.messages.recv_timeout(left).unwrap_or_else(|_| panic!("no `{code}` within {LIMIT:?}"));
            if m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == file.as_str()
                && m["params"]["diagnostics"].as_array().is_some_and(|d| d.iter().any(|d| d["code"] == code))
            {
                return m;
            }
        }
    };
    let on_disk = published(&mut server, "result-without-measure");
    let count = |m: &Value, code: &str| {
        m["params"]["diagnostics"].as_array().map_or(0, |d| d.iter().filter(|d| d["code"] == code).count())
    };
    assert_eq!(count(&on_disk, "result-without-measure"), n);
    let open = json!({ "textDocument": { "uri": file, "languageId": "strata", "version": 1, "text": cycle(n) } });
    server.write(&frame(&notification("textDocument/didOpen", open).to_string()));
    let unsaved = published(&mut server, "causal-cycle");
    assert_eq!(count(&unsaved, "causal-cycle"), 1);
    server.write(&frame(&request(2, "shutdown", Value::Null).to_string()));
    server.wait(|m| m["id"] == 2);
    server.write(&frame(&notification("exit", Value::Null).to_string()));
    assert_eq!(server.finish(), Some(0), "the server's exit");
}

/// Two labels 100,000 columns apart on one line, and a label 100,000 characters long:
/// the snippet keeps each label's start and end with what is around them, cuts the
/// rest, and the header keeps the real column.
#[test]
fn far_apart_and_long_labels_are_cut_between_their_ends() {
    let gap = " ".repeat(100_000);
    let title = "grows ".repeat(20_000);
    let text = format!("result a \"A holds\" result b \"B holds\" a ->{gap}b ->{gap}a\nresult c \"{title}by 2027\"\n");
    let workspace = one_file(&text);
    let diags = strata::check(&workspace).diagnostics;
    let human = render::human(&workspace, &diags, false, 100);
    // Three labels on one line: three neighbourhoods of 121 characters, and two cuts.
    assert!(human.lines().all(|l| l.chars().count() < 400), "{human}");
    let cycle = human.split("causal-cycle").nth(1).unwrap_or_default();
    // The loop's two links: `a -> … b` and `b -> … a`, each cut in its middle.
    assert!(cycle.contains("╭─[shape.strata:1:39]"), "{cycle}");
    let line = cycle.lines().find(|l| l.starts_with(" 1 │ ")).unwrap_or_default();
    let words: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(words.join(" "), "1 │ result a \"A holds\" result b \"B holds\" a -> … b -> … a", "{cycle}");
    assert!(cycle.contains("this link closes a loop") && cycle.contains("`b` -> `a`"), "{cycle}");
    let target = human.split("target-in-result").nth(1).unwrap_or_default();
    assert!(target.contains("╭─[shape.strata:2:10]"), "{target}");
    // The label (the string) keeps its first and last 60 characters around the cut.
    let line = target.lines().find(|l| l.starts_with(" 2 │ ")).unwrap_or_default();
    let string = format!("\"{title}by 2027\"");
    let (head, tail) = (&string[..60], &string[string.len() - 60..]);
    assert_eq!(line, format!(" 2 │ result c {head}…{tail}"), "{target}");
}

/// The binary on the widest shapes at full size: a complete graph of 1,000 results
/// (999,000 links, 13 MB) through `check` and the DOT export, a star of 100,000 causes
/// through `check --format json` and a focused Mermaid export.
#[test]
fn the_binary_survives_wide_shapes() {
    let dir = workspace(&[("map.strata", &complete(1_000))]);
    let output = timed("complete", || strata(dir.path(), &["check"]));
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(stderr.matches("cause each other in a loop").count(), 1);
    let output = timed("complete", || strata(dir.path(), &["export", "--format", "dot", "--output", "map.dot"]));
    assert_eq!(output.status.code(), Some(0), "{}", text(&output).1);
    let dot = std::fs::read_to_string(dir.path().join("map.dot")).expect("the DOT export");
    assert_eq!(dot.matches(" -> ").count(), 999_000);

    let n = 100_000;
    let dir = workspace(&[("map.strata", &star(n))]);
    let output = timed("star", || strata(dir.path(), &["check", "--format", "json"]));
    let report: Value = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(report["summary"]["warnings"], n + 1, "one result-without-measure each");
    let args = ["export", "--format", "mermaid", "--focus", "hub", "--depth", "1"];
    let output = timed("star", || strata(dir.path(), &args));
    assert_eq!(output.status.code(), Some(0), "{}", text(&output).1);
    assert_eq!(text(&output).0.matches(" --> ").count(), n);
}

const PIECES: &[&str] = &[
    "result a \"Regulars come back\"",
    "result b \"Queues move fast by 2027\" { layer: nowhere }",
    "a -> b",
    "b -> a",
    "a -> a -> b: \"loop\"",
    "result a \"Again\"",
    "\"unterminated",
    "{",
    "}",
    "# strata: allow(isolated-result)",
    "share: 35",
    "😀顧客",
    "\t",
];

const BREAKS: &[&str] = &[" ", "\n", "\r\n", "\r", "\n\n"];

/// Strata-like text whose lines are often far longer than a snippet shows, broken by
/// every kind of line break.
fn long_lines() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    let gap = prop_oneof![
        4 => prop::sample::select(BREAKS).prop_map(str::to_owned),
        1 => (100..400usize).prop_map(|n| " ".repeat(n)),
    ];
    let piece = (prop::sample::select(PIECES), gap).prop_map(|(piece, gap)| format!("{piece}{gap}"));
    prop::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat())
}

proptest::proptest! {
    #![proptest_config(crate::props::config(128))]

    /// Cut down or not, every snippet renders, its header names the line and column
    /// the short format does, and no line of it is longer than its labels' neighbourhoods.
    #[test]
    fn snippets_of_long_lines_point_where_short_does(text in long_lines()) {
        let workspace = one_file(&text);
        let diags = strata::check(&workspace).diagnostics;
        for d in &diags {
            let one = std::slice::from_ref(d);
            let human = render::human(&workspace, one, false, 100);
            let labels = 1 + d.secondary.len().min(100);
            let widest = human.lines().map(|l| l.chars().count()).max().unwrap_or(0);
            proptest::prop_assert!(widest <= 140 * labels + 100, "{widest} columns:\n{human}");
            if !d.primary.loc.span.is_empty() {
                let short = render::short(&workspace, one);
                let at = short.split(": ").next().unwrap_or_default();
                proptest::prop_assert!(human.contains(&format!("[{at}]")), "{short}\n{human}");
            }
        }
    }
}

/// The SVG layout of a generated map of 100,000 results, on the small stack: it sorts
/// and sweeps and routes along lists, never recursing, and finishes within the bound.
/// The drawing takes 12 s in a debug build on an idle machine and 62 s was seen with
/// four builds beside it, so its bound is three minutes: a quadratic layout would take
/// hours at this size.
#[test]
fn a_map_of_100_000_results_is_drawn_on_a_small_stack() {
    on_small_stack(|| {
        let workspace = strata::synth::as_workspace(&strata::synth::workspace(100_000, 1_000, 3));
        let model = timed("generated map", || strata::check(&workspace)).model;
        let draw = || export::export(&workspace, &model, Format::Svg, None);
        let svg = timed_within(Duration::from_secs(180), "svg export", draw).expect("export");
        assert_eq!(svg.matches("<g class=\"node result\"").count(), 100_000);
        assert_eq!(svg.matches("<g class=\"edge\"").count(), model.links.len());
    });
}

/// Issue 17: a suppression comment before every result, suppressing its warning or
/// nothing, through `check` and `fmt`. Each comment's scope was found by scanning every
/// item, each diagnostic's suppression by scanning every comment, and the formatter
/// looked at every token for every comment: quadratic, minutes at this size.
#[test]
fn a_suppression_on_every_result_stays_linear() {
    let n = 30_000;
    for (code, used) in [("result-without-measure", true), ("weasel-word", false)] {
        let mut text = String::with_capacity(n * 80);
        for i in 0..n {
            let _ = writeln!(text, "# strata: allow({code})");
            result(&mut text, &format!("r{i}"));
            if i > 0 {
                let _ = writeln!(text, "r{i} -> r{}", i - 1);
            }
        }
        let found = timed(code, || codes(&text));
        assert_eq!(found.get("result-without-measure"), if used { None } else { Some(&n) }, "{code}");
        assert_eq!(found.get("unused-suppression"), if used { None } else { Some(&n) }, "{code}");
        let formatted = timed(code, || strata::fmt::format(&text)).unwrap_or_else(|e| panic!("{code}: {e:?}"));
        assert_eq!(formatted, text, "{code}: the text is formatted already");
    }
}

/// Issue 17: a `strata.toml` adding 20,000 weasel words; each was compared with every
/// word before it (minutes). The last one added is a weasel word like the defaults.
#[test]
fn a_vocabulary_of_many_words_stays_linear() {
    let words: Vec<String> = (0..20_000).map(|i| format!("\"word{i}\"")).collect();
    let config = format!("[vocabulary]\nweasel-words = {{ add = [{}] }}\n", words.join(", "));
    let text = "result a \"Regulars find word19999 every day\"\nresult b \"Regulars stay robust\"\na -> b\n";
    let workspace = Workspace {
        files: vec![SourceFile::new("shape.strata", text)],
        config: Some(SourceFile::new("strata.toml", config)),
        data: Vec::new(),
    };
    let analysis = timed("vocabulary", || strata::check(&workspace));
    let weasels: Vec<&str> =
        analysis.diagnostics.iter().filter(|d| d.code.name() == "weasel-word").map(|d| d.message.as_str()).collect();
    assert_eq!(weasels.len(), 2, "{weasels:?}");
    assert!(weasels.iter().any(|m| m.contains("`word19999`")), "{weasels:?}");
    assert!(!analysis.diagnostics.iter().any(|d| d.code.name() == "invalid-config"));
}

/// Issue 17: 10,000 folders, each its own workspace (a `strata.toml`); every root was
/// tried for every file (45 s in a release build at this size). Each file lands in its
/// own folder's workspace, and the folders whose names only start alike stay apart.
#[test]
fn many_nested_workspaces_are_grouped_in_one_walk() {
    let n = 10_000;
    let dir = tempfile::tempdir().expect("a temporary folder");
    for d in 0..n {
        let folder = dir.path().join(format!("d{d}"));
        std::fs::create_dir(&folder).expect("a folder");
        std::fs::write(folder.join("map.strata"), format!("result r{d} \"Regulars come back every day\"\n"))
            .expect("a file");
        std::fs::write(folder.join("strata.toml"), "").expect("a file");
    }
    let loaded = timed("nested", || strata::workspace::load(&[dir.path().to_path_buf()])).expect("loaded");
    // The folder given is a workspace too, of no files here (sorted first).
    assert_eq!(loaded.len(), n + 1, "one workspace per folder");
    assert!(loaded[0].workspace.files.is_empty(), "{}", loaded[0].root);
    for item in &loaded[1..] {
        let [file] = item.workspace.files.as_slice() else {
            panic!("{}: {} files", item.root, item.workspace.files.len())
        };
        let folder = std::path::Path::new(&item.root).file_name().and_then(|f| f.to_str()).unwrap_or_default();
        assert_eq!(file.text, format!("result r{} \"Regulars come back every day\"\n", &folder[1..]), "{}", item.root);
    }
}
