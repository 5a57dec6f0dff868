//! `strata diff`: every case under `tests/fixtures/diff/NAME/` is a pair of workspaces,
//! `before/` and `after/`, beside the expected output in each format (`diff.txt`,
//! `diff.md`, `diff.json`), with extra arguments in `args` and the expected exit code in
//! `exit` (0 without one). Every `diff.json` must match `schema/diff.schema.json`. Then
//! the same pairs as commits of a git repository the test builds (files renamed, split,
//! ids moved between files, `strata.toml` changed, `.gitignore`d files): the revisions
//! must give the changes the directories give, read from the object database.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::common::{assert_all, expect_file, root, strata, text};

fn fixture_dir() -> PathBuf {
    root().join("tests/fixtures/diff")
}

fn cases() -> Vec<String> {
    let mut cases: Vec<String> = std::fs::read_dir(fixture_dir())
        .unwrap_or_else(|e| panic!("cannot list the diff fixtures: {e}"))
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    cases.sort();
    cases
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

const FORMATS: [(&str, &str); 3] = [("human", "diff.txt"), ("markdown", "diff.md"), ("json", "diff.json")];

#[test]
fn diff_fixtures() {
    let cases = cases();
    assert!(cases.len() >= 6, "too few diff fixtures: {cases:?}");
    let mut results = Vec::new();
    for case in &cases {
        let dir = fixture_dir().join(case);
        let extra = read(&dir.join("args"));
        let want_exit: i32 = read(&dir.join("exit")).trim().parse().unwrap_or(0);
        for (format, file) in FORMATS {
            let mut args = vec!["diff", "before", "after", "--format", format];
            args.extend(extra.split_whitespace());
            let output = strata(&dir, &args);
            let (stdout, stderr) = text(&output);
            if output.status.code() != Some(want_exit) {
                results.push(Err(format!(
                    "{case} --format {format}: exit {:?}, not {want_exit}\n{stderr}",
                    output.status.code()
                )));
            }
            if !stderr.is_empty() {
                results.push(Err(format!("{case} --format {format}: stderr is not empty:\n{stderr}")));
            }
            results.push(expect_file(&dir.join(file), &stdout));
        }
    }
    assert_all(results);
}

#[test]
fn json_fixtures_match_the_schema() {
    let files: Vec<PathBuf> = cases().iter().map(|c| fixture_dir().join(c).join("diff.json")).collect();
    let mut args = vec![
        root().join("tests/tools/validate_json.py").to_string_lossy().into_owned(),
        root().join("schema/diff.schema.json").to_string_lossy().into_owned(),
    ];
    args.extend(files.iter().map(|f| f.to_string_lossy().into_owned()));
    let output = Command::new("python3").args(&args).output().unwrap_or_else(|e| panic!("cannot run python3: {e}"));
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "diff.json does not match schema/diff.schema.json:\n{stdout}{stderr}");
}

/// Every `diff.md`, rendered by a CommonMark parser (`tests/tools/markdown_check.py`,
/// markdown-it-py): the summary line, the `<details>` sections, a list item per line,
/// and no markup made by user text.
#[test]
fn markdown_fixtures_render_as_meant() {
    let mut args = vec![root().join("tests/tools/markdown_check.py").to_string_lossy().into_owned()];
    args.extend(cases().iter().map(|c| fixture_dir().join(c).join("diff.md").to_string_lossy().into_owned()));
    let output = Command::new("python3").args(&args).output().unwrap_or_else(|e| panic!("cannot run python3: {e}"));
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "the markdown does not render as meant:\n{stdout}{stderr}");
}

/// The escaping fixture's statement holds HTML, emphasis, a link and a table cell: the
/// markdown shows them as text.
#[test]
fn markdown_escapes_user_text() {
    let dir = fixture_dir().join("escaping");
    let md = read(&dir.join("diff.md"));
    assert!(md.starts_with("**strata diff**: "), "no summary line:\n{md}");
    assert_eq!(md.matches("<details>").count(), md.matches("</details>").count());
    for raw in ["<script>", "[x]", "*bold*", " | cell"] {
        for line in md.lines().filter(|l| l.starts_with("- ")) {
            assert!(!line.contains(raw), "unescaped {raw:?} in {line:?}");
        }
    }
    assert!(md.contains("&lt;script&gt;"), "the statement's HTML is not shown as text:\n{md}");
}

