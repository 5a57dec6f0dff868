//! The data stage of `check` (spec §9): the model's measures with `data` and the data
//! files the edge read -> each measure's series and XmR chart, and the diagnostics of
//! the files (`missing-data-file`, `invalid-data`; `data-frequency-mismatch` is handed
//! to the lints, which apply levels to it). Pure: the bytes are in the `Workspace`.

use std::collections::{BTreeSet, HashMap};

use super::xmr::{self, Chart};
use super::{Problem, ProblemCode, Series, read_table, series};
use crate::DataError;
use crate::Workspace;
use crate::config::Config;
use crate::diagnostics::{Code, Diagnostic, Label};
use crate::sema::model::Model;
use crate::source::{FileId, Loc, Span};

/// One measure's data: the file it was read from, its values and its chart.
#[derive(Clone, Debug)]
pub struct MeasureData {
    /// The data file (`Workspace::data_id`).
    pub file: FileId,
    pub series: Series,
    pub chart: Chart,
    /// The file, or the measure's column, has `invalid-data` problems: the chart is of
    /// what could be read, and the evidence lints do not judge it (one mistake, one
    /// diagnostic: an empty file is not also a short baseline).
    pub invalid: bool,
}

/// What the data stage found: the charts, aligned with `model.measures`, and the
/// `data-frequency-mismatch` lints, for the lint pass (each once).
#[derive(Debug, Default)]
pub struct Evidence {
    pub measures: Vec<Option<std::sync::Arc<MeasureData>>>,
    pub mismatches: Vec<Diagnostic>,
}

/// Reads every data file the measures name, once, with the ids of all the measures that
/// read it; then each measure's series and chart with `config`'s `[xmr]` settings.
/// Errors go to `diags`; a problem several measures share (a `value` column read by
/// two measures) is reported once.
pub fn analyze(workspace: &Workspace, model: &Model, config: &Config, diags: &mut Vec<Diagnostic>) -> Evidence {
    let mut evidence = Evidence { measures: vec![None; model.measures.len()], mismatches: Vec::new() };
    // The measures reading each file, in declaration order; files in the order first named.
    let mut readers: Vec<(&str, Vec<usize>)> = Vec::new();
    let mut at: HashMap<&str, usize> = HashMap::new();
    for (i, measure) in model.measures.iter().enumerate() {
        let Some(data) = &measure.data else { continue };
        let slot = *at.entry(data.path.as_str()).or_insert_with(|| {
            readers.push((data.path.as_str(), Vec::new()));
            readers.len() - 1
        });
        readers[slot].1.push(i);
    }
    if readers.is_empty() {
        return evidence;
    }
    let held: HashMap<&str, usize> = workspace.data.iter().enumerate().map(|(i, d)| (d.path.as_str(), i)).collect();
    // Files are independent: read on several threads when there are many, the results
    // joined in the order the files were first named, so the outcome is one thread's.
    let runs = crate::parallel::in_runs(&readers, 64, |run| {
        let mut out = FileResults::default();
        for (path, measures) in run {
            read_file(workspace, model, config, held.get(path).copied(), measures, &mut out);
        }
        out
    });
    for run in runs {
        diags.extend(run.diags);
        evidence.mismatches.extend(run.mismatches);
        for (m, data) in run.measures {
            evidence.measures[m] = Some(std::sync::Arc::new(data));
        }
    }
    evidence
}

/// What the files of one run gave.
#[derive(Default)]
pub struct FileResults {
    /// `invalid-data` (and `missing-data-file`).
    pub diags: Vec<Diagnostic>,
    /// `data-frequency-mismatch`, for the lints.
    pub mismatches: Vec<Diagnostic>,
    /// Each measure reading the files, with its data (declaration order within a file).
    pub measures: Vec<(usize, MeasureData)>,
}

