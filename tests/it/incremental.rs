//! The language server's incremental analysis (`sema::reanalyze`) against the whole
//! analysis, under random edits of a generated workspace with errors in it: whenever
//! `reanalyze` answers, its model and diagnostics are the whole analysis's, and the
//! edits after it start from what it kept. The same cases run every time (a fixed
//! seed); `PROPTEST_CASES=N` and `PROPTEST_RNG_SEED=S` explore further.

use proptest::prelude::*;
use strata::config::Config;
use strata::diagnostics::Diagnostic;
use strata::sema::model::Model;
use strata::sema::{self, Outline};
use strata::source::{FileId, SourceFile};
use strata::syntax::ast::Ast;

/// Lines an edit may insert: declarations of every kind (new ids, taken ids, reserved
/// words), links (to declared, unknown and wrong-kind ids), attributes, nesting, braces.
const LINES: &[&str] = &[
    "result s_new \"A new result\"",
    "result r3 \"Taken\"",
    "result a0 \"Taken by an action\"",
    "result map \"Reserved\"",
    "result b_first \"Smallest\"",
    "measure s_m \"A new measure\" {\n  of: r2\n}",
    "measure s_q \"Quoted\" {\n  of: \"r2\"\n}",
    "action s_a \"A new action\"",
    "layer s_layer \"A new layer\"",
    "group s_group \"A new group\" {\n  group s_sub \"Its sub-group\"\n}",
    "r5 -> r1",
    "r5 -> s_new",
    "s_a -> r4",
    "r6 -> m3",
    "r6 -> nowhere",
    "r7 -> g0",
    "  layer: customer",
    "  layer: nowhere",
    "  of: r1",
    "  measure s_nested \"Nested\" {",
    "}",
    "map \"Second map\"",
    "# a comment",
];

#[derive(Clone, Debug)]
enum Edit {
    Delete {
        file: usize,
        line: usize,
    },
    Insert {
        file: usize,
        line: usize,
        text: usize,
    },
    Duplicate {
        file: usize,
        line: usize,
    },
    /// An id renamed where it appears first in the line: `rN` to `rM`.
    Rename {
        file: usize,
        line: usize,
        to: usize,
    },
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (0..16usize, 0..400usize).prop_map(|(file, line)| Edit::Delete { file, line }),
        (0..16usize, 0..400usize, 0..LINES.len()).prop_map(|(file, line, text)| Edit::Insert { file, line, text }),
        (0..16usize, 0..400usize).prop_map(|(file, line)| Edit::Duplicate { file, line }),
        (0..16usize, 0..400usize, 0..120usize).prop_map(|(file, line, to)| Edit::Rename { file, line, to }),
    ]
}

/// Applies an edit to the files; gives the file changed.
fn apply(files: &mut [SourceFile], edit: &Edit) -> FileId {
    let (Edit::Delete { file, line }
    | Edit::Insert { file, line, .. }
    | Edit::Duplicate { file, line }
    | Edit::Rename { file, line, .. }) = *edit;
    let file = file % files.len();
    let mut lines: Vec<String> = files[file].text.lines().map(str::to_owned).collect();
    let line = line % (lines.len() + 1);
    match *edit {
        Edit::Delete { .. } if line < lines.len() => drop(lines.remove(line)),
        Edit::Insert { text, .. } => lines.insert(line, LINES[text].to_owned()),
        Edit::Duplicate { .. } if line < lines.len() => lines.insert(line, lines[line].clone()),
        Edit::Rename { to, .. } if line < lines.len() => {
            let words: Vec<&str> = lines[line].split(' ').collect();
            if let Some(at) =
                words.iter().position(|w| w.len() > 1 && w.starts_with('r') && w[1..].parse::<u32>().is_ok())
            {
                let mut words: Vec<String> = words.iter().map(|w| (*w).to_owned()).collect();
                words[at] = format!("r{to}");
                lines[line] = words.join(" ");
            }
        }
        _ => {}
    }
    let text = lines.iter().map(|line| format!("{line}\n")).collect::<String>();
    files[file] = SourceFile::new(files[file].path.clone(), text);
    FileId(file as u32)
}

fn parse(files: &[SourceFile]) -> Vec<Ast> {
    let mut diags = Vec::new();
    files.iter().enumerate().map(|(i, file)| strata::parse_file(FileId(i as u32), file, &mut diags)).collect()
}

fn whole(files: &[SourceFile], asts: &[Ast]) -> (Model, Outline, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let (model, outline) = sema::analyze_outlined(files, asts, &Config::default(), &mut diags);
    (model, outline, diags)
}

proptest! {
    #![proptest_config(crate::props::config(24))]

    #[test]
    fn reanalysis_is_the_whole_analysis_after_random_edits(edits in prop::collection::vec(edit(), 1..10)) {
        let mut files = strata::synth::as_workspace(&strata::synth::workspace(120, 10, 5)).files;
        let mut asts = parse(&files);
        let (mut model, mut outline, _) = whole(&files, &asts);
        for edit in &edits {
            let file = apply(&mut files, edit);
            asts = parse(&files);
            let (next_model, next_outline, diags) = whole(&files, &asts);
            let mut again = Vec::new();
            let config = Config::default();
            if let Some((redone, _)) = sema::reanalyze(&model, &outline, &[file], &files, &asts, &config, &mut again) {
                prop_assert_eq!(&again, &diags, "{:?}", edit);
                prop_assert!(redone.shown() == next_model.shown(), "the models differ after {:?}", edit);
            } else {
                prop_assert!(again.is_empty());
            }
            (model, outline) = (next_model, next_outline);
        }
    }
}

/// The random edits reach the incremental analysis, not only its refusals.
#[test]
fn random_edits_are_mostly_reanalysed() {
    let mut files = strata::synth::as_workspace(&strata::synth::workspace(120, 10, 5)).files;
    let mut asts = parse(&files);
    let (mut model, mut outline, _) = whole(&files, &asts);
    let edits = [
        Edit::Insert { file: 4, line: 3, text: 0 },
        Edit::Delete { file: 5, line: 20 },
        Edit::Rename { file: 6, line: 2, to: 90 },
        Edit::Insert { file: 7, line: 30, text: 10 },
        Edit::Duplicate { file: 8, line: 40 },
    ];
    let mut redone = 0;
    for edit in &edits {
        let file = apply(&mut files, edit);
        asts = parse(&files);
        let mut again = Vec::new();
        redone += sema::reanalyze(&model, &outline, &[file], &files, &asts, &Config::default(), &mut again).is_some()
            as usize;
        (model, outline, _) = whole(&files, &asts);
    }
    assert!(redone >= 4, "{redone} of {} edits reanalysed", edits.len());
}
