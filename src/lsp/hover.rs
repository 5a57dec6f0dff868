//! Hover: what a node is (ids at their declaration and at each use), what an attribute
//! or keyword means, and what a lint code in a suppression comment is about.

use std::fmt::Write as _;

use tower_lsp_server::ls_types as lsp;

use super::docs;
use super::lookup::{self, Hit};
use super::state::Snapshot;
use crate::diagnostics::{Code, Kind};
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
            let list: Vec<String> = values.iter().map(|v| format!("`{v}`")).collect();
            format!("`{word}`: one of {} for `{}`", list.join(", "), attribute.name.name)
        }
        _ => {
            let (name, _) = hit.id()?;
            node(model, lookup::node(model, name)?)
        }
    };
    let range = super::convert::range(file.source, hit.span(), snap.encoding);
    Some(lsp::Hover {
        contents: lsp::HoverContents::Markup(lsp::MarkupContent { kind: lsp::MarkupKind::Markdown, value: text }),
        range: Some(range),
    })
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
    let list: Vec<String> = nodes.into_iter().map(|n| format!("`{}` {}", model.id(n), model.title(n))).collect();
    if list.is_empty() { "none".to_owned() } else { list.join("; ") }
}

/// A node in Markdown: what it says and what it is connected to.
pub fn node(model: &Model, node: NodeRef) -> String {
    let mut out = format!("**{} `{}`**: {}\n", node.kind_name(), model.id(node), model.title(node));
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
                line("note", note.to_string());
            }
        }
        NodeRef::Group(i) => {
            let group = &model.groups[i];
            if let Some(parent) = group.parent {
                line("sub-group of", ids(model, [NodeRef::Group(parent)]));
            }
            if let Some(intent) = &group.intent {
                line("intent", format!("`{}`", intent.value));
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
                    line(label, value.to_string());
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
                line("owner", owner.to_string());
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
            if let Some(note) = &result.note {
                line("note", note.to_string());
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
                    line(label, value.to_owned());
                }
            }
        }
        NodeRef::Action(i) => {
            let action = &model.actions[i];
            if let Some(owner) = &action.owner {
                line("owner", owner.to_string());
            }
            if let Some(due) = &action.due {
                line("due", due.to_string());
            }
            if let Some(status) = &action.status {
                line("status", format!("`{status}`"));
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
    format!("`{}` {}: {}", measure.id, measure.name, progress(model, m))
}
