//! Fuzz target: export whatever resolves as JSON, DOT and Mermaid, whole and focused.
#![no_main]

#[path = "common.rs"]
mod common;

use strata::export::{Focus, Format, export};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let workspace = common::workspace(data);
    let analysis = strata::check(&workspace);
    common::render_all(&workspace, &analysis);
    for format in [Format::Json, Format::Dot, Format::Mermaid] {
        let text = export(&workspace, &analysis.model, format, None).expect("an unfocused export succeeds");
        if format == Format::Json {
            serde_json::from_str::<serde_json::Value>(&text).expect("the JSON export parses");
        }
    }
    // Focus on each declared id (a few), at a depth taken from the input.
    let depth = data.first().map_or(1, |b| usize::from(b % 4));
    let mut ids: Vec<&str> = analysis.model.symbols.keys().map(|id| id.as_str()).collect();
    ids.sort();
    for id in ids.into_iter().take(4) {
        let focus = Focus { id: id.to_owned(), depth };
        for format in [Format::Json, Format::Dot, Format::Mermaid] {
            if let Ok(text) = export(&workspace, &analysis.model, format, Some(&focus)) {
                if format == Format::Json {
                    serde_json::from_str::<serde_json::Value>(&text).expect("the focused JSON export parses");
                }
            }
        }
    }
});
