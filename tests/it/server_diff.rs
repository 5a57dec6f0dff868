//! The language server's analysis against `strata::check`: random edits across four open
//! files and `strata.toml` (duplicated ids, suppression comments, vocabulary and level
//! changes) go through the server's state (`strata::lsp::state`), each analysed from the
//! snapshot before it as the server does, and after every edit the server's diagnostics
//! and model must be those of a fresh whole analysis of the same texts. The same cases
//! run every time (a fixed seed); `PROPTEST_CASES=N` and `PROPTEST_RNG_SEED=S` explore
//! further. The `server` fuzz target does the same from arbitrary bytes.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use strata::Workspace;
use strata::lsp::state::{self, Snapshot, State, Trees};
use strata::source::SourceFile;
use tower_lsp_server::ls_types::{TextDocumentContentChangeEvent, Uri};

/// The files at the start: a map, duplicates across files, suppressions used and
/// unused, wording lints, links between files.
const FILES: [(&str, &str); 4] = [
    ("a.strata", "map \"M\" {\n  method: pump\n}\nlayer top \"Top\"\nlayer base \"Base\"\n"),
    (
        "b.strata",
        "# strata: allow(direction-word)\nresult fast \"Grow service faster\" {\n  layer: top\n}\nresult slow \"Customers wait less\" {\n  layer: base\n}\nslow -> fast\n",
    ),
    ("c.strata", "result quick \"Increase quick wins\"\naction act \"Do things\"\nact -> quick\nquick -> fast\n"),
    (
        "d.strata",
        "result calm \"Staff feel calm\" # strata: allow(weasel-word)\nmeasure m_calm \"Calm score\" {\n  of: calm\n}\n",
    ),
];

/// Lines an edit may insert.
const LINES: &[&str] = &[
    "result fast \"Grow faster\"",
    "result fast \"Deliveries arrive on time\"",
    "# strata: allow(direction-word)",
    "# strata: allow(weasel-word, direction-word)",
    "result slow \"Increase the rate\"",
    "result calm \"Really calm\" {",
    "action fast \"Act fast\"",
    "group fast \"Fast group\"",
    "layer top \"Top again\"",
    "measure m_fast \"Speed\" {\n  of: fast\n}",
    "fast -> slow",
    "quick -> fast",
    "act -> calm",
    "slow -> nowhere",
    "  layer: top",
    "  layer: base",
    "}",
    "map \"Second\"",
];

/// Ids a rename may swap.
const IDS: &[&str] = &["fast", "slow", "quick", "calm", "act", "top", "base", "m_calm", "fresh"];

/// What `strata.toml` may say (`None`: there is none).
const CONFIGS: &[Option<&str>] = &[
    None,
    Some(""),
    Some("[vocabulary]\ndirection-verbs = { add = [\"wait\", \"arrive\"] }\n"),
    Some("[vocabulary]\nweasel-words = { add = [\"calm\"] }\n"),
    Some("[vocabulary]\ndirection-verbs = { remove = [\"grow\", \"increase\"] }\n"),
    Some("[lints]\ndirection-word = \"allow\"\n"),
    Some("[lints]\nunused-suppression = \"deny\"\n"),
    Some("[lints]\nno-such-lint = \"warn\"\n"),
];

#[derive(Clone, Debug)]
enum Edit {
    Insert { file: usize, line: usize, text: usize },
    Delete { file: usize, line: usize },
    Duplicate { file: usize, line: usize },
    Rename { file: usize, line: usize, from: usize, to: usize },
    Config(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        4 => (0..4usize, 0..12usize, 0..LINES.len()).prop_map(|(file, line, text)| Edit::Insert { file, line, text }),
        2 => (0..4usize, 0..12usize).prop_map(|(file, line)| Edit::Delete { file, line }),
        2 => (0..4usize, 0..12usize).prop_map(|(file, line)| Edit::Duplicate { file, line }),
        3 => (0..4usize, 0..12usize, 0..IDS.len(), 0..IDS.len())
            .prop_map(|(file, line, from, to)| Edit::Rename { file, line, from, to }),
        1 => (0..CONFIGS.len()).prop_map(Edit::Config),
    ]
}

