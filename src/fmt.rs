//! `strata fmt`: the AST and its comments -> canonical text (docs/formatting.md).
//!
//! The printer walks the tree in source order and writes every token from the source
//! text at its span, so strings, numbers and ids keep their bytes. Only whitespace
//! changes, and commas at the end of lists; a `{` may move up past the comment that
//! ends its item's header. Comments are written when the walk passes their position:
//! a comment that ends a line of code ends the same line of output, and a comment on
//! its own line stays on its own line, before what followed it; a suppression comment
//! ending a line the layout splits may instead end the output line that starts like its
//! own. The result is re-parsed and compared with the input (tokens and comments) before
//! it is returned: if anything differs, the input comes back unchanged; if a suppression
//! comment covers other code than before, the file is refused (`misplaced-suppression`).
//! Like the rest of the core, this does no IO.

use crate::diagnostics::{Code, Diagnostic, Label};
use crate::lints::suppress;
use crate::source::{FileId, LineIndex, Loc, Span};
use crate::syntax::{
    self,
    ast::{Ast, Attribute, Block, Decl, DeclKind, Entry, Item, Link, Value, ValueKind},
};

/// Lines longer than this (in characters) break lists one element per line, and keep
/// one-attribute blocks from sharing their item's line. Strings are never broken.
pub const MAX_WIDTH: usize = 100;

const INDENT: &str = "  ";
const BOM: char = '\u{FEFF}';

/// Formats one file. A file with syntax errors is not formatted: its diagnostics come
/// back instead (file id 0). Never loses text: should the formatted text not hold the
/// same tokens and comments as the input, the input is returned unchanged. Never changes
/// what a suppression comment covers (spec 5.1): a trailing one moves up with the first
/// token of its line when the line is split, and a file where even that would change
/// what one covers is refused with a `misplaced-suppression` error at each such comment.
pub fn format(text: &str) -> Result<String, Vec<Diagnostic>> {
    let mut diags = Vec::new();
    let ast = syntax::parse(FileId(0), text, &mut diags);
    if ast.has_errors || !diags.is_empty() {
        return Err(diags);
    }
    format_parsed(text, &ast)
}

/// `format`, given the tree `syntax::parse` made of `text`, without syntax errors (the
/// language server holds it already: parsing 4 MB again, and freeing the tree, was a
/// third of formatting such a file). A tree with errors gives the text back unchanged.
pub fn format_parsed(text: &str, ast: &Ast) -> Result<String, Vec<Diagnostic>> {
    if ast.has_errors {
        return Ok(text.to_owned());
    }
    let before = suppressions(text, ast, 0);
    // First every trailing suppression may move up; those whose meaning that changes
    // stay where the walk writes them, and are refused if their meaning still changes.
    // A refusal tells what the first layout tried would change (moved up, if it could).
    let mut stay = Vec::new();
    let mut first: Vec<(usize, Diagnostic)> = Vec::new();
    loop {
        let formatted = print(text, ast, &stay);
        let Some(after) = same_content(text, ast, &formatted) else { return Ok(text.to_owned()) };
        if before.1.is_empty() {
            return Ok(formatted);
        }
        let changed = changed_suppressions(&before, &suppressions(&formatted, &after, before.0.len()));
        if changed.is_empty() {
            return Ok(formatted);
        }
        let movable = |i: &usize| before.1.iter().any(|c| c.comment == *i && c.trailing) && !stay.contains(i);
        let retry: Vec<usize> = changed.iter().map(|d| d.0).filter(movable).collect();
        if retry.is_empty() {
            let reason = |(i, diag): (usize, Diagnostic)| first.iter().find(|f| f.0 == i).map_or(diag, |f| f.1.clone());
            return Err(changed.into_iter().map(reason).collect());
        }
        stay.extend(retry);
        first.extend(changed);
    }
}

/// One replacement that turns a text into another: what an editor applies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    /// The bytes of the old text to replace.
    pub span: Span,
    pub text: String,
}

/// The smallest single edit turning `old` into `new` (`None` when they are equal): the
/// common prefix and suffix are kept. Never splits a character or a `\r\n`.
pub fn minimal_edit(old: &str, new: &str) -> Option<Edit> {
    if old == new {
        return None;
    }
    let (a, b) = (old.as_bytes(), new.as_bytes());
    let mut prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    while !old.is_char_boundary(prefix) || (prefix > 0 && a[prefix - 1] == b'\r' && splits_crlf(a, b, prefix)) {
        prefix -= 1;
    }
    let max_suffix = a.len().min(b.len()) - prefix;
    let mut suffix = a.iter().rev().zip(b.iter().rev()).take(max_suffix).take_while(|(x, y)| x == y).count();
    while !old.is_char_boundary(a.len() - suffix)
        || (suffix > 0 && a[a.len() - suffix] == b'\n' && ends_with_cr(a, b, suffix))
    {
        suffix -= 1;
    }
    Some(Edit { span: Span::new(prefix, a.len() - suffix), text: new[prefix..b.len() - suffix].to_owned() })
}

/// Whether a `\r` just before `at` is followed by `\n` in either text.
fn splits_crlf(a: &[u8], b: &[u8], at: usize) -> bool {
    a.get(at) == Some(&b'\n') || b.get(at) == Some(&b'\n')
}

/// Whether the byte before a common suffix of length `suffix` is `\r` in either text.
fn ends_with_cr(a: &[u8], b: &[u8], suffix: usize) -> bool {
    let before = |t: &[u8]| t.len().checked_sub(suffix + 1).and_then(|i| t.get(i)) == Some(&b'\r');
    before(a) || before(b)
}

// ---------------------------------------------------------------------------------
// The printer.

