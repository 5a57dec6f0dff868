//! Reading workspaces from disk: walks the paths given (hidden and `.gitignore`d entries
//! skipped), groups the files by workspace root, finds `strata.toml`. The only file IO
//! outside the CLI; a path that cannot be read is a `LoadError` (exit 2), not a diagnostic.
//! The language server walks and reads files through the same `walker` and `read`.
//!
//! One workspace per call, as spec section 1 says, except that a directory *below* the
//! first path that holds its own `strata.toml` is a workspace of its own (like a nested
//! Cargo package): a repository of several maps can be checked in one run.
//!
//! Each file is loaded once however it is named, and every output shows it by `display`,
//! which tells any two names apart (a name need not be UTF-8).

use std::path::{Path, PathBuf};

use crate::Workspace;
use crate::source::{MAX_FILE_BYTES, SourceFile};

/// A path the tool could not read, or a folder given explicitly that holds no
/// `.strata` file (`message` is then empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    pub path: String,
    pub message: String,
}

impl LoadError {
    /// A path given explicitly under which the walk found no `.strata` file: a tool
    /// failure (spec section 7), so that a mistyped path cannot pass CI silently.
    pub fn no_strata_files(path: &Path) -> LoadError {
        LoadError { path: display(path), message: String::new() }
    }
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.message.is_empty() {
            return write!(
                f,
                "no `.strata` files under `{}` (hidden and `.gitignore`d entries are skipped); check the path",
                self.path
            );
        }
        write!(f, "cannot read `{}`: {}", self.path, self.message)
    }
}

impl std::error::Error for LoadError {}

/// A workspace and the directory it is rooted at, as the user wrote it.
#[derive(Debug)]
pub struct Loaded {
    /// The first path given (its directory, for a file), or the directory of a nested
    /// `strata.toml`.
    pub root: String,
    /// The workspace root that a measure's `data` path must stay inside, and that the
    /// model's resolved `data` paths are relative to (`SourceFile::path_in_root`): the
    /// folder of the workspace's `strata.toml`, or `root` without one. So checking one
    /// file of a workspace resolves its paths as checking the whole workspace does.
    pub data_root: PathBuf,
    pub workspace: Workspace,
    /// Where each of `workspace.files` is on disk (the path shown to users escapes the
    /// bytes of a name that are not UTF-8, see `display`): what `fmt` writes back to.
    pub disk_paths: Vec<PathBuf>,
}

pub const CONFIG_FILE: &str = "strata.toml";

/// Loads the workspaces under `paths` (default `.`), in order of their root paths.
///
/// Every file is loaded once, however many ways it is named (`a.strata` and
/// `dir/../a.strata`, a directory given twice, a hard link, a symbolic link named on
/// the command line): under the first name given, the paths taken in order and each
/// directory's files in the order of their names.
///
/// A directory given explicitly under which no `.strata` file is found is an error
/// (`LoadError::no_strata_files`); the default `.` is not, so that `strata check` in an
/// empty folder reports `0 files`.
pub fn load(paths: &[PathBuf]) -> Result<Vec<Loaded>, LoadError> {
    load_with_stdin(paths, None)
}

/// Text read from stdin standing for the file `path` (`strata check - --stdin-filename
/// PATH`): loaded in that file's place, or added where it would be when no such file
/// exists yet.
pub struct StdinFile<'a> {
    pub path: &'a Path,
    pub bytes: Vec<u8>,
}

