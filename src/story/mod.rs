//! `strata story` (spec 10.2), pure: the map read as cause and effect, in markdown or
//! plain text, from the model and the measures' data.
//!
//! Two parts. **If … then …**: a chain from each action through each result it moves,
//! and from each foundation result (one with effects and no causes), up to a result of
//! the first layer: at each step the effect that is fewest links from the first layer
//! (one breadth-first search backwards from all first-layer results gives every
//! result's next step, so the whole part is linear in the map). **Results**: per result,
//! in layer order then source order (results without a layer last), its causes
//! ("because …"), its effects ("so that …") and its measures, each with its latest
//! value and the signals in its data. Every walk is a loop over lists: no recursion.

use std::collections::VecDeque;
use std::fmt::Write as _;

use crate::evidence::MeasureData;
use crate::export::{display_line, measure_title, measure_values, wrap};
use crate::sema::model::{Model, NodeRef};
use std::sync::Arc;

/// The two renderings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// CommonMark, every user string escaped.
    Markdown,
    /// Plain text wrapped at 100 columns.
    Text,
}

/// The text width of `Format::Text`.
const WIDTH: usize = 100;

/// The story of `model`; `evidence` is aligned with `model.measures` (may be empty).
pub fn story(model: &Model, evidence: &[Option<Arc<MeasureData>>], format: Format) -> String {
    let mut out = Doc { format, text: String::new() };
    let title = model.map.as_ref().map_or("the map".to_owned(), |m| user_line(&m.title));
    out.heading(1, &format!("The story of {title}"));
    if let Some(purpose) = model.map.as_ref().and_then(|m| m.purpose.as_deref()) {
        out.paragraph(&[Piece::Plain("Purpose: "), Piece::User(purpose)]);
    }

    let links = Links::of(model);
    let (causes, effects) = (&links.causes, &links.effects);

    out.heading(2, "If … then …");
    let chains = chains(model, &links);
    for chain in &chains {
        match chain.start {
            NodeRef::Action(a) => out.chain(&model.actions[a].title, model, &chain.results),
            NodeRef::Result(r) => out.chain(&model.results[r].statement.value, model, &chain.results),
            _ => {}
        }
    }
    if chains.is_empty() {
        out.paragraph(&[Piece::Plain("No action or foundation result is linked to an effect yet.")]);
    }

    out.heading(2, "Results");
    for r in in_layer_order(model) {
        let result = &model.results[r];
        let layer = result.layer.and_then(|l| model.layers.get(l)).map(|l| user_line(&l.title));
        let mut heading = user_line(&result.statement.value);
        match &layer {
            Some(layer) => heading.push_str(&format!(" ({}, {layer})", result.id)),
            None => heading.push_str(&format!(" ({})", result.id)),
        }
        out.heading(3, &heading);
        let because: Vec<String> = causes[r].iter().map(|&l| link_phrase(model, l, true)).collect();
        let so_that: Vec<String> = effects[r].iter().map(|&l| link_phrase(model, l, false)).collect();
        out.item_list("Because", &because, "nothing on the map causes it yet");
        let last = if is_top(model, r) { "it is an ultimate result" } else { "nothing on the map follows from it yet" };
        out.item_list("So that", &so_that, last);
        let mut measures = Vec::new();
        for &m in &result.measures {
            let Some(measure) = model.measures.get(m) else { continue };
            let mut line = measure_title(measure);
            match evidence.get(m).and_then(Option::as_ref) {
                Some(data) => line.push_str(&latest(data)),
                None => match measure_values(measure) {
                    Some(values) => line.push_str(&format!(": {values}; no data yet")),
                    None => line.push_str(": no data yet"),
                },
            }
            measures.push(line);
        }
        out.item_list("Measures", &measures, "none yet");
    }
    out.text
}

/// The links seen from each end: for each result the links that cause it and those it
/// causes, for each action the links it causes, each in link order.
pub struct Links {
    pub causes: Vec<Vec<usize>>,
    pub effects: Vec<Vec<usize>>,
    pub action_effects: Vec<Vec<usize>>,
}