/// A comment of the input, classified once.
struct Comment<'a> {
    span: Span,
    /// The comment without trailing spaces or tabs.
    text: &'a str,
    /// Code precedes it on its line: it annotates that line.
    trailing: bool,
    /// The spaces between that code and the comment (at least one): hand-aligned
    /// comments stay aligned.
    gap: usize,
    /// A blank line precedes it (own-line comments only).
    blank_before: bool,
    /// For a trailing suppression comment that may move up: where the first token of
    /// its source line starts. Should the formatter split that line, the comment ends
    /// the output line starting with that token.
    relocate: Option<u32>,
}

/// A line of a block: an attribute, a nested declaration, or a top-level item.
#[derive(Clone, Copy)]
enum Stmt<'a> {
    Decl(&'a Decl),
    Link(&'a Link),
    Attribute(&'a Attribute),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// `{}`.
    Empty,
    /// `{ name: value }` on the item's line.
    Inline,
    /// `{`, one entry per line, `}`.
    Expanded,
}

struct Printer<'a> {
    src: &'a str,
    comments: Vec<Comment<'a>>,
    /// The first comment not yet written.
    next: usize,
    newline: &'static str,
    out: String,
    /// The line being built, without its indentation.
    line: String,
    /// The indentation of `line`, in levels.
    line_indent: usize,
    /// The indentation of the statement being written.
    indent: usize,
    /// A comment broke the statement: its next lines are indented one level more.
    cont: bool,
    /// A blank line is wanted before the next line.
    blank: bool,
    /// Nothing written yet in this block (or file): blank lines are not wanted here.
    fresh: bool,
    /// Where the last token written ends in the source.
    last_end: u32,
    /// The comment to end the current line with, unless the walk reaches it first.
    pending: Option<usize>,
    /// The comments already written ahead of the walk (moved up, see `relocate`).
    done: Vec<bool>,
}

/// Prints the tree in the canonical style. The trailing suppression comments whose
/// index is in `stay` are written where the walk reaches them, never moved up.
fn print(src: &str, ast: &Ast, stay: &[usize]) -> String {
    let newline = newline_style(src, ast);
    let comments: Vec<Comment<'_>> = ast
        .comments
        .iter()
        .enumerate()
        .map(|(i, &span)| {
            let trailing = code_before_on_line(src, span.start as usize);
            let text = src[span.range()].trim_end_matches([' ', '\t']);
            let suppression = trailing && !stay.contains(&i) && suppress::allowed_lints(text).is_some();
            Comment {
                span,
                text,
                trailing,
                gap: gap_before(src, span.start as usize),
                blank_before: blank_line_before(src, span.start as usize),
                relocate: suppression.then(|| first_on_line(src, span.start as usize)),
            }
        })
        .collect();
    let done = vec![false; comments.len()];
    let mut p = Printer {
        src,
        comments,
        next: 0,
        newline,
        out: String::with_capacity(src.len() + src.len() / 8),
        line: String::new(),
        line_indent: 0,
        indent: 0,
        cont: false,
        blank: false,
        fresh: true,
        last_end: 0,
        pending: None,
        done,
    };
    if src.starts_with(BOM) {
        p.out.push(BOM);
    }
    let stmts: Vec<Stmt<'_>> = ast
        .items
        .iter()
        .map(|item| match item {
            Item::Decl(decl) => Stmt::Decl(decl),
            Item::Link(link) => Stmt::Link(link),
        })
        .collect();
    p.stmts(&stmts, u32::try_from(src.len()).unwrap_or(u32::MAX));
    p.out
}

impl<'a> Printer<'a> {
    fn slice(&self, span: Span) -> &'a str {
        self.src.get(span.range()).unwrap_or("")
    }

    // --- lines ---

    /// Puts text on the current line, starting the line if needed.
    fn word(&mut self, text: &str, space: bool) {
        if self.line.is_empty() {
            if self.blank && !self.fresh {
                self.out.push_str(self.newline);
            }
            self.blank = false;
            self.fresh = false;
            self.line_indent = self.indent + usize::from(self.cont);
        } else if space {
            self.line.push(' ');
        }
        self.line.push_str(text);
    }

    /// Writes a token of the source (as `text`): the comments before it come first.
    fn token(&mut self, span: Span, text: &str, space: bool) {
        self.comments_before(span.start);
        let starts_line = self.line.is_empty();
        self.word(text, space);
        self.last_end = span.end;
        if starts_line {
            self.pending = self.relocatable(span.start);
        }
    }

    /// The trailing suppression comment of the source line that starts with the token
    /// at `pos`, if it may move up: a line split by the formatter keeps its suppression
    /// on the output line that starts like it, with the item's id or statement.
    fn relocatable(&self, pos: u32) -> Option<usize> {
        let i = self.comments.partition_point(|c| c.span.start <= pos);
        (self.comments.get(i)?.relocate == Some(pos) && i >= self.next).then_some(i)
    }

    /// Skips the comments already written ahead of the walk.
    fn skip_done(&mut self) {
        while self.done.get(self.next).copied().unwrap_or(false) {
            self.next += 1;
        }
    }

    /// Writes a token as it is in the source.
    fn tok(&mut self, span: Span, space: bool) {
        self.token(span, self.slice(span), space);
    }

    /// Writes the punctuation `text`, the next token in the source.
    fn punct(&mut self, text: &str, space: bool) {
        let start = self.token_after(self.last_end).unwrap_or(self.last_end) as usize;
        self.token(Span::new(start, start + text.len()), text, space);
    }

    /// Where the first token after `pos` starts: past whitespace and comments.
    fn token_after(&self, pos: u32) -> Option<u32> {
        let mut at = pos as usize;
        loop {
            let rest = self.src.get(at..)?;
            let trimmed = rest.trim_start_matches([' ', '\t', '\n', '\r', BOM]);
            at += rest.len() - trimmed.len();
            if !trimmed.starts_with('#') {
                return (!trimmed.is_empty()).then_some(at as u32);
            }
            at += trimmed.find(['\n', '\r']).unwrap_or(trimmed.len());
        }
    }

    fn end_line(&mut self) {
        if self.line.is_empty() {
            return;
        }
        // The walk has not reached the pending comment: its source line is split here.
        if let Some(i) = self.pending.take()
            && i >= self.next
            && !self.done[i]
        {
            let (text, gap) = (self.comments[i].text, self.comments[i].gap);
            self.push_trailing(text, gap);
            self.done[i] = true;
        }
        for _ in 0..self.line_indent {
            self.out.push_str(INDENT);
        }
        self.out.push_str(&self.line);
        self.out.push_str(self.newline);
        self.line.clear();
    }

    /// The column after the current line (or where a new line would start).
    fn width(&self) -> usize {
        let indent = if self.line.is_empty() { self.indent + usize::from(self.cont) } else { self.line_indent };
        indent * INDENT.len() + self.line.chars().count()
    }

    // --- comments ---

    /// Writes every comment before `pos` inside a statement: one that ended a line of
    /// code ends the current line, one on its own line gets its own line; either way the
    /// statement goes on on a continuation line.
    fn comments_before(&mut self, pos: u32) {
        self.skip_done();
        while let Some(comment) = self.comments.get(self.next).filter(|c| c.span.start < pos) {
            let (text, trailing, gap) = (comment.text, comment.trailing, comment.gap);
            self.next += 1;
            if trailing && !self.line.is_empty() {
                self.push_trailing(text, gap);
            } else {
                self.end_line();
                self.cont = true;
                self.word(text, false);
            }
            self.end_line();
            self.cont = true;
            self.skip_done();
        }
    }

    /// Writes the comment that follows the last token on its source line, if any, at
    /// the end of the current line.
    fn trailing(&mut self) {
        self.skip_done();
        let Some(comment) = self.comments.get(self.next) else { return };
        if !self.line.is_empty() && self.trails(self.last_end, comment.span.start) {
            let (text, gap) = (comment.text, comment.gap);
            self.push_trailing(text, gap);
            self.next += 1;
        }
    }

    /// Whether only spaces and tabs lie between `from` and `to`: a comment at `to`
    /// ends the line of the token ending at `from`.
    fn trails(&self, from: u32, to: u32) -> bool {
        self.src.get(from as usize..to as usize).is_some_and(is_blank)
    }

    fn push_trailing(&mut self, text: &str, gap: usize) {
        self.line.extend(std::iter::repeat_n(' ', gap));
        self.line.push_str(text);
    }

    /// Writes the own-line comments before `pos`, between two statements. `force` may
    /// set more blank lines: `blanks` holds one entry per comment, then one for `pos`.
    fn own_line_comments(&mut self, pos: u32, force: impl FnOnce(&mut Vec<bool>)) {
        self.skip_done();
        let first = self.next;
        let count = self.comments[first..].iter().take_while(|c| c.span.start < pos).count();
        let mut blanks: Vec<bool> = self.comments[first..first + count].iter().map(|c| c.blank_before).collect();
        blanks.push(blank_line_before(self.src, pos as usize));
        force(&mut blanks);
        for (i, &blank) in blanks.iter().enumerate().take(count) {
            let text = self.comments[first + i].text;
            self.blank |= blank;
            self.word(text, false);
            self.end_line();
        }
        self.next = first + count;
        self.blank |= blanks[count];
    }

    // --- statements ---

    /// The statements of a block (or file), one per line, then the comments before `end`.
    fn stmts(&mut self, stmts: &[Stmt<'_>], end: u32) {
        let mut after_multiline = false;
        for &stmt in stmts {
            let multiline = self.is_multiline(stmt);
            self.cont = false;
            self.own_line_comments(stmt_start(stmt), |blanks| {
                // A declaration with a block is set apart by blank lines, together with
                // the comments right above it.
                if after_multiline {
                    blanks[0] = true;
                }
                if multiline {
                    let mut k = blanks.len() - 1;
                    while k > 0 && !blanks[k] {
                        k -= 1;
                    }
                    blanks[k] = true;
                }
            });
            self.stmt(stmt);
            self.trailing();
            self.end_line();
            after_multiline = multiline;
        }
        self.cont = false;
        self.own_line_comments(end, |_| {});
        // No blank line before a `}` or at the end of the file.
        self.blank = false;
    }

    fn stmt(&mut self, stmt: Stmt<'_>) {
        match stmt {
            Stmt::Decl(decl) => {
                self.tok(decl.keyword, false);
                if let Some(id) = &decl.id {
                    self.tok(id.span, true);
                }
                self.tok(decl.title.span, true);
                if let Some(block) = &decl.block {
                    self.block(stmt, block);
                }
            }
            Stmt::Link(link) => {
                for (i, node) in link.nodes.iter().enumerate() {
                    if i > 0 {
                        self.punct("->", true);
                    }
                    self.tok(node.span, i > 0);
                }
                if let Some(label) = &link.label {
                    self.punct(":", false);
                    self.tok(label.span, true);
                }
                if let Some(block) = &link.block {
                    self.block(stmt, block);
                }
            }
            Stmt::Attribute(attribute) => {
                self.tok(attribute.name.span, false);
                self.punct(":", false);
                self.value(&attribute.value, true);
            }
        }
    }

    fn block(&mut self, owner: Stmt<'_>, block: &Block) {
        let close = block.close.unwrap_or(Span::new(block.span.end as usize, block.span.end as usize));
        let layout = self.layout(owner, block);
        // `result x "X"   # note` with `{` on the next line: the brace moves up, before
        // the comment, unless another comment ends the brace's own line.
        let brace_line_end = if layout == Layout::Empty { close.end } else { block.open.end };
        self.skip_done();
        let moved = self.comments.get(self.next).is_some_and(|c| {
            c.span.start < block.open.start
                && self.trails(self.last_end, c.span.start)
                && self
                    .comments
                    .get(self.next + 1)
                    .is_none_or(|n| n.span.start > block.open.start && !self.trails(brace_line_end, n.span.start))
        });
        if moved {
            let (text, gap) = (self.comments[self.next].text, self.comments[self.next].gap);
            self.next += 1;
            let brace = if layout == Layout::Empty { "{}" } else { "{" };
            self.word(brace, true);
            self.push_trailing(text, gap);
            self.last_end = brace_line_end;
        }
        match layout {
            Layout::Empty if moved => {}
            Layout::Empty => self.token(block.open.to(close), "{}", true),
            Layout::Inline => {
                self.token(block.open, "{", true);
                for entry in &block.entries {
                    if let Entry::Attribute(attribute) = entry {
                        self.line.push(' ');
                        self.stmt(Stmt::Attribute(attribute));
                    }
                }
                self.token(close, "}", true);
            }
            Layout::Expanded => {
                if !moved {
                    self.token(block.open, "{", true);
                }
                self.trailing();
                self.end_line();
                let (indent, cont) = (self.indent, self.cont);
                self.indent = self.line_indent + 1;
                self.fresh = true;
                let stmts: Vec<Stmt<'_>> = block.entries.iter().map(entry_stmt).collect();
                self.stmts(&stmts, close.start);
                self.indent = indent;
                self.cont = cont;
                self.fresh = false;
                self.token(close, "}", false);
            }
        }
    }

    fn value(&mut self, value: &Value, space: bool) {
        match &value.kind {
            ValueKind::List(items) => self.list(value, items, space),
            ValueKind::Quantity(quantity) => {
                self.tok(quantity.number.span, space);
                if let Some(when) = &quantity.when {
                    self.tok(when.keyword, true);
                    self.value(&when.value, true);
                }
            }
            ValueKind::Str(_) | ValueKind::Ident(_) | ValueKind::Period(_) => self.tok(value.span, space),
        }
    }

    /// `[a, b]` on one line when it fits and holds no comment; else one element a line,
    /// each with a comma.
    fn list(&mut self, list: &Value, items: &[Value], space: bool) {
        let span = list.span;
        let open = Span::new(span.start as usize, span.start as usize + 1);
        let close = Span::new(span.end.saturating_sub(1) as usize, span.end as usize);
        let fits = self.width() + 1 + self.inline_value(list).chars().count() <= MAX_WIDTH;
        if fits && !self.has_comment_in(span.start, span.end) {
            self.token(open, "[", space);
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    self.word(",", false);
                }
                self.value(item, i > 0);
            }
            self.token(close, "]", false);
            return;
        }
        self.token(open, "[", space);
        self.trailing();
        self.end_line();
        let (indent, cont) = (self.indent, self.cont);
        self.indent = self.line_indent + 1;
        for item in items {
            self.cont = false;
            self.own_line_comments(item.span.start, |_| {});
            self.blank = false;
            self.value(item, false);
            // The comma as written, or one added after the last element.
            let comma =
                self.token_after(self.last_end).filter(|&at| self.src.as_bytes().get(at as usize) == Some(&b','));
            match comma {
                Some(_) => self.punct(",", false),
                None => self.word(",", false),
            }
            self.trailing();
            self.end_line();
        }
        self.cont = false;
        self.own_line_comments(close.start, |_| {});
        self.blank = false;
        self.indent = indent;
        self.cont = cont;
        self.token(close, "]", false);
    }

    // --- layout decisions ---

    /// Whether a comment starts strictly between `from` and `to`.
    fn has_comment_in(&self, from: u32, to: u32) -> bool {
        let first = self.comments.partition_point(|c| c.span.start <= from);
        self.comments.get(first).is_some_and(|c| c.span.start < to)
    }

    fn layout(&self, owner: Stmt<'_>, block: &Block) -> Layout {
        let Some(close) = block.close else { return Layout::Expanded };
        if block.entries.is_empty() && !self.has_comment_in(block.open.start, close.start) {
            return Layout::Empty;
        }
        let one_line = !self.slice(Span::new(stmt_start(owner) as usize, close.end as usize)).contains(['\n', '\r']);
        let [Entry::Attribute(attribute)] = block.entries.as_slice() else { return Layout::Expanded };
        if !one_line {
            return Layout::Expanded;
        }
        // The whole line, as it would be written: indent, header, ` { `, entry, ` }`.
        let header = match owner {
            Stmt::Decl(decl) => {
                let mut words = vec![self.slice(decl.keyword)];
                words.extend(decl.id.as_ref().map(|id| self.slice(id.span)));
                words.push(self.slice(decl.title.span));
                words.join(" ")
            }
            Stmt::Link(link) => {
                let nodes: Vec<&str> = link.nodes.iter().map(|n| self.slice(n.span)).collect();
                let label = link.label.as_ref().map(|l| format!(": {}", self.slice(l.span))).unwrap_or_default();
                format!("{}{label}", nodes.join(" -> "))
            }
            Stmt::Attribute(_) => return Layout::Expanded,
        };
        let entry = format!("{}: {}", self.slice(attribute.name.span), self.inline_value(&attribute.value));
        let width = self.indent * INDENT.len() + header.chars().count() + entry.chars().count() + " {  }".len();
        if width <= MAX_WIDTH { Layout::Inline } else { Layout::Expanded }
    }

    fn is_multiline(&self, stmt: Stmt<'_>) -> bool {
        match stmt {
            Stmt::Decl(decl) => decl.block.as_ref().is_some_and(|b| self.layout(stmt, b) == Layout::Expanded),
            Stmt::Link(_) | Stmt::Attribute(_) => false,
        }
    }

    /// A value as it is written on one line (lists with `, ` between elements).
    fn inline_value(&self, value: &Value) -> String {
        match &value.kind {
            ValueKind::List(items) => {
                let items: Vec<String> = items.iter().map(|item| self.inline_value(item)).collect();
                format!("[{}]", items.join(", "))
            }
            ValueKind::Quantity(quantity) => match &quantity.when {
                Some(when) => format!(
                    "{} {} {}",
                    self.slice(quantity.number.span),
                    self.slice(when.keyword),
                    self.inline_value(&when.value)
                ),
                None => self.slice(quantity.number.span).to_owned(),
            },
            ValueKind::Str(_) | ValueKind::Ident(_) | ValueKind::Period(_) => self.slice(value.span).to_owned(),
        }
    }
}

