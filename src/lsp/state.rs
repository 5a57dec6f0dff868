//! The server's state: every document (open in the editor, or read from disk under the
//! workspace folders), how the documents group into workspaces, and the analysis of
//! each workspace as of one moment (`Snapshot`).
//!
//! Edits are applied to `State` synchronously, each bumping `generation`; a background
//! task turns the state into a new `Snapshot`, re-parsing only the documents whose text
//! changed, and analysing again what the edit changed (`crate::recheck_trees`).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tower_lsp_server::ls_types::{self as lsp, Uri};

use super::convert::{self, Files};
use crate::Workspace;
use crate::diagnostics::Diagnostic;
use crate::diagnostics::render::Sources;
use crate::source::{ColumnUnit, FileId, SourceFile};
use crate::syntax::ast::Ast;
use crate::workspace::CONFIG_FILE;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocKind {
    Strata,
    Config,
    /// A CSV file, which a measure's `data` may name (spec §9.1).
    Data,
}

impl DocKind {
    fn of(path: &str) -> Option<DocKind> {
        if path.ends_with(".strata") {
            Some(DocKind::Strata)
        } else if path == CONFIG_FILE || path.ends_with(&format!("/{CONFIG_FILE}")) {
            Some(DocKind::Config)
        } else if path.ends_with(".csv") {
            Some(DocKind::Data)
        } else {
            None
        }
    }
}

/// One document: a `.strata` file or a `strata.toml`.
#[derive(Clone, Debug)]
pub struct Doc {
    /// As the client spelled it when it opened the document, else made from the path.
    pub uri: Uri,
    pub path: Option<PathBuf>,
    pub kind: DocKind,
    /// Its text; `source.path` is set when the workspaces are planned.
    pub source: SourceFile,
    /// The editor's version while the document is open.
    pub version: Option<i32>,
    /// Found on disk by a scan of the folders (or a watched-file event): it stays known
    /// when the editor closes it.
    pub member: bool,
    /// Changes with the text: the generation in which the text was last set. Stamps are
    /// never reused, even by a document forgotten and found again, so a kept tree (or a
    /// file's analysis) is reused only for the same stamp: the same text.
    pub edits: u64,
}

/// What documents are known and in which encoding positions are exchanged.
#[derive(Debug)]
pub struct State {
    pub generation: u64,
    pub encoding: ColumnUnit,
    /// The workspace folders, in the order the client gave them: one workspace, rooted at
    /// the first.
    pub folders: Vec<PathBuf>,
    /// A `strata.toml` above a folder (its nearest ancestor that has one), by folder.
    pub ancestor_configs: BTreeMap<PathBuf, PathBuf>,
    /// By `key`.
    pub docs: BTreeMap<String, Doc>,
    /// Bumped whenever a document is added or forgotten: the plan depends on which
    /// documents there are (and the folders), not on their texts.
    pub layout: u64,
    /// The last plan, with what it was made from: on 10,000 files, planning again after
    /// every keystroke cost more than re-checking an edited CSV file.
    pub planned: std::sync::Mutex<Option<Planned>>,
    /// The keys of the documents set, changed, opened or closed since `data_edit` last
    /// looked (some may have come back to what the last snapshot holds): what it compares
    /// with the last snapshot instead of every document.
    pub touched: Vec<String>,
}

/// A plan and what it was made from.
#[derive(Debug)]
pub struct Planned {
    pub layout: u64,
    folders: Vec<PathBuf>,
    ancestor_configs: BTreeMap<PathBuf, PathBuf>,
    plans: Arc<Vec<Plan>>,
    /// By plan: `UnitInput::csv`.
    csv: Vec<Arc<[String]>>,
}

impl Default for State {
    fn default() -> State {
        State {
            generation: 0,
            encoding: ColumnUnit::Utf16,
            folders: Vec::new(),
            ancestor_configs: BTreeMap::new(),
            docs: BTreeMap::new(),
            layout: 0,
            planned: std::sync::Mutex::new(None),
            touched: Vec::new(),
        }
    }
}

/// The key of a document: its file path (as `workspace::escape` writes it, so that two
/// paths are two keys), or its URI when it is not a file.
pub fn key(uri: &Uri) -> (String, Option<PathBuf>) {
    if uri.scheme().as_str().eq_ignore_ascii_case("file")
        && let Some(path) = file_path(uri)
    {
        return (path_key(&path), Some(path));
    }
    (uri.as_str().to_owned(), None)
}

/// The key of the document at `path`.
pub fn path_key(path: &Path) -> String {
    crate::workspace::escape(path)
}

/// The path a `file:` URI names. Its percent-encoded bytes are taken as they are:
/// `ls_types` decodes them to text, replacing each byte that is not UTF-8 by U+FFFD, which
/// names no file (and the same one for two names).
fn file_path(uri: &Uri) -> Option<PathBuf> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt as _;
        let bytes = uri.path().decode().to_bytes();
        (!bytes.is_empty()).then(|| PathBuf::from(std::ffi::OsStr::from_bytes(&bytes)))
    }
    #[cfg(not(unix))]
    {
        uri.to_file_path().map(std::borrow::Cow::into_owned)
    }
}

/// The `file:` URI of an absolute path. A name that is not UTF-8 has its bytes
/// percent-encoded as they are (`%FF`, as RFC 8089 does), which `file_path` reads back.
pub fn file_uri(path: &Path) -> Option<Uri> {
    if path.to_str().is_some() || !path.is_absolute() {
        return Uri::from_file_path(path);
    }
    let encoded = crate::diagnostics::render::uri_path(&crate::workspace::escape(path));
    format!("file://{encoded}").parse().ok()
}

