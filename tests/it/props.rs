//! Property tests (issue #8): `check` on arbitrary text never panics and every label of
//! every diagnostic lies inside its file, on character boundaries; on generated maps
//! (every kind of item, nested measures and groups, awkward titles, comments anywhere,
//! untidy layout) the formatter is idempotent, keeps every comment and string, changes
//! no diagnostic and refuses text that does not parse; the JSON export holds the map and
//! the DOT export renders with Graphviz. The same cases run every time (a fixed seed);
//! `PROPTEST_CASES=N` and `PROPTEST_RNG_SEED=S` explore further (docs/fuzzing.md).
//! A failure is shrunk and printed; nothing is written to the source tree.

use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};
use serde_json::Value;
use strata::Workspace;
use strata::diagnostics::{Code, Diagnostic, render};
use strata::export::{self, Format};
use strata::source::{FileId, SourceFile};
use strata::syntax::ast::{Ast, Block, Decl, Entry, Item, Value as AstValue, ValueKind};

use crate::export::{awkward_string, check_dot};

/// `cases` cases from a fixed seed, unless `PROPTEST_CASES` or `PROPTEST_RNG_SEED` say
/// otherwise; failures are never persisted (proptest would write beside this file).
pub(crate) fn config(cases: u32) -> Config {
    let env = Config::default();
    let cases = if std::env::var_os("PROPTEST_CASES").is_some() { env.cases } else { cases };
    let rng_seed = if std::env::var_os("PROPTEST_RNG_SEED").is_some() { env.rng_seed } else { RngSeed::Fixed(8) };
    Config { cases, rng_seed, failure_persistence: None, ..env }
}

// ---------------------------------------------------------------------------------
// Arbitrary text, biased towards what Strata is made of.

/// Pieces of Strata and of what breaks it: keywords, ids, strings and escapes good and
/// bad, punctuation, comments and suppressions, numbers and periods, line breaks of
/// every kind, a byte-order mark, and characters that are wide, joined or invisible.
const PIECES: &[&[&str]] = &[
    &["map", "layer", "group", "result", "measure", "action", "at", "by", "up", "down", "weekly", "exit", "bsc"],
    &["profit", "loyal", "a", "b", "_x", "顧客", "café", "x1", "inverse"],
    &["layer:", "for:", "of:", "owner:", "baseline:", "target:", "unit:", "direction:", "frequency:", "intent:"],
    &["share:", "strength:", "polarity:", "method:"],
    &[" ", " ", "  ", "\t", "\n", "\n", "\r\n", "\r", "\u{feff}"],
    &["\"", "\"", "\"Title\"", "\"a \\\" b\"", "{", "}", "{", "}", "[", "]", ",", "->", "->", ":", ":"],
    &["#", "# note", "# strata: allow(weasel-word)", "# strata: allow("],
    &["\\", "\\\\", "\\n", "\\t", "\\u{1F600}", "\\u{", "\\u{110000}", "\\u{d800}", "\\q"],
    &["0", "42", "31.5", "%", "-", ".", "2027", "2027-Q1", "2027-02-30", "2027-13"],
    &["😀", "\u{300}", "\u{200d}", "\u{0}", "\u{2028}", "\u{85}", "ß", "ﬂ", "İ"],
];

fn strata_like_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        6 => prop::sample::select(PIECES.concat()).prop_map(str::to_owned),
        1 => any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..80).prop_map(|pieces| pieces.concat())
}

fn arbitrary_text() -> impl Strategy<Value = String> {
    prop::collection::vec(any::<char>(), 0..200).prop_map(String::from_iter)
}

/// A generated map with a few pieces inserted and a few characters deleted: text that
/// gets deep into analysis and lints before it breaks.
fn mutated_map() -> impl Strategy<Value = String> {
    let edit = (any::<prop::sample::Index>(), 0usize..4, prop::sample::select(PIECES.concat()));
    (generated_map(), prop::collection::vec(edit, 1..5)).prop_map(|(map, edits)| {
        let mut text = render(&map).text;
        for (at, delete, insert) in edits {
            let boundaries: Vec<usize> = text.char_indices().map(|(i, _)| i).chain([text.len()]).collect();
            let start = at.index(boundaries.len());
            let end = boundaries[(start + delete).min(boundaries.len() - 1)];
            text.replace_range(boundaries[start]..end, insert);
        }
        text
    })
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![3 => strata_like_text(), 1 => arbitrary_text(), 2 => mutated_map()]
}

/// One file of a workspace: its text, and whether it comes through `from_bytes` (as
/// from disk, where a leading byte-order mark is dropped) or as text (as from an editor).
fn file() -> impl Strategy<Value = (String, bool, bool)> {
    (any_text(), any::<bool>(), prop::bool::weighted(0.1))
}

const TOML_PIECES: &[&str] = &[
    "[lints]\n",
    "weasel-word = \"deny\"\n",
    "missing-owner = \"warn\"\n",
    "no-such-lint = \"allow\"\n",
    "weasel-word = \"loud\"\n",
    "[vocabulary]\n",
    "weasel-words = { add = [\"synergy\"], remove = [\"quality\"] }\n",
    "intents = [\"grow\", \"exit\"]\n",
    "[nonsense]\n",
    "= \"\n",
    "é = 1\n",
];

fn config_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => prop::sample::select(TOML_PIECES).prop_map(str::to_owned),
        1 => any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..8).prop_map(|pieces| pieces.concat())
}