/// The line break the formatter writes: the file's first one outside a string decides.
/// A string's own line breaks are its text, kept as they are; letting one decide would
/// make formatting twice change the text, once a string becomes the first thing to hold
/// a line break (a property-test finding, `tests/fixtures/fmt/crlf_string.strata`).
fn newline_style(src: &str, ast: &Ast) -> &'static str {
    let strings = ast.string_spans();
    // The spans are in source order, so one pass over both finds the first break outside.
    let mut next = strings.iter().peekable();
    for (i, _) in src.match_indices('\n') {
        while next.next_if(|s| (s.end as usize) <= i).is_some() {}
        if next.peek().is_some_and(|s| (s.start as usize) < i) {
            continue;
        }
        return if i > 0 && src.as_bytes()[i - 1] == b'\r' { "\r\n" } else { "\n" };
    }
    "\n"
}

fn entry_stmt(entry: &Entry) -> Stmt<'_> {
    match entry {
        Entry::Attribute(attribute) => Stmt::Attribute(attribute),
        Entry::Decl(decl) => Stmt::Decl(decl),
    }
}

fn stmt_start(stmt: Stmt<'_>) -> u32 {
    match stmt {
        Stmt::Decl(decl) => decl.span.start,
        Stmt::Link(link) => link.span.start,
        Stmt::Attribute(attribute) => attribute.span.start,
    }
}