/// Reads a file as `strata check` reads it (`workspace::read`).
pub fn read(path: &Path) -> Result<SourceFile, String> {
    crate::workspace::read(path).map_err(|e| e.message)
}

/// The `.strata` files and `strata.toml` files under a folder, as `strata check` finds
/// them: hidden and `.gitignore`d entries are skipped.
pub fn scan(folder: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in crate::workspace::walker(folder).flatten() {
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let name = entry.file_name().as_encoded_bytes();
        if name.ends_with(b".strata") || name.ends_with(b".csv") || name == CONFIG_FILE.as_bytes() {
            found.push(entry.into_path());
        }
    }
    found.sort();
    // A file with two names (hard links) is one file, as for `strata check`: the first.
    let mut seen = std::collections::HashSet::new();
    found.retain(|path| seen.insert(crate::workspace::file_identity(path)));
    found
}

/// `strata.toml` in the nearest strict ancestor of `folder` that has one.
pub fn ancestor_config(folder: &Path) -> Option<PathBuf> {
    folder.ancestors().skip(1).map(|dir| dir.join(CONFIG_FILE)).find(|path| path.is_file())
}

/// The deepest directory that holds every folder (the folder itself when there is one).
fn common_ancestor(folders: &[PathBuf]) -> PathBuf {
    let mut folders = folders.iter();
    let mut base = folders.next().cloned().unwrap_or_default();
    for folder in folders {
        while !folder.starts_with(&base) && base.pop() {}
    }
    base
}

/// The `/`-separated path of `path` below `root`.
fn relative(path: &Path, root: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let parts: Vec<String> =
        rel.components().map(|c| crate::source::shown_name(c.as_os_str().as_encoded_bytes())).collect();
    parts.join("/")
}

impl State {
    fn bump(&mut self) {
        self.generation += 1;
    }

    /// The stamp of a text set now (`Doc::edits`): the generation `bump` is about to make.
    fn stamp(&self) -> u64 {
        self.generation + 1
    }

    /// Adds or replaces a document read from disk (not one open in the editor).
    pub fn load(&mut self, path: &Path, source: SourceFile) {
        let name = path_key(path);
        let Some(kind) = DocKind::of(&name) else { return };
        let Some(uri) = file_uri(path) else { return };
        let stamp = self.stamp();
        match self.docs.get_mut(&name) {
            Some(doc) if doc.version.is_some() => {
                doc.member = true;
                return;
            }
            Some(doc) => {
                doc.member = true;
                if doc.source.text == source.text && doc.source.invalid_utf8_at == source.invalid_utf8_at {
                    return;
                }
                doc.source = source;
                doc.edits = stamp;
            }
            None => {
                let path = Some(path.to_path_buf());
                let doc = Doc { uri, path, kind, source, version: None, member: true, edits: stamp };
                self.docs.insert(name.clone(), doc);
                self.layout += 1;
            }
        }
        self.touched.push(name);
        self.bump();
    }

    /// Forgets a document that is not open in the editor.
    pub fn unload(&mut self, key: &str) {
        if self.docs.get(key).is_some_and(|doc| doc.version.is_none()) {
            self.docs.remove(key);
            self.layout += 1;
            self.touched.push(key.to_owned());
            self.bump();
        }
    }

    /// `textDocument/didOpen`: the editor's text overrides the disk.
    pub fn open(&mut self, uri: Uri, text: String, version: i32) {
        let (key, path) = key(&uri);
        let kind = DocKind::of(&key).or_else(|| DocKind::of(uri.as_str())).unwrap_or(DocKind::Strata);
        let source = SourceFile::new(key.clone(), text);
        let stamp = self.stamp();
        match self.docs.get_mut(&key) {
            Some(doc) => {
                doc.uri = uri;
                doc.version = Some(version);
                if doc.source.text != source.text || doc.source.invalid_utf8_at.is_some() {
                    doc.source = source;
                    doc.edits = stamp;
                }
            }
            None => {
                let doc = Doc { uri, path, kind, source, version: Some(version), member: false, edits: stamp };
                self.docs.insert(key.clone(), doc);
                self.layout += 1;
            }
        }
        self.touched.push(key);
        self.bump();
    }

    /// `textDocument/didChange`: applies the changes in order.
    pub fn change(
        &mut self,
        uri: &Uri,
        version: i32,
        changes: Vec<lsp::TextDocumentContentChangeEvent>,
    ) -> Result<(), String> {
        let (encoding, stamp) = (self.encoding, self.stamp());
        let (key, _) = key(uri);
        let Some(doc) = self.docs.get_mut(&key).filter(|doc| doc.version.is_some()) else {
            return Err(format!("ignored a change to `{}`, which is not open", uri.as_str()));
        };
        let mut text = std::mem::take(&mut doc.source.text);
        let mut index = std::mem::take(&mut doc.source.line_index);
        for change in changes {
            match change.range {
                Some(range) => {
                    let a = convert::offset_in(&text, &index, range.start, encoding);
                    let b = convert::offset_in(&text, &index, range.end, encoding);
                    text.replace_range(a.min(b)..a.max(b), &change.text);
                    index.edit(&text, a.min(b)..a.max(b), change.text.len());
                }
                None => {
                    text = change.text;
                    index = crate::source::LineIndex::new(&text);
                }
            }
        }
        doc.source = SourceFile {
            path: std::mem::take(&mut doc.source.path),
            text,
            line_index: index,
            invalid_utf8_at: None,
            in_root: None,
        };
        doc.version = Some(version);
        doc.edits = stamp;
        self.touched.push(key);
        self.bump();
        Ok(())
    }