impl Links {
    pub fn of(model: &Model) -> Links {
        let mut effects: Vec<Vec<usize>> = vec![Vec::new(); model.results.len()];
        let mut action_effects: Vec<Vec<usize>> = vec![Vec::new(); model.actions.len()];
        let mut causes: Vec<Vec<usize>> = vec![Vec::new(); model.results.len()];
        for (i, link) in model.links.iter().enumerate() {
            if link.to >= model.results.len() {
                continue;
            }
            match link.from {
                NodeRef::Result(r) if r < model.results.len() => {
                    effects[r].push(i);
                    causes[link.to].push(i);
                }
                NodeRef::Action(a) if a < model.actions.len() => {
                    action_effects[a].push(i);
                    causes[link.to].push(i);
                }
                _ => {}
            }
        }
        Links { causes, effects, action_effects }
    }
}

/// One "if … then …" chain: an action or a foundation result, then the results it
/// leads to, up to the first layer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chain {
    pub start: NodeRef,
    pub results: Vec<usize>,
}

/// The chains of the story, in its order: from each action through each result it
/// moves, then from each foundation result (in layer order) through each of its effects.
pub fn chains(model: &Model, links: &Links) -> Vec<Chain> {
    let next = next_steps(model, &links.effects);
    let mut chains = Vec::new();
    for (a, list) in links.action_effects.iter().enumerate() {
        for &l in list {
            chains.push(Chain { start: NodeRef::Action(a), results: climb(model.links[l].to, &next) });
        }
    }
    for r in in_layer_order(model) {
        if links.causes[r].is_empty() && !links.effects[r].is_empty() && !is_top(model, r) {
            for &l in &links.effects[r] {
                chains.push(Chain { start: NodeRef::Result(r), results: climb(model.links[l].to, &next) });
            }
        }
    }
    chains
}

/// Result `r`'s causes and effects as the story tells them, each one line: the causes'
/// statements (or actions' titles) joined by `; `, or what stands in for none; the same
/// for the effects. For the language server's hover.
pub fn because_and_so_that(model: &Model, r: usize) -> (String, String) {
    let mut because = Vec::new();
    let mut so_that = Vec::new();
    for (l, link) in model.links.iter().enumerate() {
        if link.to == r && matches!(link.from, NodeRef::Result(_) | NodeRef::Action(_)) {
            because.push(link_phrase(model, l, true));
        }
        if link.from == NodeRef::Result(r) && link.to < model.results.len() {
            so_that.push(link_phrase(model, l, false));
        }
    }
    let because = if because.is_empty() { "nothing on the map causes it yet".to_owned() } else { because.join("; ") };
    let so_that = match (so_that.is_empty(), is_top(model, r)) {
        (false, _) => so_that.join("; "),
        (true, true) => "it is an ultimate result".to_owned(),
        (true, false) => "nothing on the map follows from it yet".to_owned(),
    };
    (because, so_that)
}

/// Each result's next step towards the first layer: the effect fewest links from a
/// first-layer result, found by one breadth-first search backwards along the links.
fn next_steps(model: &Model, effects: &[Vec<usize>]) -> Vec<Option<usize>> {
    let n = model.results.len();
    let mut causes_of: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (r, list) in effects.iter().enumerate() {
        for &l in list {
            causes_of[model.links[l].to].push(r);
        }
    }
    let mut next = vec![None; n];
    let mut seen = vec![false; n];
    let mut queue = VecDeque::new();
    for (r, seen) in seen.iter_mut().enumerate() {
        if is_top(model, r) {
            *seen = true;
            queue.push_back(r);
        }
    }
    while let Some(r) = queue.pop_front() {
        for &c in &causes_of[r] {
            if !seen[c] {
                seen[c] = true;
                next[c] = Some(r);
                queue.push_back(c);
            }
        }
    }
    next
}

/// The results from `start` up its next steps (at most one visit each).
fn climb(start: usize, next: &[Option<usize>]) -> Vec<usize> {
    let mut chain = vec![start];
    let mut at = start;
    while let Some(step) = next.get(at).copied().flatten() {
        if chain.len() > next.len() {
            break;
        }
        chain.push(step);
        at = step;
    }
    chain
}

/// Whether result `r` is in the first layer (the ultimate results).
pub fn is_top(model: &Model, r: usize) -> bool {
    model.results.get(r).is_some_and(|result| result.layer == Some(0))
}

/// The results in layer order, then source order; those without a layer last.
pub fn in_layer_order(model: &Model) -> Vec<usize> {
    let mut order: Vec<usize> = (0..model.results.len()).collect();
    order.sort_by_key(|&r| (model.results[r].layer.unwrap_or(usize::MAX), r));
    order
}

