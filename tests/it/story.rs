//! `strata story`: each case (a `.strata` file under `tests/fixtures/story/`, or an
//! example) beside its expected `.md` and `.txt`, and `.err` (exit status and stderr)
//! when the workspace has errors; the exit status is `check`'s.

use std::path::PathBuf;

use crate::common::{assert_all, expect_file, root, strata, text};

fn fixture_dir() -> PathBuf {
    root().join("tests/fixtures/story")
}

/// The cases: the fixture files, then the examples (their expectations are named after
/// them in the fixture directory); each with the directory to run in and the path to
/// give, relative to it, so that messages name it as a user would.
fn cases() -> Vec<(String, PathBuf, String)> {
    let mut cases: Vec<(String, PathBuf, String)> = std::fs::read_dir(fixture_dir())
        .unwrap_or_else(|e| panic!("cannot list the story fixtures: {e}"))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "strata"))
        .map(|p| {
            let stem = p.file_stem().unwrap_or_default().to_string_lossy().into_owned();
            let file = p.file_name().unwrap_or_default().to_string_lossy().into_owned();
            (stem, fixture_dir(), file)
        })
        .collect();
    cases.sort();
    for example in ["coffee", "library"] {
        cases.push((format!("example_{example}"), root(), format!("examples/{example}")));
    }
    cases
}

#[test]
fn story_fixtures() {
    let cases = cases();
    assert!(cases.len() >= 5, "too few story cases: {cases:?}");
    let mut results = Vec::new();
    for (name, dir, path) in &cases {
        let mut statuses = Vec::new();
        for (format, ext) in [("markdown", "md"), ("text", "txt")] {
            let output = strata(dir, &["story", path, "--format", format]);
            let (stdout, stderr) = text(&output);
            results.push(expect_file(&fixture_dir().join(format!("{name}.{ext}")), &stdout));
            statuses.push(format!("exit: {}\n{stderr}", output.status.code().unwrap_or(-1)));
        }
        if statuses[0] != statuses[1] {
            results.push(Err(format!("{name}: the two formats end differently:\n{}", statuses.join("\n"))));
        }
        let err = fixture_dir().join(format!("{name}.err"));
        if statuses[0] != "exit: 0\n" || err.exists() {
            results.push(expect_file(&err, &statuses[0]));
        }
    }
    assert_all(results);
}

/// Every expectation has its input.
#[test]
fn no_orphaned_story_expectations() {
    let names: Vec<String> = cases().into_iter().map(|(name, _, _)| name).collect();
    for entry in std::fs::read_dir(fixture_dir()).into_iter().flatten().flatten() {
        let path = entry.path();
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or_default();
        if matches!(ext, "md" | "txt" | "err") {
            let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
            assert!(names.iter().any(|n| n == stem), "{} has no input beside it", path.display());
        }
    }
}

/// The text format fits 100 columns, whatever the strings.
#[test]
fn the_text_story_fits_100_columns() {
    for (name, _, _) in cases() {
        let story = std::fs::read_to_string(fixture_dir().join(format!("{name}.txt"))).unwrap_or_default();
        for line in story.lines() {
            assert!(line.chars().count() <= 100, "{name}.txt: a line of {} characters: {line}", line.chars().count());
        }
    }
}