    /// `textDocument/didClose`: the disk is the truth again. `disk` is the file as read
    /// now (`None` when it is gone); a document no folder scan found is forgotten.
    pub fn close(&mut self, uri: &Uri, disk: Option<SourceFile>) {
        let (key, _) = key(uri);
        let Some(doc) = self.docs.get(&key) else { return };
        let keep = doc.member || self.is_ancestor_config(doc);
        let stamp = self.stamp();
        let Some(doc) = self.docs.get_mut(&key) else { return };
        doc.version = None;
        match disk {
            Some(source) if keep => {
                if let Some(uri) = doc.path.as_deref().and_then(file_uri) {
                    doc.uri = uri;
                }
                if doc.source.text != source.text || doc.source.invalid_utf8_at != source.invalid_utf8_at {
                    doc.source = source;
                    doc.edits = stamp;
                }
            }
            _ => {
                self.docs.remove(&key);
                self.layout += 1;
            }
        }
        self.touched.push(key);
        self.bump();
    }

    /// Whether a document is a `strata.toml` above a folder, kept for that folder.
    pub fn is_ancestor_config(&self, doc: &Doc) -> bool {
        doc.path.as_ref().is_some_and(|path| self.ancestor_configs.values().any(|p| p == path))
    }

    /// Whether a path lies under one of the workspace folders.
    pub fn in_folder(&self, path: &Path) -> Option<&Path> {
        self.folders.iter().filter(|f| path.starts_with(f)).max_by_key(|f| f.as_os_str().len()).map(PathBuf::as_path)
    }

    pub fn is_open(&self, key: &str) -> bool {
        self.docs.get(key).is_some_and(|doc| doc.version.is_some())
    }

    /// Splits the documents into workspaces, as `strata check FOLDER…` on every folder at
    /// once would: the folders are one workspace (one namespace), rooted at the first
    /// folder and configured by its `strata.toml` (its own or its nearest ancestor's),
    /// with each file named by its path below the folders' common ancestor; a directory
    /// below a folder with its own `strata.toml` is a workspace of its own, and a
    /// document outside every folder is checked alone.
    pub fn plan(&self) -> Vec<Plan> {
        let mut nested: Vec<PathBuf> = Vec::new();
        for doc in self.docs.values() {
            if doc.kind != DocKind::Config {
                continue;
            }
            let Some(dir) = doc.path.as_deref().and_then(Path::parent) else { continue };
            let below = self.folders.iter().any(|f| dir.starts_with(f) && dir != f.as_path());
            if below && self.folders.first().is_none_or(|first| dir != first.as_path()) {
                nested.push(dir.to_path_buf());
            }
        }
        nested.sort();
        nested.dedup();
        let base = common_ancestor(&self.folders);
        let mut main = self.folders.first().map(|first| Plan::new(Some(first.clone())));
        let mut plans: BTreeMap<PathBuf, Plan> = BTreeMap::new();
        let mut alone: Vec<Plan> = Vec::new();
        for (key, doc) in &self.docs {
            if doc.kind != DocKind::Strata {
                continue;
            }
            let path = doc.path.as_deref();
            let root =
                path.and_then(|p| nested.iter().filter(|r| p.starts_with(r)).max_by_key(|r| r.as_os_str().len()));
            match (root, path, &mut main) {
                (Some(root), Some(path), _) => {
                    let plan = plans.entry(root.clone()).or_insert_with(|| Plan::new(Some(root.clone())));
                    plan.files.push((relative(path, root), key.clone()));
                }
                (None, Some(path), Some(main)) if self.folders.iter().any(|f| path.starts_with(f)) => {
                    main.files.push((relative(path, &base), key.clone()));
                }
                (_, path, _) => {
                    let root = path.and_then(Path::parent).map(Path::to_path_buf);
                    let mut plan = Plan::new(root);
                    let name = path.and_then(Path::file_name).map(|n| crate::source::shown_name(n.as_encoded_bytes()));
                    plan.files.push((name.unwrap_or_else(|| key.clone()), key.clone()));
                    alone.push(plan);
                }
            }
        }
        for root in &nested {
            let config = self.config_for(root);
            if config.is_some() {
                plans.entry(root.clone()).or_insert_with(|| Plan::new(Some(root.clone()))).config = config;
            }
        }
        if let Some(main) = &mut main {
            main.config = main.root.as_deref().and_then(|root| self.config_for(root));
        }
        // The CSV files of each workspace, which its measures' `data` may name, named as
        // its `.strata` files are (a document checked alone reads none).
        for (key, doc) in &self.docs {
            if doc.kind != DocKind::Data {
                continue;
            }
            let Some(path) = doc.path.as_deref() else { continue };
            let root = nested.iter().filter(|r| path.starts_with(r)).max_by_key(|r| r.as_os_str().len());
            match (root, &mut main) {
                (Some(root), _) => {
                    if let Some(plan) = plans.get_mut(root) {
                        plan.data.push((relative(path, root), key.clone()));
                    }
                }
                (None, Some(main)) if self.folders.iter().any(|f| path.starts_with(f)) => {
                    main.data.push((relative(path, &base), key.clone()));
                }
                _ => {}
            }
        }
        for plan in &mut alone {
            plan.config = plan.root.as_deref().and_then(|dir| {
                dir.ancestors().map(|d| path_key(&d.join(CONFIG_FILE))).find(|k| self.docs.contains_key(k))
            });
        }
        let mut plans: Vec<Plan> = main.into_iter().chain(plans.into_values()).chain(alone).collect();
        for plan in &mut plans {
            plan.files.sort();
            plan.data.sort();
        }
        plans
    }