fn workspace() -> impl Strategy<Value = Workspace> {
    (prop::collection::vec(file(), 1..=3), prop::option::weighted(0.2, config_text())).prop_map(|(files, config)| {
        let files = files
            .into_iter()
            .enumerate()
            .map(|(i, (text, from_bytes, bom))| {
                let path = format!("f{i}.strata");
                let text = if bom { format!("\u{feff}{text}") } else { text };
                if from_bytes { SourceFile::from_bytes(path, text.into_bytes()) } else { SourceFile::new(path, text) }
            })
            .collect();
        Workspace { files, config: config.map(|text| SourceFile::new("strata.toml", text)), data: Vec::new() }
    })
}

/// Every label of `diag` names a file of the workspace and a span inside it, on
/// character boundaries, start before end.
fn labels_inside(workspace: &Workspace, diag: &Diagnostic) -> Result<(), String> {
    for label in std::iter::once(&diag.primary).chain(&diag.secondary) {
        let FileId(file) = label.loc.file;
        let source = match workspace.files.get(file as usize) {
            Some(source) => Some(source),
            None if file as usize == workspace.files.len() => workspace.config.as_ref(),
            None => None,
        };
        let Some(source) = source else { return Err(format!("file {file} does not exist")) };
        let (start, end, text) = (label.loc.span.start as usize, label.loc.span.end as usize, &source.text);
        if start > end || end > text.len() || !text.is_char_boundary(start) || !text.is_char_boundary(end) {
            return Err(format!("span {start}..{end} is not a character range of {:?} ({:?})", source.path, text));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(256))]

    /// Property 1: `check` on any text never panics, and every diagnostic points inside
    /// its file on character boundaries.
    #[test]
    fn check_keeps_every_span_inside_its_file(workspace in workspace()) {
        let analysis = strata::check(&workspace);
        prop_assert_eq!(analysis.asts.len(), workspace.files.len());
        for diag in &analysis.diagnostics {
            if let Err(problem) = labels_inside(&workspace, diag) {
                prop_assert!(false, "{}: {}\n{:#?}", diag.code.name(), problem, diag);
            }
        }
        // At the edge, in lines and columns: every range starts before it ends.
        let json = render::json(&workspace, &analysis.diagnostics, workspace.files.len());
        let report: Value = serde_json::from_str(&json).map_err(|e| TestCaseError::fail(format!("{e}\n{json}")))?;
        let listed = report["diagnostics"].as_array().cloned().unwrap_or_default();
        prop_assert_eq!(listed.len(), analysis.diagnostics.len());
        for d in &listed {
            let at = |line: &str, column: &str| (d[line].as_u64().unwrap_or(0), d[column].as_u64().unwrap_or(0));
            let (start, end) = (at("line", "column"), at("end_line", "end_column"));
            prop_assert!(start.0 >= 1 && start.1 >= 1 && start <= end, "a backward or zero range: {}", d);
        }
        render::human(&workspace, &analysis.diagnostics, false, 80);
    }

    /// Property 2c: the formatter refuses exactly the text that does not parse cleanly,
    /// with the parser's diagnostics (or text that parses where formatting would change
    /// what a suppression comment covers, with `misplaced-suppression` only), and
    /// formats the rest idempotently, keeping every comment and string.
    #[test]
    fn fmt_refuses_exactly_what_does_not_parse(text in any_text()) {
        let mut diags = Vec::new();
        let ast = strata::syntax::parse(FileId(0), &text, &mut diags);
        match strata::fmt::format(&text) {
            Err(refused) if !ast.has_errors && diags.is_empty() => {
                let misplaced = refused.iter().all(|d| d.code == Code::MisplacedSuppression);
                prop_assert!(misplaced && !refused.is_empty(), "refused text that parses cleanly: {refused:?}");
            }
            Err(refused) => {
                prop_assert!(!refused.is_empty(), "refused without saying why");
                prop_assert_eq!(refused, diags);
            }
            Ok(formatted) => {
                prop_assert!(!ast.has_errors && diags.is_empty(), "formatted text with syntax errors: {diags:?}");
                let again = strata::fmt::format(&formatted);
                prop_assert_eq!(again.as_ref(), Ok(&formatted), "formatting twice changes the text");
                let (after, _) = parse(&formatted);
                prop_assert_eq!(comments(&formatted, &after), comments(&text, &ast), "comments changed");
                prop_assert_eq!(strings(&after), strings(&ast), "string values changed");
            }
        }
    }
}

// ---------------------------------------------------------------------------------
// Generated maps: every kind of item, in untidy layouts, with comments anywhere.

/// An attribute value: a string, a token written as is (`grow`, `35%`, `4 at 2026`), or
/// the id of a generated item.
#[derive(Clone, Debug)]
enum AttrValue {
    Str(String),
    Token(&'static str),
    Id(String),
}

type Attr = (&'static str, AttrValue);

/// The attributes a kind has, with the tokens each may take (none: a string).
type AttrTable = &'static [(&'static str, &'static [&'static str])];

