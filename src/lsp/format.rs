//! Document formatting, through the formatter (`crate::fmt`).

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types as lsp;

use super::convert;
use super::state::Snapshot;

/// The whole document through the formatter, as one minimal edit. A file with syntax
/// errors is never rewritten: the answer is then no edit.
pub fn format(snap: &Snapshot, params: &lsp::DocumentFormattingParams) -> Result<Option<Vec<lsp::TextEdit>>> {
    let Some(file) = snap.file(&params.text_document.uri) else { return Ok(None) };
    if file.ast.is_none() || file.source.invalid_utf8_at.is_some() {
        return Ok(None);
    }
    let text = &file.source.text;
    let Ok(formatted) = crate::fmt::format(text) else { return Ok(None) };
    let edits = crate::fmt::minimal_edit(text, &formatted).map(|edit| lsp::TextEdit {
        range: convert::range(file.source, edit.span, snap.encoding),
        new_text: edit.text,
    });
    Ok(Some(edits.into_iter().collect()))
}