/// Runs `git` in `dir` (the tests build their repositories with it; `strata` never does).
fn git(dir: &Path, args: &[&str]) {
    let output = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "init.defaultBranch=main"])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run git: {e}"));
    assert!(output.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&output.stderr));
}

/// Copies the files of `from` into `to`, replacing what `to` held (but `.git`).
fn replace_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(to).into_iter().flatten().flatten() {
        if entry.file_name() != ".git" {
            let path = entry.path();
            if path.is_dir() {
                std::fs::remove_dir_all(&path).unwrap_or_else(|e| panic!("{e}"));
            } else {
                std::fs::remove_file(&path).unwrap_or_else(|e| panic!("{e}"));
            }
        }
    }
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        std::fs::create_dir_all(to.join(&rel)).unwrap_or_else(|e| panic!("{e}"));
        for entry in std::fs::read_dir(from.join(&rel)).into_iter().flatten().flatten() {
            let rel = rel.join(entry.file_name());
            if entry.path().is_dir() {
                stack.push(rel);
            } else {
                std::fs::copy(entry.path(), to.join(&rel)).unwrap_or_else(|e| panic!("{e}"));
            }
        }
    }
}

/// The changes of a JSON diff without their positions, which differ by side prefix.
fn changes(json: &str) -> Vec<Value> {
    let value: Value = serde_json::from_str(json).unwrap_or_else(|e| panic!("not JSON ({e}):\n{json}"));
    let mut out = Vec::new();
    for change in value["changes"].as_array().cloned().unwrap_or_default() {
        let mut change = change;
        if let Some(object) = change.as_object_mut() {
            for key in ["before_file", "before_line", "after_file", "after_line"] {
                object.remove(key);
            }
        }
        out.push(change);
    }
    out
}

fn diagnostics(json: &str) -> Vec<(String, String)> {
    let value: Value = serde_json::from_str(json).unwrap_or_default();
    let mut out = Vec::new();
    for side in ["introduced", "fixed"] {
        for d in value["diagnostics"][side].as_array().cloned().unwrap_or_default() {
            out.push((side.to_owned(), format!("{} {}", d["code"], d["message"])));
        }
    }
    out
}

