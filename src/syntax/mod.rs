//! Syntax: text -> AST. The only code that knows pest.
//!
//! Two parsers build the same tree: `fast` (hand-written) takes every file that parses
//! cleanly, and pest (`parser`, from `grammar/strata.pest`) takes the rest, recovering
//! from errors and saying what was expected. The grammar is the reference for both.

pub mod ast;
mod escape;
mod fast;
mod parser;

pub use parser::MAX_NESTING;

use crate::diagnostics::Diagnostic;
use crate::source::FileId;
use ast::Ast;

/// Parses one file. Every problem is pushed onto `diags`; the tree holds what parsed.
pub fn parse(file: FileId, text: &str, diags: &mut Vec<Diagnostic>) -> Ast {
    match fast::parse(text) {
        Some(ast) => ast,
        None => parser::parse(file, text, diags),
    }
}

/// The hand-written parser alone: the tree of a file without syntax errors, or `None`
/// (also for a few clean shapes it leaves to pest). For tests that compare the two.
pub fn parse_fast(text: &str) -> Option<Ast> {
    fast::parse(text)
}

/// The hand-written parser reading the text in up to `pieces` pieces, on as many
/// threads: `None` when it finds no place to split or a piece does not parse alone. For
/// tests that hold it to `parse_fast`.
pub fn parse_fast_in_pieces(text: &str, pieces: usize) -> Option<Ast> {
    fast::parse_in_pieces(text, pieces)
}

/// The pest parser alone, the reference `parse_fast` is held to.
pub fn parse_pest(file: FileId, text: &str, diags: &mut Vec<Diagnostic>) -> Ast {
    parser::parse(file, text, diags)
}
