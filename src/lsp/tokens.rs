//! Semantic tokens (the whole document) and folding ranges, from one file's tree.

use tower_lsp_server::ls_types as lsp;

use super::lookup::REFERENCE_ATTRIBUTES;
use super::state::Snapshot;
use crate::sema::model::{Model, NodeRef};
use crate::source::{ColumnUnit, SourceFile, Span};
use crate::syntax::ast::{Ast, Attribute, Block, Decl, DeclKind, Entry, Item, Value, ValueKind};

/// The token types, in legend order.
pub const TYPES: &[lsp::SemanticTokenType] = &[
    lsp::SemanticTokenType::KEYWORD,
    lsp::SemanticTokenType::NAMESPACE,
    lsp::SemanticTokenType::STRUCT,
    lsp::SemanticTokenType::CLASS,
    lsp::SemanticTokenType::VARIABLE,
    lsp::SemanticTokenType::FUNCTION,
    lsp::SemanticTokenType::PROPERTY,
    lsp::SemanticTokenType::ENUM_MEMBER,
    lsp::SemanticTokenType::STRING,
    lsp::SemanticTokenType::NUMBER,
    lsp::SemanticTokenType::COMMENT,
    lsp::SemanticTokenType::OPERATOR,
];

pub const MODIFIERS: &[lsp::SemanticTokenModifier] = &[lsp::SemanticTokenModifier::DECLARATION];

const KEYWORD: u32 = 0;
const PROPERTY: u32 = 6;
const ENUM_MEMBER: u32 = 7;
const STRING: u32 = 8;
const NUMBER: u32 = 9;
const COMMENT: u32 = 10;
const OPERATOR: u32 = 11;
const DECLARATION: u32 = 1;

pub fn legend() -> lsp::SemanticTokensLegend {
    lsp::SemanticTokensLegend { token_types: TYPES.to_vec(), token_modifiers: MODIFIERS.to_vec() }
}

fn node_type(node: NodeRef) -> u32 {
    match node {
        NodeRef::Layer(_) => 1,
        NodeRef::Group(_) => 2,
        NodeRef::Result(_) => 3,
        NodeRef::Measure(_) => 4,
        NodeRef::Action(_) => 5,
    }
}

fn decl_type(kind: DeclKind) -> Option<u32> {
    Some(match kind {
        DeclKind::Map => return None,
        DeclKind::Layer => 1,
        DeclKind::Group => 2,
        DeclKind::Result => 3,
        DeclKind::Measure => 4,
        DeclKind::Action => 5,
    })
}

struct Collector<'a> {
    text: &'a str,
    model: &'a Model,
    tokens: Vec<(Span, u32, u32)>,
}

impl Collector<'_> {
    fn push(&mut self, span: Span, kind: u32, modifiers: u32) {
        if !span.is_empty() {
            self.tokens.push((span, kind, modifiers));
        }
    }

    fn decl(&mut self, decl: &Decl) {
        self.push(decl.keyword, KEYWORD, 0);
        if let (Some(id), Some(kind)) = (&decl.id, decl_type(decl.kind)) {
            self.push(id.span, kind, DECLARATION);
        }
        self.push(decl.title.span, STRING, 0);
        self.block(decl.block.as_ref());
    }

    fn block(&mut self, block: Option<&Block>) {
        for entry in block.iter().flat_map(|b| &b.entries) {
            match entry {
                Entry::Attribute(attribute) => self.attribute(attribute),
                Entry::Decl(decl) => self.decl(decl),
            }
        }
    }

    fn attribute(&mut self, attribute: &Attribute) {
        self.push(attribute.name.span, PROPERTY, 0);
        let reference = REFERENCE_ATTRIBUTES.contains(&attribute.name.name.as_str());
        self.value(&attribute.value, reference);
    }

    fn value(&mut self, value: &Value, reference: bool) {
        match &value.kind {
            ValueKind::Str(_) => self.push(value.span, STRING, 0),
            ValueKind::Ident(name) if reference => {
                if let Some(&node) = self.model.symbols.get(name.as_str()) {
                    self.push(value.span, node_type(node), 0);
                }
            }
            ValueKind::Ident(_) => self.push(value.span, ENUM_MEMBER, 0),
            ValueKind::Period(_) => self.push(value.span, NUMBER, 0),
            ValueKind::Quantity(q) => {
                self.push(q.number.span, NUMBER, 0);
                if let Some(when) = &q.when {
                    self.push(when.keyword, KEYWORD, 0);
                    self.value(&when.value, false);
                }
            }
            ValueKind::List(items) => {
                for item in items {
                    self.value(item, reference);
                }
            }
        }
    }

    fn item(&mut self, item: &Item) {
        match item {
            Item::Decl(decl) => self.decl(decl),
            Item::Link(link) => {
                for (i, node) in link.nodes.iter().enumerate() {
                    if let Some(&target) = self.model.symbols.get(node.name.as_str()) {
                        self.push(node.span, node_type(target), 0);
                    }
                    if let Some(next) = link.nodes.get(i + 1) {
                        let between = Span { start: node.span.end, end: next.span.start };
                        if let Some(at) = self.text.get(between.range()).and_then(|t| t.find("->")) {
                            let start = between.start as usize + at;
                            self.push(Span::new(start, start + 2), OPERATOR, 0);
                        }
                    }
                }
                if let Some(label) = &link.label {
                    self.push(label.span, STRING, 0);
                }
                self.block(link.block.as_ref());
            }
        }
    }
}

