//! Certain fixes (spec section 7, `strata check --fix`): the edits that need no human
//! judgement, computed from a diagnostic and its file's text, pure. The language server
//! offers each as its preferred quick fix and `check --fix` applies them, both through
//! `certain`, so the two cannot drift.
//!
//! A fix is certain when the diagnostic itself names the one replacement:
//! - a "did you mean `X`?" help (one candidate: an unknown reference, attribute, value,
//!   item keyword or suppressed code), which replaces the misspelt name;
//! - a plain number where a percentage is required (`share: 35`), which gains its `%`.
//!
//! Other quick fixes (adding a measure's missing attributes with placeholder values,
//! turning a result into an action, declaring a stub, suppressing a lint, removing an
//! unused suppression) change what the map says, so only a person applies them.

use crate::diagnostics::{Code, Diagnostic};
use crate::source::{SourceFile, Span};

/// One edit of one file: replace `span` with `text`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    pub span: Span,
    pub text: String,
    /// What the edit does, as a quick fix's title: "Replace `proft` with `profit`".
    pub title: String,
}

/// The certain fix of `diag`, whose primary location is in `source`; `None` when it has
/// none.
pub fn certain(source: &SourceFile, diag: &Diagnostic) -> Option<Fix> {
    did_you_mean(source, diag).or_else(|| percent(source, diag))
}

/// The text between the first pair of backticks after "did you mean".
pub fn suggestion(help: &str) -> Option<&str> {
    let rest = &help[help.find("did you mean `")? + "did you mean `".len()..];
    Some(&rest[..rest.find('`')?])
}

fn did_you_mean(source: &SourceFile, diag: &Diagnostic) -> Option<Fix> {
    let new = diag.help.as_deref().and_then(suggestion)?;
    let mut span = diag.loc().span;
    if diag.code == Code::InvalidSuppression {
        // The label covers the whole comment: replace the unknown name inside it.
        let old = diag.message.split('`').nth(1)?;
        let at = source.slice(span).find(old)?;
        span = Span::new(span.start as usize + at, span.start as usize + at + old.len());
    }
    let old = source.slice(span);
    if old.is_empty() || old.contains(char::is_whitespace) || new.is_empty() || new.contains(char::is_whitespace) {
        return None;
    }
    Some(Fix { span, text: new.to_owned(), title: format!("Replace `{old}` with `{new}`") })
}

/// `share: 35` -> `share: 35%`: the help of a plain number where a percentage is
/// required says so (`sema::attributes`, "add `%`").
fn percent(source: &SourceFile, diag: &Diagnostic) -> Option<Fix> {
    if diag.code != Code::InvalidValue || !diag.help.as_deref()?.starts_with("add `%`") {
        return None;
    }
    let span = diag.loc().span;
    let old = source.slice(span);
    let number = old.strip_prefix('-').unwrap_or(old);
    if number.is_empty() || !number.chars().all(|c| c.is_ascii_digit() || c == '.' || c == '_') {
        return None;
    }
    Some(Fix { span, text: format!("{old}%"), title: format!("Write `{old}%`") })
}

/// Applies `fixes` to `text`. Fixes are taken in order of position (then length, then
/// text), and one that overlaps a fix already taken, or inserts at the same place, is
/// left out: of two fixes of the same span, the same one is always applied. Returns the
/// new text and the fixes applied, in order.
pub fn apply(text: &str, mut fixes: Vec<Fix>) -> (String, Vec<Fix>) {
    fixes.sort_by(|a, b| (a.span.start, a.span.end, &a.text).cmp(&(b.span.start, b.span.end, &b.text)));
    let mut applied: Vec<Fix> = Vec::new();
    for fix in fixes {
        let valid = text.get(fix.span.range()).is_some();
        let clashes =
            applied.last().is_some_and(|last| fix.span.start < last.span.end || fix.span.start == last.span.start);
        if valid && !clashes {
            applied.push(fix);
        }
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for fix in &applied {
        out.push_str(&text[at..fix.span.start as usize]);
        out.push_str(&fix.text);
        at = fix.span.end as usize;
    }
    out.push_str(&text[at..]);
    (out, applied)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    fn fixes_of(text: &str) -> Vec<Fix> {
        let source = SourceFile::new("a.strata", text);
        let analysis = crate::check(&crate::Workspace { files: vec![source.clone()], ..Default::default() });
        analysis.diagnostics.iter().filter_map(|d| certain(&source, d)).collect()
    }

    #[test]
    fn reads_suggestions() {
        assert_eq!(suggestion("did you mean `profit`?"), Some("profit"));
        assert_eq!(suggestion("did you mean `up`? a direction is one of `up` or `down`"), Some("up"));
        assert_eq!(suggestion("declare a result `x`"), None);
    }

    #[test]
    fn a_misspelt_reference_and_a_plain_share() {
        let text = "group g \"Regulars\" { intent: grow share: 35 }\nresult profit \"Profit grows\"\nresult loyal \"Regulars return\" { for: g }\nloyal -> proft\n";
        let fixes = fixes_of(text);
        let titles: Vec<&str> = fixes.iter().map(|f| f.title.as_str()).collect();
        assert_eq!(titles, ["Write `35%`", "Replace `proft` with `profit`"]);
        let (fixed, applied) = apply(text, fixes);
        assert_eq!(applied.len(), 2);
        assert!(fixed.contains("share: 35%") && fixed.contains("loyal -> profit\n"), "{fixed}");
        assert!(fixes_of(&fixed).is_empty());
    }

    #[test]
    fn of_two_fixes_on_one_span_the_same_is_applied() {
        let fix = |start: usize, end: usize, text: &str| Fix {
            span: Span::new(start, end),
            text: text.to_owned(),
            title: String::new(),
        };
        let text = "abcdef";
        for order in
            [vec![fix(1, 3, "X"), fix(1, 3, "Y"), fix(2, 4, "Z")], vec![fix(2, 4, "Z"), fix(1, 3, "Y"), fix(1, 3, "X")]]
        {
            let (out, applied) = apply(text, order);
            assert_eq!(out, "aXdef");
            assert_eq!(applied.len(), 1);
        }
        // Two insertions at one place: one. A span past the end: none.
        let (out, _) = apply(text, vec![fix(6, 6, "!"), fix(6, 6, "?"), fix(5, 9, "no")]);
        assert_eq!(out, "abcdef!");
    }
}
