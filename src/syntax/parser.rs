//! pest -> AST. Parsing never fails: it returns a tree (partial where the text is
//! broken) and pushes a `syntax-error` for every chunk the grammar had to skip, with a
//! message in the user's words, found by re-parsing that chunk with a strict rule.

use pest::Parser as _;
use pest::iterators::Pair;

use super::ast::*;
use super::escape::{self, BadEscape};
use crate::diagnostics::{Code, Diagnostic, Label, suggest};
use crate::source::{FileId, Loc, Span};

#[derive(pest_derive::Parser)]
#[grammar = "grammar/strata.pest"]
struct StrataParser;

/// Blocks nested deeper than this are reported and not descended into, so that no
/// later stage recurses without bound on user input.
pub const MAX_NESTING: usize = 32;

/// Parses one file. Every problem is pushed onto `diags`; the tree holds what parsed.
pub fn parse(file: FileId, text: &str, diags: &mut Vec<Diagnostic>) -> Ast {
    let mut builder = Builder { file, text, diags, has_errors: false };
    if let Some(at) = too_deep(text) {
        builder.error(
            Span::new(at, at + 1),
            format!("blocks are nested more than {MAX_READABLE_NESTING} deep, too deep to read this file"),
            Some("this block is too deep"),
            Some("flatten the nesting: groups and measures nest a few levels at most"),
        );
        return Ast { has_errors: true, ..Ast::default() };
    }
    let pairs = match StrataParser::parse(Rule::file, text) {
        Ok(pairs) => pairs,
        Err(err) => {
            // The grammar recovers from every mistake, so this is pest's own stack or
            // call limit on pathological nesting.
            let at = error_offset(&err);
            builder.error(
                Span::new(at, at),
                "this file nests blocks too deeply to be read",
                None,
                Some("flatten the nesting: groups and measures nest a few levels at most"),
            );
            return Ast { has_errors: true, ..Ast::default() };
        }
    };
    let comments: Vec<Span> =
        pairs.clone().flatten().filter(|pair| pair.as_rule() == Rule::COMMENT).map(|pair| span_of(&pair)).collect();
    let mut items = Vec::new();
    let Some(file_pair) = pairs.into_iter().next() else {
        return Ast { comments: comments.into(), ..Ast::default() };
    };
    for pair in file_pair.into_inner() {
        match pair.as_rule() {
            Rule::map_decl | Rule::decl => {
                if let Some(decl) = builder.decl(pair, 0) {
                    items.push(Item::Decl(decl));
                }
            }
            Rule::link => {
                if let Some(link) = builder.link(pair) {
                    items.push(Item::Link(link));
                }
            }
            Rule::bad_item => builder.bad_chunk(span_of(&pair), false),
            _ => {}
        }
    }
    Ast { items: items.into(), comments: comments.into(), has_errors: builder.has_errors }
}

/// Past this many open braces pest is not asked to read a file at all: its recursion
/// would depend on the stack left, and so would where it gave up. 256 levels take well
/// under the 2 MiB of a spawned thread even in a debug build.
pub const MAX_READABLE_NESTING: usize = 256;

/// The offset of the first `{` nested deeper than `MAX_READABLE_NESTING`, counting
/// braces outside strings and comments.
fn too_deep(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'{' => {
                depth += 1;
                if depth > MAX_READABLE_NESTING {
                    return Some(i);
                }
            }
            b'}' => depth = depth.saturating_sub(1),
            b'#' => {
                while i < bytes.len() && !matches!(bytes[i], b'\n' | b'\r') {
                    i += 1;
                }
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

struct Builder<'a> {
    file: FileId,
    text: &'a str,
    diags: &'a mut Vec<Diagnostic>,
    has_errors: bool,
}

fn span_of(pair: &Pair<'_, Rule>) -> Span {
    let span = pair.as_span();
    Span::new(span.start(), span.end())
}

/// The children of a pair, without comments.
fn children<'a>(pair: Pair<'a, Rule>) -> impl Iterator<Item = Pair<'a, Rule>> {
    pair.into_inner().filter(|p| p.as_rule() != Rule::COMMENT)
}

fn error_offset(err: &pest::error::Error<Rule>) -> usize {
    match err.location {
        pest::error::InputLocation::Pos(pos) => pos,
        pest::error::InputLocation::Span((start, _)) => start,
    }
}

