//! The language server (`strata lsp`): LSP 3.17 over stdio, on tower-lsp-server and
//! tokio. The only code that knows LSP types.
//!
//! Handlers run concurrently. Notifications that change documents apply their edits to
//! `State` synchronously, before any `.await`, and wake the analysis task; that task
//! analyses the newest state on a blocking thread, publishes the diagnostics (unless
//! the state moved on meanwhile: stale results are dropped) and shares the result as
//! a `Snapshot`. A request first waits for the snapshot of the state it arrived in, so
//! that it never answers about text older than the client's. A panic in a handler is
//! caught and answered as an internal error: the server keeps serving.

mod actions;
mod completion;
pub mod convert;
mod data;
mod docs;
mod format;
mod graph;
mod hover;
pub mod lookup;
mod navigation;
pub mod state;
mod symbols;
mod tokens;
mod transport;

use std::collections::{BTreeMap, HashSet};
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::{Notify, watch};
use tower_lsp_server::jsonrpc::{Error, Request, Result};
use tower_lsp_server::ls_types::{self as lsp, Uri};
use tower_lsp_server::{Client, ClientSocket, LanguageServer, LspService, Server};

use state::{Snapshot, State};

/// How long a request waits for the analysis of the text it was made against.
const WAIT: Duration = Duration::from_secs(30);

/// What the handlers share with the analysis task.
struct Shared {
    state: Mutex<State>,
    snapshot: watch::Sender<Arc<Snapshot>>,
    wake: Notify,
    /// Set by `shutdown`: the process then exits with status 0.
    shutdown: AtomicBool,
    /// Set once `initialize` has been answered.
    initialized: AtomicBool,
    watch_registration: AtomicBool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Applies a change to the state and wakes the analysis. A panic in the change (a
    /// bug) is caught: the notification is dropped and the server goes on.
    fn update<T>(&self, change: impl FnOnce(&mut State) -> T) -> Option<T> {
        let out = std::panic::catch_unwind(AssertUnwindSafe(|| change(&mut self.lock()))).ok();
        self.wake.notify_one();
        out
    }
}

/// The server: one per connection.
pub struct Backend {
    client: Client,
    shared: Arc<Shared>,
}

/// The service and the socket for messages to the client. Tests drive the service
/// in-process; `run_stdio` serves it over stdin and stdout.
pub fn service() -> (LspService<Backend>, ClientSocket) {
    LspService::build(|client| {
        let (snapshot, _) = watch::channel(Arc::new(Snapshot::empty(0)));
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            snapshot,
            wake: Notify::new(),
            shutdown: AtomicBool::new(false),
            initialized: AtomicBool::new(false),
            watch_registration: AtomicBool::new(false),
        });
        Backend { client, shared }
    })
    .custom_method("strata/graph", Backend::graph)
    .finish()
}

/// Serves the language server on stdin and stdout until the client says `exit` or
/// closes the stream. Returns whether `shutdown` came first (a clean exit).
pub async fn run_stdio() -> bool {
    let (service, socket) = service();
    let shared = service.inner().shared.clone();
    let service = Stdio { inner: service, shared: shared.clone() };
    let (server_in, filtered) = tokio::io::duplex(1 << 16);
    let (server_out, merged) = tokio::io::duplex(1 << 16);
    let (errors, error_rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(transport::filter(tokio::io::stdin(), filtered, errors));
    let output = tokio::spawn(transport::merge(merged, tokio::io::stdout(), error_rx));
    Server::new(server_in, server_out, socket).serve(service).await;
    let _ = output.await;
    shared.shutdown.load(Ordering::SeqCst)
}

/// The service as served over stdio, with what tower-lsp-server leaves out: it notes
/// a `shutdown` request as it arrives (`exit` cancels the requests still pending, so
/// the handler itself may never run when a client sends both at once), and it answers
/// an unknown `$/` request with `-32601`, as LSP asks (tower-lsp-server drops the
/// answer, as it would for a notification, and the client waits forever).
struct Stdio {
    inner: LspService<Backend>,
    shared: Arc<Shared>,
}

impl tower_service::Service<Request> for Stdio {
    type Response = <LspService<Backend> as tower_service::Service<Request>>::Response;
    type Error = <LspService<Backend> as tower_service::Service<Request>>::Error;
    type Future = <LspService<Backend> as tower_service::Service<Request>>::Future;

    fn poll_ready(&mut self, cx: &mut std::task::Context<'_>) -> std::task::Poll<std::result::Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        if request.method() == "shutdown" && request.id().is_some() && self.shared.initialized.load(Ordering::SeqCst) {
            self.shared.shutdown.store(true, Ordering::SeqCst);
        }
        let dollar = request.method().starts_with("$/").then(|| request.method().to_owned()).zip(request.id().cloned());
        let answer = self.inner.call(request);
        let Some((method, id)) = dollar else { return answer };
        Box::pin(async move {
            let response = answer.await?;
            Ok(response.or_else(|| {
                let mut error = Error::method_not_found();
                error.data = Some(Value::String(method));
                Some(tower_lsp_server::jsonrpc::Response::from_error(id, error))
            }))
        })
    }
}

