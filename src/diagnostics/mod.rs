//! The `Diagnostic` value every stage produces, and the one registry of codes.
//!
//! A problem in the user's text is always a `Diagnostic`, never an `Err` or a panic.
//! Rendering (terminal, JSON, SARIF, LSP) happens at the edges from this plain data.

mod registry;
pub mod render;

pub use registry::{Code, Kind, Level};

use crate::source::Loc;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// A span with an optional message saying what this span is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub loc: Loc,
    pub message: Option<String>,
}

impl Label {
    pub fn new(loc: Loc, message: impl Into<String>) -> Label {
        Label { loc, message: Some(message.into()) }
    }

    pub fn bare(loc: Loc) -> Label {
        Label { loc, message: None }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: Code,
    /// For lints this is set from the configured level once analysis is over.
    pub severity: Severity,
    /// Lowercase, no trailing period, names in backticks.
    pub message: String,
    pub primary: Label,
    pub secondary: Vec<Label>,
    /// An imperative suggestion: how to fix it.
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn new(code: Code, primary: Label, message: impl Into<String>) -> Diagnostic {
        let severity = match code.kind() {
            Kind::Error => Severity::Error,
            Kind::Lint(_) => Severity::Warning,
        };
        Diagnostic { code, severity, message: message.into(), primary, secondary: Vec::new(), help: None }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    pub fn with_label(mut self, label: Label) -> Diagnostic {
        self.secondary.push(label);
        self
    }

    pub fn loc(&self) -> Loc {
        self.primary.loc
    }
}

/// Sort by file, then position, then code, as spec section 7.1 requires.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    let key =
        |d: &Diagnostic| (d.primary.loc.file, d.primary.loc.span.start, d.code.name_order(), d.primary.loc.span.end);
    diagnostics.sort_by(|a, b| key(a).cmp(&key(b)).then_with(|| a.message.cmp(&b.message)));
}

/// Finds the closest of `candidates` to `name`, for "did you mean" help.
pub fn suggest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lowered: Vec<(String, &str)> = candidates.into_iter().map(|c| (c.to_lowercase(), c)).collect();
    suggest_lowered(name, lowered.iter().map(|(lower, c)| (lower.as_str(), *c)))
}

/// `suggest` over candidates given with their lowercase (`(lowercase, candidate)`), for
/// a caller that asks about many names among the same candidates: each is lowercased
/// once, not once per name.
pub fn suggest_lowered<'l, 'a>(
    name: &str,
    candidates: impl IntoIterator<Item = (&'l str, &'a str)>,
) -> Option<&'a str> {
    let lower = name.to_lowercase();
    let chars = name.chars().count();
    let mut best: Option<(f64, &str)> = None;
    for (lowered, candidate) in candidates {
        if candidate == name {
            continue;
        }
        let score = strsim::jaro_winkler(&lower, lowered);
        let close = score >= 0.85 || {
            let distance = strsim::levenshtein(name, candidate);
            distance <= 2 && distance < chars.max(2)
        };
        if close && best.is_none_or(|(s, c)| score > s || (score == s && candidate < c)) {
            best = Some((score, candidate));
        }
    }
    best.map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::suggest;

    #[test]
    fn suggests_close_names_only() {
        let ids = ["profit", "loyal", "customer"];
        assert_eq!(suggest("proft", ids), Some("profit"));
        assert_eq!(suggest("custmer", ids), Some("customer"));
        assert_eq!(suggest("loyl", ids), Some("loyal"));
        assert_eq!(suggest("zebra", ids), None);
    }
}
