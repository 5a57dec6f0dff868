//! The IO edge of `strata diff` for git revisions: a revision's `.strata` files,
//! `strata.toml` and data files read straight from the repository's object database with
//! `gix` (no checkout, no work tree, no `git` process), walked by the rules of a
//! workspace on disk (`workspace.rs`): hidden entries and what the tree's `.gitignore`
//! files ignore are skipped, symbolic links and submodules are not followed, a folder
//! below the walked path with its own `strata.toml` is a workspace of its own, and the
//! root's `strata.toml` is the one in the walked folder or its nearest ancestor, as it
//! was at that revision. Paths are shown relative to the current directory, as `check`
//! shows them, so a revision and the working tree show a file alike.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ignore::gitignore::{Gitignore, GitignoreBuilder};

use crate::source::{MAX_FILE_BYTES, SourceFile};
use crate::workspace::{CONFIG_FILE, LoadError};
use crate::{DataError, DataFile, Workspace};

/// An open repository and where the current directory is in it.
pub struct Repo {
    repo: gix::Repository,
    /// The current directory relative to the work tree's root (empty at the root, or in a
    /// bare repository), `/`-separated.
    prefix: String,
}

/// One workspace of a side, parsed and with its data files read: ready for
/// `check_parsed`.
pub struct Parsed {
    /// The workspace's root relative to the walked path (empty for the main one): what
    /// pairs a nested workspace with its counterpart on the other side.
    pub key: String,
    pub workspace: Workspace,
    pub asts: Vec<crate::syntax::ast::Ast>,
    pub diags: Vec<crate::diagnostics::Diagnostic>,
}

fn fail(path: &str, message: impl Into<String>) -> LoadError {
    LoadError { path: path.to_owned(), message: message.into() }
}

/// The repository around the current directory.
pub fn open() -> Result<Repo, LoadError> {
    let cwd = std::env::current_dir().map_err(|e| fail(".", e.to_string()))?;
    let repo = gix::discover(&cwd).map_err(|e| fail(".", format!("not in a git repository ({e})")))?;
    let prefix = match repo.workdir().and_then(|w| std::fs::canonicalize(w).ok()) {
        Some(workdir) => {
            let cwd = std::fs::canonicalize(&cwd).unwrap_or(cwd);
            cwd.strip_prefix(&workdir).map(slashed).unwrap_or_default()
        }
        None => String::new(),
    };
    Ok(Repo { repo, prefix })
}

fn slashed(path: &Path) -> String {
    let parts: Vec<String> = path.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    parts.join("/")
}

impl Repo {
    /// Whether `spec` names a revision of this repository.
    pub fn resolves(&self, spec: &str) -> bool {
        self.repo.rev_parse_single(spec).is_ok()
    }

    /// `path` (relative to the current directory) as a path in the repository, `.` and
    /// `..` resolved; `None` when it leaves the repository.
    fn in_repo(&self, path: &Path) -> Option<String> {
        let mut parts: Vec<String> = self.prefix.split('/').filter(|p| !p.is_empty()).map(str::to_owned).collect();
        for part in path.components() {
            match part {
                std::path::Component::CurDir => {}
                std::path::Component::ParentDir => {
                    parts.pop()?;
                }
                std::path::Component::Normal(name) => parts.push(name.to_string_lossy().into_owned()),
                _ => return None,
            }
        }
        Some(parts.join("/"))
    }

    /// A path in the repository as `check` would show it: relative to the current
    /// directory.
    fn shown(&self, path: &str) -> String {
        let here: Vec<&str> = self.prefix.split('/').filter(|p| !p.is_empty()).collect();
        let there: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
        let common = here.iter().zip(&there).take_while(|(a, b)| a == b).count();
        let mut parts: Vec<&str> = vec![".."; here.len() - common];
        parts.extend(&there[common..]);
        if parts.is_empty() { ".".to_owned() } else { parts.join("/") }
    }

