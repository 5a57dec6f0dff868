//! `strata export`: every fixture under `tests/fixtures/export/` (a `.strata` file, with
//! extra arguments on a `# args:` line, or a directory) beside its expected `.json`,
//! `.dot`, `.mmd` and `.svg`, or `.out` (exit status and stderr) when the export is refused.
//! The expected files are then checked by the real tools: every `.json` against
//! `schema/export.schema.json` (Python `jsonschema`), every `.dot` by Graphviz
//! (`dot -Tsvg`, nothing on stderr, every string shown as text), every `.mmd` by
//! Mermaid's own parser (`node tests/tools/mermaid-check.mjs`), which must see the
//! same nodes, edges and labels as the model; every `.svg` (and the SVG of the examples
//! and of generated maps of 10 to 500 results) by `tests/tools/svg_check.py`, which reads
//! the geometry back from the SVG (no overlapping boxes, no edge through a box, edges
//! on their boxes, labels over no box and inside the picture, results in their bands),
//! and by headless Chromium, which must render it without a parser error. A property test throws arbitrary
//! strings and awkward ids at both renderers. A missing tool fails the test with the
//! command that installs it (`scripts/test`); nothing is skipped.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use proptest::prelude::*;
use proptest::strategy::ValueTree as _;
use proptest::test_runner::{Config, TestRunner};
use serde_json::Value;
use strata::Workspace;
use strata::export::{self, Focus, Format, display_lines};
use strata::sema::model::{Model, NodeRef};
use strata::source::SourceFile;

use crate::common::{assert_all, expect_file, root, strata, text};

/// `--format` value and the extension of its expected file.
const FORMATS: [(&str, &str); 4] = [("json", "json"), ("dot", "dot"), ("mermaid", "mmd"), ("svg", "svg")];

fn fixture_dir() -> PathBuf {
    root().join("tests/fixtures/export")
}

/// The cases: `.strata` files and directories directly in the fixture directory.
fn cases() -> Vec<String> {
    let mut cases: Vec<String> = std::fs::read_dir(fixture_dir())
        .unwrap_or_else(|e| panic!("cannot list the export fixtures: {e}"))
        .flatten()
        .filter(|e| e.path().is_dir() || e.path().extension().is_some_and(|x| x == "strata"))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    cases.sort();
    cases
}

fn stem(case: &str) -> &str {
    case.strip_suffix(".strata").unwrap_or(case)
}

