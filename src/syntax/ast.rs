//! The syntax tree of one file: what was written, with byte spans, before any names are
//! resolved. Partial where the text is broken; the formatter and sema both read it.

use std::sync::Arc;

use crate::source::Span;

/// The text of a name or a literal: up to 24 bytes inline, without a heap allocation.
/// Ids, attribute names, periods and most values fit, which keeps the trees of a big
/// workspace small (BENCHMARKS.md, "Memory").
pub type Text = compact_str::CompactString;

/// Cloning one is cheap: the language server keeps a file's tree for the next analysis
/// and shares it with requests, and a 10,000-result file's items took 14% of a
/// keystroke to copy (BENCHMARKS.md, "The language server on issue 17's shapes").
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Ast {
    pub items: Arc<[Item]>,
    /// Every comment in source order (their text is in the file at `span`).
    pub comments: Arc<[Span]>,
    /// True when some text was skipped by error recovery.
    pub has_errors: bool,
}

impl Ast {
    /// The span of every string literal, in source order: titles, link labels and string
    /// values, in lists and nested declarations too.
    pub fn string_spans(&self) -> Vec<Span> {
        fn value(v: &Value, out: &mut Vec<Span>) {
            match &v.kind {
                ValueKind::Str(_) => out.push(v.span),
                ValueKind::List(items) => items.iter().for_each(|item| value(item, out)),
                ValueKind::Quantity(_) | ValueKind::Ident(_) | ValueKind::Period(_) => {}
            }
        }
        fn block(b: &Block, out: &mut Vec<Span>) {
            for entry in &b.entries {
                match entry {
                    Entry::Attribute(attribute) => value(&attribute.value, out),
                    Entry::Decl(d) => decl(d, out),
                }
            }
        }
        fn decl(d: &Decl, out: &mut Vec<Span>) {
            out.push(d.title.span);
            d.block.iter().for_each(|b| block(b, out));
        }
        let mut out = Vec::new();
        for item in self.items.iter() {
            match item {
                Item::Decl(d) => decl(d, &mut out),
                Item::Link(link) => {
                    out.extend(link.label.as_ref().map(|l| l.span));
                    link.block.iter().for_each(|b| block(b, &mut out));
                }
            }
        }
        out
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    Decl(Decl),
    Link(Link),
}

impl Item {
    pub fn span(&self) -> Span {
        match self {
            Item::Decl(decl) => decl.span,
            Item::Link(link) => link.span,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DeclKind {
    Map,
    Layer,
    Group,
    Result,
    Measure,
    Action,
}

impl DeclKind {
    pub fn keyword(self) -> &'static str {
        match self {
            DeclKind::Map => "map",
            DeclKind::Layer => "layer",
            DeclKind::Group => "group",
            DeclKind::Result => "result",
            DeclKind::Measure => "measure",
            DeclKind::Action => "action",
        }
    }

    pub fn from_keyword(word: &str) -> Option<DeclKind> {
        Some(match word {
            "map" => DeclKind::Map,
            "layer" => DeclKind::Layer,
            "group" => DeclKind::Group,
            "result" => DeclKind::Result,
            "measure" => DeclKind::Measure,
            "action" => DeclKind::Action,
            _ => return None,
        })
    }
}

/// The words that start items and so cannot be ids.
pub const RESERVED_WORDS: &[&str] = &["map", "layer", "group", "result", "measure", "action"];

/// `KIND ID "Title" { ... }` (a `map` has no id).
#[derive(Clone, Debug, PartialEq)]
pub struct Decl {
    pub kind: DeclKind,
    pub keyword: Span,
    pub id: Option<Ident>,
    pub title: Str,
    pub block: Option<Block>,
    pub span: Span,
}

impl Decl {
    /// Where diagnostics about the item as a whole point: its id, or a map's title.
    pub fn name_span(&self) -> Span {
        self.id.as_ref().map_or(self.title.span, |id| id.span)
    }

    pub fn attributes(&self) -> impl Iterator<Item = &Attribute> {
        self.block.iter().flat_map(|b| &b.entries).filter_map(|entry| match entry {
            Entry::Attribute(attribute) => Some(attribute),
            Entry::Decl(_) => None,
        })
    }

    pub fn nested(&self) -> impl Iterator<Item = &Decl> {
        self.block.iter().flat_map(|b| &b.entries).filter_map(|entry| match entry {
            Entry::Decl(decl) => Some(&**decl),
            Entry::Attribute(_) => None,
        })
    }
}

/// `a -> b -> c: "label" { ... }`.
#[derive(Clone, Debug, PartialEq)]
pub struct Link {
    pub nodes: Vec<Ident>,
    pub label: Option<Str>,
    pub block: Option<Block>,
    pub span: Span,
}

impl Link {
    pub fn attributes(&self) -> impl Iterator<Item = &Attribute> {
        self.block.iter().flat_map(|b| &b.entries).filter_map(|entry| match entry {
            Entry::Attribute(attribute) => Some(attribute),
            Entry::Decl(_) => None,
        })
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    pub entries: Vec<Entry>,
    pub open: Span,
    /// `None` when the `}` is missing.
    pub close: Option<Span>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Entry {
    Attribute(Attribute),
    /// Boxed: a nested declaration is rarer and larger than an attribute.
    Decl(Box<Decl>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ident {
    pub name: Text,
    pub span: Span,
}

/// A string literal: its decoded value; the raw text is the source at `span`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Str {
    pub value: Text,
    pub span: Span,
}

/// `name: value`.
#[derive(Clone, Debug, PartialEq)]
pub struct Attribute {
    pub name: Ident,
    pub value: Value,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Value {
    pub kind: ValueKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ValueKind {
    Str(Text),
    Ident(Text),
    /// A period token with a dash (`2027-03`, `2027-Q1`), not yet validated.
    Period(Text),
    /// A number or percentage, optionally qualified: `31.5% at 2026-09` (boxed: it is
    /// the largest kind, and the size of every value and entry follows the largest).
    Quantity(Box<Quantity>),
    List(Vec<Value>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Quantity {
    pub number: Number,
    pub when: Option<When>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Number {
    pub value: f64,
    pub percent: bool,
    /// The digits as written (without `%`), e.g. `2027` or `31.5`.
    pub raw: Text,
    pub span: Span,
}

impl Number {
    /// A bare year such as `2027`, which is a period where one is expected.
    pub fn as_year(&self) -> Option<u16> {
        (!self.percent && self.raw.len() == 4 && self.raw.bytes().all(|b| b.is_ascii_digit()))
            .then(|| self.raw.parse().ok())
            .flatten()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Qualifier {
    At,
    By,
}

impl Qualifier {
    pub fn word(self) -> &'static str {
        match self {
            Qualifier::At => "at",
            Qualifier::By => "by",
        }
    }
}

/// `at PERIOD` or `by PERIOD` after a number.
#[derive(Clone, Debug, PartialEq)]
pub struct When {
    pub qualifier: Qualifier,
    pub keyword: Span,
    /// A `Period` or a `Quantity` (a bare year); validated by sema.
    pub value: Box<Value>,
}
