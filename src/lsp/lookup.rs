//! What is under the cursor, and what may be typed there: pure functions over one
//! file's AST and text, and over the workspace `Model`. Hover, navigation, rename,
//! completion and code actions all start here; nothing here knows LSP types.

use crate::sema::model::{Model, NodeRef};
use crate::source::{Loc, Span};
use crate::syntax::ast::{Ast, Attribute, Block, Decl, DeclKind, Entry, Item, Link, ValueKind};

/// The block an attribute belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner {
    /// A declaration's block; `nested` for a measure in a result or a sub-group.
    Decl {
        kind: DeclKind,
        nested: bool,
    },
    Link,
}

/// The attributes whose value names another node.
pub const REFERENCE_ATTRIBUTES: &[&str] = &["layer", "for", "of"];

/// The thing under the cursor.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Hit<'a> {
    /// The id of a declaration.
    DeclId { decl: &'a Decl, nested: bool },
    /// The keyword of a declaration.
    Keyword { decl: &'a Decl },
    /// An id in a link statement.
    LinkId { link: &'a Link, index: usize },
    /// An attribute's name.
    AttrName { owner: Owner, attribute: &'a Attribute },
    /// A word in an attribute's value: an id (`layer: financial`) or an enum value.
    AttrWord { owner: Owner, attribute: &'a Attribute, word: &'a str, span: Span },
    /// A code in a suppression comment (`# strata: allow(weasel-word)`).
    LintCode { name: &'a str, span: Span },
}

impl<'a> Hit<'a> {
    /// The span of the token under the cursor.
    pub fn span(&self) -> Span {
        match self {
            Hit::DeclId { decl, .. } => decl.name_span(),
            Hit::Keyword { decl } => decl.keyword,
            Hit::LinkId { link, index } => link.nodes.get(*index).map_or(link.span, |n| n.span),
            Hit::AttrName { attribute, .. } => attribute.name.span,
            Hit::AttrWord { span, .. } | Hit::LintCode { span, .. } => *span,
        }
    }

    /// The id named here, when the token is an id (declared or used).
    pub fn id(&self) -> Option<(&'a str, Span)> {
        match *self {
            Hit::DeclId { decl, .. } => decl.id.as_ref().map(|id| (id.name.as_str(), id.span)),
            Hit::LinkId { link, index } => link.nodes.get(index).map(|n| (n.name.as_str(), n.span)),
            Hit::AttrWord { attribute, word, span, .. }
                if REFERENCE_ATTRIBUTES.contains(&attribute.name.name.as_str()) =>
            {
                Some((word, span))
            }
            _ => None,
        }
    }
}

fn touches(span: Span, offset: usize) -> bool {
    span.start as usize <= offset && offset <= span.end as usize
}

/// The token at `offset` (a cursor touching either end of a token counts).
pub fn at<'a>(ast: &'a Ast, text: &'a str, offset: usize) -> Option<Hit<'a>> {
    for &comment in ast.comments.iter() {
        if touches(comment, offset) {
            return lint_code(text, comment, offset);
        }
    }
    for item in ast.items.iter() {
        if !touches(item.span(), offset) {
            continue;
        }
        let hit = match item {
            Item::Decl(decl) => in_decl(decl, false, offset),
            Item::Link(link) => in_link(link, offset),
        };
        if hit.is_some() {
            return hit;
        }
    }
    None
}

fn in_decl(decl: &Decl, nested: bool, offset: usize) -> Option<Hit<'_>> {
    if touches(decl.keyword, offset) && !decl.keyword.is_empty() {
        return Some(Hit::Keyword { decl });
    }
    if let Some(id) = &decl.id
        && touches(id.span, offset)
    {
        return Some(Hit::DeclId { decl, nested });
    }
    let owner = Owner::Decl { kind: decl.kind, nested };
    let block = decl.block.as_ref()?;
    for entry in &block.entries {
        match entry {
            Entry::Attribute(attribute) => {
                if let Some(hit) = in_attribute(owner, attribute, offset) {
                    return Some(hit);
                }
            }
            Entry::Decl(inner) if touches(inner.span, offset) => {
                if let Some(hit) = in_decl(inner, true, offset) {
                    return Some(hit);
                }
            }
            Entry::Decl(_) => {}
        }
    }
    None
}

fn in_link(link: &Link, offset: usize) -> Option<Hit<'_>> {
    if let Some(index) = link.nodes.iter().position(|n| touches(n.span, offset)) {
        return Some(Hit::LinkId { link, index });
    }
    link.attributes().find_map(|attribute| in_attribute(Owner::Link, attribute, offset))
}

fn in_attribute(owner: Owner, attribute: &Attribute, offset: usize) -> Option<Hit<'_>> {
    if !touches(attribute.span, offset) {
        return None;
    }
    if touches(attribute.name.span, offset) {
        return Some(Hit::AttrName { owner, attribute });
    }
    let words: Vec<(&str, Span)> = match &attribute.value.kind {
        ValueKind::Ident(word) => vec![(word.as_str(), attribute.value.span)],
        ValueKind::List(items) => items
            .iter()
            .filter_map(|v| match &v.kind {
                ValueKind::Ident(word) => Some((word.as_str(), v.span)),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    words.into_iter().find(|(_, span)| touches(*span, offset)).map(|(word, span)| Hit::AttrWord {
        owner,
        attribute,
        word,
        span,
    })
}

/// The code under the cursor in `# strata: allow(a, b)`.
fn lint_code(text: &str, comment: Span, offset: usize) -> Option<Hit<'_>> {
    let body = text.get(comment.range())?;
    let allow = body.find("allow")?;
    let open = allow + body.get(allow..)?.find('(')? + 1;
    let close = body.get(open..)?.find(')').map_or(body.len(), |i| open + i);
    let mut start = open;
    for part in body.get(open..close)?.split(',') {
        let trimmed = part.trim();
        let lead = part.len() - part.trim_start().len();
        let span =
            Span::new(comment.start as usize + start + lead, comment.start as usize + start + lead + trimmed.len());
        if !trimmed.is_empty() && touches(span, offset) {
            return Some(Hit::LintCode { name: text.get(span.range())?, span });
        }
        start += part.len() + 1;
    }
    None
}

/// The node an id names, if it is declared.
pub fn node(model: &Model, name: &str) -> Option<NodeRef> {
    model.symbols.get(name).copied()
}

/// Every place a node is named: its declaration first, then each use.
pub fn occurrences(model: &Model, node: NodeRef) -> Vec<Loc> {
    let mut locs = vec![model.loc(node)];
    locs.extend(model.references.iter().filter(|r| r.target == node).map(|r| r.loc));
    locs
}

/// The nodes that cause `node` (distinct, in link order) and the results it causes.
pub fn causes(model: &Model, node: NodeRef) -> Vec<(NodeRef, Loc)> {
    let mut out: Vec<(NodeRef, Loc)> = Vec::new();
    if let NodeRef::Result(r) = node {
        for link in model.links.iter().filter(|l| l.to == r) {
            if !out.iter().any(|(n, _)| *n == link.from) {
                out.push((link.from, link.from_loc));
            }
        }
    }
    out
}

pub fn effects(model: &Model, node: NodeRef) -> Vec<(NodeRef, Loc)> {
    let mut out: Vec<(NodeRef, Loc)> = Vec::new();
    for link in model.links.iter().filter(|l| l.from == node) {
        let to = NodeRef::Result(link.to);
        if !out.iter().any(|(n, _)| *n == to) {
            out.push((to, link.to_loc));
        }
    }
    out
}

/// The declaration (at any depth) or link whose span contains `offset`, innermost first,
/// as a chain from the top-level item down.
pub fn enclosing<'a>(ast: &'a Ast, offset: usize) -> Vec<Enclosing<'a>> {
    let mut chain = Vec::new();
    for item in ast.items.iter() {
        match item {
            Item::Decl(decl) if touches(decl.span, offset) => {
                push_decl(decl, offset, &mut chain);
                break;
            }
            Item::Link(link) if touches(link.span, offset) => {
                chain.push(Enclosing::Link(link));
                break;
            }
            _ => {}
        }
    }
    chain
}

#[derive(Clone, Copy, Debug)]
pub enum Enclosing<'a> {
    Decl(&'a Decl),
    Link(&'a Link),
}

impl<'a> Enclosing<'a> {
    pub fn span(&self) -> Span {
        match self {
            Enclosing::Decl(decl) => decl.span,
            Enclosing::Link(link) => link.span,
        }
    }

    fn block(self) -> Option<&'a Block> {
        match self {
            Enclosing::Decl(decl) => decl.block.as_ref(),
            Enclosing::Link(link) => link.block.as_ref(),
        }
    }
}

fn push_decl<'a>(decl: &'a Decl, offset: usize, chain: &mut Vec<Enclosing<'a>>) {
    chain.push(Enclosing::Decl(decl));
    for inner in decl.nested() {
        if touches(inner.span, offset) {
            push_decl(inner, offset, chain);
            return;
        }
    }
}

