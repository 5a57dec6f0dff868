//! Tidy checks over the repository itself: every code is explained and exercised by a
//! fixture, no expected file is orphaned, every source file says what it is for.

use strata::diagnostics::{Code, Kind, Level};

use crate::common::{files_below as files, root};

#[test]
fn every_code_has_an_explanation_in_the_house_style() {
    for code in Code::ALL {
        let text = code.explanation();
        let title = format!("# `{}`: ", code.name());
        assert!(text.starts_with(&title), "{}: the explanation must start with `{title}`", code.name());
        let summary = code.summary();
        assert!(!summary.is_empty() && !summary.ends_with('.'), "{}: summary {summary:?}", code.name());
        for section in ["## What it means", "## Example", "## How to fix"] {
            assert!(text.contains(section), "{}: no `{section}` section", code.name());
        }
        let level = match code.kind() {
            Kind::Error => "Default level: error",
            Kind::Lint(Level::Allow) => "Default level: allow",
            Kind::Lint(_) => "Default level: warn",
        };
        assert!(text.contains(level), "{}: the explanation must say `{level}`", code.name());
        if !code.is_error() {
            assert!(text.contains("## Why"), "{}: a lint must name its method basis under `## Why`", code.name());
        }
    }
}

#[test]
fn every_code_is_exercised_by_a_fixture() {
    let mut outputs = String::new();
    // `misplaced-suppression` comes from `strata fmt` only: its transcripts count too.
    for dir in ["tests/fixtures/check", "tests/fixtures/cli", "tests/fixtures/fmt/cli"] {
        for path in files(&root().join(dir)) {
            if let Ok(text) = std::fs::read_to_string(&path) {
                outputs.push_str(&text);
            }
        }
    }
    let missing: Vec<&str> = Code::ALL
        .iter()
        .map(|c| c.name())
        .filter(|name| !outputs.lines().any(|line| line.trim() == *name || line.contains(&format!("[{name}]"))))
        .collect();
    assert!(missing.is_empty(), "codes no fixture output shows: {missing:?}");
}

#[test]
fn no_orphaned_expectations() {
    let dir = root().join("tests/fixtures/check");
    for path in files(&dir) {
        if path.extension().is_some_and(|e| e == "out") {
            let stem = path.with_extension("");
            let input = stem.with_extension("strata");
            assert!(input.exists() || stem.is_dir(), "{} has no input beside it", path.display());
        }
    }
}

#[test]
fn every_source_file_says_what_it_is_for() {
    for dir in ["src", "tests/it"] {
        for path in files(&root().join(dir)) {
            if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                assert!(text.starts_with("//!"), "{} must start with a `//!` line", path.display());
            }
        }
    }
}

/// No recursion on user data (ARCHITECTURE.md, invariant 9): petgraph's recursive
/// algorithms overflow the stack on a long path of links, so the code uses none of them,
/// and a graph algorithm from petgraph is used only once read and found iterative. The
/// shape suite (`shapes.rs`) runs every stage on a small stack to catch our own.
#[test]
fn no_recursive_graph_algorithms() {
    const RECURSIVE: &[&str] =
        &["tarjan_scc", "TarjanScc", "depth_first_search", "is_cyclic_directed", "maximal_cliques"];
    const ITERATIVE: &[&str] = &["kosaraju_scc"];
    for path in files(&root().join("src")) {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim_start().starts_with("//")) {
            let at = format!("{}:{}", path.display(), n + 1);
            for name in RECURSIVE {
                assert!(!line.contains(name), "{at}: `{name}` recurses once per node of a path");
            }
            for (i, _) in line.match_indices("algo::") {
                let name: String = line[i + 6..].chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                assert!(
                    ITERATIVE.contains(&name.as_str()),
                    "{at}: is petgraph's `{name}` iterative? add it once checked"
                );
            }
        }
    }
}
