//! The command line's contract (spec section 7): every `check` format beside its
//! expected file, exit codes 0/1/2, `--deny warnings`, `--output`, tool errors that
//! name the path, `explain`, and SARIF validated against the official 2.1.0 schema.

use std::process::Command;

use crate::common::{assert_all, expect_file, root, strata, text};

fn cli_dir() -> std::path::PathBuf {
    root().join("tests/fixtures/cli")
}

#[test]
fn check_formats() {
    let dir = cli_dir();
    let mut results = Vec::new();
    // `data`: diagnostics in a CSV file (its own `file`, line and column).
    for case in ["mixed", "data"] {
        for (format, ext) in [("json", "json"), ("short", "short"), ("github", "github"), ("sarif", "sarif.json")] {
            let output = strata(&dir, &["check", "--format", format, case]);
            let (stdout, stderr) = text(&output);
            assert_eq!(output.status.code(), Some(1), "{format}: errors give exit 1; stderr: {stderr}");
            assert!(stderr.is_empty(), "{format}: nothing on stderr, got {stderr}");
            results.push(expect_file(&dir.join(format!("{case}.{ext}")), &stdout));
        }
    }
    assert_all(results);
}

#[test]
fn json_output_is_sorted_and_counted() {
    let output = strata(&cli_dir(), &["check", "--format", "json", "mixed"]);
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_default();
    let diags = report["diagnostics"].as_array().cloned().unwrap_or_default();
    let keys: Vec<(String, u64, u64)> = diags
        .iter()
        .map(|d| {
            (
                d["file"].as_str().unwrap_or("").to_owned(),
                d["line"].as_u64().unwrap_or(0),
                d["column"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    assert_eq!(report["summary"]["files"], 2);
    let errors = diags.iter().filter(|d| d["severity"] == "error").count();
    assert_eq!(report["summary"]["errors"], errors);
}

#[test]
fn sarif_is_valid_against_the_official_schema() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let mut files = Vec::new();
    for (i, case) in [
        "tests/fixtures/cli/mixed",
        "tests/fixtures/cli/data",
        "tests/fixtures/check/syntax_recovery.strata",
        "tests/fixtures/check/duplicates",
        "tests/fixtures/check/clean.strata",
    ]
    .iter()
    .enumerate()
    {
        let output = strata(&root(), &["check", "--format", "sarif", case]);
        let path = dir.path().join(format!("{i}.sarif"));
        std::fs::write(&path, &output.stdout).unwrap_or_else(|e| panic!("write: {e}"));
        files.push(path);
    }
    let status = Command::new("python3")
        .arg(root().join("tests/tools/validate_json.py"))
        .arg(root().join("tests/tools/sarif-2.1.0.schema.json"))
        .args(&files)
        .output()
        .unwrap_or_else(|e| panic!("python3 is needed for this test (run scripts/test): {e}"));
    let (stdout, stderr) = text(&status);
    assert!(status.status.success(), "SARIF is not valid:\n{stdout}{stderr}");
}

#[test]
fn exit_codes_and_deny_warnings() {
    let dir = cli_dir();
    let warned = strata(&dir, &["check", "warnings"]);
    let (_, stderr) = text(&warned);
    assert_eq!(warned.status.code(), Some(0), "{stderr}");
    assert!(stderr.ends_with("0 errors, 3 warnings in 1 file\n"), "{stderr}");

    let denied = strata(&dir, &["check", "--deny", "warnings", "--format", "short", "warnings"]);
    let (stdout, _) = text(&denied);
    assert_eq!(denied.status.code(), Some(1));
    assert_eq!(
        stdout,
        "warnings/map.strata:1:8: error[result-without-measure] result `service` has no measure\n\
         warnings/map.strata:1:32: error[weasel-word] result `service` uses the weasel word `world-class`\n\
         warnings/map.strata:2:8: error[result-without-measure] result `loyal` has no measure\n"
    );
}

#[test]
fn output_file() {
    let out = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let target = out.path().join("report.json");
    let target_arg = target.to_string_lossy().into_owned();
    let output = strata(&cli_dir(), &["check", "--format", "json", "--output", &target_arg, "mixed"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty() && output.stderr.is_empty());
    let written = std::fs::read_to_string(&target).unwrap_or_default();
    let expected = std::fs::read_to_string(cli_dir().join("mixed.json")).unwrap_or_default();
    assert_eq!(written, expected);

    let unwritable = strata(&cli_dir(), &["check", "--output", "/nonexistent/dir/report.txt", "warnings"]);
    let (_, stderr) = text(&unwritable);
    assert_eq!(unwritable.status.code(), Some(2));
    assert!(stderr.starts_with("error: cannot write `/nonexistent/dir/report.txt`"), "{stderr}");
}

#[test]
fn unreadable_paths_are_tool_errors() {
    let missing = strata(&cli_dir(), &["check", "no/such/place"]);
    let (_, stderr) = text(&missing);
    assert_eq!(missing.status.code(), Some(2));
    assert_eq!(stderr, "error: cannot read `no/such/place`: no such file or directory\n");

    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let loop_path = dir.path().join("loop.strata");
    std::os::unix::fs::symlink(&loop_path, &loop_path).unwrap_or_else(|e| panic!("symlink: {e}"));
    let looped = strata(dir.path(), &["check", "loop.strata"]);
    let (_, stderr) = text(&looped);
    assert_eq!(looped.status.code(), Some(2));
    assert!(stderr.starts_with("error: cannot read `loop.strata`: "), "{stderr}");

    let bad_args = strata(&cli_dir(), &["check", "--format", "xml"]);
    assert_eq!(bad_args.status.code(), Some(2));
}

#[test]
fn hidden_and_ignored_files_are_skipped() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let write = |rel: &str, text: &str| {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap_or(dir.path())).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(path, text).unwrap_or_else(|e| panic!("{e}"));
    };
    write(
        "map/z.strata",
        "result z \"Zebras cross safely\" {\n  measure m \"Crossings\" { unit: \"n\" direction: up frequency: daily }\n}\n",
    );
    write(
        "map/a.strata",
        "result a \"Ants arrive on time\" {\n  measure n \"Arrivals\" { unit: \"n\" direction: up frequency: daily }\n}\na -> z\n",
    );
    write("map/.hidden/b.strata", "this is not valid");
    write("map/build/c.strata", "nor is this");
    write("map/.gitignore", "build/\n");
    let output = strata(dir.path(), &["check", "--format", "json", "map"]);
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_default();
    assert_eq!(report["summary"]["files"], 2, "{report}");
    assert_eq!(report["diagnostics"], serde_json::json!([]));
}

#[test]
fn explain() {
    let weasel = strata(&root(), &["explain", "weasel-word"]);
    let (stdout, _) = text(&weasel);
    assert_eq!(weasel.status.code(), Some(0));
    let expected = std::fs::read_to_string(root().join("src/diagnostics/explain/weasel-word.md")).unwrap_or_default();
    assert_eq!(stdout, expected);

    let list = strata(&root(), &["explain", "--list"]);
    let (stdout, _) = text(&list);
    assert_all(vec![expect_file(&cli_dir().join("explain-list.txt"), &stdout)]);

    let unknown = strata(&root(), &["explain", "weasel-words"]);
    let (_, stderr) = text(&unknown);
    assert_eq!(unknown.status.code(), Some(2));
    assert_eq!(stderr, "error: unknown diagnostic code `weasel-words`; did you mean `weasel-word`?\n");
}

#[test]
fn examples_are_clean_under_deny_warnings() {
    let output = strata(&root(), &["check", "--deny", "warnings", "examples"]);
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.starts_with("0 errors, 0 warnings in "), "{stderr}");
}

#[test]
fn output_is_deterministic() {
    let run = || strata(&root(), &["check", "--format", "json", "tests/fixtures/check"]).stdout;
    assert_eq!(run(), run());
}

#[test]
fn pre_commit_hooks_run_as_declared() {
    // Each hook's `entry`, run the way pre-commit runs it, on a copy of an example.
    let hooks = std::fs::read_to_string(root().join(".pre-commit-hooks.yaml")).unwrap_or_default();
    let entries: Vec<&str> = hooks.lines().filter_map(|l| l.trim().strip_prefix("entry: ")).collect();
    assert_eq!(entries, ["strata check", "strata fmt"]);
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    // The measures' data too: pre-commit runs in the whole repository.
    std::fs::create_dir(dir.path().join("data")).unwrap_or_else(|e| panic!("{e}"));
    for name in ["coffee.strata", "strata.toml", "data/margin.csv", "data/wait_time.csv"] {
        std::fs::copy(root().join("examples/coffee").join(name), dir.path().join(name))
            .unwrap_or_else(|e| panic!("{e}"));
    }
    for entry in entries {
        let mut args: Vec<&str> = entry.split_whitespace().skip(1).collect();
        if entry.ends_with("fmt") {
            args.push("coffee.strata"); // pass_filenames: the staged files
        }
        let output = strata(dir.path(), &args);
        let (stdout, stderr) = text(&output);
        assert_eq!(output.status.code(), Some(0), "`{entry}`: {stdout}{stderr}");
    }
    let after = std::fs::read(dir.path().join("coffee.strata")).unwrap_or_default();
    assert_eq!(after, std::fs::read(root().join("examples/coffee/coffee.strata")).unwrap_or_default());
}
