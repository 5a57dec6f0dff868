//! Diagnostics -> text: `human` (miette snippets), `short`, `json` (spec 7.1), `sarif`
//! (2.1.0) and `github` (workflow commands). Pure functions: the CLI prints.

use std::fmt::Write as _;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteSpanContents, SourceCode, SourceSpan, SpanContents,
};
use serde_json::{Value as Json, json};

use super::{Diagnostic, Label, Severity};
use crate::source::{ColumnUnit, LineCol, Loc, SourceFile};

/// Where diagnostics point: a file by id.
pub trait Sources {
    fn source(&self, file: crate::source::FileId) -> &SourceFile;
}

/// The 1-based line and column (in characters) of the start and end of a location.
fn range(sources: &dyn Sources, loc: Loc) -> (LineCol, LineCol) {
    let file = sources.source(loc.file);
    let start = file.line_index.line_col(&file.text, loc.span.start as usize, ColumnUnit::Char);
    let end = file.line_index.line_col(&file.text, loc.span.end as usize, ColumnUnit::Char);
    (start, end)
}

/// The closing line of `human` output: `2 errors, 1 warning in 3 files`.
pub fn summary(diagnostics: &[Diagnostic], files: usize) -> String {
    let errors = diagnostics.iter().filter(|d| d.severity == Severity::Error).count();
    let warnings = diagnostics.len() - errors;
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    format!("{}, {} in {}", plural(errors, "error"), plural(warnings, "warning"), plural(files, "file"))
}

/// `path:line:col: severity[code] message`, one line each.
pub fn short(sources: &dyn Sources, diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let (start, _) = range(sources, d.loc());
        let path = &sources.source(d.loc().file).path;
        let _ = writeln!(out, "{path}:{start}: {}[{}] {}", d.severity.as_str(), d.code.name(), d.message);
    }
    out
}

/// The JSON object of spec section 7.1.
pub fn json(sources: &dyn Sources, diagnostics: &[Diagnostic], files: usize) -> String {
    let list: Vec<Json> = diagnostics
        .iter()
        .map(|d| {
            let (start, end) = range(sources, d.loc());
            let related: Vec<Json> = d
                .secondary
                .iter()
                .map(|label| {
                    let (start, _) = range(sources, label.loc);
                    json!({
                        "file": sources.source(label.loc.file).path,
                        "line": start.line + 1,
                        "column": start.col + 1,
                        "message": label.message.clone().unwrap_or_default(),
                    })
                })
                .collect();
            json!({
                "code": d.code.name(),
                "severity": d.severity.as_str(),
                "message": d.message,
                "file": sources.source(d.loc().file).path,
                "line": start.line + 1,
                "column": start.col + 1,
                "end_line": end.line + 1,
                "end_column": end.col + 1,
                "help": d.help,
                "related": related,
            })
        })
        .collect();
    let errors = diagnostics.iter().filter(|d| d.severity == Severity::Error).count();
    let report = json!({
        "diagnostics": list,
        "summary": { "files": files, "errors": errors, "warnings": diagnostics.len() - errors },
    });
    let mut text = serde_json::to_string_pretty(&report).unwrap_or_default();
    text.push('\n');
    text
}

/// GitHub Actions workflow commands, one per diagnostic.
pub fn github(sources: &dyn Sources, diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let (start, end) = range(sources, d.loc());
        let level = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut message = d.message.clone();
        if let Some(help) = &d.help {
            message = format!("{message}\nhelp: {help}");
        }
        let _ = writeln!(
            out,
            "::{level} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            escape_property(&sources.source(d.loc().file).path),
            start.line + 1,
            start.col + 1,
            end.line + 1,
            end.col + 1,
            escape_property(d.code.name()),
            escape_data(&message),
        );
    }
    out
}

fn escape_data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// SARIF 2.1.0: one run, one rule per code, one result per diagnostic.
pub fn sarif(sources: &dyn Sources, diagnostics: &[Diagnostic]) -> String {
    let rules: Vec<Json> = super::Code::ALL
        .iter()
        .map(|code| {
            let level = match code.kind() {
                super::Kind::Error => "error",
                super::Kind::Lint(super::Level::Allow) => "none",
                super::Kind::Lint(super::Level::Warn) => "warning",
                super::Kind::Lint(super::Level::Deny) => "error",
            };
            json!({
                "id": code.name(),
                "name": code.name(),
                "shortDescription": { "text": code.summary() },
                "fullDescription": { "text": code.summary() },
                "help": { "text": code.explanation(), "markdown": code.explanation() },
                "defaultConfiguration": { "level": level },
            })
        })
        .collect();
    let region = |loc: Loc| {
        let (start, end) = range(sources, loc);
        json!({
            "startLine": start.line + 1,
            "startColumn": start.col + 1,
            "endLine": end.line + 1,
            "endColumn": end.col + 1,
        })
    };
    let location = |label: &Label, id: Option<usize>| {
        let mut value = json!({
            "physicalLocation": {
                "artifactLocation": { "uri": uri_path(&sources.source(label.loc.file).path) },
                "region": region(label.loc),
            }
        });
        if let Some(id) = id {
            value["id"] = json!(id);
        }
        if let Some(message) = &label.message {
            value["message"] = json!({ "text": message });
        }
        value
    };
    let results: Vec<Json> = diagnostics
        .iter()
        .map(|d| {
            let rule_index = super::Code::ALL.iter().position(|c| *c == d.code).unwrap_or(0);
            let mut text = d.message.clone();
            if let Some(help) = &d.help {
                text = format!("{text}\nhelp: {help}");
            }
            let mut result = json!({
                "ruleId": d.code.name(),
                "ruleIndex": rule_index,
                "level": d.severity.as_str(),
                "message": { "text": text },
                "locations": [location(&d.primary, None)],
            });
            if !d.secondary.is_empty() {
                let related: Vec<Json> = d.secondary.iter().enumerate().map(|(i, l)| location(l, Some(i))).collect();
                result["relatedLocations"] = json!(related);
            }
            result
        })
        .collect();
    let report = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "strata",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    let mut text = serde_json::to_string_pretty(&report).unwrap_or_default();
    text.push('\n');
    text
}

