//! Document formatting, through the formatter (`crate::fmt`).

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types as lsp;

use super::convert;
use super::navigation::failed;
use super::state::Snapshot;
use crate::diagnostics::Code;

/// The whole document through the formatter, as one minimal edit. A file with syntax
/// errors is never rewritten: the answer is then no edit (the errors are on show). A
/// file where formatting would change what a suppression comment covers is not either:
/// the request fails with the reason, which nothing else would show.
pub fn format(snap: &Snapshot, params: &lsp::DocumentFormattingParams) -> Result<Option<Vec<lsp::TextEdit>>> {
    let Some(file) = snap.file(&params.text_document.uri) else { return Ok(None) };
    // The tree the analysis made of this text (`strata.toml` has none).
    let Some(ast) = file.ast.filter(|ast| !ast.has_errors) else { return Ok(None) };
    if file.source.invalid_utf8_at.is_some() {
        return Ok(None);
    }
    let text = &file.source.text;
    let formatted = match crate::fmt::format_parsed(text, ast) {
        Ok(formatted) => formatted,
        Err(diags) => {
            let Some(diag) = diags.iter().find(|d| d.code == Code::MisplacedSuppression) else { return Ok(None) };
            let line = file.source.line_index.line_of(diag.primary.loc.span.start as usize) + 1;
            let help = diag.help.as_deref().map(|h| format!("; {h}")).unwrap_or_default();
            return Err(failed(format!("not formatted: line {line}: {}{help}", diag.message)));
        }
    };
    let edits = crate::fmt::minimal_edit(text, &formatted).map(|edit| lsp::TextEdit {
        range: convert::range(file.source, edit.span, snap.encoding),
        new_text: edit.text,
    });
    Ok(Some(edits.into_iter().collect()))
}
