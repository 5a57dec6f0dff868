//! The HTML report: one self-contained file, written with maud templates (every
//! interpolated string is escaped by maud; the only markup inserted as is comes from
//! `layout::svg` and `chart.rs`, which escape their own text). No script, no external
//! style, font or image, and a Content-Security-Policy that forbids fetching anything,
//! so the file can be mailed, archived or printed to PDF as it is.

use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::{CSP, Input, MeasurePart, Ref, Report, chart, result_anchor};

/// The style sheet: plain, readable, and clean when printed ("Save as PDF").
const CSS: &str = r#"
:root { color-scheme: light; }
body { font-family: Helvetica, Arial, "Liberation Sans", sans-serif; color: #0f172a; margin: 0 auto;
  max-width: 1100px; padding: 24px; line-height: 1.45; }
h1 { margin-bottom: 4px; }
h2 { border-bottom: 2px solid #cbd5e1; padding-bottom: 4px; margin-top: 40px; }
h3 { margin-top: 28px; color: #334155; }
a { color: #1d4ed8; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 8px 0; }
dl.facts dt { font-weight: bold; color: #475569; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
nav ol { columns: 2; column-gap: 3.5em; } nav li { break-inside: avoid; }
.map { overflow: auto; max-height: 85vh; border: 1px solid #e2e8f0; }
.map svg { display: block; }
article.result, article.action { border-top: 1px solid #e2e8f0; padding-top: 8px; margin-top: 20px; }
article h4 { font-size: 1.15em; margin: 6px 0; overflow-wrap: anywhere; }
.id { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 0.85em; color: #475569; }
section.measure { margin: 14px 0 14px 12px; padding-left: 12px; border-left: 3px solid #e2e8f0; }
section.measure h5 { font-size: 1em; margin: 4px 0; overflow-wrap: anywhere; }
.evidence { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
.evidence figure { margin: 0; }
.evidence svg { max-width: 100%; height: auto; }
.reading { flex: 1 1 260px; font-size: 0.92em; }
.reading ul { padding-left: 18px; margin: 4px 0; }
.diagnostics li { margin: 4px 0; overflow-wrap: anywhere; }
.severity { font-weight: bold; }
p, li { overflow-wrap: anywhere; }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  nav { display: none; }
  a { color: inherit; text-decoration: none; }
  .map { overflow: visible; max-height: none; border: none; }
  .map svg { max-width: 100%; height: auto; }
  h2 { break-after: avoid; }
  h3, h4, h5 { break-after: avoid; }
  section.measure, .evidence, figure { break-inside: avoid; }
  #map { break-after: page; }
}
@page { margin: 14mm; }
"#;

pub(super) fn write(input: &Input<'_>, report: &Report) -> String {
    let map = crate::layout::svg::linked(input.model, &result_anchor);
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta http-equiv="Content-Security-Policy" content=(CSP);
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="generator" content="strata report";
                title { "Performance report: " (report.title) }
                style { (PreEscaped(CSS)) (PreEscaped(chart::CSS)) }
            }
            body {
                (PreEscaped(chart::DEFS))
                header {
                    h1 { (report.title) }
                    @if report.named { p { "Performance report" } }
                    @if !report.facts.is_empty() {
                        dl.facts {
                            @for (name, value) in &report.facts { dt { (name) } dd { (value) } }
                        }
                    }
                    p.summary {
                        "Open diagnostics: " a href="#diagnostics" {
                            (plural(report.errors, "error")) ", " (plural(report.warnings, "warning"))
                        }
                    }
                }
                nav aria-label="Contents" {
                    h2 { "Contents" }
                    ol {
                        li { a href="#map" { "The map" } }
                        @for layer in &report.layers {
                            @for result in &layer.results {
                                li { (link(&result.me)) }
                            }
                        }
                        li { a href="#actions" { "Actions" } }
                        li { a href="#story" { "The story" } }
                        li { a href="#diagnostics" { "Open diagnostics" } }
                    }
                }
                section #map {
                    h2 { "The map" }
                    p { "Each result is a link to its section below." }
                    div.map { (PreEscaped(map)) }
                }
                section #results {
                    h2 { "Results" }
                    @if report.layers.iter().all(|l| l.results.is_empty()) {
                        p { "The map has no result yet." }
                    }
                    @for layer in &report.layers {
                        h3 { (layer.title.as_deref().unwrap_or("Results without a layer")) }
                        @if let Some(note) = &layer.note { p { (note) } }
                        @if layer.results.is_empty() { p { "No result in this layer yet." } }
                        @for result in &layer.results {
                            article.result id=(result.me.anchor) {
                                h4 { (result.me.text) " " span.id { "(" (result.me.id) ")" } }
                                dl.facts {
                                    @for (name, value) in &result.facts[1..] { dt { (name) } dd { (value) } }
                                    dt { "Because" }
                                    dd { (refs(&result.causes, "nothing on the map causes it yet")) }
                                    dt { "So that" }
                                    dd {
                                        (refs(&result.effects, if result.top { "it is an ultimate result" } else { "nothing on the map follows from it yet" }))
                                    }
                                }
                                @if result.measures.is_empty() { p { strong { "Measures:" } " none yet." } }
                                @for measure in &result.measures { (measure_section(input, measure)) }
                            }
                        }
                    }
                }
                section #actions {
                    h2 { "Actions" }
                    @if report.actions.is_empty() { p { "No action on the map yet." } }
                    @for action in &report.actions {
                        article.action id=(action.me.anchor) {
                            h4 { (action.me.text) " " span.id { "(" (action.me.id) ")" } }
                            dl.facts {
                                @for (name, value) in &action.facts[1..] { dt { (name) } dd { (value) } }
                                dt { "Moves" }
                                dd { (refs(&action.effects, "no result yet")) }
                            }
                        }
                    }
                }
                section #story {
                    h2 { "The story: if … then …" }
                    @if report.chains.is_empty() { p { "No action or foundation result is linked to an effect yet." } }
                    ul {
                        @for chain in &report.chains {
                            li {
                                @for (i, r) in chain.iter().enumerate() {
                                    (if i == 0 { "If " } else { ", then " }) (link(r))
                                }
                                "."
                            }
                        }
                    }
                }
                section #diagnostics .diagnostics {
                    h2 { "Open diagnostics" }
                    @if report.diagnostics.is_empty() { p { "None: the workspace checks clean." } }
                    @for (about, list) in &report.diagnostics {
                        h3 {
                            @match about {
                                Some(r) => { (link(r)) }
                                None => { "Not about one result" }
                            }
                        }
                        ul {
                            @for d in list {
                                li {
                                    span.severity { (if d.error { "error" } else { "warning" }) }
                                    " [" (d.code) "] " (d.message) " "
                                    span.id { (d.at) }
                                    @if let Some(help) = &d.help { br; "help: " (help) }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    let mut text = page.into_string();
    text.push('\n');
    text
}

fn measure_section(input: &Input<'_>, measure: &MeasurePart) -> Markup {
    let chart_title = format!("XmR chart of {}", measure.title);
    let svg = match (&measure.reading, input.model.measures.get(measure.index), input.evidence.get(measure.index)) {
        (Some(_), Some(m), Some(Some(data))) => Some(chart::svg(m, data, &chart_title)),
        _ => None,
    };
    html! {
        section.measure id=(measure.anchor) {
            h5 { "Measure: " (measure.title) }
            dl.facts { @for (name, value) in &measure.facts { dt { (name) } dd { (value) } } }
            @match &measure.reading {
                Some(reading) => {
                    div.evidence {
                        @if let Some(svg) = svg { figure { (PreEscaped(svg)) } }
                        div.reading {
                            p { strong { "Latest: " } (reading.latest) }
                            @if reading.invalid {
                                p { "Some of the data could not be read: see the diagnostics." }
                            }
                            p { strong { "Limits:" } }
                            @if reading.segments.is_empty() { p { "no values yet." } }
                            ul { @for s in &reading.segments { li { (s) } } }
                            p { strong { "Signals:" } }
                            @if reading.signals.is_empty() { p { "none: only routine variation." } }
                            ul.signals { @for s in &reading.signals { li { (s) } } }
                        }
                    }
                }
                None => { p { strong { "Data:" } " no data yet." } }
            }
        }
    }
}

fn link(r: &Ref) -> Markup {
    html! { a href={ "#" (r.anchor) } { (r.text) } }
}

fn refs(list: &[(Ref, String)], none: &str) -> Markup {
    html! {
        @if list.is_empty() { (none) "." } @else {
            ul {
                @for (r, words) in list {
                    li { (link(r)) @if !words.is_empty() { ": " (words) } }
                }
            }
        }
    }
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}