/// The texts edited (the four files, then `strata.toml`), as the server sees them.
pub(crate) struct Server {
    root: PathBuf,
    /// The files' paths below the root (`.strata` and `.csv`), as `texts`.
    paths: Vec<String>,
    pub(crate) texts: Vec<String>,
    pub(crate) config: Option<String>,
    state: State,
    trees: Trees,
    last: Option<Snapshot>,
    version: i32,
}

impl Server {
    pub(crate) fn new(files: &[(&str, &str)], config: Option<&str>) -> Server {
        let root = PathBuf::from("/strata-server-diff");
        let mut state = State { folders: vec![root.clone()], ..State::default() };
        for (path, text) in files {
            let path = root.join(path);
            state.load(&path, SourceFile::new(path.to_string_lossy(), *text));
            state.open(file_uri(&path), (*text).to_owned(), 1);
        }
        let texts = files.iter().map(|(_, text)| (*text).to_owned()).collect();
        let paths = files.iter().map(|(path, _)| (*path).to_owned()).collect();
        let mut server =
            Server { root, paths, texts, config: None, state, trees: Trees::default(), last: None, version: 1 };
        server.set_config(config);
        server
    }

    fn path(&self, file: usize) -> PathBuf {
        self.root.join(self.paths.get(file).map_or("x.strata", String::as_str))
    }

    /// Sets a file's text through `didChange`, the whole text at once.
    pub(crate) fn change(&mut self, file: usize, text: String) {
        self.version += 1;
        let change = TextDocumentContentChangeEvent { range: None, range_length: None, text: text.clone() };
        let uri = file_uri(&self.path(file));
        self.state.change(&uri, self.version, vec![change]).expect("an open document");
        self.texts[file] = text;
    }

    /// `didOpen` again with the text the server has: a new version only.
    pub(crate) fn reopen(&mut self, file: usize) {
        self.version += 1;
        let uri = file_uri(&self.path(file));
        self.state.open(uri, self.texts[file].clone(), self.version);
    }

    /// `strata.toml` changed on disk (created, changed or deleted).
    pub(crate) fn set_config(&mut self, config: Option<&str>) {
        let path = self.root.join("strata.toml");
        match config {
            Some(text) => self.state.load(&path, SourceFile::new(path.to_string_lossy(), text)),
            None => self.state.unload(&path.to_string_lossy()),
        }
        self.config = config.map(str::to_owned);
    }

    /// Analyses the state from the last snapshot, as the server's analysis task does.
    pub(crate) fn analyze(&mut self) -> &Snapshot {
        let last = self.last.as_ref();
        let work = self.state.work_after(last);
        let next = state::run(work, &mut self.trees, last, || self.state.input_after(last));
        self.last.insert(next)
    }

    /// `strata check` of the same texts.
    pub(crate) fn fresh(&self) -> strata::Analysis {
        let all = || self.paths.iter().zip(&self.texts);
        let files: Vec<SourceFile> = all()
            .filter(|(p, _)| p.ends_with(".strata"))
            .map(|(p, text)| SourceFile::new(p.as_str(), text.as_str()))
            .collect();
        let config = self.config.as_deref().map(|text| SourceFile::new("strata.toml", text));
        // The data files the measures name, as `workspace::parse_and_read_data` reads them.
        let (asts, _) = strata::parse_all(&files);
        let wanted = strata::sema::attributes::data_paths(&files, &asts);
        let mut data: Vec<_> = all()
            .filter(|(p, _)| wanted.contains(p))
            .map(|(p, text)| {
                std::sync::Arc::new(strata::DataFile::new(p.as_str(), p.as_str(), text.as_bytes().to_vec()))
            })
            .collect();
        data.sort_by(|a, b| a.path.cmp(&b.path));
        strata::check(&Workspace { files, config, data })
    }
}

fn file_uri(path: &Path) -> Uri {
    Uri::from_file_path(path).expect("a file URI")
}