fn is_blank(text: &str) -> bool {
    text.chars().all(|c| matches!(c, ' ' | '\t' | BOM))
}

fn line_start(src: &str, pos: usize) -> usize {
    src[..pos].rfind(['\n', '\r']).map_or(0, |i| i + 1)
}

/// Where the first thing on the line of `pos` starts, past spaces, tabs and a BOM.
fn first_on_line(src: &str, pos: usize) -> u32 {
    let start = line_start(src, pos);
    let line = &src[start..pos];
    (start + line.len() - line.trim_start_matches([' ', '\t', BOM]).len()) as u32
}

/// Where the run of spaces, tabs and BOMs that ends at `pos` starts. Callers look back
/// only this far, never to the start of a long line: once per statement, a walk to the
/// line's start made a map written on one line quadratic (4,000 results took minutes).
fn blank_run_start(src: &str, pos: usize) -> usize {
    src[..pos].char_indices().rev().take_while(|&(_, c)| matches!(c, ' ' | '\t' | BOM)).last().map_or(pos, |(i, _)| i)
}

/// Whether something other than whitespace precedes `pos` on its line.
fn code_before_on_line(src: &str, pos: usize) -> bool {
    let start = blank_run_start(src, pos);
    start > 0 && !matches!(src.as_bytes()[start - 1], b'\n' | b'\r')
}