/// Runs `f`, turning a panic (a bug) into an internal error instead of a crash.
fn guard<T>(f: impl FnOnce() -> T) -> Result<T> {
    std::panic::catch_unwind(AssertUnwindSafe(f)).map_err(|_| bug())
}

/// The answer to a request whose handler panicked (a bug).
fn bug() -> Error {
    let mut error = Error::internal_error();
    error.message = "internal error in the Strata language server (a bug: please report it)".into();
    error
}

fn folder_paths(params: &lsp::InitializeParams) -> Vec<PathBuf> {
    let mut uris: Vec<&Uri> = params.workspace_folders.iter().flatten().map(|f| &f.uri).collect();
    #[allow(deprecated)] // Older clients send only `rootUri`.
    if uris.is_empty()
        && let Some(root) = &params.root_uri
    {
        uris.push(root);
    }
    // In the client's order: the first folder's `strata.toml` configures the workspace,
    // as the first path given does for `strata check`.
    let mut paths: Vec<PathBuf> = Vec::new();
    for path in uris.into_iter().filter_map(|uri| state::key(uri).1) {
        if !paths.contains(&path) {
            paths.push(path);
        }
    }
    paths
}

/// What reading the workspace folders found.
#[derive(Default)]
struct Read {
    files: Vec<(PathBuf, crate::source::SourceFile)>,
    /// A `strata.toml` above a folder, by folder.
    above: BTreeMap<PathBuf, PathBuf>,
    problems: Vec<String>,
}

/// Reads every `.strata` file and `strata.toml` under the folders (blocking IO).
fn read_folders(folders: &[PathBuf]) -> Read {
    let mut read = Read::default();
    for folder in folders {
        let mut paths = state::scan(folder);
        if !folder.join(crate::workspace::CONFIG_FILE).is_file()
            && let Some(config) = state::ancestor_config(folder)
        {
            read.above.insert(folder.clone(), config.clone());
            paths.push(config);
        }
        for path in paths {
            match state::read(&path) {
                Ok(source) => read.files.push((path, source)),
                Err(message) => {
                    read.problems.push(format!("cannot read `{}`: {message}", crate::workspace::display(&path)))
                }
            }
        }
    }
    read
}

