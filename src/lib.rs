//! Strata: strategy maps as code.
//!
//! The pipeline, one way: text -> AST (`syntax`) -> `Model` (`sema`) -> graph and
//! method lints (`graph`, `lints`) -> diagnostics and exports. `check` is the one entry
//! point the CLI and the language server share; it does no IO.

pub mod config;
pub mod diagnostics;
pub mod diff;
pub mod evidence;
pub mod export;
pub mod fix;
pub mod fmt;
pub mod graph;
pub mod layout;
pub mod lints;
pub mod lsp;
pub(crate) mod parallel;
pub mod report;
pub mod sema;
pub mod source;
pub mod story;
pub mod syntax;
pub mod synth;
pub mod workspace;

use config::Config;
use diagnostics::{Code, Diagnostic, Label, render::Sources};
use sema::model::Model;
use source::{FileId, Loc, SourceFile, Span};
use syntax::ast::Ast;

/// The `.strata` files checked together (one namespace), `strata.toml` if any, and the
/// data files the measures name (spec §9.1), as the IO edge read them.
#[derive(Clone, Debug, Default)]
pub struct Workspace {
    /// The `.strata` files, in path order: `FileId(i)` is `files[i]`.
    pub files: Vec<SourceFile>,
    /// `strata.toml`, whose `FileId` is `files.len()`.
    pub config: Option<SourceFile>,
    /// The data files, each once however many measures read it: `data[i]` has the
    /// `FileId` `files.len() + 1 + i` (`data_id`). A `data` path the workspace does not
    /// hold is `missing-data-file`.
    pub data: Vec<std::sync::Arc<DataFile>>,
}

/// A data file as the edge found it (`workspace::read_data`, or the language server).
#[derive(Clone, Debug)]
pub struct DataFile {
    /// The path relative to the workspace root, as the model's `DataPath::path` says it:
    /// how the analysis finds the file.
    pub path: String,
    /// What the renderers show: `source.path` is the path shown to users (relative to
    /// where the command runs, as a `.strata` file's is, and so the `file` of JSON and
    /// SARIF), `source.text` the file's text with a byte-order mark dropped and every
    /// byte that is not UTF-8 shown as `?` one for one, so that the byte offsets of the
    /// data problems are offsets in the text. Empty when the file could not be read.
    pub source: SourceFile,
    /// The file's bytes, or why they could not be read.
    pub bytes: Result<Vec<u8>, DataError>,
}

/// Why a data file could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DataError {
    /// `missing-data-file`: missing, a folder, unreadable, too large; the reason, in words.
    Unreadable(String),
    /// `invalid-value` (spec §4): a symbolic link on the way leads outside the root.
    OutsideRoot,
}

impl DataFile {
    /// A file that was read: `shown` is the path shown to users, `path` the path in the root.
    pub fn new(path: impl Into<String>, shown: impl Into<String>, bytes: Vec<u8>) -> DataFile {
        let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
        let text = match std::str::from_utf8(body) {
            Ok(text) => text.to_owned(),
            Err(_) => body.utf8_chunks().fold(String::with_capacity(body.len()), |mut text, chunk| {
                text.push_str(chunk.valid());
                text.extend(chunk.invalid().iter().map(|_| '?'));
                text
            }),
        };
        DataFile { path: path.into(), source: SourceFile::new(shown, text), bytes: Ok(bytes) }
    }

    /// A file that could not be read.
    pub fn unreadable(path: impl Into<String>, shown: impl Into<String>, error: DataError) -> DataFile {
        DataFile { path: path.into(), source: SourceFile::new(shown, String::new()), bytes: Err(error) }
    }
}

impl Workspace {
    pub fn config_id(&self) -> FileId {
        FileId(self.files.len() as u32)
    }

    /// The `FileId` of `data[i]`.
    pub fn data_id(&self, i: usize) -> FileId {
        FileId((self.files.len() + 1 + i) as u32)
    }
}

