//! `strata fmt`: every `tests/fixtures/fmt/NAME.strata` beside `NAME.formatted`, the
//! exact output; properties over every fixture, every example and, when
//! `STRATA_EXTRA_FIXTURES` names a directory, every `.strata` file below it (formatting
//! is idempotent, keeps every comment and string, and compiles to the same model); and
//! the command line (`--check`, `-`, files with errors or a suppression formatting would
//! move left untouched, permissions and line endings kept), each beside its expected
//! output in `tests/fixtures/fmt/cli/`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use strata::sema::model::Quantity;
use strata::source::{FileId, SourceFile};
use strata::syntax::ast::Ast;
use strata::{Analysis, Workspace};

use crate::common::{assert_all, expect_file, fixtures, root, strata, text};

fn fmt_dir() -> PathBuf {
    root().join("tests/fixtures/fmt")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

#[test]
fn fixtures_format_to_their_expected_text() {
    let inputs = fixtures("fmt", ".strata");
    assert!(inputs.len() >= 15, "too few fmt fixtures: {inputs:?}");
    let results = inputs
        .iter()
        .map(|input| {
            let formatted = strata::fmt::format(&read(input))
                .unwrap_or_else(|diags| panic!("{}: fixtures must parse, got {diags:?}", input.display()));
            expect_file(&input.with_extension("formatted"), &formatted)
        })
        .collect();
    assert_all(results);
}

#[test]
fn every_expected_text_has_its_input() {
    for expected in fixtures("fmt", ".formatted") {
        assert!(expected.with_extension("strata").exists(), "{} has no input beside it", expected.display());
    }
}

#[test]
fn examples_are_formatted() {
    let files = strata_files(&root().join("examples"));
    assert!(!files.is_empty(), "no examples found");
    for path in files {
        let text = read(&path);
        let formatted = strata::fmt::format(&text).unwrap_or_else(|d| panic!("{}: {d:?}", path.display()));
        assert!(formatted == text, "{} is not formatted: run `strata fmt examples`", path.display());
    }
}

/// The spec's own example must already be canonical (its style is the house style).
#[test]
fn the_spec_example_is_formatted() {
    let path = root().join("examples/coffee/coffee.strata");
    let text = read(&path);
    assert_eq!(strata::fmt::format(&text).ok().as_deref(), Some(text.as_str()));
}

#[test]
fn formatting_keeps_every_word_and_the_model() {
    let mut files = fixtures("fmt", ".strata");
    files.extend(fixtures("fmt", ".formatted"));
    files.extend(strata_files(&root().join("examples")));
    if let Some(dir) = std::env::var_os("STRATA_EXTRA_FIXTURES") {
        let extra = strata_files(Path::new(&dir));
        assert!(!extra.is_empty(), "STRATA_EXTRA_FIXTURES holds no .strata file");
        files.extend(extra);
    }
    let mut formatted_count = 0;
    for path in &files {
        let Ok(text) = std::fs::read_to_string(path) else { continue };
        let Ok(formatted) = strata::fmt::format(&text) else {
            // Syntax errors: the formatter refuses (the CLI test checks the file is left alone).
            continue;
        };
        formatted_count += 1;
        let name = path.display();
        let again = strata::fmt::format(&formatted).unwrap_or_else(|d| panic!("{name}: output does not parse: {d:?}"));
        assert!(again == formatted, "{name}: formatting twice changes the text:\n{formatted}\n---\n{again}");
        let (before, after) = (parse(&text), parse(&formatted));
        assert_eq!(comments(&text, &before), comments(&formatted, &after), "{name}: comments changed");
        assert_eq!(strings(&text, &before), strings(&formatted, &after), "{name}: strings changed");
        assert_eq!(compile(&text), compile(&formatted), "{name}: the compiled model changed");
    }
    assert!(formatted_count >= 20, "too few files formatted: {formatted_count}");
}

/// `.strata` files below `dir`, sorted.
fn strata_files(dir: &Path) -> Vec<PathBuf> {
    crate::common::files_below(dir).into_iter().filter(|p| p.extension().is_some_and(|e| e == "strata")).collect()
}

fn parse(text: &str) -> Ast {
    strata::syntax::parse(FileId(0), text, &mut Vec::new())
}

/// Every comment's text, without trailing spaces (the one thing the formatter trims).
fn comments(text: &str, ast: &Ast) -> Vec<String> {
    ast.comments.iter().map(|c| text[c.range()].trim_end().to_owned()).collect()
}

/// Every string literal as written, quotes and escapes included, in source order.
fn strings(text: &str, ast: &Ast) -> Vec<String> {
    ast.string_spans().iter().map(|s| text[s.range()].to_owned()).collect()
}

/// What `strata check` makes of one file, without positions: the model's nodes with
/// their attributes, the links, and the diagnostics' codes and messages.
fn compile(text: &str) -> String {
    let workspace = Workspace { files: vec![SourceFile::new("file.strata", text)], config: None, data: Vec::new() };
    project(&strata::check(&workspace))
}

fn project(analysis: &Analysis) -> String {
    let m = &analysis.model;
    let mut out = String::new();
    let quantity = |q: &Option<Quantity>| {
        q.as_ref().map(|q| (q.value, q.percent, q.raw.clone(), q.when.as_ref().map(|w| w.value)))
    };
    if let Some(map) = &m.map {
        let method = map.method.as_ref().map(|s| s.value);
        let _ = writeln!(
            out,
            "map {:?} {:?} {:?} {:?} {:?} {:?} {method:?}",
            map.title, map.purpose, map.vision, map.mission, map.owner, map.horizon
        );
    }
    for l in &m.layers {
        let _ = writeln!(out, "layer {} {:?} {:?}", l.id, l.title, l.note);
    }
    for g in &m.groups {
        let _ = writeln!(
            out,
            "group {} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?}",
            g.id,
            g.name,
            g.parent,
            g.intent.as_ref().map(|s| &s.value),
            g.share.as_ref().map(|s| s.value),
            g.gives,
            g.gets,
            g.proposition,
            g.criteria,
            g.note
        );
    }
    for r in &m.results {
        let groups: Vec<usize> = r.for_groups.iter().map(|g| g.value).collect();
        let _ = writeln!(
            out,
            "result {} {:?} {:?} {groups:?} {:?} {:?} {:?}",
            r.id, r.statement.value, r.layer, r.owner, r.note, r.measures
        );
    }
    for ms in &m.measures {
        let target = ms.target.as_ref().map(|t| {
            let milestones: Vec<_> = t.milestones().iter().map(|q| quantity(&Some(q.clone()))).collect();
            (t.is_list(), milestones)
        });
        let data = ms.data.as_ref().map(|d| (&d.written, &d.path));
        let _ = writeln!(
            out,
            "measure {} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {data:?} {:?} {:?}",
            ms.id,
            ms.name,
            ms.of,
            ms.unit,
            ms.direction,
            quantity(&ms.baseline),
            target,
            ms.frequency,
            ms.formula,
            ms.source,
            ms.owner,
            ms.note
        );
    }
    for a in &m.actions {
        let _ = writeln!(out, "action {} {:?} {:?} {:?} {:?} {:?}", a.id, a.title, a.owner, a.due, a.status, a.note);
    }
    for l in &m.links {
        let _ = writeln!(
            out,
            "link {:?} {} {:?} {:?} {} {:?} {:?} {:?}",
            l.from, l.to, l.label, l.strength, l.inverse, l.evidence, l.assumption, l.note
        );
    }
    for d in &analysis.diagnostics {
        let _ = writeln!(out, "{} {:?} {} {:?}", d.code.name(), d.severity, d.message, d.help);
    }
    out
}

// ---------------------------------------------------------------------------------
// The command line, on copies of fixtures in a temporary directory.

fn cli_dir() -> PathBuf {
    fmt_dir().join("cli")
}

/// A temporary directory holding `files` (name, content).
fn temp_with(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    for (name, bytes) in files {
        let path = dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("mkdir: {e}"));
        }
        std::fs::write(&path, bytes).unwrap_or_else(|e| panic!("write {name}: {e}"));
    }
    dir
}