fn capabilities(encoding: crate::source::ColumnUnit) -> lsp::ServerCapabilities {
    let sync = lsp::TextDocumentSyncOptions {
        open_close: Some(true),
        change: Some(lsp::TextDocumentSyncKind::INCREMENTAL),
        ..Default::default()
    };
    lsp::ServerCapabilities {
        position_encoding: Some(convert::encoding_kind(encoding)),
        text_document_sync: Some(lsp::TextDocumentSyncCapability::Options(sync)),
        hover_provider: Some(lsp::HoverProviderCapability::Simple(true)),
        completion_provider: Some(lsp::CompletionOptions {
            trigger_characters: Some([":", ">", " ", "[", ","].map(str::to_owned).to_vec()),
            ..Default::default()
        }),
        definition_provider: Some(lsp::OneOf::Left(true)),
        references_provider: Some(lsp::OneOf::Left(true)),
        document_highlight_provider: Some(lsp::OneOf::Left(true)),
        document_symbol_provider: Some(lsp::OneOf::Left(true)),
        workspace_symbol_provider: Some(lsp::OneOf::Left(true)),
        code_action_provider: Some(lsp::CodeActionProviderCapability::Options(lsp::CodeActionOptions {
            code_action_kinds: Some(vec![lsp::CodeActionKind::QUICKFIX]),
            ..Default::default()
        })),
        code_lens_provider: Some(lsp::CodeLensOptions { resolve_provider: Some(false) }),
        document_formatting_provider: Some(lsp::OneOf::Left(true)),
        rename_provider: Some(lsp::OneOf::Right(lsp::RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: Default::default(),
        })),
        folding_range_provider: Some(lsp::FoldingRangeProviderCapability::Simple(true)),
        call_hierarchy_provider: Some(lsp::CallHierarchyServerCapability::Simple(true)),
        semantic_tokens_provider: Some(lsp::SemanticTokensServerCapabilities::SemanticTokensOptions(
            lsp::SemanticTokensOptions {
                legend: tokens::legend(),
                full: Some(lsp::SemanticTokensFullOptions::Bool(true)),
                range: None,
                ..Default::default()
            },
        )),
        workspace: Some(lsp::WorkspaceServerCapabilities {
            workspace_folders: Some(lsp::WorkspaceFoldersServerCapabilities {
                supported: Some(true),
                change_notifications: Some(lsp::OneOf::Left(true)),
            }),
            file_operations: None,
        }),
        experimental: Some(serde_json::json!({ "strataGraphProvider": true })),
        ..Default::default()
    }
}

impl Backend {
    /// The snapshot of the state as it is now, once analysed.
    async fn snapshot(&self) -> Result<Arc<Snapshot>> {
        let want = self.shared.lock().generation;
        let mut rx = self.shared.snapshot.subscribe();
        let fresh = match tokio::time::timeout(WAIT, rx.wait_for(|s| s.generation >= want)).await {
            Ok(Ok(snapshot)) => Some(Arc::clone(&snapshot)),
            _ => None,
        };
        let snapshot = fresh.unwrap_or_else(|| rx.borrow().clone());
        if snapshot.failed {
            let mut error = Error::internal_error();
            error.message = "the analysis of the workspace failed (a bug: please report it)".into();
            return Err(error);
        }
        Ok(snapshot)
    }

    /// Answers a request from the current snapshot.
    async fn answer<T>(&self, f: impl FnOnce(&Snapshot) -> T) -> Result<T> {
        let snapshot = self.snapshot().await?;
        guard(|| f(&snapshot))
    }

    /// `answer` on a blocking thread, for a request whose work grows with the document
    /// (formatting a file of 10,000 results): the server keeps reading and answering
    /// other messages meanwhile.
    async fn answer_blocking<T: Send + 'static>(&self, f: impl FnOnce(&Snapshot) -> T + Send + 'static) -> Result<T> {
        let snapshot = self.snapshot().await?;
        tokio::task::spawn_blocking(move || guard(|| f(&snapshot))).await.unwrap_or_else(|_| Err(bug()))
    }

    async fn log(&self, kind: lsp::MessageType, message: String) {
        self.client.log_message(kind, message).await;
    }

    /// Reads the folders' files from disk into the state.
    async fn load_folders(&self, folders: Vec<PathBuf>) {
        let read = tokio::task::spawn_blocking(move || read_folders(&folders)).await;
        let Ok(Read { files, above, problems }) = read else {
            self.log(lsp::MessageType::ERROR, "internal error while reading the workspace".to_owned()).await;
            return;
        };
        self.shared.update(|state| {
            state.ancestor_configs.extend(above);
            // The plan depends on the folders and their configurations too.
            state.layout += 1;
            for (path, source) in files {
                state.load(&path, source);
            }
        });
        for problem in problems {
            self.log(lsp::MessageType::WARNING, problem).await;
        }
    }

    /// Re-reads the files of `folders` after files were created or deleted there.
    fn rescan(&self, folders: &[PathBuf]) {
        let mut found: HashSet<PathBuf> = HashSet::new();
        for folder in folders {
            found.extend(state::scan(folder));
        }
        let mut read = Vec::new();
        for path in &found {
            let known = self.shared.lock().docs.get(&state::path_key(path)).is_some_and(|d| d.member);
            if !known && let Ok(source) = state::read(path) {
                read.push((path.clone(), source));
            }
        }
        self.shared.update(|state| {
            let gone: Vec<String> = state
                .docs
                .iter()
                .filter(|(_, doc)| {
                    doc.member
                        && doc
                            .path
                            .as_ref()
                            .is_some_and(|p| folders.iter().any(|f| p.starts_with(f)) && !found.contains(p))
                        && !state.is_ancestor_config(doc)
                })
                .map(|(key, _)| key.clone())
                .collect();
            for key in gone {
                state.unload(&key);
            }
            for (path, source) in read {
                state.load(&path, source);
            }
        });
    }

    async fn graph(&self, params: Value) -> Result<Value> {
        let params: graph::GraphParams = serde_json::from_value(params)
            .map_err(|e| Error::invalid_params(format!("bad `strata/graph` parameters: {e}")))?;
        let snapshot = self.snapshot().await?;
        guard(|| graph::graph(&snapshot, &params))?
    }
}