const MAP_ATTRS: AttrTable = &[
    ("purpose", &[]),
    ("vision", &[]),
    ("mission", &[]),
    ("owner", &[]),
    ("horizon", &["2030", "2029-Q4", "2030-06-30"]),
    ("method", &["pump", "bsc", "rbm"]),
];
const LAYER_ATTRS: AttrTable = &[("note", &[])];
const GROUP_ATTRS: AttrTable = &[
    ("intent", &["attract", "grow", "retain", "maintain", "serve", "reengineer", "retire", "exit"]),
    ("share", &["35%", "20%", "12.5%", "0%"]),
    ("gives", &[]),
    ("gets", &[]),
    ("proposition", &[]),
    ("criteria", &[]),
    ("note", &[]),
];
const RESULT_ATTRS: AttrTable = &[("owner", &[]), ("note", &[])];
const MEASURE_ATTRS: AttrTable = &[
    ("unit", &[]),
    ("direction", &["up", "down"]),
    ("baseline", &["31.5% at 2026-09", "4.5 at 2026-Q3", "42", "-3 at 2026", "0 at 2026-01-31"]),
    (
        "target",
        &["35% by 2027-12", "3 by 2027", "60%", "-1.25 by 2027-Q2", "[70% by 2027, 90% by 2028-Q2]", "[5 by 2029]"],
    ),
    ("frequency", &["daily", "weekly", "monthly", "quarterly", "yearly"]),
    ("formula", &[]),
    ("source", &[]),
    ("data", &["\"data/margin.csv\"", "\"./wait.csv\""]),
    ("owner", &[]),
    ("note", &[]),
];
const ACTION_ATTRS: AttrTable =
    &[("owner", &[]), ("due", &["2027-03", "2027", "2027-Q1"]), ("status", &["planned", "active", "done", "dropped"])];
const LINK_ATTRS: AttrTable = &[
    ("strength", &["weak", "moderate", "strong"]),
    ("polarity", &["direct", "inverse"]),
    ("evidence", &[]),
    ("assumption", &[]),
    ("note", &[]),
];

/// Titles, statements and string values: awkward pieces (quotes, backslashes, markup,
/// control and invisible characters, emoji), any characters at all, or plain words.
fn title() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => awkward_string(),
        1 => prop::collection::vec(any::<char>(), 0..12).prop_map(String::from_iter),
        2 => "[A-Za-z ]{0,24}",
    ]
}

/// Up to `max` distinct attributes of a table, in random order.
fn attrs(table: AttrTable, max: usize) -> impl Strategy<Value = Vec<Attr>> {
    prop::collection::vec((0..table.len(), title(), any::<prop::sample::Index>()), 0..=max).prop_map(move |picks| {
        let mut seen = Vec::new();
        let mut out = Vec::new();
        for (i, text, pick) in picks {
            if seen.contains(&i) {
                continue;
            }
            seen.push(i);
            let (name, tokens) = table[i];
            let value = match tokens {
                [] => AttrValue::Str(text),
                _ => match tokens[pick.index(tokens.len())] {
                    // A fixed string (a `data` path): a string the parser decodes.
                    quoted if quoted.starts_with('"') => AttrValue::Str(quoted.trim_matches('"').to_owned()),
                    token => AttrValue::Token(token),
                },
            };
            out.push((name, value));
        }
        out
    })
}

#[derive(Clone, Debug)]
struct GenGroup {
    name: String,
    attrs: Vec<Attr>,
    subgroups: Vec<GenGroup>,
}

#[derive(Clone, Debug)]
struct GenMeasure {
    name: String,
    attrs: Vec<Attr>,
}

#[derive(Clone, Debug)]
struct GenResult {
    statement: String,
    /// An index into the layers, wrapped.
    layer: Option<usize>,
    /// Indexes into the groups (all levels), wrapped.
    for_groups: Vec<usize>,
    attrs: Vec<Attr>,
    measures: Vec<GenMeasure>,
}

#[derive(Clone, Debug)]
struct GenLink {
    /// The cause's index into the results, then actions, and the effects' indexes into
    /// the results, all wrapped.
    chain: Vec<usize>,
    label: Option<String>,
    attrs: Vec<Attr>,
}

#[derive(Clone, Debug)]
struct GenMap {
    map: Option<(String, Vec<Attr>)>,
    layers: Vec<(String, Vec<Attr>)>,
    groups: Vec<GenGroup>,
    results: Vec<GenResult>,
    /// Top-level measures: the result they are `of` (wrapped), and the measure.
    measures: Vec<(usize, GenMeasure)>,
    actions: Vec<(String, Vec<Attr>)>,
    links: Vec<GenLink>,
    /// Comment texts (after the `#`), used in order wherever the layout asks for one.
    comments: Vec<String>,
    /// Layout decisions, taken in order; zeros (what shrinking tends to) are tidy.
    layout: Vec<u8>,
    crlf: bool,
    bom: bool,
}

fn group(depth: u32) -> BoxedStrategy<GenGroup> {
    let subgroups =
        if depth == 0 { Just(Vec::new()).boxed() } else { prop::collection::vec(group(depth - 1), 0..3).boxed() };
    (title(), attrs(GROUP_ATTRS, 4), subgroups)
        .prop_map(|(name, attrs, subgroups)| GenGroup { name, attrs, subgroups })
        .boxed()
}

fn measure() -> impl Strategy<Value = GenMeasure> {
    (title(), attrs(MEASURE_ATTRS, 6)).prop_map(|(name, attrs)| GenMeasure { name, attrs })
}

fn comment_text() -> impl Strategy<Value = String> {
    let text = prop_oneof![
        3 => awkward_string(),
        1 => Just(" strata: allow(weasel-word, result-without-measure)".to_owned()),
        1 => Just(" strata: allow(nonsense".to_owned()),
        1 => "[ -~]{0,20}",
    ];
    // A comment runs to the end of its line: no line break inside, by definition.
    text.prop_map(|t| t.replace(['\n', '\r'], " "))
}