fn bytes(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// The exit status, stdout and stderr of a run, as one text for an expected file.
fn transcript(output: &std::process::Output) -> String {
    let (stdout, stderr) = text(output);
    format!("exit: {}\n--- stdout\n{stdout}--- stderr\n{stderr}", output.status.code().unwrap_or(-1))
}

/// A workspace with a formatted file, two that need formatting (one in a
/// subdirectory), one with syntax errors and one that is not UTF-8.
fn mixed_workspace() -> (tempfile::TempDir, Vec<(&'static str, Vec<u8>)>) {
    let files: Vec<(&'static str, Vec<u8>)> = vec![
        ("tidy.strata", bytes(&root().join("examples/coffee/coffee.strata"))),
        ("messy.strata", bytes(&fmt_dir().join("links.strata"))),
        ("sub/crlf.strata", bytes(&fmt_dir().join("crlf.strata"))),
        ("bom.strata", bytes(&fmt_dir().join("bom.strata"))),
        ("broken.strata", bytes(&cli_dir().join("broken.strata"))),
        ("latin1.strata", b"result caf \"Caf\xe9 cr\xe8me\"\n".to_vec()),
    ];
    let borrowed: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (*n, b.as_slice())).collect();
    (temp_with(&borrowed), files)
}

#[test]
fn check_lists_the_files_that_would_change_and_writes_nothing() {
    let (dir, files) = mixed_workspace();
    let output = strata(dir.path(), &["fmt", "--check"]);
    assert_eq!(output.status.code(), Some(1));
    for (name, original) in &files {
        assert!(bytes(&dir.path().join(name)) == *original, "--check changed {name}");
    }
    assert_all(vec![expect_file(&cli_dir().join("check.out"), &transcript(&output))]);
}

#[test]
fn fmt_rewrites_files_in_place_and_leaves_broken_ones_alone() {
    let (dir, files) = mixed_workspace();
    let messy = dir.path().join("messy.strata");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&messy, std::fs::Permissions::from_mode(0o640))
            .unwrap_or_else(|e| panic!("chmod: {e}"));
    }
    let output = strata(dir.path(), &["fmt"]);
    assert_eq!(output.status.code(), Some(1), "a file with errors makes the run fail");
    assert!(bytes(&messy) == bytes(&fmt_dir().join("links.formatted")), "messy.strata was not formatted");
    let crlf = bytes(&dir.path().join("sub/crlf.strata"));
    assert!(crlf == bytes(&fmt_dir().join("crlf.formatted")), "CRLF file not formatted as expected");
    assert!(crlf.windows(2).any(|w| w == b"\r\n"), "line endings must stay CRLF");
    let bom = bytes(&dir.path().join("bom.strata"));
    assert!(bom == bytes(&fmt_dir().join("bom.formatted")) && bom.starts_with(b"\xef\xbb\xbf"), "BOM kept");
    for (name, original) in &files {
        if matches!(*name, "tidy.strata" | "broken.strata" | "latin1.strata") {
            assert!(bytes(&dir.path().join(name)) == *original, "{name} must be left byte for byte");
        }
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&messy).map(|m| m.permissions().mode() & 0o777).unwrap_or(0);
        assert_eq!(mode, 0o640, "permissions must be kept");
    }
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().is_file() && e.path().extension().is_none_or(|x| x != "strata"))
        .map(|e| e.file_name())
        .collect();
    assert!(leftovers.is_empty(), "temporary files left behind: {leftovers:?}");
    assert_all(vec![expect_file(&cli_dir().join("write.out"), &transcript(&output))]);

    let again = strata(dir.path(), &["fmt", "--check", "."]);
    assert_eq!(again.status.code(), Some(1), "only the broken files remain");
    assert!(again.stdout.is_empty(), "after `strata fmt` nothing is left to change");
}

