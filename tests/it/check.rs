//! `strata check` on every fixture under `tests/fixtures/check/`: a `.strata` file or a
//! directory (a workspace), beside `NAME.out` holding the exit status and the exact
//! terminal output a user sees (no colour, relative paths).

use crate::common::{assert_all, expect_file, fixtures, root, strata, text};

#[test]
fn check_fixtures() {
    let dir = root().join("tests/fixtures/check");
    let mut cases: Vec<String> = fixtures("check", ".strata")
        .iter()
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        if entry.path().is_dir() {
            cases.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    cases.sort();
    assert!(cases.len() >= 10, "too few check fixtures: {cases:?}");
    let results = cases
        .iter()
        .map(|case| {
            let output = strata(&dir, &["check", case]);
            let (stdout, stderr) = text(&output);
            assert!(stdout.is_empty(), "{case}: human output belongs on stderr");
            let actual = format!("exit: {}\n{stderr}", output.status.code().unwrap_or(-1));
            let stem = case.strip_suffix(".strata").unwrap_or(case);
            expect_file(&dir.join(format!("{stem}.out")), &actual)
        })
        .collect();
    assert_all(results);
}
