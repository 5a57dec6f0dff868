//! How a result is worded (PuMP): an outcome written as if already true, one focus, no
//! actions, no weasel words, no direction verbs (under `method: pump`), no targets.

use std::borrow::Cow;

use super::Lints;
use super::vocabulary::{ACTION_VERBS, Forms, Matcher, PROJECT_VERBS, Words, entry_key};
use crate::diagnostics::{Code, Diagnostic, Label};
use crate::sema::model::{Method, Model, ResultNode};
use crate::source::{Loc, Span};
use rustc_hash::FxHashMap;

pub struct Vocabularies {
    weasel: Matcher,
    action: Matcher,
    direction: Matcher,
    /// The action verbs that name a project (`method: bsc`): the configured action
    /// verbs but the defaults that can start a scorecard objective.
    project: Matcher,
}

impl Vocabularies {
    /// The vocabularies of `config`, built once for as long as the word lists stay the
    /// same: every workspace of a run (10,000 nested ones, issue 17) and every analysis
    /// of the language server mostly have the same lists, and building the matchers (every
    /// inflection of every word) was a tenth of checking 10,000 one-result workspaces.
    pub fn shared(config: &crate::config::Config) -> std::sync::Arc<Vocabularies> {
        type Lists = [Vec<String>; 3];
        static LAST: std::sync::Mutex<Option<(Lists, std::sync::Arc<Vocabularies>)>> = std::sync::Mutex::new(None);
        let same = |lists: &Lists| {
            lists[0] == config.weasel_words && lists[1] == config.action_verbs && lists[2] == config.direction_verbs
        };
        if let Ok(last) = LAST.lock()
            && let Some((lists, built)) = last.as_ref()
            && same(lists)
        {
            return built.clone();
        }
        let built = std::sync::Arc::new(Vocabularies::new(config));
        if let Ok(mut last) = LAST.lock() {
            let lists = [config.weasel_words.clone(), config.action_verbs.clone(), config.direction_verbs.clone()];
            *last = Some((lists, built.clone()));
        }
        built
    }

    pub fn new(config: &crate::config::Config) -> Vocabularies {
        let objective_verbs: Vec<String> =
            ACTION_VERBS.iter().filter(|verb| !PROJECT_VERBS.contains(verb)).map(|verb| entry_key(verb)).collect();
        let project: Vec<String> =
            config.action_verbs.iter().filter(|verb| !objective_verbs.contains(&entry_key(verb))).cloned().collect();
        Vocabularies {
            weasel: Matcher::new(&config.weasel_words, Forms::Inflected),
            action: Matcher::new(&config.action_verbs, Forms::BaseAndIng),
            direction: Matcher::new(&config.direction_verbs, Forms::Inflected),
            project: Matcher::new(&project, Forms::BaseAndIng),
        }
    }
}

/// Which of the wording lints' findings are shown under the map's method: all of them,
/// except under `method: bsc` only the `result-is-action` ones that start with a project
/// verb. The wording lints themselves do not read the method, so that what they found
/// stays valid when another file changes it (the language server keeps their findings
/// from one analysis to the next).
pub fn shown(workspace: &crate::Workspace, model: &Model, vocab: &Vocabularies, found: &[Diagnostic]) -> Vec<bool> {
    if model.method() != Method::Bsc || !found.iter().any(|d| d.code == Code::ResultIsAction) {
        return vec![true; found.len()];
    }
    let by_statement: FxHashMap<Loc, &ResultNode> = model.results.iter().map(|r| (r.statement.loc, r)).collect();
    let mut words = Words::default();
    let project = |diag: &Diagnostic| {
        if diag.code != Code::ResultIsAction {
            return true;
        }
        let Some(result) = by_statement.get(&diag.loc()) else { return true };
        words.split(&Statement::new(workspace, result).text);
        vocab.project.at(&words, 0).is_some()
    };
    found.iter().map(project).collect()
}

/// The wording lints of `results` (each reads only its result's own statement).
pub fn check(lints: &mut Lints<'_>, vocab: &Vocabularies, results: &[ResultNode]) {
    let mut words = Words::default();
    for result in results {
        let statement = Statement::new(lints.workspace, result);
        words.split(&statement.text);
        let whole = || Label::new(result.statement.loc, "the statement");
        let id = &result.id;

        if !words.is_empty() {
            if words.text(0) == "to" {
                let message = format!("result `{id}` is written as an aim (\"to ...\"), not as an outcome");
                let help = "state the outcome as if it were already true, e.g. \"Commuters choose us first\"";
                lints.push(Diagnostic::new(Code::ResultIsAction, whole(), message).with_help(help));
            } else if let Some(m) = vocab.action.at(&words, 0) {
                let verb = statement.words_text(&words, m.start, m.end);
                let message =
                    format!("result `{id}` starts with the action verb `{verb}`: it is an action, not a result");
                let help = "write the outcome the action should bring about, and declare the work itself as an `action` that links to it";
                lints.push(Diagnostic::new(Code::ResultIsAction, whole(), message).with_help(help));
            } else if let Some(m) = vocab.direction.at(&words, 0) {
                let verb = statement.words_text(&words, m.start, m.end);
                let message = format!("result `{id}` starts with the direction word `{verb}`");
                let help = "write the result as if it were already true (\"Revenue from new products grows every quarter\"), and put the direction on a measure";
                lints.push(Diagnostic::new(Code::DirectionWord, whole(), message).with_help(help));
            }
        }

        for m in vocab.weasel.all(&words) {
            let word = statement.words_text(&words, m.start, m.end);
            let loc = statement.loc(words[m.start].start, words[m.end - 1].end);
            let message = format!("result `{id}` uses the weasel word `{word}`");
            let help = format!(
                "say what `{word}` would look like if it were true, in words a stranger could observe and measure"
            );
            lints.push(Diagnostic::new(Code::WeaselWord, Label::new(loc, "weasel word"), message).with_help(help));
        }

        // Lowercase keeps ASCII digits and makes no others.
        let number = (0..words.len()).find_map(|i| {
            let word = words[i];
            if statement.text.as_bytes()[word.start].is_ascii_digit() {
                Some((word, "number"))
            } else {
                prefixed_period(words.text(i)).then_some((word, "period"))
            }
        });
        if let Some((number, what)) = number {
            let shown = &statement.text[number.start..number.end];
            let message = format!("result `{id}` contains the {what} `{shown}`: targets belong on measures");
            let help = "remove the number, date or percentage from the statement and put it on a measure as a `target: ... by ...`";
            lints.push(Diagnostic::new(Code::TargetInResult, whole(), message).with_help(help));
        }

        if let Some(joiner) = super::focus::joined(&statement.text) {
            let message = format!("result `{id}` joins two outcomes with `{joiner}`");
            let help = "split it into two results, one focus each, and link them if one causes the other";
            lints.push(Diagnostic::new(Code::MultipleFocus, whole(), message).with_help(help));
        }
    }
}

