//! The examples of `docs/language.md` are checked: every ```` ```strata ```` block is
//! loaded and checked through the library, and must be clean or draw exactly the codes
//! its annotation names. The annotations are described in CONTRIBUTING.md, "Examples in
//! the docs".

use crate::common::root;

/// The document whose examples are checked, relative to the repository root.
const DOC: &str = "docs/language.md";

/// One fenced block: where it starts, its language, its text and the annotations on the
/// lines just before it.
struct Block {
    line: usize,
    lang: String,
    text: String,
    file: Option<String>,
    expect: Option<Vec<String>>,
    needs: Option<String>,
}

/// The examples of one workspace: its files, and what it is expected to draw.
struct Example {
    line: usize,
    files: Vec<(String, String)>,
    expect: Vec<String>,
    needs: Option<String>,
}

/// Every fenced block of `text`, with its annotations: the `<!-- key: value -->` lines
/// directly above its opening fence. An unknown key fails, so that a typo cannot make a
/// block pass unchecked.
fn blocks(text: &str) -> Result<Vec<(Block, usize)>, String> {
    let mut out = Vec::new();
    let mut notes: Vec<(String, String)> = Vec::new();
    let mut lines = text.lines().enumerate();
    // Every heading line, by number, so that an example of several files ends at one.
    let mut section = 0;
    while let Some((i, line)) = lines.next() {
        if let Some(note) = line.trim().strip_prefix("<!--").and_then(|l| l.strip_suffix("-->")) {
            let Some((key, value)) = note.split_once(':') else {
                notes.clear();
                continue;
            };
            notes.push((key.trim().to_owned(), value.trim().to_owned()));
            continue;
        }
        if line.starts_with('#') {
            section = i;
        }
        let Some(lang) = line.strip_prefix("```") else {
            notes.clear();
            continue;
        };
        let mut body = String::new();
        let mut closed = false;
        for (_, line) in lines.by_ref() {
            if line.trim_end() == "```" {
                closed = true;
                break;
            }
            body.push_str(line);
            body.push('\n');
        }
        if !closed {
            return Err(format!("{DOC}:{}: the block is never closed", i + 1));
        }
        let mut block =
            Block { line: i + 1, lang: lang.trim().to_owned(), text: body, file: None, expect: None, needs: None };
        for (key, value) in notes.drain(..) {
            match key.as_str() {
                "file" => block.file = Some(value),
                "expect" => {
                    block.expect =
                        Some(value.split(',').map(|c| c.trim().to_owned()).filter(|c| !c.is_empty()).collect())
                }
                "needs" => block.needs = Some(value),
                _ => return Err(format!("{DOC}:{}: unknown annotation `{key}` (use `file`, `expect` or `needs`)", i)),
            }
        }
        out.push((block, section));
    }
    Ok(out)
}

/// Groups the blocks into workspaces: a ```` ```strata ```` block without `file` is one
/// on its own (`example.strata`); blocks with `file` (of any language) under one heading
/// make one workspace together. Other blocks are not checked.
fn examples(blocks: Vec<(Block, usize)>) -> Vec<Example> {
    let mut out: Vec<Example> = Vec::new();
    let mut open: Option<(usize, Example)> = None;
    for (block, section) in blocks {
        let Some(file) = block.file else {
            if let Some((_, example)) = open.take() {
                out.push(example);
            }
            if block.lang == "strata" {
                out.push(Example {
                    line: block.line,
                    files: vec![("example.strata".to_owned(), block.text)],
                    expect: block.expect.unwrap_or_default(),
                    needs: block.needs,
                });
            }
            continue;
        };
        if open.as_ref().is_some_and(|(s, _)| *s != section)
            && let Some((_, example)) = open.take()
        {
            out.push(example);
        }
        let (_, example) = open.get_or_insert_with(|| {
            (section, Example { line: block.line, files: Vec::new(), expect: Vec::new(), needs: None })
        });
        example.files.push((file, block.text));
        example.expect.extend(block.expect.unwrap_or_default());
        if block.needs.is_some() {
            example.needs = block.needs;
        }
    }
    if let Some((_, example)) = open.take() {
        out.push(example);
    }
    out
}

/// The codes `check` reports on the example's files, sorted, each with its message for
/// the failure report.
fn check(example: &Example) -> Vec<(String, String)> {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    for (name, text) in &example.files {
        let path = dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{}: {e}", parent.display()));
        }
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
    let mut loaded = strata::workspace::load(&[dir.path().to_path_buf()])
        .unwrap_or_else(|e| panic!("{DOC}:{}: cannot load the example: {e}", example.line));
    let mut found: Vec<(String, String)> = Vec::new();
    for item in &mut loaded {
        // With the data files the measures name, as `strata check` reads them.
        let (asts, diags) = strata::workspace::parse_and_read_data(item);
        for diag in strata::check_parsed(&item.workspace, asts, diags).diagnostics {
            found.push((diag.code.name().to_owned(), diag.message));
        }
    }
    found.sort();
    found
}

