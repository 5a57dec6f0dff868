//! The three renderings of a `Diff`, pure text: `human` (a terminal, grouped by result),
//! `markdown` (a pull-request comment: a summary line, then collapsible sections) and
//! `json` (spec 11, described by `schema/diff.schema.json`). Every user string is escaped
//! for its format: control characters in `human`, Markdown and HTML in `markdown`.

use std::fmt::Write as _;

use serde_json::{Value as Json, json};

use super::{Change, Diff, Finding, Section};
use crate::diagnostics::Severity;

/// A value as the human and markdown outputs show it: quoted, with `"`, `\` and control
/// characters escaped as a `.strata` string would write them; `none` when absent.
fn shown(value: Option<&str>) -> String {
    let Some(value) = value else { return "none".to_owned() };
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:X}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The heading of a section.
fn heading(section: &Section) -> String {
    match section {
        Section::Map => "Map and layers".to_owned(),
        Section::Groups => "Customer groups".to_owned(),
        Section::Result(_, id) => format!("Result `{id}`"),
        Section::Actions => "Actions".to_owned(),
        Section::Other => "Measures of no result".to_owned(),
    }
}

/// The changes, a section at a time (they are sorted by section).
fn sections(changes: &[Change]) -> Vec<(&Section, &[Change])> {
    let mut out: Vec<(&Section, &[Change])> = Vec::new();
    let mut start = 0;
    for i in 1..=changes.len() {
        if i == changes.len() || changes[i].section != changes[start].section {
            out.push((&changes[start].section, &changes[start..i]));
            start = i;
        }
    }
    out
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

fn severities(findings: &[Finding]) -> String {
    let errors = findings.iter().filter(|f| f.severity == Severity::Error).count();
    format!("{}, {}", plural(errors, "error"), plural(findings.len() - errors, "warning"))
}

/// `12 changes (2 result-added, 1 target-lowered); diagnostics: 1 error, 0 warnings
/// introduced, 0 errors, 2 warnings fixed`.
pub fn summary(diff: &Diff) -> String {
    let counts: Vec<String> = diff.counts().iter().map(|(kind, n)| format!("{n} {}", kind.name())).collect();
    let mut out = plural(diff.changes.len(), "change");
    if !counts.is_empty() {
        let _ = write!(out, " ({})", counts.join(", "));
    }
    let _ =
        write!(out, "; diagnostics introduced: {}; fixed: {}", severities(&diff.introduced), severities(&diff.fixed));
    out
}

/// What is said about files with syntax errors, if any.
fn notes(diff: &Diff) -> Vec<String> {
    let mut out = Vec::new();
    for (n, side) in [(diff.broken_files.0, "base"), (diff.broken_files.1, "head")] {
        if n > 0 {
            out.push(format!(
                "{} of the {side} {} syntax errors: what parsed is compared",
                plural(n, "file"),
                if n == 1 { "has" } else { "have" }
            ));
        }
    }
    out
}

fn place(change: &Change) -> String {
    match (&change.before_at, &change.after_at) {
        (_, Some(at)) | (Some(at), None) => format!("{}:{}", at.file, at.line),
        (None, None) => String::new(),
    }
}

/// What is said after the id: the attribute, and the milestone.
fn detail(change: &Change) -> String {
    if let Some(period) = &change.period {
        return format!(" (data, {period})");
    }
    match (change.attribute, change.milestone) {
        (Some(attribute), Some(n)) => format!(" ({attribute}, milestone {n})"),
        (Some(attribute), None) if !is_rewording(change) => format!(" ({attribute})"),
        _ => String::new(),
    }
}

/// Whether the change's values are text from a string (quoted when shown), rather than
/// ids, numbers, periods or keywords.
fn is_text(change: &Change) -> bool {
    use super::Kind::*;
    match change.kind {
        ValueRevised | LimitsRecalculated | RecalculationRemoved | SignalStarted | SignalEnded => false,
        StatementReworded | TitleReworded | NameReworded | LinkAdded | LinkRemoved => true,
        kind if kind.name().ends_with("-added") || kind.name().ends_with("-removed") => true,
        _ => matches!(
            change.attribute,
            Some(
                "purpose"
                    | "vision"
                    | "mission"
                    | "owner"
                    | "note"
                    | "gives"
                    | "gets"
                    | "proposition"
                    | "criteria"
                    | "unit"
                    | "formula"
                    | "source"
                    | "data"
                    | "label"
                    | "evidence"
                    | "assumption"
            )
        ),
    }
}

/// Rewordings, moves and the like name their attribute in their kind already.
fn is_rewording(change: &Change) -> bool {
    use super::Kind::*;
    matches!(
        change.kind,
        StatementReworded | TitleReworded | NameReworded | IntentChanged | StatusChanged | MeasureMoved
    )
}

/// Whether a kind says something appeared (`+`), went (`-`) or changed (`~`).
fn marker(change: &Change) -> char {
    use super::Kind::*;
    match change.kind {
        LimitsRecalculated | SignalStarted => '+',
        RecalculationRemoved | SignalEnded => '-',
        kind if kind.name().ends_with("-added") => '+',
        kind if kind.name().ends_with("-removed") => '-',
        _ => '~',
    }
}

/// What a change did to the value, after a colon: `: "a" -> "b"`, or the one side that
/// exists (nothing for a link without a label).
fn values(change: &Change, escape: fn(&str) -> String) -> String {
    let show = |value: Option<&str>| match value {
        Some(value) if !is_text(change) => escape(value),
        other => escape(&shown(other)),
    };
    let mark = marker(change);
    if mark == '+' {
        change.after.as_deref().map_or_else(String::new, |v| format!(": {}", show(Some(v))))
    } else if mark == '-' {
        change.before.as_deref().map_or_else(String::new, |v| format!(": {}", show(Some(v))))
    } else {
        format!(": {} -> {}", show(change.before.as_deref()), show(change.after.as_deref()))
    }
}

fn short_diagnostic(finding: &Finding) -> String {
    let j = &finding.json;
    let field = |name: &str| j.get(name).map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned));
    format!(
        "{}:{}:{}: {}[{}] {}",
        field("file").unwrap_or_default(),
        field("line").unwrap_or_default(),
        field("column").unwrap_or_default(),
        field("severity").unwrap_or_default(),
        field("code").unwrap_or_default(),
        field("message").unwrap_or_default(),
    )
}