/// A period written with a prefix, as plans write them: a financial or calendar year
/// (`FY2030`, `FY27`, `CY2026`), a quarter (`Q3`) or a half year (`H1`). Given lowercase.
fn prefixed_period(word: &str) -> bool {
    let digits = |d: &str| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit());
    if let Some(year) = word.strip_prefix("fy").or_else(|| word.strip_prefix("cy")) {
        return digits(year) && matches!(year.len(), 2 | 4);
    }
    matches!(word, "q1" | "q2" | "q3" | "q4" | "h1" | "h2")
}

/// A result's statement decoded, with a map from its byte offsets back to the source.
struct Statement<'a> {
    text: Cow<'a, str>,
    /// `source[i]` is the source offset of the statement's byte `i` (and one past the
    /// end); `None` when the statement has no escapes and is the source from `base` on.
    source: Option<Vec<usize>>,
    base: usize,
    file: crate::source::FileId,
}

impl<'a> Statement<'a> {
    fn new(workspace: &'a crate::Workspace, result: &ResultNode) -> Statement<'a> {
        let loc = result.statement.loc;
        let file = &workspace.files[loc.file.0 as usize];
        let raw = file.slice(loc.span);
        let body_start = loc.span.start as usize + 1;
        let body = raw.get(1..).unwrap_or("");
        let body = body.strip_suffix('"').filter(|b| !b.ends_with('\\') || b.ends_with("\\\\")).unwrap_or(body);
        if !body.contains('\\') {
            return Statement { text: Cow::Borrowed(body), source: None, base: body_start, file: loc.file };
        }
        let mut text = String::with_capacity(body.len());
        let mut source = Vec::with_capacity(body.len() + 1);
        let mut chars = body.char_indices().peekable();
        while let Some((i, ch)) = chars.next() {
            let decoded = if ch == '\\' {
                match chars.next() {
                    Some((_, 'n')) => '\n',
                    Some((_, 't')) => '\t',
                    Some((_, 'u')) => {
                        let mut hex = String::new();
                        while let Some(&(_, c)) = chars.peek() {
                            chars.next();
                            if c == '}' {
                                break;
                            }
                            if c != '{' {
                                hex.push(c);
                            }
                        }
                        u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32).unwrap_or('\u{FFFD}')
                    }
                    Some((_, other)) => other,
                    None => '\\',
                }
            } else {
                ch
            };
            for _ in 0..decoded.len_utf8() {
                source.push(body_start + i);
            }
            text.push(decoded);
        }
        source.push(body_start + body.len());
        Statement { text: Cow::Owned(text), source: Some(source), base: body_start, file: loc.file }
    }

    fn loc(&self, start: usize, end: usize) -> Loc {
        let at = |i: usize| match &self.source {
            Some(source) => source.get(i).copied().unwrap_or(0),
            None if i <= self.text.len() => self.base + i,
            None => 0,
        };
        Loc::new(self.file, Span::new(at(start), at(end)))
    }

    /// The words `[from, to)` as written, each run of whitespace between them (a line
    /// break, a tab, a no-break space) shown as one space.
    fn words_text(&self, words: &Words, from: usize, to: usize) -> String {
        let text = &self.text[words[from].start..words[to - 1].end];
        let mut shown = String::with_capacity(text.len());
        for (i, part) in text.split(char::is_whitespace).filter(|p| !p.is_empty()).enumerate() {
            if i > 0 {
                shown.push(' ');
            }
            shown.push_str(part);
        }
        shown
    }
}

#[cfg(test)]
mod tests {
    use super::prefixed_period;

    #[test]
    fn prefixed_periods() {
        for yes in ["fy2030", "fy27", "cy2026", "q1", "q4", "h1", "h2"] {
            assert!(prefixed_period(yes), "{yes}");
        }
        for no in ["fy", "fy203", "fy2030s", "q5", "q12", "h3", "h2o", "quality", "hq"] {
            assert!(!prefixed_period(no), "{no}");
        }
    }
}
