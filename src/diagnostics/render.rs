//! Diagnostics -> text: `human` (miette snippets), `short`, `json` (spec 7.1), `sarif`
//! (2.1.0) and `github` (workflow commands). Pure functions: the CLI prints.

use std::fmt::Write as _;
use std::io;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteSpanContents, SourceCode, SourceSpan, SpanContents,
};
use serde::Serialize;
use serde_json::{Value as Json, json};

use super::{Diagnostic, Label, Severity};
use crate::export::Output;
use crate::source::{ColumnUnit, LineCol, Loc, SourceFile};

/// Where diagnostics point: a file by id. (`Sync`: big reports are written on every
/// core.)
pub trait Sources: Sync {
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
    let mut text = String::new();
    let _ = write_short(sources, diagnostics, &mut text);
    text
}

/// `short`, written to `out` in chunks made on every core (as `write_pretty_around`):
/// 40,000 lines built into one string were a tenth of checking a 10,000-result map,
/// most of it growing the string.
pub fn write_short(sources: &dyn Sources, diagnostics: &[Diagnostic], out: &mut dyn Output) -> io::Result<()> {
    const CHUNK: usize = 1_000;
    let work = |run: &[Diagnostic], text: &mut String| {
        for d in run {
            let (start, _) = range(sources, d.loc());
            let path = &sources.source(d.loc().file).path;
            let _ = writeln!(text, "{path}:{start}: {}[{}] {}", d.severity.as_str(), d.code.name(), d.message);
        }
    };
    in_order_to(out, diagnostics, CHUNK, work)
}

/// `parallel::in_order` with each chunk put to `out`: the first write error stops it
/// and is returned.
fn in_order_to<T: Sync>(
    out: &mut dyn Output,
    items: &[T],
    chunk: usize,
    work: impl Fn(&[T], &mut String) + Sync,
) -> io::Result<()> {
    let mut written = Ok(());
    crate::parallel::in_order(items, chunk, work, |text| {
        written = out.put(text);
        written.is_ok()
    });
    written
}

/// The JSON object of spec section 7.1.
pub fn json(sources: &dyn Sources, diagnostics: &[Diagnostic], files: usize) -> String {
    let mut text = String::new();
    let _ = write_json(sources, diagnostics, files, &mut text);
    text
}

/// `json`, written to `out` as it is made: no tree of the whole report is held (500,000
/// diagnostics as `serde_json::Value`s took 2.5 GB, issue 17).
pub fn write_json(
    sources: &dyn Sources,
    diagnostics: &[Diagnostic],
    files: usize,
    out: &mut dyn Output,
) -> io::Result<()> {
    let errors = diagnostics.iter().filter(|d| d.severity == Severity::Error).count();
    let report =
        JsonReport { diagnostics: ARRAY, summary: JsonSummary { files, errors, warnings: diagnostics.len() - errors } };
    write_pretty_around(&report, diagnostics, |d, into| into.put(&JsonDiagnostic::new(sources, d)), out)
}

/// One diagnostic as an object of `--format json` (spec 7.1); `strata diff` lists its
/// introduced and fixed diagnostics in the same shape.
pub fn json_diagnostic(sources: &dyn Sources, d: &Diagnostic) -> Json {
    serde_json::to_value(JsonDiagnostic::new(sources, d)).unwrap_or_default()
}

/// Where a report's one long array goes: `write_pretty_around` serializes the report
/// with this string in its place (serde writes the NUL as `\u0000`, which no text of a
/// report's frame holds), then writes the array there itself.
const ARRAY: &str = "\0strata: the array";