/// What may be typed at the cursor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Context {
    /// The start of a top-level item: a keyword, or the cause of a link.
    TopLevel,
    /// An attribute name in a block; `used` are the attributes the block already has.
    AttributeName { owner: Owner, used: Vec<String> },
    /// The value of `attribute` (`owner` is `None` when the block is unknown).
    Value { owner: Option<Owner>, attribute: String },
    /// After `->`: the effect of a link.
    LinkEffect,
    /// A measure's `data:` path (spec §9.1); `quoted` when the string is open already,
    /// and then `replace` is what is between the quotes (up to the closing one on the
    /// line, or the cursor), else the unquoted text typed after `data:`.
    DataPath { quoted: bool },
    /// Inside a string or a comment, or somewhere nothing fits.
    Nothing,
}

/// A completion context and the span of the partial word it replaces.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completion {
    pub context: Context,
    pub replace: Span,
}

fn is_word(ch: char) -> bool {
    ch == '_' || ch.is_alphanumeric()
}

/// Decides what fits at `offset`. Works on broken text: the block comes from the tree
/// (recovery keeps items whose header parsed), the rest from the text of the line.
pub fn completion(ast: &Ast, text: &str, offset: usize) -> Completion {
    let offset = crate::source::floor_char_boundary(text, offset);
    let line_start = text[..offset].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let prefix = &text[line_start..offset];
    let word_len: usize = prefix.chars().rev().take_while(|&c| is_word(c)).map(char::len_utf8).sum();
    let replace = Span::new(offset - word_len, offset);
    let nothing = Completion { context: Context::Nothing, replace };
    if let Some(found) = data_path(ast, text, line_start, offset) {
        return found;
    }
    if in_string_or_comment(ast, prefix, offset) {
        return nothing;
    }
    // In a block opened or closed on this line (`{ layer: | }`), what counts is what
    // follows the brace: line breaks are not significant.
    let before = after_brace(&prefix[..prefix.len() - word_len]);
    let context = if before.trim_end().ends_with("->") {
        Context::LinkEffect
    } else {
        // The tree knows the block unless recovery cut it short (a line starting with
        // a keyword such as `layer` ends a block); then the braces in the text decide.
        let block = block_at(ast, offset);
        let owner = block.map(|(owner, _)| owner).or_else(|| text_owner(&text[..offset - word_len]));
        if before.trim().is_empty() {
            match owner {
                None => Context::TopLevel,
                Some(owner) => {
                    let line = Span::new(line_start, offset);
                    let used = block
                        .into_iter()
                        .flat_map(|(_, b)| &b.entries)
                        .filter_map(|e| match e {
                            // The attribute being typed is not used yet, and neither is
                            // what the rest of a broken line was read as.
                            Entry::Attribute(a)
                                if !touches(line, a.name.span.start as usize)
                                    || (a.name.span.end as usize) < offset =>
                            {
                                Some(a.name.name.to_string())
                            }
                            _ => None,
                        })
                        .collect();
                    Context::AttributeName { owner, used }
                }
            }
        } else {
            match (value_of(before), owner) {
                (Some(attribute), _) => Context::Value { owner, attribute },
                // After a whole entry (`{ layer: top |`), another attribute may follow.
                (None, Some(owner)) if ends_an_entry(before) => {
                    let used = block
                        .into_iter()
                        .flat_map(|(_, b)| &b.entries)
                        .filter_map(|e| match e {
                            Entry::Attribute(a) if (a.name.span.end as usize) < offset => Some(a.name.name.to_string()),
                            _ => None,
                        })
                        .collect();
                    Context::AttributeName { owner, used }
                }
                (None, _) => Context::Nothing,
            }
        }
    };
    Completion { context, replace }
}