/// A link seen from one end: the other end's statement (or action title), with the
/// link's label and polarity.
pub(crate) fn link_phrase(model: &Model, l: usize, cause: bool) -> String {
    let link = &model.links[l];
    let other = if cause {
        match link.from {
            NodeRef::Result(r) => user_line(&model.results[r].statement.value),
            NodeRef::Action(a) => format!("the action “{}”", user_line(&model.actions[a].title)),
            _ => String::new(),
        }
    } else {
        user_line(&model.results[link.to].statement.value)
    };
    let mut phrase = other;
    if link.inverse {
        phrase.push_str(" (inversely: more of the cause, less of the effect)");
    }
    if let Some(label) = &link.label {
        phrase.push_str(&format!(": {}", user_line(label)));
    }
    phrase
}

/// `: latest 4.2 (2027-03); signals: …` from a measure's data.
pub(crate) fn latest(data: &MeasureData) -> String {
    let mut text = String::new();
    match data.series.points.last() {
        Some(point) => {
            let _ = write!(text, ": latest {}{} ({})", point.value, if point.percent { "%" } else { "" }, point.period);
        }
        None => text.push_str(": no values yet"),
    }
    let points = &data.chart.points;
    let signals: Vec<String> = data
        .chart
        .signals
        .iter()
        .map(|s| {
            let (Some(from), Some(to)) = (points.get(s.from), points.get(s.to)) else { return String::new() };
            let when =
                if s.from == s.to { from.period.to_string() } else { format!("{} to {}", from.period, to.period) };
            let sense = s.sense.map(|x| format!(", {}", x.as_str())).unwrap_or_default();
            format!("{} {} ({when}{sense})", s.rule.as_str(), s.side.as_str())
        })
        .filter(|s| !s.is_empty())
        .collect();
    if signals.is_empty() {
        if !points.is_empty() {
            text.push_str("; no signals");
        }
    } else {
        let _ = write!(text, "; signals: {}", signals.join("; "));
    }
    text
}