/// The extra arguments on a `# args:` line of a file case.
fn case_args(case: &str) -> Vec<String> {
    let text = std::fs::read_to_string(fixture_dir().join(case)).unwrap_or_default();
    text.lines()
        .find_map(|line| line.strip_prefix("# args:"))
        .map(|args| args.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default()
}

/// The files whose export succeeded, by extension.
fn expected(ext: &str) -> Vec<(String, PathBuf)> {
    cases()
        .into_iter()
        .map(|case| {
            let path = fixture_dir().join(format!("{}.{ext}", stem(&case)));
            (case, path)
        })
        .filter(|(_, path)| path.exists())
        .collect()
}

#[test]
fn export_fixtures() {
    let cases = cases();
    assert!(cases.len() >= 8, "too few export fixtures: {cases:?}");
    let mut results = Vec::new();
    for case in &cases {
        let args = case_args(case);
        let mut refusals = Vec::new();
        for (format, ext) in FORMATS {
            let mut argv = vec!["export", case.as_str(), "--format", format];
            argv.extend(args.iter().map(String::as_str));
            let output = strata(&fixture_dir(), &argv);
            let (stdout, stderr) = text(&output);
            if output.status.success() {
                if !stderr.is_empty() {
                    results.push(Err(format!("{case} --format {format}: stderr is not empty:\n{stderr}")));
                }
                let path = fixture_dir().join(format!("{}.{ext}", stem(case)));
                results.push(expect_file(&path, &stdout));
            } else {
                if !stdout.is_empty() {
                    results.push(Err(format!("{case} --format {format}: refused, but wrote to stdout:\n{stdout}")));
                }
                refusals.push(format!("exit: {}\n{stderr}", output.status.code().unwrap_or(-1)));
            }
        }
        if let Some(first) = refusals.first() {
            if refusals.len() != FORMATS.len() || refusals.iter().any(|r| r != first) {
                results.push(Err(format!("{case}: every format must be refused alike:\n{}", refusals.join("\n"))));
            }
            results.push(expect_file(&fixture_dir().join(format!("{}.out", stem(case))), first));
        }
    }
    assert_all(results);
}

#[test]
fn no_orphaned_export_expectations() {
    let stems: Vec<String> = cases().iter().map(|c| stem(c).to_owned()).collect();
    for entry in std::fs::read_dir(fixture_dir()).into_iter().flatten().flatten() {
        let path = entry.path();
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or_default();
        if matches!(ext, "json" | "dot" | "mmd" | "svg" | "out") {
            let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
            assert!(stems.iter().any(|s| s == name), "{} has no input beside it", path.display());
        }
    }
}

/// The model a fixture exports: loaded from disk, cut down by its `--focus`, if any.
fn fixture_model(case: &str) -> (Workspace, Model) {
    let path = fixture_dir().join(case);
    let mut loaded = strata::workspace::load(&[path]).unwrap_or_else(|e| panic!("{case}: {e}"));
    assert_eq!(loaded.len(), 1, "{case}: one workspace");
    let workspace = loaded.remove(0).workspace;
    let mut model = strata::check(&workspace).model;
    let args = case_args(case);
    if let Some(at) = args.iter().position(|a| a == "--focus") {
        let id = args.get(at + 1).cloned().unwrap_or_default();
        let depth = args.iter().position(|a| a == "--depth").and_then(|d| args.get(d + 1)?.parse().ok()).unwrap_or(1);
        model = export::focus::focus(&model, &Focus { id, depth }).unwrap_or_else(|e| panic!("{case}: {e}")).model;
    }
    (workspace.clone(), model)
}

#[test]
fn json_fixtures_match_the_schema() {
    let files: Vec<PathBuf> = expected("json").into_iter().map(|(_, p)| p).collect();
    assert!(files.len() >= 5, "too few JSON fixtures: {files:?}");
    validate_json(&files);
}

#[test]
fn dot_fixtures_render_without_a_warning() {
    let mut problems = Vec::new();
    for (case, path) in expected("dot") {
        let dot = std::fs::read_to_string(&path).unwrap_or_default();
        let (_, model) = fixture_model(&case);
        if let Err(problem) = check_dot(&dot, &model) {
            problems.push(format!("{case}: {problem}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

#[test]
fn mermaid_fixtures_parse_as_the_same_map() {
    let fixtures = expected("mmd");
    let texts: Vec<String> = fixtures.iter().map(|(_, p)| std::fs::read_to_string(p).unwrap_or_default()).collect();
    let parsed = mermaid(&texts);
    let mut problems = Vec::new();
    for ((case, _), parsed) in fixtures.iter().zip(&parsed) {
        let (_, model) = fixture_model(case);
        if let Err(problem) = check_mermaid(parsed, &model) {
            problems.push(format!("{case}: {problem}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

/// The library API exports what resolves, even from a workspace with errors.
#[test]
fn exports_what_resolves_despite_errors() {
    let dir = root().join("tests/fixtures/export_partial");
    let input = dir.join("broken.strata");
    let text = std::fs::read_to_string(&input).unwrap_or_else(|e| panic!("{}: {e}", input.display()));
    let workspace = Workspace { files: vec![SourceFile::new("broken.strata", text)], config: None, data: Vec::new() };
    let analysis = strata::check(&workspace);
    assert!(analysis.has_errors(), "broken.strata must have errors");
    let mut results = Vec::new();
    for (format, ext) in [(Format::Json, "json"), (Format::Dot, "dot"), (Format::Mermaid, "mmd")] {
        let output = export::export(&workspace, &analysis.model, format, None).unwrap_or_else(|e| panic!("{e}"));
        results.push(expect_file(&dir.join(format!("broken.{ext}")), &output));
    }
    assert_all(results);
    validate_json(&[dir.join("broken.json")]);
    let dot = std::fs::read_to_string(dir.join("broken.dot")).unwrap_or_default();
    check_dot(&dot, &analysis.model).unwrap_or_else(|e| panic!("broken.dot: {e}"));
    let mmd = std::fs::read_to_string(dir.join("broken.mmd")).unwrap_or_default();
    check_mermaid(&mermaid(&[mmd])[0], &analysis.model).unwrap_or_else(|e| panic!("broken.mmd: {e}"));
}

#[test]
fn exports_are_byte_identical_across_runs() {
    let files = ["services.strata", "map.strata", "groups.strata", "foundations.strata", "community.strata"];
    for (format, _) in FORMATS {
        let first = strata(&root(), &["export", "examples/library", "--format", format]);
        let second = strata(&root(), &["export", "examples/library", "--format", format]);
        assert!(first.status.success(), "{}", text(&first).1);
        assert!(first.stdout == second.stdout, "--format {format}: two runs differ");
        // The same files named one by one, in another order: the same map.
        let mut argv = vec!["export".to_owned(), "--format".to_owned(), format.to_owned()];
        argv.extend(files.iter().map(|f| format!("examples/library/{f}")));
        argv.push("examples/library/residents.strata".to_owned());
        let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
        let listed = strata(&root(), &argv);
        assert!(first.stdout == listed.stdout, "--format {format}: the order of the paths changed the output");
    }
}

/// Runs `tests/tools/svg_check.py` on `files`; its findings fail the test.
fn check_svg(files: &[PathBuf]) {
    let mut args = vec![root().join("tests/tools/svg_check.py").to_string_lossy().into_owned()];
    args.extend(files.iter().map(|f| f.to_string_lossy().into_owned()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = run_tool("python3", &args, None);
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "the SVG export's geometry is wrong:\n{stdout}{stderr}");
}

/// The SVG of each example, written to `dir`.
fn example_svgs(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for example in ["examples/coffee", "examples/library"] {
        let path = dir.join(format!("{}.svg", example.replace('/', "-")));
        let output = strata(&root(), &["export", example, "--format", "svg", "--output", &path.to_string_lossy()]);
        let (stdout, stderr) = text(&output);
        assert!(output.status.success() && stdout.is_empty() && stderr.is_empty(), "{example}: {stderr}");
        files.push(path);
    }
    files
}

#[test]
fn svg_exports_hold_their_geometry() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let mut files: Vec<PathBuf> = expected("svg").into_iter().map(|(_, path)| path).collect();
    assert!(files.len() >= 7, "too few SVG fixtures: {files:?}");
    files.extend(example_svgs(dir.path()));
    check_svg(&files);
}

/// A map of `n` results over four layers and `n / 5` actions, with links in every
/// direction (up, down, within a layer, across several layers, some labelled), from a
/// seed.
fn tangled_map(n: usize, seed: u64) -> String {
    let mut state = seed;
    let mut next = move |below: usize| {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        ((state >> 33) as usize) % below.max(1)
    };
    let mut text = String::from("layer a \"Top\"\nlayer b \"Second\"\nlayer c \"Third\"\nlayer d \"Bottom\"\n");
    let words = ["Customers", "return", "every week because", "service is fast", "and", "friendly", "staff know them"];
    for r in 0..n {
        let length = 2 + next(8);
        let statement: Vec<&str> = (0..length).map(|_| words[next(words.len())]).collect();
        let layer = ["a", "b", "c", "d"][next(4)];
        text.push_str(&format!("result r{r} \"{}\" {{ layer: {layer} }}\n", statement.join(" ")));
    }
    for a in 0..n / 5 {
        text.push_str(&format!("action act{a} \"Do thing {a}\"\nact{a} -> r{}\n", next(n)));
    }
    for _ in 0..2 * n {
        let (from, to) = (next(n), next(n));
        if next(4) == 0 {
            text.push_str(&format!("r{from} -> r{to}: \"because of {from} and {to}\"\n"));
        } else {
            text.push_str(&format!("r{from} -> r{to}\n"));
        }
    }
    text
}

#[test]
fn generated_maps_hold_their_geometry() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let mut files = Vec::new();
    for (n, seed) in [(10, 1), (10, 2), (50, 3), (200, 4), (500, 5)] {
        let source = dir.path().join(format!("map{n}-{seed}.strata"));
        std::fs::write(&source, tangled_map(n, seed)).unwrap_or_else(|e| panic!("write: {e}"));
        let workspace = strata::workspace::load(&[source]).unwrap_or_else(|e| panic!("{e}")).remove(0).workspace;
        let model = strata::check(&workspace).model;
        assert_eq!(model.results.len(), n);
        let svg = export::export(&workspace, &model, Format::Svg, None).unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join(format!("map{n}-{seed}.svg"));
        std::fs::write(&path, svg).unwrap_or_else(|e| panic!("write: {e}"));
        files.push(path);
    }
    check_svg(&files);
}

/// Headless Chromium renders the SVG of the examples and of the hostile fixture as a
/// picture, not as a parser error; the library's is kept as a screenshot in
/// `target/test-artefacts/`.
#[test]
fn svg_exports_render_in_chromium() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let mut files = example_svgs(dir.path());
    files.push(fixture_dir().join("hostile.svg"));
    for file in &files {
        let url = format!("file://{}", file.display());
        let output = run_tool("chromium", &["--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", &url], None);
        let (dom, stderr) = text(&output);
        assert!(output.status.success(), "chromium failed on {}: {stderr}", file.display());
        assert!(dom.trim_start().starts_with("<svg"), "{}: Chromium did not show an SVG:\n{dom}", file.display());
        assert!(!dom.contains("parsererror"), "{}: Chromium found errors:\n{dom}", file.display());
    }
    let artefacts = root().join("target/test-artefacts");
    std::fs::create_dir_all(&artefacts).unwrap_or_else(|e| panic!("{e}"));
    let shot = artefacts.join("library-map.png");
    let _ = std::fs::remove_file(&shot);
    let url = format!("file://{}", files[1].display());
    let screenshot = format!("--screenshot={}", shot.display());
    let args = ["--headless", "--no-sandbox", "--disable-gpu", "--window-size=1800,1400", &screenshot, &url];
    let output = run_tool("chromium", &args, None);
    assert!(output.status.success() && shot.exists(), "no screenshot: {}", text(&output).1);
}

/// `docs/map-strata.svg`, the README's picture, is today's SVG export of the library.
#[test]
fn the_readme_svg_map_is_up_to_date() {
    let output = strata(&root(), &["export", "examples/library", "--format", "svg"]);
    let (svg, stderr) = text(&output);
    assert!(output.status.success(), "{stderr}");
    assert_all(vec![expect_file(&root().join("docs/map-strata.svg"), &svg)]);
}

#[test]
fn examples_export_valid_json() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let mut files = Vec::new();
    for example in ["examples/coffee", "examples/library"] {
        let path = dir.path().join(format!("{}.json", files.len()));
        let output = strata(&root(), &["export", example, "--format", "json", "--output", &path.to_string_lossy()]);
        let (stdout, stderr) = text(&output);
        assert!(output.status.success() && stdout.is_empty() && stderr.is_empty(), "{example}: {stderr}");
        files.push(path);
    }
    validate_json(&files);
}

#[test]
fn output_goes_to_the_file_and_an_unwritable_one_is_a_tool_error() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let path = dir.path().join("map.dot");
    let written =
        strata(&fixture_dir(), &["export", "coffee.strata", "--format", "dot", "-o", &path.to_string_lossy()]);
    assert_eq!(written.status.code(), Some(0), "{}", text(&written).1);
    assert!(written.stdout.is_empty());
    let expected = std::fs::read_to_string(fixture_dir().join("coffee.dot")).unwrap_or_default();
    assert_eq!(std::fs::read_to_string(&path).unwrap_or_default(), expected);

    let missing = dir.path().join("no/such/dir/map.dot");
    let failed =
        strata(&fixture_dir(), &["export", "coffee.strata", "--format", "dot", "--output", &missing.to_string_lossy()]);
    assert_eq!(failed.status.code(), Some(2));
    assert!(text(&failed).1.starts_with("error: cannot write `"), "{}", text(&failed).1);

    let no_format = strata(&fixture_dir(), &["export", "coffee.strata"]);
    assert_eq!(no_format.status.code(), Some(2), "--format is required");
    let depth_alone = strata(&fixture_dir(), &["export", "coffee.strata", "--format", "json", "--depth", "2"]);
    assert_eq!(depth_alone.status.code(), Some(2), "--depth needs --focus");
}

/// A map big enough to be written on several threads and handed out chunk by chunk
/// (`parallel::in_order`) comes out of the CLI, to a file and to stdout, exactly as the
/// export made in memory; a write that fails halfway (`/dev/full`) is a tool error.
#[test]
fn a_big_map_streams_out_exactly_as_made_in_memory() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let files = strata::synth::workspace(6_000, 200, 11);
    for file in &files {
        let path = dir.path().join(&file.path);
        std::fs::create_dir_all(path.parent().unwrap_or(dir.path())).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(&path, &file.text).unwrap_or_else(|e| panic!("write: {e}"));
    }
    let workspace = strata::synth::as_workspace(&files);
    let analysis = strata::check(&workspace);
    let expected = export::export(&workspace, &analysis.model, Format::Dot, None).unwrap_or_else(|e| panic!("{e}"));
    assert!(expected.len() > 4_000_000, "{} bytes: not a big map", expected.len());

    let path = dir.path().join("map.dot");
    let to_file = strata(dir.path(), &["export", ".", "--format", "dot", "-o", &path.to_string_lossy()]);
    assert_eq!(to_file.status.code(), Some(0), "{}", text(&to_file).1);
    assert!(std::fs::read_to_string(&path).unwrap_or_default() == expected, "the file differs");
    let to_stdout = strata(dir.path(), &["export", ".", "--format", "dot"]);
    assert!(to_stdout.status.success() && to_stdout.stdout == expected.as_bytes(), "stdout differs");

    if std::path::Path::new("/dev/full").exists() {
        let full = strata(dir.path(), &["export", ".", "--format", "dot", "-o", "/dev/full"]);
        assert_eq!(full.status.code(), Some(2));
        assert!(text(&full).1.starts_with("error: cannot write `/dev/full`: "), "{}", text(&full).1);
    }
}

/// docs/map.svg (in the README) is rendered from docs/map.dot, which must be today's
/// export of examples/library. The SVG is compared by what it shows (the node and
/// edge titles and the text), since its bytes depend on the Graphviz version and fonts.
#[test]
fn the_readme_map_is_up_to_date() {
    let output = strata(&root(), &["export", "examples/library", "--format", "dot"]);
    let (dot, stderr) = text(&output);
    assert!(output.status.success(), "{stderr}");
    let dot_path = root().join("docs/map.dot");
    let svg_path = root().join("docs/map.svg");
    let bless = std::env::var_os("UPDATE_EXPECT").is_some() && std::env::var_os("CI").is_none();
    let stale = std::fs::read_to_string(&dot_path).ok().as_deref() != Some(dot.as_str());
    if let Err(problem) = expect_file(&dot_path, &dot) {
        panic!("{problem}\nregenerate the picture: see docs/export.md (`UPDATE_EXPECT=1 cargo test` does it too)");
    }
    let fresh = run_tool("dot", &["-Tsvg"], Some(dot.as_bytes()));
    assert!(fresh.status.success(), "dot failed: {}", text(&fresh).1);
    if bless && (stale || !svg_path.exists()) {
        std::fs::write(&svg_path, &fresh.stdout).unwrap_or_else(|e| panic!("cannot write docs/map.svg: {e}"));
    }
    let committed = std::fs::read_to_string(&svg_path).unwrap_or_default();
    let shown = |svg: &str| {
        let mut items = svg_elements(svg, "title");
        items.extend(svg_elements(svg, "text"));
        items.sort();
        items
    };
    assert!(
        shown(&committed) == shown(&String::from_utf8_lossy(&fresh.stdout)),
        "docs/map.svg does not show what docs/map.dot does: regenerate it with \
         `dot -Tsvg docs/map.dot -o docs/map.svg` (see docs/export.md)"
    );
}

// ---------------------------------------------------------------------------------
// The property test: arbitrary strings and awkward ids through both renderers.

/// Ids that are keywords or syntax in DOT or Mermaid, or that made-up ids could take.
const AWKWARD_IDS: &str = "end o1 x_ray o x node edge graph subgraph strict digraph style class classDef linkStyle \
    click default flowchart direction cluster_a 顧客 café _ ω A1 e v call href accTitle groups legend";

/// Pieces that mean something to Graphviz, Mermaid, HTML or Strata itself.
const FRAGMENTS: [&str; 21] = [
    "\\G",
    "\\N",
    "\\L",
    "&lt;",
    "&amp;",
    "#quot;",
    "#35;",
    "%%{init: {\"theme\": \"dark\"}}%%",
    "fa:fa-user",
    " end ",
    "-->",
    "```",
    "$$x$$",
    "<br/>",
    "]]>",
    "<!--",
    "\\",
    "\"",
    "ﬂ°amp¶ß",
    "style a:#1;",
    "classDef x:#f;",
];

pub(crate) fn awkward_string() -> impl Strategy<Value = String> {
    let special = prop::sample::select(vec![
        '"', '\\', '<', '>', '&', '{', '}', '[', ']', '|', '#', '%', '$', '`', ':', ';', '\n', '\r', '\t', '\u{0}',
        '\u{7f}', '\u{85}', '\u{2028}', '\u{202e}', '\u{200d}', '😀', '👩', 'ש', 'ع', '顧', ' ', ' ', 'a', 'G',
        '\u{fffe}', '\u{a0}', '\u{300}', 'ﬂ', '°', '¶', 'ß', ']', '\u{feff}',
    ]);
    let piece = prop_oneof![
        3 => special.prop_map(String::from),
        2 => any::<char>().prop_map(String::from),
        1 => prop::sample::select(FRAGMENTS.to_vec()).prop_map(str::to_owned),
    ];
    prop::collection::vec(piece, 0..14).prop_map(|pieces| pieces.concat())
}

/// A result: statement, layer (an index, wrapped to the layers), measure name and unit.
type GeneratedResult = (String, Option<usize>, Option<(String, String)>);
/// A link: cause (results, then actions), effect (a result), label, strength, inverse.
type GeneratedLink = (usize, usize, Option<String>, Option<usize>, bool);

#[derive(Debug, Clone)]
pub(crate) struct GeneratedMap {
    title: Option<(String, String)>,
    layers: Vec<String>,
    groups: Vec<(String, String)>,
    results: Vec<GeneratedResult>,
    actions: Vec<String>,
    links: Vec<GeneratedLink>,
    ids: Vec<&'static str>,
}

pub(crate) fn generated_map() -> impl Strategy<Value = GeneratedMap> {
    (
        prop::option::of((awkward_string(), awkward_string())),
        prop::collection::vec(awkward_string(), 0..4),
        prop::collection::vec((awkward_string(), awkward_string()), 0..3),
        prop::collection::vec(
            (awkward_string(), prop::option::of(0usize..4), prop::option::of((awkward_string(), awkward_string()))),
            1..7,
        ),
        prop::collection::vec(awkward_string(), 0..3),
        prop::collection::vec(
            (0usize..9, 0usize..9, prop::option::of(awkward_string()), prop::option::of(0usize..3), any::<bool>()),
            0..12,
        ),
        Just(AWKWARD_IDS.split_whitespace().collect::<Vec<_>>()).prop_shuffle(),
    )
        .prop_map(|(title, layers, groups, results, actions, links, ids)| GeneratedMap {
            title,
            layers,
            groups,
            results,
            actions,
            links,
            ids,
        })
}

/// A Strata string literal holding exactly `text`.
fn literal(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() && c != '\n' => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

pub(crate) fn source(map: &GeneratedMap) -> String {
    let mut ids = map.ids.iter();
    let mut next = || ids.next().copied().unwrap_or("spare");
    let mut out = String::new();
    if let Some((title, purpose)) = &map.title {
        out.push_str(&format!("map {} {{\n  purpose: {}\n}}\n", literal(title), literal(purpose)));
    }
    let layers: Vec<&str> = map.layers.iter().map(|_| next()).collect();
    for (id, title) in layers.iter().zip(&map.layers) {
        out.push_str(&format!("layer {id} {}\n", literal(title)));
    }
    let groups: Vec<&str> = map.groups.iter().map(|_| next()).collect();
    for (id, (name, proposition)) in groups.iter().zip(&map.groups) {
        out.push_str(&format!("group {id} {} {{\n  proposition: {}\n}}\n", literal(name), literal(proposition)));
    }
    let results: Vec<&str> = map.results.iter().map(|_| next()).collect();
    for (i, (id, (statement, layer, measure))) in results.iter().zip(&map.results).enumerate() {
        out.push_str(&format!("result {id} {} {{\n", literal(statement)));
        if let Some(layer) = layer.filter(|_| !layers.is_empty()) {
            out.push_str(&format!("  layer: {}\n", layers[layer % layers.len()]));
        }
        if !groups.is_empty() && i % 2 == 0 {
            out.push_str(&format!("  for: {}\n", groups[i / 2 % groups.len()]));
        }
        if let Some((name, unit)) = measure {
            out.push_str(&format!(
                "  measure {} {} {{\n    unit: {}\n    direction: up\n    baseline: 1 at 2026\n    \
                 target: 2 by 2027\n  }}\n",
                next(),
                literal(name),
                literal(unit)
            ));
        }
        out.push_str("}\n");
    }
    let actions: Vec<&str> = map.actions.iter().map(|_| next()).collect();
    for (id, title) in actions.iter().zip(&map.actions) {
        out.push_str(&format!("action {id} {}\n", literal(title)));
    }
    let causes: Vec<&str> = results.iter().chain(&actions).copied().collect();
    for (cause, effect, label, strength, inverse) in &map.links {
        let (cause, effect) = (causes[cause % causes.len()], results[effect % results.len()]);
        if cause == effect {
            continue;
        }
        out.push_str(&format!("{cause} -> {effect}"));
        if let Some(label) = label {
            out.push_str(&format!(": {}", literal(label)));
        }
        out.push_str(" {\n");
        if let Some(strength) = strength {
            out.push_str(&format!("  strength: {}\n", ["weak", "moderate", "strong"][*strength]));
        }
        if *inverse {
            out.push_str("  polarity: inverse\n");
        }
        out.push_str("}\n");
    }
    out
}

#[test]
fn any_string_renders_as_text_in_dot_mermaid_and_svg() {
    // The same 40 maps every run; `PROPTEST_CASES=N` and `PROPTEST_RNG_SEED=S` explore.
    let cases: usize = std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(40);
    let mut runner = match std::env::var_os("PROPTEST_RNG_SEED") {
        Some(_) => TestRunner::new(Config::default()),
        None => TestRunner::deterministic(),
    };
    let strategy = generated_map();
    let mut maps = Vec::new();
    for _ in 0..cases {
        let tree = strategy.new_tree(&mut runner).unwrap_or_else(|e| panic!("cannot generate a map: {e}"));
        let text = source(&tree.current());
        let workspace = Workspace {
            files: vec![SourceFile::new("generated.strata", text.clone())],
            config: None,
            data: Vec::new(),
        };
        let analysis = strata::check(&workspace);
        let errors: Vec<&str> =
            analysis.diagnostics.iter().filter(|d| d.code.is_error()).map(|d| d.message.as_str()).collect();
        assert!(errors.is_empty(), "the generated map has errors {errors:?}:\n{text}");
        maps.push((text, workspace, analysis.model));
    }
    let mut problems = Vec::new();
    let mut mermaid_texts = Vec::new();
    for (text, workspace, model) in &maps {
        let dot = export::export(workspace, model, Format::Dot, None).unwrap_or_else(|e| panic!("{e}"));
        if let Err(problem) = check_dot(&dot, model) {
            problems.push(format!("DOT: {problem}\n--- source ---\n{text}\n--- dot ---\n{dot}"));
        }
        mermaid_texts.push(export::export(workspace, model, Format::Mermaid, None).unwrap_or_else(|e| panic!("{e}")));
    }
    for (((text, _, model), parsed), mmd) in maps.iter().zip(mermaid(&mermaid_texts)).zip(&mermaid_texts) {
        if let Err(problem) = check_mermaid(&parsed, model) {
            problems.push(format!("Mermaid: {problem}\n--- source ---\n{text}\n--- mermaid ---\n{mmd}"));
        }
    }
    assert!(problems.is_empty(), "{} of {cases} maps failed:\n\n{}", problems.len(), problems.join("\n\n"));
    // The same maps drawn as SVG: well-formed XML whatever the strings, and the geometry.
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let mut files = Vec::new();
    for (i, (_, workspace, model)) in maps.iter().enumerate() {
        let svg = export::export(workspace, model, Format::Svg, None).unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join(format!("map{i}.svg"));
        std::fs::write(&path, svg).unwrap_or_else(|e| panic!("write: {e}"));
        files.push(path);
    }
    check_svg(&files);
}

// ---------------------------------------------------------------------------------
// The tools.

/// Runs a tool the tests need; a missing one fails with how to get it.
fn run_tool(program: &str, args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(program)
        .args(args)
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("`{program}` is needed by this test and cannot be run ({e}): run `scripts/test`, which installs it")
        });
    if let Some(mut pipe) = child.stdin.take() {
        // A tool that exits early closes the pipe; its exit status tells why.
        let _ = pipe.write_all(stdin.unwrap_or_default());
    }
    child.wait_with_output().unwrap_or_else(|e| panic!("`{program}` failed to run: {e}"))
}

fn validate_json(files: &[PathBuf]) {
    let mut args = vec![
        root().join("tests/tools/validate_json.py").to_string_lossy().into_owned(),
        root().join("schema/export.schema.json").to_string_lossy().into_owned(),
    ];
    args.extend(files.iter().map(|f| f.to_string_lossy().into_owned()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = run_tool("python3", &args, None);
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "the export does not match schema/export.schema.json:\n{stdout}{stderr}");
}

/// Renders DOT with Graphviz: it must succeed without a word on stderr and show every
/// string of the model as text.
pub(crate) fn check_dot(dot: &str, model: &Model) -> Result<(), String> {
    let output = run_tool("dot", &["-Tsvg"], Some(dot.as_bytes()));
    let (svg, stderr) = text(&output);
    if !output.status.success() || !stderr.is_empty() {
        return Err(format!("dot -Tsvg (exit {:?}) said:\n{stderr}", output.status.code()));
    }
    check_layer_order(dot, model)?;
    let shown: String = svg_elements(&svg, "text").concat().chars().filter(|c| !c.is_whitespace()).collect();
    for string in model_strings(model) {
        let want: String = display_lines(&string).concat().chars().filter(|c| !c.is_whitespace()).collect();
        if !shown.contains(&want) {
            return Err(format!("the SVG does not show {string:?} (as {want:?}); it shows {shown:?}"));
        }
    }
    Ok(())
}

/// Each layer's results must come out left to right in declaration order.
fn check_layer_order(dot: &str, model: &Model) -> Result<(), String> {
    let output = run_tool("dot", &["-Tplain"], Some(dot.as_bytes()));
    let (plain, _) = text(&output);
    let x = |id: &str| {
        plain.lines().find_map(|line| {
            let mut words = line.split_whitespace();
            (words.next() == Some("node") && words.next().map(|w| w.trim_matches('"')) == Some(id))
                .then(|| words.next().and_then(|x| x.parse::<f64>().ok()))
                .flatten()
        })
    };
    for (i, layer) in model.layers.iter().enumerate() {
        let ids: Vec<&str> = model.results.iter().filter(|r| r.layer == Some(i)).map(|r| r.id.as_str()).collect();
        let xs: Vec<Option<f64>> = ids.iter().map(|id| x(id)).collect();
        if xs.iter().any(Option::is_none) || xs.windows(2).any(|w| w[0] >= w[1]) {
            return Err(format!("layer `{}`: results {ids:?} are not left to right: {xs:?}", layer.id));
        }
    }
    Ok(())
}

/// The strings a drawn map must show.
fn model_strings(model: &Model) -> Vec<String> {
    let mut strings: Vec<String> = Vec::new();
    strings.extend(model.layers.iter().map(|l| l.title.to_string()));
    strings.extend(model.results.iter().map(|r| r.statement.value.to_string()));
    strings.extend(model.measures.iter().filter(|m| m.of.is_some()).map(|m| m.name.to_string()));
    strings.extend(model.actions.iter().map(|a| a.title.to_string()));
    strings.extend(model.groups.iter().map(|g| g.name.to_string()));
    strings.extend(model.links.iter().filter_map(|l| l.label.as_ref().map(|l| l.to_string())));
    strings
}

/// The text content of every `<NAME …>…</NAME>` element of an SVG, entities decoded.
fn svg_elements(svg: &str, name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let open = format!("<{name}");
    let close = format!("</{name}>");
    let mut rest = svg;
    while let Some(start) = rest.find(&open) {
        rest = &rest[start + open.len()..];
        let Some(body) = rest.find('>') else { break };
        rest = &rest[body + 1..];
        let Some(end) = rest.find(&close) else { break };
        out.push(unescape_xml(&rest[..end]));
        rest = &rest[end + close.len()..];
    }
    out
}

fn unescape_xml(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let Some(semi) = rest.find(';') else { break };
        let entity = &rest[1..semi];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => match entity.strip_prefix("#x").or_else(|| entity.strip_prefix("#X")) {
                Some(hex) => u32::from_str_radix(hex, 16).ok().and_then(char::from_u32),
                None => entity.strip_prefix('#').and_then(|d| d.parse().ok()).and_then(char::from_u32),
            },
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Parses diagrams with Mermaid's own parser, all in one Node process.
fn mermaid(texts: &[String]) -> Vec<Value> {
    let tools = root().join("tests/tools");
    assert!(
        tools.join("node_modules/mermaid").is_dir(),
        "the Node test tools are not installed: run `scripts/test` (it runs `npm install --prefix tests/tools`)"
    );
    let input = serde_json::to_vec(texts).unwrap_or_default();
    let output = run_tool("node", &[&tools.join("mermaid-check.mjs").to_string_lossy()], Some(&input));
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "node tests/tools/mermaid-check.mjs failed:\n{stderr}");
    let parsed: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("mermaid-check output: {e}\n{stdout}"));
    let list = parsed.as_array().cloned().unwrap_or_default();
    assert_eq!(list.len(), texts.len(), "mermaid-check answered for {} of {} diagrams", list.len(), texts.len());
    list
}

/// What Mermaid parsed must be the model's map: one node per result and action showing
/// its text, one edge per link from the right cause to the right effect with its
/// label, one subgraph per layer with its title and results.
fn check_mermaid(parsed: &Value, model: &Model) -> Result<(), String> {
    if parsed["ok"] != Value::Bool(true) {
        return Err(format!("Mermaid cannot parse it: {}", parsed["error"]));
    }
    if parsed["type"] != "flowchart-v2" {
        return Err(format!("not a flowchart: {}", parsed["type"]));
    }
    let list = |key: &str| parsed[key].as_array().cloned().unwrap_or_default();
    let (vertices, edges, subgraphs) = (list("vertices"), list("edges"), list("subgraphs"));
    let subgraph_ids: Vec<&Value> = subgraphs.iter().map(|s| &s["id"]).collect();
    let nodes: Vec<&Value> = vertices.iter().filter(|v| !subgraph_ids.contains(&&v["id"])).collect();
    // Mermaid trims labels with JavaScript's `trim`, which also takes U+FEFF.
    let trim = |text: &str| text.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}').to_owned();
    let shown = |value: &Value| trim(value.as_str().unwrap_or_default());
    let want = |text: &str| trim(&display_lines(text).join("\n"));
    if nodes.len() != model.results.len() + model.actions.len() {
        return Err(format!(
            "{} nodes for {} results and {} actions",
            nodes.len(),
            model.results.len(),
            model.actions.len()
        ));
    }
    let node_text = |id: &Value| nodes.iter().find(|v| v["id"] == *id).map(|v| shown(&v["shown"]));
    let title = |node: NodeRef| want(model.title(node));
    for (i, r) in model.results.iter().enumerate() {
        let text = title(NodeRef::Result(i));
        if !nodes.iter().any(|v| shown(&v["shown"]).starts_with(&text)) {
            return Err(format!("no node shows the statement of `{}` ({text:?})", r.id));
        }
    }
    let links: Vec<&Value> = edges.iter().filter(|e| e["stroke"] != "invisible").collect();
    if links.len() != model.links.len() {
        return Err(format!("{} edges for {} links", links.len(), model.links.len()));
    }
    for (edge, link) in links.iter().zip(&model.links) {
        let (from, to) = (node_text(&edge["from"]), node_text(&edge["to"]));
        let (cause, effect) = (title(link.from), title(NodeRef::Result(link.to)));
        if !from.as_ref().is_some_and(|f| f.starts_with(&cause)) || !to.as_ref().is_some_and(|t| t.starts_with(&effect))
        {
            return Err(format!("edge {from:?} -> {to:?} is not {cause:?} -> {effect:?}"));
        }
        let label = shown(&edge["shown"]);
        let expected = link.label.as_deref().map(want).unwrap_or_default();
        if !label.ends_with(&expected) {
            return Err(format!("edge label {label:?} does not show {expected:?}"));
        }
    }
    if subgraphs.len() != model.layers.len() {
        return Err(format!("{} subgraphs for {} layers", subgraphs.len(), model.layers.len()));
    }
    for ((i, layer), subgraph) in model.layers.iter().enumerate().zip(&subgraphs) {
        if shown(&subgraph["shown"]) != want(&layer.title) {
            return Err(format!("subgraph {} does not show the title of layer `{}`", subgraph["shown"], layer.id));
        }
        let members = model.results.iter().filter(|r| r.layer == Some(i)).count();
        let count = subgraph["nodes"].as_array().map_or(0, Vec::len);
        if count != members {
            return Err(format!("layer `{}` holds {members} results, its subgraph {count}", layer.id));
        }
    }
    Ok(())
}

/// The JSON export carries each measure's data (spec 7.3, v2), also under `--focus`
/// (which builds a new model: its measures find their data by id), and the example's
/// signals are the ones its CSV notes describe.
#[test]
fn json_export_carries_the_examples_signals() {
    let signals = |args: &[&str], id: &str| -> Vec<(String, String, String)> {
        let output = strata(&root(), args);
        assert!(output.status.success(), "{}", text(&output).1);
        let json: Value = serde_json::from_slice(&output.stdout).unwrap_or_default();
        let measures = json["measures"].as_array().cloned().unwrap_or_default();
        let measure = measures.iter().find(|m| m["id"] == id).cloned().unwrap_or_default();
        let list = measure["data"]["signals"].as_array().cloned().unwrap_or_default();
        list.iter()
            .map(|s| {
                let field = |k: &str| s[k].as_str().unwrap_or_default().to_owned();
                (field("rule"), field("from"), field("sense"))
            })
            .collect()
    };
    let whole = ["export", "--format", "json", "examples/coffee"];
    let margin = signals(&whole, "margin");
    assert_eq!(margin, [("outside-limits".to_owned(), "2025-12".to_owned(), "improvement".to_owned())]);
    let focused = ["export", "--format", "json", "--focus", "margin", "examples/coffee"];
    assert_eq!(signals(&focused, "margin"), margin);
    let wait: Vec<String> =
        signals(&whole, "wait_time").into_iter().map(|(rule, from, _)| format!("{rule} {from}")).collect();
    assert_eq!(wait, ["short-run 2025-08-04", "long-run 2026-02-16"]);
}