#[test]
fn a_file_with_a_syntax_error_is_byte_identical_afterwards() {
    let original = bytes(&cli_dir().join("broken.strata"));
    let dir = temp_with(&[("broken.strata", &original)]);
    let output = strata(dir.path(), &["fmt", "broken.strata"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(bytes(&dir.path().join("broken.strata")) == original);
    assert!(output.stdout.is_empty());
    assert_all(vec![expect_file(&cli_dir().join("broken.out"), &transcript(&output))]);
}

#[test]
fn a_file_where_formatting_would_move_a_suppression_is_refused_and_left_alone() {
    let original = bytes(&cli_dir().join("misplaced.strata"));
    let dir = temp_with(&[("misplaced.strata", &original)]);
    let output = strata(dir.path(), &["fmt", "misplaced.strata"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(bytes(&dir.path().join("misplaced.strata")) == original);
    assert!(output.stdout.is_empty());
    let check = strata(dir.path(), &["fmt", "--check", "misplaced.strata"]);
    assert_eq!((check.status.code(), check.stdout.as_slice()), (Some(1), b"".as_slice()));
    assert_all(vec![expect_file(&cli_dir().join("misplaced.out"), &transcript(&output))]);
}

#[test]
fn stdin_to_stdout() {
    let run = |args: &[&str], input: &[u8]| {
        use std::io::Write as _;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_strata"))
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run strata: {e}"));
        if let Some(mut stdin) = child.stdin.take() {
            stdin.write_all(input).unwrap_or_else(|e| panic!("stdin: {e}"));
        }
        child.wait_with_output().unwrap_or_else(|e| panic!("strata: {e}"))
    };
    let input = bytes(&fmt_dir().join("crlf.strata"));
    let output = run(&["fmt", "-"], &input);
    assert_eq!(output.status.code(), Some(0));
    assert!(output.stdout == bytes(&fmt_dir().join("crlf.formatted")), "stdout is the formatted text");
    assert!(output.stderr.is_empty());

    let bom = run(&["fmt", "-"], &bytes(&fmt_dir().join("bom.strata")));
    assert!(bom.stdout == bytes(&fmt_dir().join("bom.formatted")), "stdin keeps a byte-order mark");

    let check = run(&["fmt", "--check", "-"], &input);
    assert_eq!((check.status.code(), check.stdout.as_slice()), (Some(1), b"<stdin>\n".as_slice()));
    let clean = bytes(&fmt_dir().join("crlf.formatted"));
    let check = run(&["fmt", "--check", "-"], &clean);
    assert_eq!((check.status.code(), check.stdout.as_slice()), (Some(0), b"".as_slice()));

    let broken = run(&["fmt", "-"], &bytes(&cli_dir().join("broken.strata")));
    assert_all(vec![expect_file(&cli_dir().join("stdin-broken.out"), &transcript(&broken))]);

    let mixed = run(&["fmt", "-", "other.strata"], b"");
    assert_eq!(mixed.status.code(), Some(2), "`-` with other paths is a usage error");
}