/// Every fixture pair as two commits: the revisions give what the directories give, and
/// the working tree (HEAD left out) is the second commit.
#[test]
fn revisions_give_what_directories_give() {
    let mut problems = Vec::new();
    for case in cases() {
        let dir = fixture_dir().join(&case);
        let repo = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        git(repo.path(), &["init", "-q"]);
        replace_tree(&dir.join("before"), repo.path());
        git(repo.path(), &["add", "-A"]);
        git(repo.path(), &["commit", "-q", "--allow-empty", "-m", "before"]);
        replace_tree(&dir.join("after"), repo.path());
        git(repo.path(), &["add", "-A"]);
        git(repo.path(), &["commit", "-q", "--allow-empty", "-m", "after"]);
        let by_dirs = strata(&dir, &["diff", "before", "after", "--format", "json"]);
        for args in [&["diff", "HEAD~1", "HEAD", "--format", "json"][..], &["diff", "HEAD~1", "--format", "json"][..]] {
            let by_git = strata(repo.path(), args);
            let (want, got) = (text(&by_dirs).0, text(&by_git).0);
            if changes(&want) != changes(&got) || diagnostics(&want) != diagnostics(&got) {
                problems.push(format!(
                    "{case}: `strata {}` differs from the directories:\n{got}\n{}",
                    args.join(" "),
                    text(&by_git).1
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

const MAP: &str = "result profit \"Profit grows\" {\n  measure margin \"Margin\" {\n    unit: \"%\"\n    direction: up\n    frequency: monthly\n    baseline: 30% at 2026\n    target: 35% by 2027\n  }\n}\nresult loyal \"Regulars come back\"\nloyal -> profit\n";

fn repo_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let repo = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    git(repo.path(), &["init", "-q"]);
    commit(repo.path(), files, "first");
    repo
}

fn commit(dir: &Path, files: &[(&str, &str)], message: &str) {
    for (path, text) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap_or(dir)).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
    }
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", message]);
}

/// A file renamed, then split in two, then ids moved between files: no change at all.
#[test]
fn renaming_and_splitting_files_is_no_change() {
    let repo = repo_with(&[("map.strata", MAP)]);
    let dir = repo.path();
    git(dir, &["mv", "map.strata", "strategy.strata"]);
    git(dir, &["commit", "-q", "-m", "rename"]);
    std::fs::remove_file(dir.join("strategy.strata")).unwrap_or_else(|e| panic!("{e}"));
    let (first, second) = MAP.split_at(MAP.find("result loyal").unwrap_or(0));
    commit(dir, &[("a/one.strata", second), ("b/two.strata", first)], "split");
    for base in ["HEAD~1", "HEAD~2"] {
        let output = strata(dir, &["diff", base, "HEAD", "--format", "json"]);
        let (stdout, stderr) = text(&output);
        assert_eq!(output.status.code(), Some(0), "{stderr}");
        assert_eq!(changes(&stdout), Vec::<Value>::new(), "{base}: {stdout}");
        assert_eq!(diagnostics(&stdout), Vec::<(String, String)>::new(), "{base}: {stdout}");
    }
}

/// `strata.toml` is read as it was at each revision; `.gitignore`d and hidden files at
/// the revision are not part of the map; paths limit what is compared.
#[test]
fn each_revision_has_its_own_config_and_ignores() {
    let repo = repo_with(&[("map.strata", MAP), ("strata.toml", "[lints]\nresult-without-measure = \"allow\"\n")]);
    let dir = repo.path();
    commit(
        dir,
        &[
            ("strata.toml", "[lints]\nresult-without-measure = \"deny\"\n"),
            (".gitignore", "drafts/\n"),
            ("drafts/idea.strata", "result idea \"An idea\"\n"),
            (".hidden/x.strata", "result hidden \"Hidden\"\n"),
        ],
        "config",
    );
    let output = strata(dir, &["diff", "HEAD~1", "HEAD", "--format", "json"]);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(changes(&stdout), Vec::<Value>::new(), "ignored files are not items: {stdout}");
    let found = diagnostics(&stdout);
    assert!(
        found.iter().any(|(side, d)| side == "introduced" && d.contains("result-without-measure")),
        "the head's strata.toml denies result-without-measure: {found:?}"
    );
    let failing = strata(dir, &["diff", "HEAD~1", "HEAD", "--fail-on", "new-errors"]);
    assert_eq!(failing.status.code(), Some(1), "{}", text(&failing).0);
    let passing = strata(dir, &["diff", "HEAD~1", "HEAD", "--fail-on", "new-warnings,target-lowered"]);
    assert_eq!(passing.status.code(), Some(0), "{}", text(&passing).0);
}

#[test]
fn bad_revisions_and_paths_exit_2_with_the_reason() {
    let repo = repo_with(&[("map.strata", MAP)]);
    let dir = repo.path();
    let cases: &[(&[&str], &str)] = &[
        (&["diff", "no-such-branch"], "no-such-branch"),
        (&["diff", "HEAD", "HEAD", "nowhere"], "nowhere"),
        (&["diff", "HEAD", "--fail-on", "target-lowerd"], "did you mean `target-lowered`?"),
    ];
    for (args, says) in cases {
        let output = strata(dir, args);
        let (stdout, stderr) = text(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stdout}{stderr}");
        assert!(stderr.contains(says), "{args:?}: stderr does not say {says:?}:\n{stderr}");
    }
    // A shallow clone lacks the base: the message says how to fetch it.
    commit(dir, &[("map.strata", "result profit \"Profit grows\"\n")], "second");
    let clone = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let url = format!("file://{}", dir.display());
    git(clone.path(), &["clone", "-q", "--depth", "1", &url, "."]);
    let output = strata(clone.path(), &["diff", "HEAD~1"]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output).0);
    assert!(text(&output).1.contains("shallow clone"), "{}", text(&output).1);
    let outside = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let output = strata(outside.path(), &["diff", "main"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output).1.contains("not a directory, and not a revision"), "{}", text(&output).1);
}

/// Symbolic links and submodules at a revision are not followed, as on disk; a file name
/// with a control character is shown escaped.
#[test]
fn symbolic_links_at_a_revision_are_not_followed() {
    let repo = repo_with(&[("map.strata", MAP)]);
    let dir = repo.path();
    // A submodule: a commit in the tree, which nothing can read here.
    let head = Command::new("git").args(["rev-parse", "HEAD"]).current_dir(dir).output().map(|o| o.stdout);
    let head = String::from_utf8_lossy(&head.unwrap_or_default()).trim().to_owned();
    git(dir, &["update-index", "--add", "--cacheinfo", &format!("160000,{head},vendor/sub")]);
    git(dir, &["commit", "-q", "-m", "submodule"]);
    std::fs::write(dir.join("bell\u{7}.strata"), "result bell \"Bells ring\"\n").unwrap_or_else(|e| panic!("{e}"));
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "bell"]);
    let output = strata(dir, &["diff", "HEAD~2", "HEAD"]);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stdout.contains("[bell\\x07.strata:1]") && !stdout.contains('\u{7}'), "{stdout}");
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("map.strata", dir.join("link.strata")).unwrap_or_else(|e| panic!("{e}"));
        git(dir, &["add", "-A"]);
        git(dir, &["commit", "-q", "-m", "link"]);
        let output = strata(dir, &["diff", "HEAD~1", "HEAD", "--format", "json"]);
        let (stdout, stderr) = text(&output);
        assert_eq!(output.status.code(), Some(0), "{stderr}");
        assert_eq!(
            diagnostics(&stdout),
            Vec::<(String, String)>::new(),
            "a followed link would duplicate ids: {stdout}"
        );
    }
}