/// A `data:` value being typed in a measure's block: `data: |`, `data: da|`, `data: "da|`
/// or `data: "da|ta.csv"` (the attribute outside strings and comments; the cursor
/// after the colon, in its string or in the unquoted word after it).
fn data_path(ast: &Ast, text: &str, line_start: usize, offset: usize) -> Option<Completion> {
    if ast.comments.iter().any(|&c| (c.start as usize) < offset && offset <= c.end as usize) {
        return None;
    }
    let prefix = &text[line_start..offset];
    // Where each `data` word starts outside strings, and where a string opened last.
    let (mut in_string, mut escaped, mut open_at) = (false, false, 0);
    let mut found = None;
    for (i, ch) in prefix.char_indices() {
        match ch {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => {
                in_string = !in_string;
                open_at = i;
            }
            'd' if !in_string
                && prefix[i..].starts_with("data")
                && !prefix[..i].chars().next_back().is_some_and(is_word) =>
            {
                found = Some(i);
            }
            _ => {}
        }
    }
    let at = found?;
    let rest = prefix[at + 4..].trim_start_matches([' ', '\t']);
    let value = rest.strip_prefix(':')?.trim_start_matches([' ', '\t']);
    let value_at = offset - value.len();
    let quoted = value.starts_with('"');
    let replace = if quoted {
        // The string must still be open at the cursor, and opened where the value starts.
        if !in_string || line_start + open_at != value_at {
            return None;
        }
        let start = value_at + 1;
        let line_end = text[offset..].find(['\n', '\r']).map_or(text.len(), |i| offset + i);
        let mut end = offset;
        let mut escaped = false;
        for (i, ch) in text[offset..line_end].char_indices() {
            match ch {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => {
                    end = offset + i;
                    break;
                }
                _ => {}
            }
        }
        Span::new(start, end)
    } else {
        if value.contains(|c: char| c.is_whitespace() || c == '"' || c == ',' || c == '}') {
            return None;
        }
        Span::new(value_at, offset)
    };
    let owner = block_at(ast, offset).map(|(owner, _)| owner).or_else(|| text_owner(&text[..line_start + at]));
    matches!(owner, Some(Owner::Decl { kind: DeclKind::Measure, .. }))
        .then_some(Completion { context: Context::DataPath { quoted }, replace })
}

