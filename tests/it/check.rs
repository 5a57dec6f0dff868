//! `strata check` on every fixture under `tests/fixtures/check/`: a `.strata` file or a
//! directory (a workspace), beside `NAME.out` holding the exit status and the exact
//! terminal output a user sees (no colour, relative paths).

use std::path::PathBuf;

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

/// `export` checks with `check_for_errors`, which leaves the lints out when none can be
/// an error. On every fixture, and on a workspace whose only error is a lint set to
/// `deny`, it must find errors exactly when `check` does, and then report the same
/// diagnostics.
#[test]
fn checking_for_errors_agrees_with_check() {
    let dir = root().join("tests/fixtures/check");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.is_dir() || path.extension().is_some_and(|e| e == "strata"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 10, "too few check fixtures: {cases:?}");
    let mut workspaces: Vec<(String, strata::Workspace)> = Vec::new();
    for case in &cases {
        let loaded = strata::workspace::load(std::slice::from_ref(case)).unwrap_or_else(|e| panic!("{e}"));
        workspaces.extend(loaded.into_iter().map(|mut item| {
            // The data files too, as the CLI reads them.
            strata::workspace::parse_and_read_data(&mut item);
            (case.display().to_string(), item.workspace)
        }));
    }
    let source = |path: &str, text: &str| strata::source::SourceFile::new(path.to_owned(), text.to_owned());
    let denied = strata::Workspace {
        files: vec![source("map.strata", "result service \"World-class service for every caller\"\n")],
        config: Some(source("strata.toml", "[lints]\nweasel-word = \"deny\"\n")),
        data: Vec::new(),
    };
    workspaces.push(("a denied lint".to_owned(), denied));
    for (name, workspace) in &workspaces {
        let full = strata::check(workspace);
        let quick = strata::check_for_errors(workspace);
        assert_eq!(quick.has_errors(), full.has_errors(), "{name}");
        if full.has_errors() {
            assert_eq!(quick.diagnostics, full.diagnostics, "{name}");
        } else {
            assert!(quick.diagnostics.iter().all(|d| full.diagnostics.contains(d)), "{name}");
        }
    }
    let (_, denied) = &workspaces[workspaces.len() - 1];
    let codes: Vec<_> = strata::check_for_errors(denied).diagnostics.iter().map(|d| (d.code, d.severity)).collect();
    let weasel = (strata::diagnostics::Code::WeaselWord, strata::diagnostics::Severity::Error);
    assert!(codes.contains(&weasel), "{codes:?}");
}

/// A measure's `data` is kept as written and as a path below the workspace root (the
/// folder of `strata.toml`), the same however the workspace is named on the command
/// line: the directory, one file in it, or an absolute path.
#[test]
fn data_paths_resolve_below_the_workspace_root() {
    let dir = root().join("tests/fixtures/check/data_paths");
    let relative = PathBuf::from("tests/fixtures/check/data_paths");
    let ways = [
        vec![relative.clone()],
        vec![relative.join("maps/finance.strata")],
        vec![dir.join("maps/finance.strata"), dir.join("top.strata")],
        vec![dir.clone()],
    ];
    for paths in ways {
        let loaded = strata::workspace::load(&paths).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(loaded.len(), 1, "{paths:?}");
        let data_root = std::fs::canonicalize(&loaded[0].data_root).ok();
        assert_eq!(data_root, std::fs::canonicalize(&dir).ok(), "{paths:?}");
        let analysis = strata::check(&loaded[0].workspace);
        let data = |id: &str| {
            let measure = analysis.model.measures.iter().find(|m| m.id == id);
            measure.and_then(|m| m.data.as_ref()).map(|d| (d.written.to_string(), d.path.clone()))
        };
        // The edge finds the paths to read from the trees, before the model exists: it
        // must find every path the model keeps.
        let (asts, _) = strata::parse_all(&loaded[0].workspace.files);
        let found = strata::sema::attributes::data_paths(&loaded[0].workspace.files, &asts);
        let kept: Vec<&String> =
            analysis.model.measures.iter().filter_map(|m| m.data.as_ref().map(|d| &d.path)).collect();
        assert!(!kept.is_empty() && kept.iter().all(|p| found.contains(p)), "{found:?} {kept:?}");
        let pair = |written: &str, path: &str| Some((written.to_owned(), path.to_owned()));
        assert_eq!(data("margin"), pair("../data/margin.csv", "data/margin.csv"), "{paths:?}");
        assert_eq!(data("beside"), pair("./beside.csv", "maps/beside.csv"), "{paths:?}");
        assert_eq!(data("outside"), None, "{paths:?}");
        if paths.len() > 1 || paths[0].is_dir() {
            assert_eq!(data("shared"), pair("data/margin.csv", "data/margin.csv"), "{paths:?}");
        }
    }
}

