//! Suppression comments (spec 5.1): `# strata: allow(code, ...)` on the line before an
//! item (or attribute) covers it, at the end of a line covers that line. Errors cannot be
//! suppressed; a comment that suppresses nothing is `unused-suppression`.

use crate::Workspace;
use crate::diagnostics::{Code, Diagnostic, Label, suggest};
use crate::source::{FileId, LineIndex, Loc, Span, gallop};
use crate::syntax::ast::{Ast, Decl, Entry, Item};

/// One parsed suppression comment.
pub struct Suppression {
    pub comment: Loc,
    pub codes: Vec<Code>,
    /// Where each of `codes` is written in the comment.
    pub names: Vec<Span>,
    /// The byte range of the file it covers.
    pub scope: Span,
    /// Whether each of `codes` suppressed something.
    pub used: Vec<bool>,
}

/// Finds every suppression comment; reports the ones naming unknown codes or errors.
pub fn collect(workspace: &Workspace, asts: &[Ast], out: &mut Vec<Diagnostic>) -> Vec<Suppression> {
    let mut found = Vec::new();
    for (i, ast) in asts.iter().enumerate() {
        let file = FileId(i as u32);
        let source = &workspace.files[i];
        let mut scopes = Scopes::new(&source.text, &source.line_index, ast);
        for &span in ast.comments.iter() {
            let text = source.slice(span);
            let Some(list) = allow_list(text) else { continue };
            let comment = Loc::new(file, span);
            let mut codes = Vec::new();
            let mut names = Vec::new();
            // `list` is a slice of `text`, so each name's offset in the file follows.
            let list_at = span.start as usize + (list.as_ptr() as usize - text.as_ptr() as usize);
            for (offset, name) in names_in(list) {
                match Code::from_name(name) {
                    Some(code) if code.is_error() => {
                        let message = format!("`{name}` is an error, and errors cannot be suppressed");
                        let help = "fix the error instead; only lints can be allowed";
                        out.push(
                            Diagnostic::new(
                                Code::InvalidSuppression,
                                Label::new(comment, "cannot suppress an error"),
                                message,
                            )
                            .with_help(help),
                        );
                    }
                    Some(code) => {
                        codes.push(code);
                        names.push(Span::new(list_at + offset, list_at + offset + name.len()));
                    }
                    None => {
                        let lints = Code::ALL.iter().filter(|c| !c.is_error()).map(|c| c.name());
                        let help = match suggest(name, lints) {
                            Some(close) => format!("did you mean `{close}`?"),
                            None => "`strata explain --list` lists every lint".to_owned(),
                        };
                        let message = format!("unknown lint `{name}` in a suppression comment");
                        out.push(
                            Diagnostic::new(Code::InvalidSuppression, Label::new(comment, "unknown lint"), message)
                                .with_help(help),
                        );
                    }
                }
            }
            if codes.is_empty() {
                continue;
            }
            let scope = scopes.scope(span);
            let used = vec![false; codes.len()];
            found.push(Suppression { comment, codes, names, scope, used });
        }
    }
    found
}

/// The lints a comment allows, if it is a suppression comment (`None` for any other
/// comment); unknown names and errors, which `collect` reports, are left out. The
/// formatter asks this too, so that both agree on what a suppression comment is.
pub fn allowed_lints(comment: &str) -> Option<Vec<Code>> {
    let list = allow_list(comment)?;
    let codes = list.split(',').filter_map(|name| Code::from_name(name.trim())).filter(|code| !code.is_error());
    Some(codes.collect())
}

/// The scopes of the suppression comments of one file, asked in source order: each
/// looks among the items from where the last one's search stopped, so a file with a
/// comment before each of its 10,000 items costs one pass over them, not a search per
/// comment (a tenth of a keystroke on such a file in the language server, issue 17).
pub struct Scopes<'a> {
    text: &'a str,
    line_index: &'a LineIndex,
    ast: &'a Ast,
    /// No item before this one ends after the next comment's line starts.
    next: usize,
    /// The last comment's line: the next comment's is at or after it.
    line: usize,
}

