//! The attribute table of each kind (spec section 3) and typed readers that report
//! `unknown-attribute`, `duplicate-attribute` and `invalid-value`.

use std::fmt;

use super::Sema;
use super::model::{DataPath, Direction, Quantity, Spanned, Target, Text};
use super::period::Period;
use crate::diagnostics::{Code, Diagnostic, Label, suggest};
use crate::source::Loc;
use crate::syntax::ast::{Attribute, Qualifier, Value, ValueKind};

pub const MAP: &[&str] = &["purpose", "vision", "mission", "owner", "horizon", "method"];
pub const LAYER: &[&str] = &["note"];
pub const GROUP: &[&str] = &["intent", "share", "gives", "gets", "proposition", "criteria", "note"];
pub const RESULT: &[&str] = &["layer", "for", "owner", "note"];
pub const MEASURE: &[&str] =
    &["of", "unit", "direction", "baseline", "target", "frequency", "formula", "source", "data", "owner", "note"];
pub const ACTION: &[&str] = &["owner", "due", "status", "note"];
pub const LINK: &[&str] = &["strength", "polarity", "evidence", "assumption", "note"];

pub const METHODS: &[&str] = &["pump", "bsc", "rbm"];
pub const DIRECTIONS: &[&str] = &["up", "down"];
pub const FREQUENCIES: &[&str] = &["daily", "weekly", "monthly", "quarterly", "yearly"];
pub const STATUSES: &[&str] = &["planned", "active", "done", "dropped"];
pub const STRENGTHS: &[&str] = &["weak", "moderate", "strong"];
pub const POLARITIES: &[&str] = &["direct", "inverse"];