/// Every format places each diagnostic on the same line and column, the `LineIndex`'s
/// (the language server converts through it too), whatever ends the lines: `\n`,
/// `\r\n` or a lone `\r`, which miette alone did not break lines at (gutter line `0`,
/// two lines merged, where the JSON said line 2).
#[test]
fn every_format_agrees_on_lines_whatever_ends_them() {
    let mixed = "# one\rresult a \"Regulars come back\"\r\nresult b \"Queues move fast\"\nresult a \"Again\"\r";
    let dir = crate::lsp::workspace(&[("lone_cr.strata", mixed)]);
    let path = dir.path();
    let (short, _) = text(&strata(path, &["check", "--format", "short"]));
    let expected: Vec<String> =
        short.lines().map(|l| l.split(": ").next().unwrap_or_default().replacen("lone_cr.strata:", "", 1)).collect();
    let file = strata::source::SourceFile::new("lone_cr.strata", mixed);
    let workspace = strata::Workspace { files: vec![file.clone()], config: None, data: Vec::new() };
    let mut truth: Vec<(usize, String)> = strata::check(&workspace)
        .diagnostics
        .iter()
        .map(|d| {
            let at = file.line_index.line_col(mixed, d.loc().span.start as usize, strata::source::ColumnUnit::Char);
            (d.loc().span.start as usize, at.to_string())
        })
        .collect();
    truth.sort();
    let unit = strata::source::ColumnUnit::Utf16;
    let lsp: Vec<String> = truth
        .iter()
        .map(|&(offset, _)| strata::lsp::convert::position(&file, offset, unit))
        .map(|p| format!("{}:{}", p.line + 1, p.character + 1))
        .collect();
    assert_eq!(expected, truth.into_iter().map(|(_, at)| at).collect::<Vec<_>>(), "short");
    assert_eq!(lsp, expected, "the language server's positions");
    assert_eq!(expected, ["2:8", "2:8", "3:8", "3:8", "4:8"]);

    let (json, _) = text(&strata(path, &["check", "--format", "json"]));
    let json: serde_json::Value = serde_json::from_str(&json).expect("json");
    let at = |d: &serde_json::Value, line: &str, col: &str| format!("{}:{}", d[line], d[col]);
    let json: Vec<String> =
        json["diagnostics"].as_array().into_iter().flatten().map(|d| at(d, "line", "column")).collect();
    assert_eq!(json, expected, "json");

    let (sarif, _) = text(&strata(path, &["check", "--format", "sarif"]));
    let sarif: serde_json::Value = serde_json::from_str(&sarif).expect("sarif");
    let sarif: Vec<String> = sarif["runs"][0]["results"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| at(&r["locations"][0]["physicalLocation"]["region"], "startLine", "startColumn"))
        .collect();
    assert_eq!(sarif, expected, "sarif");

    let (github, _) = text(&strata(path, &["check", "--format", "github"]));
    let github: Vec<String> = github
        .lines()
        .map(|l| {
            let field = |name: &str| l.split([',', ' ']).find_map(|f| f.strip_prefix(name)).unwrap_or_default();
            format!("{}:{}", field("line="), field("col="))
        })
        .collect();
    assert_eq!(github, expected, "github");

    let (_, human) = text(&strata(path, &["check"]));
    let headers: Vec<String> = human
        .lines()
        .filter_map(|l| l.split("─[lone_cr.strata:").nth(1))
        .map(|h| h.trim_end_matches(']').to_owned())
        .collect();
    assert_eq!(headers, expected, "human headers");
    // The gutter numbers are the file's lines, each line on its own.
    assert!(!human.contains(" 0 │"), "{human}");
    assert!(human.contains(" 4 │ result a \"Again\"\n"), "{human}");
    assert!(human.contains(" 1 │ # one\n 2 │ result a"), "{human}");
}