/// What follows the last brace of a line's text before the cursor, outside strings (the
/// whole text when it has none).
fn after_brace(before: &str) -> &str {
    let mut in_string = false;
    let mut escaped = false;
    let mut from = 0;
    for (i, ch) in before.char_indices() {
        match ch {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            '{' | '}' if !in_string => from = i + 1,
            _ => {}
        }
    }
    &before[from..]
}

/// Whether `before` is whole attributes (`layer: top `, `for: [a, b] `) followed by a
/// space, so that the next word is another attribute's name.
fn ends_an_entry(before: &str) -> bool {
    let trimmed = before.trim_start();
    let starts_as_attribute = trimmed.split_once(':').is_some_and(|(name, _)| {
        !name.is_empty() && name.chars().all(is_word) && !name.starts_with(|c: char| c.is_ascii_digit())
    });
    let last = trimmed.trim_end().chars().last();
    starts_as_attribute
        && before.ends_with(char::is_whitespace)
        && !matches!(last, Some(':' | ',' | '['))
        && trimmed.matches('"').count().is_multiple_of(2)
        && trimmed.matches('[').count() == trimmed.matches(']').count()
}

/// The block open at the end of `text`, from its braces (outside strings and comments)
/// and the first word of the line that opens each block.
fn text_owner(text: &str) -> Option<Owner> {
    let mut stack: Vec<Option<Owner>> = Vec::new();
    let mut line_start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, ch)) = chars.next() {
        match ch {
            '\n' | '\r' => line_start = i + 1,
            '#' => {
                while chars.peek().is_some_and(|&(_, c)| c != '\n' && c != '\r') {
                    chars.next();
                }
            }
            '"' => {
                while let Some((_, c)) = chars.next() {
                    match c {
                        '\\' => {
                            chars.next();
                        }
                        '"' => break,
                        _ => {}
                    }
                }
            }
            '{' => {
                let line = &text[line_start..i];
                let word: String = line.trim_start().chars().take_while(|&c| is_word(c)).collect();
                let owner = match DeclKind::from_keyword(&word) {
                    Some(kind) => Some(Owner::Decl { kind, nested: !stack.is_empty() }),
                    None if line.contains("->") => Some(Owner::Link),
                    None => None,
                };
                stack.push(owner);
            }
            '}' => {
                stack.pop();
            }
            _ => {}
        }
    }
    stack.pop().flatten()
}