/// The other bad inputs: a revision without any `.strata` file is an empty side
/// (and two empty sides exit 2), binary and huge `.strata` files at a revision are
/// `invalid-encoding` diagnostics like on disk, and a base 9,999 commits back is found.
#[test]
fn empty_binary_huge_and_distant_revisions() {
    let repo = repo_with(&[("README", "no map here\n")]);
    let dir = repo.path();
    let output = strata(dir, &["diff", "HEAD", "HEAD"]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output).0);
    assert!(text(&output).1.contains("no `.strata` files on either side"), "{}", text(&output).1);

    let mut huge = vec![b'#'; 3 << 20];
    huge[1] = 0xff;
    std::fs::write(dir.join("huge.strata"), &huge).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.join("binary.strata"), b"x\x00\xff\xfe").unwrap_or_else(|e| panic!("{e}"));
    commit(dir, &[("map.strata", MAP)], "a map, a binary file and a huge one");
    let output = strata(dir, &["diff", "HEAD~1", "HEAD", "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output).1);
    let introduced: Vec<(String, String)> = diagnostics(&text(&output).0);
    for file in ["binary.strata", "huge.strata"] {
        assert!(
            introduced
                .iter()
                .any(|(side, d)| side == "introduced" && d.starts_with("\"invalid-encoding\"") && d.contains(file)),
            "no invalid-encoding for {file}: {introduced:?}"
        );
    }
    let added = changes(&text(&output).0).iter().filter(|c| c["kind"] == "result-added").count();
    assert_eq!(added, 2, "the map's two results are added");

    // 10,000 commits, each rewording one result: the first against the last.
    let deep = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    git(deep.path(), &["init", "-q"]);
    let mut stream = String::new();
    for i in 0..10_000 {
        let body = format!("result r{i} \"R{i} holds\"\n");
        stream.push_str(&format!(
            "commit refs/heads/main\nmark :{}\ncommitter t <t@example.com> {} +0000\ndata 1\nc\n",
            i + 1,
            1_600_000_000 + i
        ));
        if i > 0 {
            stream.push_str(&format!("from :{i}\n"));
        }
        stream.push_str(&format!("M 100644 inline map.strata\ndata {}\n{body}\n", body.len()));
    }
    let mut import = Command::new("git")
        .args(["fast-import", "--quiet"])
        .current_dir(deep.path())
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run git fast-import: {e}"));
    std::io::Write::write_all(import.stdin.as_mut().unwrap_or_else(|| panic!("stdin")), stream.as_bytes())
        .unwrap_or_else(|e| panic!("{e}"));
    drop(import.stdin.take());
    assert!(import.wait().unwrap_or_else(|e| panic!("{e}")).success());
    let output = strata(deep.path(), &["diff", "main~9999", "main", "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output).1);
    let kinds: Vec<String> = changes(&text(&output).0).iter().map(|c| format!("{} {}", c["kind"], c["id"])).collect();
    assert_eq!(kinds, ["\"result-added\" \"r9999\"", "\"result-removed\" \"r0\""]);
}
