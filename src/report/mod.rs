//! `strata report` (spec 10.1), pure: the performance report of PuMP's step 6, from the
//! map, its measures' data and the open diagnostics, as one self-contained HTML file
//! (`html.rs`, templates in maud) or as markdown or plain text (this file), which carry
//! the same content without pictures.
//!
//! The content is gathered once into a [`Report`] of plain strings (user text not yet
//! escaped), then written by each format, so the three cannot drift apart. In order:
//! the map's facts; the map (HTML only: the SVG export, each result a link to its
//! section); the results in layer order then source order, each with its statement, id,
//! layer, owner, customer groups, note, causes ("because") and effects ("so that"), and
//! its measures with their definitions and, where there is data, the latest value, the
//! limits of each segment and the signals (and in HTML the XmR chart, `chart.rs`); the
//! actions and the results they move; the story's "if … then …" chains (§10.2); the
//! open diagnostics grouped by the result they are in (the result's item, or a
//! top-level measure of it, or a data file one of its measures reads), the others last.
//! No traffic lights: a measure's state is its chart and its signals (domain.md).
//! Nothing depends on the clock or on absolute paths.

pub mod chart;
mod html;

use std::sync::Arc;

use crate::diagnostics::render::Sources;
use crate::diagnostics::{Diagnostic, Severity};
use crate::evidence::MeasureData;
use crate::export::{measure_values, wrap};
use crate::sema::model::{Measure, Model, NodeRef};
use crate::source::ColumnUnit;
use crate::story::{Links, chains, escape_markdown, in_layer_order};
use crate::syntax::ast::Ast;

/// The HTML report's Content-Security-Policy: nothing may be fetched (styles are inline,
/// pictures inline SVG), and no script runs.
pub const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/// The three renderings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// One self-contained HTML file: the map, charts, links between sections.
    Html,
    /// CommonMark, every user string escaped.
    Markdown,
    /// Plain text wrapped at 100 columns.
    Text,
}

/// What the report is made from: the analysis's parts and the files its diagnostics
/// point into.
pub struct Input<'a> {
    pub model: &'a Model,
    pub asts: &'a [Ast],
    /// Aligned with `model.measures`.
    pub evidence: &'a [Option<Arc<MeasureData>>],
    pub diagnostics: &'a [Diagnostic],
    pub sources: &'a dyn Sources,
}

/// The report of `input` in `format`.
pub fn report(input: &Input<'_>, format: Format) -> String {
    let report = gather(input);
    match format {
        Format::Html => html::write(input, &report),
        Format::Markdown | Format::Text => plain(&report, format),
    }
}

/// The report's content, every string as the user wrote it (one line, not escaped).
pub struct Report {
    pub title: String,
    /// The map has a title (`title` is not the stand-in "Performance report").
    pub named: bool,
    /// The map's purpose, vision, mission, owner and horizon, as present.
    pub facts: Vec<(&'static str, String)>,
    /// Errors and warnings open in the workspace.
    pub errors: usize,
    pub warnings: usize,
    /// Layer sections in order (a last one, `layer: None`, for results without a layer).
    pub layers: Vec<LayerPart>,
    pub actions: Vec<ActionPart>,
    pub chains: Vec<Vec<Ref>>,
    /// Diagnostics per result (in report order), then those of no one result.
    pub diagnostics: Vec<(Option<Ref>, Vec<DiagnosticPart>)>,
}

pub struct LayerPart {
    pub title: Option<String>,
    pub note: Option<String>,
    pub results: Vec<ResultPart>,
}

/// A result or an action named somewhere in the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ref {
    pub anchor: String,
    pub id: String,
    pub text: String,
}