impl<'a> Scopes<'a> {
    pub fn new(text: &'a str, line_index: &'a LineIndex, ast: &'a Ast) -> Scopes<'a> {
        Scopes { text, line_index, ast, next: 0, line: 0 }
    }

    /// The byte range a suppression comment at `comment` covers: the item, nested item or
    /// attribute starting on the next line (or that whole line) when the comment stands on
    /// its own line; its own line when it ends a line of code. A diagnostic is covered when
    /// its primary span starts inside, both ends included.
    ///
    /// `comment` comes after the comments asked about before.
    pub fn scope(&mut self, comment: Span) -> Span {
        let (text, line_index) = (self.text, self.line_index);
        // Found from the last comment's line on: a binary search of every line start per
        // comment was most of collecting 10,000 suppressions (issue 17).
        let line = line_index.line_of_from(self.line, comment.start as usize);
        self.line = line;
        let line_span = line_index.line_span(text, line);
        let own_line = text[line_span.start as usize..comment.start as usize].trim().is_empty();
        if own_line {
            // The line after (the last line has none: then its own). Not the line of the
            // byte after this one's end, which is its `\n` when it ends in `\r\n`.
            let next_line = (line + 1).min(line_index.line_count().saturating_sub(1));
            let next_span = line_index.line_span(text, next_line);
            covering(self.ast, next_span, &mut self.next).unwrap_or(next_span)
        } else {
            line_span
        }
    }
}

/// The names of a list `a, b`, each with its byte offset in the list.
fn names_in(list: &str) -> impl Iterator<Item = (usize, &str)> {
    list.split(',')
        .scan(0, |at, part| {
            let start = *at;
            *at += part.len() + 1;
            let name = part.trim();
            let lead = part.len() - part.trim_start().len();
            Some((start + lead, name))
        })
        .filter(|(_, name)| !name.is_empty())
}

/// `strata: allow(a, b)` after the `#`, with anything after the `)`.
fn allow_list(comment: &str) -> Option<&str> {
    let rest = comment.strip_prefix('#')?.trim_start().strip_prefix("strata:")?.trim_start();
    let rest = rest.strip_prefix("allow")?.trim_start().strip_prefix('(')?;
    Some(&rest[..rest.find(')')?])
}

/// The span of the item, nested item or attribute that starts on `line`.
///
/// Items and block entries are in source order, so only those that reach `line` are
/// looked at, found by galloping from `from` (the top-level items) or from the block's
/// start: scanning every item for every comment made a comment on each of 100,000
/// results quadratic (issue 17). `from` moves on to where the search stopped.
fn covering(ast: &Ast, line: Span, from: &mut usize) -> Option<Span> {
    fn in_decl(decl: &Decl, line: Span) -> Option<Span> {
        if decl.span.start >= line.start && decl.span.start <= line.end {
            return Some(decl.span);
        }
        if decl.span.start > line.end || decl.span.end < line.start {
            return None;
        }
        let block = decl.block.as_ref()?;
        block.entries[near(&block.entries, 0, line, entry_span)].iter().find_map(|entry| match entry {
            Entry::Decl(nested) => in_decl(nested, line),
            Entry::Attribute(a) if a.span.start >= line.start && a.span.start <= line.end => Some(a.span),
            Entry::Attribute(_) => None,
        })
    }
    let run = near(&ast.items, *from, line, Item::span);
    // The next comment's line starts after this one's: what ends before this one's
    // ends before that one's.
    *from = run.start;
    ast.items[run].iter().find_map(|item| match item {
        Item::Decl(decl) => in_decl(decl, line),
        Item::Link(link) if link.span.start >= line.start && link.span.start <= line.end => Some(link.span),
        Item::Link(link) if link.span.start < line.start && link.span.end > line.start => {
            link.block.iter().flat_map(|b| &b.entries).find_map(|e| match e {
                Entry::Attribute(a) if a.span.start >= line.start && a.span.start <= line.end => Some(a.span),
                _ => None,
            })
        }
        Item::Link(_) => None,
    })
}

fn entry_span(entry: &Entry) -> Span {
    match entry {
        Entry::Attribute(a) => a.span,
        Entry::Decl(d) => d.span,
    }
}

/// The run of `all` (in source order and not overlapping, as the parser makes items
/// and entries, recovering from errors or not) whose spans may reach `line`: everything
/// ending before it or starting after it is left out, as `covering` would pass over it.
/// Nothing before `from` reaches it. Searched outwards from `from` (a gallop), so a
/// run near `from` costs steps in the distance to it, not in the length of `all`.
fn near<T>(all: &[T], from: usize, line: Span, span: impl Fn(&T) -> Span) -> std::ops::Range<usize> {
    let first = gallop(all, from.min(all.len()), |t| span(t).end < line.start);
    let last = gallop(all, first, |t| span(t).start <= line.end);
    first..last
}

/// Which of `diags` a suppression covers (errors never are), marking those suppressions
/// used. Only a mask: the caller keeps what it owns, so that findings kept from one
/// analysis to the next are not copied to be dropped (10,000 suppressed results in the
/// language server, issue 17).
///
/// A diagnostic is suppressed by the first suppression (in the order collected) that
/// covers its start and names its code. The diagnostics are visited in order of
/// position with the suppressions whose scope holds that position kept at hand, so
/// each diagnostic looks only at the few scopes around it (nested items), not at every
/// suppression of the workspace.
pub fn covered(suppressions: &mut [Suppression], diags: &[&Diagnostic]) -> Vec<bool> {
    let mut covered = vec![false; diags.len()];
    if suppressions.is_empty() {
        return covered;
    }
    let key = |s: &Suppression| (s.comment.file, s.scope.start);
    let mut starts: Vec<usize> = (0..suppressions.len()).collect();
    starts.sort_by_key(|&i| key(&suppressions[i]));
    let mut order: Vec<(FileId, u32, usize)> = (diags.iter().enumerate())
        .filter(|(_, d)| !d.code.is_error())
        .map(|(i, d)| (d.loc().file, d.loc().span.start, i))
        .collect();
    order.sort_unstable();
    let mut next = 0;
    let mut open: Vec<usize> = Vec::new();
    for (file, start, i) in order {
        while next < starts.len() && key(&suppressions[starts[next]]) <= (file, start) {
            open.push(starts[next]);
            next += 1;
        }
        open.retain(|&s| suppressions[s].comment.file == file && start <= suppressions[s].scope.end);
        let covering = open
            .iter()
            .filter_map(|&s| Some((s, suppressions[s].codes.iter().position(|c| *c == diags[i].code)?)))
            .min();
        if let Some((s, k)) = covering {
            suppressions[s].used[k] = true;
            covered[i] = true;
        }
    }
    covered
}

/// `unused-suppression` for every code of a comment that suppressed nothing (spec
/// section 5, v2), at the code's name in the comment.
pub fn unused(suppressions: &[Suppression], out: &mut Vec<Diagnostic>) {
    for s in suppressions {
        let nothing = s.used.iter().all(|used| !used);
        for ((code, name), _) in s.codes.iter().zip(&s.names).zip(&s.used).filter(|(_, used)| !**used) {
            let at = Loc::new(s.comment.file, *name);
            let (message, help) = if nothing {
                (
                    format!("this suppression of `{}` suppresses nothing", code.name()),
                    "remove the comment, or move it to the line just before the item it is meant for".to_owned(),
                )
            } else {
                (
                    format!("`{}` in this suppression suppresses nothing", code.name()),
                    format!("remove `{}` from the list; the other lints it names are still needed", code.name()),
                )
            };
            out.push(
                Diagnostic::new(Code::UnusedSuppression, Label::new(at, "suppresses nothing"), message).with_help(help),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    /// The scopes of every suppression comment of `text`, asked in order as `collect`
    /// asks them, each as the text it covers.
    fn scopes(text: &str) -> Vec<&str> {
        let ast = crate::syntax::parse(FileId(0), text, &mut Vec::new());
        let line_index = LineIndex::new(text);
        let mut scopes = Scopes::new(text, &line_index, &ast);
        let comments = ast.comments.iter().filter(|c| allow_list(&text[c.range()]).is_some());
        comments.map(|&c| &text[scopes.scope(c).range()]).collect()
    }

    #[test]
    fn comments_in_order_each_cover_the_item_after_them_however_many_share_a_block() {
        let first = "measure m1 \"Repeat visits\" {\n    unit: \"%\"\n  }";
        let second = "measure m2 \"Visits a month\" {\n    unit: \"visits\"\n  }";
        let text = format!(
            "result a \"Regulars come back\" {{\n  # strata: allow(missing-owner)\n  {first}\n  # strata: allow(missing-owner)\n  {second}\n}}\n\n# strata: allow(isolated-result)\nresult b \"Queues are short\"\n"
        );
        assert_eq!(scopes(&text), [first, second, "result b \"Queues are short\""]);
    }
}