    /// `plan`, made again only when the documents or folders changed since the last,
    /// with each plan's `UnitInput::csv`.
    fn plan_cached(&self) -> (Arc<Vec<Plan>>, Vec<Arc<[String]>>) {
        let mut planned = self.planned.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(p) = planned.as_ref().filter(|p| {
            p.layout == self.layout && p.folders == self.folders && p.ancestor_configs == self.ancestor_configs
        }) {
            return (p.plans.clone(), p.csv.clone());
        }
        let plans = self.plan();
        // The names a `data` path can spell: UTF-8, no control character, no backslash
        // (which a `data` path refuses).
        let csv: Vec<Arc<[String]>> = plans
            .iter()
            .map(|plan| {
                plan.data
                    .iter()
                    .filter(|(rel, key)| {
                        let utf8 =
                            self.docs.get(key).and_then(|d| d.path.as_deref()).is_none_or(|p| p.to_str().is_some());
                        utf8 && !rel.contains(|c: char| c.is_control() || c == '\\')
                    })
                    .map(|(rel, _)| rel.clone())
                    .collect()
            })
            .collect();
        let plans = Arc::new(plans);
        *planned = Some(Planned {
            layout: self.layout,
            folders: self.folders.clone(),
            ancestor_configs: self.ancestor_configs.clone(),
            plans: plans.clone(),
            csv: csv.clone(),
        });
        (plans, csv)
    }

    fn config_for(&self, root: &Path) -> Option<String> {
        let own = path_key(&root.join(CONFIG_FILE));
        if self.docs.contains_key(&own) {
            return Some(own);
        }
        let above = path_key(self.ancestor_configs.get(root)?);
        self.docs.contains_key(&above).then_some(above)
    }

    /// What the background analysis needs: a copy of every document, planned.
    pub fn input(&self) -> Input {
        self.input_after(None)
    }

    /// `input`, where a data file that `last` (the last snapshot) holds with the same text
    /// under the same name is not copied but shared (`FileInput::kept`): on a workspace
    /// of 10,000 CSV files, copying them all took longer than re-checking the one edited.
    pub fn input_after(&self, last: Option<&Snapshot>) -> Input {
        let (plans, csv) = self.plan_cached();
        let units = plans
            .iter()
            .zip(csv)
            .map(|(plan, csv)| {
                let file = |(rel, key): &(String, String)| {
                    let doc = self.docs.get(key)?;
                    let mut source = doc.source.clone();
                    source.path = rel.clone();
                    Some(FileInput {
                        key: key.clone(),
                        uri: doc.uri.clone(),
                        version: doc.version,
                        edits: doc.edits,
                        source,
                        kept: None,
                    })
                };
                let data_file = |(rel, key): &(String, String)| {
                    let doc = self.docs.get(key)?;
                    let kept = last.and_then(|last| last.data_file(key, doc.edits)).filter(|d| d.path == *rel);
                    let Some(kept) = kept else { return file(&(rel.clone(), key.clone())) };
                    Some(FileInput {
                        key: key.clone(),
                        uri: doc.uri.clone(),
                        version: doc.version,
                        edits: doc.edits,
                        source: SourceFile::new(rel.clone(), String::new()),
                        kept: Some(kept),
                    })
                };
                let config = plan.config.as_ref().and_then(|key| file(&(CONFIG_FILE.to_owned(), key.clone())));
                let data = plan.data.iter().filter_map(data_file).collect();
                let root = plan.root.clone();
                UnitInput { root, files: plan.files.iter().filter_map(file).collect(), config, data, csv }
            })
            .collect();
        Input { generation: self.generation, encoding: self.encoding, layout: self.layout, units }
    }

    /// What changed since `last` (the last snapshot), when that is only the texts of data
    /// files its workspaces read, or the versions of any files: then the next snapshot is `last` with
    /// those files read again (`analyze_data`), and nothing is done per document. On
    /// 10,000 CSV files, handing every document to the analysis and indexing them again
    /// took several times as long as re-checking the one edited. `None` when anything
    /// else changed: a `.strata` file, `strata.toml`, which documents there are, the
    /// folders. Forgets what was touched: call it before each analysis.
    pub fn data_edit(&mut self, last: Option<&Snapshot>) -> Option<DataEdit> {
        let mut touched = std::mem::take(&mut self.touched);
        let last = last.filter(|l| !l.failed && l.layout == self.layout && l.encoding == self.encoding)?;
        touched.sort();
        touched.dedup();
        let mut changes = Vec::new();
        for key in &touched {
            let doc = self.docs.get(key)?;
            let Some(&(u, id)) = last.index.get(key) else {
                // A CSV file no measure reads: its text changes nothing.
                if doc.kind == DocKind::Data {
                    continue;
                }
                return None;
            };
            let unit = last.units.get(u)?;
            let i = id.0 as usize;
            let same_text = unit.edits.get(i) == Some(&doc.edits);
            let same_uri = unit.uris.get(i) == Some(&doc.uri);
            if same_text && same_uri && unit.versions.get(i) == Some(&doc.version) {
                continue;
            }
            // A new version of the same text (a file opened, say) changes no analysis.
            let data = i.checked_sub(unit.workspace.files.len() + 1).filter(|&d| d < unit.workspace.data.len());
            if !same_uri || (!same_text && (doc.kind != DocKind::Data || data.is_none())) {
                return None;
            }
            let source = (!same_text).then(|| doc.source.clone());
            changes.push(DataChange { unit: u, id, version: doc.version, edits: doc.edits, source });
        }
        Some(DataEdit { generation: self.generation, changes })
    }
}

/// What the analysis is to do next: re-read a few data files into the last snapshot,
/// or analyse the documents (from the last snapshot where it can).
pub enum Work {
    Data(DataEdit),
    Whole(Input),
}

impl Work {
    /// The generation of the state it was made from.
    pub fn generation(&self) -> u64 {
        match self {
            Work::Data(edit) => edit.generation,
            Work::Whole(input) => input.generation,
        }
    }
}

