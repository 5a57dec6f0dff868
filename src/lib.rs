//! Strata: strategy maps as code.
//!
//! The pipeline, one way: text -> AST (`syntax`) -> `Model` (`sema`) -> graph and
//! method lints (`graph`, `lints`) -> diagnostics and exports. `check` is the one entry
//! point the CLI and the language server share; it does no IO.

pub mod config;
pub mod diagnostics;
pub mod evidence;
pub mod export;
pub mod fmt;
pub mod graph;
pub mod lints;
pub mod lsp;
pub(crate) mod parallel;
pub mod sema;
pub mod source;
pub mod syntax;
pub mod synth;
pub mod workspace;

use config::Config;
use diagnostics::{Code, Diagnostic, Label, render::Sources};
use sema::model::Model;
use source::{FileId, Loc, SourceFile, Span};
use syntax::ast::Ast;

/// The `.strata` files checked together (one namespace), and `strata.toml` if any.
#[derive(Clone, Debug, Default)]
pub struct Workspace {
    /// The `.strata` files, in path order: `FileId(i)` is `files[i]`.
    pub files: Vec<SourceFile>,
    /// `strata.toml`, whose `FileId` is `files.len()`.
    pub config: Option<SourceFile>,
}

impl Workspace {
    pub fn config_id(&self) -> FileId {
        FileId(self.files.len() as u32)
    }
}

impl Sources for Workspace {
    fn source(&self, file: FileId) -> &SourceFile {
        match self.files.get(file.0 as usize) {
            Some(source) => source,
            None => self.config.as_ref().unwrap_or_else(|| panic!("no file with id {}", file.0)),
        }
    }
}

/// Everything `check` learned about a workspace.
#[derive(Debug)]
pub struct Analysis {
    /// `asts[i]` is the tree of `files[i]` (empty for a file that is not UTF-8).
    pub asts: Vec<Ast>,
    pub model: Model,
    pub config: Config,
    /// Sorted by file, position and code; lint severities follow the configuration,
    /// and lints set to `allow` or suppressed are gone.
    pub diagnostics: Vec<Diagnostic>,
}

impl Analysis {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.severity == diagnostics::Severity::Error)
    }
}

/// Checks a workspace: parses every file, analyses them together, runs the lints.
pub fn check(workspace: &Workspace) -> Analysis {
    let (asts, diags) = parse_all(&workspace.files);
    check_parsed(workspace, asts, diags)
}

/// Parses every file, on several threads when there is enough text to share out.
/// Files are parsed independently and the results are put back in file order, so the
/// outcome is the same as parsing them one after another.
pub fn parse_all(files: &[SourceFile]) -> (Vec<Ast>, Vec<Diagnostic>) {
    const PARALLEL_BYTES: usize = 256 * 1024;
    let total: usize = files.iter().map(|f| f.text.len()).sum();
    let threads = std::thread::available_parallelism().map_or(1, usize::from).min(files.len());
    let parse_range = |range: std::ops::Range<usize>| {
        let mut diags = Vec::new();
        let asts: Vec<Ast> = range.map(|i| parse_file(FileId(i as u32), &files[i], &mut diags)).collect();
        (asts, diags)
    };
    if threads < 2 || total < PARALLEL_BYTES {
        return parse_range(0..files.len());
    }
    // Contiguous ranges of about equal size, one per thread.
    let mut bounds = vec![0];
    let mut acc = 0;
    for (i, file) in files.iter().enumerate() {
        acc += file.text.len();
        if acc * threads >= total * bounds.len() && bounds.len() < threads {
            bounds.push(i + 1);
        }
    }
    bounds.push(files.len());
    bounds.dedup();
    let parts: Vec<(Vec<Ast>, Vec<Diagnostic>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = bounds.windows(2).map(|w| scope.spawn(move || parse_range(w[0]..w[1]))).collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))).collect()
    });
    let mut asts = Vec::with_capacity(files.len());
    let mut diags = Vec::new();
    for (a, d) in parts {
        asts.extend(a);
        diags.extend(d);
    }
    (asts, diags)
}

/// The whole-workspace half of `check`, for a caller that has parsed the files already.
/// `asts[i]` must be the tree `parse_file` gave for `workspace.files[i]`, and `diags`
/// what those parses reported; the result is the same as `check(workspace)`. (The
/// language server, which keeps what each analysis found, uses `recheck_trees`.)
pub fn check_parsed(workspace: &Workspace, asts: Vec<Ast>, diags: Vec<Diagnostic>) -> Analysis {
    let (model, config, diagnostics) = check_trees_for(workspace, &asts, diags, Needs::Everything);
    Analysis { asts, model, config, diagnostics }
}

/// `check` for a caller that needs the model and whether anything is an error, but not
/// the warnings (`export`, which refuses a workspace with errors). No lint is an error
/// unless `strata.toml` sets it to `deny`, so when none is and parsing and analysis found
/// no error, the lints cannot change the answer and are not run (on 100,000 results
/// they take ~70 ms). Otherwise, and whenever there are errors, this is `check`, so the
/// diagnostics shown with a refusal are all of them.
pub fn check_for_errors(workspace: &Workspace) -> Analysis {
    let (asts, diags) = parse_all(&workspace.files);
    let (model, config, diagnostics) = check_trees_for(workspace, &asts, diags, Needs::Errors);
    Analysis { asts, model, config, diagnostics }
}

