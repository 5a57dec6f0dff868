//! Syntax: text -> AST. The only code that knows pest.

pub mod ast;
mod parser;

pub use parser::{MAX_NESTING, parse};
