//! Completion by context: item keywords at the top level, the attributes the enclosing
//! block has and does not use yet, enum values after `direction:` and the like, and ids
//! of the right kind after `layer:`, `for:`, `of:` and `->`, with their titles.

use tower_lsp_server::ls_types as lsp;

use super::lookup::{self, Context, Owner};
use super::state::Snapshot;
use super::{convert, docs};
use crate::sema::model::{Model, NodeRef};
use crate::syntax::ast::DeclKind;

/// The most ids one answer offers; the client asks again as the user types more.
const MAX_IDS: usize = 200;

fn kind(node: NodeRef) -> lsp::CompletionItemKind {
    match node {
        NodeRef::Layer(_) => lsp::CompletionItemKind::MODULE,
        NodeRef::Group(_) => lsp::CompletionItemKind::STRUCT,
        NodeRef::Result(_) => lsp::CompletionItemKind::CLASS,
        NodeRef::Measure(_) => lsp::CompletionItemKind::FIELD,
        NodeRef::Action(_) => lsp::CompletionItemKind::FUNCTION,
    }
}

struct Items {
    range: lsp::Range,
    /// The word being completed, as typed and lowercased.
    typed: String,
    typed_lower: String,
    items: Vec<lsp::CompletionItem>,
    incomplete: bool,
}

impl Items {
    fn push(&mut self, label: &str, insert: String, kind: lsp::CompletionItemKind, detail: Option<String>, sort: u8) {
        self.items.push(lsp::CompletionItem {
            label: label.to_owned(),
            kind: Some(kind),
            detail,
            sort_text: Some(format!("{sort}{label}")),
            filter_text: Some(label.to_owned()),
            text_edit: Some(lsp::CompletionTextEdit::Edit(lsp::TextEdit { range: self.range, new_text: insert })),
            ..Default::default()
        });
        // A match the client's own filter may not make (the letters in order, a typo) is
        // filtered by what was typed, so that the client keeps it, and the list is marked
        // incomplete: the client asks again as the user types on.
        if Match::of(&self.typed_lower, &label.to_lowercase()).is_some_and(|m| m >= Match::Letters)
            && let Some(item) = self.items.last_mut()
        {
            item.filter_text = Some(self.typed.clone());
            self.incomplete = true;
        }
    }

    /// An item keyword, with what it declares as its documentation.
    fn keyword(&mut self, kind: DeclKind, sort: u8) {
        let word = kind.keyword();
        self.push(
            word,
            format!("{word} "),
            lsp::CompletionItemKind::KEYWORD,
            Some(docs::keyword(kind).to_owned()),
            sort,
        );
    }

    /// Ids of the nodes `accept` takes, closest to what is typed first: those that start
    /// with it, then those that contain it, then those that hold its letters in order
    /// (`fnan`: `financial`), then those a typo away (`finacial`).
    fn ids(&mut self, model: &Model, accept: impl Fn(NodeRef) -> bool, sort: u8) {
        let typed_lower = self.typed_lower.clone();
        // Each id is lowercased once, and only when it has capitals: when the sort
        // lowercased both sides of every comparison, completing among 10,000 ids took
        // 19 ms instead of 4.
        let mut nodes: Vec<(Match, &str, NodeRef)> = model
            .symbols
            .iter()
            .filter(|(_, node)| accept(**node))
            .filter_map(|(id, node)| {
                let lower = match id.is_ascii() && !id.bytes().any(|b| b.is_ascii_uppercase()) {
                    true => std::borrow::Cow::Borrowed(id.as_str()),
                    false => std::borrow::Cow::Owned(id.as_str().to_lowercase()),
                };
                Some((Match::of(&typed_lower, &lower)?, id.as_str(), *node))
            })
            .collect();
        // Ids are unique, so the unstable sort is deterministic.
        nodes.sort_unstable_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        if nodes.len() > MAX_IDS {
            nodes.truncate(MAX_IDS);
            self.incomplete = true;
        }
        for (_, id, node) in nodes {
            self.push(id, id.to_owned(), kind(node), Some(model.title(node).to_owned()), sort);
        }
    }
}

/// How an id matches what was typed (both lowercased), best first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Match {
    Prefix,
    Inside,
    /// The typed letters appear in the id in order.
    Letters,
    /// A typo away.
    Typo,
}

