//! Navigation across the files of a workspace: definition, references, highlights,
//! rename, call hierarchy (incoming calls are causes, outgoing calls effects) and the
//! code lens that counts them on each result.

use std::collections::HashMap;

use serde_json::json;
use tower_lsp_server::jsonrpc::{Error, ErrorCode, Result};
use tower_lsp_server::ls_types::{self as lsp, Uri};

use super::convert;
use super::lookup;
use super::state::{FileRef, Snapshot, Unit};
use crate::sema::model::{Model, NodeRef};
use crate::source::{FileId, Loc, Span};
use crate::syntax::ast::{Item, RESERVED_WORDS};

/// A JSON-RPC error the client shows to the user (LSP `RequestFailed`).
pub fn failed(message: impl Into<String>) -> Error {
    let message: String = message.into();
    Error { code: ErrorCode::ServerError(-32803), message: message.into(), data: None }
}

/// The node named by the id at a position, with the id's span.
fn target<'a>(snap: &'a Snapshot, uri: &Uri, pos: lsp::Position) -> Option<(FileRef<'a>, NodeRef, Span)> {
    let file = snap.file(uri)?;
    let offset = snap.position(&file, pos);
    let hit = lookup::at(file.ast?, &file.source.text, offset)?;
    let (name, span) = hit.id()?;
    let node = lookup::node(&file.unit.analysis.model, name)?;
    Some((file, node, span))
}

pub fn definition(snap: &Snapshot, params: &lsp::GotoDefinitionParams) -> Option<lsp::GotoDefinitionResponse> {
    let at = &params.text_document_position_params;
    let (file, node, _) = target(snap, &at.text_document.uri, at.position)?;
    let location = file.unit.location(file.unit.analysis.model.loc(node), snap.encoding)?;
    Some(lsp::GotoDefinitionResponse::Scalar(location))
}

pub fn references(snap: &Snapshot, params: &lsp::ReferenceParams) -> Option<Vec<lsp::Location>> {
    let at = &params.text_document_position;
    let (file, node, _) = target(snap, &at.text_document.uri, at.position)?;
    let model = &file.unit.analysis.model;
    let skip = usize::from(!params.context.include_declaration);
    let locations = lookup::occurrences(model, node)
        .into_iter()
        .skip(skip)
        .filter_map(|loc| file.unit.location(loc, snap.encoding));
    Some(locations.collect())
}

pub fn highlight(snap: &Snapshot, params: &lsp::DocumentHighlightParams) -> Option<Vec<lsp::DocumentHighlight>> {
    let at = &params.text_document_position_params;
    let (file, node, _) = target(snap, &at.text_document.uri, at.position)?;
    let model = &file.unit.analysis.model;
    let highlights =
        lookup::occurrences(model, node).into_iter().enumerate().filter(|(_, loc)| loc.file == file.id).map(
            |(i, loc)| lsp::DocumentHighlight {
                range: convert::range(file.source, loc.span, snap.encoding),
                kind: Some(if i == 0 { lsp::DocumentHighlightKind::WRITE } else { lsp::DocumentHighlightKind::READ }),
            },
        );
    Some(highlights.collect())
}

pub fn prepare_rename(snap: &Snapshot, params: &lsp::TextDocumentPositionParams) -> Result<lsp::PrepareRenameResponse> {
    let Some((file, node, span)) = target(snap, &params.text_document.uri, params.position) else {
        return Err(failed("only the id of a declared layer, group, result, measure or action can be renamed"));
    };
    let placeholder = file.unit.analysis.model.id(node).to_owned();
    let range = convert::range(file.source, span, snap.encoding);
    Ok(lsp::PrepareRenameResponse::RangeWithPlaceholder { range, placeholder })
}

/// Whether `name` is an id the grammar accepts, checked by the parser itself.
fn is_id(name: &str) -> bool {
    let mut diags = Vec::new();
    let ast = crate::syntax::parse(FileId(0), &format!("layer {name} \"x\"\n"), &mut diags);
    diags.is_empty()
        && matches!(&ast.items[..], [Item::Decl(decl)] if decl.id.as_ref().is_some_and(|id| id.name == name))
}

