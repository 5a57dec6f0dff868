//! Exports: the compiled `Model` as JSON (spec 7.3), as a Graphviz DOT or a Mermaid
//! strategy map (spec 7.4), as an SVG laid out by `crate::layout` (spec 10.3), whole or cut down to the sub-map around one node (`focus`).
//!
//! Exports read only the model and the line indexes of the workspace's files, so they
//! work on whatever resolved, even in a workspace with errors (the language server
//! exports "what resolves"); refusing to export a broken workspace is the CLI's call.
//! Every output is a pure function of its input: lists follow declaration order and
//! no hash-map order reaches the text. The design is in `docs/export.md`.

pub mod dot;
pub mod focus;
pub mod json;
pub mod mermaid;

use std::borrow::Cow;
use std::fmt;
use std::fmt::Write as _;

use crate::Workspace;
use crate::evidence::MeasureData;
use crate::sema::model::{Direction, Measure, Model, NodeRef, Quantity};
use crate::source::Loc;

/// What `export` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// The compiled model (spec 7.3).
    Json,
    /// A Graphviz digraph (spec 7.4).
    Dot,
    /// A Mermaid `flowchart BT` (spec 7.4).
    Mermaid,
    /// A self-contained SVG laid out by Strata itself (spec 10.3, `crate::layout`).
    Svg,
}

/// `--focus ID --depth N`: keep the nodes within `depth` links of `id`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Focus {
    pub id: String,
    pub depth: usize,
}

/// Why an export could not be made: the focus names nothing that can be focused on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExportError {
    /// No node has this id; `suggestion` is the closest focusable id, if one is close.
    UnknownFocus { id: String, suggestion: Option<String> },
    /// The id names a layer or a group, which links do not connect.
    UnlinkedFocus { id: String, kind: &'static str },
    /// The id names a measure that is the evidence of no result.
    DetachedMeasure { id: String },
}

impl fmt::Display for ExportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExportError::UnknownFocus { id, suggestion: Some(close) } => {
                write!(f, "`--focus {id}`: no result, measure or action has the id `{id}`; did you mean `{close}`?")
            }
            ExportError::UnknownFocus { id, suggestion: None } => {
                write!(f, "`--focus {id}`: no result, measure or action has the id `{id}`")
            }
            ExportError::UnlinkedFocus { id, kind } => write!(
                f,
                "`--focus {id}`: `{id}` is a {kind}, and links connect only results and actions; \
                 focus on a result, a measure or an action"
            ),
            ExportError::DetachedMeasure { id } => {
                write!(f, "`--focus {id}`: the measure `{id}` is the evidence of no result, so nothing surrounds it")
            }
        }
    }
}

impl std::error::Error for ExportError {}

/// Exports `model` (the model of `workspace`) in `format`, cut down to `focus` if given.
pub fn export(
    workspace: &Workspace,
    model: &Model,
    format: Format,
    focus: Option<&Focus>,
) -> Result<String, ExportError> {
    let mut text = String::new();
    // Writing to a `String` cannot fail.
    let _ = prepare(model, focus)?.write(workspace, format, &mut text);
    Ok(text)
}

/// The model an export draws: the whole of it, or the sub-map around a focus. Making
/// it is where an export can fail; writing it only where the output can.
pub struct Prepared<'m> {
    model: Cow<'m, Model>,
    center: Option<NodeRef>,
    /// Aligned with `model.measures` (`with_evidence`); empty: no `data` objects.
    evidence: Cow<'m, [Option<std::sync::Arc<MeasureData>>]>,
}

/// `model` cut down to `focus` if given, ready to write.
pub fn prepare<'m>(model: &'m Model, focus: Option<&Focus>) -> Result<Prepared<'m>, ExportError> {
    Ok(match focus {
        Some(focus) => {
            let focused = focus::focus(model, focus)?;
            Prepared { model: Cow::Owned(focused.model), center: Some(focused.center), evidence: Cow::Borrowed(&[]) }
        }
        None => Prepared { model: Cow::Borrowed(model), center: None, evidence: Cow::Borrowed(&[]) },
    })
}