/// Applies an edit to a file's lines.
fn edited(text: &str, edit: &Edit) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    match *edit {
        Edit::Insert { line, text, .. } => lines.insert(line % (lines.len() + 1), LINES[text].to_owned()),
        Edit::Delete { line, .. } if !lines.is_empty() => drop(lines.remove(line % lines.len())),
        Edit::Duplicate { line, .. } if !lines.is_empty() => {
            let line = line % lines.len();
            lines.insert(line, lines[line].clone());
        }
        Edit::Rename { line, from, to, .. } if !lines.is_empty() => {
            let line = line % lines.len();
            let words: Vec<String> = lines[line]
                .split(' ')
                .map(|word| if word == IDS[from] { IDS[to].to_owned() } else { word.to_owned() })
                .collect();
            lines[line] = words.join(" ");
        }
        _ => {}
    }
    lines.iter().map(|line| format!("{line}\n")).collect()
}

/// The server's answer after the last edit against `strata check`'s.
fn compare(server: &mut Server) -> Result<bool, TestCaseError> {
    let fresh = server.fresh();
    let snapshot = server.analyze();
    prop_assert_eq!(snapshot.units.len(), 1);
    let analysis = &snapshot.units[0].analysis;
    prop_assert_eq!(&analysis.diagnostics, &fresh.diagnostics);
    prop_assert!(analysis.model.shown() == fresh.model.shown(), "the models differ");
    Ok(analysis.incremental)
}

proptest! {
    #![proptest_config(crate::props::config(64))]

    #[test]
    fn the_server_is_check_after_random_edits(edits in prop::collection::vec(edit(), 1..40)) {
        let mut server = Server::new(&FILES, Some(""));
        compare(&mut server)?;
        for edit in &edits {
            match *edit {
                Edit::Config(config) => server.set_config(CONFIGS[config]),
                Edit::Insert { file, .. }
                | Edit::Delete { file, .. }
                | Edit::Duplicate { file, .. }
                | Edit::Rename { file, .. } => {
                    let text = edited(&server.texts[file], edit);
                    server.change(file, text);
                }
            }
            compare(&mut server)?;
        }
    }
}

/// Adding a duplicate of `fast` before the file that declares it under a suppression
/// leaves that suppression unused: the server must say so, as `check` does.
#[test]
fn a_duplicate_elsewhere_makes_a_suppression_unused() {
    let files = [
        ("a.strata", "result quick \"Quick wins\"\n"),
        ("b.strata", "# strata: allow(direction-word)\nresult fast \"Grow service faster\"\n"),
    ];
    let mut server = Server::new(&files, None);
    server.analyze();
    server.change(0, "result quick \"Quick wins\"\nresult fast \"Deliveries arrive\"\n".to_owned());
    let fresh = server.fresh();
    assert!(fresh.diagnostics.iter().any(|d| d.code == strata::diagnostics::Code::UnusedSuppression));
    assert_eq!(server.analyze().units[0].analysis.diagnostics, fresh.diagnostics);
}

/// Renaming the first of two duplicates makes the second the node: its wording lints
/// appear.
#[test]
fn renaming_one_of_two_duplicates_shows_the_others_wording() {
    let files = [("a.strata", "result fast \"Deliveries arrive\"\n"), ("b.strata", "result fast \"Grow faster\"\n")];
    let mut server = Server::new(&files, None);
    server.analyze();
    server.change(0, "result quick \"Deliveries arrive\"\n".to_owned());
    let fresh = server.fresh();
    assert!(fresh.diagnostics.iter().any(|d| d.code == strata::diagnostics::Code::DirectionWord));
    assert_eq!(server.analyze().units[0].analysis.diagnostics, fresh.diagnostics);
}

