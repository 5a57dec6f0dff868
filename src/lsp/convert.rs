//! Byte offsets and spans <-> LSP positions and ranges, and `Diagnostic` -> LSP, in the
//! position encoding negotiated with the client. Positions from the client are clamped
//! to the text, never trusted.

use tower_lsp_server::ls_types::{self as lsp, Uri};

use crate::diagnostics::render::Sources;
use crate::diagnostics::{Code, Diagnostic, Severity};
use crate::source::{ColumnUnit, LineCol, Loc, SourceFile, Span};

/// Where the long explanation of each code is published by default (the explanation
/// files in the project's repository); `{code}` is replaced by the code's name. The
/// environment variable `STRATA_EXPLAIN_URL` overrides it, e.g. for an internal mirror.
pub const EXPLANATION_URL: &str = "https://github.com/strata-maps/strata/blob/main/src/diagnostics/explain/{code}.md";

fn explanation_template() -> &'static str {
    static TEMPLATE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TEMPLATE.get_or_init(|| {
        std::env::var("STRATA_EXPLAIN_URL")
            .ok()
            .filter(|t| t.contains("{code}"))
            .unwrap_or_else(|| EXPLANATION_URL.to_owned())
    })
}

/// The encoding to use: UTF-8 when the client offers it, UTF-16 otherwise.
pub fn negotiate(offered: Option<&[lsp::PositionEncodingKind]>) -> ColumnUnit {
    match offered {
        Some(kinds) if kinds.contains(&lsp::PositionEncodingKind::UTF8) => ColumnUnit::Utf8,
        _ => ColumnUnit::Utf16,
    }
}

pub fn encoding_kind(unit: ColumnUnit) -> lsp::PositionEncodingKind {
    match unit {
        ColumnUnit::Utf8 => lsp::PositionEncodingKind::UTF8,
        ColumnUnit::Utf16 => lsp::PositionEncodingKind::UTF16,
        ColumnUnit::Char => lsp::PositionEncodingKind::UTF32,
    }
}

pub fn position(file: &SourceFile, offset: usize, unit: ColumnUnit) -> lsp::Position {
    let at = file.line_index.line_col(&file.text, offset, unit);
    lsp::Position { line: at.line, character: at.col }
}

pub fn range(file: &SourceFile, span: Span, unit: ColumnUnit) -> lsp::Range {
    lsp::Range { start: position(file, span.start as usize, unit), end: position(file, span.end as usize, unit) }
}

/// The byte offset of a client position, clamped to the text.
pub fn offset(file: &SourceFile, pos: lsp::Position, unit: ColumnUnit) -> usize {
    offset_in(&file.text, &file.line_index, pos, unit)
}

pub fn offset_in(text: &str, index: &crate::source::LineIndex, pos: lsp::Position, unit: ColumnUnit) -> usize {
    index.offset(text, LineCol { line: pos.line, col: pos.character }, unit)
}

/// The byte span of a client range, clamped and put in order.
pub fn span(file: &SourceFile, range: lsp::Range, unit: ColumnUnit) -> Span {
    let a = offset(file, range.start, unit);
    let b = offset(file, range.end, unit);
    Span::new(a.min(b), a.max(b))
}

/// Files of one workspace and the URI of each, by `FileId`.
pub struct Files<'a> {
    pub sources: &'a dyn Sources,
    pub uris: &'a [Uri],
}

impl Files<'_> {
    pub fn location(&self, loc: Loc, unit: ColumnUnit) -> Option<lsp::Location> {
        let uri = self.uris.get(loc.file.0 as usize)?.clone();
        Some(lsp::Location { uri, range: range(self.sources.source(loc.file), loc.span, unit) })
    }
}

pub fn explanation_href(code: Code) -> Option<Uri> {
    explanation_template().replace("{code}", code.name()).parse().ok()
}

/// A diagnostic as the client sees it: the primary label's range, the severity after
/// `strata.toml`, the code with a link to its explanation, the help after the message,
/// secondary labels as related information.
pub fn diagnostic(files: &Files<'_>, diag: &Diagnostic, unit: ColumnUnit) -> lsp::Diagnostic {
    let source = files.sources.source(diag.loc().file);
    let message = match &diag.help {
        Some(help) => format!("{}\nhelp: {help}", diag.message),
        None => diag.message.clone(),
    };
    let related: Vec<lsp::DiagnosticRelatedInformation> = diag
        .secondary
        .iter()
        .filter_map(|label| {
            let location = files.location(label.loc, unit)?;
            Some(lsp::DiagnosticRelatedInformation { location, message: label.message.clone().unwrap_or_default() })
        })
        .collect();
    let tags = unnecessary(diag.code).then(|| vec![lsp::DiagnosticTag::UNNECESSARY]);
    lsp::Diagnostic {
        range: range(source, diag.loc().span, unit),
        severity: Some(match diag.severity {
            Severity::Error => lsp::DiagnosticSeverity::ERROR,
            Severity::Warning => lsp::DiagnosticSeverity::WARNING,
        }),
        code: Some(lsp::NumberOrString::String(diag.code.name().to_owned())),
        code_description: explanation_href(diag.code).map(|href| lsp::CodeDescription { href }),
        source: Some("strata".to_owned()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags,
        data: None,
    }
}

/// Codes about text that does nothing, which editors fade out.
fn unnecessary(code: Code) -> bool {
    matches!(code, Code::UnusedSuppression | Code::UnusedGroup)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_round_trip_in_every_encoding() {
        let file = SourceFile::new("a.strata", "result 顧客 \"😀 x\"\r\nlayer l \"L\"\n");
        let x = file.text.find('x').unwrap_or_default();
        let utf16 = position(&file, x, ColumnUnit::Utf16);
        assert_eq!(utf16, lsp::Position { line: 0, character: 14 });
        let utf8 = position(&file, x, ColumnUnit::Utf8);
        assert_eq!(utf8, lsp::Position { line: 0, character: x as u32 });
        assert_eq!(offset(&file, utf16, ColumnUnit::Utf16), x);
        assert_eq!(offset(&file, utf8, ColumnUnit::Utf8), x);
        let layer = file.text.find("layer").unwrap_or_default();
        assert_eq!(position(&file, layer, ColumnUnit::Utf16), lsp::Position { line: 1, character: 0 });
        // Out of range: clamped.
        assert_eq!(offset(&file, lsp::Position { line: 99, character: 3 }, ColumnUnit::Utf16), file.text.len());
        let reversed = lsp::Range { start: utf16, end: lsp::Position { line: 0, character: 0 } };
        assert_eq!(span(&file, reversed, ColumnUnit::Utf16), Span::new(0, x));
    }

    #[test]
    fn negotiates_utf8_only_when_offered() {
        assert_eq!(negotiate(None), ColumnUnit::Utf16);
        let both = [lsp::PositionEncodingKind::UTF16, lsp::PositionEncodingKind::UTF8];
        assert_eq!(negotiate(Some(&both)), ColumnUnit::Utf8);
        assert_eq!(negotiate(Some(&[lsp::PositionEncodingKind::UTF32])), ColumnUnit::Utf16);
    }
}
