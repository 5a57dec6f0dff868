//! Fuzz target: check a workspace built from the input and render every diagnostic.
#![no_main]

#[path = "common.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let workspace = common::workspace(data);
    let analysis = strata::check(&workspace);
    assert_eq!(analysis.asts.len(), workspace.files.len(), "one tree per file");
    common::render_all(&workspace, &analysis);
});