/// The analysis task: analyses each new generation of the state, shares the snapshot
/// and publishes what changed in the diagnostics.
async fn analyse(shared: Arc<Shared>, client: Client) {
    let mut sent: BTreeMap<Uri, Sent> = BTreeMap::new();
    let mut trees = state::Trees::default();
    // The last snapshot analysed, which the next analysis starts from.
    let mut last: Option<Arc<Snapshot>> = None;
    let mut done = 0;
    loop {
        let work = std::panic::catch_unwind(AssertUnwindSafe(|| {
            let mut state = shared.lock();
            if state.generation == done {
                return None;
            }
            Some(state.work_after(last.as_deref()))
        }))
        .unwrap_or_else(|_| {
            // A bug in planning: report a failed analysis rather than stop analysing. What
            // was touched is forgotten with the plan, so the next analysis is whole, not
            // one that starts from the last snapshot and could miss an earlier edit.
            last = None;
            let state = shared.lock();
            done = state.generation;
            let mut snapshot = Snapshot::empty(state.generation);
            snapshot.failed = true;
            free(shared.snapshot.send_replace(Arc::new(snapshot)));
            None
        });
        let Some(work) = work else {
            shared.wake.notified().await;
            continue;
        };
        let generation = work.generation();
        done = generation;
        let mut lent = std::mem::take(&mut trees);
        let previous = last.take();
        let state = shared.clone();
        let analysed = tokio::task::spawn_blocking(move || {
            let previous = previous.as_deref();
            let snapshot = state::run(work, &mut lent, previous, || state.lock().input_after(previous));
            let stale = lent.stale();
            (snapshot, lent, stale)
        })
        .await;
        let snapshot = match analysed {
            Ok((snapshot, kept, stale)) => {
                free(stale);
                trees = kept;
                done = done.max(snapshot.generation);
                let snapshot = Arc::new(snapshot);
                last = Some(snapshot.clone());
                snapshot
            }
            Err(_) => {
                let message = "internal error: the analysis failed (a bug: please report it)";
                client.log_message(lsp::MessageType::ERROR, message).await;
                let mut snapshot = Snapshot::empty(generation);
                snapshot.failed = true;
                Arc::new(snapshot)
            }
        };
        free(shared.snapshot.send_replace(snapshot.clone()));
        let current = shared.lock().generation == snapshot.generation;
        if current && !snapshot.failed {
            publish(&client, &snapshot, &mut sent).await;
        }
    }
}

/// What was last published for a file that has diagnostics (a file with none has no
/// entry), and what it was made from.
struct Sent {
    /// The last snapshot published (every entry is moved on to it, so no older one is
    /// kept alive), and the file's unit there.
    snapshot: Arc<Snapshot>,
    unit: usize,
    /// Indexes into the unit's diagnostics.
    diagnostics: Vec<usize>,
    /// The files those diagnostics point into (ids in the unit), with their edit counts.
    stamps: Vec<(u32, u64)>,
    published: Vec<lsp::Diagnostic>,
    /// The generation of the snapshot that last had diagnostics in the file.
    seen: u64,
}