/// How many spaces or tabs precede `pos`, at least one.
fn gap_before(src: &str, pos: usize) -> usize {
    src[..pos].chars().rev().take_while(|&c| matches!(c, ' ' | '\t')).count().max(1)
}

/// Whether `pos` starts its line and the line before it is blank.
fn blank_line_before(src: &str, pos: usize) -> bool {
    let pos = pos.min(src.len());
    let start = blank_run_start(src, pos);
    if start == 0 || code_before_on_line(src, pos) {
        return false;
    }
    let mut end = start - 1;
    if src.as_bytes()[end] == b'\n' && end > 0 && src.as_bytes()[end - 1] == b'\r' {
        end -= 1;
    }
    let before = blank_run_start(src, end);
    before == 0 || matches!(src.as_bytes()[before - 1], b'\n' | b'\r')
}

// ---------------------------------------------------------------------------------
// The safety net: the formatted text must hold the same words as the input.

/// The tree of `formatted` if it parses cleanly to the same tokens, in the same order,
/// with the same comments, each still ending a line of code or standing on its own line.
fn same_content(src: &str, ast: &Ast, formatted: &str) -> Option<Ast> {
    let mut diags = Vec::new();
    let after = syntax::parse(FileId(0), formatted, &mut diags);
    if after.has_errors || !diags.is_empty() || src.starts_with(BOM) != formatted.starts_with(BOM) {
        return None;
    }
    let comments = |text: &str, ast: &Ast| -> Vec<(String, bool)> {
        ast.comments
            .iter()
            .map(|c| {
                let comment = text[c.range()].trim_end_matches([' ', '\t']).to_owned();
                (comment, code_before_on_line(text, c.start as usize))
            })
            .collect()
    };
    if comments(src, ast) != comments(formatted, &after) {
        return None;
    }
    // The second list, if it is the same, is as long as the first: grown once, not
    // doubling (a tenth of formatting 10,000 results with suppressions went to copying
    // and faulting in the growing lists, issue 17).
    let before = tokens(src, ast, 0);
    (before == tokens(formatted, &after, before.len())).then_some(after)
}