/// Why `new` cannot replace the id of `node`, if it cannot.
fn refuse(unit: &Unit, node: NodeRef, new: &str) -> Option<String> {
    let model = &unit.analysis.model;
    if RESERVED_WORDS.contains(&new) {
        return Some(format!("`{new}` is a reserved word and cannot be an id"));
    }
    if !is_id(new) {
        return Some(format!(
            "`{new}` is not a valid id: an id is a letter or `_` followed by letters, digits or `_` (no hyphens or spaces)"
        ));
    }
    match model.symbols.get(new) {
        Some(&other) if other != node => {
            let loc = model.loc(other);
            let source = unit.source(loc.file);
            let line = source.line_index.line_of(loc.span.start as usize) + 1;
            Some(format!("`{new}` is already declared, as a {}, at {}:{line}", other.kind_name(), source.path))
        }
        _ => None,
    }
}

pub fn rename(snap: &Snapshot, params: &lsp::RenameParams) -> Result<Option<lsp::WorkspaceEdit>> {
    let at = &params.text_document_position;
    let Some((file, node, _)) = target(snap, &at.text_document.uri, at.position) else {
        return Err(failed("only the id of a declared layer, group, result, measure or action can be renamed"));
    };
    let new = params.new_name.trim();
    if let Some(reason) = refuse(file.unit, node, new) {
        return Err(failed(reason));
    }
    let model = &file.unit.analysis.model;
    let mut changes: HashMap<Uri, Vec<lsp::TextEdit>> = HashMap::new();
    // Every use, and every declaration of the id: a duplicate's too, which is no node
    // but is what `prepareRename` offers when the cursor is on it.
    let mut locs = lookup::occurrences(model, node);
    locs.extend(declarations(file.unit, model.id(node)));
    locs.sort();
    locs.dedup();
    for loc in locs {
        let Some(location) = file.unit.location(loc, snap.encoding) else { continue };
        changes
            .entry(location.uri)
            .or_default()
            .push(lsp::TextEdit { range: location.range, new_text: new.to_owned() });
    }
    Ok(Some(lsp::WorkspaceEdit { changes: Some(changes), ..Default::default() }))
}

/// Where `name` is declared in the unit's files, duplicates included.
fn declarations(unit: &Unit, name: &str) -> Vec<Loc> {
    let mut found = Vec::new();
    for (i, ast) in unit.asts.iter().enumerate() {
        // Iterative: nesting is bounded by the parser, but no walk here depends on it.
        let mut stack: Vec<&crate::syntax::ast::Decl> = ast
            .items
            .iter()
            .filter_map(|item| match item {
                Item::Decl(decl) => Some(decl),
                Item::Link(_) => None,
            })
            .collect();
        while let Some(decl) = stack.pop() {
            if let Some(id) = decl.id.as_ref().filter(|id| id.name == name) {
                found.push(Loc::new(FileId(i as u32), id.span));
            }
            stack.extend(decl.nested());
        }
    }
    found
}

fn symbol_kind(node: NodeRef) -> lsp::SymbolKind {
    match node {
        NodeRef::Layer(_) => lsp::SymbolKind::NAMESPACE,
        NodeRef::Group(_) => lsp::SymbolKind::STRUCT,
        NodeRef::Result(_) => lsp::SymbolKind::CLASS,
        NodeRef::Measure(_) => lsp::SymbolKind::FIELD,
        NodeRef::Action(_) => lsp::SymbolKind::FUNCTION,
    }
}

pub fn kind_of(node: NodeRef) -> lsp::SymbolKind {
    symbol_kind(node)
}

/// A call-hierarchy item for a result or action; `data` names it for the follow-up requests.
fn item(
    unit: &Unit,
    model: &Model,
    node: NodeRef,
    encoding: crate::source::ColumnUnit,
) -> Option<lsp::CallHierarchyItem> {
    let loc = model.loc(node);
    let location = unit.location(loc, encoding)?;
    let range =
        item_span(unit, loc).map_or(location.range, |span| convert::range(unit.source(loc.file), span, encoding));
    Some(lsp::CallHierarchyItem {
        name: model.id(node).to_owned(),
        kind: symbol_kind(node),
        tags: None,
        detail: Some(model.title(node).to_owned()),
        uri: location.uri,
        range,
        selection_range: location.range,
        data: Some(json!({ "id": model.id(node) })),
    })
}

/// The span of the whole declaration whose id is at `loc`.
fn item_span(unit: &Unit, loc: Loc) -> Option<Span> {
    let ast = unit.ast(loc.file)?;
    let offset = loc.span.start as usize;
    lookup::enclosing(ast, offset).last().map(lookup::Enclosing::span)
}

pub fn prepare_call_hierarchy(
    snap: &Snapshot,
    params: &lsp::CallHierarchyPrepareParams,
) -> Option<Vec<lsp::CallHierarchyItem>> {
    let at = &params.text_document_position_params;
    let (file, node, _) = target(snap, &at.text_document.uri, at.position)?;
    if !matches!(node, NodeRef::Result(_) | NodeRef::Action(_)) {
        return None;
    }
    Some(vec![item(file.unit, &file.unit.analysis.model, node, snap.encoding)?])
}