impl State {
    /// The work to bring `last` (the last snapshot) up to this state: `data_edit` when
    /// it applies, else `input_after`.
    pub fn work_after(&mut self, last: Option<&Snapshot>) -> Work {
        match self.data_edit(last) {
            Some(edit) => Work::Data(edit),
            None => Work::Whole(self.input_after(last)),
        }
    }
}

/// Does `work` from `last` (the snapshot it was made against), as the server's analysis
/// task does: a data edit the quick path cannot take is analysed as any other edit, from
/// `again` (the state's input as it is then).
pub fn run(work: Work, trees: &mut Trees, last: Option<&Snapshot>, again: impl FnOnce() -> Input) -> Snapshot {
    let quick = match work {
        Work::Data(edit) => last.and_then(|last| analyze_data(edit, trees, last)),
        Work::Whole(input) => return analyze(input, trees, last),
    };
    quick.unwrap_or_else(|| analyze(again(), trees, last))
}

/// Data files whose texts changed since a snapshot, and files whose versions did,
/// nothing else (`State::data_edit`).
pub struct DataEdit {
    pub generation: u64,
    changes: Vec<DataChange>,
}

struct DataChange {
    unit: usize,
    id: FileId,
    version: Option<i32>,
    edits: u64,
    /// The new text, when it changed.
    source: Option<SourceFile>,
}

/// The snapshot after `edit`, from `last`, the snapshot it was made against: each unit
/// whose data files changed shares `last`'s model, trees and untouched data files, and
/// only the measures reading the changed files are judged again (`crate::recheck_data`);
/// the other units are `last`'s. `None` when that is not the whole analysis's answer
/// (a suppression comment covers one of those lints, a file unreadable): then the
/// workspace is analysed as after any other edit.
pub fn analyze_data(edit: DataEdit, trees: &mut Trees, last: &Snapshot) -> Option<Snapshot> {
    let mut units = last.units.clone();
    for (u, unit) in units.iter_mut().enumerate() {
        let changes: Vec<&DataChange> = edit.changes.iter().filter(|c| c.unit == u).collect();
        if changes.is_empty() {
            continue;
        }
        let first = unit.workspace.files.len() + 1;
        let mut data = unit.workspace.data.clone();
        let mut changed = Vec::new();
        for change in changes {
            let i = change.id.0 as usize;
            *unit.versions.get_mut(i)? = change.version;
            *unit.edits.get_mut(i)? = change.edits;
            if let Some(source) = &change.source {
                let d = i.checked_sub(first)?;
                let mut source = source.clone();
                source.path = data.get(d)?.path.clone();
                data[d] = Arc::new(data_file(source));
                changed.push(d);
            }
        }
        if changed.is_empty() {
            continue;
        }
        let workspace = Workspace { files: unit.workspace.files.clone(), config: unit.workspace.config.clone(), data };
        // The trees, lent by the analysis task, in file order.
        let mut lent: Vec<(&String, Tree)> = Vec::with_capacity(unit.keys.len());
        for key in unit.keys.iter() {
            match trees.by_key.remove(key) {
                Some(tree) => lent.push((key, tree)),
                None => break,
            }
        }
        let complete = lent.len() == unit.keys.len();
        let asts: Vec<Ast> = lent.iter_mut().map(|(_, tree)| std::mem::take(&mut tree.ast)).collect();
        let analysis = complete.then(|| crate::recheck_data(&workspace, &asts, &unit.analysis, &changed)).flatten();
        for ((key, mut tree), ast) in lent.into_iter().zip(asts) {
            tree.ast = ast;
            trees.by_key.insert(key.clone(), tree);
        }
        unit.analysis = Arc::new(analysis?);
        unit.workspace = Arc::new(workspace);
    }
    let index = last.index.clone();
    let (generation, encoding, layout) = (edit.generation, last.encoding, last.layout);
    Some(Snapshot { generation, encoding, layout, units, index, failed: false, data_only: true })
}

/// One workspace to check: its root, its `.strata` files (relative path, key) and its
/// `strata.toml`.
#[derive(Debug, PartialEq, Eq)]
pub struct Plan {
    pub root: Option<PathBuf>,
    pub files: Vec<(String, String)>,
    pub config: Option<String>,
    /// The CSV files below the root (relative path, key).
    pub data: Vec<(String, String)>,
}

impl Plan {
    fn new(root: Option<PathBuf>) -> Plan {
        Plan { root, files: Vec::new(), config: None, data: Vec::new() }
    }
}

pub struct Input {
    pub generation: u64,
    pub encoding: ColumnUnit,
    /// `State::layout` when it was made.
    pub layout: u64,
    pub units: Vec<UnitInput>,
}

pub struct UnitInput {
    pub root: Option<PathBuf>,
    pub files: Vec<FileInput>,
    pub config: Option<FileInput>,
    /// The CSV files below the root; those the measures name become `Workspace::data`.
    pub data: Vec<FileInput>,
    /// The names below the root of the CSV files `data` holds that a `data` path can
    /// spell, sorted: what completion offers after `data:`.
    pub csv: Arc<[String]>,
}

pub struct FileInput {
    pub key: String,
    pub uri: Uri,
    pub version: Option<i32>,
    pub edits: u64,
    /// Its text (`source.path` its name below the root); empty when `kept` is given.
    pub source: SourceFile,
    /// A data file as the last snapshot held it, with this text.
    pub kept: Option<Arc<crate::DataFile>>,
}

/// Every workspace analysed, as of one generation of the state.
#[derive(Debug)]
pub struct Snapshot {
    pub generation: u64,
    pub encoding: ColumnUnit,
    /// `State::layout` of the state analysed: which documents there were.
    pub layout: u64,
    pub units: Vec<Unit>,
    /// Where each document is: its unit and its file id there (shared by the snapshots
    /// of one layout).
    index: Arc<HashMap<String, (usize, FileId)>>,
    /// Set when the analysis itself failed (a bug): requests answer with an error.
    pub failed: bool,
    /// Made from the snapshot before by re-reading data files only (`analyze_data`).
    pub data_only: bool,
}