fn generated_map() -> impl Strategy<Value = GenMap> {
    let result = (
        title(),
        prop::option::of(0usize..8),
        prop::collection::vec(0usize..8, 0..3),
        attrs(RESULT_ATTRS, 2),
        prop::collection::vec(measure(), 0..3),
    )
        .prop_map(|(statement, layer, for_groups, attrs, measures)| GenResult {
            statement,
            layer,
            for_groups,
            attrs,
            measures,
        });
    let link = (prop::collection::vec(0usize..16, 2..5), prop::option::of(title()), attrs(LINK_ATTRS, 3))
        .prop_map(|(chain, label, attrs)| GenLink { chain, label, attrs });
    (
        (
            prop::option::of((title(), attrs(MAP_ATTRS, 4))),
            prop::collection::vec((title(), attrs(LAYER_ATTRS, 1)), 0..4),
            prop::collection::vec(group(2), 0..3),
            prop::collection::vec(result, 1..6),
            prop::collection::vec((0usize..8, measure()), 0..3),
        ),
        (
            prop::collection::vec((title(), attrs(ACTION_ATTRS, 3)), 0..3),
            prop::collection::vec(link, 0..6),
            prop::collection::vec(comment_text(), 0..16),
            prop::collection::vec(any::<u8>(), 0..160),
            prop::bool::weighted(0.25),
            prop::bool::weighted(0.1),
        ),
    )
        .prop_map(|((map, layers, groups, results, measures), (actions, links, comments, layout, crlf, bom))| {
            GenMap { map, layers, groups, results, measures, actions, links, comments, layout, crlf, bom }
        })
}

/// Ids that are nothing like ASCII, or that start like keywords and operators.
const ID_STEMS: [&str; 8] = ["r", "顧客", "café_", "_x", "Ω", "mapping", "resultant", "at"];

/// What a generated map's text was made of.
struct Rendered {
    text: String,
    /// Every string literal's decoded value, in source order.
    strings: Vec<String>,
    /// Every comment as written (with its `#`), in source order.
    comments: Vec<String>,
    /// The ids of the results, layers, measures and groups, in declaration order, and
    /// the links (cause, effect) one by one.
    results: Vec<String>,
    layers: Vec<String>,
    measures: Vec<(String, String)>,
    groups: Vec<(String, Option<String>)>,
    links: Vec<(String, String)>,
}

struct Writer<'a> {
    out: String,
    nl: &'static str,
    layout: std::slice::Iter<'a, u8>,
    comments: std::slice::Iter<'a, String>,
    strings: Vec<String>,
    written_comments: Vec<String>,
    next_id: usize,
}

