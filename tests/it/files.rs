//! Files on disk as the user has them: names that are not UTF-8, one file under two
//! names, and what `strata fmt` keeps of a file it rewrites (owner, group, mode, hard
//! links, a symbolic link) or refuses to touch (read-only). Transcripts are in
//! `tests/fixtures/files/`. The tests may run as root, whom file permissions do not
//! stop: a run that must meet them goes through `setpriv` as the user `nobody`.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt as _;
use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::{assert_all, expect_file, root, strata, text};

/// The unprivileged user (and group) the permission tests run as.
const NOBODY: u32 = 65534;

fn fixtures() -> PathBuf {
    root().join("tests/fixtures/files")
}

/// The exit status, stdout and stderr of a run, as one text for an expected file.
fn transcript(command: &str, output: &Output) -> String {
    let (stdout, stderr) = text(output);
    format!("$ {command}\nexit: {}\n--- stdout\n{stdout}--- stderr\n{stderr}", output.status.code().unwrap_or(-1))
}

fn write(path: &Path, text: &str) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("mkdir {}: {e}", parent.display()));
    }
    std::fs::write(path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

fn meta(path: &Path) -> std::fs::Metadata {
    std::fs::symlink_metadata(path).unwrap_or_else(|e| panic!("stat {}: {e}", path.display()))
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .unwrap_or_else(|e| panic!("chmod {}: {e}", path.display()));
}

/// A temporary directory every user may enter and write (as `/tmp` is).
fn open_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    chmod(dir.path(), 0o1777);
    dir
}

/// Whether this process is root: the owner of a file it creates.
fn is_root(dir: &Path) -> bool {
    let probe = dir.join(".probe");
    write(&probe, "");
    let uid = meta(&probe).uid();
    let _ = std::fs::remove_file(&probe);
    uid == 0
}

/// `strata ARGS` in `dir` as `nobody` when this process is root (through `setpriv`),
/// else as this user; `None`, with the reason printed, when root cannot drop its rights.
fn strata_unprivileged(dir: &Path, args: &[&str]) -> Option<Output> {
    if !is_root(dir) {
        return Some(strata(dir, args));
    }
    let output = Command::new("setpriv")
        .args(["--reuid", &NOBODY.to_string(), "--regid", &NOBODY.to_string(), "--clear-groups"])
        .arg(env!("CARGO_BIN_EXE_strata"))
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .output();
    match output {
        Ok(output) => Some(output),
        Err(e) => {
            eprintln!("skipped: running as root and `setpriv` (util-linux) cannot run: {e}");
            None
        }
    }
}

const MESSY: &str = "result   a \"Revenue grows\"\n";
const TIDY: &str = "result a \"Revenue grows\"\n";

// ---------------------------------------------------------------------------------
// Loading: every file once, under a name that tells it apart.