impl Match {
    fn of(typed: &str, id: &str) -> Option<Match> {
        match id.find(typed) {
            Some(0) => return Some(Match::Prefix),
            Some(_) => return Some(Match::Inside),
            None => {}
        }
        let mut letters = id.chars();
        if typed.chars().all(|c| letters.any(|l| l == c)) {
            return Some(Match::Letters);
        }
        // Compared with the id's start of about the same length (a letter missing or too
        // many), so that a typo in the first letters of a long id counts; one typo in four
        // letters, at least one, and only once three letters are typed. (Optimal string
        // alignment: a swap of two letters is one typo, without the hash map
        // `damerau_levenshtein` builds for every pair.)
        let len = typed.chars().count();
        if len < 3 {
            return None;
        }
        let start = |n: usize| id.char_indices().nth(n).map_or(id, |(at, _)| &id[..at]);
        let close = (len - 1..=len + 1).any(|n| strsim::osa_distance(typed, start(n)) <= (len / 4).max(1));
        close.then_some(Match::Typo)
    }
}

const TOP_LEVEL: &[DeclKind] =
    &[DeclKind::Result, DeclKind::Measure, DeclKind::Action, DeclKind::Group, DeclKind::Layer, DeclKind::Map];

pub fn completion(snap: &Snapshot, params: &lsp::CompletionParams) -> Option<lsp::CompletionResponse> {
    let at = &params.text_document_position;
    let file = snap.file(&at.text_document.uri)?;
    let ast = file.ast?;
    let offset = snap.position(&file, at.position);
    let found = lookup::completion(ast, &file.source.text, offset);
    let typed = file.source.slice(found.replace);
    let range = convert::range(file.source, found.replace, snap.encoding);
    let model = &file.unit.analysis.model;
    let typed = typed.to_owned();
    let mut items = Items { range, typed_lower: typed.to_lowercase(), typed, items: Vec::new(), incomplete: false };
    match found.context {
        Context::Nothing => return None,
        Context::TopLevel => {
            for &kind in TOP_LEVEL {
                items.keyword(kind, 0);
            }
            // A line may also start a link: its cause is a result or an action.
            items.ids(model, |n| matches!(n, NodeRef::Result(_) | NodeRef::Action(_)), 1);
        }
        Context::AttributeName { owner, used } => {
            for doc in docs::attributes(owner) {
                let nested_of = doc.name == "of" && owner == (Owner::Decl { kind: DeclKind::Measure, nested: true });
                if used.iter().any(|u| u == doc.name) || nested_of {
                    continue;
                }
                let detail = format!("{}: {}", doc.value, doc.meaning);
                items.push(doc.name, format!("{}: ", doc.name), lsp::CompletionItemKind::PROPERTY, Some(detail), 0);
            }
            let nested = match owner {
                Owner::Decl { kind: DeclKind::Result, .. } => Some(DeclKind::Measure),
                Owner::Decl { kind: DeclKind::Group, .. } => Some(DeclKind::Group),
                _ => None,
            };
            if let Some(kind) = nested {
                items.keyword(kind, 1);
            }
        }
        Context::Value { attribute, .. } => {
            if let Some(values) = docs::values(&attribute, &file.unit.analysis.config) {
                for value in values {
                    let detail = Some(format!("`{attribute}` value"));
                    items.push(&value, value.clone(), lsp::CompletionItemKind::ENUM_MEMBER, detail, 0);
                }
            } else {
                match attribute.as_str() {
                    "layer" => items.ids(model, |n| matches!(n, NodeRef::Layer(_)), 0),
                    "for" => items.ids(model, |n| matches!(n, NodeRef::Group(_)), 0),
                    "of" => items.ids(model, |n| matches!(n, NodeRef::Result(_)), 0),
                    _ => return None,
                }
            }
        }
        Context::LinkEffect => items.ids(model, |n| matches!(n, NodeRef::Result(_)), 0),
        Context::DataPath { quoted } => {
            // What is typed is what precedes the cursor (the rest of the string is replaced).
            let typed = file.source.text.get(found.replace.start as usize..offset).unwrap_or_default();
            let typed = typed.strip_prefix('"').unwrap_or(typed);
            let (paths, more) = super::data::paths(file.source.path_in_root(), &file.unit.csv, typed);
            for path in paths {
                let escaped = path.replace('"', "\\\"");
                let insert = if quoted { escaped } else { format!("\"{escaped}\"") };
                items.items.push(lsp::CompletionItem {
                    label: path.clone(),
                    kind: Some(lsp::CompletionItemKind::FILE),
                    detail: Some("CSV data file".to_owned()),
                    filter_text: Some(path),
                    text_edit: Some(lsp::CompletionTextEdit::Edit(lsp::TextEdit { range, new_text: insert })),
                    ..Default::default()
                });
            }
            items.incomplete |= more;
        }
    }
    Some(lsp::CompletionResponse::List(lsp::CompletionList { is_incomplete: items.incomplete, items: items.items }))
}