impl Writer<'_> {
    /// The next layout decision, below `n`; 0 when the decisions run out.
    fn choose(&mut self, n: u8) -> u8 {
        self.layout.next().map_or(0, |c| c % n)
    }

    fn id(&mut self) -> String {
        let id = format!("{}{}", ID_STEMS[self.next_id % ID_STEMS.len()], self.next_id);
        self.next_id += 1;
        id
    }

    fn comment(&mut self) -> Option<String> {
        let comment = format!("#{}", self.comments.next()?);
        // What a tree holds: trailing spaces and tabs are not part of a comment's text.
        self.written_comments.push(comment.trim_end_matches([' ', '\t']).to_owned());
        Some(comment)
    }

    /// A comment to end a line of code with; a suppression one time in four. The
    /// formatter keeps what a trailing suppression covers (spec 5.1: "the line it
    /// ends") or refuses the file (`trailing_suppressions_survive_formatting` below).
    fn comment_trailing(&mut self) -> Option<String> {
        let text = self.comments.next()?;
        let text = if self.choose(4) == 1 { text.clone() } else { text.replace("strata:", "strata") };
        let comment = format!("#{text}");
        self.written_comments.push(comment.trim_end_matches([' ', '\t']).to_owned());
        Some(comment)
    }

    /// Ends a line (with a trailing comment, perhaps), perhaps leaves a blank line and
    /// writes own-line comments, then indents the next line.
    fn newline(&mut self, indent: usize) {
        if self.choose(4) == 1
            && let Some(comment) = self.comment_trailing()
        {
            let gap = [" ", "   ", "\t"][usize::from(self.choose(3))];
            self.out.push_str(gap);
            self.out.push_str(&comment);
        }
        self.out.push_str(self.nl);
        loop {
            match self.choose(8) {
                1 => self.out.push_str(self.nl),
                2 => self.out.push_str(&format!("  \t{}", self.nl)),
                3 | 4 => {
                    self.indent(indent);
                    match self.comment() {
                        Some(comment) => self.out.push_str(&comment),
                        None => self.out.push_str("   "),
                    }
                    self.out.push_str(self.nl);
                }
                _ => break,
            }
        }
        self.indent(indent);
    }

    fn indent(&mut self, indent: usize) {
        match self.choose(6) {
            1 => {}
            2 => self.out.push_str(&"\t".repeat(indent)),
            3 => self.out.push_str(&" ".repeat(indent * 4 + 1)),
            _ => self.out.push_str(&"  ".repeat(indent)),
        }
    }

    /// Between two tokens of a statement: a space mostly, sometimes more, sometimes a
    /// line break (with comments).
    fn sep(&mut self, indent: usize) {
        match self.choose(16) {
            1 => self.out.push_str("  "),
            2 => self.out.push('\t'),
            3 => self.out.push_str(" \u{feff}"),
            4 => self.newline(indent + 1),
            _ => self.out.push(' '),
        }
    }

    /// A string literal holding exactly `text`, written with escapes chosen at random.
    fn literal(&mut self, text: &str) {
        self.strings.push(text.to_owned());
        self.out.push('"');
        for c in text.chars() {
            let escape = self.choose(8) == 1;
            match c {
                '"' => self.out.push_str("\\\""),
                '\\' => self.out.push_str("\\\\"),
                '\n' if escape => self.out.push_str("\\n"),
                '\t' if escape => self.out.push_str("\\t"),
                '\n' | '\t' => self.out.push(c),
                c if c.is_control() || escape => self.out.push_str(&format!("\\u{{{:x}}}", c as u32)),
                c => self.out.push(c),
            }
        }
        self.out.push('"');
    }

    fn value(&mut self, value: &AttrValue) {
        match value {
            AttrValue::Str(text) => self.literal(text),
            AttrValue::Token(token) => self.out.push_str(token),
            AttrValue::Id(id) => self.out.push_str(id),
        }
    }

    /// `name: value`.
    fn attr(&mut self, name: &str, value: &AttrValue, indent: usize) {
        self.out.push_str(name);
        self.out.push(':');
        if self.choose(6) == 1 {
            self.newline(indent + 1);
        } else {
            self.out.push(' ');
        }
        self.value(value);
    }

    /// `name: [a, b]` or `name: a`.
    fn list(&mut self, name: &str, ids: &[String], indent: usize) {
        self.out.push_str(name);
        self.out.push_str(": ");
        if ids.len() == 1 && self.choose(2) == 1 {
            self.out.push_str(&ids[0]);
            return;
        }
        self.out.push('[');
        for (i, id) in ids.iter().enumerate() {
            if i > 0 {
                self.out.push(',');
                self.sep(indent);
            }
            self.out.push_str(id);
        }
        if !ids.is_empty() && self.choose(3) == 1 {
            self.out.push(',');
        }
        self.out.push(']');
    }

    /// A block of `entries`, each written by the closure; perhaps on one line.
    fn block(&mut self, indent: usize, entries: usize, mut entry: impl FnMut(&mut Self, usize, usize)) {
        if self.choose(5) == 1 {
            self.newline(indent);
        } else {
            self.out.push(' ');
        }
        self.out.push('{');
        if entries == 0 {
            match self.choose(3) {
                1 => self.out.push(' '),
                2 => self.newline(indent),
                _ => {}
            }
            self.out.push('}');
            return;
        }
        let compact = entries <= 2 && self.choose(3) == 1;
        for i in 0..entries {
            if compact {
                self.out.push(' ');
            } else {
                self.newline(indent + 1);
            }
            entry(self, i, indent + 1);
        }
        if compact {
            self.out.push(' ');
        } else {
            self.newline(indent);
        }
        self.out.push('}');
    }

    /// `KEYWORD ID "Title"`: returns the id.
    fn header(&mut self, keyword: &str, title: &str, indent: usize) -> String {
        let id = self.id();
        self.out.push_str(keyword);
        self.sep(indent);
        self.out.push_str(&id);
        self.sep(indent);
        self.literal(title);
        id
    }

    fn attrs_block(&mut self, attrs: &[Attr], indent: usize) {
        if attrs.is_empty() && self.choose(2) == 0 {
            return;
        }
        self.block(indent, attrs.len(), |w, i, indent| w.attr(attrs[i].0, &attrs[i].1, indent));
    }

    fn measure(&mut self, m: &GenMeasure, of: Option<&str>, indent: usize) -> String {
        let id = self.header("measure", &m.name, indent);
        let of_entries = usize::from(of.is_some());
        self.block(indent, of_entries + m.attrs.len(), |w, i, indent| match (i, of) {
            (0, Some(of)) => w.attr("of", &AttrValue::Id(of.to_owned()), indent),
            _ => w.attr(m.attrs[i - of_entries].0, &m.attrs[i - of_entries].1, indent),
        });
        id
    }

    fn group(&mut self, g: &GenGroup, parent: Option<&str>, indent: usize, out: &mut Vec<(String, Option<String>)>) {
        let id = self.header("group", &g.name, indent);
        out.push((id.clone(), parent.map(str::to_owned)));
        let n = g.attrs.len();
        self.block(indent, n + g.subgroups.len(), |w, i, indent| {
            if i < n {
                w.attr(g.attrs[i].0, &g.attrs[i].1, indent);
            } else {
                w.group(&g.subgroups[i - n], Some(&id), indent, out);
            }
        });
    }
}