    /// The workspaces under `paths` (default `.`) at revision `spec`, parsed.
    pub fn load(&self, spec: &str, paths: &[PathBuf]) -> Result<Vec<Parsed>, LoadError> {
        let id = self.repo.rev_parse_single(spec).map_err(|e| {
            let mut message = format!("unknown revision ({e})");
            if self.repo.is_shallow().unwrap_or(false) {
                message.push_str(
                    "; this is a shallow clone, which may lack it: fetch more history \
                     (`git fetch --unshallow`, or `fetch-depth: 0` for actions/checkout)",
                );
            }
            fail(spec, message)
        })?;
        let tree = id
            .object()
            .and_then(|object| object.peel_to_tree())
            .map_err(|e| fail(spec, format!("the revision has no tree of files ({e})")))?;
        let entries = self.list(spec, tree.id)?;
        let default = [PathBuf::from(".")];
        let paths = if paths.is_empty() { &default[..] } else { paths };
        let first = self
            .in_repo(&paths[0])
            .ok_or_else(|| fail(&crate::workspace::display(&paths[0]), "outside the repository"))?;
        let root_is_file = entries.get(&first).is_some_and(|e| !e.tree);
        let main_root = if root_is_file { parent(&first).to_owned() } else { first.clone() };

        let mut names: Vec<String> = Vec::new();
        let mut nested: Vec<String> = Vec::new();
        for path in paths {
            let shown = crate::workspace::display(path);
            let at = self.in_repo(path).ok_or_else(|| fail(&shown, "outside the repository"))?;
            match entries.get(&at) {
                Some(entry) if !entry.tree => names.push(at),
                Some(_) => {
                    let below: Box<dyn Iterator<Item = (&String, &Entry)>> = if at.is_empty() {
                        Box::new(entries.iter())
                    } else {
                        Box::new(entries.range(format!("{at}/")..).take_while(|(n, _)| under(n, &at)))
                    };
                    for (name, entry) in below {
                        if entry.tree || !entry.walked || entry.link {
                            continue;
                        }
                        if name.ends_with(".strata") {
                            names.push(name.clone());
                        } else if file_name(name) == CONFIG_FILE && parent(name) != at {
                            nested.push(parent(name).to_owned());
                        }
                    }
                }
                None if at.is_empty() => {}
                None => return Err(fail(&shown, format!("no such file or directory at revision `{spec}`"))),
            }
        }
        names.sort();
        names.dedup();
        nested.sort();
        nested.dedup();

        let mut roots: Vec<(String, Vec<String>)> = vec![(main_root.clone(), Vec::new())];
        roots.extend(nested.into_iter().map(|r| (r, Vec::new())));
        // Each file goes to the deepest nested root above it: its folders looked up among
        // the sorted roots, deepest first (not every root tried for every file).
        for name in names {
            let mut folder = parent(&name);
            let index = loop {
                if folder.is_empty() {
                    break 0;
                }
                if let Ok(i) = roots[1..].binary_search_by(|(root, _)| root.as_str().cmp(folder)) {
                    break i + 1;
                }
                folder = parent(folder);
            };
            roots[index].1.push(name);
        }
        let mut out = Vec::new();
        for (i, (root, files)) in roots.into_iter().enumerate() {
            if i > 0 && files.is_empty() {
                continue;
            }
            let config = if i == 0 { find_config(&entries, &root) } else { Some(join(&root, CONFIG_FILE)) };
            let data_root = config.as_deref().map_or_else(|| root.clone(), |c| parent(c).to_owned());
            let mut sources = Vec::with_capacity(files.len());
            for name in &files {
                let mut source = SourceFile::from_bytes(self.shown(name), self.blob(spec, &entries, name)?);
                let in_root = relative(&data_root, name);
                if in_root != source.path {
                    source.in_root = Some(in_root);
                }
                sources.push(source);
            }
            let config = match &config {
                Some(path) => Some(SourceFile::from_bytes(self.shown(path), self.blob(spec, &entries, path)?)),
                None => None,
            };
            let mut workspace = Workspace { files: sources, config, data: Vec::new() };
            let (asts, diags) = crate::parse_all(&workspace.files);
            let wanted = crate::sema::attributes::data_paths(&workspace.files, &asts);
            workspace.data = wanted
                .iter()
                .map(|path| {
                    let at = join(&data_root, path);
                    let shown = self.shown(&at);
                    match entries.get(&at) {
                        Some(entry) if entry.link => DataFile::unreadable(
                            path.clone(),
                            shown,
                            DataError::Unreadable("a symbolic link, which a revision is not read through".to_owned()),
                        ),
                        Some(entry) if !entry.tree => match self.blob(spec, &entries, &at) {
                            Ok(bytes) => DataFile::new(path.clone(), shown, bytes),
                            Err(e) => DataFile::unreadable(path.clone(), shown, DataError::Unreadable(e.message)),
                        },
                        Some(_) => DataFile::unreadable(
                            path.clone(),
                            shown,
                            DataError::Unreadable("it is a folder, not a file".to_owned()),
                        ),
                        None => DataFile::unreadable(
                            path.clone(),
                            shown,
                            DataError::Unreadable(format!("no such file at revision `{spec}`")),
                        ),
                    }
                })
                .map(std::sync::Arc::new)
                .collect();
            let key = if i == 0 { String::new() } else { relative(&main_root, &root) };
            out.push(Parsed { key, workspace, asts, diags });
        }
        Ok(out)
    }

