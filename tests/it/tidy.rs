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

// Docs that stay true: each check below names what is missing and where to add it.

/// The lines of `## HEADING` in a Markdown file, up to the next heading of its level or
/// above.
fn section<'a>(text: &'a str, heading: &str) -> Option<Vec<&'a str>> {
    let level = heading.chars().take_while(|c| *c == '#').count();
    let mut lines = text.lines().skip_while(|line| line.trim_end() != heading);
    lines.next()?;
    let mut fenced = false;
    let mut out = Vec::new();
    for line in lines {
        if line.starts_with("```") {
            fenced = !fenced;
        }
        let depth = line.chars().take_while(|c| *c == '#').count();
        if !fenced && depth > 0 && depth <= level && line[depth..].starts_with(' ') {
            break;
        }
        out.push(line);
    }
    Some(out)
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

/// The paths the code map names: the first word of each line of its code block that
/// does not start with a space (those continue the line above).
fn code_map() -> Vec<String> {
    let text = read("ARCHITECTURE.md");
    let lines = section(&text, "## Code map").unwrap_or_else(|| panic!("ARCHITECTURE.md has no `## Code map` section"));
    lines
        .iter()
        .skip_while(|line| !line.starts_with("```"))
        .skip(1)
        .take_while(|line| !line.starts_with("```"))
        .filter(|line| !line.starts_with(' ') && !line.is_empty())
        .filter_map(|line| line.split_whitespace().next().map(str::to_owned))
        .collect()
}

#[test]
fn every_source_file_is_in_the_code_map() {
    let entries = code_map();
    let mut missing = Vec::new();
    for path in files(&root().join("src")) {
        let relative = path.strip_prefix(root()).unwrap_or(&path).to_string_lossy().replace('\\', "/");
        let listed = entries.iter().any(|entry| {
            // A Rust file is listed by its own path; other files (the explanations) may be
            // listed by their folder.
            *entry == relative || (!relative.ends_with(".rs") && entry.ends_with('/') && relative.starts_with(entry))
        });
        if !listed {
            missing.push(relative);
        }
    }
    assert!(
        missing.is_empty(),
        "source files missing from ARCHITECTURE.md's code map: {missing:?}\n\
         add a line for each in the code block under `## Code map`, beside its neighbours: \
         the path, then what the file is for"
    );
    let stale: Vec<&String> = entries.iter().filter(|entry| !root().join(entry.as_str()).exists()).collect();
    assert!(
        stale.is_empty(),
        "ARCHITECTURE.md's code map names paths that do not exist: {stale:?}\n\
         remove or rename their lines under `## Code map`"
    );
}

#[test]
fn every_dependency_is_in_architecture_md_with_what_it_is_for() {
    let manifest = read("Cargo.toml");
    let doc = toml_edit::Document::parse(manifest.as_str()).unwrap_or_else(|e| panic!("Cargo.toml: {e}"));
    let names = |table: &str| -> Vec<String> {
        doc.get(table)
            .and_then(|t| t.as_table_like())
            .map(|t| t.iter().map(|(name, _)| name.to_owned()).collect())
            .unwrap_or_default()
    };
    let mut dependencies = names("dependencies");
    assert!(!dependencies.is_empty(), "Cargo.toml has no [dependencies]; did the test read the wrong file?");
    // `[target.'cfg(…)'.dependencies]`: a platform's dependencies are dependencies too.
    if let Some(targets) = doc.get("target").and_then(|t| t.as_table_like()) {
        for (_, target) in targets.iter() {
            if let Some(table) = target.get("dependencies").and_then(|t| t.as_table_like()) {
                dependencies.extend(table.iter().map(|(name, _)| name.to_owned()));
            }
        }
    }
    let known: Vec<String> = dependencies.iter().cloned().chain(names("dev-dependencies")).collect();

    let text = read("ARCHITECTURE.md");
    let lines = section(&text, "## Dependencies").unwrap_or_else(|| {
        panic!("ARCHITECTURE.md has no `## Dependencies` section: add one, a line `- `NAME`: what it is for` per dependency")
    });
    // `- `name`: what it is for, and why it was chosen`, with some words after the colon.
    let listed: Vec<(String, &str)> = lines
        .iter()
        .filter_map(|line| {
            let rest = line.strip_prefix("- `")?;
            let (name, rest) = rest.split_once('`')?;
            Some((name.to_owned(), rest.trim_start_matches([':', ' ']).trim()))
        })
        .collect();
    let mut missing = Vec::new();
    for name in &dependencies {
        match listed.iter().find(|(listed, _)| listed == name) {
            Some((_, why)) if why.split_whitespace().count() >= 3 => {}
            Some(_) => missing.push(format!("`{name}` is listed but does not say what it is for")),
            None => missing.push(format!("`{name}` is not listed")),
        }
    }
    assert!(
        missing.is_empty(),
        "ARCHITECTURE.md's `## Dependencies` section: {}\n\
         add a line `- `NAME`: what it is for, and why this crate` for each dependency in Cargo.toml's [dependencies]",
        missing.join("; ")
    );
    let stale: Vec<&String> = listed.iter().map(|(name, _)| name).filter(|name| !known.contains(name)).collect();
    assert!(
        stale.is_empty(),
        "ARCHITECTURE.md's `## Dependencies` lists crates that Cargo.toml does not depend on: {stale:?}\n\
         remove their lines, or add the dependency"
    );
}

