//! The two parsers (ARCHITECTURE.md, "Syntax"): the hand-written fast path must build
//! exactly the tree pest builds, and must give up on every file where pest reports
//! anything. Checked over every `.strata` file the repository holds (and
//! `STRATA_EXTRA_FIXTURES`), a generated workspace, and random edits of those files.

use std::path::Path;

use proptest::prelude::*;
use strata::source::FileId;
use strata::syntax::{parse_fast, parse_fast_in_pieces, parse_pest};

use crate::common::{files_below, root};

/// Compares the parsers on one text: `Ok(true)` when the file is clean.
fn compare(name: &str, text: &str) -> Result<bool, String> {
    let mut diags = Vec::new();
    let reference = parse_pest(FileId(0), text, &mut diags);
    match parse_fast(text) {
        Some(_) if !diags.is_empty() => {
            Err(format!("{name}: the fast parser accepts a file pest reports: {}", diags[0].message))
        }
        Some(fast) if fast != reference => Err(format!("{name}: trees differ\nfast: {fast:#?}\npest: {reference:#?}")),
        Some(_) => Ok(true),
        None if diags.is_empty() => Err(format!("{name}: clean, but the fast parser gave up")),
        None => Ok(false),
    }
}

fn corpus() -> &'static [(String, String)] {
    static CORPUS: std::sync::OnceLock<Vec<(String, String)>> = std::sync::OnceLock::new();
    CORPUS.get_or_init(read_corpus)
}

fn read_corpus() -> Vec<(String, String)> {
    let mut dirs = vec![root().join("tests/fixtures"), root().join("examples")];
    if let Some(dir) = std::env::var_os("STRATA_EXTRA_FIXTURES") {
        dirs.push(Path::new(&dir).to_path_buf());
    }
    let mut files = Vec::new();
    for dir in dirs {
        for path in files_below(&dir) {
            if path.extension().is_some_and(|e| e == "strata" || e == "formatted")
                && let Ok(text) = std::fs::read_to_string(&path)
            {
                files.push((path.display().to_string(), text));
            }
        }
    }
    for file in strata::synth::workspace(300, 50, 7) {
        files.push((file.path.clone(), file.text));
    }
    files
}

#[test]
fn both_parsers_build_the_same_tree_for_every_file() {
    let files = corpus();
    let mut clean = 0;
    let mut broken = 0;
    let mut failures = Vec::new();
    for (name, text) in files {
        match compare(name, text) {
            Ok(true) => clean += 1,
            Ok(false) => broken += 1,
            Err(failure) => failures.push(failure),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    // Both kinds must be well represented, or the comparison proves little.
    assert!(clean >= 50 && broken >= 5, "only {clean} clean and {broken} broken files compared");
}

/// Reading a file in pieces on several threads (what `parse_fast` does with a big file)
/// gives its tree, wherever the pieces are cut: `Some` for a cut that reads, the same
/// tree; `None` sends the file to the whole-file reading. Counts the texts cut.
fn compare_pieces(name: &str, text: &str, cut: &mut usize) -> Result<(), String> {
    for pieces in [2, 3, 5, 16] {
        if let Some(pieced) = parse_fast_in_pieces(text, pieces) {
            *cut += 1;
            if parse_fast(text).as_ref() != Some(&pieced) {
                return Err(format!("{name}: read in {pieces} pieces, the tree differs"));
            }
        }
    }
    Ok(())
}

#[test]
fn a_file_read_in_pieces_has_the_tree_of_the_whole() {
    let mut cut = 0;
    let failures: Vec<String> =
        corpus().iter().filter_map(|(name, text)| compare_pieces(name, text, &mut cut).err()).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Most files with two declarations or more are cut somewhere, or this proves little.
    assert!(cut >= 200, "only {cut} cuts read");
}

/// `PROPTEST_CASES` when set (for longer runs), else `default`.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(default)
}

/// A short run of Strata-like tokens, so that random text often parses.
fn token() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "map",
        "layer",
        "group",
        "result",
        "measure",
        "action",
        "a",
        "b_2",
        "é",
        "at",
        "by",
        " ",
        " ",
        "\n",
        "\r\n",
        "\t",
        "\u{FEFF}",
        "# note\n",
        "#",
        "\"T\"",
        "\"a\\\"b\"",
        "\"\\u{1F600}\"",
        "\"\\q\"",
        "\"",
        "{",
        "}",
        "[",
        "]",
        ",",
        ":",
        "->",
        "-",
        "2027",
        "2027-03",
        "2027-Q1",
        "31.5%",
        "5.",
        "-4",
        "%",
        ".",
        "x2027",
        "_",
    ])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(512), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn both_parsers_agree_on_token_soup(tokens in prop::collection::vec(token(), 0..60)) {
        let text = tokens.concat();
        let mut cut = 0;
        prop_assert!(compare_pieces("token soup", &text, &mut cut).is_ok(), "text: {:?}", text);
        if let Err(failure) = compare("token soup", &text) {
            // Giving up on a clean file only costs speed; the fast path never does it on
            // real files (the test above), but random soup finds pest-only shapes.
            prop_assert!(failure.contains("gave up"), "{}\ntext: {:?}", failure, text);
        }
    }

    #[test]
    fn both_parsers_agree_on_edited_files(
        pick in any::<prop::sample::Index>(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0..3u8, token()), 1..4),
    ) {
        let files = corpus();
        let (name, text) = &files[pick.index(files.len())];
        let mut text = text.to_owned();
        for (at, op, token) in edits {
            let mut cut = at.index(text.len() + 1);
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            let end = text[cut..].chars().next().map_or(cut, |c| cut + c.len_utf8());
            match op {
                0 => text.replace_range(cut..end, ""),
                1 => text.insert_str(cut, token),
                _ => text.replace_range(cut..end, token),
            }
        }
        let mut cut = 0;
        prop_assert!(compare_pieces(name, &text, &mut cut).is_ok(), "{}: text: {:?}", name, text);
        if let Err(failure) = compare(name, &text) {
            prop_assert!(failure.contains("gave up"), "{}\ntext: {:?}", failure, text);
        }
    }
}
