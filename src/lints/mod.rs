//! The method lints of spec section 5, and the step that applies lint levels.

pub mod vocabulary;

use crate::Workspace;
use crate::config::Config;
use crate::diagnostics::Diagnostic;
use crate::sema::model::Model;
use crate::syntax::ast::Ast;

/// Runs every lint, then applies levels from `strata.toml` and the map's method.
pub fn run(_workspace: &Workspace, _asts: &[Ast], _model: &Model, _config: &Config, _diags: &mut Vec<Diagnostic>) {}