fn render(map: &GenMap) -> Rendered {
    let mut w = Writer {
        out: String::new(),
        nl: if map.crlf { "\r\n" } else { "\n" },
        layout: map.layout.iter(),
        comments: map.comments.iter(),
        strings: Vec::new(),
        written_comments: Vec::new(),
        next_id: 0,
    };
    if map.bom {
        w.out.push('\u{feff}');
    }
    if w.choose(3) == 1
        && let Some(comment) = w.comment()
    {
        w.out.push_str(&comment);
        w.out.push_str(w.nl);
    }
    if let Some((title, attrs)) = &map.map {
        w.out.push_str("map");
        w.sep(0);
        w.literal(title);
        w.attrs_block(attrs, 0);
        w.newline(0);
    }
    let mut layers = Vec::new();
    for (title, attrs) in &map.layers {
        layers.push(w.header("layer", title, 0));
        w.attrs_block(attrs, 0);
        w.newline(0);
    }
    let mut groups = Vec::new();
    for g in &map.groups {
        w.group(g, None, 0, &mut groups);
        w.newline(0);
    }
    let mut results = Vec::new();
    let mut measures = Vec::new();
    for r in &map.results {
        let id = w.header("result", &r.statement, 0);
        results.push(id.clone());
        let layer = r.layer.filter(|_| !layers.is_empty()).map(|l| layers[l % layers.len()].clone());
        let for_groups: Vec<String> = if groups.is_empty() {
            Vec::new()
        } else {
            r.for_groups.iter().map(|g| groups[g % groups.len()].0.clone()).collect()
        };
        let fixed = usize::from(layer.is_some()) + usize::from(!for_groups.is_empty());
        let n = fixed + r.attrs.len();
        if n + r.measures.len() > 0 || w.choose(2) == 1 {
            w.block(0, n + r.measures.len(), |w, i, indent| {
                if let Some(layer) = layer.as_ref().filter(|_| i == 0) {
                    w.attr("layer", &AttrValue::Id(layer.clone()), indent);
                } else if i < fixed {
                    w.list("for", &for_groups, indent);
                } else if i < n {
                    w.attr(r.attrs[i - fixed].0, &r.attrs[i - fixed].1, indent);
                } else {
                    let m = w.measure(&r.measures[i - n], None, indent);
                    measures.push((m, id.clone()));
                }
            });
        }
        w.newline(0);
    }
    for (of, m) in &map.measures {
        let of = results[of % results.len()].clone();
        let id = w.measure(m, Some(&of), 0);
        measures.push((id, of));
        w.newline(0);
    }
    let mut causes = results.clone();
    for (title, attrs) in &map.actions {
        causes.push(w.header("action", title, 0));
        w.attrs_block(attrs, 0);
        w.newline(0);
    }
    let mut links = Vec::new();
    for link in &map.links {
        // The first node is a cause (a result or an action), the others are effects.
        let nodes: Vec<String> = link
            .chain
            .iter()
            .enumerate()
            .map(|(i, &n)| if i == 0 { causes[n % causes.len()].clone() } else { results[n % results.len()].clone() })
            .collect();
        for (i, node) in nodes.iter().enumerate() {
            if i > 0 {
                w.sep(0);
                w.out.push_str("->");
                w.sep(0);
                links.push((nodes[i - 1].clone(), node.clone()));
            }
            w.out.push_str(node);
        }
        if let Some(label) = &link.label {
            w.out.push(':');
            w.sep(0);
            w.literal(label);
        }
        w.attrs_block(&link.attrs, 0);
        w.newline(0);
    }
    // A blank line at the end, which the formatter always removes: formatted text equal
    // to its input would mean the formatter gave up (its safety net).
    w.out.push_str(w.nl);
    w.out.push_str(w.nl);
    Rendered { text: w.out, strings: w.strings, comments: w.written_comments, results, layers, measures, groups, links }
}

// ---------------------------------------------------------------------------------
// What a tree holds.

fn parse(text: &str) -> (Ast, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let ast = strata::syntax::parse(FileId(0), text, &mut diags);
    (ast, diags)
}

/// Every comment, without the trailing spaces and tabs the formatter trims.
fn comments(text: &str, ast: &Ast) -> Vec<String> {
    ast.comments.iter().map(|c| text[c.range()].trim_end_matches([' ', '\t']).to_owned()).collect()
}

/// Every string literal's decoded value, in source order.
fn strings(ast: &Ast) -> Vec<String> {
    fn value(v: &AstValue, out: &mut Vec<String>) {
        match &v.kind {
            ValueKind::Str(s) => out.push(s.to_string()),
            ValueKind::List(items) => items.iter().for_each(|item| value(item, out)),
            ValueKind::Quantity(_) | ValueKind::Ident(_) | ValueKind::Period(_) => {}
        }
    }
    fn block(b: &Block, out: &mut Vec<String>) {
        for entry in &b.entries {
            match entry {
                Entry::Attribute(attribute) => value(&attribute.value, out),
                Entry::Decl(d) => decl(d, out),
            }
        }
    }
    fn decl(d: &Decl, out: &mut Vec<String>) {
        out.push(d.title.value.to_string());
        d.block.iter().for_each(|b| block(b, out));
    }
    let mut out = Vec::new();
    for item in ast.items.iter() {
        match item {
            Item::Decl(d) => decl(d, &mut out),
            Item::Link(link) => {
                out.extend(link.label.iter().map(|l| l.value.to_string()));
                link.block.iter().for_each(|b| block(b, &mut out));
            }
        }
    }
    out
}

fn sorted(mut items: Vec<String>) -> Vec<String> {
    items.sort();
    items
}

/// The codes and messages of a text's diagnostics (positions aside), sorted.
fn diagnostics(text: &str) -> Vec<String> {
    let workspace = Workspace { files: vec![SourceFile::new("map.strata", text)], config: None, data: Vec::new() };
    sorted(strata::check(&workspace).diagnostics.iter().map(|d| format!("{}: {}", d.code.name(), d.message)).collect())
}