/// The random edits reach the incremental analysis, not only the whole one.
#[test]
fn common_edits_take_the_incremental_path() {
    let mut server = Server::new(&FILES, Some(""));
    server.analyze();
    type Step<'a> = (usize, &'a dyn Fn(&str) -> String);
    let steps: [Step; 4] = [
        (2, &|t| t.replacen("quick wins", "quick winners", 1)),
        (2, &|t| format!("{t}result fresh \"Fresh\"\n")),
        (3, &|t| t.replacen("Staff feel calm", "Staff feel calmer", 1)),
        (2, &|t| t.replacen("act -> quick", "act -> fresh", 1)),
    ];
    for (file, step) in steps {
        let text = step(&server.texts[file]);
        server.change(file, text);
        let fresh = server.fresh();
        let analysis = &server.analyze().units[0].analysis;
        assert!(analysis.incremental, "step in file {file}");
        assert_eq!(analysis.diagnostics, fresh.diagnostics);
    }
}

/// A map whose measures read two CSV files (one shared by two measures), with
/// baselines and targets the evidence lints judge, and one of them suppressed.
const DATA_FILES: [(&str, &str); 4] = [
    (
        "e.strata",
        "result r \"Orders are on time\" {\n  measure m1 \"On time\" {\n    unit: \"%\"\n    direction: up\n    frequency: monthly\n    baseline: 50% at 2025-03\n    target: 60% by 2027-01\n    data: \"e1.csv\"\n  }\n  # strata: allow(target-within-limits)\n  measure m2 \"Late\" {\n    unit: \"%\"\n    direction: down\n    frequency: monthly\n    target: 45% by 2027-01\n    data: \"e1.csv\"\n  }\n  measure m3 \"Spills\" {\n    unit: \"cups\"\n    direction: down\n    frequency: quarterly\n    target: 2 by 2027-01\n    data: \"e2.csv\"\n  }\n}\n",
    ),
    (
        "e1.csv",
        "period,value,m2,limits\n2025-01,50%,40%,\n2025-02,52%,41%,\n2025-03,49%,43%,\n2025-04,51%,44%,\n2025-05,50%,42%,\n2025-06,53%,40%,\n",
    ),
    ("e2.csv", "period,value\n2025-Q1,3\n2025-Q2,4\n2025-Q3,2\n2025-Q4,5\n2026-Q1,3\n"),
    // No measure reads it: its edits change nothing.
    ("f.csv", "period,value\n2025-01,1\n"),
];

/// Lines an edit may put in a CSV file.
const CSV_LINES: &[&str] = &[
    "2025-07,60%,30%,",
    "2025-08,90%,47%,recalculate",
    "2025-09,49%,,",
    "2025-03,50%,40%,",
    "2026-Q2,9",
    "2026-Q3,1",
    "2026-07,4",
    "2025-10,12,5",
    "2025-11,x,41%,",
    "2025-12,,,",
    "period,value",
    "",
];

#[derive(Clone, Debug)]
enum DataEdit {
    Insert {
        file: usize,
        line: usize,
        text: usize,
    },
    Delete {
        file: usize,
        line: usize,
    },
    /// An edit of the map (`Edit` on `e.strata`).
    Map(Edit),
    /// The same line edit in both files read, analysed once.
    Both {
        line: usize,
        text: usize,
    },
    /// The editor opens a file again with the text it has: a new version, the same text.
    Reopen {
        file: usize,
    },
}

fn data_edit() -> impl Strategy<Value = DataEdit> {
    prop_oneof![
        4 => (1..4usize, 0..10usize, 0..CSV_LINES.len())
            .prop_map(|(file, line, text)| DataEdit::Insert { file, line, text }),
        3 => (1..4usize, 0..10usize).prop_map(|(file, line)| DataEdit::Delete { file, line }),
        1 => edit().prop_map(DataEdit::Map),
        1 => (0..10usize, 0..CSV_LINES.len()).prop_map(|(line, text)| DataEdit::Both { line, text }),
        1 => (0..4usize).prop_map(|file| DataEdit::Reopen { file }),
    ]
}

/// The line edits of `edited`, for a CSV file.
fn csv_edited(text: &str, edit: &DataEdit) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    match *edit {
        DataEdit::Insert { line, text, .. } | DataEdit::Both { line, text } => {
            lines.insert(line % (lines.len() + 1), CSV_LINES[text].to_owned())
        }
        DataEdit::Delete { line, .. } if !lines.is_empty() => drop(lines.remove(line % lines.len())),
        _ => {}
    }
    lines.iter().map(|line| format!("{line}\n")).collect()
}