/// `load`, with the text of one file taken from stdin. The file must lie below one of
/// the paths (the caller checks, `is_below`).
pub fn load_with_stdin(paths: &[PathBuf], stdin: Option<StdinFile<'_>>) -> Result<Vec<Loaded>, LoadError> {
    let default = [PathBuf::from(".")];
    let explicit = !paths.is_empty();
    let paths = if paths.is_empty() { &default[..] } else { paths };
    let cwd = std::env::current_dir().unwrap_or_default();
    let stdin_at = stdin.as_ref().map(|s| lexical(&cwd.join(s.path)));
    let mut stdin_bytes = stdin.map(|s| s.bytes);
    // Every name, in the order given.
    let mut names: Vec<PathBuf> = Vec::new();
    let mut nested_roots: Vec<PathBuf> = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| error(path, &e))?;
        if !meta.is_dir() {
            names.push(path.clone());
            continue;
        }
        let mut found: Vec<PathBuf> = Vec::new();
        for entry in walker(path) {
            let entry =
                entry.map_err(|e| LoadError { path: walk_error_path(&e, path), message: walk_error_message(&e) })?;
            if !entry.file_type().is_some_and(|t| t.is_file()) {
                continue;
            }
            let file = entry.into_path();
            // Compared as bytes: a name that is not UTF-8 is still a workspace file.
            let name = file.file_name().map_or(&[][..], |n| n.as_encoded_bytes());
            if name.ends_with(b".strata") {
                found.push(file);
            } else if name == CONFIG_FILE.as_bytes() && entry_depth(&file, path) > 0 {
                nested_roots.push(file.parent().map(Path::to_path_buf).unwrap_or_default());
            }
        }
        // The file read from stdin is in the workspace even before it is on disk.
        if let Some(at) = &stdin_at
            && at.starts_with(lexical(&cwd.join(path)))
            && !found.iter().any(|f| lexical(&cwd.join(f)) == *at)
        {
            found.push(stdin_name(path, at, &cwd));
        }
        if found.is_empty() && explicit {
            return Err(LoadError::no_strata_files(path));
        }
        // The walk's order is the directory's: sorted, the name kept for a file found
        // twice (hard links) does not depend on it.
        found.sort_by_cached_key(|f| display(f));
        names.extend(found);
    }
    nested_roots.sort();
    nested_roots.dedup();

    // Read on several threads when there are many files (a read is mostly the kernel
    // copying, and building the line index); the order is kept. A read also says which
    // file it read (from the `stat` it makes anyway), so that a file named twice is kept
    // once, under its first name.
    let is_stdin = |f: &Path| stdin_at.as_ref().is_some_and(|at| lexical(&cwd.join(f)) == *at);
    let runs = crate::parallel::in_runs(&names, 256, |run| {
        run.iter().map(|f| if is_stdin(f) { None } else { Some(read_file(f)) }).collect::<Vec<_>>()
    });
    let mut seen: std::collections::HashSet<FileIdentity> = std::collections::HashSet::with_capacity(names.len());
    let mut files: Vec<(PathBuf, SourceFile)> = Vec::with_capacity(names.len());
    for (name, read) in names.into_iter().zip(runs.into_iter().flatten()) {
        let (source, identity) = match read {
            Some(read) => read?,
            // Named twice: the second name is skipped like any file named twice.
            None => match stdin_bytes.take() {
                Some(bytes) => {
                    let identity = FileIdentity::Path(lexical(&cwd.join(&name)));
                    (SourceFile::from_bytes(display(&name), bytes), identity)
                }
                None => continue,
            },
        };
        if seen.insert(identity) {
            files.push((name, source));
        }
    }
    files.sort_by(|a, b| a.1.path.cmp(&b.1.path));

    let first = &paths[0];
    let main_root = if std::fs::metadata(first).is_ok_and(|m| m.is_dir()) {
        first.clone()
    } else {
        first.parent().map(Path::to_path_buf).unwrap_or_default()
    };
    let mut roots: Vec<(PathBuf, Vec<(PathBuf, SourceFile)>)> = vec![(main_root, Vec::new())];
    roots.extend(nested_roots.into_iter().map(|r| (r, Vec::new())));
    for file in files {
        // The deepest nested root holding the file, else the main one: the file's
        // folders looked up, deepest first, among the roots (sorted), not every root
        // tried for every file (10,000 nested roots took 45 s, issue 17).
        let index = file
            .0
            .ancestors()
            .skip(1)
            .find_map(|folder| roots[1..].binary_search_by(|(root, _)| root.as_path().cmp(folder)).ok())
            .map_or(0, |i| i + 1);
        roots[index].1.push(file);
    }

    // Each root, its files and where its `strata.toml` is.
    type Root = (PathBuf, Vec<(PathBuf, SourceFile)>, Option<PathBuf>);
    let roots: Vec<Root> = roots
        .into_iter()
        .enumerate()
        .filter(|(i, (_, files))| *i == 0 || !files.is_empty())
        .map(|(i, (root, files))| {
            let config_path = if i == 0 { find_config(&root) } else { Some(root.join(CONFIG_FILE)) };
            (root, files, config_path)
        })
        .collect();
    // Every workspace's `strata.toml`, read on several threads like the `.strata` files
    // (10,000 nested workspaces read theirs one by one, issue 17); the first error in
    // the workspaces' order is the one reported, as before.
    let configs = crate::parallel::in_runs(&roots, 64, |run| {
        run.iter().map(|(_, _, path)| path.as_deref().map(read).transpose()).collect::<Vec<_>>()
    });
    let mut loaded = Vec::new();
    for ((root, files, config_path), config) in roots.into_iter().zip(configs.into_iter().flatten()) {
        let config = config?;
        let data_root = config_path.as_deref().and_then(Path::parent).map_or_else(|| root.clone(), Path::to_path_buf);
        let (disk_paths, mut sources): (Vec<PathBuf>, Vec<SourceFile>) = files.into_iter().unzip();
        place_in_root(&data_root, &disk_paths, &mut sources);
        loaded.push(Loaded {
            root: display(&root),
            data_root,
            workspace: Workspace { files: sources, config, data: Vec::new() },
            disk_paths,
        });
    }
    loaded.sort_by(|a, b| a.root.cmp(&b.root));
    Ok(loaded)
}