/// For a terminal: a block per section, a line per change, then the diagnostics
/// introduced and fixed, then the summary line.
pub fn human(diff: &Diff) -> String {
    let mut out = String::new();
    for note in notes(diff) {
        let _ = writeln!(out, "note: {note}\n");
    }
    for (section, changes) in sections(&diff.changes) {
        let _ = writeln!(out, "{}", heading(section));
        for change in changes {
            let _ = writeln!(
                out,
                "  {} {} `{}`{}{}  [{}]",
                marker(change),
                change.kind.describe(),
                change.id,
                detail(change),
                values(change, str::to_owned),
                place(change)
            );
            if !change.dependents.is_empty() {
                let _ = writeln!(out, "      depended on it: {}", change.dependents.join(", "));
            }
        }
        out.push('\n');
    }
    for (title, findings) in [("Diagnostics introduced", &diff.introduced), ("Diagnostics fixed", &diff.fixed)] {
        if findings.is_empty() {
            continue;
        }
        let _ = writeln!(out, "{title}");
        for finding in findings {
            let _ = writeln!(out, "  {}", short_diagnostic(finding));
        }
        out.push('\n');
    }
    out.push_str(&summary(diff));
    out.push('\n');
    out
}

/// Escapes text for the middle of a Markdown line: every character that could start
/// emphasis, a link, code, a table cell, an autolink or HTML (GitHub allows some) is
/// backslash-escaped or written as an entity.
fn md(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '!' | '#' | '$' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// Escapes text for HTML (a `<summary>`).
fn html(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// An id in a code span: ids hold no backtick, but a link's `->` and any text are safe.
fn code(text: &str) -> String {
    if text.contains('`') { md(text) } else { format!("`{text}`") }
}

/// A pull-request comment: the summary line, then a `<details>` section per part of the
/// map and per list of diagnostics.
pub fn markdown(diff: &Diff) -> String {
    let mut out = format!("**strata diff**: {}\n", summary(diff));
    for note in notes(diff) {
        let _ = write!(out, "\n> {}\n", md(&note));
    }
    for (section, changes) in sections(&diff.changes) {
        let title = match section {
            Section::Result(_, id) => format!("Result <code>{}</code>", html(id)),
            other => html(&heading(other)),
        };
        let _ = write!(out, "\n<details><summary>{title} ({})</summary>\n\n", changes.len());
        for change in changes {
            let _ = writeln!(
                out,
                "- **{}** {}{}{} ({})",
                change.kind.describe(),
                code(&change.id),
                detail(change),
                values(change, md),
                md(&place(change))
            );
            if !change.dependents.is_empty() {
                let _ = writeln!(out, "  - depended on it: {}", md(&change.dependents.join(", ")));
            }
        }
        out.push_str("\n</details>\n");
    }
    for (title, findings) in [("Diagnostics introduced", &diff.introduced), ("Diagnostics fixed", &diff.fixed)] {
        if findings.is_empty() {
            continue;
        }
        let _ = write!(out, "\n<details><summary>{title} ({})</summary>\n\n", findings.len());
        for finding in findings {
            let _ = writeln!(out, "- {}", md(&short_diagnostic(finding)));
        }
        out.push_str("\n</details>\n");
    }
    out
}

/// One JSON object (spec 11): `changes`, `diagnostics` (`introduced`, `fixed`, each as
/// `check --format json` shows a diagnostic) and `summary`.
pub fn json(diff: &Diff) -> String {
    let changes: Vec<Json> = diff
        .changes
        .iter()
        .map(|c| {
            json!({
                "kind": c.kind.name(),
                "id": c.id,
                "attribute": c.attribute,
                "milestone": c.milestone,
                "period": c.period,
                "before": c.before,
                "after": c.after,
                "before_file": c.before_at.as_ref().map(|p| &p.file),
                "before_line": c.before_at.as_ref().map(|p| p.line),
                "after_file": c.after_at.as_ref().map(|p| &p.file),
                "after_line": c.after_at.as_ref().map(|p| p.line),
                "dependents": c.dependents,
            })
        })
        .collect();
    let kinds: serde_json::Map<String, Json> =
        diff.counts().into_iter().map(|(kind, n)| (kind.name().to_owned(), json!(n))).collect();
    let count = |findings: &[Finding]| {
        let errors = findings.iter().filter(|f| f.severity == Severity::Error).count();
        json!({ "errors": errors, "warnings": findings.len() - errors })
    };
    let report = json!({
        "changes": changes,
        "diagnostics": {
            "introduced": diff.introduced.iter().map(|f| f.json.clone()).collect::<Vec<_>>(),
            "fixed": diff.fixed.iter().map(|f| f.json.clone()).collect::<Vec<_>>(),
        },
        "summary": {
            "changes": diff.changes.len(),
            "kinds": kinds,
            "introduced": count(&diff.introduced),
            "fixed": count(&diff.fixed),
            "files_with_syntax_errors": { "base": diff.broken_files.0, "head": diff.broken_files.1 },
        },
    });
    let mut text = serde_json::to_string_pretty(&report).unwrap_or_default();
    text.push('\n');
    text
}