/// What `check` learned about a workspace (its trees are in `Unit::asts`), and what the
/// next analysis can start from.
pub type Analysis = crate::Rechecked;

/// One workspace and what `check` learned about it. Cheap to clone: what is large is
/// shared.
#[derive(Clone, Debug)]
pub struct Unit {
    pub root: Option<PathBuf>,
    pub workspace: Arc<Workspace>,
    pub analysis: Arc<Analysis>,
    /// By file id: the tree of each `.strata` file, shared with the analysis task.
    pub asts: Vec<Arc<Ast>>,
    /// By file id: the `.strata` files, then `strata.toml` (its place held, when there
    /// is none, by the URI it would have), then the data files.
    pub uris: Arc<Vec<Uri>>,
    /// By file id: the document keys of the `.strata` files.
    pub keys: Arc<Vec<String>>,
    pub versions: Vec<Option<i32>>,
    /// How many times each file's text had changed: equal counts, equal text.
    pub edits: Vec<u64>,
    /// Every CSV file below the root whose name a `data` path can spell, as named
    /// below the root, sorted (`UnitInput::csv`).
    pub csv: Arc<[String]>,
}

impl Unit {
    pub fn source(&self, file: FileId) -> &SourceFile {
        self.workspace.source(file)
    }

    pub fn files(&self) -> Files<'_> {
        Files { sources: &*self.workspace, uris: &self.uris }
    }

    pub fn location(&self, loc: crate::source::Loc, encoding: ColumnUnit) -> Option<lsp::Location> {
        self.files().location(loc, encoding)
    }

    pub fn ast(&self, file: FileId) -> Option<&Ast> {
        self.asts.get(file.0 as usize).map(|ast| &**ast)
    }

    pub fn uri(&self, file: FileId) -> Option<&Uri> {
        self.uris.get(file.0 as usize)
    }
}

/// A document found in a snapshot.
pub struct FileRef<'a> {
    pub unit: &'a Unit,
    pub id: FileId,
    pub source: &'a SourceFile,
    /// `None` for `strata.toml`.
    pub ast: Option<&'a Ast>,
    pub uri: &'a Uri,
}

impl Snapshot {
    pub fn empty(generation: u64) -> Snapshot {
        Snapshot {
            generation,
            encoding: ColumnUnit::Utf16,
            layout: 0,
            units: Vec::new(),
            index: Arc::new(HashMap::new()),
            failed: false,
            data_only: false,
        }
    }

    pub fn file(&self, uri: &Uri) -> Option<FileRef<'_>> {
        let (key, _) = key(uri);
        let &(unit, id) = self.index.get(&key)?;
        let unit = self.units.get(unit)?;
        Some(FileRef { unit, id, source: unit.source(id), ast: unit.ast(id), uri: unit.uri(id)? })
    }

    /// The data file held under `key`, when its text is that of stamp `edits`.
    fn data_file(&self, key: &str, edits: u64) -> Option<Arc<crate::DataFile>> {
        let &(unit, id) = self.index.get(key)?;
        let unit = self.units.get(unit)?;
        let i = (id.0 as usize).checked_sub(unit.workspace.files.len() + 1)?;
        let data = unit.workspace.data.get(i)?;
        (unit.edits.get(id.0 as usize) == Some(&edits)).then(|| Arc::clone(data))
    }

    pub fn position(&self, file: &FileRef<'_>, pos: lsp::Position) -> usize {
        convert::offset(file.source, pos, self.encoding)
    }
}

/// A file's tree, kept by the analysis task between analyses: one copy it lends to
/// the whole-workspace analysis, one shared with requests. Its diagnostics point at
/// `FileId(0)`.
struct Tree {
    edits: u64,
    path: String,
    ast: Ast,
    shared: Arc<Ast>,
    diags: Vec<Diagnostic>,
    /// The data files its measures name (`sema::attributes::data_paths` of this file):
    /// walking every tree for them after each keystroke cost a quarter of an edit on
    /// 100 files.
    data: Vec<String>,
}

/// The trees of the last analysis, by document key. Only a file whose text changed
/// is parsed (and its tree copied) again.
#[derive(Default)]
pub struct Trees {
    by_key: HashMap<String, Tree>,
    /// Trees replaced by the last analysis, for the caller to free off the path to the
    /// diagnostics (`Trees::stale`): the tree of a file of 10,000 results is ~200,000
    /// allocations.
    stale: Vec<Tree>,
}