/// A generated map's text, which must parse cleanly: the generator's own check, and the
/// grammar's (every layout the language allows is accepted).
fn clean(rendered: &Rendered) -> Result<Ast, TestCaseError> {
    let (ast, diags) = parse(&rendered.text);
    prop_assert!(!ast.has_errors && diags.is_empty(), "a generated map does not parse: {:?}\n{}", diags, rendered.text);
    Ok(ast)
}

fn analyse(text: &str) -> (Workspace, strata::Analysis) {
    let workspace =
        Workspace { files: vec![SourceFile::new("generated.strata", text)], config: None, data: Vec::new() };
    let analysis = strata::check(&workspace);
    (workspace, analysis)
}

proptest! {
    #![proptest_config(config(128))]

    /// Property 2a and 2b: on a generated map the formatter does its work (the safety
    /// net never fires), formatting twice changes nothing, and every comment and every
    /// string's decoded value survive, in order; the diagnostics stay the same, so no
    /// suppression comment covers other code. It refuses a map only with
    /// `misplaced-suppression` errors, each at a suppression comment (one that ends a
    /// line, or one on its own line inside a statement).
    #[test]
    fn formatting_generated_maps_is_idempotent_and_keeps_every_word(map in generated_map()) {
        let rendered = render(&map);
        let ast = clean(&rendered)?;
        let text = &rendered.text;
        prop_assert_eq!(&strings(&ast), &rendered.strings, "the parser decoded other strings than were written");
        prop_assert_eq!(&comments(text, &ast), &rendered.comments, "the parser found other comments than were written");

        let formatted = match strata::fmt::format(text) {
            Ok(formatted) => formatted,
            Err(diags) => {
                for d in &diags {
                    let comment = &text[d.primary.loc.span.range()];
                    prop_assert!(
                        d.code == Code::MisplacedSuppression && comment.starts_with("# strata: allow("),
                        "refused a clean map: {:?}\n{}", d, text
                    );
                }
                prop_assert!(!diags.is_empty(), "refused with no reason");
                return Ok(());
            }
        };
        prop_assert_ne!(&formatted, text, "the formatter gave up (its safety net returned the input)");
        let again = strata::fmt::format(&formatted);
        prop_assert_eq!(again.as_ref(), Ok(&formatted), "formatting twice changes the text; first:\n{}", formatted);
        let (after, diags) = parse(&formatted);
        prop_assert!(!after.has_errors && diags.is_empty(), "the formatted text does not parse: {diags:?}");
        prop_assert_eq!(sorted(comments(&formatted, &after)), sorted(comments(text, &ast)), "comments changed");
        prop_assert_eq!(sorted(strings(&after)), sorted(strings(&ast)), "string values changed");
        prop_assert_eq!(
            diagnostics(&formatted),
            diagnostics(text),
            "formatting changed the diagnostics of\n{}\n--- formatted ---\n{}",
            text,
            formatted
        );
    }
}

/// What the formatting property found: a suppression comment at the end of a line
/// covers that line (spec 5.1), and the formatter joins and splits lines, so the same
/// comment came to cover other code. Now a split line keeps its suppression on the
/// output line starting like it (with the item's id and statement), and a file where
/// no layout keeps what a comment covers is refused with `misplaced-suppression`.
#[test]
fn trailing_suppressions_survive_formatting() {
    let kept = [
        // The block is expanded: the comment stays with the header, on the statement.
        (
            "result r0 \"Increase profit\" { owner: \"CFO\" note: \"n\" } # strata: allow(direction-word)\n",
            "result r0 \"Increase profit\" { # strata: allow(direction-word)\n  owner: \"CFO\"\n  note: \"n\"\n}\n",
        ),
        // So it does for the lints pointing at the id.
        (
            "result r0 \"R\" { owner: \"CFO\" note: \"n\" } # strata: allow(result-without-measure)\n",
            "result r0 \"R\" { # strata: allow(result-without-measure)\n  owner: \"CFO\"\n  note: \"n\"\n}\n",
        ),
        // A list is expanded: moving up would leave `exit`, so the comment stays on it.
        (
            "group exit \"E\" { intent: exit }\nresult r0 \"R\" {\n  for: [exit, # strata: allow(result-for-exit-group)\n  exit] }\n",
            "group exit \"E\" { intent: exit }\n\nresult r0 \"R\" {\n  for: [\n    exit, # strata: allow(result-for-exit-group)\n    exit,\n  ]\n}\n",
        ),
        // A header split over lines is joined: the comment still covers the statement.
        (
            "result r0\n  \"Increase profit\" # strata: allow(direction-word)\n{ owner: \"x\" }\n",
            "result r0 \"Increase profit\" { # strata: allow(direction-word)\n  owner: \"x\"\n}\n",
        ),
    ];
    for (text, expected) in kept {
        let formatted = strata::fmt::format(text).unwrap_or_else(|d| panic!("{d:?}"));
        assert_eq!(formatted, expected, "{text}");
        assert_eq!(diagnostics(&formatted), diagnostics(text), "{text}--- formatted ---\n{formatted}");
        assert_eq!(strata::fmt::format(&formatted).as_ref(), Ok(&formatted), "idempotent");
    }
    let refused = [
        // The `{}` moves up onto the header line, where the comment would cover `r0`.
        (
            "result r0 \"Profit grows\"\n{} # strata: allow(result-without-measure)\n",
            "formatting would change what this suppression of `result-without-measure` covers: it would cover `r0`",
        ),
        // Joining the header would put the comment on the id too.
        (
            "result r0\n  \"Increase profit\" # strata: allow(missing-owner)\n{ owner: \"x\" }\n",
            "formatting would change what this suppression of `missing-owner` covers: it would cover `r0`",
        ),
        // Expanding the block takes the `target` off the comment's line, whichever line it ends.
        (
            "measure m \"M\" { of: r target: 5 } # strata: allow(target-without-date, measure-incomplete)\n",
            "formatting would change what this suppression of `target-without-date`, `measure-incomplete` \
             covers: it would no longer cover the `target` of `m`",
        ),
    ];
    for (text, message) in refused {
        let diags = strata::fmt::format(text).err().unwrap_or_else(|| panic!("not refused: {text}"));
        let comment = text.find('#').unwrap_or(0);
        let at: Vec<_> =
            diags.iter().map(|d| (d.code, d.primary.loc.span.start as usize, d.message.as_str())).collect();
        assert_eq!(at, [(Code::MisplacedSuppression, comment, message)], "{text}");
    }
}