/// Serializes `frame` as pretty JSON (two spaces, as `serde_json::to_string_pretty`)
/// and a line break, to `out`, with `items` (each serialized by `element`) as the
/// array where `frame` holds `ARRAY`. The array is written in chunks on every
/// core, handed on in order as they are done (`parallel::in_order`): the same bytes as
/// one serialization of the whole, in a fraction of the time, and the output is
/// written while the next chunks are made (500,000 warnings' SARIF is 411 MB, issue 17).
fn write_pretty_around<T: Sync>(
    frame: &impl Serialize,
    items: &[T],
    element: impl Fn(&T, Element<'_>) -> serde_json::Result<()> + Sync,
    out: &mut dyn Output,
) -> io::Result<()> {
    /// A few hundred KB of JSON: thousands of hand-overs for 500,000 diagnostics.
    const CHUNK: usize = 1_000;
    let mut text = Vec::new();
    frame.serialize(&mut serde_json::Serializer::with_formatter(&mut text, Pretty::default()))?;
    text.push(b'\n');
    let text = String::from_utf8(text).map_err(|e| invalid(e.utf8_error()))?;
    let marker = serde_json::to_string(ARRAY)?;
    let Some((before, after)) = text.split_once(&marker) else {
        return Err(io::Error::other("the report's frame has no place for its array"));
    };
    if items.is_empty() {
        return out.put(&format!("{before}[]{after}"));
    }
    // The array opens on the line of its key, its elements one level deeper.
    let line = &before[before.rfind('\n').map_or(0, |at| at + 1)..];
    let depth = (line.len() - line.trim_start_matches(' ').len()) / 2 + 1;
    out.put(before)?;
    out.put("[")?;
    let failed = std::sync::Mutex::new(None);
    let work = |run: &[T], chunk: &mut String| {
        let mut bytes = std::mem::take(chunk).into_bytes();
        for (i, item) in run.iter().enumerate() {
            if i > 0 || !std::ptr::eq(run.as_ptr(), items.as_ptr()) {
                bytes.push(b',');
            }
            let formatter = Pretty { depth, has_value: false };
            let written = formatter
                .line(&mut bytes)
                .map_err(serde_json::Error::io)
                .and_then(|()| element(item, Element { bytes: &mut bytes, formatter }));
            if let Err(e) = written {
                failed.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get_or_insert(e);
            }
        }
        // serde_json writes only whole characters of `&str`s: this is valid UTF-8.
        *chunk = String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    };
    in_order_to(out, items, CHUNK, work)?;
    if let Some(e) = failed.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner) {
        return Err(e.into());
    }
    let mut close = Vec::new();
    Pretty { depth: depth - 1, has_value: true }.line(&mut close)?;
    close.push(b']');
    out.put(std::str::from_utf8(&close).map_err(invalid)?)?;
    out.put(after)
}

/// Where `write_pretty_around` has one element of its array serialized.
struct Element<'b> {
    bytes: &'b mut Vec<u8>,
    formatter: Pretty,
}

impl Element<'_> {
    fn put(self, value: &impl Serialize) -> serde_json::Result<()> {
        value.serialize(&mut serde_json::Serializer::with_formatter(self.bytes, self.formatter))
    }
}

/// serde_json's `PrettyFormatter` (two spaces), byte for byte, but each line break is
/// written with its indentation at once, not two bytes per level: SARIF nests eight
/// deep, and its 400 MB for 500,000 warnings are mostly indentation (a quarter of the
/// time went to those writes, issue 17).
#[derive(Default)]
struct Pretty {
    depth: usize,
    has_value: bool,
}

/// A line break and the indentation of up to 64 levels.
static BREAK: [u8; 129] = {
    let mut line = [b' '; 129];
    line[0] = b'\n';
    line
};

impl Pretty {
    fn line<W: ?Sized + io::Write>(&self, out: &mut W) -> io::Result<()> {
        let mut width = 2 * self.depth;
        let first = width.min(BREAK.len() - 1);
        out.write_all(&BREAK[..1 + first])?;
        width -= first;
        while width > 0 {
            let more = width.min(BREAK.len() - 1);
            out.write_all(&BREAK[1..1 + more])?;
            width -= more;
        }
        Ok(())
    }

    fn open<W: ?Sized + io::Write>(&mut self, out: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        out.write_all(bracket)
    }

    fn close<W: ?Sized + io::Write>(&mut self, out: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            self.line(out)?;
        }
        out.write_all(bracket)
    }
}

impl serde_json::ser::Formatter for Pretty {
    fn begin_array<W: ?Sized + io::Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.open(out, b"[")
    }

    fn end_array<W: ?Sized + io::Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.close(out, b"]")
    }

    fn begin_array_value<W: ?Sized + io::Write>(&mut self, out: &mut W, first: bool) -> io::Result<()> {
        if !first {
            out.write_all(b",")?;
        }
        self.line(out)
    }

    fn end_array_value<W: ?Sized + io::Write>(&mut self, _out: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + io::Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.open(out, b"{")
    }

    fn end_object<W: ?Sized + io::Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.close(out, b"}")
    }

    fn begin_object_key<W: ?Sized + io::Write>(&mut self, out: &mut W, first: bool) -> io::Result<()> {
        self.begin_array_value(out, first)
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, out: &mut W) -> io::Result<()> {
        out.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + io::Write>(&mut self, _out: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

fn invalid(e: std::str::Utf8Error) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e)
}

