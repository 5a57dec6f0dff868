//! `strata init [DIR]`: a new strategy repository: `strata.toml`, an example map that
//! checks clean, the CI workflow the README shows and a pre-commit configuration. It
//! overwrites nothing: when any of its files exists it names it and writes none.

use std::path::{Path, PathBuf};

use super::ToolError;
use strata::workspace;

#[derive(clap::Args)]
pub struct InitArgs {
    /// The folder to set up (default `.`); it is created when missing.
    pub dir: Option<PathBuf>,
}

/// What `init` writes, below the folder: each path with its text (`templates/`).
pub const FILES: &[(&str, &str)] = &[
    ("strata.toml", include_str!("templates/strata.toml")),
    ("map.strata", include_str!("templates/map.strata")),
    (".github/workflows/strata.yml", include_str!("templates/strata.yml")),
    (".pre-commit-config.yaml", include_str!("templates/pre-commit-config.yaml")),
];

pub fn init(args: &InitArgs) -> Result<i32, ToolError> {
    let dir = args.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    let shown = |rel: &str| workspace::display(&dir.join(rel));
    if std::fs::symlink_metadata(&dir).is_ok_and(|m| !m.is_dir()) {
        return Err(ToolError(format!(
            "`{}` is a file, not a folder; name a folder to set up",
            workspace::display(&dir)
        )));
    }
    // Everything is looked at before anything is written.
    for (rel, _) in FILES {
        if std::fs::symlink_metadata(dir.join(rel)).is_ok() {
            return Err(ToolError(format!(
                "`{}` exists, and `strata init` overwrites nothing: nothing was written; move it away, or set up \
                 another folder",
                shown(rel)
            )));
        }
    }
    let mut written = String::new();
    for (rel, text) in FILES {
        let path = dir.join(rel);
        write_new(&path, text).map_err(|e| {
            let why = match e.kind() {
                std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
                std::io::ErrorKind::AlreadyExists => "it appeared while strata ran".to_owned(),
                _ => e.to_string(),
            };
            let done = if written.is_empty() {
                "nothing was written".to_owned()
            } else {
                format!("written before it:\n{written}")
            };
            ToolError(format!("cannot write `{}`: {why}; {done}", shown(rel)))
        })?;
        written.push_str(&format!("  {}\n", shown(rel)));
    }
    let check = if dir == Path::new(".") {
        "strata check".to_owned()
    } else {
        format!("strata check {}", workspace::display(&dir))
    };
    eprint!("created\n{written}the map checks clean: run `{check}` after each edit\n");
    Ok(0)
}

/// Creates `path` (and its folders) with `text`; fails when it exists, even if it came
/// to exist since `init` looked.
fn write_new(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).open(path)?;
    std::io::Write::write_all(&mut file, text.as_bytes())?;
    file.sync_all()
}