#[test]
fn every_example_of_the_language_reference_checks_as_annotated() {
    let text = std::fs::read_to_string(root().join(DOC)).unwrap_or_else(|e| panic!("cannot read {DOC}: {e}"));
    let examples = examples(blocks(&text).unwrap_or_else(|e| panic!("{e}")));
    assert!(examples.len() >= 25, "{DOC} has only {} checked examples; did the block parser break?", examples.len());
    let mut failures = Vec::new();
    for example in &examples {
        let found = check(example);
        let mut codes: Vec<&str> = found.iter().map(|(code, _)| code.as_str()).collect();
        codes.sort_unstable();
        let mut expected: Vec<&str> = example.expect.iter().map(String::as_str).collect();
        expected.sort_unstable();
        let matches = codes == expected;
        let shown: Vec<String> = found.iter().map(|(code, message)| format!("  {code}: {message}")).collect();
        match (&example.needs, matches) {
            (None, true) => {}
            (None, false) => failures.push(format!(
                "{DOC}:{}: expected {}, found:\n{}\n  fix the example, or if it shows a diagnostic on purpose, put \
                 `<!-- expect: {} -->` on the line before its opening fence, in place of any `expect` there",
                example.line,
                if expected.is_empty() { "no diagnostics".to_owned() } else { format!("{expected:?}") },
                shown.join("\n"),
                codes.join(", "),
            )),
            // The feature has landed: the skip must go, so that the example stays checked.
            (Some(needs), true) => failures.push(format!(
                "{DOC}:{}: the example now checks as annotated: remove its `<!-- needs: {needs} -->` line",
                example.line
            )),
            (Some(needs), false) => println!(
                "skipped {DOC}:{}: needs {needs}, not built on this branch yet; it found:\n{}",
                example.line,
                shown.join("\n")
            ),
        }
    }
    assert!(failures.is_empty(), "{} example(s) of {DOC} failed:\n\n{}", failures.len(), failures.join("\n\n"));
}

#[test]
fn the_block_reader_groups_files_and_reads_annotations() {
    let text = "# One\n\n<!-- expect: weasel-word -->\n```strata\na\n```\n\n```toml\nx\n```\n\n## Two\n\n\
                <!-- file: maps/a.strata -->\n```strata\nb\n```\n\n<!-- file: data/a.csv -->\n<!-- needs: data -->\n\
                ```csv\nc\n```\n\n## Three\n\n<!-- file: d.strata -->\n```strata\nd\n```\n";
    let examples = examples(blocks(text).unwrap_or_else(|e| panic!("{e}")));
    let shape: Vec<String> = examples
        .iter()
        .map(|e| {
            let files: Vec<&str> = e.files.iter().map(|(name, _)| name.as_str()).collect();
            format!("{} {files:?} expect {:?} needs {:?}", e.line, e.expect, e.needs)
        })
        .collect();
    assert_eq!(
        shape,
        [
            r#"4 ["example.strata"] expect ["weasel-word"] needs None"#,
            r#"15 ["maps/a.strata", "data/a.csv"] expect [] needs Some("data")"#,
            r#"28 ["d.strata"] expect [] needs None"#,
        ]
    );
    assert!(blocks("<!-- expekt: x -->\n```strata\n```\n").is_err(), "a misspelt annotation must fail");
    assert!(blocks("```strata\nresult\n").is_err(), "an unclosed block must fail");
}

/// The examples are written in the canonical style, so that analysts copy that style.
#[test]
fn the_examples_are_formatted() {
    let text = std::fs::read_to_string(root().join(DOC)).unwrap_or_else(|e| panic!("cannot read {DOC}: {e}"));
    let mut failures = Vec::new();
    for (block, _) in blocks(&text).unwrap_or_else(|e| panic!("{e}")) {
        if block.lang != "strata" {
            continue;
        }
        if let Some(formatted) = format(&block.text)
            && formatted != block.text
        {
            failures
                .push(format!("{DOC}:{}: not in the canonical style; `strata fmt` writes:\n{formatted}", block.line));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The formatted text, or `None` when the block cannot be formatted (it shows a syntax
/// error on purpose).
fn format(text: &str) -> Option<String> {
    strata::fmt::format(text).ok()
}

/// GitHub's anchor for a heading: lowercase, punctuation dropped, spaces as hyphens.
fn anchor(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// Every link of the reference leads somewhere: `#anchor` to one of its headings, a
/// relative path to a file of the repository (an explanation of a v2 code may wait for
/// its branch).
#[test]
fn every_link_of_the_language_reference_resolves() {
    let text = std::fs::read_to_string(root().join(DOC)).unwrap_or_else(|e| panic!("cannot read {DOC}: {e}"));
    let mut anchors = Vec::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.starts_with("```") {
            fenced = !fenced;
        } else if !fenced && line.starts_with('#') {
            anchors.push(anchor(line.trim_start_matches('#')));
        }
    }
    let mut broken = Vec::new();
    let mut links = 0;
    for (number, line) in text.lines().enumerate() {
        for (at, _) in line.match_indices("](") {
            let Some(end) = line[at + 2..].find(')') else { continue };
            let target = &line[at + 2..at + 2 + end];
            links += 1;
            if target.starts_with("http") {
                continue;
            }
            let (path, fragment) = target.split_once('#').unwrap_or((target, ""));
            if path.is_empty() {
                if !anchors.iter().any(|a| a == fragment) {
                    broken.push(format!("{DOC}:{}: no heading has the anchor `#{fragment}`", number + 1));
                }
                continue;
            }
            let pending = crate::tidy::NOT_YET_IN_THE_REGISTRY
                .iter()
                .any(|code| path == format!("../src/diagnostics/explain/{code}.md"));
            if !pending && !root().join("docs").join(path).exists() {
                broken.push(format!("{DOC}:{}: `{path}` does not exist", number + 1));
            }
        }
    }
    assert!(links >= 40, "only {links} links found in {DOC}; did the link reader break?");
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}