/// Every token of a tree in order, commas aside, as written (`capacity`: how many are
/// expected).
fn tokens<'t>(text: &'t str, ast: &Ast, capacity: usize) -> Vec<&'t str> {
    let mut tokens = Tokens { text, out: Vec::with_capacity(capacity) };
    for item in ast.items.iter() {
        match item {
            Item::Decl(decl) => tokens.decl(decl),
            Item::Link(link) => {
                for (i, node) in link.nodes.iter().enumerate() {
                    if i > 0 {
                        tokens.out.push("->");
                    }
                    tokens.push(node.span);
                }
                if let Some(label) = &link.label {
                    tokens.out.push(":");
                    tokens.push(label.span);
                }
                if let Some(block) = &link.block {
                    tokens.block(block);
                }
            }
        }
    }
    tokens.out
}

struct Tokens<'t> {
    text: &'t str,
    out: Vec<&'t str>,
}

impl<'t> Tokens<'t> {
    fn push(&mut self, span: Span) {
        // A span outside the text cannot match anything real.
        self.out.push(self.text.get(span.range()).unwrap_or("\u{0}"));
    }

    fn decl(&mut self, decl: &Decl) {
        self.push(decl.keyword);
        if let Some(id) = &decl.id {
            self.push(id.span);
        }
        self.push(decl.title.span);
        if let Some(block) = &decl.block {
            self.block(block);
        }
    }

    fn block(&mut self, block: &Block) {
        self.out.push("{");
        for entry in &block.entries {
            match entry {
                Entry::Attribute(attribute) => {
                    self.push(attribute.name.span);
                    self.out.push(":");
                    self.value(&attribute.value);
                }
                Entry::Decl(decl) => self.decl(decl),
            }
        }
        self.out.push("}");
    }

    fn value(&mut self, value: &Value) {
        match &value.kind {
            ValueKind::List(items) => {
                self.out.push("[");
                for item in items {
                    self.value(item);
                }
                self.out.push("]");
            }
            ValueKind::Quantity(quantity) => {
                self.push(quantity.number.span);
                if let Some(when) = &quantity.when {
                    self.push(when.keyword);
                    self.value(&when.value);
                }
            }
            ValueKind::Str(_) | ValueKind::Ident(_) | ValueKind::Period(_) => self.push(value.span),
        }
    }
}

// ---------------------------------------------------------------------------------
// What each suppression comment covers, before and after.

/// What a diagnostic can point at (spec 5.0), as far as suppressions go.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Role {
    /// An item's id (a map's title): the lints about an item as a whole.
    Id,
    /// A result's statement: the wording lints (`weasel-word` inside it).
    Statement,
    /// The value of a `target`, `baseline` or `for`: the lints about those attributes.
    Value,
    /// An id in a link statement: the lints about links.
    Node,
    /// A comment: the lints about suppression comments.
    Comment,
    /// Any other token.
    Other,
}

/// Whether a lint's primary span can start in a token of `role`. A lint not listed
/// may point anywhere: every token counts for it.
fn points_at(code: Code, role: Role) -> bool {
    use Code::*;
    match code {
        ResultIsAction | DirectionWord | TargetInResult | MultipleFocus | WeaselWord => role == Role::Statement,
        TargetWithoutDate | TargetWrongSide | TargetBeforeBaseline | ResultForExitGroup => role == Role::Value,
        CausalCycle | DownwardLink | DuplicateLink => role == Role::Node,
        InvalidSuppression | UnusedSuppression => role == Role::Comment,
        ResultWithoutMeasure
        | MeasureIncomplete
        | TargetWithoutBaseline
        | IsolatedResult
        | UnlinkedAction
        | NoPathToTop
        | EmptyLayer
        | GroupIncomplete
        | UnusedGroup
        | GroupShareOverflow
        | MissingOwner => role == Role::Id,
        _ => true,
    }
}

/// A token or comment a diagnostic may point into, in source order: the same list, one
/// for one, before and after formatting (the safety net checks that).
struct Unit<'a> {
    span: Span,
    role: Role,
    /// How a message names it: `` `r0` ``, ``the statement of `r0` ``.
    name: Name<'a>,
}

/// One suppression comment and the units it covers: (unit, first and last byte offset
/// inside the unit). Only a statement counts byte by byte (a weasel word inside it);
/// for the others their first byte is what counts.
struct Covers {
    comment: usize,
    span: Span,
    /// It ends a line of code.
    trailing: bool,
    codes: Vec<Code>,
    units: Vec<(usize, u32, u32)>,
}

/// Every suppression comment of a tree, and what it covers (nothing to do for a file
/// without one).
/// `units`: how many units the tree has, when known (the formatted text has the same as
/// the input), or 0 to count them first.
fn suppressions<'a>(text: &'a str, ast: &'a Ast, units: usize) -> (Vec<Unit<'a>>, Vec<Covers>) {
    let mut found = Vec::new();
    if !ast.comments.iter().any(|c| suppress::allowed_lints(&text[c.range()]).is_some()) {
        return (Vec::new(), found);
    }
    let units = self::units(text, ast, units);
    let line_index = LineIndex::new(text);
    let last =
        |unit: &Unit| if unit.role == Role::Statement { unit.span.end.saturating_sub(1) } else { unit.span.start };
    // The units by where they start, with the furthest any of them up to there reaches:
    // each comment looks only at the units its scope can touch, not at every token
    // (quadratic with a comment on each of 100,000 results, issue 17).
    // Sorted with their starts beside them: the tokens come in order, then the comments
    // in order, two runs that the sort merges in one pass without looking up each unit.
    let mut by_start: Vec<(u32, usize)> = units.iter().enumerate().map(|(i, unit)| (unit.span.start, i)).collect();
    by_start.sort();
    let reach: Vec<u32> = by_start
        .iter()
        .scan(0, |furthest, &(_, i)| {
            *furthest = last(&units[i]).max(*furthest);
            Some(*furthest)
        })
        .collect();
    let mut scopes = suppress::Scopes::new(text, &line_index, ast);
    // Where the last comment's search stopped: the scopes come in order, so each search
    // gallops on from there (restarting should one start before the last).
    let (mut from, mut last_start) = (0, 0);
    for (comment, &span) in ast.comments.iter().enumerate() {
        let Some(codes) = suppress::allowed_lints(&text[span.range()]).filter(|c| !c.is_empty()) else { continue };
        let scope = scopes.scope(span);
        if scope.start < last_start {
            from = 0;
        }
        last_start = scope.start;
        // Before `first` every unit ends before the scope; from `end` on, starts after it.
        let first = crate::source::gallop(&reach, from, |&r| r < scope.start);
        let end = crate::source::gallop(&by_start, first, |&(start, _)| start <= scope.end);
        from = first;
        let mut covered: Vec<(usize, u32, u32)> = by_start[first..end]
            .iter()
            .filter_map(|&(_, i)| {
                let unit = &units[i];
                let (lo, hi) = (unit.span.start.max(scope.start), last(unit).min(scope.end));
                (lo <= hi).then(|| (i, lo - unit.span.start, hi - unit.span.start))
            })
            .collect();
        covered.sort_unstable();
        let trailing = code_before_on_line(text, span.start as usize);
        found.push(Covers { comment, span, trailing, codes, units: covered });
    }
    (units, found)
}