impl Builder<'_> {
    fn error(&mut self, span: Span, message: impl Into<String>, label: Option<&str>, help: Option<&str>) {
        self.has_errors = true;
        let loc = Loc::new(self.file, span);
        let label = match label {
            Some(text) => Label::new(loc, text),
            None => Label::bare(loc),
        };
        let mut diag = Diagnostic::new(Code::SyntaxError, label, message);
        diag.help = help.map(str::to_owned);
        self.diags.push(diag);
    }

    fn decl(&mut self, pair: Pair<'_, Rule>, depth: usize) -> Option<Decl> {
        let span = span_of(&pair);
        let mut kind = None;
        let mut keyword = Span::default();
        let mut id = None;
        let mut title = None;
        let mut block_pair = None;
        for child in children(pair) {
            match child.as_rule() {
                Rule::kw_map => {
                    kind = Some(DeclKind::Map);
                    keyword = span_of(&child);
                }
                Rule::decl_kw => {
                    keyword = span_of(&child);
                    kind = DeclKind::from_keyword(child.as_str());
                }
                Rule::ident => id = Some(ident(&child)),
                Rule::string | Rule::unterminated | Rule::open_line => title = Some(self.text(child)),
                Rule::block => block_pair = Some(child),
                _ => {}
            }
        }
        let kind = kind?;
        let title = title?;
        let owner = match &id {
            Some(id) => format!("{} `{}`", kind.keyword(), id.name),
            None => kind.keyword().to_owned(),
        };
        let block = match block_pair {
            Some(block) if depth >= MAX_NESTING => {
                self.error(
                    span_of(&block),
                    format!("blocks are nested more than {MAX_NESTING} deep"),
                    Some("this block is too deep to read"),
                    Some("flatten the nesting: groups and measures nest a few levels at most"),
                );
                None
            }
            Some(block) => Some(self.block(block, &owner, depth + 1)),
            None => None,
        };
        // pest's span runs on over the whitespace before an absent block: end it with
        // the title (spec 5.0).
        let span = match &block {
            Some(_) => span,
            None => Span::new(span.start as usize, title.span.end as usize),
        };
        Some(Decl { kind, keyword, id, title, block, span })
    }

    fn link(&mut self, pair: Pair<'_, Rule>) -> Option<Link> {
        let span = span_of(&pair);
        let mut nodes = Vec::new();
        let mut label = None;
        let mut block = None;
        for child in children(pair) {
            match child.as_rule() {
                Rule::ident => nodes.push(ident(&child)),
                Rule::string | Rule::unterminated | Rule::open_line => label = Some(self.text(child)),
                Rule::block => block = Some(self.block(child, "link", 1)),
                _ => {}
            }
        }
        let span = match (&block, &label, nodes.last()) {
            (Some(_), _, _) => span,
            (None, Some(label), _) => Span::new(span.start as usize, label.span.end as usize),
            (None, None, Some(last)) => Span::new(span.start as usize, last.span.end as usize),
            (None, None, None) => span,
        };
        Some(Link { nodes, label, block, span })
    }

    fn block(&mut self, pair: Pair<'_, Rule>, owner: &str, depth: usize) -> Block {
        let span = span_of(&pair);
        let mut entries = Vec::new();
        let mut open = Span::default();
        let mut close = None;
        for child in children(pair) {
            match child.as_rule() {
                Rule::lbrace => open = span_of(&child),
                Rule::rbrace => close = Some(span_of(&child)),
                Rule::decl => {
                    if let Some(decl) = self.decl(child, depth) {
                        entries.push(Entry::Decl(Box::new(decl)));
                    }
                }
                Rule::attribute => {
                    if let Some(attribute) = self.attribute(child) {
                        entries.push(Entry::Attribute(attribute));
                    }
                }
                Rule::missing_colon => {
                    if let Some(attribute) = self.attribute(child) {
                        let at = token_at(self.text, attribute.value.span.start as usize);
                        let found = describe_token(self.text, at);
                        self.error(
                            at,
                            format!("expected `:` after `{}`, found {found}", attribute.name.name),
                            Some("expected `:`"),
                            Some("write attributes as `name: value`"),
                        );
                        entries.push(Entry::Attribute(attribute));
                    }
                }
                Rule::bad_entry => self.bad_chunk(span_of(&child), true),
                Rule::unclosed => {
                    let at = span_of(&child).start as usize;
                    let found = token_at(self.text, at);
                    self.has_errors = true;
                    let loc = Loc::new(self.file, found);
                    let what = describe_token(self.text, found);
                    let diag = Diagnostic::new(
                        Code::SyntaxError,
                        Label::new(loc, "expected `}` before this"),
                        format!("expected `}}` to close the block of {owner}, found {what}"),
                    )
                    .with_label(Label::new(Loc::new(self.file, open), "block opened here"))
                    .with_help("add `}` after the last line of the block");
                    self.diags.push(diag);
                }
                _ => {}
            }
        }
        Block { entries, open, close, span }
    }

    fn attribute(&mut self, pair: Pair<'_, Rule>) -> Option<Attribute> {
        let span = span_of(&pair);
        let mut name = None;
        let mut value = None;
        for child in children(pair) {
            match child.as_rule() {
                Rule::ident => name = Some(ident(&child)),
                Rule::value => value = self.value(child),
                Rule::loose_value => value = children(child).next().and_then(|v| self.value(v)),
                _ => {}
            }
        }
        let (name, value) = (name?, value?);
        let span = Span::new(span.start as usize, value.span.end as usize);
        Some(Attribute { name, value, span })
    }

    fn value(&mut self, pair: Pair<'_, Rule>) -> Option<Value> {
        let inner = children(pair).next()?;
        self.scalar(inner)
    }

    fn scalar(&mut self, pair: Pair<'_, Rule>) -> Option<Value> {
        let span = span_of(&pair);
        let kind = match pair.as_rule() {
            Rule::string | Rule::unterminated | Rule::open_line => ValueKind::Str(self.text(pair).value),
            Rule::ident => ValueKind::Ident(Text::from(pair.as_str())),
            Rule::period => ValueKind::Period(Text::from(pair.as_str())),
            Rule::number => ValueKind::Quantity(Box::new(Quantity { number: number(&pair), when: None })),
            Rule::quantity => {
                let mut inner = children(pair);
                let number = number(&inner.next()?);
                let when = match (inner.next(), inner.next()) {
                    (Some(kw), Some(when)) => {
                        let qualifier = if kw.as_str() == "at" { Qualifier::At } else { Qualifier::By };
                        let keyword = span_of(&kw);
                        let value = self.scalar(when)?;
                        Some(When { qualifier, keyword, value: Box::new(value) })
                    }
                    _ => None,
                };
                // Unqualified, pest's span runs on over the whitespace after the number
                // (where it looked for `at` or `by`): the value ends with the number.
                if when.is_none() {
                    let span = number.span;
                    return Some(Value { kind: ValueKind::Quantity(Box::new(Quantity { number, when })), span });
                }
                ValueKind::Quantity(Box::new(Quantity { number, when }))
            }
            Rule::list => ValueKind::List(
                children(pair)
                    .filter(|p| !matches!(p.as_rule(), Rule::lbracket | Rule::rbracket | Rule::comma))
                    .filter_map(|p| self.scalar(p))
                    .collect(),
            ),
            _ => return None,
        };
        Some(Value { kind, span })
    }

    /// A string literal: decodes escapes, reporting bad ones at the backslash, and
    /// reports a string left open at the end of the file at its opening quote.
    fn text(&mut self, pair: Pair<'_, Rule>) -> Str {
        let span = span_of(&pair);
        if pair.as_rule() == Rule::open_line {
            self.error(
                Span::new(span.start as usize, span.start as usize + 1),
                "this string is not closed on its line",
                Some("this string is not closed"),
                Some("add the closing `\"` at the end of the line; inside a string write `\\\"` for a quote"),
            );
        }
        if pair.as_rule() == Rule::unterminated {
            self.error(
                Span::new(span.start as usize, span.start as usize + 1),
                "unterminated string",
                Some("this string is never closed"),
                Some("add the closing `\"`; inside a string write `\\\"` for a quote"),
            );
        }
        let body_start = span.start as usize + 1;
        let raw = children(pair).next().map_or("", |body| body.as_str());
        let value = self.unescape(raw, body_start);
        Str { value, span }
    }

    fn unescape(&mut self, raw: &str, offset: usize) -> Text {
        let mut bad = Vec::new();
        let value = escape::unescape(raw, |escape| bad.push(escape));
        for escape in bad {
            match escape {
                BadEscape::Unicode { start, end } => self.error(
                    Span::new(offset + start, offset + end),
                    "invalid unicode escape",
                    Some("not a valid `\\u{...}` escape"),
                    Some("write `\\u{` then 1 to 6 hex digits of a Unicode scalar value, then `}`"),
                ),
                BadEscape::Unknown { start, end, ch } => self.error(
                    Span::new(offset + start, offset + end),
                    format!("unknown escape `\\{ch}` in string"),
                    Some("unknown escape"),
                    Some("the escapes are `\\\"`, `\\\\`, `\\n`, `\\t` and `\\u{...}`; write `\\\\` for a backslash"),
                ),
            }
        }
        value
    }

    /// Reports a chunk that recovery skipped, saying what was expected where.
    fn bad_chunk(&mut self, span: Span, in_block: bool) {
        let chunk = &self.text[span.range()];
        if in_block && chunk == "," {
            self.error(
                span,
                "no commas between attributes",
                Some("a comma"),
                Some("remove the `,`: attributes are separated by line breaks or spaces"),
            );
            return;
        }
        let word = leading_word(chunk);
        let keyword = DeclKind::from_keyword(word).is_some();
        let rule = if keyword {
            Some(Rule::strict_decl)
        } else if word.is_empty() {
            None
        } else if in_block {
            Some(Rule::strict_attribute)
        } else {
            let rest = chunk[word.len()..].trim_start();
            if !rest.starts_with("->")
                && !rest.starts_with('#')
                && let Some(kw) = suggest(word, RESERVED_WORDS.iter().copied())
            {
                let at = Span::new(span.start as usize, span.start as usize + word.len());
                let help = format!("did you mean `{kw}`?");
                self.error(at, format!("unknown item kind `{word}`"), Some("not an item keyword"), Some(&help));
                return;
            }
            Some(Rule::strict_link)
        };
        let failure = rule.and_then(|rule| StrataParser::parse(rule, chunk).err());
        let Some(err) = failure else {
            let at = token_at(self.text, span.start as usize);
            let found = describe_token(self.text, at);
            let (message, help) = if in_block {
                (format!("expected an attribute, found {found}"), "write attributes as `name: value`, one per line")
            } else {
                (
                    format!("expected an item or a link, found {found}"),
                    "items start with `map`, `layer`, `group`, `result`, `measure` or `action`; links look like `cause -> effect`",
                )
            };
            self.error(at, message, Some("unexpected here"), Some(help));
            return;
        };
        let local = error_offset(&err);
        let at = token_at(self.text, span.start as usize + local);
        let expected = match &err.variant {
            pest::error::ErrorVariant::ParsingError { positives, .. } => {
                expected_words(positives, in_block && local == 0)
            }
            pest::error::ErrorVariant::CustomError { .. } => String::from("something else"),
        };
        let found = describe_token(self.text, at);
        let message = match previous_token(chunk, local) {
            Some(prev) => format!("expected {expected} after {prev}, found {found}"),
            None => format!("expected {expected}, found {found}"),
        };
        let help = help_for(&expected);
        self.error(at, message, Some(&format!("expected {expected}")), help);
    }
}

