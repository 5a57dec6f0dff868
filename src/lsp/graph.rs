//! The custom request `strata/graph`: the map as DOT, Mermaid or JSON, for a live
//! preview, through the exporter.

use serde::Deserialize;
use serde_json::{Value, json};
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::Uri;

use super::navigation::failed;
use super::state::Snapshot;
use crate::diagnostics::Severity;
use crate::export::{self, Focus, Format};

/// `strata/graph` parameters: `{ "format": "dot" | "mermaid" | "json", "focus"?: ID,
/// "depth"?: N, "uri"?: a document whose workspace to export }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GraphParams {
    pub format: String,
    #[serde(default)]
    pub focus: Option<String>,
    #[serde(default)]
    pub depth: Option<usize>,
    #[serde(default)]
    pub uri: Option<Uri>,
}

/// The export of the workspace as it is now. Errors do not stop it: what resolved is
/// exported, and `errors` says how many error diagnostics the workspace has (what they
/// concern is left out).
pub fn graph(snap: &Snapshot, params: &GraphParams) -> Result<Value> {
    let format = match params.format.as_str() {
        "dot" => Format::Dot,
        "mermaid" => Format::Mermaid,
        "json" => Format::Json,
        "svg" => Format::Svg,
        other => {
            return Err(Error::invalid_params(format!(
                "unknown format `{other}`: use \"dot\", \"mermaid\", \"svg\" or \"json\""
            )));
        }
    };
    let unit = match &params.uri {
        Some(uri) => snap
            .file(uri)
            .map(|f| f.unit)
            .ok_or_else(|| failed(format!("`{}` is not part of a workspace", uri.as_str())))?,
        None => snap.units.first().ok_or_else(|| failed("no workspace is open: there is nothing to export"))?,
    };
    let focus = params.focus.clone().map(|id| Focus { id, depth: params.depth.unwrap_or(1) });
    let text = export::export(&unit.workspace, &unit.analysis.model, format, focus.as_ref())
        .map_err(|e| failed(e.to_string().replace("`--focus ", "`focus: ")))?;
    let errors = unit.analysis.diagnostics.iter().filter(|d| d.severity == Severity::Error).count();
    let note = match errors {
        0 => Value::Null,
        1 => json!("the workspace has 1 error: what it concerns is left out of the map"),
        n => json!(format!("the workspace has {n} errors: what they concern is left out of the map")),
    };
    Ok(json!({
        "format": params.format,
        "text": text,
        "errors": errors,
        "note": note,
        "root": unit.root.as_deref().map(crate::workspace::escape),
    }))
}
