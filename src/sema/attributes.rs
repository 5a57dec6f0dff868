//! The attribute table of each kind (spec section 3) and typed readers that report
//! `unknown-attribute`, `duplicate-attribute` and `invalid-value`.

use std::fmt;

use super::Sema;
use super::model::{Direction, Quantity, Spanned, Text};
use super::period::Period;
use crate::diagnostics::{Code, Diagnostic, Label, suggest};
use crate::source::Loc;
use crate::syntax::ast::{Attribute, Qualifier, Value, ValueKind};

pub const MAP: &[&str] = &["purpose", "vision", "mission", "owner", "horizon", "method"];
pub const LAYER: &[&str] = &["note"];
pub const GROUP: &[&str] = &["intent", "share", "gives", "gets", "proposition", "criteria", "note"];
pub const RESULT: &[&str] = &["layer", "for", "owner", "note"];
pub const MEASURE: &[&str] =
    &["of", "unit", "direction", "baseline", "target", "frequency", "formula", "source", "owner", "note"];
pub const ACTION: &[&str] = &["owner", "due", "status", "note"];
pub const LINK: &[&str] = &["strength", "polarity", "evidence", "assumption", "note"];

pub const METHODS: &[&str] = &["pump", "bsc"];
pub const DIRECTIONS: &[&str] = &["up", "down"];
pub const FREQUENCIES: &[&str] = &["daily", "weekly", "monthly", "quarterly", "yearly"];
pub const STATUSES: &[&str] = &["planned", "active", "done", "dropped"];
pub const STRENGTHS: &[&str] = &["weak", "moderate", "strong"];
pub const POLARITIES: &[&str] = &["direct", "inverse"];

/// The most attributes a kind has (`MEASURE`).
const MOST: usize = 10;
const _: () = {
    let tables = [MAP, LAYER, GROUP, RESULT, MEASURE, ACTION, LINK];
    let mut i = 0;
    while i < tables.len() {
        assert!(tables[i].len() <= MOST, "`MOST` must be the length of the longest attribute table");
        i += 1;
    }
};

/// The first occurrence of each known attribute of one block: `found[i]` is the
/// attribute named `table[i]`. Tables are short, so a scan beats hashing.
pub struct Attrs<'a> {
    pub file: crate::source::FileId,
    table: &'static [&'static str],
    found: [Option<&'a Attribute>; MOST],
}

impl<'a> Attrs<'a> {
    pub fn get(&self, name: &str) -> Option<&'a Attribute> {
        self.found[self.table.iter().position(|t| *t == name)?]
    }
}

/// What a block belongs to, for messages: "result `r1`", "the map", "a link". Written
/// out only when there is something to report.
#[derive(Clone, Copy)]
pub enum What<'a> {
    Decl(&'static str, &'a str),
    Map,
    Link,
}

impl fmt::Display for What<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            What::Decl(keyword, id) => write!(f, "{keyword} `{id}`"),
            What::Map => f.write_str("the map"),
            What::Link => f.write_str("a link"),
        }
    }
}