fn ident(pair: &Pair<'_, Rule>) -> Ident {
    Ident { name: Text::from(pair.as_str()), span: span_of(pair) }
}

fn number(pair: &Pair<'_, Rule>) -> Number {
    let text = pair.as_str();
    let (raw, percent) = match text.strip_suffix('%') {
        Some(raw) => (raw, true),
        None => (text, false),
    };
    let value = raw.parse::<f64>().unwrap_or(f64::NAN);
    Number { value, percent, raw: Text::from(raw), span: span_of(pair) }
}

/// The identifier (or keyword) a chunk starts with, or "".
fn leading_word(text: &str) -> &str {
    let end = text
        .char_indices()
        .find(|&(i, ch)| !(ch == '_' || ch.is_alphanumeric() || (i > 0 && is_continue(ch))))
        .map_or(text.len(), |(i, _)| i);
    &text[..end]
}

fn is_continue(ch: char) -> bool {
    ch.is_alphanumeric() || ch == '_' || matches!(ch, '\u{300}'..='\u{36f}')
}

/// The span of the token at `offset`: a word, a string's opening quote, or one character.
/// At a line end or the end of the file it is empty.
fn token_at(text: &str, offset: usize) -> Span {
    let rest = &text[offset.min(text.len())..];
    let len = match rest.chars().next() {
        None | Some('\n' | '\r') => 0,
        Some(ch) if ch == '_' || ch.is_alphanumeric() => leading_word(rest).len().max(ch.len_utf8()),
        Some('-') if rest.starts_with("->") => 2,
        Some(ch) => ch.len_utf8(),
    };
    Span::new(offset, offset + len)
}