/// `name: ` or `name: [a, ` before the cursor: the attribute's name.
fn value_of(before: &str) -> Option<String> {
    let (name, rest) = before.trim_start().split_once(':')?;
    let name = name.trim_end();
    if name.is_empty() || !name.chars().all(is_word) || name.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let rest = rest.trim();
    let ok = match rest.strip_prefix('[') {
        None => rest.is_empty(),
        Some(list) => !list.contains(']') && list.chars().all(|c| is_word(c) || c == ',' || c.is_whitespace()),
    };
    ok.then(|| name.to_owned())
}

/// The innermost block whose braces contain `offset`, and whose it is.
fn block_at(ast: &Ast, offset: usize) -> Option<(Owner, &Block)> {
    let chain = enclosing(ast, offset);
    let inside = |block: &Block| {
        let after_open = block.open.end as usize <= offset && !block.open.is_empty();
        let before_close = match block.close {
            Some(close) => offset <= close.start as usize,
            None => offset <= block.span.end as usize,
        };
        after_open && before_close
    };
    chain.into_iter().enumerate().rev().find_map(|(depth, e)| {
        let block = e.block().filter(|b| inside(b))?;
        let owner = match e {
            Enclosing::Decl(decl) => Owner::Decl { kind: decl.kind, nested: depth > 0 },
            Enclosing::Link(_) => Owner::Link,
        };
        Some((owner, block))
    })
}