/// Records each file's path relative to `root` where it differs from the path shown
/// (`SourceFile::in_root`): `strata check maps` shows `maps/a.strata`, which is `a.strata`
/// in the workspace. Worked out on absolute paths, normalised lexically (symbolic links
/// are not followed), so that a root such as `../maps` or `.` is no special case.
fn place_in_root(root: &Path, files: &[PathBuf], sources: &mut [SourceFile]) {
    let Ok(cwd) = std::env::current_dir() else { return };
    let absolute = |path: &Path| lexical(&cwd.join(path));
    let root = absolute(root);
    for (file, source) in files.iter().zip(sources) {
        let Some(rel) = relative(&root, &absolute(file)) else { continue };
        let rel = display(&rel);
        if rel != source.path {
            source.in_root = Some(rel);
        }
    }
}

/// Parses the workspace's `.strata` files and reads the data files their measures name
/// (`sema::attributes::data_paths`), each once, into `workspace.data`: what every CLI
/// command that checks does before `check_parsed` (or `check_parsed_for_errors`), so
/// that the core sees the data files without reading them.
pub fn parse_and_read_data(loaded: &mut Loaded) -> (Vec<crate::syntax::ast::Ast>, Vec<crate::diagnostics::Diagnostic>) {
    let (asts, diags) = crate::parse_all(&loaded.workspace.files);
    let paths = crate::sema::attributes::data_paths(&loaded.workspace.files, &asts);
    loaded.workspace.data = read_data(&loaded.data_root, &paths).into_iter().map(std::sync::Arc::new).collect();
    (asts, diags)
}

/// Reads the data files at `paths` (relative to `root`, as `DataPath::path`), in order,
/// on several threads when there are many. A file that cannot be read is kept with the
/// reason, for `missing-data-file`; a file that a symbolic link puts outside `root` is
/// not read (`invalid-value`, spec §4).
pub fn read_data(root: &Path, paths: &[String]) -> Vec<crate::DataFile> {
    let canonical_root = std::fs::canonicalize(if root.as_os_str().is_empty() { Path::new(".") } else { root });
    let read_one = |path: &String| {
        let disk = root.join(path);
        let shown = display(&disk);
        let unreadable = |reason: &str| {
            crate::DataFile::unreadable(path.clone(), shown.clone(), crate::DataError::Unreadable(reason.to_owned()))
        };
        let real = match std::fs::canonicalize(&disk) {
            Ok(real) => real,
            Err(err) => return unreadable(&error(&disk, &err).message),
        };
        if canonical_root.as_ref().is_ok_and(|root| !real.starts_with(root)) {
            return crate::DataFile::unreadable(path.clone(), shown, crate::DataError::OutsideRoot);
        }
        let meta = match std::fs::metadata(&real) {
            Ok(meta) => meta,
            Err(err) => return unreadable(&error(&disk, &err).message),
        };
        if meta.is_dir() {
            return unreadable("it is a folder, not a file");
        }
        // A FIFO or device would block the read, as for `.strata` files.
        if !meta.is_file() {
            return unreadable("not a regular file");
        }
        if meta.len() > MAX_FILE_BYTES as u64 {
            return unreadable(&format!("the file is larger than {} MiB", MAX_FILE_BYTES / (1024 * 1024)));
        }
        match std::fs::read(&real) {
            Ok(bytes) => crate::DataFile::new(path.clone(), shown, bytes),
            Err(err) => unreadable(&error(&disk, &err).message),
        }
    };
    let runs = crate::parallel::in_runs(paths, 256, |run| run.iter().map(read_one).collect::<Vec<_>>());
    runs.into_iter().flatten().collect()
}