/// A name that is not UTF-8 is checked, and shown with its bad bytes escaped; two
/// directories whose names differ only in such bytes are both checked; a name holding
/// the escape's text (`\xFF`) shows differently from the byte.
#[test]
fn names_that_are_not_utf8_are_checked_and_shown_apart() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let at = |bytes: &[u8]| dir.path().join(OsStr::from_bytes(bytes));
    write(&at(b"plain.strata"), "result plain \"Plain grows\"\nresult plain \"Again\"\n");
    write(&at(b"caf\xe9.strata"), "result latin \"Latin grows\"\n");
    write(&at(b"d\xfe/x.strata"), "result x1 \"X grows\"\n");
    write(&at(b"d\xfd/x.strata"), "result x2 \"X grows\"\n");
    write(&at(b"caf\\xE9.strata"), "result text \"Text grows\"\n");
    write(&at(b"line\nbreak.strata"), "result newline \"Newline grows\"\n");
    let mut results = Vec::new();
    let mut text = String::new();
    for args in [&["check", "--format", "short"][..], &["check", "--format", "json"], &["check", "--format", "github"]]
    {
        let output = strata(dir.path(), args);
        text.push_str(&transcript(&format!("strata {}", args.join(" ")), &output));
    }
    // A name that is not UTF-8 given on the command line, beside one holding the escape
    // as text, in the human format.
    let args = [OsStr::new("check"), OsStr::from_bytes(b"caf\xe9.strata"), OsStr::new("caf\\xE9.strata")];
    let output = Command::new(env!("CARGO_BIN_EXE_strata"))
        .args(args)
        .current_dir(dir.path())
        .env_remove("NO_COLOR")
        .output()
        .unwrap_or_else(|e| panic!("cannot run strata: {e}"));
    text.push_str(&transcript("strata check $'caf\\xe9.strata' 'caf\\xE9.strata'", &output));
    results.push(expect_file(&fixtures().join("non-utf8-names.out"), &text));
    assert_all(results);
    let json = strata(dir.path(), &["check", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap_or_default();
    assert_eq!(report["summary"]["files"], 6, "every file is checked once");
    // SARIF's URIs name the real bytes.
    let sarif = strata(dir.path(), &["check", "--format", "sarif"]);
    let report: serde_json::Value = serde_json::from_slice(&sarif.stdout).unwrap_or_default();
    let mut uris: Vec<&str> = report["runs"][0]["results"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str())
        .collect();
    uris.dedup();
    let expected =
        ["caf%5CxE9.strata", "caf%E9.strata", "d%FD/x.strata", "d%FE/x.strata", "line%0Abreak.strata", "plain.strata"];
    assert_eq!(uris, expected);
}

/// The same file named two ways (`a.strata` and `dir/../a.strata`, a directory given
/// twice, a hard link, a symbolic link named on the command line) is checked once,
/// under the first name given: no `duplicate-id`.
#[test]
fn a_file_named_two_ways_is_checked_once_under_the_first_name() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    write(&dir.path().join("a.strata"), "result a \"Revenue grows\"\nresult b \"Profit grows\"\na -> b\n");
    std::fs::create_dir_all(dir.path().join("dir")).unwrap_or_else(|e| panic!("mkdir: {e}"));
    std::fs::hard_link(dir.path().join("a.strata"), dir.path().join("dir/hard.strata"))
        .unwrap_or_else(|e| panic!("link: {e}"));
    std::os::unix::fs::symlink("a.strata", dir.path().join("soft.strata")).unwrap_or_else(|e| panic!("symlink: {e}"));
    let mut text = String::new();
    for args in [
        &["a.strata", "dir/../a.strata"][..],
        &["dir/../a.strata", "a.strata"],
        &[".", "."],
        &["dir", "."],
        &["soft.strata", "a.strata"],
    ] {
        let mut full = vec!["check", "--format", "json"];
        full.extend(args);
        let output = strata(dir.path(), &full);
        assert_eq!(output.status.code(), Some(0), "{args:?}: {}", text_of(&output));
        let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_default();
        assert_eq!(report["summary"]["files"], 1, "{args:?}: one file");
        let mut short = vec!["check", "--format", "short", "--deny", "warnings"];
        short.extend(args);
        // `result-without-measure` names the file as it is shown.
        let output = strata(dir.path(), &short);
        text.push_str(&transcript(&format!("strata {}", short.join(" ")), &output));
    }
    assert_all(vec![expect_file(&fixtures().join("named-twice.out"), &text)]);
}

fn text_of(output: &Output) -> String {
    let (stdout, stderr) = text(output);
    format!("{stdout}{stderr}")
}

// ---------------------------------------------------------------------------------
// `strata fmt`: what it keeps, and what it refuses.

/// A read-only file is an error (exit 2) naming it, and is left as it was; the other
/// files are still formatted. Even root, whom the mode does not stop, is refused.
#[test]
fn fmt_refuses_a_read_only_file_and_leaves_it_intact() {
    let dir = open_dir();
    let locked = dir.path().join("locked.strata");
    let free = dir.path().join("free.strata");
    write(&locked, MESSY);
    write(&free, MESSY);
    if is_root(dir.path()) {
        for path in [&locked, &free] {
            std::os::unix::fs::chown(path, Some(NOBODY), Some(NOBODY)).unwrap_or_else(|e| panic!("chown: {e}"));
        }
    }
    chmod(&locked, 0o444);
    let Some(output) = strata_unprivileged(dir.path(), &["fmt"]) else { return };
    let shown = transcript("strata fmt (as an unprivileged user)", &output);
    assert_eq!(output.status.code(), Some(2), "{}", text_of(&output));
    assert_eq!(read(&locked), MESSY, "the read-only file must be left as it was");
    assert_eq!(meta(&locked).mode() & 0o7777, 0o444);
    assert_eq!(read(&free), TIDY, "the other file is still formatted");
    assert_all(vec![expect_file(&fixtures().join("read-only.out"), &shown)]);
    if is_root(dir.path()) {
        let output = strata(dir.path(), &["fmt", "locked.strata"]);
        assert_eq!(output.status.code(), Some(2), "{}", text_of(&output));
        let message = shown.lines().last().map(|l| format!("{l}\n")).unwrap_or_default();
        assert_eq!(text(&output).1, message, "the same refusal as root");
        assert_eq!(read(&locked), MESSY, "root must not rewrite a read-only file either");
    }
}