fn describe_token(text: &str, span: Span) -> String {
    let token = &text[span.range()];
    if span.start as usize >= text.len() {
        return "the end of the file".to_owned();
    }
    match token.chars().next() {
        None => "the end of the line".to_owned(),
        Some('"') => "a string".to_owned(),
        Some(ch) if ch.is_ascii_digit() => format!("the number `{token}`"),
        // Invisible characters are named by code point (`U+0000`), not printed raw.
        Some(ch) if ch.is_control() || ch.is_whitespace() => format!("the character U+{:04X}", ch as u32),
        _ => format!("`{token}`"),
    }
}

/// The token just before `offset` in `chunk`, described for "after ..." in messages.
fn previous_token(chunk: &str, offset: usize) -> Option<String> {
    let before = chunk[..offset.min(chunk.len())].trim_end();
    let last = before.chars().last()?;
    if last == '"' {
        return Some("the string".to_owned());
    }
    if last == '_' || last.is_alphanumeric() {
        let start = before
            .char_indices()
            .rev()
            .take_while(|&(_, c)| c == '_' || c.is_alphanumeric())
            .last()
            .map_or(0, |(i, _)| i);
        return Some(format!("`{}`", &before[start..]));
    }
    let start = before.len() - last.len_utf8();
    let token = if before.ends_with("->") { "->" } else { &before[start..] };
    Some(format!("`{token}`"))
}

