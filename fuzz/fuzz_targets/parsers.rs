//! Fuzz target: the hand-written parser never accepts what pest reports, and where it
//! accepts a file it builds exactly pest's tree (see `src/syntax/fast.rs`).
#![no_main]

use strata::source::FileId;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Some(fast) = strata::syntax::parse_fast(text) else { return };
    let mut diags = Vec::new();
    let reference = strata::syntax::parse_pest(FileId(0), text, &mut diags);
    assert!(diags.is_empty(), "the fast parser accepts a file pest reports: {}", diags[0].message);
    assert_eq!(fast, reference, "the parsers build different trees");
});