/// The most attributes a kind has (`MEASURE`).
const MOST: usize = 11;
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
        self.quantity_value(attrs.file, &attribute.value, name, qualifier)
    }

    /// A target: one quantity, or (v2) a list of milestones in date order. A milestone
    /// that is not a quantity, or is out of date order, is `invalid-value` and left out;
    /// the others are kept, so the target lints still read them. A milestone without a
    /// date is kept (`target-without-date` reports it) and not ordered: it has no date to
    /// compare.
    pub fn target(&mut self, attrs: &Attrs<'_>) -> Option<Target> {
        let attribute = attrs.get("target")?;
        let file = attrs.file;
        let ValueKind::List(items) = &attribute.value.kind else {
            let single = self.quantity_value(file, &attribute.value, "target", Qualifier::By)?;
            return Some(Target::One(single));
        };
        if items.is_empty() {
            let message = "`target` is an empty list".to_owned();
            let help =
                "write the milestones in date order, e.g. `target: [70% by 2026, 90% by 2027]`, or remove the line";
            self.invalid(file, &attribute.value, message, help.to_owned());
            return None;
        }
        let mut milestones: Vec<Quantity> = Vec::with_capacity(items.len());
        // The latest date so far, and the milestone that has it.
        let mut latest: Option<Spanned<Period>> = None;
        for item in items {
            if !matches!(item.kind, ValueKind::Quantity(_)) {
                let message =
                    format!("a milestone of `target` must be a number or a percentage, not {}", describe(item));
                let help = "write each milestone as a value and its date, e.g. `35% by 2027-12`".to_owned();
                self.invalid(file, item, message, help);
                continue;
            }
            let Some(milestone) = self.quantity_value(file, item, "target", Qualifier::By) else { continue };
            if let Some(by) = &milestone.when {
                if let Some(before) = &latest
                    && by.value.end() <= before.value.end()
                {
                    let shown = self.slice(file, item);
                    let (message, label, help) = if by.value.end() == before.value.end() {
                        (
                            format!(
                                "milestone `{shown}` is due by the same date as the one before it (`{}`)",
                                before.value
                            ),
                            "same date as an earlier milestone",
                            "give each milestone a date of its own, or keep only one of the two",
                        )
                    } else {
                        (
                            format!(
                                "milestone `{shown}` is out of date order: the one before it is due by `{}`",
                                before.value
                            ),
                            "out of date order",
                            "list the milestones from the earliest date to the latest",
                        )
                    };
                    let diag =
                        Diagnostic::new(Code::InvalidValue, Label::new(Loc::new(file, item.span), label), message)
                            .with_label(Label::new(before.loc, "the milestone before it"))
                            .with_help(help);
                    self.push(diag);
                    continue;
                }
                latest = Some(Spanned { value: by.value, loc: Loc::new(file, item.span) });
            }
            milestones.push(milestone);
        }
        (!milestones.is_empty()).then_some(Target::List(milestones))
    }

    /// A measure's `data` (v2): a string path, relative to the declaring file, that stays
    /// inside the workspace root (spec 3.5). Whether the file exists is for the IO edge.
    pub fn data(&mut self, attrs: &Attrs<'_>) -> Option<Box<DataPath>> {
        let attribute = attrs.get("data")?;
        let written = self.string(attrs, "data")?;
        let value = &attribute.value;
        let file = attrs.file;
        let from = self.sources[file.0 as usize].path_in_root().to_owned();
        match resolve_data_path(&from, &written) {
            Ok(path) => Some(Box::new(DataPath { written, path, loc: Loc::new(file, value.span) })),
            Err(problem) => {
                let (message, help) = match problem {
                    PathProblem::Empty => (
                        "`data` is an empty path".to_owned(),
                        "name the measure's CSV file, relative to this file: `data: \"data/margin.csv\"`".to_owned(),
                    ),
                    PathProblem::Absolute => (
                        format!("`data` path `{written}` is absolute"),
                        "write the path relative to this file's folder, e.g. `data: \"data/margin.csv\"`, with the CSV file inside the workspace".to_owned(),
                    ),
                    PathProblem::Backslash => (
                        format!("`data` path `{written}` uses `\\`"),
                        format!("separate folders with `/`: `data: \"{}\"`", written.replace('\\', "/")),
                    ),
                    PathProblem::LeavesRoot => (
                        format!("`data` path `{written}` leads outside the workspace root"),
                        "keep the CSV file inside the workspace root (the folder of `strata.toml`, or the folder checked) and point at it from this file".to_owned(),
                    ),
                    PathProblem::NoFile => (
                        format!("`data` path `{written}` names a folder, not a file"),
                        "name the CSV file itself, e.g. `data: \"data/margin.csv\"`".to_owned(),
                    ),
                };
                self.invalid(file, value, message, help);
                None
            }
        }
    }

    /// A baseline or target quantity; `name` names the attribute in messages.
    fn quantity_value(
        &mut self,
        file: crate::source::FileId,
        value: &Value,
        name: &str,
        qualifier: Qualifier,
    ) -> Option<Quantity> {
        let loc = Loc::new(file, value.span);
        let ValueKind::Quantity(q) = &value.kind else {
            let message = format!("`{name}` must be a number or a percentage, not {}", describe(value));
            let example = if qualifier == Qualifier::At { "42% at 2026-Q3" } else { "35% by 2027-12" };
            self.invalid(file, value, message, format!("write e.g. `{name}: {example}`"));
            return None;
        };
        if !q.number.value.is_finite() {
            self.too_large(file, value, &q.number);
            return None;
        }
        let when = match &q.when {
            None => None,
            Some(when) if when.qualifier != qualifier => {
                let message =
                    format!("a {name}'s date is written with `{}`, not `{}`", qualifier.word(), when.qualifier.word());
                let help = format!("write `{} {}`", qualifier.word(), self.slice(file, &when.value));
                let loc = Loc::new(file, when.keyword);
                self.push(Diagnostic::new(Code::InvalidValue, Label::new(loc, "wrong word"), message).with_help(help));
                return None;
            }
            Some(when) => {
                Some(self.period_value(file, &when.value, &format_args!("the date after `{}`", qualifier.word()))?)
            }
        };
        Some(Quantity { value: q.number.value, percent: q.number.percent, raw: q.number.raw.clone(), when, loc })
    }
}

/// The data files the measures of `asts` name, relative to the root (as `DataPath::path`
/// gives them: `resolve_data_path` from each file's `path_in_root`), sorted, each once:
/// what the IO edge reads before `check_parsed`. Every `data` string of every measure
/// is taken, so the list holds at least every path the model keeps (a measure that
/// sema refuses for another reason costs one read, no diagnostic). The trees are walked
/// with a stack: nesting depth is the user's.
pub fn data_paths(sources: &[crate::source::SourceFile], asts: &[crate::syntax::ast::Ast]) -> Vec<String> {
    use crate::syntax::ast::{DeclKind, Item};
    let mut paths = Vec::new();
    for (source, ast) in sources.iter().zip(asts) {
        let from = source.path_in_root();
        let mut stack: Vec<&crate::syntax::ast::Decl> = ast
            .items
            .iter()
            .filter_map(|item| match item {
                Item::Decl(decl) => Some(decl),
                Item::Link(_) => None,
            })
            .collect();
        while let Some(decl) = stack.pop() {
            stack.extend(decl.nested());
            if decl.kind != DeclKind::Measure {
                continue;
            }
            for attribute in decl.attributes().filter(|a| &*a.name.name == "data") {
                if let ValueKind::Str(written) = &attribute.value.kind
                    && let Ok(path) = resolve_data_path(from, written)
                {
                    paths.push(path);
                }
            }
        }
    }
    paths.sort();
    paths.dedup();
    paths
}