/// For every suppression comment that covers other code after formatting, for one of
/// the lints it names: its index, and the refusal.
fn changed_suppressions(
    (units, before): &(Vec<Unit>, Vec<Covers>),
    (_, after): &(Vec<Unit>, Vec<Covers>),
) -> Vec<(usize, Diagnostic)> {
    let mut out = Vec::new();
    for (b, a) in before.iter().zip(after) {
        let relevant = |covered: &[(usize, u32, u32)]| -> Vec<(usize, u32, u32)> {
            let role = |i: usize| units[i].role;
            covered.iter().copied().filter(|&(i, ..)| b.codes.iter().any(|&c| points_at(c, role(i)))).collect()
        };
        let (was, will) = (relevant(&b.units), relevant(&a.units));
        if was == will {
            continue;
        }
        let names = |from: &[(usize, u32, u32)], not_in: &[(usize, u32, u32)]| -> Vec<String> {
            let mut names: Vec<String> =
                from.iter().filter(|u| !not_in.contains(u)).map(|&(i, ..)| units[i].name.to_string()).collect();
            names.dedup();
            names
        };
        let (gained, lost) = (names(&will, &was), names(&was, &will));
        let mut what = Vec::new();
        if !gained.is_empty() {
            what.push(format!("it would cover {}", gained.join(", ")));
        }
        if !lost.is_empty() {
            what.push(format!("it would no longer cover {}", lost.join(", ")));
        }
        let codes: Vec<String> = b.codes.iter().map(|c| format!("`{}`", c.name())).collect();
        let message = format!(
            "formatting would change what this suppression of {} covers: {}",
            codes.join(", "),
            what.join(", and ")
        );
        let help = if b.trailing {
            "put the comment on its own line above the item, where it covers the whole item"
        } else {
            "move the comment to the line just before the item or attribute it is meant for"
        };
        let label = Label::new(Loc::new(FileId(0), b.span), "would cover other code once formatted");
        out.push((b.comment, Diagnostic::new(Code::MisplacedSuppression, label, message).with_help(help)));
    }
    out
}

/// Every unit of a tree, in source order: the tokens of the items, then the comments.
/// `capacity`: how many there are, or 0 to count them first (a walk that only counts
/// costs less than growing a list of 100,000 units by doubling: copying and faulting in
/// the pages twice over).
fn units<'a>(text: &'a str, ast: &'a Ast, capacity: usize) -> Vec<Unit<'a>> {
    let capacity = match capacity {
        0 => {
            let mut counted = Units { text, out: Vec::new(), counting: true, count: 0 };
            counted.walk(ast);
            counted.count
        }
        known => known,
    };
    let mut units = Units { text, out: Vec::with_capacity(capacity), counting: false, count: 0 };
    units.walk(ast);
    units.out
}

impl<'a> Units<'a> {
    fn walk(&mut self, ast: &'a Ast) {
        let units = self;
        for item in ast.items.iter() {
            match item {
                Item::Decl(decl) => units.decl(decl),
                Item::Link(link) => {
                    for node in &link.nodes {
                        units.push(node.span, Role::Node, Name::Node(node.name.as_str()));
                    }
                    if let Some(label) = &link.label {
                        units.push(label.span, Role::Other, Name::Plain("a link's label"));
                    }
                    if let Some(block) = &link.block {
                        units.block(block, Owner::Link);
                    }
                }
            }
        }
        for &comment in ast.comments.iter() {
            units.push(comment, Role::Comment, Name::Plain("a comment"));
        }
    }
}

/// How a message names a unit: written out only for the few a refusal names, not for
/// every token of the file (a tenth of formatting 100,000 suppressions, issue 17).
#[derive(Clone, Copy)]
enum Name<'a> {
    Plain(&'static str),
    /// `` `a` in a link ``.
    Node(&'a str),
    /// The owner itself: `` `r0` ``.
    Owner(Owner<'a>),
    /// ``the statement of `r0` ``: the words, then the owner.
    Of(&'static str, Owner<'a>),
    /// ``the `target` of `m0` ``.
    Attribute(&'a str, Owner<'a>),
}

/// What a unit belongs to: an item by its id (or title), or a link.
#[derive(Clone, Copy)]
enum Owner<'a> {
    Decl(&'a str),
    Link,
}

impl std::fmt::Display for Owner<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Owner::Decl(name) => write!(f, "`{name}`"),
            Owner::Link => f.write_str("a link"),
        }
    }
}

impl std::fmt::Display for Name<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Name::Plain(text) => f.write_str(text),
            Name::Node(name) => write!(f, "`{name}` in a link"),
            Name::Owner(owner) => write!(f, "{owner}"),
            Name::Of(what, owner) => write!(f, "{what} {owner}"),
            Name::Attribute(name, owner) => write!(f, "the `{name}` of {owner}"),
        }
    }
}