impl<'m> Prepared<'m> {
    /// Adds the measures' data (`Analysis::evidence` of the model given to `prepare`),
    /// which the JSON export writes as each measure's `data` object. A focused model's
    /// measures are found by id.
    pub fn with_evidence(
        mut self,
        original: &Model,
        evidence: &'m [Option<std::sync::Arc<MeasureData>>],
    ) -> Prepared<'m> {
        self.evidence = match &self.model {
            Cow::Borrowed(_) => Cow::Borrowed(evidence),
            Cow::Owned(model) => {
                let index: std::collections::HashMap<&str, usize> =
                    original.measures.iter().enumerate().map(|(i, m)| (&*m.id, i)).collect();
                let aligned = model
                    .measures
                    .iter()
                    .map(|m| index.get(&*m.id).and_then(|&i| evidence.get(i)).and_then(Clone::clone));
                Cow::Owned(aligned.collect())
            }
        };
        self
    }
}

impl Prepared<'_> {
    /// Writes the export in `format` to `out` as it is made: a big DOT is made on several
    /// threads and handed to `out` in order while they work (on 100,000 results, 70 MB
    /// neither held nor copied). Fails only where `out` does.
    pub fn write(&self, workspace: &Workspace, format: Format, out: &mut dyn Output) -> std::io::Result<()> {
        match format {
            Format::Json => out.put(&json::export(workspace, &self.model, &self.evidence)),
            Format::Dot => dot::write(&self.model, self.center, out),
            Format::Mermaid => out.put(&mermaid::export(&self.model, self.center)),
            Format::Svg => out.put(&crate::layout::svg::export(&self.model, self.center)),
        }
    }
}

/// Where an export's text goes, in order, as it is made.
pub trait Output {
    fn put(&mut self, text: &str) -> std::io::Result<()>;
}

impl Output for String {
    fn put(&mut self, text: &str) -> std::io::Result<()> {
        self.push_str(text);
        Ok(())
    }
}

/// Any `std::io::Write` (a file, standard output) as an `Output`.
pub struct Writer<W>(pub W);

impl<W: std::io::Write> Output for Writer<W> {
    fn put(&mut self, text: &str) -> std::io::Result<()> {
        self.0.write_all(text.as_bytes())
    }
}

/// The file (as the user sees its path) and 1-based line where `loc` starts.
pub(crate) fn file_line(workspace: &Workspace, loc: Loc) -> (&str, usize) {
    match workspace.files.get(loc.file.0 as usize) {
        Some(file) => (file.path.as_str(), file.line_index.line_of(loc.span.start as usize) + 1),
        None => ("", 0),
    }
}

/// A string from a source file as lines of displayable text: split at every kind of
/// line break, tabs as spaces, other control characters as their visible symbols
/// (U+2400 block), and the characters XML forbids as U+FFFD, so that any string is
/// shown as text by Graphviz and by Mermaid.
pub fn display_lines(text: &str) -> Vec<String> {
    // Most strings have nothing to change: one line, as it is.
    if plain(text) {
        return vec![text.to_owned()];
    }
    let mut lines = vec![String::new()];
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}' => lines.push(String::new()),
            _ => {
                if let Some(line) = lines.last_mut() {
                    line.push(visible(c));
                }
            }
        }
    }
    lines
}

/// Whether `display_lines` would give `text` back as its one line.
pub(crate) fn plain(text: &str) -> bool {
    let plain = |c: char| {
        (' '..'\u{7f}').contains(&c)
            || (!matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}') && visible(c) == c)
    };
    // Printable ASCII throughout, checked without stopping early so that it vectorises.
    text.bytes().fold(true, |ok, b| ok & (b.wrapping_sub(0x20) < 0x5f)) || text.chars().all(plain)
}

/// Whether the words of `line` are separated by single spaces, with none around them.
pub(crate) fn single_spaced(line: &str) -> bool {
    let bytes = line.as_bytes();
    bytes.first() != Some(&b' ') && bytes.last() != Some(&b' ') && !bytes.windows(2).any(|w| w == b"  ")
}

/// One displayable line: line breaks become spaces.
pub(crate) fn display_line(text: &str) -> String {
    display_lines(text).join(" ")
}

fn visible(c: char) -> char {
    match c {
        '\t' => ' ',
        '\u{0}'..='\u{1f}' => char::from_u32(0x2400 + c as u32).unwrap_or('\u{fffd}'),
        '\u{7f}' => '\u{2421}',
        '\u{80}'..='\u{9f}' | '\u{fdd0}'..='\u{fdef}' => '\u{fffd}',
        _ if (c as u32) & 0xfffe == 0xfffe => '\u{fffd}',
        _ => c,
    }
}