#[derive(Serialize)]
struct JsonReport<D> {
    diagnostics: D,
    summary: JsonSummary,
}

#[derive(Serialize)]
struct JsonSummary {
    files: usize,
    errors: usize,
    warnings: usize,
}

/// The fields in the order spec 7.1 lists them (and the output always had).
#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: &'static str,
    severity: &'static str,
    message: &'a str,
    file: &'a str,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    help: Option<&'a str>,
    related: Vec<JsonRelated<'a>>,
}

#[derive(Serialize)]
struct JsonRelated<'a> {
    file: &'a str,
    line: u32,
    column: u32,
    message: &'a str,
}

impl<'a> JsonDiagnostic<'a> {
    fn new(sources: &'a dyn Sources, d: &'a Diagnostic) -> JsonDiagnostic<'a> {
        let (start, end) = range(sources, d.loc());
        let related = d
            .secondary
            .iter()
            .map(|label| {
                let (start, _) = range(sources, label.loc);
                JsonRelated {
                    file: &sources.source(label.loc.file).path,
                    line: start.line + 1,
                    column: start.col + 1,
                    message: label.message.as_deref().unwrap_or_default(),
                }
            })
            .collect();
        JsonDiagnostic {
            code: d.code.name(),
            severity: d.severity.as_str(),
            message: &d.message,
            file: &sources.source(d.loc().file).path,
            line: start.line + 1,
            column: start.col + 1,
            end_line: end.line + 1,
            end_column: end.col + 1,
            help: d.help.as_deref(),
            related,
        }
    }
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
    let mut text = String::new();
    let _ = write_sarif(sources, diagnostics, &mut text);
    text
}

/// `sarif`, written to `out` as it is made (as `write_json`).
pub fn write_sarif(sources: &dyn Sources, diagnostics: &[Diagnostic], out: &mut dyn Output) -> io::Result<()> {
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
    let tool = json!({ "driver": {
        "name": "strata",
        "version": env!("CARGO_PKG_VERSION"),
        "rules": rules,
    }});
    let report = Sarif {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: [SarifRun { tool, column_kind: "unicodeCodePoints", results: ARRAY }],
    };
    write_pretty_around(&report, diagnostics, |d, into| into.put(&SarifResult::new(sources, d)), out)
}