struct Units<'a> {
    text: &'a str,
    out: Vec<Unit<'a>>,
    /// Only count them (in `count`), leaving `out` empty.
    counting: bool,
    count: usize,
}

impl<'a> Units<'a> {
    fn push(&mut self, span: Span, role: Role, name: Name<'a>) {
        if self.counting {
            self.count += 1;
        } else {
            self.out.push(Unit { span, role, name });
        }
    }

    fn decl(&mut self, decl: &'a Decl) {
        let owner = Owner::Decl(self.text.get(decl.name_span().range()).unwrap_or_default());
        self.push(decl.keyword, Role::Other, Name::Of("the keyword of", owner));
        if let Some(id) = &decl.id {
            self.push(id.span, Role::Id, Name::Owner(owner));
        }
        let (role, what) = match decl.kind {
            DeclKind::Map => (Role::Id, Name::Plain("the map's title")),
            DeclKind::Result => (Role::Statement, Name::Of("the statement of", owner)),
            _ => (Role::Other, Name::Of("the title of", owner)),
        };
        self.push(decl.title.span, role, what);
        if let Some(block) = &decl.block {
            self.block(block, owner);
        }
    }

    fn block(&mut self, block: &'a Block, owner: Owner<'a>) {
        self.push(block.open, Role::Other, Name::Of("the block of", owner));
        for entry in &block.entries {
            match entry {
                Entry::Attribute(attribute) => {
                    let name = attribute.name.name.as_str();
                    let what = Name::Attribute(name, owner);
                    self.push(attribute.name.span, Role::Other, what);
                    let role = if matches!(name, "target" | "baseline" | "for") { Role::Value } else { Role::Other };
                    self.value(&attribute.value, role, what);
                }
                Entry::Decl(decl) => self.decl(decl),
            }
        }
        if let Some(close) = block.close {
            self.push(close, Role::Other, Name::Of("the block of", owner));
        }
    }

    fn value(&mut self, value: &Value, role: Role, what: Name<'a>) {
        match &value.kind {
            ValueKind::List(items) => items.iter().for_each(|item| self.value(item, role, what)),
            ValueKind::Quantity(quantity) => {
                self.push(quantity.number.span, role, what);
                if let Some(when) = &quantity.when {
                    self.push(when.keyword, role, what);
                    self.value(&when.value, role, what);
                }
            }
            ValueKind::Str(_) | ValueKind::Ident(_) | ValueKind::Period(_) => self.push(value.span, role, what),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each suppression comment's covered units, by the names messages give them.
    fn covered(text: &str) -> Vec<Vec<String>> {
        let ast = crate::syntax::parse(FileId(0), text, &mut Vec::new());
        let (units, found) = suppressions(text, &ast, 0);
        found.iter().map(|c| c.units.iter().map(|&(i, ..)| units[i].name.to_string()).collect()).collect()
    }

    #[test]
    fn a_suppression_inside_another_ones_scope_covers_its_own_attribute() {
        let text = "# strata: allow(missing-owner)\nresult a \"Regulars come back\" {\n  layer: customer\n  # strata: allow(weasel-word)\n  note: \"n\"\n}\n";
        let covered = covered(text);
        assert_eq!(covered.len(), 2);
        // The outer one covers the whole result, the inner one's attribute among it.
        assert!(covered[0].len() > covered[1].len() && !covered[1].is_empty(), "{covered:?}");
        assert!(covered[1].iter().all(|name| covered[0].contains(name)), "{covered:?}");
        assert!(covered[1].iter().any(|name| name.contains("note")), "{covered:?}");
    }

    #[test]
    fn minimal_edit_keeps_common_ends() {
        let edit = minimal_edit("a  -> b\n", "a -> b\n");
        assert_eq!(edit, Some(Edit { span: Span::new(2, 3), text: String::new() }));
        let edit = minimal_edit("x:1\n", "x: 1\n");
        assert_eq!(edit, Some(Edit { span: Span::new(2, 2), text: " ".to_owned() }));
        assert_eq!(minimal_edit("same", "same"), None);
        // Never inside a character or a CRLF.
        let edit = minimal_edit("é\r\nx", "è\r\nx");
        assert_eq!(edit, Some(Edit { span: Span::new(0, 2), text: "è".to_owned() }));
        let edit = minimal_edit("a\r\n", "a\r\r\n");
        assert!(edit.is_some_and(|e| e.span.start <= 1 && e.text.starts_with('\r')));
    }

    #[test]
    fn line_breaks_inside_strings_do_not_decide_the_style() {
        // The first line break is the LF inside the string; the file's own are CRLF.
        let text = "map \"a\nb\"\r\nresult r \"R\"\r\n";
        assert_eq!(format(text).ok().as_deref(), Some(text));
        let lf = "map \"a\r\nb\"\nresult r \"R\"\n";
        assert_eq!(format(lf).ok().as_deref(), Some(lf));
        // No line break outside a string: LF.
        assert_eq!(format("map \"a\r\nb\"").ok().as_deref(), Some("map \"a\r\nb\"\n"));
    }

    #[test]
    fn syntax_errors_come_back() {
        let diags = format("result \"no id\"\n").err().unwrap_or_default();
        assert_eq!(diags.len(), 1);
    }

    #[test]
    fn a_broken_invariant_returns_the_input() {
        let text = "result a \"A\"\n";
        let mut diags = Vec::new();
        let ast = syntax::parse(FileId(0), text, &mut diags);
        assert!(same_content(text, &ast, text).is_some());
        assert!(same_content(text, &ast, "result a \"B\"\n").is_none());
        assert!(same_content(text, &ast, "result a \"A\" # new\n").is_none());
    }
}