/// Trees no analysis needs any more (`Trees::stale`), to be dropped.
pub struct Stale(#[allow(dead_code)] Vec<Tree>);

impl Trees {
    /// The trees the last analyses replaced.
    pub fn stale(&mut self) -> Stale {
        Stale(std::mem::take(&mut self.stale))
    }
}

/// Analyses every workspace of `input` (no IO; runs on a blocking thread), reusing and
/// updating `trees`. A workspace whose files are those of `previous` (the last snapshot)
/// with a few texts changed, and the same `strata.toml`, starts from its analysis there
/// (`crate::recheck_trees`).
pub fn analyze(input: Input, trees: &mut Trees, previous: Option<&Snapshot>) -> Snapshot {
    // What the last analysis replaced and no caller took (`Trees::stale`).
    trees.stale.clear();
    let mut kept = HashMap::with_capacity(trees.by_key.len());
    let mut snapshot = Snapshot::empty(input.generation);
    snapshot.encoding = input.encoding;
    snapshot.layout = input.layout;
    let mut index_of: HashMap<String, (usize, FileId)> = HashMap::new();
    for unit in input.units {
        let index = snapshot.units.len();
        let count = unit.files.len() + 1;
        let (mut files, mut uris, mut versions, mut edits) = (
            Vec::with_capacity(count),
            Vec::with_capacity(count),
            Vec::with_capacity(count),
            Vec::with_capacity(count),
        );
        let mut owned: Vec<(String, Tree)> = Vec::with_capacity(count);
        let mut asts = Vec::with_capacity(count);
        let mut shared = Vec::with_capacity(count);
        let mut diags = Vec::new();
        for (i, file) in unit.files.into_iter().enumerate() {
            let id = FileId(i as u32);
            let reuse = match trees.by_key.remove(&file.key) {
                Some(tree) if tree.edits == file.edits && tree.path == file.source.path => Some(tree),
                old => {
                    trees.stale.extend(old);
                    None
                }
            };
            let mut tree = reuse.unwrap_or_else(|| {
                let mut own = Vec::new();
                let ast = crate::parse_file(FileId(0), &file.source, &mut own);
                let shared = Arc::new(ast.clone());
                let data =
                    crate::sema::attributes::data_paths(std::slice::from_ref(&file.source), std::slice::from_ref(&ast));
                Tree { edits: file.edits, path: file.source.path.clone(), ast, shared, diags: own, data }
            });
            asts.push(std::mem::take(&mut tree.ast));
            shared.push(tree.shared.clone());
            diags.extend(tree.diags.iter().cloned().map(|mut d| {
                d.primary.loc.file = id;
                for label in &mut d.secondary {
                    label.loc.file = id;
                }
                d
            }));
            index_of.insert(file.key.clone(), (index, id));
            owned.push((file.key, tree));
            uris.push(file.uri);
            versions.push(file.version);
            edits.push(file.edits);
            files.push(file.source);
        }
        let config = unit.config.map(|config| {
            index_of.insert(config.key, (index, FileId(files.len() as u32)));
            uris.push(config.uri);
            versions.push(config.version);
            edits.push(config.edits);
            config.source
        });
        // The data files the measures name, as `strata check` reads them (each once).
        let mut wanted: Vec<&str> = owned.iter().flat_map(|(_, tree)| tree.data.iter().map(String::as_str)).collect();
        wanted.sort_unstable();
        wanted.dedup();
        let mut data = Vec::new();
        // Without `strata.toml`, its id is held by the URI it would have (never published
        // to: nothing points there).
        let placeholder = match &config {
            Some(_) => None,
            None => unit
                .root
                .as_deref()
                .and_then(|root| file_uri(&root.join(CONFIG_FILE)))
                .or_else(|| uris.first().cloned()),
        };
        if !wanted.is_empty() && (config.is_some() || placeholder.is_some()) {
            if let Some(placeholder) = placeholder {
                uris.push(placeholder);
                versions.push(None);
                edits.push(0);
            }
            for file in unit.data.into_iter().filter(|f| wanted.binary_search(&f.source.path.as_str()).is_ok()) {
                index_of.insert(file.key, (index, FileId((files.len() + 1 + data.len()) as u32)));
                uris.push(file.uri);
                versions.push(file.version);
                edits.push(file.edits);
                data.push(file.kept.unwrap_or_else(|| Arc::new(data_file(file.source))));
            }
        }
        let workspace = Workspace { files, config, data };
        let before = previous.and_then(|p| p.units.iter().find(|u| u.root == unit.root));
        // Only data files edited: their measures' charts and data lints are redone.
        let data_only = before.and_then(|before| {
            let changed = changed_data(before, &workspace, &uris, &edits)?;
            crate::recheck_data(&workspace, &asts, &before.analysis, &changed)
        });
        let analysis = data_only.unwrap_or_else(|| {
            let changed = before.and_then(|before| changed_files(before, &workspace, &uris, &edits));
            let start = before.zip(changed.as_deref()).map(|(before, changed)| {
                let analysis = &before.analysis;
                (&*analysis.model, &analysis.kept, changed)
            });
            crate::recheck_trees(&workspace, &asts, diags, start)
        });
        let mut keys = Vec::with_capacity(owned.len());
        for ((key, mut tree), ast) in owned.into_iter().zip(asts) {
            tree.ast = ast;
            keys.push(key.clone());
            kept.insert(key, tree);
        }
        snapshot.units.push(Unit {
            root: unit.root,
            workspace: Arc::new(workspace),
            analysis: Arc::new(analysis),
            asts: shared,
            uris: Arc::new(uris),
            keys: Arc::new(keys),
            versions,
            edits,
            csv: unit.csv,
        });
    }
    // Trees of documents gone since are dropped with the old map.
    trees.by_key = kept;
    snapshot.index = Arc::new(index_of);
    snapshot
}

/// A CSV document as the data file `strata check` would read. The server holds
/// documents as text: a file that is not UTF-8 was read with U+FFFD for each bad
/// sequence, which is given back to the data stage as the byte 0xFF, so that the file
/// is `invalid-data` at its first bad byte as for `strata check` (a later bad sequence
/// of several bytes is a column off).
fn data_file(source: SourceFile) -> crate::DataFile {
    let path = source.path.clone();
    let bytes = if source.invalid_utf8_at.is_some() {
        let mut bytes = Vec::with_capacity(source.text.len());
        for c in source.text.chars() {
            match c {
                '\u{FFFD}' => bytes.push(0xFF),
                c => bytes.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
            }
        }
        bytes
    } else {
        source.text.into_bytes()
    };
    crate::DataFile::new(path.clone(), path, bytes)
}

/// The data files (indexes into `workspace.data`) whose text changed since `before`, when
/// nothing else did: the same files (and data files) under the same names, with the
/// same texts, and the same `strata.toml`.
fn changed_data(before: &Unit, workspace: &Workspace, uris: &[Uri], edits: &[u64]) -> Option<Vec<usize>> {
    let same_files = *before.uris == uris
        && before.workspace.config.is_some() == workspace.config.is_some()
        && before.workspace.files.len() == workspace.files.len()
        && before.workspace.data.len() == workspace.data.len()
        && before.workspace.files.iter().zip(&workspace.files).all(|(a, b)| a.path == b.path)
        && before.workspace.data.iter().zip(&workspace.data).all(|(a, b)| a.path == b.path);
    let first = workspace.files.len() + 1;
    if !same_files || before.edits.get(..first) != edits.get(..first) {
        return None;
    }
    let changed: Vec<usize> =
        (0..workspace.data.len()).filter(|&i| before.edits.get(first + i) != edits.get(first + i)).collect();
    (!changed.is_empty()).then_some(changed)
}

/// The `.strata` files whose text changed since `before`, when the workspace is otherwise
/// the same (the same files in the same order, the same `strata.toml`) and one file, or
/// at most a quarter of them, changed: past that, analysing it all is as quick.
fn changed_files(before: &Unit, workspace: &Workspace, uris: &[Uri], edits: &[u64]) -> Option<Vec<FileId>> {
    let same_files = *before.uris == uris
        && before.workspace.config.is_some() == workspace.config.is_some()
        && before.workspace.files.iter().zip(&workspace.files).all(|(a, b)| a.path == b.path);
    let strata = workspace.files.len();
    if !same_files || before.edits.get(strata..) != edits.get(strata..) {
        return None;
    }
    let changed: Vec<FileId> =
        (0..strata).filter(|&i| before.edits.get(i) != edits.get(i)).map(|i| FileId(i as u32)).collect();
    // An edited file holding most of the workspace is read again whole either way; the
    // whole analysis then saves copying the model (and runs its passes on every core).
    let size = |files: &mut dyn Iterator<Item = usize>| files.map(|i| workspace.files[i].text.len()).sum::<usize>();
    let most = 2 * size(&mut changed.iter().map(|f| f.0 as usize)) > size(&mut (0..strata));
    (changed.len() <= (strata / 4).max(1) && !most).then_some(changed)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a snapshot's first workspace holds, to compare: its model and diagnostics.
    fn answer(snapshot: &Snapshot) -> (String, Vec<Diagnostic>) {
        let analysis = &snapshot.units[0].analysis;
        (analysis.model.shown(), analysis.diagnostics.clone())
    }

    /// An edit that leaves the declarations as they were is analysed from the last
    /// snapshot, with the answer a fresh analysis gives; any other change of the
    /// workspace is analysed whole.
    #[test]
    fn an_edit_starts_from_the_last_snapshot_with_the_same_answer() {
        let root = PathBuf::from("/strata-state-test");
        let mut state = State { folders: vec![root.clone()], ..State::default() };
        for file in crate::synth::workspace(600, 50, 3) {
            // A wording lint in a file that is not edited.
            let text = file.text.replacen("result r60 \"", "result r60 \"In 2027 ", 1);
            state.load(&root.join(&file.path), SourceFile::new(file.path.clone(), text));
        }
        let mut trees = Trees::default();
        let mut last = analyze(state.input(), &mut trees, None);
        assert!(!last.units[0].analysis.incremental);
        let path = root.join("results/00003.strata");
        let uri = Uri::from_file_path(&path).expect("a file URI");
        let mut text = state.docs[&path_key(&path)].source.text.clone();
        state.open(uri.clone(), text.clone(), 1);
        type Edit = fn(&str) -> String;
        let steps: [(&str, Edit, bool); 6] = [
            ("a statement", |t| t.replacen("result r150 \"", "result r150 \"Newly ", 1), true),
            ("a wording lint", |t| t.replacen("result r151 \"", "result r151 \"By 2030 ", 1), true),
            ("a layer misspelt", |t| t.replacen("layer: ", "layer: x", 1), true),
            ("a link to nowhere", |t| format!("{t}r151 -> nowhere\n"), true),
            ("a result renamed", |t| t.replacen("result r150 ", "result r150x ", 1), true),
            ("a result added", |t| format!("{t}result s_fresh \"Fresh\"\n"), true),
        ];
        for (version, (what, edit, incremental)) in (2..).zip(steps) {
            text = edit(&text);
            let change = lsp::TextDocumentContentChangeEvent { range: None, range_length: None, text: text.clone() };
            state.change(&uri, version, vec![change]).expect("an open document");
            let next = analyze(state.input(), &mut trees, Some(&last));
            let whole = analyze(state.input(), &mut Trees::default(), None);
            assert_eq!(next.units[0].analysis.incremental, incremental, "{what}");
            let (model, diagnostics) = answer(&next);
            let (whole_model, whole_diagnostics) = answer(&whole);
            assert_eq!(diagnostics, whole_diagnostics, "{what}");
            assert!(diagnostics.iter().any(|d| d.message.contains("`r60` contains the number")), "{what}");
            assert!(diagnostics.len() > 1 || version == 2, "{what}: nothing shown");
            assert!(model == whole_model, "{what}: the models differ");
            last = next;
        }
        // A configuration appears: the workspace is analysed whole.
        state.load(&root.join(CONFIG_FILE), SourceFile::new(CONFIG_FILE, "[lints]\n"));
        let next = analyze(state.input(), &mut trees, Some(&last));
        assert!(!next.units[0].analysis.incremental);
        // Nothing changed since: nothing is read again.
        let again = analyze(state.input(), &mut trees, Some(&next));
        assert!(again.units[0].analysis.incremental);
        assert_eq!(answer(&again), answer(&next));
    }
}
