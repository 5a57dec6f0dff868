//! The fast path: a hand-written recursive-descent parser for files that parse cleanly,
//! which is nearly every file on disk. It follows `grammar/strata.pest` rule for rule
//! (the same ordered choices, the same implicit whitespace and comments between tokens,
//! the same spans) and builds the same `Ast` the pest builder would.
//!
//! It gives up (`None`) at the first thing it does not accept: a syntax error, a bad
//! escape, an unterminated string, nesting past `MAX_NESTING`, or one of the rare
//! shapes that only pest's backtracking accepts (`map -> x`). The caller then parses the
//! file with pest, whose recovery and messages are the reference. So the fast path
//! never decides what is an error; it only makes clean files cheap. `tests/it/syntax.rs`
//! holds the two parsers to identical trees over every fixture and random input.

use super::ast::*;
use super::escape;
use super::parser::MAX_NESTING;
use crate::source::Span;

/// A file of at least this many bytes per core is read in pieces, one per core.
const PIECE: usize = 256 * 1024;

/// Parses a file that has no syntax errors, or returns `None`. A big file is read in
/// pieces on several cores (`parse_in_pieces`): the language server parses a file on
/// every keystroke, and a 4 MB file took a third of one (issue 17).
pub fn parse(text: &str) -> Option<Ast> {
    let pieces = crate::parallel::threads().min(text.len() / PIECE);
    if pieces >= 2
        && let Some(ast) = parse_in_pieces(text, pieces)
    {
        return Some(ast);
    }
    let (items, comments) = items(text, 0, text.len())?;
    Some(Ast { items: items.into(), comments: comments.into(), has_errors: false })
}

/// The items and comments of `text[start..end]`, read as if the text ended at `end`.
fn items(text: &str, start: usize, end: usize) -> Option<(Vec<Item>, Vec<Span>)> {
    let text = &text[..end];
    let mut p = Parser { text, bytes: text.as_bytes(), pos: start, comments: Vec::new(), entries: Vec::new() };
    let mut items = Vec::new();
    p.skip();
    while p.pos < p.bytes.len() {
        items.push(p.item()?);
        p.skip();
    }
    Some((items, p.comments))
}

/// `parse`'s tree, read in up to `pieces` pieces on as many threads; `None` when the
/// text has no place to split it or a piece does not parse on its own (the caller then
/// reads it whole).
///
/// A piece starts at a line that starts with a declaration's keyword and a blank. Where
/// the piece before it parses on its own, that line starts an item of the whole file
/// too: the piece before ends at the end of its last item (not inside a string, block
/// or comment, which would not parse), and what ends an item there, a keyword or the
/// end of the text, ends it the same way (after a title, a link's end or a block, the
/// parser looks only for `{`, `->` or `:`). So the pieces' items and comments, one after
/// the other, are the whole file's; `tests/it/syntax.rs` holds them equal on every
/// fixture.
pub fn parse_in_pieces(text: &str, pieces: usize) -> Option<Ast> {
    let mut starts = vec![0];
    for k in 1..pieces {
        let from = (text.len() / pieces * k).max(starts[starts.len() - 1] + 1);
        if let Some(at) = item_line(text, from) {
            starts.push(at);
        }
    }
    starts.dedup();
    if starts.len() < 2 {
        return None;
    }
    let ends: Vec<usize> = starts[1..].iter().copied().chain([text.len()]).collect();
    let read: Vec<Option<(Vec<Item>, Vec<Span>)>> = std::thread::scope(|scope| {
        let others: Vec<_> = starts[1..]
            .iter()
            .zip(&ends[1..])
            .map(|(&start, &end)| scope.spawn(move || items(text, start, end)))
            .collect();
        let first = items(text, 0, ends[0]);
        std::iter::once(first).chain(others.into_iter().map(|h| h.join().ok().flatten())).collect()
    });
    let (mut all_items, mut all_comments) = (Vec::new(), Vec::new());
    for piece in read {
        let (items, comments) = piece?;
        all_items.extend(items);
        all_comments.extend(comments);
    }
    Some(Ast { items: all_items.into(), comments: all_comments.into(), has_errors: false })
}