/// Whether the cursor is inside a string literal or a comment.
fn in_string_or_comment(ast: &Ast, line_prefix: &str, offset: usize) -> bool {
    let strictly_in = |span: Span| span.start as usize <= offset && offset < span.end as usize;
    if ast.comments.iter().any(|&c| strictly_in(c) || c.end as usize == offset) {
        return true;
    }
    let mut in_string = false;
    let mut escaped = false;
    for ch in line_prefix.chars() {
        match ch {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            '#' if !in_string => return true,
            _ => {}
        }
    }
    in_string || ast.string_spans().iter().any(|s| (s.start as usize) < offset && offset < s.end as usize)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    fn parse(text: &str) -> Ast {
        let mut diags = Vec::new();
        crate::syntax::parse(FileId(0), text, &mut diags)
    }

    fn offset_of(text: &str, marker: &str) -> usize {
        text.find(marker).unwrap_or_else(|| panic!("no `{marker}` in the text"))
    }

    const TEXT: &str = "layer financial \"Financial\"\n\
        result profit \"Profit grows\" {\n  layer: financial\n  for: [regulars, commuters]\n  \
        measure margin \"Margin\" {\n    direction: up\n  }\n}\n\
        # strata: allow(weasel-word, isolated-result)\n\
        action app \"App\"\napp -> profit {\n  strength: weak\n}\n";

    #[test]
    fn finds_ids_attributes_and_codes() {
        let ast = parse(TEXT);
        let hit = |marker: &str, delta: usize| at(&ast, TEXT, offset_of(TEXT, marker) + delta);
        let Some(Hit::DeclId { decl, nested: false }) = hit("profit", 2) else { panic!("profit") };
        assert_eq!(decl.kind, DeclKind::Result);
        let Some(Hit::DeclId { nested: true, .. }) = hit("margin", 0) else { panic!("margin") };
        let Some(Hit::Keyword { decl }) = hit("measure", 3) else { panic!("keyword") };
        assert_eq!(decl.kind, DeclKind::Measure);
        let Some(h @ Hit::AttrWord { word: "financial", .. }) = hit("financial\n", 0) else { panic!("layer ref") };
        assert_eq!(h.id().map(|(n, _)| n), Some("financial"));
        let Some(h @ Hit::AttrWord { word: "commuters", .. }) = hit("commuters", 9) else { panic!("list end") };
        assert!(h.id().is_some());
        let Some(h @ Hit::AttrWord { word: "up", .. }) = hit("up", 1) else { panic!("enum") };
        assert_eq!(h.id(), None, "an enum value is not an id");
        let Some(Hit::AttrName { owner, attribute }) = hit("direction", 4) else { panic!("attr") };
        assert_eq!(owner, Owner::Decl { kind: DeclKind::Measure, nested: true });
        assert_eq!(attribute.name.name, "direction");
        let Some(Hit::LinkId { index: 1, .. }) = hit("-> profit", 4) else { panic!("link effect") };
        let Some(Hit::AttrName { owner: Owner::Link, .. }) = hit("strength", 0) else { panic!("link attr") };
        let Some(Hit::LintCode { name, .. }) = hit("isolated", 3) else { panic!("code") };
        assert_eq!(name, "isolated-result");
        let Some(Hit::LintCode { name, .. }) = hit("weasel", 0) else { panic!("first code") };
        assert_eq!(name, "weasel-word");
        assert_eq!(hit("\"Financial\"", 3), None, "a title is no token");
    }

    fn context(text_with_cursor: &str) -> Context {
        let offset = offset_of(text_with_cursor, "|");
        let text = text_with_cursor.replacen('|', "", 1);
        completion(&parse(&text), &text, offset).context
    }

    #[test]
    fn completion_contexts() {
        assert_eq!(context("res|"), Context::TopLevel);
        assert_eq!(context("layer l \"L\"\n|"), Context::TopLevel);
        let Context::AttributeName { owner, used } = context("result r \"R\" {\n  layer: l\n  o|\n}\n") else {
            panic!("attribute name")
        };
        assert_eq!(owner, Owner::Decl { kind: DeclKind::Result, nested: false });
        assert_eq!(used, ["layer"]);
        assert_eq!(
            context("result r \"R\" {\n  layer: |\n}\n"),
            Context::Value {
                owner: Some(Owner::Decl { kind: DeclKind::Result, nested: false }),
                attribute: "layer".into()
            }
        );
        assert_eq!(
            context("result r \"R\" {\n  for: [a, b|\n}\n"),
            Context::Value {
                owner: Some(Owner::Decl { kind: DeclKind::Result, nested: false }),
                attribute: "for".into()
            }
        );
        assert_eq!(
            context("result r \"R\" {\n  layer|\n}\n"),
            Context::AttributeName { owner: Owner::Decl { kind: DeclKind::Result, nested: false }, used: vec![] }
        );
        assert_eq!(context("a -> |"), Context::LinkEffect);
        assert_eq!(context("a -> b -> c|\n"), Context::LinkEffect);
        assert_eq!(context("result r \"R |\""), Context::Nothing);
        assert_eq!(context("# layer: |"), Context::Nothing);
        // Inside a string that spans lines, in a list too.
        assert_eq!(context("result r \"R\" {\n  criteria: [\"one\ntw|o\"]\n}\n"), Context::Nothing);
        // A block whose `}` is missing still counts, up to the next item.
        let Context::AttributeName { owner, .. } =
            context("result r \"R\" {\n  measure m \"M\" {\n    u|\n  }\nresult s \"S\"\n")
        else {
            panic!("nested")
        };
        assert_eq!(owner, Owner::Decl { kind: DeclKind::Measure, nested: true });
        let Context::Value { owner: Some(Owner::Link), attribute } = context("a -> b {\n  strength: |\n}\n") else {
            panic!("link value")
        };
        assert_eq!(attribute, "strength");
    }

    #[test]
    fn completion_in_one_line_blocks() {
        let result = Owner::Decl { kind: DeclKind::Result, nested: false };
        let value = |attribute: &str, owner| Context::Value { owner: Some(owner), attribute: attribute.into() };
        assert_eq!(context("result r \"S\" { layer: | }\n"), value("layer", result));
        assert_eq!(context("result r \"S\" { layer: cu| }\n"), value("layer", result));
        assert_eq!(context("result r \"S\" { | }\n"), Context::AttributeName { owner: result, used: vec![] });
        assert_eq!(context("result r \"S\" {|}\n"), Context::AttributeName { owner: result, used: vec![] });
        let action = Owner::Decl { kind: DeclKind::Action, nested: false };
        assert_eq!(context("action a \"A\" { status: | }\n"), value("status", action));
        assert_eq!(
            context("action a \"A\" { status: done | }\n"),
            Context::AttributeName { owner: action, used: vec!["status".into()] }
        );
        assert_eq!(context("result r \"S\" { for: [a, | }\n"), value("for", result));
        assert_eq!(context("result r \"S\" { layer: top } |\n"), Context::TopLevel);
        // A brace inside a string does not count, nor does a header without a block.
        assert_eq!(context("result r \"S {\" |\n"), Context::Nothing);
        assert_eq!(
            context("result r \"S\" { owner: \"a b\" | }\n"),
            Context::AttributeName { owner: result, used: vec!["owner".into()] }
        );
    }

    #[test]
    fn occurrences_and_causes() {
        let mut diags = Vec::new();
        let text = "result a \"A\"\nresult b \"B\" \naction x \"X\"\nx -> a -> b\nx -> b\n";
        let ast = parse(text);
        let sources = [crate::source::SourceFile::new("a.strata", text)];
        let model = crate::sema::analyze(&sources, &[ast], &crate::config::Config::default(), &mut diags);
        let b = node(&model, "b").unwrap_or(NodeRef::Layer(99));
        assert_eq!(occurrences(&model, b).len(), 3);
        let names: Vec<&str> = causes(&model, b).iter().map(|(n, _)| model.id(*n)).collect();
        assert_eq!(names, ["a", "x"]);
        let x = node(&model, "x").unwrap_or(NodeRef::Layer(99));
        let names: Vec<&str> = effects(&model, x).iter().map(|(n, _)| model.id(*n)).collect();
        assert_eq!(names, ["a", "b"]);
    }
}