/// The positive rules of a pest error in the user's words: "`:` or a value".
fn expected_words(positives: &[Rule], attribute_start: bool) -> String {
    let mut words: Vec<&str> = Vec::new();
    for rule in positives {
        let word = match rule {
            Rule::ident if attribute_start => "an attribute name",
            Rule::ident => "an id",
            Rule::string | Rule::unterminated | Rule::open_line => "a quoted title",
            Rule::colon => "`:`",
            Rule::comma => "`,`",
            Rule::arrow => "`->`",
            Rule::lbrace => "`{`",
            Rule::rbrace => "`}`",
            Rule::rbracket => "`]`",
            Rule::value | Rule::list | Rule::lbracket | Rule::quantity | Rule::number | Rule::period => "a value",
            Rule::qualifier => "`at` or `by`",
            Rule::decl_kw | Rule::kw_map => "an item keyword",
            Rule::EOI => "the end of the file",
            _ => continue,
        };
        if !words.contains(&word) {
            words.push(word);
        }
    }
    match words.as_slice() {
        [] => "something else".to_owned(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

fn help_for(expected: &str) -> Option<&'static str> {
    Some(match expected {
        "`:`" => "write attributes as `name: value`",
        "an id" => "write the id after the keyword, e.g. `result profit \"Profit grows year on year\"`",
        "a quoted title" => "give the item a title in double quotes after its id",
        "`->`" => "links are written `cause -> effect`",
        "a value" => "write a value after the `:`: a \"string\", a number, a percentage, a period or an id",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> (Ast, Vec<Diagnostic>) {
        let mut diags = Vec::new();
        let ast = parse(FileId(0), text, &mut diags);
        (ast, diags)
    }

    #[test]
    fn recovers_from_several_errors() {
        let text = "result a \"A\" {\n  owner \"x\"\n}\nlayer ;\nresult b \"B\"\n";
        let (ast, diags) = parse_str(text);
        assert_eq!(ast.items.len(), 2);
        let messages: Vec<_> = diags.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(messages, ["expected `:` after `owner`, found a string", "expected an id after `layer`, found `;`"]);
    }

    #[test]
    fn decodes_escapes_and_reports_bad_ones_at_the_backslash() {
        let text = "result q \"a\\\"b\\u{1F600}\\q\"";
        let (ast, diags) = parse_str(text);
        let Some(Item::Decl(decl)) = ast.items.first() else { panic!("no decl") };
        assert_eq!(decl.title.value, "a\"b😀q");
        assert_eq!(diags.len(), 1);
        let backslash = text.find("\\q").unwrap_or_default();
        assert_eq!(diags[0].primary.loc.span, Span::new(backslash, backslash + 2));
    }

    #[test]
    fn pest_reads_the_deepest_nesting_it_is_given_on_a_test_thread() {
        // Unit tests run on 2 MiB threads, like the CLI's parse threads.
        let depth = MAX_READABLE_NESTING;
        let opening = "group g \"G\" {".repeat(depth);
        let (_, diags) = parse_str(&(opening.clone() + &"}".repeat(depth)));
        let messages: Vec<_> = diags.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(messages, ["blocks are nested more than 32 deep"]);
        // One brace more, and pest is not asked: the error is at that brace.
        let (_, diags) = parse_str(&(opening.clone() + "{" + &"}".repeat(depth + 1)));
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].message, "blocks are nested more than 256 deep, too deep to read this file");
        assert_eq!(diags[0].primary.loc.span, Span::new(opening.len(), opening.len() + 1));
    }

    #[test]
    fn deep_nesting_is_a_diagnostic() {
        let depth = 10_000;
        let text = "group g \"G\" {".repeat(depth) + &"}".repeat(depth);
        let (_, diags) = parse_str(&text);
        assert!(!diags.is_empty());
        assert!(diags.iter().all(|d| d.code == Code::SyntaxError));
    }
}