/// A relative path as a URI reference: `/`-separated, percent-encoded where needed; a
/// name that is not UTF-8 by its real bytes (`%FF`), not as it is shown (`\xFF`).
pub(crate) fn uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in crate::source::name_bytes(path) {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => out.push(byte as char),
            _ => {
                let _ = write!(out, "%{byte:02X}");
            }
        }
    }
    out
}

/// Terminal output through miette: snippets, labels, help; colour only when asked.
pub fn human(sources: &dyn Sources, diagnostics: &[Diagnostic], color: bool, width: usize) -> String {
    let theme = if color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(width).with_links(false);
    let mut out = String::new();
    for d in diagnostics {
        let report = MietteReport::new(sources, d);
        if handler.render_report(&mut out, &report).is_err() {
            // miette could not lay out this snippet: fall back to the one-line form.
            out.push_str(&short(sources, std::slice::from_ref(d)));
        }
        out.push('\n');
    }
    out
}

/// One file's text for miette, with columns in characters in the `[file:line:col]` header.
struct FileSource<'a> {
    file: &'a SourceFile,
}

impl SourceCode for FileSource<'_> {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, miette::MietteError> {
        // miette finds lines by scanning from the start of the text it is given, which made
        // N diagnostics in a long file cost N times the file. Hand it the text from the
        // first context line on instead (miette and `LineIndex` break lines alike:
        // `\n`, `\r\n` and a lone `\r`), then shift its answer back.
        let index = &self.file.line_index;
        let first_line = index.line_of(span.offset()).saturating_sub(before);
        let window_start = (index.line_span(&self.file.text, first_line).start as usize).min(span.offset());
        let window = self.file.text.get(window_start..).unwrap_or_default();
        let shifted = SourceSpan::new((span.offset() - window_start).into(), span.len());
        let inner = window.read_span(&shifted, before, after)?;
        let start = inner.span().offset() + window_start;
        let col = index.line_col(&self.file.text, start, ColumnUnit::Char).col as usize;
        Ok(Box::new(MietteSpanContents::new_named(
            self.file.path.clone(),
            inner.data(),
            SourceSpan::new(start.into(), inner.span().len()),
            inner.line() + first_line,
            col,
            inner.line_count(),
        )))
    }
}

/// A diagnostic as miette sees it: labels in other files become related reports.
struct MietteReport<'a> {
    severity: miette::Severity,
    code: &'static str,
    message: String,
    help: Option<String>,
    source: FileSource<'a>,
    labels: Vec<LabeledSpan>,
    related: Vec<MietteReport<'a>>,
}

impl<'a> MietteReport<'a> {
    fn new(sources: &'a dyn Sources, d: &Diagnostic) -> MietteReport<'a> {
        let file = sources.source(d.loc().file);
        let mut labels =
            vec![LabeledSpan::new_primary_with_span(d.primary.message.clone(), visible_span(file, d.primary.loc))];
        let mut related = Vec::new();
        for label in &d.secondary {
            if label.loc.file == d.loc().file {
                labels.push(LabeledSpan::new_with_span(label.message.clone(), visible_span(file, label.loc)));
            } else {
                let other = sources.source(label.loc.file);
                related.push(MietteReport {
                    severity: miette::Severity::Advice,
                    code: "",
                    message: label.message.clone().unwrap_or_default(),
                    help: None,
                    source: FileSource { file: other },
                    labels: vec![LabeledSpan::new_primary_with_span(
                        label.message.clone(),
                        visible_span(other, label.loc),
                    )],
                    related: Vec::new(),
                });
            }
        }
        MietteReport {
            severity: match d.severity {
                Severity::Error => miette::Severity::Error,
                Severity::Warning => miette::Severity::Warning,
            },
            code: d.code.name(),
            message: d.message.clone(),
            help: d.help.clone(),
            source: FileSource { file },
            labels,
            related,
        }
    }
}

/// miette draws nothing for an empty span at the end of a file: widen it to the last
/// character, or to the character it stands before.
fn visible_span(file: &SourceFile, loc: Loc) -> SourceSpan {
    let text = &file.text;
    let start = crate::source::floor_char_boundary(text, loc.span.start as usize);
    let end = crate::source::floor_char_boundary(text, (loc.span.end as usize).max(start));
    if end > start {
        return (start, end - start).into();
    }
    if start < text.len() {
        let len = text[start..].chars().next().map_or(0, char::len_utf8);
        return (start, len).into();
    }
    match text[..start].char_indices().next_back() {
        Some((i, ch)) if ch != '\n' => (i, ch.len_utf8()).into(),
        _ => (start, 0).into(),
    }
}

impl std::fmt::Debug for MietteReport<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::fmt::Display for MietteReport<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for MietteReport<'_> {}

impl miette::Diagnostic for MietteReport<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
        (!self.code.is_empty()).then(|| Box::new(self.code) as Box<dyn std::fmt::Display>)
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }

    fn help<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
        self.help.as_ref().map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }

    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn miette::Diagnostic> + 'b>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(self.related.iter().map(|r| r as &dyn miette::Diagnostic)))
    }
}