/// How the walk of `dir` would name the file at `at` (absolute, lexical): `dir` joined
/// with the rest of the path below it.
fn stdin_name(dir: &Path, at: &Path, cwd: &Path) -> PathBuf {
    let base = lexical(&cwd.join(dir));
    at.strip_prefix(&base).map_or_else(|_| at.to_path_buf(), |rest| dir.join(rest))
}

/// Whether `file` lies at or below `dir`, compared on absolute paths with `.` and `..`
/// resolved and the symbolic links of the folders that exist followed (so `./a/../b`
/// and a link to the folder are where they lead).
pub fn is_below(file: &Path, dir: &Path) -> bool {
    let real = |path: &Path| -> Option<PathBuf> {
        let cwd = std::env::current_dir().ok()?;
        let absolute = lexical(&cwd.join(path));
        // The longest prefix that exists, resolved; the rest appended as written.
        let mut existing = absolute.as_path();
        let mut rest = Vec::new();
        loop {
            if let Ok(resolved) = std::fs::canonicalize(existing) {
                let mut out = resolved;
                out.extend(rest.iter().rev());
                return Some(out);
            }
            rest.push(existing.file_name()?.to_owned());
            existing = existing.parent()?;
        }
    };
    match (real(file), real(dir)) {
        (Some(file), Some(dir)) => file.starts_with(dir),
        _ => false,
    }
}

/// `path` with `.` and `..` resolved without asking the file system.
fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

fn entry_depth(file: &Path, root: &Path) -> usize {
    file.strip_prefix(root).map_or(0, |rel| rel.components().count().saturating_sub(1))
}

/// `strata.toml` in `dir` or its nearest ancestor that has one.
pub fn find_config(dir: &Path) -> Option<PathBuf> {
    let start = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
    if start.join(CONFIG_FILE).is_file() {
        return Some(start.join(CONFIG_FILE));
    }
    let absolute = std::fs::canonicalize(start).ok()?;
    let found = absolute.ancestors().skip(1).map(|a| a.join(CONFIG_FILE)).find(|c| c.is_file())?;
    let cwd = std::env::current_dir().ok().and_then(|c| std::fs::canonicalize(c).ok());
    Some(cwd.and_then(|cwd| relative(&cwd, &found)).unwrap_or(found))
}

/// `target` relative to `base`, both absolute: `../strata.toml`.
fn relative(base: &Path, target: &Path) -> Option<PathBuf> {
    let base: Vec<_> = base.components().collect();
    let target: Vec<_> = target.components().collect();
    let common = base.iter().zip(&target).take_while(|(a, b)| a == b).count();
    if common == 0 {
        return None;
    }
    let mut out = PathBuf::new();
    for _ in common..base.len() {
        out.push("..");
    }
    for part in &target[common..] {
        out.push(part);
    }
    Some(out)
}

/// Walks `dir` as a workspace is walked: hidden and `.gitignore`d entries skipped (also
/// outside a git repository), symbolic links not followed. The CLI and the language
/// server both find files through this.
pub fn walker(dir: &Path) -> ignore::Walk {
    ignore::WalkBuilder::new(dir).hidden(true).git_ignore(true).require_git(false).follow_links(false).build()
}

