//! Fuzz target: format each file; the result must be a fixed point of the formatter,
//! parse without syntax errors, and check to the same diagnostic codes as the original.
#![no_main]

#[path = "common.rs"]
mod common;

use strata::diagnostics::Code;
use strata::source::{FileId, SourceFile};

fn codes(analysis: &strata::Analysis) -> Vec<Code> {
    let mut codes: Vec<Code> = analysis.diagnostics.iter().map(|d| d.code).collect();
    codes.sort();
    codes
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let workspace = common::workspace(data);
    let mut formatted = workspace.clone();
    let mut reformatted = Vec::new();
    for (i, file) in workspace.files.iter().enumerate() {
        if file.invalid_utf8_at.is_some() {
            continue;
        }
        if let Ok(text) = strata::fmt::format(&file.text) {
            let again = strata::fmt::format(&text).expect("formatted text formats again");
            assert_eq!(again, text, "the formatter is idempotent");
            formatted.files[i] = SourceFile::new(file.path.clone(), text);
            reformatted.push(FileId(i as u32));
        }
    }
    if reformatted.is_empty() {
        return;
    }
    let before = strata::check(&workspace);
    let after = strata::check(&formatted);
    // The formatter only parses, so a structural `syntax-error` from analysis (a measure
    // nested in a group) may remain in a formatted file, but formatting adds none.
    let syntax_errors = |analysis: &strata::Analysis| {
        let is_new = |d: &&strata::diagnostics::Diagnostic| {
            d.code.name() == "syntax-error" && reformatted.contains(&d.loc().file)
        };
        analysis.diagnostics.iter().filter(is_new).count()
    };
    assert_eq!(syntax_errors(&before), syntax_errors(&after), "formatting added a syntax error");
    common::render_all(&formatted, &after);
    assert_eq!(codes(&before), codes(&after), "formatting changed what the check reports");
});