/// Why a `data` path cannot be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathProblem {
    Empty,
    Absolute,
    Backslash,
    LeavesRoot,
    /// The path ends at a folder (`data/`, `.`, `data/..`).
    NoFile,
}

/// `written`, a path relative to the folder of the file at `from` (itself relative to
/// the workspace root), as a path relative to the root: `.` and `..` resolved lexically,
/// `/`-separated. Lexically only: a symbolic link that leads out of the root is for the
/// IO edge to refuse. `\` is refused rather than guessed at: on Unix it is a character
/// of a name, on Windows a separator, and a map must mean the same file everywhere.
pub fn resolve_data_path(from: &str, written: &str) -> Result<String, PathProblem> {
    if written.is_empty() {
        return Err(PathProblem::Empty);
    }
    let bytes = written.as_bytes();
    let drive = bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':';
    if written.starts_with(['/', '\\']) || drive {
        return Err(PathProblem::Absolute);
    }
    if written.contains('\\') {
        return Err(PathProblem::Backslash);
    }
    // The folder of `from`, whose own `..` (a file outside the root) count against it.
    let mut parts: Vec<&str> = Vec::new();
    let mut above = 0usize;
    let folder = from.rsplit_once('/').map_or("", |(folder, _)| folder);
    for part in folder.split('/').chain(written.split('/')) {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    above += 1;
                }
            }
            name => parts.push(name),
        }
    }
    if above > 0 {
        return Err(PathProblem::LeavesRoot);
    }
    let last = written.rsplit('/').next().unwrap_or(written);
    if parts.is_empty() || matches!(last, "" | "." | "..") {
        return Err(PathProblem::NoFile);
    }
    Ok(parts.join("/"))
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

#[cfg(test)]
mod tests {
    use super::{PathProblem, resolve_data_path};

    #[test]
    fn data_paths_resolve_below_the_root() {
        let cases: &[(&str, &str, Result<&str, PathProblem>)] = &[
            ("map.strata", "data/margin.csv", Ok("data/margin.csv")),
            ("maps/finance.strata", "margin.csv", Ok("maps/margin.csv")),
            ("maps/finance.strata", "../data/margin.csv", Ok("data/margin.csv")),
            ("maps/finance.strata", "./a/./b/../margin.csv", Ok("maps/a/margin.csv")),
            ("maps/finance.strata", "a//margin.csv", Ok("maps/a/margin.csv")),
            ("map.strata", "../outside.csv", Err(PathProblem::LeavesRoot)),
            ("maps/finance.strata", "../../outside.csv", Err(PathProblem::LeavesRoot)),
            // Out and back in again still went outside: lexically, `..` past the root.
            ("map.strata", "../root/data.csv", Err(PathProblem::LeavesRoot)),
            // A file given outside the root (the CLI's `../b/map.strata`).
            ("../b/map.strata", "data.csv", Err(PathProblem::LeavesRoot)),
            ("map.strata", "/etc/passwd.csv", Err(PathProblem::Absolute)),
            ("map.strata", "C:/data.csv", Err(PathProblem::Absolute)),
            ("map.strata", "\\\\server\\data.csv", Err(PathProblem::Absolute)),
            ("map.strata", "data\\margin.csv", Err(PathProblem::Backslash)),
            ("map.strata", "", Err(PathProblem::Empty)),
            ("map.strata", "data/", Err(PathProblem::NoFile)),
            ("map.strata", ".", Err(PathProblem::NoFile)),
            ("maps/finance.strata", "..", Err(PathProblem::NoFile)),
        ];
        for (from, written, expected) in cases {
            let got = resolve_data_path(from, written);
            assert_eq!(got.as_deref().map_err(|e| *e), *expected, "{written:?} from {from:?}");
        }
    }
}
