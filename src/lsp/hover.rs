//! Hover: what a node is (ids at their declaration and at each use), what an attribute
//! or keyword means, and what a lint code in a suppression comment is about.

use std::fmt::Write as _;

use tower_lsp_server::ls_types as lsp;

use super::docs;
use super::lookup::{self, Hit};
use super::state::Snapshot;
use crate::diagnostics::{Code, Kind};
use crate::evidence::MeasureData;
use crate::sema::model::{Model, NodeRef, Quantity};

pub fn hover(snap: &Snapshot, params: &lsp::HoverParams) -> Option<lsp::Hover> {
    let at = &params.text_document_position_params;
    let file = snap.file(&at.text_document.uri)?;
    let ast = file.ast?;
    let offset = snap.position(&file, at.position);
    let hit = lookup::at(ast, &file.source.text, offset)?;
    let model = &file.unit.analysis.model;
    let text = match hit {
        Hit::Keyword { decl } => docs::keyword(decl.kind).to_owned(),
        Hit::AttrName { owner, attribute } => {
            let doc = docs::attribute(owner, &attribute.name.name)?;
            format!("**`{}`**: {}\n\n{}", doc.name, doc.value, capitalise(doc.meaning))
        }
        Hit::LintCode { name, .. } => code(name)?,
        Hit::AttrWord { attribute, word, .. } if hit.id().is_none() => {
            let values = docs::values(&attribute.name.name, &file.unit.analysis.config)?;
            let list: Vec<String> = values.iter().map(|v| code_span(v)).collect();
            format!("`{word}`: one of {} for `{}`", list.join(", "), attribute.name.name)
        }
        _ => {
            let (name, _) = hit.id()?;
            node(model, &file.unit.analysis.evidence, lookup::node(model, name)?)
        }
    };
    let range = super::convert::range(file.source, hit.span(), snap.encoding);
    Some(lsp::Hover {
        contents: lsp::HoverContents::Markup(lsp::MarkupContent { kind: lsp::MarkupKind::Markdown, value: text }),
        range: Some(range),
    })
}

/// User text as Markdown that shows it as typed: every ASCII punctuation character is
/// escaped (CommonMark allows a backslash before any of them), so `*grows*` stays in
/// its stars and `[see](http://x)` is no link; a line break is a hard break (`\` at
/// the end of the line), and a space or tab starting a line an entity, so that no line
/// becomes a heading, a list or a code block.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    let mut line_start = true;
    let mut chars = text.chars().peekable();
    while let Some(ch) = chars.next() {
        match ch {
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => {
                out.push_str("\\\n");
                line_start = true;
                continue;
            }
            ' ' if line_start => out.push_str("&#32;"),
            '\t' if line_start => out.push_str("&#9;"),
            _ if ch.is_ascii_punctuation() => {
                out.push('\\');
                out.push(ch);
            }
            _ => out.push(ch),
        }
        line_start = line_start && (ch == ' ' || ch == '\t');
    }
    out
}