/// One command's options, read from its `--help`: each option's spellings (`-o`,
/// `--output`) with its possible values, and its subcommands.
struct Help {
    options: Vec<(Vec<String>, Vec<String>)>,
    commands: Vec<String>,
}

fn help(command: &[&str]) -> Help {
    let mut args = command.to_vec();
    args.push("--help");
    let output = crate::common::strata(&root(), &args);
    assert!(output.status.success(), "`strata {}` failed", args.join(" "));
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let mut help = Help { options: Vec::new(), commands: Vec::new() };
    let mut heading = "";
    for line in text.lines() {
        if !line.starts_with(' ') && line.ends_with(':') {
            heading = line;
            continue;
        }
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        match heading {
            "Commands:" if indent == 2 => {
                if let Some(name) = trimmed.split_whitespace().next().filter(|n| *n != "help") {
                    help.commands.push(name.to_owned());
                }
            }
            "Options:" => {
                // `-o, --output <FILE>`, `--check` or `-q`, at the left of the section.
                if trimmed.starts_with('-') && !trimmed.starts_with("- ") && indent <= 6 {
                    let spellings: Vec<String> = trimmed
                        .split_whitespace()
                        .take_while(|word| word.starts_with('-'))
                        .map(|word| word.trim_end_matches(',').to_owned())
                        .collect();
                    help.options.push((spellings, Vec::new()));
                }
                // `[possible values: a, b]` (short help) or `- a: what it does` (long help).
                let values: Vec<String> = if let Some((_, list)) = trimmed.split_once("[possible values: ") {
                    list.trim_end_matches(']').split(", ").map(str::to_owned).collect()
                } else if let Some(item) = trimmed.strip_prefix("- ")
                    && let Some((value, _)) = item.split_once(':')
                    && !value.contains(' ')
                {
                    vec![value.to_owned()]
                } else {
                    Vec::new()
                };
                if let Some((_, list)) = help.options.last_mut() {
                    list.extend(values);
                }
            }
            _ => {}
        }
    }
    help
}

/// Whether `word` occurs in `text` with no word character (or `-`) on either side.
fn has_word(text: &str, word: &str) -> bool {
    let is_word = |c: char| c.is_alphanumeric() || c == '-' || c == '_';
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back().is_none_or(|c| !is_word(c));
        let after = text[at + word.len()..].chars().next().is_none_or(|c| !is_word(c));
        before && after
    })
}