/// A piece of a paragraph: our words, or a user's string (escaped in markdown).
enum Piece<'a> {
    Plain(&'a str),
    User(&'a str),
}

/// The document being written.
struct Doc {
    format: Format,
    text: String,
}

impl Doc {
    fn heading(&mut self, level: usize, title: &str) {
        if !self.text.is_empty() {
            self.text.push('\n');
        }
        match self.format {
            Format::Markdown => {
                self.text.push_str(&"#".repeat(level));
                self.text.push(' ');
                self.text.push_str(&escape_markdown(title));
                self.text.push('\n');
            }
            Format::Text => {
                for line in wrap(title, WIDTH) {
                    self.text.push_str(&line);
                    self.text.push('\n');
                }
                if level < 3 {
                    let underline = if level == 1 { '=' } else { '-' };
                    let width = wrap(title, WIDTH).iter().map(|l| l.chars().count()).max().unwrap_or(0);
                    self.text.extend(std::iter::repeat_n(underline, width));
                    self.text.push('\n');
                }
            }
        }
    }

    fn paragraph(&mut self, pieces: &[Piece<'_>]) {
        self.text.push('\n');
        let mut line = String::new();
        for piece in pieces {
            match (piece, self.format) {
                (Piece::Plain(text), _) => line.push_str(text),
                (Piece::User(text), Format::Markdown) => line.push_str(&escape_markdown(&user_line(text))),
                (Piece::User(text), Format::Text) => line.push_str(&user_line(text)),
            }
        }
        self.push_block(&line, "", "");
    }

    /// "If START, then A, then B …" as one item.
    fn chain(&mut self, start: &str, model: &Model, results: &[usize]) {
        let mut parts = vec![format!("If {}", self.user(&user_line(start)))];
        for &r in results {
            parts.push(format!("then {}", self.user(&user_line(&model.results[r].statement.value))));
        }
        let line = parts.join(", ") + ".";
        if !self.last_was_item() {
            self.text.push('\n');
        }
        self.push_block(&line, "- ", "  ");
    }

    /// "Because:" and its items, or what stands in for none.
    fn item_list(&mut self, name: &str, items: &[String], none: &str) {
        self.text.push('\n');
        let bold = |s: &str| match self.format {
            Format::Markdown => format!("**{s}:**"),
            Format::Text => format!("{s}:"),
        };
        if items.is_empty() {
            let line = format!("{} {none}.", bold(name));
            self.push_block(&line, "", "");
            return;
        }
        let head = bold(name);
        self.text.push_str(&head);
        self.text.push('\n');
        for item in items {
            let item = self.user(item);
            self.push_block(&item, "- ", "  ");
        }
    }

    fn last_was_item(&self) -> bool {
        self.text.rsplit('\n').nth(1).is_some_and(|line| line.starts_with("- ") || line.starts_with("  "))
    }

    /// A line made of user strings (each already through `user_line`) as it goes into
    /// this format: one line, escaped in markdown.
    fn user(&self, text: &str) -> String {
        match self.format {
            Format::Markdown => escape_markdown(&display_line(text)),
            Format::Text => display_line(text),
        }
    }

    /// `line` after `first` (the first line) or `rest` (the others): wrapped at
    /// `WIDTH` in text; one line in markdown, which wraps itself.
    fn push_block(&mut self, line: &str, first: &str, rest: &str) {
        match self.format {
            Format::Markdown => {
                self.text.push_str(first);
                self.text.push_str(line);
                self.text.push('\n');
            }
            Format::Text => {
                for (i, part) in wrap(line, WIDTH - first.len()).iter().enumerate() {
                    self.text.push_str(if i == 0 { first } else { rest });
                    self.text.push_str(part);
                    self.text.push('\n');
                }
            }
        }
    }
}

/// A user's string on one line (`display_line`); when it holds a bidirectional
/// embedding, override or isolate, it is wrapped in an isolate (U+2068 … U+2069), so an
/// override left open cannot reverse the tool's own words after it (in the story, the
/// report and the hover).
pub fn user_line(text: &str) -> String {
    let text = display_line(text);
    if text.chars().any(|c| matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')) {
        format!("\u{2068}{text}\u{2069}")
    } else {
        text
    }
}

/// A string as CommonMark text that shows as itself: the characters that make emphasis,
/// code, links, HTML, entities, tables, strikethrough and math backslash-escaped anywhere, and
/// what would start a heading, quote or list escaped at the start.
pub(crate) fn escape_markdown(text: &str) -> String {
    // Leading blanks would let what follows start a block (`  # x` a heading after a
    // list marker, four spaces a code block): they are left out, as HTML would show them.
    let text = text.trim_start_matches([' ', '\t']);
    let mut out = String::with_capacity(text.len() + 8);
    // A run of digits and `.` or `)` starts an ordered list.
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    for (i, c) in text.char_indices() {
        let at_start = i == 0 && matches!(c, '-' | '+' | '#' | '=' | '>');
        let list_mark = digits > 0 && i == digits && matches!(c, '.' | ')');
        if at_start || list_mark || matches!(c, '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '&' | '|' | '~' | '$')
        {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leading_blanks_cannot_start_a_block() {
        assert_eq!(escape_markdown("  # Boom"), "\\# Boom");
        assert_eq!(escape_markdown("\t - x"), "\\- x");
        assert_eq!(escape_markdown("   1. x"), "1\\. x");
        assert_eq!(escape_markdown("    code"), "code");
    }

    /// An override left open in a statement is closed before the story's own words.
    #[test]
    fn bidirectional_overrides_are_isolated() {
        let text = "result a \"Sales \u{202e}grow\"\nresult b \"Profit grows\"\na -> b\n";
        let file = crate::source::SourceFile::new("m.strata", text);
        let workspace = crate::Workspace { files: vec![file], config: None, data: Vec::new() };
        let model = crate::check(&workspace).model;
        let told = story(&model, &[], Format::Text);
        assert!(told.contains("\u{2068}Sales \u{202e}grow\u{2069}"), "{told}");
        assert!(!told.contains("Profit grows\u{2069}"), "{told}");
        assert_eq!(user_line("plain"), "plain");
    }

    #[test]
    fn markdown_is_escaped() {
        assert_eq!(escape_markdown("- not a list"), r"\- not a list");
        assert_eq!(escape_markdown("2027. a year"), r"2027\. a year");
        assert_eq!(escape_markdown("pre-order 4.5"), "pre-order 4.5");
        assert_eq!(escape_markdown("<script>*x*</script> & [a](b)"), r"\<script\>\*x\*\</script\> \& \[a\](b)");
    }
}