    /// Every entry of the tree, by path, and whether the walk of a workspace takes it.
    /// Trees are read with an explicit stack: depth costs no stack.
    fn list(&self, spec: &str, tree: gix::ObjectId) -> Result<BTreeMap<String, Entry>, LoadError> {
        let mut out = BTreeMap::new();
        out.insert(String::new(), Entry { id: tree, tree: true, link: false, walked: true });
        let mut stack = vec![Pending { dir: String::new(), id: tree, walked: true, rules: Vec::new() }];
        while let Some(Pending { dir, id, walked, mut rules }) = stack.pop() {
            let tree = self.repo.find_tree(id).map_err(|e| fail(spec, format!("cannot read a tree ({e})")))?;
            let mut children = Vec::new();
            for entry in tree.iter() {
                let entry = entry.map_err(|e| fail(spec, format!("cannot read a tree ({e})")))?;
                let mode = entry.inner.mode;
                // Shown as a name on disk is shown: a control character or a byte that is
                // not UTF-8 cannot reach the terminal, and two names never show alike.
                let name = crate::source::shown_name(entry.inner.filename.as_ref());
                children.push((name, entry.inner.oid.to_owned(), mode.is_tree(), mode.is_link(), mode.is_commit()));
            }
            if walked
                && let Some((_, gitignore, ..)) = children.iter().find(|c| c.0 == ".gitignore" && !c.2 && !c.3 && !c.4)
            {
                let bytes = self.repo.find_blob(*gitignore).map(|b| b.data.clone()).unwrap_or_default();
                let mut builder = GitignoreBuilder::new(&dir);
                for line in String::from_utf8_lossy(&bytes).lines() {
                    let _ = builder.add_line(None, line);
                }
                if let Ok(matcher) = builder.build() {
                    rules.push(std::rc::Rc::new(matcher));
                }
            }
            for (name, oid, is_tree, link, commit) in children {
                if commit {
                    continue;
                }
                let path = join(&dir, &name);
                let taken = walked && !name.starts_with('.') && !ignored(&rules, &path, is_tree);
                out.insert(path.clone(), Entry { id: oid, tree: is_tree, link, walked: taken });
                if is_tree {
                    stack.push(Pending { dir: path, id: oid, walked: taken, rules: rules.clone() });
                }
            }
        }
        Ok(out)
    }

    fn blob(&self, spec: &str, entries: &BTreeMap<String, Entry>, path: &str) -> Result<Vec<u8>, LoadError> {
        let shown = self.shown(path);
        let entry = entries.get(path).ok_or_else(|| fail(&shown, format!("no such file at revision `{spec}`")))?;
        let header = self.repo.find_header(entry.id).map_err(|e| fail(&shown, format!("cannot read it ({e})")))?;
        if header.size() > MAX_FILE_BYTES as u64 {
            return Err(fail(&shown, format!("the file is larger than {} MiB", MAX_FILE_BYTES / (1024 * 1024))));
        }
        let blob = self.repo.find_blob(entry.id).map_err(|e| fail(&shown, format!("cannot read it ({e})")))?;
        Ok(blob.data.clone())
    }
}

/// A file or folder of the tree.
#[derive(Clone, Debug)]
struct Entry {
    id: gix::ObjectId,
    tree: bool,
    link: bool,
    /// Not hidden, not ignored, in a folder that is walked.
    walked: bool,
}

/// A folder of the tree still to read.
struct Pending {
    dir: String,
    id: gix::ObjectId,
    /// Whether the walk takes it (not hidden, not ignored, nor below such a folder).
    walked: bool,
    /// The `.gitignore` rules of it and its ancestors, deepest last.
    rules: Vec<std::rc::Rc<Gitignore>>,
}

/// Whether the deepest rule that has an opinion ignores `path`.
fn ignored(rules: &[std::rc::Rc<Gitignore>], path: &str, is_dir: bool) -> bool {
    for matcher in rules.iter().rev() {
        let found = matcher.matched(path, is_dir);
        if found.is_ignore() {
            return true;
        }
        if found.is_whitelist() {
            return false;
        }
    }
    false
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() { name.to_owned() } else { format!("{dir}/{name}") }
}

fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(dir, _)| dir)
}

fn file_name(path: &str) -> &str {
    path.rsplit_once('/').map_or(path, |(_, name)| name)
}

/// Whether `path` is below the folder `dir` (everything is below the root, `""`).
fn under(path: &str, dir: &str) -> bool {
    dir.is_empty() || path.strip_prefix(dir).is_some_and(|rest| rest.starts_with('/'))
}

/// `path` relative to the folder `dir`, which holds it or not (`../x.strata`).
fn relative(dir: &str, path: &str) -> String {
    let here: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    let there: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    let common = here.iter().zip(&there).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<&str> = vec![".."; here.len() - common];
    parts.extend(&there[common..]);
    parts.join("/")
}

/// `strata.toml` in `dir` or its nearest ancestor that has one, at the revision.
fn find_config(entries: &BTreeMap<String, Entry>, dir: &str) -> Option<String> {
    let mut dir = dir;
    loop {
        let candidate = join(dir, CONFIG_FILE);
        if entries.get(&candidate).is_some_and(|e| !e.tree && !e.link) {
            return Some(candidate);
        }
        if dir.is_empty() {
            return None;
        }
        dir = parent(dir);
    }
}
