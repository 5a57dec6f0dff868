//! Shared by the fuzz targets: turns the fuzzer's bytes into a workspace.
//!
//! The input is split at lines `--- next file ---` into up to eight `.strata` files;
//! a part after a line `--- strata.toml ---` becomes the workspace's configuration, and
//! a part after a line `--- data.csv ---` the data file `data.csv` (a measure reads it
//! with `data: "data.csv"`).
//! Bytes are kept as they are, so invalid UTF-8, NUL and byte-order marks reach the
//! loader exactly as they would from disk.

use strata::Workspace;
use strata::source::SourceFile;

const NEXT_FILE: &[u8] = b"\n--- next file ---\n";
const CONFIG: &[u8] = b"\n--- strata.toml ---\n";
const DATA: &[u8] = b"\n--- data.csv ---\n";

fn split<'a>(data: &'a [u8], marker: &[u8]) -> Vec<&'a [u8]> {
    let mut parts = Vec::new();
    let mut rest = data;
    while let Some(at) = rest.windows(marker.len()).position(|w| w == marker) {
        parts.push(&rest[..at]);
        rest = &rest[at + marker.len()..];
    }
    parts.push(rest);
    parts
}

/// The workspace the bytes describe.
pub fn workspace(data: &[u8]) -> Workspace {
    let mut parts = split(data, DATA).into_iter();
    let data = parts.next().unwrap_or_default();
    let csv = parts.next().map(|csv| strata::DataFile::new("data.csv", "data.csv", csv.to_vec()));
    let mut halves = split(data, CONFIG).into_iter();
    let files = halves.next().unwrap_or_default();
    let config = halves.next().map(|c| SourceFile::from_bytes("strata.toml", c.to_vec()));
    let files = split(files, NEXT_FILE)
        .into_iter()
        .take(8)
        .enumerate()
        .map(|(i, bytes)| SourceFile::from_bytes(format!("f{i}.strata"), bytes.to_vec()))
        .collect();
    Workspace { files, config, data: csv.into_iter().map(std::sync::Arc::new).collect() }
}

/// Renders the diagnostics in every format the CLI has; the JSON and SARIF must parse.
pub fn render_all(workspace: &Workspace, analysis: &strata::Analysis) {
    use strata::diagnostics::render;
    let diags = &analysis.diagnostics;
    let _ = render::human(workspace, diags, false, 100);
    let _ = render::short(workspace, diags);
    let _ = render::github(workspace, diags);
    let json = render::json(workspace, diags, workspace.files.len());
    serde_json::from_str::<serde_json::Value>(&json).expect("diagnostics JSON parses");
    let sarif = render::sarif(workspace, diags);
    serde_json::from_str::<serde_json::Value>(&sarif).expect("SARIF parses");
}