/// `analyze` for some of the workspace's data files only (`indexes` into
/// `workspace.data`): what reading each again gives, for every measure that names it.
/// The language server calls it when only CSV files changed.
pub fn analyze_files(workspace: &Workspace, model: &Model, config: &Config, indexes: &[usize]) -> FileResults {
    let mut out = FileResults::default();
    for &index in indexes {
        let Some(file) = workspace.data.get(index) else { continue };
        let measures: Vec<usize> = (0..model.measures.len())
            .filter(|&m| model.measures[m].data.as_ref().is_some_and(|d| d.path == file.path))
            .collect();
        if !measures.is_empty() {
            read_file(workspace, model, config, Some(index), &measures, &mut out);
        }
    }
    out
}

/// One data file (`index` into `workspace.data`, `None` when the workspace does not hold
/// it) and the measures reading it.
fn read_file(
    workspace: &Workspace,
    model: &Model,
    config: &Config,
    index: Option<usize>,
    measures: &[usize],
    out: &mut FileResults,
) {
    let Some(index) = index else {
        for &m in measures {
            out.diags.push(missing(model, m, "no such file or directory"));
        }
        return;
    };
    let file = workspace.data_id(index);
    let bytes = match &workspace.data[index].bytes {
        Ok(bytes) => bytes,
        Err(DataError::Unreadable(reason)) => {
            for &m in measures {
                out.diags.push(missing(model, m, reason));
            }
            return;
        }
        Err(DataError::OutsideRoot) => {
            for &m in measures {
                out.diags.push(outside(model, m));
            }
            return;
        }
    };
    let ids: Vec<&str> = measures.iter().map(|&m| &*model.measures[m].id).collect();
    let table = read_table(bytes, &ids);
    let table_invalid = table.problems.iter().any(|p| p.code == ProblemCode::InvalidData);
    let mut seen: BTreeSet<(super::Position, String)> = BTreeSet::new();
    let mut report = |problem: Problem, out: &mut FileResults| {
        if !seen.insert((problem.at, problem.message.clone())) {
            return;
        }
        let (code, label) = match problem.code {
            ProblemCode::InvalidData => (Code::InvalidData, "invalid data"),
            ProblemCode::FrequencyMismatch => (Code::DataFrequencyMismatch, "another granularity"),
        };
        let loc = Loc::new(file, Span::new(problem.at.start as usize, problem.at.end as usize));
        let diag = Diagnostic::new(code, Label::new(loc, label), problem.message).with_help(problem.help);
        match problem.code {
            ProblemCode::InvalidData => out.diags.push(diag),
            ProblemCode::FrequencyMismatch => out.mismatches.push(diag),
        }
    };
    for problem in table.problems.iter().cloned() {
        report(problem, out);
    }
    for &m in measures {
        let measure = &model.measures[m];
        let (values, problems) = series(&table, &measure.id, measure.frequency);
        let invalid = table_invalid || problems.iter().any(|p| p.code == ProblemCode::InvalidData);
        for problem in problems {
            report(problem, out);
        }
        let chart = xmr::chart(&values, &config.xmr, measure.direction);
        out.measures.push((m, MeasureData { file, series: values, chart, invalid }));
    }
}

fn missing(model: &Model, m: usize, reason: &str) -> Diagnostic {
    let data = model.measures[m].data.as_deref().expect("only measures with data read files");
    let message = format!("data file `{}` cannot be read: {reason}", data.written);
    Diagnostic::new(Code::MissingDataFile, Label::new(data.loc, "no data file here"), message)
        .with_help("create the CSV file (a `period` column and a value column), or fix the path")
}

fn outside(model: &Model, m: usize) -> Diagnostic {
    let data = model.measures[m].data.as_deref().expect("only measures with data read files");
    let message = format!("`data` path `{}` leads outside the workspace root through a symbolic link", data.written);
    Diagnostic::new(Code::InvalidValue, Label::new(data.loc, "invalid value"), message).with_help(
        "keep the CSV file itself inside the workspace root (the folder of `strata.toml`, or the folder checked)",
    )
}