/// Whether the last analysis was the data-only re-check (the model shared, not rebuilt).
fn shared_model(before: &std::sync::Arc<strata::sema::model::Model>, server: &Server) -> bool {
    server.last.as_ref().is_some_and(|last| std::sync::Arc::ptr_eq(before, &last.units[0].analysis.model))
}

proptest! {
    #![proptest_config(crate::props::config(64))]

    /// Edits of the CSV files (values, periods, recalculations, broken rows; one file,
    /// both, one no measure reads, a file opened again) and of the map that reads them:
    /// after each, the server is `check`; a map edit never takes the quick path
    /// (`analyze_data`), and an edit that changes nothing the analysis reads always does.
    #[test]
    fn the_server_is_check_after_random_edits_to_data_files(edits in prop::collection::vec(data_edit(), 1..30)) {
        let mut server = Server::new(&DATA_FILES, None);
        compare(&mut server)?;
        for edit in &edits {
            match edit {
                DataEdit::Map(map) => {
                    let text = edited(&server.texts[0], map);
                    server.change(0, text);
                }
                DataEdit::Insert { file, .. } | DataEdit::Delete { file, .. } => {
                    let text = csv_edited(&server.texts[*file], edit);
                    server.change(*file, text);
                }
                DataEdit::Both { .. } => {
                    for file in [1, 2] {
                        let text = csv_edited(&server.texts[file], edit);
                        server.change(file, text);
                    }
                }
                DataEdit::Reopen { file } => server.reopen(*file),
            }
            compare(&mut server)?;
            let data_only = server.last.as_ref().is_some_and(|last| last.data_only);
            prop_assert!(!data_only || !matches!(edit, DataEdit::Map(_)), "a map edit taken as a data edit");
            // A new version, or a file no measure reads: nothing to re-check, always quick.
            let nothing = matches!(edit, DataEdit::Reopen { .. } | DataEdit::Insert { file: 3, .. } | DataEdit::Delete { file: 3, .. });
            prop_assert!(data_only || !nothing, "{:?} not taken as a data edit", edit);
        }
    }
}

/// A CSV edit re-checks only the data: the model is shared with the analysis before,
/// the data file untouched is shared too, and the answer is `check`'s; an edit that
/// changes what a suppression comment covers is analysed whole, with the same answer.
#[test]
fn a_csv_edit_redoes_only_the_data() {
    let mut server = Server::new(&DATA_FILES, None);
    server.analyze();
    let steps: [(usize, &str, &str, bool); 3] = [
        // m3's values: a point beyond the limits, and back.
        (2, "2026-Q1,3", "2026-Q1,30", true),
        (2, "2026-Q1,30", "2026-Q1,3", true),
        // e1.csv carries the suppressed m2: analysed whole.
        (1, "2025-06,53%,40%,", "2025-06,53%,40%,\n2025-07,53%,x,", false),
    ];
    for (file, from, to, shared) in steps {
        let model = server.last.as_ref().map(|l| l.units[0].analysis.model.clone()).expect("analysed");
        let untouched = server.last.as_ref().map(|l| l.units[0].workspace.data[1 - (file - 1)].clone()).expect("data");
        let text = server.texts[file].replacen(from, to, 1);
        server.change(file, text);
        let fresh = server.fresh();
        server.analyze();
        assert_eq!(shared_model(&model, &server), shared, "{to}");
        assert_eq!(server.last.as_ref().is_some_and(|last| last.data_only), shared, "{to}");
        let last = server.last.as_ref().expect("analysed");
        assert!(std::sync::Arc::ptr_eq(&untouched, &last.units[0].workspace.data[1 - (file - 1)]), "{to}");
        assert_eq!(last.units[0].analysis.diagnostics, fresh.diagnostics, "{to}");
        assert!(!fresh.diagnostics.is_empty());
    }
}