/// Word-wraps a string to lines of at most `width` columns (a wide character counts
/// two). Line breaks in the string are kept, except blank lines at either end; runs
/// of spaces collapse; a word longer than a line is cut between characters, never
/// inside an emoji or before a mark.
pub(crate) fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    if fits_as_is(text, width) {
        return vec![text.to_owned()];
    }
    // A line that fits, with single spaces between its words, stays as it is.
    let fits = |line: &str| str_width(line) <= width && single_spaced(line);
    let mut out = Vec::new();
    for line in display_lines(text) {
        if fits(&line) {
            out.push(line);
            continue;
        }
        let mut current = String::new();
        let mut used = 0;
        for word in line.split(' ').filter(|w| !w.is_empty()) {
            let word_width = str_width(word);
            if used > 0 && used + 1 + word_width > width {
                out.push(std::mem::take(&mut current));
                used = 0;
            }
            if word_width <= width {
                if used > 0 {
                    current.push(' ');
                    used += 1;
                }
                current.push_str(word);
                used += word_width;
                continue;
            }
            for piece in cut(word, width) {
                if used > 0 {
                    out.push(std::mem::take(&mut current));
                }
                used = str_width(&piece);
                current = piece;
            }
        }
        out.push(current);
    }
    // Blank lines at either end show nothing but take room.
    while out.len() > 1 && out.last().is_some_and(String::is_empty) {
        out.pop();
    }
    let blank = out.iter().take_while(|l| l.is_empty()).count().min(out.len().saturating_sub(1));
    out.drain(..blank);
    out
}

/// Whether `wrap(text, width)` is `[text]`: one plain line that fits, single-spaced.
pub(crate) fn fits_as_is(text: &str, width: usize) -> bool {
    plain(text) && str_width(text) <= width.max(1) && single_spaced(text)
}

/// Cuts a long word into pieces of at most `width` columns (a cluster wider than that
/// stands alone).
fn cut(word: &str, width: usize) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut piece = String::new();
    let mut used = 0;
    let mut previous = None;
    for c in word.chars() {
        let joined = is_extender(c) || previous == Some('\u{200d}');
        let w = char_width(c);
        if !joined && used > 0 && used + w > width {
            pieces.push(std::mem::take(&mut piece));
            used = 0;
        }
        piece.push(c);
        used += w;
        previous = Some(c);
    }
    if !piece.is_empty() {
        pieces.push(piece);
    }
    pieces
}

fn str_width(text: &str) -> usize {
    text.chars().map(char_width).sum()
}

/// Columns a character takes: 0 for marks and joiners, 2 for wide (East Asian, emoji).
pub(crate) fn char_width(c: char) -> usize {
    // Below the first combining mark, every character takes one column.
    if (c as u32) < 0x300 {
        return 1;
    }
    if is_extender(c) {
        return 0;
    }
    match c as u32 {
        0x1100..=0x115f
        | 0x2e80..=0x303e
        | 0x3041..=0x33ff
        | 0x3400..=0x4dbf
        | 0x4e00..=0x9fff
        | 0xa000..=0xa4cf
        | 0xac00..=0xd7a3
        | 0xf900..=0xfaff
        | 0xfe30..=0xfe4f
        | 0xff00..=0xff60
        | 0xffe0..=0xffe6
        | 0x1f300..=0x1f64f
        | 0x1f900..=0x1f9ff
        | 0x20000..=0x3fffd => 2,
        _ => 1,
    }
}

/// Characters that belong to the one before them: combining marks, joiners, variation
/// selectors, emoji modifiers and tags.
pub(crate) fn is_extender(c: char) -> bool {
    matches!(
        c as u32,
        0x0300..=0x036f
            | 0x0483..=0x0489
            | 0x0591..=0x05bd
            | 0x05bf..=0x05c7
            | 0x0610..=0x061a
            | 0x064b..=0x065f
            | 0x0670
            | 0x06d6..=0x06ed
            | 0x0900..=0x0903
            | 0x093a..=0x094f
            | 0x1ab0..=0x1aff
            | 0x1dc0..=0x1dff
            | 0x200c..=0x200d
            | 0x20d0..=0x20ff
            | 0xfe00..=0xfe0f
            | 0xfe20..=0xfe2f
            | 0x1f3fb..=0x1f3ff
            | 0xe0020..=0xe007f
            | 0xe0100..=0xe01ef
    )
}

/// A measure's numbers as one line: `31.5% (2026-09) → 35% by 2027-12` (each milestone
/// in turn, for a list of targets), or `None`
/// when it has neither baseline nor target.
pub(crate) fn measure_values(measure: &Measure) -> Option<String> {
    let mut text = String::new();
    write_measure_values(&mut text, measure).then_some(text)
}