pub fn backticked(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

impl Sema<'_> {
    /// Checks names against `table`, reports unknown and repeated ones, and returns the
    /// first occurrence of each known attribute.
    pub fn attrs<'a>(
        &mut self,
        file: crate::source::FileId,
        what: What<'_>,
        table: &'static [&'static str],
        attributes: impl Iterator<Item = &'a Attribute>,
    ) -> Attrs<'a> {
        let mut found: [Option<&'a Attribute>; MOST] = [None; MOST];
        for attribute in attributes {
            let name = attribute.name.name.as_str();
            let Some(at) = table.iter().position(|t| *t == name) else {
                let loc = Loc::new(file, attribute.name.span);
                let help = match suggest(name, table.iter().copied()) {
                    Some(close) => format!("did you mean `{close}`?"),
                    None => format!("{what} has these attributes: {}", backticked(table)),
                };
                let message = format!("unknown attribute `{name}` on {what}");
                self.push(
                    Diagnostic::new(Code::UnknownAttribute, Label::new(loc, "unknown attribute"), message)
                        .with_help(help),
                );
                continue;
            };
            if let Some(first) = found[at] {
                let loc = Loc::new(file, attribute.name.span);
                let first_loc = Loc::new(file, first.name.span);
                let message = format!("`{name}` is given twice on {what}");
                self.push(
                    Diagnostic::new(Code::DuplicateAttribute, Label::new(loc, "given again here"), message)
                        .with_label(Label::new(first_loc, "first given here"))
                        .with_help(format!("remove one of the two `{name}` lines; the first one is used")),
                );
            } else {
                found[at] = Some(attribute);
            }
        }
        Attrs { file, table, found }
    }

    pub fn invalid(&mut self, file: crate::source::FileId, value: &Value, message: String, help: String) {
        let loc = Loc::new(file, value.span);
        self.push(Diagnostic::new(Code::InvalidValue, Label::new(loc, "invalid value"), message).with_help(help));
    }

    /// A string attribute.
    pub fn string(&mut self, attrs: &Attrs<'_>, name: &str) -> Option<Text> {
        let attribute = attrs.get(name)?;
        match &attribute.value.kind {
            ValueKind::Str(text) => Some(text.clone()),
            _ => {
                let shown = self.slice(attrs.file, &attribute.value);
                let message = format!("`{name}` must be a string, not {}", describe(&attribute.value));
                let help = format!("put it in double quotes: `{name}: \"{}\"`", shown.replace('"', "\\\""));
                self.invalid(attrs.file, &attribute.value, message, help);
                None
            }
        }
    }

    /// An identifier from a set of words (the configured intents).
    pub fn word(&mut self, attrs: &Attrs<'_>, name: &str, allowed: &[&str], what: &str) -> Option<Spanned<Text>> {
        let at = self.word_index(attrs, name, allowed, what)?;
        Some(Spanned { value: Text::from(allowed[at.value]), loc: at.loc })
    }

    /// An identifier from a fixed set of words, as the set's own `&'static str`.
    pub fn one_of(
        &mut self,
        attrs: &Attrs<'_>,
        name: &str,
        allowed: &'static [&'static str],
        what: &str,
    ) -> Option<Spanned<&'static str>> {
        let at = self.word_index(attrs, name, allowed, what)?;
        Some(Spanned { value: allowed[at.value], loc: at.loc })
    }

    /// Which of `allowed` the attribute's identifier is; `invalid-value` if none.
    fn word_index(&mut self, attrs: &Attrs<'_>, name: &str, allowed: &[&str], what: &str) -> Option<Spanned<usize>> {
        let attribute = attrs.get(name)?;
        let loc = Loc::new(attrs.file, attribute.value.span);
        let position = |word: &str| allowed.iter().position(|a| *a == word);
        if let ValueKind::Ident(word) = &attribute.value.kind
            && let Some(at) = position(word)
        {
            return Some(Spanned { value: at, loc });
        }
        match &attribute.value.kind {
            ValueKind::Ident(word) => {
                let message = format!("`{word}` is not {what}");
                let help = match suggest(word, allowed.iter().copied()) {
                    Some(close) => format!("did you mean `{close}`? {what} is one of {}", backticked(allowed)),
                    None => format!("use one of {}", backticked(allowed)),
                };
                self.invalid(attrs.file, &attribute.value, message, help);
                None
            }
            ValueKind::Str(text) if allowed.contains(&text.as_str()) => {
                let message = format!("`{name}` takes a word, not a string");
                self.invalid(attrs.file, &attribute.value, message, format!("remove the quotes: `{name}: {text}`"));
                None
            }
            _ => {
                let message = format!("`{name}` must be {what}, not {}", describe(&attribute.value));
                self.invalid(attrs.file, &attribute.value, message, format!("use one of {}", backticked(allowed)));
                None
            }
        }
    }

    pub fn direction(&mut self, attrs: &Attrs<'_>) -> Option<Direction> {
        let word = self.one_of(attrs, "direction", DIRECTIONS, "a direction")?;
        Some(if word.value == "up" { Direction::Up } else { Direction::Down })
    }

    /// A percentage such as `35%`.
    pub fn percent(&mut self, attrs: &Attrs<'_>, name: &str) -> Option<Spanned<f64>> {
        let attribute = attrs.get(name)?;
        let loc = Loc::new(attrs.file, attribute.value.span);
        if let ValueKind::Quantity(q) = &attribute.value.kind {
            if !q.number.value.is_finite() {
                self.too_large(attrs.file, &attribute.value, &q.number);
                return None;
            }
            if q.number.percent && q.when.is_none() {
                return Some(Spanned { value: q.number.value, loc });
            }
            if !q.number.percent && q.when.is_none() {
                let message = format!("`{name}` must be a percentage, not a plain number");
                let help = format!("add `%`: `{name}: {}%`", q.number.raw);
                self.invalid(attrs.file, &attribute.value, message, help);
                return None;
            }
        }
        let message = format!("`{name}` must be a percentage, not {}", describe(&attribute.value));
        self.invalid(attrs.file, &attribute.value, message, format!("write a percentage such as `{name}: 35%`"));
        None
    }

    /// A period: `2027`, `2027-03`, `2027-03-31` or `2027-Q1`.
    pub fn period(&mut self, attrs: &Attrs<'_>, name: &str) -> Option<Period> {
        let attribute = attrs.get(name)?;
        self.period_value(attrs.file, &attribute.value, &format_args!("`{name}`")).map(|p| p.value)
    }

    /// A period; `what` names the value in the message if it is not one.
    pub fn period_value(
        &mut self,
        file: crate::source::FileId,
        value: &Value,
        what: &dyn fmt::Display,
    ) -> Option<Spanned<Period>> {
        let loc = Loc::new(file, value.span);
        match &value.kind {
            ValueKind::Period(raw) => match Period::parse(raw) {
                Some(period) => return Some(Spanned { value: period, loc }),
                None => {
                    let message = format!("`{raw}` is not a real date");
                    self.invalid(file, value, message, PERIOD_HELP.to_owned());
                    return None;
                }
            },
            ValueKind::Quantity(q) if q.when.is_none() => {
                if let Some(year) = q.number.as_year() {
                    return Some(Spanned { value: Period::Year(year), loc });
                }
            }
            _ => {}
        }
        let message = format!("{what} must be a period, not {}", describe(value));
        self.invalid(file, value, message, PERIOD_HELP.to_owned());
        None
    }

    /// A number too large to hold, as written (with its `%`), whatever the attribute.
    fn too_large(&mut self, file: crate::source::FileId, value: &Value, number: &crate::syntax::ast::Number) {
        let message = format!("`{}{}` is too large a number", number.raw, if number.percent { "%" } else { "" });
        self.invalid(file, value, message, "write a smaller number".to_owned());
    }

    /// A baseline (`42% at 2026-Q3`) or target (`35% by 2027-12`).
    pub fn quantity(&mut self, attrs: &Attrs<'_>, name: &str, qualifier: Qualifier) -> Option<Quantity> {
        let attribute = attrs.get(name)?;
        let value = &attribute.value;
        let loc = Loc::new(attrs.file, value.span);
        let ValueKind::Quantity(q) = &value.kind else {
            let message = format!("`{name}` must be a number or a percentage, not {}", describe(value));
            let example = if qualifier == Qualifier::At { "42% at 2026-Q3" } else { "35% by 2027-12" };
            self.invalid(attrs.file, value, message, format!("write e.g. `{name}: {example}`"));
            return None;
        };
        if !q.number.value.is_finite() {
            self.too_large(attrs.file, value, &q.number);
            return None;
        }
        let when = match &q.when {
            None => None,
            Some(when) if when.qualifier != qualifier => {
                let message =
                    format!("a {name}'s date is written with `{}`, not `{}`", qualifier.word(), when.qualifier.word());
                let help = format!("write `{} {}`", qualifier.word(), self.slice(attrs.file, &when.value));
                let loc = Loc::new(attrs.file, when.keyword);
                self.push(Diagnostic::new(Code::InvalidValue, Label::new(loc, "wrong word"), message).with_help(help));
                return None;
            }
            Some(when) => Some(self.period_value(
                attrs.file,
                &when.value,
                &format_args!("the date after `{}`", qualifier.word()),
            )?),
        };
        Some(Quantity { value: q.number.value, percent: q.number.percent, raw: q.number.raw.clone(), when, loc })
    }
}

const PERIOD_HELP: &str = "write a year (`2027`), a month (`2027-03`), a day (`2027-03-31`) or a quarter (`2027-Q1`)";

/// What a value is, for messages: "a string", "the number `42`", "a list".
pub fn describe(value: &Value) -> String {
    match &value.kind {
        ValueKind::Str(_) => "a string".to_owned(),
        ValueKind::Ident(word) => format!("`{word}`"),
        ValueKind::Period(raw) => format!("the period `{raw}`"),
        ValueKind::Quantity(q) if q.when.is_some() => "a quantity with a date".to_owned(),
        ValueKind::Quantity(q) if q.number.percent => format!("the percentage `{}%`", q.number.raw),
        ValueKind::Quantity(q) => format!("the number `{}`", q.number.raw),
        ValueKind::List(_) => "a list".to_owned(),
    }
}