/// Text as an inline code span that shows it as typed, whatever backticks it holds:
/// fenced by one backtick more than its longest run, padded when it starts or ends
/// with one. Line breaks become spaces (a code span shows them so anyway).
pub fn code_span(text: &str) -> String {
    let text = text.replace(['\r', '\n'], " ");
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') { " " } else { "" };
    format!("{fence}{pad}{text}{pad}{fence}")
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A lint code: its level and summary, then its explanation.
fn code(name: &str) -> Option<String> {
    let code = Code::from_name(name)?;
    let level = match code.kind() {
        Kind::Error => "error",
        Kind::Lint(level) => level.as_str(),
    };
    Some(format!("**`{name}`** ({level} by default): {}\n\n---\n\n{}", code.summary(), code.explanation()))
}

fn quantity(q: &Quantity, word: &str) -> String {
    let mut text = format!("{}{}", q.raw, if q.percent { "%" } else { "" });
    if let Some(when) = &q.when {
        let _ = write!(text, " {word} {}", when.value);
    }
    text
}

fn ids(model: &Model, nodes: impl IntoIterator<Item = NodeRef>) -> String {
    let list: Vec<String> =
        nodes.into_iter().map(|n| format!("{} {}", code_span(model.id(n)), escape(model.title(n)))).collect();
    if list.is_empty() { "none".to_owned() } else { list.join("; ") }
}

/// A node in Markdown: what it says and what it is connected to; for a measure with
/// data (`evidence`, aligned with `model.measures`), its chart read out in words.
pub fn node(model: &Model, evidence: &[Option<std::sync::Arc<MeasureData>>], node: NodeRef) -> String {
    let mut out = format!("**{} {}**: {}\n", node.kind_name(), code_span(model.id(node)), escape(model.title(node)));
    let mut line = |label: &str, value: String| {
        let _ = write!(out, "\n- {label}: {value}");
    };
    match node {
        NodeRef::Layer(i) => {
            let position = format!("{} of {}", i + 1, model.layers.len());
            line("position", position);
            let results: Vec<NodeRef> =
                (0..model.results.len()).filter(|&r| model.results[r].layer == Some(i)).map(NodeRef::Result).collect();
            line("results", format!("{}", results.len()));
            if let Some(note) = &model.layers[i].note {
                line("note", escape(note));
            }
        }
        NodeRef::Group(i) => {
            let group = &model.groups[i];
            if let Some(parent) = group.parent {
                line("sub-group of", ids(model, [NodeRef::Group(parent)]));
            }
            if let Some(intent) = &group.intent {
                line("intent", code_span(&intent.value));
            }
            if let Some(share) = &group.share {
                line("share", format!("{}%", share.value));
            }
            for (label, value) in [
                ("gives", &group.gives),
                ("gets", &group.gets),
                ("proposition", &group.proposition),
                ("criteria", &group.criteria),
            ] {
                if let Some(value) = value {
                    line(label, escape(value));
                }
            }
            let subs: Vec<NodeRef> =
                (0..model.groups.len()).filter(|&g| model.groups[g].parent == Some(i)).map(NodeRef::Group).collect();
            if !subs.is_empty() {
                line("sub-groups", ids(model, subs));
            }
            let results: Vec<NodeRef> = (0..model.results.len())
                .filter(|&r| model.results[r].for_groups.iter().any(|g| g.value == i))
                .map(NodeRef::Result)
                .collect();
            line("results for it", ids(model, results));
        }
        NodeRef::Result(i) => {
            let result = &model.results[i];
            let layer = result.layer.map_or_else(|| "none".to_owned(), |l| ids(model, [NodeRef::Layer(l)]));
            line("layer", layer);
            let groups = result.for_groups.iter().map(|g| NodeRef::Group(g.value));
            line("for", ids(model, groups));
            if let Some(owner) = &result.owner {
                line("owner", escape(owner));
            }
            if result.measures.is_empty() {
                line("measures", "none".to_owned());
            }
            for &m in &result.measures {
                line("measure", measure_line(model, m));
            }
            let causes = lookup::causes(model, node).into_iter().map(|(n, _)| n);
            line("caused by", ids(model, causes));
            let effects = lookup::effects(model, node).into_iter().map(|(n, _)| n);
            line("causes", ids(model, effects));
            // The story's words (spec 10.2): "because …" and "so that …".
            let (because, so_that) = crate::story::because_and_so_that(model, i);
            line("because", escape(&because));
            line("so that", escape(&so_that));
            if let Some(note) = &result.note {
                line("note", escape(note));
            }
        }
        NodeRef::Measure(i) => {
            let measure = &model.measures[i];
            if let Some(of) = measure.of {
                line("of", ids(model, [NodeRef::Result(of)]));
            }
            line("progress", progress(model, i));
            for (label, value) in [
                ("unit", measure.unit.as_deref()),
                ("frequency", measure.frequency),
                ("formula", measure.formula.as_deref()),
                ("source", measure.source.as_deref()),
                ("owner", measure.owner.as_deref()),
                ("note", measure.note.as_deref()),
            ] {
                if let Some(value) = value {
                    line(label, escape(value));
                }
            }
            if let Some(path) = &measure.data {
                line("data", code_span(&path.written));
            }
            if let Some(Some(data)) = evidence.get(i) {
                for (label, text) in super::data::hover_lines(data) {
                    line(label, text);
                }
            }
        }
        NodeRef::Action(i) => {
            let action = &model.actions[i];
            if let Some(owner) = &action.owner {
                line("owner", escape(owner));
            }
            if let Some(due) = &action.due {
                line("due", escape(&due.to_string()));
            }
            if let Some(status) = &action.status {
                line("status", code_span(status));
            }
            let effects = lookup::effects(model, node).into_iter().map(|(n, _)| n);
            line("causes", ids(model, effects));
        }
    }
    out
}

/// `31.5% at 2026-09 → 35% by 2027-12 (up)`.
fn progress(model: &Model, m: usize) -> String {
    let measure = &model.measures[m];
    let baseline = measure.baseline.as_ref().map_or_else(|| "no baseline".to_owned(), |q| quantity(q, "at"));
    let target = measure.target.as_ref().map_or_else(
        || "no target".to_owned(),
        |t| t.milestones().iter().map(|q| quantity(q, "by")).collect::<Vec<_>>().join(" → "),
    );
    let direction = measure.direction.map_or(String::new(), |d| format!(" ({} is better)", d.as_str()));
    format!("{baseline} → {target}{direction}")
}

fn measure_line(model: &Model, m: usize) -> String {
    let measure = &model.measures[m];
    format!("{} {}: {}", code_span(&measure.id), escape(&measure.name), progress(model, m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_text_shows_as_typed() {
        assert_eq!(escape("*grows* [see](http://x)"), r"\*grows\* \[see\]\(http\:\/\/x\)");
        assert_eq!(escape("a\r\n  b &amp;"), "a\\\n&#32;&#32;b \\&amp\\;");
        assert_eq!(escape("café 顧客"), "café 顧客");
        assert_eq!(code_span("grow"), "`grow`");
        assert_eq!(code_span("a`b"), "``a`b``");
        assert_eq!(code_span("`x``"), "``` `x`` ```");
    }
}