/// Reads one file of a workspace: only regular files (a FIFO would block), at most
/// `MAX_FILE_BYTES`; bytes that are not UTF-8 are kept for `invalid-encoding`.
pub fn read(path: &Path) -> Result<SourceFile, LoadError> {
    read_file(path).map(|(source, _)| source)
}

/// `read`, and which file it was.
fn read_file(path: &Path) -> Result<(SourceFile, FileIdentity), LoadError> {
    let meta = std::fs::metadata(path).map_err(|e| error(path, &e))?;
    // A FIFO, socket or device named on the command line would block the read (or never
    // end): only regular files are read. The walk already skips them.
    if !meta.is_file() {
        return Err(LoadError { path: display(path), message: "not a regular file".to_owned() });
    }
    if meta.len() > MAX_FILE_BYTES as u64 {
        let message = format!("the file is larger than {} MiB", MAX_FILE_BYTES / (1024 * 1024));
        return Err(LoadError { path: display(path), message });
    }
    let bytes = std::fs::read(path).map_err(|e| error(path, &e))?;
    Ok((SourceFile::from_bytes(display(path), bytes), identity(path, &meta)))
}

/// What makes two names one file: its device and inode (on Unix), else its canonical path.
#[derive(Debug, PartialEq, Eq, Hash)]
pub enum FileIdentity {
    #[cfg_attr(not(unix), allow(dead_code))]
    Inode(u64, u64),
    Path(PathBuf),
}

/// The identity of the file at `path`; a file that cannot be read (gone since it was
/// found, say) is its path, so that reading it reports the error.
pub fn file_identity(path: &Path) -> FileIdentity {
    std::fs::metadata(path).map_or_else(|_| FileIdentity::Path(path.to_path_buf()), |meta| identity(path, &meta))
}

#[cfg(unix)]
fn identity(_path: &Path, meta: &std::fs::Metadata) -> FileIdentity {
    use std::os::unix::fs::MetadataExt as _;
    FileIdentity::Inode(meta.dev(), meta.ino())
}

#[cfg(not(unix))]
fn identity(path: &Path, _meta: &std::fs::Metadata) -> FileIdentity {
    FileIdentity::Path(std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()))
}

/// The path as the user sees it, in every output: `/`-separated, without a leading
/// `./`, and telling any two paths apart. A byte of a name that is not UTF-8 is written
/// `\xFF`, a control character `\x0A` (or `\u{85}` past ASCII), and so that neither can
/// be mistaken for a name that holds them as text, a backslash is written `\\`
/// (README.md, "Workspaces").
pub fn display(path: &Path) -> String {
    let text = escape(path);
    let mut text = text.as_str();
    while let Some(rest) = text.strip_prefix("./") {
        text = rest.trim_start_matches('/');
    }
    if text.is_empty() { ".".to_owned() } else { text.to_owned() }
}

/// `path` as text, every byte accounted for (`source::shown_name`).
pub fn escape(path: &Path) -> String {
    let bytes = path.as_os_str().as_encoded_bytes();
    if cfg!(windows) {
        // Windows separates with either slash: show one.
        let bytes: Vec<u8> = bytes.iter().map(|&b| if b == b'\\' { b'/' } else { b }).collect();
        return crate::source::shown_name(&bytes);
    }
    crate::source::shown_name(bytes)
}

fn error(path: &Path, err: &std::io::Error) -> LoadError {
    let message = match err.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => err.to_string(),
    };
    LoadError { path: display(path), message }
}

fn walk_error_path(err: &ignore::Error, root: &Path) -> String {
    match err {
        ignore::Error::WithPath { path, .. } => display(path),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => walk_error_path(err, root),
        _ => display(root),
    }
}

fn walk_error_message(err: &ignore::Error) -> String {
    match err {
        ignore::Error::WithPath { err, .. }
        | ignore::Error::WithDepth { err, .. }
        | ignore::Error::WithLineNumber { err, .. } => walk_error_message(err),
        ignore::Error::Io(io) if io.kind() == std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        other => other.to_string(),
    }
}