/// Every token of a file, encoded relative to the previous one as LSP wants, split at
/// line breaks (a string may span lines).
pub fn tokens(source: &SourceFile, ast: &Ast, model: &Model, encoding: ColumnUnit) -> Vec<lsp::SemanticToken> {
    let mut collector = Collector { text: &source.text, model, tokens: Vec::new() };
    for item in ast.items.iter() {
        collector.item(item);
    }
    for &comment in ast.comments.iter() {
        collector.push(comment, COMMENT, 0);
    }
    let mut tokens = collector.tokens;
    tokens.sort_by_key(|(span, _, _)| (span.start, span.end));
    let mut out = Vec::with_capacity(tokens.len());
    let (mut prev_line, mut prev_col) = (0u32, 0u32);
    let mut covered = 0u32;
    for (span, kind, modifiers) in tokens {
        if span.start < covered {
            continue;
        }
        covered = span.end;
        let index = &source.line_index;
        let first = index.line_of(span.start as usize);
        let last = index.line_of(span.end as usize);
        for line in first..=last {
            let line_span = index.line_span(&source.text, line);
            let start = (span.start.max(line_span.start)) as usize;
            let end = (span.end.min(line_span.end)) as usize;
            if end <= start {
                continue;
            }
            let a = index.line_col(&source.text, start, encoding);
            let b = index.line_col(&source.text, end, encoding);
            let delta_line = a.line - prev_line;
            let delta_start = if delta_line == 0 { a.col - prev_col } else { a.col };
            out.push(lsp::SemanticToken {
                delta_line,
                delta_start,
                length: b.col - a.col,
                token_type: kind,
                token_modifiers_bitset: modifiers,
            });
            (prev_line, prev_col) = (a.line, a.col);
        }
    }
    out
}

pub fn semantic_tokens(snap: &Snapshot, params: &lsp::SemanticTokensParams) -> Option<lsp::SemanticTokensResult> {
    let file = snap.file(&params.text_document.uri)?;
    let data = tokens(file.source, file.ast?, &file.unit.analysis.model, snap.encoding);
    Some(lsp::SemanticTokensResult::Tokens(lsp::SemanticTokens { result_id: None, data }))
}

/// Blocks, strings over several lines, and runs of comment lines.
pub fn folding_ranges(snap: &Snapshot, params: &lsp::FoldingRangeParams) -> Option<Vec<lsp::FoldingRange>> {
    let file = snap.file(&params.text_document.uri)?;
    let ast = file.ast?;
    let index = &file.source.line_index;
    let line = |offset: u32| index.line_of(offset as usize) as u32;
    let mut out = Vec::new();
    let mut fold = |start: u32, end: u32, kind: Option<lsp::FoldingRangeKind>| {
        if end > start {
            out.push(lsp::FoldingRange { start_line: start, end_line: end, kind, ..Default::default() });
        }
    };
    fn blocks<'a>(decl: &'a Decl, out: &mut Vec<&'a Block>) {
        if let Some(block) = &decl.block {
            out.push(block);
            for inner in decl.nested() {
                blocks(inner, out);
            }
        }
    }
    let mut all = Vec::new();
    for item in ast.items.iter() {
        match item {
            Item::Decl(decl) => blocks(decl, &mut all),
            Item::Link(link) => all.extend(link.block.as_ref()),
        }
    }
    for block in all {
        let end = block.close.map_or(block.span.end, |c| c.start);
        // Keep the closing brace visible.
        let end_line = if block.close.is_some() { line(end).saturating_sub(1) } else { line(end) };
        fold(line(block.open.start), end_line, None);
    }
    // A string over several lines (a statement, a note) folds to its first line.
    for string in ast.string_spans() {
        fold(line(string.start), line(string.end), None);
    }
    let mut run: Option<(u32, u32)> = None;
    for &comment in ast.comments.iter() {
        let own_line = {
            let line_span = index.line_span(&file.source.text, line(comment.start) as usize);
            file.source.text.get(line_span.start as usize..comment.start as usize).is_some_and(|t| t.trim().is_empty())
        };
        let at = line(comment.start);
        run = match run {
            Some((start, end)) if own_line && at == end + 1 => Some((start, at)),
            previous => {
                if let Some((start, end)) = previous {
                    fold(start, end, Some(lsp::FoldingRangeKind::Comment));
                }
                own_line.then_some((at, at))
            }
        };
    }
    if let Some((start, end)) = run {
        fold(start, end, Some(lsp::FoldingRangeKind::Comment));
    }
    Some(out)
}