impl Sent {
    fn unit(&self) -> &state::Unit {
        &self.snapshot.units[self.unit]
    }

    fn core(&self) -> impl Iterator<Item = &crate::diagnostics::Diagnostic> {
        let all = &self.unit().analysis.diagnostics;
        self.diagnostics.iter().map(move |&i| &all[i])
    }
}

/// A list to publish: where the file is ((unit, file id); `None` for a file gone), its
/// URI and version, and the list.
type Publication = (Option<(usize, u32)>, Uri, Option<i32>, Vec<lsp::Diagnostic>);

/// Publishes the diagnostics of every file whose list changed, and clears the files
/// that have none left (or are gone). Only the files with diagnostics, now or last
/// time, are visited: on a workspace of 10,000 files with a handful of diagnostics, a
/// handful; and a file whose diagnostics and texts are as they were last time is not
/// even converted again.
async fn publish(client: &Client, snapshot: &Arc<Snapshot>, sent: &mut BTreeMap<Uri, Sent>) {
    let round = snapshot.generation;
    let mut changed: Vec<Publication> = Vec::new();
    // Entries replaced, each holding a snapshot that may be the last one of its
    // generation: freed once the lists are out, not on the way to them (dropping the
    // trees of a 4 MB file took milliseconds of each keystroke).
    let mut retired: Vec<Arc<Snapshot>> = Vec::new();
    for (u, unit) in snapshot.units.iter().enumerate() {
        let all = &unit.analysis.diagnostics;
        let mut by_file: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
        for (i, diag) in all.iter().enumerate() {
            by_file.entry(diag.loc().file.0).or_default().push(i);
        }
        let files = unit.files();
        for (f, indexes) in by_file {
            let Some(uri) = unit.uris.get(f as usize) else { continue };
            let stamp = |file: crate::source::FileId| {
                let i = file.0 as usize;
                unit.uris.get(i).map(|_| (file.0, unit.edits.get(i).copied().unwrap_or(0)))
            };
            let mut stamps: Vec<(u32, u64)> = std::iter::once(crate::source::FileId(f))
                .chain(indexes.iter().flat_map(|&i| all[i].secondary.iter().map(|l| l.loc.file)))
                .filter_map(stamp)
                .collect();
            stamps.sort();
            stamps.dedup();
            let core = || indexes.iter().map(|&i| &all[i]);
            // The same files (by id, under the same URIs) with the same texts, and the same list.
            let same = sent.get(uri).is_some_and(|b| {
                let old = &b.unit().uris;
                b.stamps == stamps
                    && (Arc::ptr_eq(old, &unit.uris)
                        || stamps.iter().all(|&(i, _)| old.get(i as usize) == unit.uris.get(i as usize)))
                    && b.core().eq(core())
            });
            if same {
                if let Some(entry) = sent.get_mut(uri) {
                    let old = std::mem::replace(&mut entry.snapshot, snapshot.clone());
                    (entry.unit, entry.diagnostics, entry.seen) = (u, indexes, round);
                    retired.push(old);
                }
                continue;
            }
            let list: Vec<lsp::Diagnostic> =
                core().map(|diag| convert::diagnostic(&files, diag, snapshot.encoding)).collect();
            if sent.get(uri).is_none_or(|b| b.published != list) {
                changed.push((
                    Some((u, f)),
                    uri.clone(),
                    unit.versions.get(f as usize).copied().flatten(),
                    list.clone(),
                ));
            }
            let entry = Sent {
                snapshot: snapshot.clone(),
                unit: u,
                diagnostics: indexes,
                stamps,
                published: list,
                seen: round,
            };
            retired.extend(sent.insert(uri.clone(), entry).map(|old| old.snapshot));
        }
    }
    // Files with no diagnostics left, or gone from every workspace: clear what they showed.
    let cleared: Vec<Uri> = sent.iter().filter(|(_, entry)| entry.seen != round).map(|(uri, _)| uri.clone()).collect();
    for uri in cleared {
        let stale = sent.remove(&uri);
        let at = snapshot.file(&uri).filter(|file| file.uri == &uri).map(|file| {
            let u = snapshot.units.iter().position(|unit| std::ptr::eq(unit, file.unit)).unwrap_or(usize::MAX);
            ((u, file.id.0), file.unit.versions.get(file.id.0 as usize).copied().flatten())
        });
        if stale.as_ref().is_some_and(|entry| !entry.published.is_empty()) {
            changed.push((at.map(|(at, _)| at), uri, at.and_then(|(_, version)| version), Vec::new()));
        }
        retired.extend(stale.map(|old| old.snapshot));
    }
    // In the order of the files in the workspaces, then the files gone, by URI.
    changed.sort_by(|a, b| (a.0.is_none(), a.0, &a.1).cmp(&(b.0.is_none(), b.0, &b.1)));
    for (_, uri, version, list) in changed {
        client.publish_diagnostics(uri, list, version).await;
    }
    free(retired);
}