/// The first line starting at or after `from` that starts with a declaration's keyword
/// and a blank.
fn item_line(text: &str, from: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut at = from;
    loop {
        // The start of the next line (a line start is `from` itself after a line feed).
        if at == 0 || bytes.get(at - 1) != Some(&b'\n') {
            at += memchr::memchr(b'\n', bytes.get(at..)?)? + 1;
        }
        let line = &bytes[at..];
        let word = line.iter().position(|b| !b.is_ascii_lowercase()).unwrap_or(line.len());
        let keyword = std::str::from_utf8(&line[..word]).ok().and_then(DeclKind::from_keyword);
        if keyword.is_some() && matches!(line.get(word), Some(b' ' | b'\t')) {
            return Some(at);
        }
        at += 1;
    }
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    comments: Vec<Span>,
    /// The entries of the blocks being read, innermost last: each block's are moved
    /// into a vector of exactly their number when it closes (growing one vector per
    /// block left up to half of each unused, a third of the memory of the trees).
    entries: Vec<Entry>,
}

/// `Some(())` when `cond` holds: lets `?` give up.
fn ensure(cond: bool) -> Option<()> {
    cond.then_some(())
}

fn is_ident_start(ch: char) -> bool {
    ch.is_ascii_alphabetic() || ch == '_' || (!ch.is_ascii() && pest::unicode::XID_START(ch))
}

