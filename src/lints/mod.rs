//! The method lints of spec section 5, one family per file, and the step that applies
//! suppression comments and lint levels (`strata.toml`, the map's method).

mod data;
mod focus;
mod groups;
mod measures;
mod structure;
pub(crate) mod suppress;
pub mod vocabulary;
mod wording;

use crate::Workspace;
use crate::config::Config;
use crate::diagnostics::{Diagnostic, Level, Severity};
use crate::evidence::Evidence;
use crate::graph::MapGraph;
use crate::sema::model::{Method, Model};
use crate::source::{FileId, by_file};
use crate::syntax::ast::Ast;

/// What every lint family reads, and where it reports.
pub struct Lints<'a> {
    pub workspace: &'a Workspace,
    pub model: &'a Model,
    found: Vec<Diagnostic>,
}

impl Lints<'_> {
    pub fn push(&mut self, diag: Diagnostic) {
        self.found.push(diag);
    }
}

/// Runs every lint on the model, drops what suppression comments and `allow` levels
/// silence, and sets each remaining lint's severity from its level.
pub fn run(
    workspace: &Workspace,
    asts: &[Ast],
    model: &Model,
    config: &Config,
    evidence: &Evidence,
    diags: &mut Vec<Diagnostic>,
) {
    run_keeping(workspace, asts, model, config, evidence, diags, None);
}

/// `run` for the language server, which keeps what the wording lints found (before
/// suppressions and levels): given what they found in the last analysis, with the same
/// configuration, and the files whose text changed since, only those files' results
/// are read again (the wording lints read nothing but a result's own statement). Gives
/// what they found this time.
pub fn run_keeping(
    workspace: &Workspace,
    asts: &[Ast],
    model: &Model,
    config: &Config,
    evidence: &Evidence,
    diags: &mut Vec<Diagnostic>,
    before: Option<(&[Diagnostic], &[FileId])>,
) -> Vec<Diagnostic> {
    let wording = || {
        let vocabularies = wording::Vocabularies::new(config);
        let mut lints = Lints { workspace, model, found: Vec::new() };
        let Some((kept, changed)) = before else {
            wording::check(&mut lints, &vocabularies, &model.results);
            return lints.found;
        };
        let mut found = kept.to_vec();
        for &file in changed {
            let results = &model.results[by_file(&model.results, file, |result| result.loc.file)];
            wording::check(&mut lints, &vocabularies, results);
            let at = by_file(&found, file, |diag| diag.primary.loc.file);
            found.splice(at, lints.found.drain(..));
        }
        found
    };
    let the_rest = || {
        let mut lints = Lints { workspace, model, found: Vec::new() };
        measures::check(&mut lints);
        structure::check(&mut lints, &MapGraph::new(model));
        groups::check(&mut lints);
        data::check(&mut lints, evidence);
        lints.found
    };
    // The wording lints read every statement word by word: about half the work. On a
    // big map they run beside the others; either way the findings come in the same order.
    const PARALLEL_RESULTS: usize = 2_000;
    let (mut found, rest) = if model.results.len() >= PARALLEL_RESULTS && before.is_none() {
        std::thread::scope(|scope| {
            let words = scope.spawn(wording);
            let rest = the_rest();
            (words.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)), rest)
        })
    } else {
        (wording(), the_rest())
    };
    let kept = found.clone();
    found.extend(rest);

    let mut suppressions = suppress::collect(workspace, asts, &mut found);
    suppress::apply(&mut suppressions, &mut found);
    suppress::unused(&suppressions, &mut found);

    let bsc = model.method() == Method::Bsc;
    for mut diag in found {
        let level = config.levels.get(&diag.code).copied().or_else(|| diag.code.default_level(bsc));
        match level {
            Some(Level::Deny) => diag.severity = Severity::Error,
            Some(Level::Warn) => diag.severity = Severity::Warning,
            Some(Level::Allow) | None => continue,
        }
        diags.push(diag);
    }
    kept
}