#[derive(Serialize)]
struct Sarif<R> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [SarifRun<R>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifRun<R> {
    tool: Json,
    column_kind: &'static str,
    results: R,
}

/// A result's fields in the order the report always had them.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: SarifText<'a>,
    locations: [SarifLocation<'a>; 1],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<SarifLocation<'a>>,
}

#[derive(Serialize)]
struct SarifText<'a> {
    text: std::borrow::Cow<'a, str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifLocation<'a> {
    physical_location: SarifPhysical,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<SarifText<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifPhysical {
    artifact_location: SarifArtifact,
    region: SarifRegion,
}

#[derive(Serialize)]
struct SarifArtifact {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifRegion {
    start_line: u32,
    start_column: u32,
    end_line: u32,
    end_column: u32,
}

impl<'a> SarifResult<'a> {
    fn new(sources: &'a dyn Sources, d: &'a Diagnostic) -> SarifResult<'a> {
        let location = |label: &'a Label, id: Option<usize>| {
            let (start, end) = range(sources, label.loc);
            SarifLocation {
                physical_location: SarifPhysical {
                    artifact_location: SarifArtifact { uri: uri_path(&sources.source(label.loc.file).path) },
                    region: SarifRegion {
                        start_line: start.line + 1,
                        start_column: start.col + 1,
                        end_line: end.line + 1,
                        end_column: end.col + 1,
                    },
                },
                id,
                message: label.message.as_deref().map(|text| SarifText { text: text.into() }),
            }
        };
        let text = match &d.help {
            Some(help) => format!("{}\nhelp: {help}", d.message).into(),
            None => d.message.as_str().into(),
        };
        SarifResult {
            rule_id: d.code.name(),
            rule_index: super::Code::ALL.iter().position(|c| *c == d.code).unwrap_or(0),
            level: d.severity.as_str(),
            message: SarifText { text },
            locations: [location(&d.primary, None)],
            related_locations: d.secondary.iter().enumerate().map(|(i, l)| location(l, Some(i))).collect(),
        }
    }
}

/// A GitLab Code Quality report: a JSON array, one issue per diagnostic, with the
/// fields GitLab reads (`description`, `check_name`, `fingerprint`, `severity`,
/// `location.path`, `location.lines.begin`). An error is `major`, a warning `minor`.
/// The fingerprint hashes the code, the file and the message, not the line, so an issue
/// keeps its identity when lines move; identical issues in one file are told apart by
/// their order (the second hashes a `1` more).
pub fn gitlab(sources: &dyn Sources, diagnostics: &[Diagnostic]) -> String {
    let mut seen: std::collections::BTreeMap<(&str, &str, &str), u32> = std::collections::BTreeMap::new();
    let issues: Vec<Json> = diagnostics
        .iter()
        .map(|d| {
            let (start, end) = range(sources, d.loc());
            let path = sources.source(d.loc().file).path.as_str();
            let nth = seen.entry((d.code.name(), path, d.message.as_str())).or_default();
            let fingerprint = fingerprint(&[d.code.name(), path, &d.message, &nth.to_string()]);
            *nth += 1;
            let mut description = d.message.clone();
            if let Some(help) = &d.help {
                description = format!("{description} (help: {help})");
            }
            json!({
                "description": description,
                "check_name": d.code.name(),
                "fingerprint": fingerprint,
                "severity": match d.severity { Severity::Error => "major", Severity::Warning => "minor" },
                "location": {
                    "path": path,
                    "lines": { "begin": start.line + 1, "end": end.line + 1 },
                },
            })
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&Json::Array(issues)).unwrap_or_default();
    text.push('\n');
    text
}

/// 128 bits of two FNV-1a hashes (different offsets) of the parts, each ended by a NUL,
/// in hex: written here so that it never changes with a dependency.
fn fingerprint(parts: &[&str]) -> String {
    let hash = |mut h: u64| {
        for part in parts {
            for &byte in part.as_bytes().iter().chain(&[0]) {
                h ^= u64::from(byte);
                h = h.wrapping_mul(0x0000_0100_0000_01b3);
            }
        }
        h
    };
    format!("{:016x}{:016x}", hash(0xcbf2_9ce4_8422_2325), hash(0x6c62_272e_07bb_0142))
}

/// JUnit XML, for CI systems that show test reports: one `<testsuite>` per file (every
/// `.strata` file checked, in `paths`, and any other file a diagnostic is in), one
/// `<testcase>` per diagnostic. An error is a `<failure>`; a warning is a test case
/// that passes with the message in `<system-out>` (warnings do not fail `check`); a
/// file without diagnostics has one passing test case, `no diagnostics`.
pub fn junit(sources: &dyn Sources, diagnostics: &[Diagnostic], paths: Vec<String>) -> String {
    let mut files: std::collections::BTreeMap<String, Vec<&Diagnostic>> =
        paths.into_iter().map(|p| (p, Vec::new())).collect();
    for d in diagnostics {
        files.entry(sources.source(d.loc().file).path.clone()).or_default().push(d);
    }
    let errors = diagnostics.iter().filter(|d| d.severity == Severity::Error).count();
    let tests: usize = files.values().map(|ds| ds.len().max(1)).sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(out, "<testsuites name=\"strata\" tests=\"{tests}\" failures=\"{errors}\" errors=\"0\">");
    for (path, found) in &files {
        let path = xml(path);
        let failures = found.iter().filter(|d| d.severity == Severity::Error).count();
        let count = found.len().max(1);
        let _ = writeln!(out, "  <testsuite name=\"{path}\" tests=\"{count}\" failures=\"{failures}\" errors=\"0\">");
        if found.is_empty() {
            let _ = writeln!(out, "    <testcase name=\"no diagnostics\" classname=\"{path}\" file=\"{path}\"/>");
        }
        for d in found {
            let (start, _) = range(sources, d.loc());
            let (line, col) = (start.line + 1, start.col + 1);
            let code = d.code.name();
            let _ = writeln!(
                out,
                "    <testcase name=\"{code} at {line}:{col}\" classname=\"{path}\" file=\"{path}\" line=\"{line}\">"
            );
            let mut body = format!("{path}:{line}:{col}: {}[{code}] {}", d.severity.as_str(), d.message);
            if let Some(help) = &d.help {
                body = format!("{body}\nhelp: {help}");
            }
            match d.severity {
                Severity::Error => {
                    let message = xml(&d.message);
                    let body = xml(&body);
                    let _ = writeln!(out, "      <failure type=\"{code}\" message=\"{message}\">{body}</failure>");
                }
                Severity::Warning => {
                    let _ = writeln!(out, "      <system-out>{}</system-out>", xml(&body));
                }
            }
            out.push_str("    </testcase>\n");
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

/// Text for XML content and attribute values: the five special characters escaped, a
/// line break in an attribute kept as `&#10;`, and the characters XML 1.0 cannot hold
/// (other controls, U+FFFE, U+FFFF) written `\u{..}`.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\t' => out.push_str("&#9;"),
            '\r' => out.push_str("&#13;"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
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

/// A line longer than this many bytes is cut down in a snippet to the neighbourhood of
/// the labels on it; shorter lines are shown whole.
const LONG_LINE: usize = 160;

/// How many characters a cut-down line keeps on each side of a label's start and end.
const NEAR: usize = 60;

/// The most labels one snippet draws: miette's layout costs lines times labels, and a
/// loop of 100,000 links labels each one. The rest are counted in the help.
const MAX_LABELS: usize = 100;

/// What miette reads for one report: only the lines it shows (each label's lines and
/// one line either side), long ones cut down to the labels' neighbourhood with `…` where
/// text was left out, every line break a `\n`. miette numbers lines by counting breaks
/// and lays out columns by formatting widths that must stay below 65,536; it never sees
/// the whole file, so neither a long line nor a lone `\r` can mislead it. Line numbers
/// and the `[file:line:col]` header stay those of the file.
struct Snippet<'a> {
    file: &'a SourceFile,
    text: String,
    /// The lines shown, in order, each with where it starts in `text`.
    lines: Vec<ShownLine>,
}

struct ShownLine {
    /// The 0-based line in the file.
    line: usize,
    /// Where the line starts in the snippet's text.
    start: usize,
    /// The pieces of the line that are kept, in both texts.
    pieces: Vec<Piece>,
}

/// A run of a line kept whole: `len` bytes at `at` in the snippet's text, `file_at` in
/// the file.
#[derive(Clone, Copy)]
struct Piece {
    at: usize,
    file_at: usize,
    len: usize,
}

impl<'a> Snippet<'a> {
    /// The snippet of `file` around `spans` (byte spans of the file).
    fn new(file: &'a SourceFile, spans: &[SourceSpan]) -> Snippet<'a> {
        let index = &file.line_index;
        let last = index.line_count().saturating_sub(1);
        let mut ranges: Vec<(usize, usize)> = spans
            .iter()
            .map(|span| {
                let first = index.line_of(span.offset());
                let end = index.line_of(span.offset() + span.len());
                (first.saturating_sub(1), (end + 1).min(last))
            })
            .collect();
        ranges.sort_unstable();
        let mut shown: Vec<usize> = Vec::new();
        for (from, to) in ranges {
            let from = shown.last().map_or(from, |&l| from.max(l + 1));
            shown.extend(from..=to);
        }
        let mut snippet = Snippet { file, text: String::new(), lines: Vec::with_capacity(shown.len()) };
        for line in shown {
            snippet.push_line(line, spans, line < last);
        }
        snippet
    }

    fn push_line(&mut self, line: usize, spans: &[SourceSpan], broken: bool) {
        let text = &self.file.text;
        let bounds = self.file.line_index.line_span(text, line);
        let (start, end) = (bounds.start as usize, bounds.end as usize);
        let kept = if end - start <= LONG_LINE {
            vec![(start, end)]
        } else {
            let mut anchors: Vec<usize> = Vec::new();
            for span in spans {
                let (from, to) = (span.offset(), span.offset() + span.len());
                if (start..=end).contains(&from) {
                    anchors.push(from);
                }
                if (start..=end).contains(&to) {
                    anchors.push(to);
                }
            }
            if anchors.is_empty() {
                anchors.push(start);
            }
            anchors.sort_unstable();
            let mut kept: Vec<(usize, usize)> = Vec::new();
            for anchor in anchors {
                let from = back(text, start, anchor, NEAR);
                let to = forward(text, anchor, end, NEAR);
                match kept.last_mut() {
                    Some(last) if from <= last.1 => last.1 = last.1.max(to),
                    _ => kept.push((from, to)),
                }
            }
            kept
        };
        let mut shown = ShownLine { line, start: self.text.len(), pieces: Vec::with_capacity(kept.len()) };
        let mut at = start;
        for (from, to) in kept {
            if from > at {
                self.text.push('…');
            }
            shown.pieces.push(Piece { at: self.text.len(), file_at: from, len: to - from });
            self.text.push_str(&text[from..to]);
            at = to;
        }
        if at < end {
            self.text.push('…');
        }
        if broken {
            self.text.push('\n');
        }
        self.lines.push(shown);
    }

    /// Where a byte offset of the file is in the snippet's text (its line must be shown;
    /// an offset in a line break or a cut goes to the end of what is shown before it).
    fn to_snippet(&self, offset: usize) -> usize {
        let line = self.file.line_index.line_of(offset);
        let i = self.lines.partition_point(|l| l.line < line).min(self.lines.len().saturating_sub(1));
        let Some(shown) = self.lines.get(i) else { return 0 };
        let mut at = shown.start;
        for piece in &shown.pieces {
            if offset < piece.file_at {
                break;
            }
            at = piece.at + (offset - piece.file_at).min(piece.len);
        }
        at
    }

    /// Where an offset of the snippet's text is in the file.
    fn to_file(&self, at: usize) -> usize {
        let i = self.lines.partition_point(|l| l.start <= at).saturating_sub(1);
        let Some(shown) = self.lines.get(i) else { return 0 };
        let mut offset = self.file.line_index.line_span(&self.file.text, shown.line).start as usize;
        for piece in &shown.pieces {
            if at < piece.at {
                // In the `…` before the piece.
                return piece.file_at;
            }
            if at <= piece.at + piece.len {
                return piece.file_at + (at - piece.at);
            }
            offset = piece.file_at + piece.len;
        }
        offset
    }

    fn span(&self, span: SourceSpan) -> SourceSpan {
        let start = self.to_snippet(span.offset());
        let end = self.to_snippet(span.offset() + span.len()).max(start);
        SourceSpan::new(start.into(), end - start)
    }
}

/// The offset `count` characters before `offset`, but not before `floor`.
fn back(text: &str, floor: usize, offset: usize, count: usize) -> usize {
    text[floor..offset].char_indices().rev().take(count).last().map_or(offset, |(i, _)| floor + i)
}

/// The offset `count` characters after `offset`, but not after `ceiling`.
fn forward(text: &str, offset: usize, ceiling: usize, count: usize) -> usize {
    text[offset..ceiling].char_indices().nth(count).map_or(ceiling, |(i, _)| offset + i)
}

impl SourceCode for Snippet<'_> {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, miette::MietteError> {
        // Hand miette the run of consecutive file lines the span is in, from `before`
        // lines before it, so that its line count is the file's; then shift its answer.
        let i = self.lines.partition_point(|l| l.start <= span.offset()).saturating_sub(1);
        let mut first = i;
        while first > 0 && i - first < before && self.lines[first - 1].line + 1 == self.lines[first].line {
            first -= 1;
        }
        let mut last = i;
        while last + 1 < self.lines.len() && self.lines[last + 1].line == self.lines[last].line + 1 {
            last += 1;
        }
        let Some(from) = self.lines.get(first) else { return Err(miette::MietteError::OutOfBounds) };
        let window_start = from.start.min(span.offset());
        let window_end = self.lines.get(last + 1).map_or(self.text.len(), |next| next.start);
        let window = self.text.get(window_start..window_end).ok_or(miette::MietteError::OutOfBounds)?;
        let shifted = SourceSpan::new((span.offset() - window_start).into(), span.len());
        let inner = window.read_span(&shifted, before, after)?;
        let start = inner.span().offset() + window_start;
        let index = &self.file.line_index;
        let col = index.line_col(&self.file.text, self.to_file(start), ColumnUnit::Char).col as usize;
        Ok(Box::new(MietteSpanContents::new_named(
            self.file.path.clone(),
            inner.data(),
            SourceSpan::new(start.into(), inner.span().len()),
            inner.line() + from.line,
            col,
            inner.line_count(),
        )))
    }
}

/// A label before it is moved into its snippet: message, span in the file, primary.
type Mark = (Option<String>, SourceSpan, bool);

/// A diagnostic as miette sees it: labels in other files become related reports.
struct MietteReport<'a> {
    severity: miette::Severity,
    code: &'static str,
    message: String,
    help: Option<String>,
    source: Snippet<'a>,
    labels: Vec<LabeledSpan>,
    related: Vec<MietteReport<'a>>,
}

impl<'a> MietteReport<'a> {
    fn new(sources: &'a dyn Sources, d: &Diagnostic) -> MietteReport<'a> {
        let file = sources.source(d.loc().file);
        let shown = d.secondary.len().min(MAX_LABELS);
        let mut labels = vec![(d.primary.message.clone(), visible_span(file, d.primary.loc), true)];
        let mut others: Vec<(&SourceFile, Vec<Mark>)> = Vec::new();
        for label in &d.secondary[..shown] {
            let other = sources.source(label.loc.file);
            if label.loc.file == d.loc().file {
                labels.push((label.message.clone(), visible_span(file, label.loc), false));
            } else {
                others.push((other, vec![(label.message.clone(), visible_span(other, label.loc), true)]));
            }
        }
        let related = others
            .into_iter()
            .map(|(other, labels)| {
                let message = labels.first().and_then(|l| l.0.clone()).unwrap_or_default();
                let (source, labels) = snippet(other, labels);
                MietteReport {
                    severity: miette::Severity::Advice,
                    code: "",
                    message,
                    help: None,
                    source,
                    labels,
                    related: Vec::new(),
                }
            })
            .collect();
        let mut help = d.help.clone();
        if shown < d.secondary.len() {
            let more =
                format!("{} more labels are not shown here; `--format json` lists them all", d.secondary.len() - shown);
            help = Some(match help {
                Some(help) => format!("{help}\n{more}"),
                None => more,
            });
        }
        let (source, labels) = snippet(file, labels);
        MietteReport {
            severity: match d.severity {
                Severity::Error => miette::Severity::Error,
                Severity::Warning => miette::Severity::Warning,
            },
            code: d.code.name(),
            message: d.message.clone(),
            help,
            source,
            labels,
            related,
        }
    }
}

/// The snippet of `file` for `labels` (message, span in the file, primary), and the
/// labels with their spans moved into it.
fn snippet(file: &SourceFile, labels: Vec<Mark>) -> (Snippet<'_>, Vec<LabeledSpan>) {
    let spans: Vec<SourceSpan> = labels.iter().map(|l| l.1).collect();
    let snippet = Snippet::new(file, &spans);
    let labels = labels
        .into_iter()
        .map(|(message, span, primary)| {
            let span = snippet.span(span);
            if primary {
                LabeledSpan::new_primary_with_span(message, span)
            } else {
                LabeledSpan::new_with_span(message, span)
            }
        })
        .collect();
    (snippet, labels)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The report written around its array, in chunks on every core, is byte for byte
    /// `to_string_pretty` of the whole: at any depth, with no element, one, or several
    /// chunks' worth, elements nested and holding any characters.
    #[test]
    fn a_report_written_around_its_array_is_the_whole_serialized_at_once() {
        let element = |n: usize| json!({ "n": n, "text": "é顧😀\"\n\u{1}", "deep": [[{ "x": [] }], {}] });
        let frames = [
            json!({ "diagnostics": ARRAY, "summary": { "files": 1 } }),
            json!({ "a": { "b": [{ "c": [1, { "results": ARRAY }], "d": null }] }, "z": "\u{0}" }),
            json!(ARRAY),
        ];
        for frame in frames {
            for count in [0, 1, 2, 999, 1_000, 1_001, 3_500] {
                let items: Vec<Json> = (0..count).map(element).collect();
                let mut written = String::new();
                write_pretty_around(&frame, &items, |item, into| into.put(item), &mut written).expect("written");
                let whole = serde_json::to_string_pretty(&frame).expect("serialized").replace(
                    &serde_json::to_string(ARRAY).expect("serialized"),
                    &serde_json::to_string_pretty(&items).expect("serialized"),
                );
                // `to_string_pretty` of the items alone indents them from the left edge.
                let whole: Json = serde_json::from_str(&whole).expect("valid");
                let whole = serde_json::to_string_pretty(&whole).expect("serialized") + "\n";
                assert!(written == whole, "{count} items in {frame}:\n{written}\nagainst\n{whole}");
            }
        }
    }
}