/// A file the user may not write, in a directory they may, is not replaced by a rename.
#[test]
fn fmt_refuses_a_file_the_user_may_not_write() {
    let dir = open_dir();
    if !is_root(dir.path()) {
        eprintln!("skipped: needs root to give the file to another user");
        return;
    }
    let theirs = dir.path().join("theirs.strata");
    write(&theirs, MESSY);
    chmod(&theirs, 0o644);
    let Some(output) = strata_unprivileged(dir.path(), &["fmt", "theirs.strata"]) else { return };
    assert_eq!(output.status.code(), Some(2), "{}", text_of(&output));
    assert!(text_of(&output).contains("cannot write `theirs.strata`: permission denied"), "{}", text_of(&output));
    assert_eq!(read(&theirs), MESSY);
    assert_eq!(meta(&theirs).uid(), 0, "the file must still be root's");
}

/// Root formatting another user's file keeps its owner, group and mode; a file with a
/// second name (a hard link) keeps it, both names showing the new text.
#[test]
fn fmt_as_root_keeps_the_owner_the_mode_and_hard_links() {
    let dir = open_dir();
    if !is_root(dir.path()) {
        eprintln!("skipped: needs root to create files owned by another user");
        return;
    }
    let alone = dir.path().join("alone.strata");
    let linked = dir.path().join("linked.strata");
    let other_name = dir.path().join("other-name.strata");
    for (path, mode) in [(&alone, 0o640), (&linked, 0o604)] {
        write(path, MESSY);
        std::os::unix::fs::chown(path, Some(NOBODY), Some(NOBODY)).unwrap_or_else(|e| panic!("chown: {e}"));
        chmod(path, mode);
    }
    std::fs::hard_link(&linked, &other_name).unwrap_or_else(|e| panic!("link: {e}"));
    let inode = meta(&linked).ino();
    let output = strata(dir.path(), &["fmt", "alone.strata", "linked.strata"]);
    assert_eq!(output.status.code(), Some(0), "{}", text_of(&output));
    for (path, mode) in [(&alone, 0o640), (&linked, 0o604)] {
        let m = meta(path);
        assert_eq!(read(path), TIDY, "{} is formatted", path.display());
        assert_eq!((m.uid(), m.gid()), (NOBODY, NOBODY), "{}: owner and group kept", path.display());
        assert_eq!(m.mode() & 0o7777, mode, "{}: mode kept", path.display());
    }
    assert_eq!(meta(&linked).ino(), inode, "the file itself was rewritten");
    assert_eq!(meta(&linked).nlink(), 2, "the hard link is kept");
    assert_eq!(read(&other_name), TIDY, "the other name shows the new text");
}

/// An unprivileged user formatting their own file in their own directory: the text is
/// replaced (through the rename) with the mode kept, and no temporary file is left. In a
/// directory they may not write, their file is rewritten in place.
#[test]
fn fmt_as_a_user_keeps_the_mode_and_leaves_nothing_behind() {
    let dir = open_dir();
    let mine = dir.path().join("mine.strata");
    let shut = dir.path().join("shut");
    let inside = shut.join("inside.strata");
    write(&mine, MESSY);
    write(&inside, MESSY);
    if is_root(dir.path()) {
        for path in [&mine, &shut, &inside] {
            std::os::unix::fs::chown(path, Some(NOBODY), Some(NOBODY)).unwrap_or_else(|e| panic!("chown: {e}"));
        }
    }
    chmod(&mine, 0o600);
    chmod(&shut, 0o555);
    let Some(output) = strata_unprivileged(dir.path(), &["fmt", "mine.strata", "shut"]) else { return };
    chmod(&shut, 0o755);
    assert_eq!(output.status.code(), Some(0), "{}", text_of(&output));
    assert_eq!(read(&mine), TIDY);
    assert_eq!(meta(&mine).mode() & 0o7777, 0o600);
    assert_eq!(read(&inside), TIDY, "a file in a directory the user may not write is rewritten in place");
    let mut names: Vec<_> =
        std::fs::read_dir(dir.path()).into_iter().flatten().flatten().map(|e| e.file_name()).collect();
    names.sort();
    assert_eq!(names, ["mine.strata", "shut"], "temporary files left behind");
}

/// A symbolic link named on the command line: the file it points to is rewritten, and
/// the link stays a link.
#[test]
fn fmt_through_a_symbolic_link_rewrites_its_target() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let real = dir.path().join("real/map.strata");
    write(&real, MESSY);
    let link = dir.path().join("link.strata");
    std::os::unix::fs::symlink("real/map.strata", &link).unwrap_or_else(|e| panic!("symlink: {e}"));
    let output = strata(dir.path(), &["fmt", "link.strata"]);
    assert_eq!(output.status.code(), Some(0), "{}", text_of(&output));
    assert!(meta(&link).file_type().is_symlink(), "the link must stay a link");
    assert_eq!(read(&real), TIDY);
}