fn is_ident_continue(ch: char) -> bool {
    ch.is_ascii_alphanumeric() || ch == '_' || (!ch.is_ascii() && pest::unicode::XID_CONTINUE(ch))
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn char_at(&self, pos: usize) -> Option<char> {
        self.text.get(pos..)?.chars().next()
    }

    /// pest's implicit `(WHITESPACE | COMMENT)*` between tokens; comments are recorded.
    fn skip(&mut self) {
        loop {
            match self.peek() {
                Some(b' ' | b'\t' | b'\n' | b'\r') => self.pos += 1,
                Some(0xEF) if self.bytes[self.pos..].starts_with("\u{FEFF}".as_bytes()) => self.pos += 3,
                Some(b'#') => {
                    let start = self.pos;
                    let rest = &self.bytes[start..];
                    let len = memchr::memchr2(b'\n', b'\r', rest).unwrap_or(rest.len());
                    self.pos = start + len;
                    self.comments.push(Span::new(start, self.pos));
                }
                _ => return,
            }
        }
    }

    /// The end of the identifier starting at `pos`, if one does.
    fn ident_end(&self, pos: usize) -> Option<usize> {
        let first = self.char_at(pos)?;
        if !is_ident_start(first) {
            return None;
        }
        let mut end = pos + first.len_utf8();
        while let Some(&b) = self.bytes.get(end) {
            if b.is_ascii_alphanumeric() || b == b'_' {
                end += 1;
            } else if b < 0x80 {
                break;
            } else {
                match self.char_at(end) {
                    Some(ch) if is_ident_continue(ch) => end += ch.len_utf8(),
                    _ => break,
                }
            }
        }
        Some(end)
    }

    fn ident(&mut self) -> Option<Ident> {
        let start = self.pos;
        let end = self.ident_end(start)?;
        self.pos = end;
        Some(Ident { name: Text::from(&self.text[start..end]), span: Span::new(start, end) })
    }

    /// `item = map_decl | decl | link`. A keyword always takes the declaration path; the
    /// links pest would find after a failed declaration are left to pest.
    fn item(&mut self) -> Option<Item> {
        let start = self.pos;
        let end = self.ident_end(start)?;
        match DeclKind::from_keyword(&self.text[start..end]) {
            Some(kind) => self.decl(kind, 0).map(Item::Decl),
            None => self.link().map(Item::Link),
        }
    }

    /// `map_decl = kw_map ~ text ~ block?` and `decl = decl_kw ~ ident ~ text ~ block?`,
    /// at the keyword. Without a block the span ends with the title (spec 5.0: a span
    /// never runs past its last token), as the pest builder's does.
    fn decl(&mut self, kind: DeclKind, depth: usize) -> Option<Decl> {
        let start = self.pos;
        self.pos += kind.keyword().len();
        let keyword = Span::new(start, self.pos);
        self.skip();
        let id = match kind {
            DeclKind::Map => None,
            _ => {
                let id = self.ident()?;
                self.skip();
                Some(id)
            }
        };
        let title = self.string()?;
        self.skip();
        let block = match self.peek() {
            Some(b'{') => {
                ensure(depth < MAX_NESTING)?;
                Some(self.block(depth + 1)?)
            }
            _ => None,
        };
        let end = block.as_ref().map_or(title.span.end as usize, |b| b.span.end as usize);
        Some(Decl { kind, keyword, id, title, block, span: Span::new(start, end) })
    }

    /// `link = ident ~ (arrow ~ ident)+ ~ (colon ~ text)? ~ block?`.
    fn link(&mut self) -> Option<Link> {
        let start = self.pos;
        let mut nodes = vec![self.ident()?];
        loop {
            self.skip();
            if !self.bytes[self.pos..].starts_with(b"->") {
                break;
            }
            self.pos += 2;
            self.skip();
            nodes.push(self.ident()?);
        }
        ensure(nodes.len() >= 2)?;
        let label = match self.peek() {
            Some(b':') => {
                self.pos += 1;
                self.skip();
                let label = self.string()?;
                self.skip();
                Some(label)
            }
            _ => None,
        };
        let block = match self.peek() {
            Some(b'{') => Some(self.block(1)?),
            _ => None,
        };
        let last = label.as_ref().map_or(nodes[nodes.len() - 1].span.end, |l| l.span.end);
        let end = block.as_ref().map_or(last as usize, |b| b.span.end as usize);
        Some(Link { nodes, label, block, span: Span::new(start, end) })
    }

    /// `block = lbrace ~ (entry | bad_entry)* ~ (rbrace | unclosed)` for a block that
    /// closes; `entry = attribute | nested`, where only `group` and `measure` nest (the
    /// other keywords end a block in the grammar's recovery).
    fn block(&mut self, depth: usize) -> Option<Block> {
        let open = Span::new(self.pos, self.pos + 1);
        self.pos += 1;
        let base = self.entries.len();
        loop {
            self.skip();
            if self.peek() == Some(b'}') {
                break;
            }
            let start = self.pos;
            let end = self.ident_end(start)?;
            let word = &self.text[start..end];
            let comments = self.comments.len();
            self.pos = end;
            self.skip();
            if self.peek() == Some(b':') {
                self.pos += 1;
                self.skip();
                let name = Ident { name: Text::from(word), span: Span::new(start, end) };
                let value = self.value()?;
                let span = Span::new(start, value.span.end as usize);
                self.entries.push(Entry::Attribute(Attribute { name, value, span }));
                continue;
            }
            // Not an attribute: back to the word, which must start a nested declaration.
            self.pos = start;
            self.comments.truncate(comments);
            let kind = DeclKind::from_keyword(word).filter(|k| matches!(k, DeclKind::Group | DeclKind::Measure))?;
            let decl = self.decl(kind, depth)?;
            self.entries.push(Entry::Decl(Box::new(decl)));
        }
        let close = Span::new(self.pos, self.pos + 1);
        self.pos += 1;
        let entries = self.entries.drain(base..).collect();
        Some(Block { entries, open, close: Some(close), span: open.to(close) })
    }

    /// `value = list | scalar`.
    fn value(&mut self) -> Option<Value> {
        if self.peek() != Some(b'[') {
            return self.scalar();
        }
        let start = self.pos;
        self.pos += 1;
        self.skip();
        let mut items = Vec::new();
        if self.peek() != Some(b']') {
            items.push(self.scalar()?);
            loop {
                self.skip();
                if self.peek() != Some(b',') {
                    break;
                }
                self.pos += 1;
                self.skip();
                if self.peek() == Some(b']') {
                    break;
                }
                items.push(self.scalar()?);
            }
        }
        ensure(self.peek() == Some(b']'))?;
        self.pos += 1;
        Some(Value { kind: ValueKind::List(items), span: Span::new(start, self.pos) })
    }

    /// `scalar = text | period | quantity | ident`.
    fn scalar(&mut self) -> Option<Value> {
        let start = self.pos;
        if self.peek() == Some(b'"') {
            let text = self.string()?;
            return Some(Value { kind: ValueKind::Str(text.value), span: text.span });
        }
        if let Some(end) = self.period_end(start) {
            self.pos = end;
            let kind = ValueKind::Period(Text::from(&self.text[start..end]));
            return Some(Value { kind, span: Span::new(start, end) });
        }
        if let Some(number) = self.number() {
            return Some(self.quantity(number));
        }
        let ident = self.ident()?;
        Some(Value { kind: ValueKind::Ident(ident.name), span: ident.span })
    }

    /// `quantity = number ~ (qualifier ~ when)?`, after its number. Unqualified, its span
    /// is the number's (not the whitespace after it, where pest's rule ends).
    fn quantity(&mut self, number: Number) -> Value {
        let start = number.span.start as usize;
        self.skip();
        let (after, comments) = (self.pos, self.comments.len());
        if let Some(when) = self.when() {
            let span = Span::new(start, when.value.span.end as usize);
            return Value { kind: ValueKind::Quantity(Box::new(Quantity { number, when: Some(when) })), span };
        }
        self.pos = after;
        self.comments.truncate(comments);
        let span = number.span;
        Value { kind: ValueKind::Quantity(Box::new(Quantity { number, when: None })), span }
    }

    /// `qualifier ~ when`, where `when = period | number`.
    fn when(&mut self) -> Option<When> {
        let start = self.pos;
        let end = self.ident_end(start)?;
        let qualifier = match &self.text[start..end] {
            "at" => Qualifier::At,
            "by" => Qualifier::By,
            _ => return None,
        };
        self.pos = end;
        self.skip();
        let at = self.pos;
        let value = match self.period_end(at) {
            Some(end) => {
                self.pos = end;
                Value { kind: ValueKind::Period(Text::from(&self.text[at..end])), span: Span::new(at, end) }
            }
            None => {
                let number = self.number()?;
                let span = number.span;
                Value { kind: ValueKind::Quantity(Box::new(Quantity { number, when: None })), span }
            }
        };
        Some(When { qualifier, keyword: Span::new(start, end), value: Box::new(value) })
    }

    /// The end of `period = ASCII_DIGIT{4} ~ ("-" ~ ASCII_ALPHANUMERIC+)+ ~ !XID_CONTINUE`.
    fn period_end(&self, start: usize) -> Option<usize> {
        let digits = self.bytes.get(start..start + 4)?;
        ensure(digits.iter().all(u8::is_ascii_digit))?;
        let mut end = start + 4;
        let mut parts = 0;
        while self.bytes.get(end) == Some(&b'-') {
            let run = self.bytes[end + 1..].iter().take_while(|b| b.is_ascii_alphanumeric()).count();
            if run == 0 {
                break;
            }
            end += 1 + run;
            parts += 1;
        }
        ensure(parts > 0 && !self.char_at(end).is_some_and(is_ident_continue))?;
        Some(end)
    }

    /// `number = "-"? ~ ASCII_DIGIT+ ~ ("." ~ ASCII_DIGIT+)? ~ "%"? ~ !(XID_CONTINUE | ".")`.
    fn number(&mut self) -> Option<Number> {
        let start = self.pos;
        let digits_from =
            |at: usize| self.bytes.get(at..).map_or(0, |r| r.iter().take_while(|b| b.is_ascii_digit()).count());
        let mut end = start + usize::from(self.peek() == Some(b'-'));
        let whole = digits_from(end);
        ensure(whole > 0)?;
        end += whole;
        if self.bytes.get(end) == Some(&b'.') {
            let fraction = digits_from(end + 1);
            if fraction > 0 {
                end += 1 + fraction;
            }
        }
        let digits_end = end;
        let percent = self.bytes.get(end) == Some(&b'%');
        end += usize::from(percent);
        ensure(self.bytes.get(end) != Some(&b'.') && !self.char_at(end).is_some_and(is_ident_continue))?;
        self.pos = end;
        let raw = &self.text[start..digits_end];
        let value = raw.parse::<f64>().unwrap_or(f64::NAN);
        Some(Number { value, percent, raw: Text::from(raw), span: Span::new(start, end) })
    }

    /// `string = "\"" ~ string_body ~ "\""`, with every escape valid.
    /// Whether the line after the line break at `at` starts like code: `}`, a keyword,
    /// or an id followed by `:` or `->` (a superset of the grammar's `code_line`).
    fn code_line_after(&self, at: usize) -> bool {
        let mut pos = at;
        while matches!(self.bytes.get(pos), Some(b'\n' | b'\r' | b' ' | b'\t')) {
            pos += 1;
        }
        if self.bytes.get(pos) == Some(&b'}') {
            return true;
        }
        let Some(end) = self.ident_end(pos) else { return false };
        if DeclKind::from_keyword(&self.text[pos..end]).is_some() {
            return true;
        }
        let rest = self.text[end..].trim_start_matches([' ', '\t']);
        rest.starts_with(':') || rest.starts_with("->")
    }

    fn string(&mut self) -> Option<Str> {
        let start = self.pos;
        ensure(self.peek() == Some(b'"'))?;
        let mut end = start + 1;
        loop {
            match self.bytes.get(end)? {
                b'"' => break,
                // An escape takes any one character; it is checked when decoding.
                b'\\' => end += 1 + self.char_at(end + 1)?.len_utf8(),
                _ => end += 1,
            }
        }
        // A string over several lines whose second line reads as code may be the
        // grammar's `open_line` (a string not closed on its line): pest decides. This
        // gives up on more than `open_line` takes, which only costs speed.
        if let Some(newline) = memchr::memchr2(b'\n', b'\r', &self.bytes[start..end]) {
            ensure(!self.code_line_after(start + newline))?;
        }
        let mut clean = true;
        let value = escape::unescape(&self.text[start + 1..end], |_| clean = false);
        ensure(clean)?;
        self.pos = end + 1;
        Some(Str { value, span: Span::new(start, self.pos) })
    }
}