proptest! {
    #![proptest_config(config(64))]

    /// Property 2d: the JSON export of a generated map parses, and holds its layers,
    /// groups, results, measures and links by id, in declaration order, with the
    /// statements as written.
    #[test]
    fn json_export_of_generated_maps_holds_the_map(map in generated_map()) {
        let rendered = render(&map);
        clean(&rendered)?;
        let (workspace, analysis) = analyse(&rendered.text);
        let json = export::export(&workspace, &analysis.model, Format::Json, None)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let doc: Value = serde_json::from_str(&json).map_err(|e| TestCaseError::fail(format!("{e}\n{json}")))?;
        let list = |key: &str| doc[key].as_array().cloned().unwrap_or_default();
        let field = |items: &[Value], key: &str| -> Vec<Value> { items.iter().map(|v| v[key].clone()).collect() };
        let ids = |ids: &[String]| -> Vec<Value> { ids.iter().map(|id| Value::from(id.as_str())).collect() };
        prop_assert!(doc.is_object(), "not an object: {}", json);
        for key in ["layers", "groups", "results", "measures", "actions", "links"] {
            prop_assert!(doc[key].is_array(), "`{}` is not a list", key);
        }
        prop_assert_eq!(doc["map"].is_null(), map.map.is_none());

        let results = list("results");
        prop_assert_eq!(field(&results, "id"), ids(&rendered.results));
        let statements: Vec<Value> = map.results.iter().map(|r| Value::from(r.statement.as_str())).collect();
        prop_assert_eq!(field(&results, "statement"), statements);
        prop_assert_eq!(field(&list("layers"), "id"), ids(&rendered.layers));

        let groups = list("groups");
        let group_ids: Vec<String> = rendered.groups.iter().map(|(id, _)| id.clone()).collect();
        let parents: Vec<Value> = rendered.groups.iter().map(|(_, p)| p.as_deref().map_or(Value::Null, Value::from)).collect();
        prop_assert_eq!(field(&groups, "id"), ids(&group_ids));
        prop_assert_eq!(field(&groups, "parent"), parents);

        // Every measure once, each of its result; each result lists its measures.
        let measures = list("measures");
        let mut want: Vec<(String, String)> = rendered.measures.clone();
        let mut got: Vec<(String, String)> = measures
            .iter()
            .map(|m| (m["id"].as_str().unwrap_or("?").to_owned(), m["of"].as_str().unwrap_or("?").to_owned()))
            .collect();
        want.sort();
        got.sort();
        prop_assert_eq!(&got, &want);
        for result in &results {
            let listed: Vec<Value> = result["measures"].as_array().cloned().unwrap_or_default();
            let own: Vec<Value> = measures.iter().filter(|m| m["of"] == result["id"]).map(|m| m["id"].clone()).collect();
            prop_assert_eq!(sorted_values(listed), sorted_values(own), "the measures of {}", result["id"]);
        }

        // Links one by one, self-links aside (an error, which analysis drops).
        let links = list("links");
        let got: Vec<(Value, Value)> = links.iter().map(|l| (l["from"].clone(), l["to"].clone())).collect();
        let want: Vec<(Value, Value)> = rendered
            .links
            .iter()
            .filter(|(from, to)| from != to)
            .map(|(from, to)| (Value::from(from.as_str()), Value::from(to.as_str())))
            .collect();
        prop_assert_eq!(got, want);
    }
}

fn sorted_values(mut values: Vec<Value>) -> Vec<String> {
    values.sort_by_key(Value::to_string);
    values.iter().map(Value::to_string).collect()
}

proptest! {
    #![proptest_config(config(32))]

    /// Property 2e: the DOT export of a generated map renders with Graphviz, without a
    /// warning, showing every title as text (the checks of tests/it/export.rs).
    #[test]
    fn dot_export_of_generated_maps_renders(map in generated_map()) {
        let rendered = render(&map);
        clean(&rendered)?;
        let (workspace, analysis) = analyse(&rendered.text);
        let dot = export::export(&workspace, &analysis.model, Format::Dot, None)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        if let Err(problem) = check_dot(&dot, &analysis.model) {
            prop_assert!(false, "{}\n--- source ---\n{}\n--- dot ---\n{}", problem, rendered.text, dot);
        }
    }
}