/// `measure_values`, written onto `out`; false (and nothing written) when there is
/// neither a baseline nor a target.
pub(crate) fn write_measure_values(out: &mut String, measure: &Measure) -> bool {
    /// The number, and its period between `around`: ` (2026-09)`, ` by 2027-12`.
    fn quantity(out: &mut String, q: &Quantity, around: (&str, &str)) {
        out.push_str(&q.raw);
        if q.percent {
            out.push('%');
        }
        if let Some(w) = &q.when {
            let _ = write!(out, "{}{}{}", around.0, w.value, around.1);
        }
    }
    const BASELINE: (&str, &str) = (" (", ")");
    const TARGET: (&str, &str) = (" by ", "");
    // Milestones follow one another: `20% (2026-10) → 40% by 2027 → 60% by 2028`.
    let targets = |out: &mut String, target: &crate::sema::model::Target| {
        for (i, milestone) in target.milestones().iter().enumerate() {
            if i > 0 {
                out.push_str(" → ");
            }
            quantity(out, milestone, TARGET);
        }
    };
    match (&measure.baseline, &measure.target) {
        (None, None) => return false,
        (Some(baseline), target) => {
            quantity(out, baseline, BASELINE);
            out.push_str(" → ");
            match target {
                Some(target) => targets(out, target),
                None => out.push_str("no target yet"),
            }
        }
        (None, Some(target)) => {
            out.push_str("no baseline → ");
            targets(out, target);
        }
    }
    true
}

/// A measure's name as shown on a map: `▲` when up is better, `▼` when down is, and
/// the unit unless it is `%` (the values show that).
pub(crate) fn measure_title(measure: &Measure) -> String {
    let mut text = String::new();
    write_measure_title(&mut text, measure);
    text
}

/// `measure_title`, written onto `out`.
pub(crate) fn write_measure_title(out: &mut String, measure: &Measure) {
    out.push_str(match measure.direction {
        Some(Direction::Up) => "▲ ",
        Some(Direction::Down) => "▼ ",
        None => "",
    });
    out.push_str(&measure.name);
    match measure.unit.as_deref() {
        Some(unit) if unit != "%" && !unit.trim().is_empty() => {
            out.push_str(" (");
            out.push_str(unit);
            out.push(')');
        }
        _ => {}
    }
}

/// The index of the layer each result sits in, and of each layer's results in
/// declaration order: the bands of a drawn map.
pub(crate) fn layer_members(model: &Model) -> Vec<Vec<usize>> {
    let mut members = vec![Vec::new(); model.layers.len()];
    for (i, result) in model.results.iter().enumerate() {
        if let Some(list) = result.layer.and_then(|l| members.get_mut(l)) {
            list.push(i);
        }
    }
    members
}

/// What a map shows under an action's title: owner, due date and status, as present.
pub(crate) fn action_facts(action: &crate::sema::model::Action) -> Vec<String> {
    let mut facts = Vec::new();
    if let Some(owner) = &action.owner {
        facts.push(owner.to_string());
    }
    if let Some(due) = action.due {
        facts.push(format!("due {due}"));
    }
    if let Some(status) = action.status {
        facts.push(status.to_owned());
    }
    facts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_displayable() {
        assert_eq!(display_lines("a\r\nb\rc\nd\u{2028}e"), ["a", "b", "c", "d", "e"]);
        assert_eq!(display_lines("x\ty\u{0}\u{7f}\u{9b}\u{ffff}"), ["x y\u{2400}\u{2421}\u{fffd}\u{fffd}"]);
        assert_eq!(display_lines(""), [""]);
    }

    #[test]
    fn wrapping_keeps_words_and_clusters() {
        assert_eq!(wrap("Profit grows year on year", 12), ["Profit grows", "year on year"]);
        assert_eq!(wrap("one\ntwo  three", 40), ["one", "two three"]);
        assert_eq!(wrap("abcdefgh", 3), ["abc", "def", "gh"]);
        // A family emoji (joined by U+200D) is never cut.
        let family = "👩\u{200d}👩\u{200d}👧";
        assert_eq!(wrap(&format!("{family}{family}"), 2), [family, family]);
        assert_eq!(wrap("顧客顧客", 4), ["顧客", "顧客"]);
        assert_eq!(wrap("", 10), [""]);
        assert_eq!(wrap("\n\n", 10), [""]);
        assert_eq!(wrap("\n a\n\nb \n", 10), ["a", "", "b"]);
    }
}