pub struct ResultPart {
    pub me: Ref,
    pub facts: Vec<(&'static str, String)>,
    /// Causes (results and actions) and effects, each with what the link says.
    pub causes: Vec<(Ref, String)>,
    pub effects: Vec<(Ref, String)>,
    pub top: bool,
    pub measures: Vec<MeasurePart>,
}

pub struct MeasurePart {
    pub index: usize,
    pub anchor: String,
    pub id: String,
    /// `▲ name (unit)`.
    pub title: String,
    pub facts: Vec<(&'static str, String)>,
    /// Where there is data: what it shows, in words.
    pub reading: Option<Reading>,
}

pub struct Reading {
    /// `41.2% (2024-06)`, or `no values yet`.
    pub latest: String,
    /// Per segment: `2024-01 to 2025-06, 18 values: CL 40.5, limits 38.1 to 42.9`.
    pub segments: Vec<String>,
    pub signals: Vec<String>,
    /// The data could not all be read (`invalid-data`): the chart is of what was read.
    pub invalid: bool,
}

pub struct ActionPart {
    pub me: Ref,
    pub facts: Vec<(&'static str, String)>,
    pub effects: Vec<(Ref, String)>,
}

pub struct DiagnosticPart {
    pub error: bool,
    pub code: &'static str,
    /// `file.strata:12:5`.
    pub at: String,
    pub message: String,
    pub help: Option<String>,
}

/// The anchor of a result's section: `result-ID` (ids are identifiers: no space, no
/// quote).
pub fn result_anchor(id: &str) -> String {
    format!("result-{id}")
}

fn gather(input: &Input<'_>) -> Report {
    let model = input.model;
    let title = model.map.as_ref().map_or_else(|| "Performance report".to_owned(), |m| line(&m.title));
    let mut facts = Vec::new();
    if let Some(map) = &model.map {
        for (name, value) in
            [("Purpose", &map.purpose), ("Vision", &map.vision), ("Mission", &map.mission), ("Owner", &map.owner)]
        {
            if let Some(value) = value {
                facts.push((name, line(value)));
            }
        }
        if let Some(horizon) = map.horizon {
            facts.push(("Horizon", horizon.to_string()));
        }
    }
    let errors = input.diagnostics.iter().filter(|d| d.severity == Severity::Error).count();
    let warnings = input.diagnostics.len() - errors;

    let links = Links::of(model);
    let result_ref = |r: usize| {
        let result = &model.results[r];
        Ref { anchor: result_anchor(&result.id), id: result.id.to_string(), text: line(&result.statement.value) }
    };
    let action_ref = |a: usize| {
        let action = &model.actions[a];
        Ref { anchor: format!("action-{}", action.id), id: action.id.to_string(), text: line(&action.title) }
    };
    let node_ref = |n: NodeRef| match n {
        NodeRef::Action(a) => Some(action_ref(a)),
        NodeRef::Result(r) => Some(result_ref(r)),
        _ => None,
    };
    let link_words = |l: usize| {
        let link = &model.links[l];
        let mut words = Vec::new();
        if let Some(label) = &link.label {
            words.push(line(label));
        }
        if let Some(strength) = link.strength {
            words.push(format!("{strength} link"));
        }
        if link.inverse {
            words.push("inverse: more of the cause, less of the effect".to_owned());
        }
        for (name, value) in [("evidence", &link.evidence), ("assumption", &link.assumption), ("note", &link.note)] {
            if let Some(value) = value {
                words.push(format!("{name}: {}", line(value)));
            }
        }
        words.join("; ")
    };

    let mut layers: Vec<LayerPart> = model
        .layers
        .iter()
        .map(|l| LayerPart { title: Some(line(&l.title)), note: l.note.as_deref().map(line), results: Vec::new() })
        .collect();
    layers.push(LayerPart { title: None, note: None, results: Vec::new() });
    let order = in_layer_order(model);
    for &r in &order {
        let result = &model.results[r];
        let mut facts = vec![("Id", result.id.to_string())];
        if let Some(layer) = result.layer.and_then(|l| model.layers.get(l)) {
            facts.push(("Layer", line(&layer.title)));
        }
        if let Some(owner) = &result.owner {
            facts.push(("Owner", line(owner)));
        }
        let groups: Vec<String> = result
            .for_groups
            .iter()
            .filter_map(|g| model.groups.get(g.value))
            .map(|g| match &g.intent {
                Some(intent) => format!("{} ({})", line(&g.name), intent.value),
                None => line(&g.name),
            })
            .collect();
        if !groups.is_empty() {
            facts.push(("For", groups.join(", ")));
        }
        if let Some(note) = &result.note {
            facts.push(("Note", line(note)));
        }
        let causes =
            links.causes[r].iter().filter_map(|&l| Some((node_ref(model.links[l].from)?, link_words(l)))).collect();
        let effects = links.effects[r].iter().map(|&l| (result_ref(model.links[l].to), link_words(l))).collect();
        let measures = result
            .measures
            .iter()
            .filter_map(|&m| {
                Some(measure_part(m, model.measures.get(m)?, input.evidence.get(m).and_then(Option::as_ref)))
            })
            .collect();
        let part =
            ResultPart { me: result_ref(r), facts, causes, effects, top: crate::story::is_top(model, r), measures };
        let at = result.layer.unwrap_or(model.layers.len()).min(model.layers.len());
        layers[at].results.push(part);
    }
    if layers.last().is_some_and(|l| l.results.is_empty()) {
        layers.pop();
    }

    let actions = model
        .actions
        .iter()
        .enumerate()
        .map(|(a, action)| {
            let mut facts = vec![("Id", action.id.to_string())];
            if let Some(owner) = &action.owner {
                facts.push(("Owner", line(owner)));
            }
            if let Some(due) = action.due {
                facts.push(("Due", due.to_string()));
            }
            if let Some(status) = action.status {
                facts.push(("Status", status.to_owned()));
            }
            if let Some(note) = &action.note {
                facts.push(("Note", line(note)));
            }
            let effects =
                links.action_effects[a].iter().map(|&l| (result_ref(model.links[l].to), link_words(l))).collect();
            ActionPart { me: action_ref(a), facts, effects }
        })
        .collect();

    let chains = chains(model, &links)
        .into_iter()
        .map(|c| {
            let mut refs: Vec<Ref> = node_ref(c.start).into_iter().collect();
            refs.extend(c.results.iter().map(|&r| result_ref(r)));
            refs
        })
        .collect();

    let diagnostics = group_diagnostics(input, &order)
        .into_iter()
        .map(|(r, list)| {
            let parts = list
                .into_iter()
                .map(|d| {
                    let file = input.sources.source(d.loc().file);
                    let lc = file.line_index.line_col(&file.text, d.loc().span.start as usize, ColumnUnit::Char);
                    DiagnosticPart {
                        error: d.severity == Severity::Error,
                        code: d.code.name(),
                        at: format!("{}:{lc}", line(&file.path)),
                        message: line(&d.message),
                        help: d.help.as_deref().map(line),
                    }
                })
                .collect();
            (r.map(result_ref), parts)
        })
        .collect();

    Report { title, named: model.map.is_some(), facts, errors, warnings, layers, actions, chains, diagnostics }
}

fn measure_part(index: usize, measure: &Measure, data: Option<&Arc<MeasureData>>) -> MeasurePart {
    let mut facts = vec![("Id", measure.id.to_string())];
    if let Some(unit) = &measure.unit {
        facts.push(("Unit", line(unit)));
    }
    if let Some(direction) = measure.direction {
        facts.push(("Better", if direction.as_str() == "up" { "up".to_owned() } else { "down".to_owned() }));
    }
    if let Some(values) = measure_values(measure) {
        facts.push(("Baseline → target", values));
    }
    if let Some(frequency) = measure.frequency {
        facts.push(("Frequency", frequency.to_owned()));
    }
    for (name, value) in [("Formula", &measure.formula), ("Source", &measure.source)] {
        if let Some(value) = value {
            facts.push((name, line(value)));
        }
    }
    if let Some(path) = &measure.data {
        facts.push(("Data", line(&path.written)));
    }
    for (name, value) in [("Owner", &measure.owner), ("Note", &measure.note)] {
        if let Some(value) = value {
            facts.push((name, line(value)));
        }
    }
    let reading = data.map(|data| {
        let unit = |percent: bool| if percent { "%" } else { "" };
        let latest = match data.series.points.last() {
            Some(p) => format!("{}{} ({})", chart::value(p.value), unit(p.percent), p.period),
            None => "no values yet".to_owned(),
        };
        let points = &data.chart.points;
        let segments = data
            .chart
            .segments
            .iter()
            .filter_map(|s| {
                let (a, b) = (points.get(s.from)?, points.get(s.to)?);
                let n = s.to + 1 - s.from;
                let span = if s.from == s.to { a.period.to_string() } else { format!("{} to {}", a.period, b.period) };
                let values = if n == 1 { "1 value".to_owned() } else { format!("{n} values") };
                Some(match &s.limits {
                    Some(l) => format!(
                        "{span}, {values}: central line {}, natural process limits {} to {} (from the first {})",
                        chart::value(l.central_line),
                        chart::value(l.lnpl),
                        chart::value(l.unpl),
                        s.limit_points
                    ),
                    None => format!("{span}, {values}: too few values for limits (5 are needed)"),
                })
            })
            .collect();
        let signals = data.chart.signals.iter().map(|s| chart::signal_text(data, s)).collect();
        Reading { latest, segments, signals, invalid: data.invalid }
    });
    MeasurePart {
        index,
        anchor: format!("measure-{}", measure.id),
        id: measure.id.to_string(),
        title: title_of(measure),
        facts,
        reading,
    }
}

/// The diagnostics by result, in `order`; the rest (`None`) last. A diagnostic belongs
/// to the result whose item holds its position, or whose top-level measure's item
/// does, or one of whose measures reads the data file it is in.
fn group_diagnostics<'d>(input: &Input<'d>, order: &[usize]) -> Vec<(Option<usize>, Vec<&'d Diagnostic>)> {
    let model = input.model;
    // Per file, the top-level items of results and measures: (start, end, result).
    let mut items: Vec<Vec<(u32, u32, usize)>> = vec![Vec::new(); input.asts.len()];
    let mut item_of = |loc: crate::source::Loc, r: usize| {
        let Some(ast) = input.asts.get(loc.file.0 as usize) else { return };
        let at = loc.span.start;
        let i = ast.items.partition_point(|item| item.span().start <= at);
        if let Some(item) = i.checked_sub(1).and_then(|i| ast.items.get(i))
            && item.span().end >= at
            && let Some(list) = items.get_mut(loc.file.0 as usize)
        {
            list.push((item.span().start, item.span().end, r));
        }
    };
    for (r, result) in model.results.iter().enumerate() {
        item_of(result.loc, r);
        for &m in &result.measures {
            if let Some(measure) = model.measures.get(m)
                && measure.of.is_some()
            {
                item_of(measure.loc, r);
            }
        }
    }
    for list in &mut items {
        list.sort_unstable();
    }
    // Data files: the first result (in report order) with a measure reading each.
    let mut data_owner: rustc_hash::FxHashMap<u32, usize> = rustc_hash::FxHashMap::default();
    for &r in order {
        for &m in &model.results[r].measures {
            if let Some(data) = input.evidence.get(m).and_then(Option::as_ref) {
                data_owner.entry(data.file.0).or_insert(r);
            }
        }
    }
    let mut by_result: Vec<Vec<&Diagnostic>> = vec![Vec::new(); model.results.len()];
    let mut rest = Vec::new();
    for d in input.diagnostics {
        let loc = d.loc();
        let at = loc.span.start;
        let owner = match items.get(loc.file.0 as usize) {
            Some(list) => {
                let i = list.partition_point(|&(start, _, _)| start <= at);
                i.checked_sub(1).and_then(|i| list.get(i)).filter(|&&(_, end, _)| at <= end).map(|&(_, _, r)| r)
            }
            None => data_owner.get(&loc.file.0).copied(),
        };
        match owner.and_then(|r| by_result.get_mut(r)) {
            Some(list) => list.push(d),
            None => rest.push(d),
        }
    }
    let mut groups: Vec<(Option<usize>, Vec<&Diagnostic>)> = Vec::new();
    for &r in order {
        let list = std::mem::take(&mut by_result[r]);
        if !list.is_empty() {
            groups.push((Some(r), list));
        }
    }
    if !rest.is_empty() {
        groups.push((None, rest));
    }
    groups
}

/// A user's string on one line, isolated when it holds bidirectional controls.
pub use crate::story::user_line as line;

/// A measure's title: `▲ name (unit)`, each user string isolated (`line`).
pub fn title_of(measure: &Measure) -> String {
    let mut title = match measure.direction {
        Some(crate::sema::model::Direction::Up) => "▲ ".to_owned(),
        Some(crate::sema::model::Direction::Down) => "▼ ".to_owned(),
        None => String::new(),
    };
    title.push_str(&line(&measure.name));
    match measure.unit.as_deref() {
        Some(unit) if unit != "%" && !unit.trim().is_empty() => title.push_str(&format!(" ({})", line(unit))),
        _ => {}
    }
    title
}

/// The text width of `Format::Text`.
const WIDTH: usize = 100;

/// The markdown or text report.
fn plain(report: &Report, format: Format) -> String {
    let mut doc = Doc { markdown: format == Format::Markdown, text: String::new() };
    doc.heading(1, &doc.user_heading(&report.title));
    doc.facts(&report.facts);
    doc.paragraph(&format!(
        "Open diagnostics: {}, {}.",
        plural(report.errors, "error"),
        plural(report.warnings, "warning")
    ));

    doc.heading(2, "Results");
    let mut any = false;
    for layer in &report.layers {
        let title = layer.title.clone().unwrap_or_else(|| "Results without a layer".to_owned());
        doc.heading(3, &doc.user_heading(&title));
        if let Some(note) = &layer.note {
            doc.paragraph(&doc.user(note));
        }
        if layer.results.is_empty() {
            doc.paragraph("No result in this layer yet.");
        }
        for result in &layer.results {
            any = true;
            doc.heading(4, &format!("{} ({})", doc.user_heading(&result.me.text), doc.user_heading(&result.me.id)));
            doc.facts(&result.facts[1..]);
            doc.refs("Because", &result.causes, "nothing on the map causes it yet");
            let none = if result.top { "it is an ultimate result" } else { "nothing on the map follows from it yet" };
            doc.refs("So that", &result.effects, none);
            if result.measures.is_empty() {
                doc.paragraph(&format!("{} none yet.", doc.bold("Measures:")));
            }
            for measure in &result.measures {
                doc.heading(5, &format!("Measure: {}", doc.user_heading(&measure.title)));
                doc.facts(&measure.facts);
                match &measure.reading {
                    Some(reading) => {
                        let mut latest = format!("{} {}", doc.bold("Latest:"), doc.user(&reading.latest));
                        if reading.invalid {
                            latest.push_str(" (some of the data could not be read: see the diagnostics)");
                        }
                        doc.paragraph(&latest);
                        let segments: Vec<String> = reading.segments.iter().map(|s| doc.user(s)).collect();
                        doc.list("Limits", &segments, "no values yet");
                        let signals: Vec<String> = reading.signals.iter().map(|s| doc.user(s)).collect();
                        doc.list("Signals", &signals, "none: only routine variation");
                    }
                    None => doc.paragraph(&format!("{} no data yet.", doc.bold("Data:"))),
                }
            }
        }
    }
    if !any {
        doc.paragraph("The map has no result yet.");
    }

    doc.heading(2, "Actions");
    if report.actions.is_empty() {
        doc.paragraph("No action on the map yet.");
    }
    for action in &report.actions {
        doc.heading(3, &format!("{} ({})", doc.user_heading(&action.me.text), doc.user_heading(&action.me.id)));
        doc.facts(&action.facts[1..]);
        doc.refs("Moves", &action.effects, "no result yet");
    }

    doc.heading(2, "The story: if … then …");
    let chains: Vec<String> = report
        .chains
        .iter()
        .map(|chain| {
            let parts: Vec<String> = chain
                .iter()
                .enumerate()
                .map(|(i, r)| format!("{} {}", if i == 0 { "If" } else { "then" }, doc.user(&r.text)))
                .collect();
            parts.join(", ") + "."
        })
        .collect();
    if chains.is_empty() {
        doc.paragraph("No action or foundation result is linked to an effect yet.");
    }
    for chain in &chains {
        doc.item(chain);
    }

    doc.heading(2, "Open diagnostics");
    if report.diagnostics.is_empty() {
        doc.paragraph("None: the workspace checks clean.");
    }
    for (about, list) in &report.diagnostics {
        let heading = match about {
            Some(r) => format!("{} ({})", doc.user_heading(&r.text), doc.user_heading(&r.id)),
            None => "Not about one result".to_owned(),
        };
        doc.heading(3, &heading);
        for d in list {
            let mut line = format!(
                "{} {}[{}] {}",
                doc.user(&d.at),
                if d.error { "error" } else { "warning" },
                d.code,
                doc.user(&d.message)
            );
            if let Some(help) = &d.help {
                line.push_str(&format!(" (help: {})", doc.user(help)));
            }
            doc.item(&line);
        }
    }
    doc.text
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// The markdown or text document being written. Every string handed to it is already
/// in its format (user text escaped through `user`), except facts and refs, which it
/// escapes itself.
struct Doc {
    markdown: bool,
    text: String,
}

impl Doc {
    fn user(&self, text: &str) -> String {
        if self.markdown { escape_markdown(text) } else { text.to_owned() }
    }

    /// User text for a heading: in markdown a heading ends at `#`s, so `#` is escaped too.
    fn user_heading(&self, text: &str) -> String {
        let text = self.user(text);
        if !self.markdown {
            return text;
        }
        match text.strip_prefix("\\#") {
            Some(rest) => format!("\\#{}", rest.replace('#', "\\#")),
            None => text.replace('#', "\\#"),
        }
    }

    fn bold(&self, text: &str) -> String {
        if self.markdown { format!("**{text}**") } else { text.to_owned() }
    }

    fn heading(&mut self, level: usize, title: &str) {
        if !self.text.is_empty() {
            self.text.push('\n');
        }
        if self.markdown {
            self.text.push_str(&"#".repeat(level));
            self.text.push(' ');
            self.text.push_str(title);
            self.text.push('\n');
            return;
        }
        let lines = wrap(title, WIDTH);
        for line in &lines {
            self.text.push_str(line);
            self.text.push('\n');
        }
        let underline = match level {
            1 => '=',
            2 => '-',
            3 => '~',
            4 => '.',
            _ => return,
        };
        let width = lines.iter().map(|l| l.chars().count()).max().unwrap_or(0).min(WIDTH);
        self.text.extend(std::iter::repeat_n(underline, width));
        self.text.push('\n');
    }

    fn paragraph(&mut self, line: &str) {
        self.text.push('\n');
        self.block(line, "", "");
    }

    /// `Label: value` lines (a list in markdown).
    fn facts(&mut self, facts: &[(&'static str, String)]) {
        if facts.is_empty() {
            return;
        }
        self.text.push('\n');
        for (name, value) in facts {
            let line = format!("{} {}", self.bold(&format!("{name}:")), self.user(value));
            self.block(&line, "- ", "  ");
        }
    }

    fn refs(&mut self, name: &str, refs: &[(Ref, String)], none: &str) {
        let items: Vec<String> = refs
            .iter()
            .map(|(r, words)| {
                let mut item = format!("{} ({})", self.user(&r.text), self.user(&r.id));
                if !words.is_empty() {
                    item.push_str(&format!(": {}", self.user(words)));
                }
                item
            })
            .collect();
        self.list(name, &items, none);
    }

    /// `Name:` and its items, or `Name: none.`
    fn list(&mut self, name: &str, items: &[String], none: &str) {
        self.text.push('\n');
        let head = self.bold(&format!("{name}:"));
        if items.is_empty() {
            self.block(&format!("{head} {none}."), "", "");
            return;
        }
        self.text.push_str(&head);
        self.text.push('\n');
        for item in items {
            self.block(item, "- ", "  ");
        }
    }

    /// One item of a list that stands alone (after a heading or another item).
    fn item(&mut self, line: &str) {
        let last_was_item = self.text.rsplit('\n').nth(1).is_some_and(|l| l.starts_with("- ") || l.starts_with("  "));
        if !last_was_item {
            self.text.push('\n');
        }
        self.block(line, "- ", "  ");
    }

    /// `line` after `first` (its first line) or `rest`: wrapped at `WIDTH` in text, one
    /// line in markdown.
    fn block(&mut self, line: &str, first: &str, rest: &str) {
        if self.markdown {
            self.text.push_str(first);
            self.text.push_str(line);
            self.text.push('\n');
            return;
        }
        for (i, part) in wrap(line, WIDTH - first.len()).iter().enumerate() {
            self.text.push_str(if i == 0 { first } else { rest });
            self.text.push_str(part);
            self.text.push('\n');
        }
    }
}