impl Sources for Workspace {
    fn source(&self, file: FileId) -> &SourceFile {
        let i = file.0 as usize;
        if let Some(source) = self.files.get(i) {
            return source;
        }
        if i == self.files.len() {
            return self.config.as_ref().unwrap_or_else(|| panic!("no file with id {}", file.0));
        }
        match self.data.get(i - self.files.len() - 1) {
            Some(data) => &data.source,
            None => panic!("no file with id {}", file.0),
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
    /// `evidence[i]` is the data of `model.measures[i]`: `None` without `data`, or when
    /// its file could not be read.
    pub evidence: Vec<Option<std::sync::Arc<evidence::MeasureData>>>,
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
    let threads = crate::parallel::threads().min(files.len());
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
    let (model, config, diagnostics, evidence) = check_trees_for(workspace, &asts, diags, Needs::Everything);
    Analysis { asts, model, config, diagnostics, evidence }
}

/// `check` for a caller that needs the model and whether anything is an error, but not
/// the warnings (`export`, which refuses a workspace with errors). No lint is an error
/// unless `strata.toml` sets it to `deny`, so when none is and parsing and analysis found
/// no error, the lints cannot change the answer and are not run (on 100,000 results
/// they take ~70 ms). Otherwise, and whenever there are errors, this is `check`, so the
/// diagnostics shown with a refusal are all of them.
pub fn check_for_errors(workspace: &Workspace) -> Analysis {
    let (asts, diags) = parse_all(&workspace.files);
    check_parsed_for_errors(workspace, asts, diags)
}

/// `check_for_errors` for a caller that has parsed the files already (as `check_parsed`).
pub fn check_parsed_for_errors(workspace: &Workspace, asts: Vec<Ast>, diags: Vec<Diagnostic>) -> Analysis {
    let (model, config, diagnostics, evidence) = check_trees_for(workspace, &asts, diags, Needs::Errors);
    Analysis { asts, model, config, diagnostics, evidence }
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
) -> (Model, Config, Vec<Diagnostic>, Vec<Option<std::sync::Arc<evidence::MeasureData>>>) {
    let config = parse_config(workspace, &mut diags);
    let model = sema::analyze(&workspace.files, asts, &config, &mut diags);
    let evidence = evidence::analyze(workspace, &model, &config, &mut diags);
    let lints_can_fail = config.levels.values().any(|level| *level == diagnostics::Level::Deny);
    let errors = || diags.iter().any(|d| d.severity == diagnostics::Severity::Error);
    if needs == Needs::Everything || lints_can_fail || errors() {
        lints::run(workspace, asts, &model, &config, &evidence, &mut diags);
    }
    diagnostics::sort(&mut diags);
    (model, config, diags, evidence.measures)
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
    let evidence = evidence::analyze(workspace, &model, &config, &mut diags);
    let reread = previous.map(|(before, _, changed)| wording_to_reread(before, &model, changed, sources.len()));
    let before = previous.zip(reread.as_deref()).map(|((_, kept, _), reread)| (&kept.wording[..], reread));
    let wording = lints::run_keeping(workspace, asts, &model, &config, &evidence, &mut diags, before);
    diagnostics::sort(&mut diags);
    let evidence = evidence.measures;
    let model = std::sync::Arc::new(model);
    Rechecked { model, config, diagnostics: diags, kept: Kept { outline, wording }, incremental, evidence }
}

/// The analysis after an edit of data files only (`changed`: indexes into
/// `workspace.data`), from `previous`, the analysis of the same workspace before it (the
/// same `.strata` files, trees and `strata.toml`): each changed file is read again, the
/// charts of the measures naming it are redone, and their evidence lints run again;
/// everything else is kept. `None` when that would not be the whole analysis's answer:
/// a suppression comment covers one of those lints (what `unused-suppression` says
/// then depends on the rest), or a file could not be read before or now.
pub fn recheck_data(workspace: &Workspace, asts: &[Ast], previous: &Rechecked, changed: &[usize]) -> Option<Rechecked> {
    let model = &*previous.model;
    if changed.iter().any(|&i| workspace.data.get(i).is_none_or(|d| d.bytes.is_err())) {
        return None;
    }
    let redone = evidence::analyze_files(workspace, model, &previous.config, changed);
    let measures: Vec<usize> = redone.measures.iter().map(|(m, _)| *m).collect();
    // A measure that could not read its file before: reported at its `data`, not in the file.
    let unreadable: std::collections::HashSet<Loc> =
        measures.iter().filter_map(|&m| model.measures[m].data.as_ref().map(|d| d.loc)).collect();
    let was_unreadable = previous
        .diagnostics
        .iter()
        .any(|d| matches!(d.code, Code::MissingDataFile | Code::InvalidValue) && unreadable.contains(&d.loc()));
    if was_unreadable {
        return None;
    }
    let before = lints::data_lints(workspace, model, &previous.evidence, &measures);
    let mut charts = previous.evidence.clone();
    for (m, data) in redone.measures {
        charts[m] = Some(std::sync::Arc::new(data));
    }
    let after = lints::data_lints(workspace, model, &charts, &measures);
    if lints::any_suppressed(workspace, asts, before.iter().chain(&after).chain(&redone.mismatches)) {
        return None;
    }
    let files: std::collections::HashSet<FileId> = changed.iter().map(|&i| workspace.data_id(i)).collect();
    let key = |d: &Diagnostic| (d.code, d.loc(), d.message.clone());
    let gone: std::collections::HashSet<_> = before.iter().map(key).collect();
    let mut diagnostics: Vec<Diagnostic> = previous
        .diagnostics
        .iter()
        .filter(|d| !files.contains(&d.loc().file) && !gone.contains(&key(d)))
        .cloned()
        .collect();
    diagnostics.extend(redone.diags);
    let config = &previous.config;
    let found = redone.mismatches.into_iter().chain(after);
    diagnostics.extend(found.filter_map(|d| lints::leveled(config, model, d)));
    diagnostics::sort(&mut diagnostics);
    Some(Rechecked {
        model: previous.model.clone(),
        config: previous.config.clone(),
        diagnostics,
        kept: previous.kept.clone(),
        incremental: true,
        evidence: charts,
    })
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
    /// Shared with the next analysis when an edit leaves it as it is (a CSV edit).
    pub model: std::sync::Arc<Model>,
    pub config: Config,
    /// Sorted, with the severities `strata.toml` sets: exactly what `strata check` reports.
    pub diagnostics: Vec<Diagnostic>,
    /// What the next analysis can start from.
    pub kept: Kept,
    /// Whether the analysis started from the previous one (read only the changed files).
    pub incremental: bool,
    /// As `Analysis::evidence`.
    pub evidence: Vec<Option<std::sync::Arc<evidence::MeasureData>>>,
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
