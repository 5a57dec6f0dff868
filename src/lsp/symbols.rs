//! Document symbols (a tree: the map, layers, groups and their sub-groups, results and
//! their measures, top-level measures, actions) and workspace symbols.

use tower_lsp_server::ls_types as lsp;

use super::convert;
use super::navigation::kind_of;
use super::state::Snapshot;
use crate::sema::model::NodeRef;
use crate::source::{ColumnUnit, SourceFile};
use crate::syntax::ast::{Decl, DeclKind, Item};

#[allow(deprecated)] // `DocumentSymbol::deprecated` must be written, though deprecated.
fn symbol(
    source: &SourceFile,
    decl: &Decl,
    kind: lsp::SymbolKind,
    encoding: ColumnUnit,
    children: Vec<lsp::DocumentSymbol>,
) -> lsp::DocumentSymbol {
    let name = match &decl.id {
        Some(id) => id.name.to_string(),
        None => decl.title.value.to_string(),
    };
    let name = if name.trim().is_empty() { decl.kind.keyword().to_owned() } else { name };
    lsp::DocumentSymbol {
        name,
        detail: decl.id.as_ref().map(|_| decl.title.value.to_string()),
        kind,
        tags: None,
        deprecated: None,
        range: convert::range(source, decl.span, encoding),
        selection_range: convert::range(source, decl.name_span(), encoding),
        children: (!children.is_empty()).then_some(children),
    }
}

fn decl_kind(kind: DeclKind) -> lsp::SymbolKind {
    match kind {
        DeclKind::Map => lsp::SymbolKind::MODULE,
        DeclKind::Layer => kind_of(NodeRef::Layer(0)),
        DeclKind::Group => kind_of(NodeRef::Group(0)),
        DeclKind::Result => kind_of(NodeRef::Result(0)),
        DeclKind::Measure => kind_of(NodeRef::Measure(0)),
        DeclKind::Action => kind_of(NodeRef::Action(0)),
    }
}

fn tree(source: &SourceFile, decl: &Decl, encoding: ColumnUnit) -> lsp::DocumentSymbol {
    let children = decl.nested().map(|inner| tree(source, inner, encoding)).collect();
    symbol(source, decl, decl_kind(decl.kind), encoding, children)
}

pub fn document(snap: &Snapshot, params: &lsp::DocumentSymbolParams) -> Option<lsp::DocumentSymbolResponse> {
    let file = snap.file(&params.text_document.uri)?;
    let ast = file.ast?;
    let symbols = ast
        .items
        .iter()
        .filter_map(|item| match item {
            Item::Decl(decl) => Some(tree(file.source, decl, snap.encoding)),
            Item::Link(_) => None,
        })
        .collect();
    Some(lsp::DocumentSymbolResponse::Nested(symbols))
}

/// Whether every character of `query` appears in `text` in order, ignoring case.
fn fuzzy(query: &str, text: &str) -> bool {
    let mut chars = text.chars().flat_map(char::to_lowercase);
    query.chars().flat_map(char::to_lowercase).all(|q| chars.any(|c| c == q))
}

/// The most symbols one answer holds.
const MAX_SYMBOLS: usize = 1000;

#[allow(deprecated)] // `SymbolInformation::deprecated` must be written, though deprecated.
pub fn workspace(snap: &Snapshot, params: &lsp::WorkspaceSymbolParams) -> Vec<lsp::SymbolInformation> {
    let query = params.query.trim();
    let mut out = Vec::new();
    for unit in &snap.units {
        let model = &unit.analysis.model;
        let mut nodes: Vec<NodeRef> = model.symbols.values().copied().collect();
        nodes.sort();
        for node in nodes {
            let (id, title) = (model.id(node), model.title(node));
            if !fuzzy(query, id) && !title.to_lowercase().contains(&query.to_lowercase()) {
                continue;
            }
            let Some(location) = unit.location(model.loc(node), snap.encoding) else { continue };
            out.push(lsp::SymbolInformation {
                name: id.to_owned(),
                kind: kind_of(node),
                tags: None,
                deprecated: None,
                location,
                container_name: Some(title.to_owned()),
            });
            if out.len() >= MAX_SYMBOLS {
                return out;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::fuzzy;

    #[test]
    fn fuzzy_matches_in_order() {
        assert!(fuzzy("fs", "fast_service"));
        assert!(fuzzy("", "x"));
        assert!(fuzzy("FAST", "fast_service"));
        assert!(!fuzzy("sf", "fast"));
    }
}
