//! The command line's contract (spec section 7): every `check` format beside its
//! expected file, exit codes 0/1/2, `--deny warnings`, `--output`, tool errors that
//! name the path, `explain`, and SARIF validated against the official 2.1.0 schema;
//! the v2 additions: paths without `.strata` files, `--color`, `--statistics`, stdin,
//! `fmt --check --diff`, `--fix`, `init`, `--config`, `gitlab` and `junit`.

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

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
        for (format, ext) in [
            ("json", "json"),
            ("short", "short"),
            ("github", "github"),
            ("sarif", "sarif.json"),
            ("gitlab", "gitlab.json"),
            ("junit", "junit.xml"),
        ] {
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

/// Runs `strata` in `dir` with `input` on stdin and the environment `env` added.
fn strata_with(dir: &Path, args: &[&str], input: &[u8], env: &[(&str, &str)]) -> std::process::Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_strata"));
    command.args(args).current_dir(dir).env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE");
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run strata: {e}"));
    if let Some(mut stdin) = child.stdin.take() {
        // A run that fails before it reads stdin closes it: not this helper's failure.
        let _ = stdin.write_all(input);
    }
    child.wait_with_output().unwrap_or_else(|e| panic!("strata: {e}"))
}

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"))
}

/// Copies the fixture folder `tests/fixtures/cli/NAME` into `to/NAME`.
fn copy_fixture(name: &str, to: &Path) {
    let from = cli_dir().join(name);
    std::fs::create_dir_all(to.join(name)).unwrap_or_else(|e| panic!("{e}"));
    for entry in std::fs::read_dir(&from).into_iter().flatten().flatten() {
        std::fs::copy(entry.path(), to.join(name).join(entry.file_name())).unwrap_or_else(|e| panic!("{e}"));
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn explicit_paths_without_strata_files_fail_the_run() {
    let dir = tempdir();
    std::fs::create_dir(dir.path().join("empty")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::create_dir(dir.path().join("maps")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.path().join("maps/a.strata"), "result a \"Ants arrive on time\"\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let expected =
        "error: no `.strata` files under `empty` (hidden and `.gitignore`d entries are skipped); check the path\n";
    for args in [
        &["check", "empty"][..],
        &["check", "maps", "empty"],
        &["fmt", "--check", "empty"],
        &["export", "--format", "json", "empty"],
    ] {
        let output = strata(dir.path(), args);
        let (stdout, stderr) = text(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stdout}{stderr}");
        assert_eq!(stderr, expected, "{args:?}");
    }
    // The default `.` is no explicit path: an empty folder has nothing wrong in it.
    let output = strata(&dir.path().join("empty"), &["check"]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(text(&output).1, "0 errors, 0 warnings in 0 files\n");
}

#[test]
fn color_follows_the_flag_then_no_color_then_clicolor_force() {
    let dir = cli_dir();
    let run = |flag: Option<&str>, env: &[(&str, &str)]| {
        let mut args = vec!["check"];
        if let Some(flag) = flag {
            args.extend(["--color", flag]);
        }
        args.push("warnings");
        let output = strata_with(&dir, &args, b"", env);
        assert_eq!(output.status.code(), Some(0));
        text(&output).1
    };
    let coloured = run(Some("always"), &[("NO_COLOR", "1")]);
    assert_all(vec![expect_file(&dir.join("warnings.color"), &coloured)]);
    assert!(coloured.contains('\u{1b}'), "--color always colours even with NO_COLOR");
    let plain = run(None, &[]);
    assert!(!plain.contains('\u{1b}'), "not a terminal: no colour");
    assert_eq!(run(Some("never"), &[("CLICOLOR_FORCE", "1")]), plain);
    assert_eq!(run(None, &[("NO_COLOR", "1"), ("CLICOLOR_FORCE", "1")]), plain, "NO_COLOR wins");
    assert_eq!(run(None, &[("CLICOLOR_FORCE", "1")]), coloured, "CLICOLOR_FORCE colours a pipe");
    assert_eq!(run(None, &[("NO_COLOR", ""), ("CLICOLOR_FORCE", "0")]), plain, "empty and 0 mean unset");
    // Every command takes it.
    for args in
        [&["fmt", "--color", "never", "--check", "warnings"][..], &["explain", "--color", "always", "weasel-word"]]
    {
        let output = strata(&dir, args);
        assert_ne!(output.status.code(), Some(2), "{args:?}: {}", text(&output).1);
    }
}

#[test]
fn statistics_count_each_code() {
    let dir = cli_dir();
    let output = strata(&dir, &["check", "--statistics", "mixed"]);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(1), "errors stay errors");
    assert!(stderr.is_empty(), "{stderr}");
    assert_all(vec![expect_file(&dir.join("mixed.statistics"), &stdout)]);
    let denied = strata(&dir, &["check", "--statistics", "--deny", "warnings", "warnings"]);
    let (stdout, _) = text(&denied);
    assert_eq!(denied.status.code(), Some(1));
    assert!(stdout.starts_with("2  result-without-measure  error  "), "{stdout}");
    let conflict = strata(&dir, &["check", "--statistics", "--format", "json", "mixed"]);
    let (_, stderr) = text(&conflict);
    assert_eq!(conflict.status.code(), Some(2));
    assert!(stderr.contains("'--statistics' cannot be used with '--format <FORMAT>'"), "{stderr}");
}

#[test]
fn stdin_is_checked_as_the_file_it_names() {
    let dir = cli_dir();
    let input = std::fs::read(dir.join("stdin.input")).unwrap_or_default();
    // `customers.strata` on disk declares no measure; the text from stdin does, and
    // sees `finance.strata`'s `profit`.
    let output = strata_with(
        &dir,
        &["check", "--format", "short", "-", "--stdin-filename", "stdin/customers.strata", "stdin"],
        &input,
        &[],
    );
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_all(vec![expect_file(&dir.join("stdin.short"), &stdout)]);
    // The same from inside the workspace, with the default `.`.
    let inside = strata_with(
        &dir.join("stdin"),
        &["check", "--format", "short", "-", "--stdin-filename", "customers.strata"],
        &input,
        &[],
    );
    assert_eq!(text(&inside).0, stdout.replace("stdin/customers.strata", "customers.strata"));
    // A file not yet on disk joins the workspace: its `loyal` is declared twice now.
    let new = strata_with(
        &dir.join("stdin"),
        &["check", "--format", "short", "-", "--stdin-filename", "new.strata"],
        &input,
        &[],
    );
    assert_eq!(
        text(&new).0,
        "new.strata:1:8: error[duplicate-id] `loyal` is already declared, as a result\n\
         new.strata:4:10: error[unknown-reference] unknown result `proft`\n"
    );

    // Without `--stdin-filename`: a workspace of one file, `<stdin>`.
    let alone = strata_with(&dir, &["check", "--format", "short", "-"], &input, &[]);
    assert_eq!(alone.status.code(), Some(1));
    assert_eq!(text(&alone).0, "<stdin>:4:10: error[unknown-reference] unknown result `proft`\n");

    let fail = |args: &[&str], expected: &str| {
        let output = strata_with(&dir, args, &input, &[]);
        let (_, stderr) = text(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert_eq!(stderr, expected, "{args:?}");
    };
    fail(
        &["check", "-", "--stdin-filename", "../elsewhere.strata"],
        "error: `--stdin-filename ../elsewhere.strata` is outside the workspace (`.`): run strata in the workspace, or give its folder as a path\n",
    );
    fail(
        &["check", "-", "--stdin-filename", "mixed/a.strata", "stdin"],
        "error: `--stdin-filename mixed/a.strata` is outside the workspace (`stdin`): run strata in the workspace, or give its folder as a path\n",
    );
    fail(
        &["check", "-", "--stdin-filename", "no/such/dir/a.strata"],
        "error: `--stdin-filename no/such/dir/a.strata`: the folder `no/such/dir` does not exist; name the file where it is (or will be) in the workspace\n",
    );
    fail(
        &["check", "--stdin-filename", "stdin/a.strata", "stdin"],
        "error: `--stdin-filename` names the file that stdin stands for: add `-` to the paths, as in `strata check - --stdin-filename PATH`\n",
    );
    fail(
        &["check", "--fix", "-"],
        "error: `--fix` writes files, and stdin is no file: check the file itself, or drop `--fix`\n",
    );
}

#[test]
fn fmt_check_diff_shows_what_would_change() {
    let dir = cli_dir();
    let before = read(&dir.join("fmt-diff/messy.strata"));
    let output = strata(&dir, &["fmt", "--check", "--diff", "fmt-diff"]);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_all(vec![expect_file(&dir.join("fmt-diff.diff"), &stdout)]);
    assert_eq!(read(&dir.join("fmt-diff/messy.strata")), before, "--diff writes nothing");
    // The diff applies: `patch -p0` from the folder turns the file into `fmt`'s output.
    let scratch = tempdir();
    copy_fixture("fmt-diff", scratch.path());
    let mut patch = Command::new("patch");
    patch.args(["-p0", "--quiet"]).current_dir(scratch.path()).stdin(Stdio::piped());
    if let Ok(mut child) = patch.spawn() {
        if let Some(mut stdin) = child.stdin.take() {
            let _ = stdin.write_all(stdout.as_bytes());
        }
        assert!(child.wait().is_ok_and(|s| s.success()), "patch refused the diff");
        let formatted = strata_with(&dir, &["fmt", "-"], before.as_bytes(), &[]);
        assert_eq!(read(&scratch.path().join("fmt-diff/messy.strata")), text(&formatted).0);
    }
    let clean = strata(&root(), &["fmt", "--check", "--diff", "examples"]);
    assert_eq!((clean.status.code(), clean.stdout.len()), (Some(0), 0));
    let stdin = strata_with(&dir, &["fmt", "--check", "--diff", "-"], before.as_bytes(), &[]);
    assert_eq!(stdin.status.code(), Some(1));
    assert_eq!(text(&stdin).0, stdout.replace("fmt-diff/messy.strata", "<stdin>"));
}

#[test]
fn fix_applies_the_certain_fixes_and_reports_what_is_left() {
    let dir = cli_dir();
    // `--fix --diff` writes nothing.
    let before = read(&dir.join("fix/a.strata"));
    let shown = strata(&dir, &["check", "--fix", "--diff", "fix"]);
    let (stdout, stderr) = text(&shown);
    assert_eq!(shown.status.code(), Some(1), "{stderr}");
    assert_eq!(read(&dir.join("fix/a.strata")), before);

    let scratch = tempdir();
    copy_fixture("fix", scratch.path());
    let broken = read(&scratch.path().join("fix/broken.strata"));
    let fixed = strata(scratch.path(), &["check", "--fix", "--format", "short", "fix"]);
    let (left, report) = text(&fixed);
    assert_eq!(fixed.status.code(), Some(1), "the syntax error is left: {report}");
    assert_eq!(read(&scratch.path().join("fix/broken.strata")), broken, "a file with syntax errors is never touched");
    assert_all(vec![
        expect_file(&dir.join("fix.diff"), &stdout),
        expect_file(&dir.join("fix.short"), &format!("{report}{left}")),
        expect_file(&dir.join("fix.fixed"), &read(&scratch.path().join("fix/a.strata"))),
    ]);
    // Run again: nothing is left to fix, and the report is the same.
    let again = strata(scratch.path(), &["check", "--fix", "--format", "short", "fix"]);
    assert_eq!(text(&again), (left, String::new()));
    // Without the broken file, nothing is left but warnings: exit 0. The fixed file
    // keeps its mode (written as `fmt` writes: a temporary file renamed over it).
    let scratch = tempdir();
    copy_fixture("fix", scratch.path());
    std::fs::remove_file(scratch.path().join("fix/broken.strata")).unwrap_or_else(|e| panic!("{e}"));
    let file = scratch.path().join("fix/a.strata");
    let mode = |path: &Path| {
        let meta = std::fs::metadata(path).unwrap_or_else(|e| panic!("{e}"));
        std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o7777
    };
    std::fs::set_permissions(&file, std::os::unix::fs::PermissionsExt::from_mode(0o604))
        .unwrap_or_else(|e| panic!("{e}"));
    let output = strata(scratch.path(), &["check", "--fix", "--format", "short", "fix"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output).1);
    assert_eq!(mode(&file), 0o604);
    assert_eq!(read(&file), read(&dir.join("fix.fixed")));
}

#[test]
fn fix_refuses_read_only_files_and_writes_nothing() {
    let scratch = tempdir();
    copy_fixture("fix", scratch.path());
    std::fs::remove_file(scratch.path().join("fix/broken.strata")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(scratch.path().join("fix/b.strata"), "result more \"More regulars come\"\nmore -> proft\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let locked = scratch.path().join("fix/b.strata");
    let mut mode = std::fs::metadata(&locked).unwrap_or_else(|e| panic!("{e}")).permissions();
    mode.set_readonly(true);
    std::fs::set_permissions(&locked, mode).unwrap_or_else(|e| panic!("{e}"));
    let a = read(&scratch.path().join("fix/a.strata"));
    let output = strata(scratch.path(), &["check", "--fix", "fix"]);
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr,
        "error: `fix/b.strata` is read-only, so no file was fixed; make it writable, or see the fixes with `--fix --diff`\n"
    );
    assert_eq!(read(&scratch.path().join("fix/a.strata")), a, "no file is fixed when one cannot be");
}

#[test]
fn init_makes_a_project_that_checks_clean() {
    let scratch = tempdir();
    let output = strata(scratch.path(), &["init", "strategy"]);
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_all(vec![expect_file(&cli_dir().join("init.out"), &stderr)]);
    let project = scratch.path().join("strategy");
    // It checks clean, warnings denied, and is formatted, from inside and outside.
    for (dir, args) in [
        (project.as_path(), &["check", "--deny", "warnings"][..]),
        (scratch.path(), &["check", "--deny", "warnings", "strategy"]),
        (project.as_path(), &["fmt", "--check"]),
    ] {
        let output = strata(dir, args);
        let (stdout, stderr) = text(&output);
        assert_eq!(output.status.code(), Some(0), "{args:?}: {stdout}{stderr}");
    }
    // Its CI workflow is the README's.
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap_or_default();
    let ci =
        readme.split("## In CI").nth(1).and_then(|s| s.split("```yaml\n").nth(1)).and_then(|s| s.split("```").next());
    assert_eq!(Some(read(&project.join(".github/workflows/strata.yml")).as_str()), ci);
    let hooks = read(&project.join(".pre-commit-config.yaml"));
    assert!(hooks.contains("entry: strata check") && hooks.contains("entry: strata fmt"), "{hooks}");

    // Again: refused, naming the file, and nothing changes.
    std::fs::write(project.join("map.strata"), "# mine\n").unwrap_or_else(|e| panic!("{e}"));
    std::fs::remove_file(project.join("strata.toml")).unwrap_or_else(|e| panic!("{e}"));
    let again = strata(scratch.path(), &["init", "strategy"]);
    assert_eq!(again.status.code(), Some(2));
    assert_eq!(
        text(&again).1,
        "error: `strategy/map.strata` exists, and `strata init` overwrites nothing: nothing was written; move it away, or set up another folder\n"
    );
    assert!(!project.join("strata.toml").exists(), "nothing written when one file exists");
    assert_eq!(read(&project.join("map.strata")), "# mine\n");

    // A read-only folder: exit 2, naming the file.
    let locked = scratch.path().join("locked");
    std::fs::create_dir(&locked).unwrap_or_else(|e| panic!("{e}"));
    let mut mode = std::fs::metadata(&locked).unwrap_or_else(|e| panic!("{e}")).permissions();
    mode.set_readonly(true);
    std::fs::set_permissions(&locked, mode).unwrap_or_else(|e| panic!("{e}"));
    let refused = strata(scratch.path(), &["init", "locked"]);
    let (_, stderr) = text(&refused);
    let root_user = std::fs::write(locked.join("probe"), "").is_ok();
    if !root_user {
        assert_eq!(refused.status.code(), Some(2));
        assert_eq!(stderr, "error: cannot write `locked/strata.toml`: permission denied; nothing was written\n");
    }
}

#[test]
fn config_names_the_settings_file() {
    let scratch = tempdir();
    std::fs::write(scratch.path().join("map.strata"), "result service \"Our service is world-class\"\n")
        .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        scratch.path().join("strict.toml"),
        "[lints]\nweasel-word = \"deny\"\nresult-without-measure = \"allow\"\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let output = strata(scratch.path(), &["check", "--format", "short", "--config", "strict.toml", "."]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        text(&output).0,
        "map.strata:1:32: error[weasel-word] result `service` uses the weasel word `world-class`\n"
    );
    let missing = strata(scratch.path(), &["check", "--config", "nope.toml"]);
    assert_eq!(missing.status.code(), Some(2));
    assert_eq!(text(&missing).1, "error: cannot read `nope.toml`: no such file or directory\n");
    let exported = strata(scratch.path(), &["export", "--format", "json", "--config", "strict.toml"]);
    assert_eq!(exported.status.code(), Some(1), "a denied lint is an error for export too");
}

#[test]
fn a_single_file_says_which_workspace_it_was_checked_in() {
    let dir = cli_dir();
    let input = std::fs::read(dir.join("stdin.input")).unwrap_or_default();
    let piped = strata_with(&dir, &["check", "-", "--stdin-filename", "stdin/customers.strata", "stdin"], &input, &[]);
    assert_eq!(piped.status.code(), Some(1));
    let alone = strata(&dir, &["check", "stdin/customers.strata"]);
    assert_eq!(alone.status.code(), Some(0));
    assert_all(vec![
        expect_file(&dir.join("stdin.human"), &text(&piped).1),
        expect_file(&dir.join("single-file.human"), &text(&alone).1),
    ]);
    // A file of a folder that no `strata.toml` marks as a workspace draws no note.
    let plain = strata(&dir, &["check", "mixed/a.strata"]);
    assert!(!text(&plain).1.contains("note:"), "{}", text(&plain).1);
}

#[test]
fn conflicting_flags_are_refused() {
    let dir = cli_dir();
    for args in [
        &["check", "--diff", "fix"][..],
        &["check", "--fix", "--diff", "--format", "json", "fix"],
        &["check", "--fix", "--diff", "--statistics", "fix"],
        &["fmt", "--diff", "fmt-diff"],
        &["check", "--color", "sometimes", "warnings"],
    ] {
        let output = strata(&dir, args);
        let (stdout, stderr) = text(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(stdout.is_empty() && stderr.starts_with("error: "), "{args:?}: {stderr}");
    }
}

#[test]
fn gitlab_fingerprints_do_not_follow_lines() {
    let scratch = tempdir();
    let text =
        "result service \"Our service is world-class\"\nresult staff \"Our staff is world-class\"\nservice -> staff\n";
    let report = |text: &str| -> Vec<(String, u64)> {
        std::fs::write(scratch.path().join("map.strata"), text).unwrap_or_else(|e| panic!("{e}"));
        let output = strata(scratch.path(), &["check", "--format", "gitlab", "."]);
        let issues: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_default();
        let issues = issues.as_array().cloned().unwrap_or_default();
        issues
            .iter()
            .map(|i| {
                let line = i["location"]["lines"]["begin"].as_u64().unwrap_or(0);
                (i["fingerprint"].as_str().unwrap_or_default().to_owned(), line)
            })
            .collect()
    };
    let before = report(text);
    let after = report(&format!("\n\n{text}"));
    assert_eq!(before.len(), 4, "{before:?}");
    let prints = |r: &[(String, u64)]| r.iter().map(|(f, _)| f.clone()).collect::<Vec<_>>();
    assert_eq!(prints(&before), prints(&after), "lines moved, fingerprints stay");
    assert!(before.iter().zip(&after).all(|(b, a)| a.1 == b.1 + 2));
    let mut unique = prints(&before);
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 4, "every issue has its own fingerprint");
}

#[test]
fn junit_is_well_formed_xml() {
    let scratch = tempdir();
    // Quotes, ampersands and angle brackets in names and messages.
    std::fs::write(
        scratch.path().join("a&b.strata"),
        "result service \"Our <service> & \\\"staff\\\" are world-class\"\nservice -> \"<x>\"\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let output = strata(scratch.path(), &["check", "--format", "junit", "."]);
    let path = scratch.path().join("report.xml");
    std::fs::write(&path, &output.stdout).unwrap_or_else(|e| panic!("{e}"));
    let parsed = Command::new("python3")
        .args(["-c", "import sys, xml.dom.minidom as m; d = m.parse(sys.argv[1]); print(len(d.getElementsByTagName('testcase')))"])
        .arg(&path)
        .output()
        .unwrap_or_else(|e| panic!("python3 is needed for this test (run scripts/test): {e}"));
    let (stdout, stderr) = text(&parsed);
    assert!(parsed.status.success(), "not well-formed XML: {stderr}\n{}", text(&output).0);
    let diagnostics = strata(scratch.path(), &["check", "--format", "short", "."]).stdout;
    assert_eq!(stdout.trim(), diagnostics.iter().filter(|b| **b == b'\n').count().to_string());
}

#[test]
fn fix_says_how_many_past_ten_files() {
    let scratch = tempdir();
    for i in 0..11 {
        let text = format!("result r{i} \"Result {i} holds\"\nr{i} -> profitt\n");
        std::fs::write(scratch.path().join(format!("f{i:02}.strata")), text).unwrap_or_else(|e| panic!("{e}"));
    }
    std::fs::write(scratch.path().join("profit.strata"), "result profit \"Profit grows\"\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let output = strata(scratch.path(), &["check", "--fix", "--format", "short", "."]);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}{stderr}");
    assert_eq!(stderr, "fixed 11 files: 11 fixes applied\n");
    assert_eq!(read(&scratch.path().join("f10.strata")), "result r10 \"Result 10 holds\"\nr10 -> profit\n");
}
