//! Helpers shared by the fixture tests: expected files, running the binary, listing fixtures.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root (where `Cargo.toml` is).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Files directly in `tests/fixtures/DIR` whose name ends with `suffix`, sorted.
pub fn fixtures(dir: &str, suffix: &str) -> Vec<PathBuf> {
    let dir = root().join("tests/fixtures").join(dir);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.to_string_lossy().ends_with(suffix))
        .collect();
    files.sort();
    files
}

/// Compares `actual` with the file at `expected`; with `UPDATE_EXPECT=1` (and not on
/// CI) writes it instead. Returns a description of the mismatch, so that a test can
/// check every fixture before failing.
pub fn expect_file(expected: &Path, actual: &str) -> Result<(), String> {
    let bless = std::env::var_os("UPDATE_EXPECT").is_some() && std::env::var_os("CI").is_none();
    let current = std::fs::read_to_string(expected).ok();
    if current.as_deref() == Some(actual) {
        return Ok(());
    }
    if bless {
        std::fs::write(expected, actual).unwrap_or_else(|e| panic!("cannot write {}: {e}", expected.display()));
        return Ok(());
    }
    let name = expected.strip_prefix(root()).unwrap_or(expected).display().to_string();
    match current {
        None => {
            Err(format!("{name}: missing; run `UPDATE_EXPECT=1 cargo test` to create it\n--- actual ---\n{actual}"))
        }
        Some(current) => Err(format!("{name}: differs\n{}", diff(&current, actual))),
    }
}

/// Fails with every mismatch at once.
pub fn assert_all(results: Vec<Result<(), String>>) {
    let failures: Vec<String> = results.into_iter().filter_map(Result::err).collect();
    assert!(failures.is_empty(), "{} fixture(s) failed:\n\n{}", failures.len(), failures.join("\n\n"));
}

/// A minimal line diff: the first differing lines, with context.
fn diff(expected: &str, actual: &str) -> String {
    let e: Vec<&str> = expected.lines().collect();
    let a: Vec<&str> = actual.lines().collect();
    let first = e.iter().zip(&a).take_while(|(x, y)| x == y).count();
    let mut out = String::new();
    for line in e.iter().skip(first).take(8) {
        out.push_str(&format!("- {line}\n"));
    }
    for line in a.iter().skip(first).take(8) {
        out.push_str(&format!("+ {line}\n"));
    }
    format!("first difference at line {}:\n{out}", first + 1)
}

/// Runs the `strata` binary in `dir` and returns its output.
pub fn strata(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_strata"))
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .output()
        .unwrap_or_else(|e| panic!("cannot run strata: {e}"))
}

/// stdout and stderr as text.
pub fn text(output: &Output) -> (String, String) {
    (String::from_utf8_lossy(&output.stdout).into_owned(), String::from_utf8_lossy(&output.stderr).into_owned())
}

/// Every file below `dir`, recursively, sorted.
pub fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}