#[test]
fn every_command_line_option_is_in_the_readme() {
    let readme = read("README.md");
    let heading = "## The command line";
    let lines = section(&readme, heading).unwrap_or_else(|| panic!("README.md has no `{heading}` section"));
    let text = lines.join("\n");
    let top = help(&[]);
    assert!(top.commands.len() >= 5, "read too few subcommands from `strata --help`: {:?}", top.commands);
    let mut missing = Vec::new();
    let mut queue: Vec<Vec<String>> = top.commands.iter().map(|c| vec![c.clone()]).collect();
    let mut checked_options = 0;
    while let Some(command) = queue.pop() {
        let words: Vec<&str> = command.iter().map(String::as_str).collect();
        let shown = format!("strata {}", words.join(" "));
        if !text.contains(&format!("`{shown}")) {
            missing.push(format!("the command `{shown}` (add a row to the table)"));
        }
        let help = help(&words);
        for sub in help.commands {
            let mut longer = command.clone();
            longer.push(sub);
            queue.push(longer);
        }
        for (spellings, values) in help.options {
            let Some(option) = spellings.last() else { continue };
            if option == "--help" || option == "--version" {
                continue;
            }
            checked_options += 1;
            for spelling in &spellings {
                if !has_word(&text, spelling) {
                    missing.push(format!(
                        "`{shown} {spelling}` (in the row of `{shown}` or the options paragraph below the table)"
                    ));
                }
            }
            for value in values {
                if !has_word(&text, &value) {
                    missing.push(format!("the value `{value}` of `{shown} {option}` (beside `{option}`)"));
                }
            }
        }
    }
    assert!(checked_options >= 6, "read too few options from the subcommands' --help");
    assert!(
        missing.is_empty(),
        "README.md's `{heading}` section does not name:\n  {}\nadd each there, saying what it does",
        missing.join("\n  ")
    );
}

/// Codes that `docs/language.md` lists from the v2 spec whose branches have not landed
/// on this one yet. When a code reaches the registry the test says to remove it here.
pub const NOT_YET_IN_THE_REGISTRY: &[&str] = &[];

#[test]
fn every_code_is_in_the_language_reference_with_its_level() {
    let doc = "docs/language.md";
    let heading = "## Diagnostics";
    let text = read(doc);
    let lines = section(&text, heading).unwrap_or_else(|| panic!("{doc} has no `{heading}` section"));
    // Table rows: | [`code`](../src/diagnostics/explain/code.md) | level | when |
    let rows: Vec<(String, String, String)> = lines
        .iter()
        .filter_map(|line| {
            let cells: Vec<&str> = line.strip_prefix('|')?.split('|').map(str::trim).collect();
            let name = cells.first()?.strip_prefix("[`")?.split_once("`](")?;
            let link = name.1.strip_suffix(')')?.to_owned();
            Some((name.0.to_owned(), link, cells.get(1)?.to_string()))
        })
        .collect();
    let mut problems = Vec::new();
    for code in Code::ALL {
        let name = code.name();
        let level = match code.kind() {
            Kind::Error => "error",
            Kind::Lint(level) => level.as_str(),
        };
        let link = format!("../src/diagnostics/explain/{name}.md");
        match rows.iter().find(|(listed, _, _)| listed == name) {
            None => problems.push(format!(
                "`{name}` is missing: add the row `| [`{name}`]({link}) | {level} | {} |` to the table of its family",
                code.summary()
            )),
            Some((_, listed_link, _)) if *listed_link != link => {
                problems.push(format!("`{name}` links to `{listed_link}`: link it to `{link}`"))
            }
            Some((_, _, listed_level)) if !listed_level.starts_with(level) => {
                problems.push(format!("`{name}` is listed as `{listed_level}`: its default level is `{level}`"))
            }
            Some(_) => {}
        }
    }
    for (name, _, _) in &rows {
        let in_registry = Code::from_name(name).is_some();
        let pending = NOT_YET_IN_THE_REGISTRY.contains(&name.as_str());
        if in_registry && pending {
            problems.push(format!(
                "`{name}` is in the registry now: remove it from `NOT_YET_IN_THE_REGISTRY` in tests/it/tidy.rs"
            ));
        } else if !in_registry && !pending {
            problems.push(format!("`{name}` is listed but no such code exists: remove its row, or fix its name"));
        }
    }
    assert!(problems.is_empty(), "{doc}, section `{heading}`:\n  {}", problems.join("\n  "));
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