/// The node a call-hierarchy item stands for, found again in the current snapshot.
fn resolve<'a>(snap: &'a Snapshot, item: &lsp::CallHierarchyItem) -> Option<(FileRef<'a>, NodeRef)> {
    let file = snap.file(&item.uri)?;
    let name = item.data.as_ref().and_then(|d| d.get("id")).and_then(|v| v.as_str()).unwrap_or(&item.name);
    let node = lookup::node(&file.unit.analysis.model, name)?;
    Some((file, node))
}

/// Where a link names a node, as a range in the other node's file if the link is there.
fn call_ranges(unit: &Unit, at: Loc, other: NodeRef, encoding: crate::source::ColumnUnit) -> Vec<lsp::Range> {
    let model = &unit.analysis.model;
    let home = model.loc(other);
    let loc = if at.file == home.file { at } else { home };
    vec![convert::range(unit.source(loc.file), loc.span, encoding)]
}

pub fn incoming(
    snap: &Snapshot,
    params: &lsp::CallHierarchyIncomingCallsParams,
) -> Option<Vec<lsp::CallHierarchyIncomingCall>> {
    let (file, node) = resolve(snap, &params.item)?;
    let model = &file.unit.analysis.model;
    let calls = lookup::causes(model, node).into_iter().filter_map(|(cause, at)| {
        Some(lsp::CallHierarchyIncomingCall {
            from: item(file.unit, model, cause, snap.encoding)?,
            from_ranges: call_ranges(file.unit, at, cause, snap.encoding),
        })
    });
    Some(calls.collect())
}

pub fn outgoing(
    snap: &Snapshot,
    params: &lsp::CallHierarchyOutgoingCallsParams,
) -> Option<Vec<lsp::CallHierarchyOutgoingCall>> {
    let (file, node) = resolve(snap, &params.item)?;
    let model = &file.unit.analysis.model;
    let calls = lookup::effects(model, node).into_iter().filter_map(|(effect, at)| {
        Some(lsp::CallHierarchyOutgoingCall {
            to: item(file.unit, model, effect, snap.encoding)?,
            from_ranges: call_ranges(file.unit, at, node, snap.encoding),
        })
    });
    Some(calls.collect())
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// "2 causes · 3 effects · 1 measure" above each result of the file.
pub fn code_lens(snap: &Snapshot, params: &lsp::CodeLensParams) -> Option<Vec<lsp::CodeLens>> {
    let file = snap.file(&params.text_document.uri)?;
    let model = &file.unit.analysis.model;
    let lenses = model.results.iter().enumerate().filter(|(_, r)| r.loc.file == file.id).map(|(i, result)| {
        let node = NodeRef::Result(i);
        let title = format!(
            "{} · {} · {}",
            plural(lookup::causes(model, node).len(), "cause"),
            plural(lookup::effects(model, node).len(), "effect"),
            plural(result.measures.len(), "measure")
        );
        lsp::CodeLens {
            range: convert::range(file.source, result.loc.span, snap.encoding),
            command: Some(lsp::Command { title, command: String::new(), arguments: None }),
            data: None,
        }
    });
    let mut lenses: Vec<lsp::CodeLens> = lenses.collect();
    // A measure with data: its chart in a few words (spec §9).
    let evidence = &file.unit.analysis.evidence;
    for (measure, data) in model.measures.iter().zip(evidence) {
        let Some(data) = data.as_ref().filter(|_| measure.loc.file == file.id) else { continue };
        lenses.push(lsp::CodeLens {
            range: convert::range(file.source, measure.loc.span, snap.encoding),
            command: Some(lsp::Command {
                title: super::data::lens_title(data),
                command: String::new(),
                arguments: None,
            }),
            data: None,
        });
    }
    lenses.sort_by_key(|lens| (lens.range.start.line, lens.range.start.character));
    Some(lenses)
}

#[cfg(test)]
mod tests {
    use super::is_id;

    #[test]
    fn ids_are_checked_by_the_grammar() {
        assert!(is_id("profit"));
        assert!(is_id("顧客"));
        assert!(is_id("_x1"));
        assert!(!is_id("1x"));
        assert!(!is_id("a-b"));
        assert!(!is_id("a b"));
        assert!(!is_id(""));
        assert!(!is_id("x\" {"));
    }
}