/// Drops a large value (an old snapshot: millions of allocations on a big workspace)
/// off the path from an edit to its diagnostics: on one thread that runs when the cores
/// are otherwise idle (Linux's `SCHED_IDLE`), so that freeing the last keystroke's trees
/// does not take a core from parsing the next (on two cores, it had one of them for
/// several milliseconds of each keystroke on a 4 MB file). Where that thread cannot be
/// had, on a blocking thread of the runtime at the usual priority.
fn free<T: Send + 'static>(value: T) {
    type Garbage = Box<dyn Send>;
    static FREER: std::sync::OnceLock<Option<std::sync::mpsc::Sender<Garbage>>> = std::sync::OnceLock::new();
    let freer = FREER.get_or_init(|| {
        let (send, receive) = std::sync::mpsc::channel::<Garbage>();
        let started = std::thread::Builder::new().name("strata-free".into()).spawn(move || {
            #[cfg(target_os = "linux")]
            {
                use thread_priority::{NormalThreadSchedulePolicy, ThreadPriority, ThreadSchedulePolicy};
                let idle = ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Idle);
                // Refused (a sandbox forbidding it): the usual priority, still off the path.
                let _ = thread_priority::set_thread_priority_and_policy(
                    thread_priority::thread_native_id(),
                    ThreadPriority::Min,
                    idle,
                );
            }
            receive.iter().for_each(drop);
        });
        started.ok().map(|_| send)
    });
    let value: Garbage = Box::new(value);
    let unsent = match freer {
        Some(freer) => freer.send(value).err().map(|unsent| unsent.0),
        None => Some(value),
    };
    if let Some(value) = unsent {
        tokio::task::spawn_blocking(move || drop(value));
    }
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: lsp::InitializeParams) -> Result<lsp::InitializeResult> {
        let offered = params.capabilities.general.as_ref().and_then(|g| g.position_encodings.as_deref());
        let encoding = convert::negotiate(offered);
        let dynamic = params
            .capabilities
            .workspace
            .as_ref()
            .and_then(|w| w.did_change_watched_files.as_ref())
            .and_then(|d| d.dynamic_registration)
            .unwrap_or(false);
        self.shared.watch_registration.store(dynamic, Ordering::SeqCst);
        let folders = folder_paths(&params);
        self.shared.update(|state| {
            state.encoding = encoding;
            state.folders = folders.clone();
            state.layout += 1;
        });
        self.load_folders(folders).await;
        tokio::spawn(analyse(self.shared.clone(), self.client.clone()));
        self.shared.initialized.store(true, Ordering::SeqCst);
        Ok(lsp::InitializeResult {
            capabilities: capabilities(encoding),
            server_info: Some(lsp::ServerInfo {
                name: "strata".to_owned(),
                version: Some(env!("CARGO_PKG_VERSION").to_owned()),
            }),
            offset_encoding: None,
        })
    }

    async fn initialized(&self, _: lsp::InitializedParams) {
        if !self.shared.watch_registration.load(Ordering::SeqCst) {
            return;
        }
        // Never await a request to the client in a handler: register from a task.
        let client = self.client.clone();
        tokio::spawn(async move {
            let watchers = ["**/*.strata", "**/strata.toml", "**/*.csv"]
                .map(|glob| lsp::FileSystemWatcher {
                    glob_pattern: lsp::GlobPattern::String(glob.to_owned()),
                    kind: None,
                })
                .to_vec();
            let options = lsp::DidChangeWatchedFilesRegistrationOptions { watchers };
            let registration = lsp::Registration {
                id: "strata-watched-files".to_owned(),
                method: "workspace/didChangeWatchedFiles".to_owned(),
                register_options: serde_json::to_value(options).ok(),
            };
            if let Err(err) = client.register_capability(vec![registration]).await {
                client.log_message(lsp::MessageType::WARNING, format!("cannot watch files: {err}")).await;
            }
        });
    }

    async fn shutdown(&self) -> Result<()> {
        self.shared.shutdown.store(true, Ordering::SeqCst);
        Ok(())
    }

    async fn did_open(&self, params: lsp::DidOpenTextDocumentParams) {
        let doc = params.text_document;
        let (_, path) = state::key(&doc.uri);
        // A file outside every folder is checked alone, with the `strata.toml` above it.
        let outside = path.as_ref().filter(|p| self.shared.lock().in_folder(p).is_none()).cloned();
        let config = outside.as_deref().and_then(std::path::Path::parent).and_then(|dir| {
            let path = dir.ancestors().map(|d| d.join(crate::workspace::CONFIG_FILE)).find(|p| p.is_file())?;
            Some((path.clone(), state::read(&path).ok()?))
        });
        self.shared.update(|state| {
            if let Some((path, source)) = config {
                state.load(&path, source);
            }
            state.open(doc.uri, doc.text, doc.version);
        });
    }

    async fn did_change(&self, params: lsp::DidChangeTextDocumentParams) {
        let doc = params.text_document;
        let result = self.shared.update(|state| state.change(&doc.uri, doc.version, params.content_changes));
        if let Some(Err(message)) = result {
            self.log(lsp::MessageType::WARNING, message).await;
        }
    }

    async fn did_close(&self, params: lsp::DidCloseTextDocumentParams) {
        let uri = params.text_document.uri;
        let disk = state::key(&uri).1.and_then(|path| state::read(&path).ok());
        self.shared.update(|state| state.close(&uri, disk));
    }

    async fn did_change_watched_files(&self, params: lsp::DidChangeWatchedFilesParams) {
        let mut rescan: Vec<PathBuf> = Vec::new();
        for event in params.changes {
            let (key, path) = state::key(&event.uri);
            let Some(path) = path else { continue };
            let folder = self.shared.lock().in_folder(&path).map(PathBuf::from);
            match event.typ {
                lsp::FileChangeType::CHANGED => {
                    let known = self.shared.lock().docs.contains_key(&key);
                    if known && let Ok(source) = state::read(&path) {
                        self.shared.update(|state| state.load(&path, source));
                    }
                }
                _ => rescan.extend(folder),
            }
        }
        rescan.sort();
        rescan.dedup();
        if !rescan.is_empty() {
            self.rescan(&rescan);
        }
    }

    async fn did_change_workspace_folders(&self, params: lsp::DidChangeWorkspaceFoldersParams) {
        let added: Vec<PathBuf> = params.event.added.iter().filter_map(|f| state::key(&f.uri).1).collect();
        let removed: Vec<PathBuf> = params.event.removed.iter().filter_map(|f| state::key(&f.uri).1).collect();
        self.shared.update(|state| {
            state.folders.retain(|f| !removed.contains(f));
            state.layout += 1;
            for folder in &added {
                if !state.folders.contains(folder) {
                    state.folders.push(folder.clone());
                }
            }
            let gone: Vec<String> = state
                .docs
                .iter()
                .filter(|(_, d)| d.path.as_ref().is_some_and(|p| removed.iter().any(|f| p.starts_with(f))))
                .map(|(key, _)| key.clone())
                .collect();
            for key in gone {
                state.unload(&key);
            }
        });
        self.load_folders(added).await;
    }

    async fn hover(&self, params: lsp::HoverParams) -> Result<Option<lsp::Hover>> {
        self.answer(|snap| hover::hover(snap, &params)).await
    }

    async fn goto_definition(&self, params: lsp::GotoDefinitionParams) -> Result<Option<lsp::GotoDefinitionResponse>> {
        self.answer(|snap| navigation::definition(snap, &params)).await
    }

    async fn references(&self, params: lsp::ReferenceParams) -> Result<Option<Vec<lsp::Location>>> {
        self.answer(|snap| navigation::references(snap, &params)).await
    }

    async fn document_highlight(
        &self,
        params: lsp::DocumentHighlightParams,
    ) -> Result<Option<Vec<lsp::DocumentHighlight>>> {
        self.answer(|snap| navigation::highlight(snap, &params)).await
    }

    async fn prepare_rename(
        &self,
        params: lsp::TextDocumentPositionParams,
    ) -> Result<Option<lsp::PrepareRenameResponse>> {
        self.answer(|snap| navigation::prepare_rename(snap, &params)).await?.map(Some)
    }

    async fn rename(&self, params: lsp::RenameParams) -> Result<Option<lsp::WorkspaceEdit>> {
        self.answer(|snap| navigation::rename(snap, &params)).await?
    }

    async fn document_symbol(&self, params: lsp::DocumentSymbolParams) -> Result<Option<lsp::DocumentSymbolResponse>> {
        self.answer(|snap| symbols::document(snap, &params)).await
    }

    async fn symbol(&self, params: lsp::WorkspaceSymbolParams) -> Result<Option<lsp::WorkspaceSymbolResponse>> {
        self.answer(|snap| Some(lsp::WorkspaceSymbolResponse::Flat(symbols::workspace(snap, &params)))).await
    }

    async fn prepare_call_hierarchy(
        &self,
        params: lsp::CallHierarchyPrepareParams,
    ) -> Result<Option<Vec<lsp::CallHierarchyItem>>> {
        self.answer(|snap| navigation::prepare_call_hierarchy(snap, &params)).await
    }

    async fn incoming_calls(
        &self,
        params: lsp::CallHierarchyIncomingCallsParams,
    ) -> Result<Option<Vec<lsp::CallHierarchyIncomingCall>>> {
        self.answer(|snap| navigation::incoming(snap, &params)).await
    }

    async fn outgoing_calls(
        &self,
        params: lsp::CallHierarchyOutgoingCallsParams,
    ) -> Result<Option<Vec<lsp::CallHierarchyOutgoingCall>>> {
        self.answer(|snap| navigation::outgoing(snap, &params)).await
    }

    async fn code_lens(&self, params: lsp::CodeLensParams) -> Result<Option<Vec<lsp::CodeLens>>> {
        self.answer(|snap| navigation::code_lens(snap, &params)).await
    }

    async fn completion(&self, params: lsp::CompletionParams) -> Result<Option<lsp::CompletionResponse>> {
        self.answer(|snap| completion::completion(snap, &params)).await
    }

    async fn semantic_tokens_full(
        &self,
        params: lsp::SemanticTokensParams,
    ) -> Result<Option<lsp::SemanticTokensResult>> {
        self.answer(|snap| tokens::semantic_tokens(snap, &params)).await
    }

    async fn folding_range(&self, params: lsp::FoldingRangeParams) -> Result<Option<Vec<lsp::FoldingRange>>> {
        self.answer(|snap| tokens::folding_ranges(snap, &params)).await
    }

    async fn formatting(&self, params: lsp::DocumentFormattingParams) -> Result<Option<Vec<lsp::TextEdit>>> {
        self.answer_blocking(move |snap| format::format(snap, &params)).await?
    }

    async fn code_action(&self, params: lsp::CodeActionParams) -> Result<Option<lsp::CodeActionResponse>> {
        self.answer(|snap| actions::code_actions(snap, &params)).await
    }
}

#[cfg(test)]
mod tests {
    /// What `free` is given is dropped, however many, in the end (on the idle thread,
    /// which gets a core when nothing else wants it).
    #[test]
    fn what_is_freed_is_dropped() {
        struct Signal(std::sync::mpsc::Sender<usize>, usize);
        impl Drop for Signal {
            fn drop(&mut self) {
                let _ = self.0.send(self.1);
            }
        }
        let (send, dropped) = std::sync::mpsc::channel();
        for i in 0..100 {
            super::free(Signal(send.clone(), i));
        }
        drop(send);
        let mut seen: Vec<usize> = dropped.iter().collect();
        seen.sort_unstable();
        assert_eq!(seen, (0..100).collect::<Vec<_>>());
    }
}
