//! Fuzz target: the language server is `strata check`. The input is a workspace (as
//! `common::workspace` reads it, `strata.toml` included), then edits, each after a line
//! `--- edit ---`: an edit's first byte picks a file (modulo the number of files, plus
//! one for `strata.toml`), the rest is that file's new text (for `strata.toml`, nothing
//! deletes it). Every file is open in the editor and edited through `didChange`;
//! `strata.toml` changes on disk. After each edit the server's state is analysed from
//! its last snapshot, as the server does, and its diagnostics and model must be those
//! of `strata::check` of the same texts.
#![no_main]

#[path = "common.rs"]
#[allow(dead_code)] // Only `workspace` is used here.
mod common;

use std::path::PathBuf;

use strata::Workspace;
use strata::lsp::state::{self, State, Trees};
use strata::source::SourceFile;
use tower_lsp_server::ls_types::{TextDocumentContentChangeEvent, Uri};

const EDIT: &[u8] = b"\n--- edit ---\n";

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut parts = Vec::new();
    let mut rest = data;
    while let Some(at) = rest.windows(EDIT.len()).position(|w| w == EDIT) {
        parts.push(&rest[..at]);
        rest = &rest[at + EDIT.len()..];
    }
    parts.push(rest);
    let start = common::workspace(parts[0]);
    let root = PathBuf::from("/strata-fuzz");
    let mut state = State { folders: vec![root.clone()], ..State::default() };
    let mut texts: Vec<(String, String)> = start.files.iter().map(|f| (f.path.clone(), f.text.clone())).collect();
    let mut config = start.config.map(|c| c.text);
    let config_path = root.join("strata.toml");
    let uri = |path: &str| Uri::from_file_path(root.join(path)).expect("a file URI");
    for (path, text) in &texts {
        state.open(uri(path), text.clone(), 1);
    }
    if let Some(text) = &config {
        state.load(&config_path, SourceFile::new(config_path.to_string_lossy(), text.as_str()));
    }
    let mut trees = Trees::default();
    let mut last = None;
    for (version, edit) in (1..).zip(&parts) {
        if version > 1 {
            let Some((&pick, new)) = edit.split_first() else { continue };
            let pick = pick as usize % (texts.len() + 1);
            if let Some((path, old)) = texts.get_mut(pick) {
                *old = text(new);
                let change = TextDocumentContentChangeEvent { range: None, range_length: None, text: old.clone() };
                state.change(&uri(path), version, vec![change]).expect("an open document");
            } else if new.is_empty() {
                state.unload(&config_path.to_string_lossy());
                config = None;
            } else {
                config = Some(text(new));
                state.load(&config_path, SourceFile::new(config_path.to_string_lossy(), text(new)));
            }
        }
        let snapshot = state::analyze(state.input(), &mut trees, last.as_ref());
        let files = texts.iter().map(|(path, text)| SourceFile::new(path.as_str(), text.as_str())).collect();
        let config = config.as_deref().map(|text| SourceFile::new("strata.toml", text));
        let fresh = strata::check(&Workspace { files, config, data: Vec::new() });
        assert_eq!(snapshot.units.len(), 1, "one workspace");
        let analysis = &snapshot.units[0].analysis;
        assert_eq!(analysis.diagnostics, fresh.diagnostics, "the diagnostics differ");
        assert!(analysis.model.shown() == fresh.model.shown(), "the models differ");
        last = Some(snapshot);
    }
});