#[derive(PartialEq)]
enum Needs {
    Everything,
    Errors,
}

fn check_trees_for(
    workspace: &Workspace,
    asts: &[Ast],
    mut diags: Vec<Diagnostic>,
    needs: Needs,
) -> (Model, Config, Vec<Diagnostic>) {
    let config = parse_config(workspace, &mut diags);
    let model = sema::analyze(&workspace.files, asts, &config, &mut diags);
    let lints_can_fail = config.levels.values().any(|level| *level == diagnostics::Level::Deny);
    let errors = || diags.iter().any(|d| d.severity == diagnostics::Severity::Error);
    if needs == Needs::Everything || lints_can_fail || errors() {
        lints::run(workspace, asts, &model, &config, &mut diags);
    }
    diagnostics::sort(&mut diags);
    (model, config, diags)
}

/// `check_parsed` for the language server, which keeps from each analysis what the next
/// one can start from (`Kept`). Given the analysis before an edit (of the same files,
/// with the same `strata.toml`) and the files whose text changed since, it reads again
/// only those files and the files whose references they change, when the first pass
/// allows (`sema::reanalyze`: the same answer), and otherwise the whole workspace;
/// either way the wording lints read again only the results of the changed files and of
/// the files whose results changed (`wording_to_reread`).
pub fn recheck_trees(
    workspace: &Workspace,
    asts: &[Ast],
    mut diags: Vec<Diagnostic>,
    previous: Option<(&Model, &Kept, &[FileId])>,
) -> Rechecked {
    let sources = &workspace.files;
    let config = parse_config(workspace, &mut diags);
    // A bug in the incremental path must not cost the user the analysis: a panic there
    // falls back to the whole analysis (what it reported is then dropped).
    let again = previous.and_then(|(model, kept, changed)| {
        let mut found = Vec::new();
        let redo = || sema::reanalyze(model, &kept.outline, changed, sources, asts, &config, &mut found);
        let redone = std::panic::catch_unwind(std::panic::AssertUnwindSafe(redo)).ok().flatten();
        redone.inspect(|_| diags.append(&mut found))
    });
    let incremental = again.is_some();
    let (model, outline) = again.unwrap_or_else(|| sema::analyze_outlined(sources, asts, &config, &mut diags));
    let reread = previous.map(|(before, _, changed)| wording_to_reread(before, &model, changed, sources.len()));
    let before = previous.zip(reread.as_deref()).map(|((_, kept, _), reread)| (&kept.wording[..], reread));
    let wording = lints::run_keeping(workspace, asts, &model, &config, &mut diags, before);
    diagnostics::sort(&mut diags);
    Rechecked { model, config, diagnostics: diags, kept: Kept { outline, wording }, incremental }
}

/// The files whose wording lints must be read again: the changed files, and every file
/// whose results are not the ones it had. An unchanged file's results change when a
/// duplicate id elsewhere appears or goes (the first declaration in file order is the
/// node, the others are discarded), and then what the wording lints found in it before
/// is stale: a `direction-word` lost, or a suppression it used no longer used.
fn wording_to_reread(before: &Model, now: &Model, changed: &[FileId], files: usize) -> Vec<FileId> {
    let at = |result: &sema::model::ResultNode| (result.loc, result.statement.loc);
    let mut reread: Vec<FileId> = (0..files as u32)
        .map(FileId)
        .filter(|&file| {
            let old = &before.results[source::by_file(&before.results, file, |r| r.loc.file)];
            let new = &now.results[source::by_file(&now.results, file, |r| r.loc.file)];
            changed.contains(&file) || !old.iter().map(at).eq(new.iter().map(at))
        })
        .collect();
    reread.dedup();
    reread
}

/// What the language server keeps of an analysis for the next one (`recheck_trees`).
#[derive(Clone, Debug, Default)]
pub struct Kept {
    /// What each pass of the analysis reported.
    pub outline: sema::Outline,
    /// What the wording lints found, before suppressions and levels.
    pub wording: Vec<Diagnostic>,
}

/// What `recheck_trees` gives.
#[derive(Debug)]
pub struct Rechecked {
    pub model: Model,
    pub config: Config,
    /// Sorted, with the severities `strata.toml` sets: exactly what `strata check` reports.
    pub diagnostics: Vec<Diagnostic>,
    /// What the next analysis can start from.
    pub kept: Kept,
    /// Whether the analysis started from the previous one (read only the changed files).
    pub incremental: bool,
}

fn parse_config(workspace: &Workspace, diags: &mut Vec<Diagnostic>) -> Config {
    match &workspace.config {
        Some(file) => config::parse(workspace.config_id(), &file.text, diags),
        None => Config::default(),
    }
}

/// Parses one file, or reports it as not UTF-8.
pub fn parse_file(id: FileId, file: &SourceFile, diags: &mut Vec<Diagnostic>) -> Ast {
    if let Some(at) = file.invalid_utf8_at {
        let loc = Loc::new(id, Span::new(at, at));
        let message = format!("`{}` is not valid UTF-8 (first bad byte at offset {at})", file.path);
        let diag = Diagnostic::new(Code::InvalidEncoding, Label::new(loc, "not UTF-8 from here"), message)
            .with_help("save the file as UTF-8; the rest of the workspace is still checked");
        diags.push(diag);
        return Ast::default();
    }
    syntax::parse(id, &file.text, diags)
}
