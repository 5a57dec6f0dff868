//! Fuzz target: the language server's incremental analysis is the whole analysis. The
//! input is a workspace (as `common::workspace` reads it, without its `strata.toml`)
//! and, after a line `--- edit ---`, the new bytes of its first file. Whenever
//! `sema::reanalyze` answers for that edit, its model and diagnostics must be those of
//! the whole analysis of the edited workspace.
#![no_main]

#[path = "common.rs"]
#[allow(dead_code)] // Only `workspace` is used here.
mod common;

use strata::config::Config;
use strata::source::{FileId, SourceFile};
use strata::syntax::ast::Ast;

const EDIT: &[u8] = b"\n--- edit ---\n";

fn parse(files: &[SourceFile]) -> Vec<Ast> {
    let mut diags = Vec::new();
    files.iter().enumerate().map(|(i, file)| strata::parse_file(FileId(i as u32), file, &mut diags)).collect()
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some(at) = data.windows(EDIT.len()).position(|w| w == EDIT) else { return };
    let mut workspace = common::workspace(&data[..at]);
    let config = Config::default();
    let asts = parse(&workspace.files);
    let (model, outline) = strata::sema::analyze_outlined(&workspace.files, &asts, &config, &mut Vec::new());
    let path = workspace.files[0].path.clone();
    workspace.files[0] = SourceFile::from_bytes(path, data[at + EDIT.len()..].to_vec());
    let asts = parse(&workspace.files);
    let mut whole = Vec::new();
    let (expected, _) = strata::sema::analyze_outlined(&workspace.files, &asts, &config, &mut whole);
    let mut again = Vec::new();
    let redone = strata::sema::reanalyze(&model, &outline, &[FileId(0)], &workspace.files, &asts, &config, &mut again);
    if let Some((redone, _)) = redone {
        assert_eq!(again, whole, "the diagnostics differ");
        assert!(redone.shown() == expected.shown(), "the models differ");
    }
});
