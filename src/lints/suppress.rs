//! Suppression comments (spec 5.1): `# strata: allow(code, ...)` on the line before an
//! item (or attribute) covers it, at the end of a line covers that line. Errors cannot be
//! suppressed; a comment that suppresses nothing is `unused-suppression`.

use crate::Workspace;
use crate::diagnostics::{Code, Diagnostic, Label, suggest};
use crate::source::{FileId, LineIndex, Loc, Span};
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
            let scope = scope(&source.text, &source.line_index, ast, span);
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

/// The byte range a suppression comment at `comment` covers: the item, nested item or
/// attribute starting on the next line (or that whole line) when the comment stands on
/// its own line; its own line when it ends a line of code. A diagnostic is covered when
/// its primary span starts inside, both ends included.
pub fn scope(text: &str, line_index: &LineIndex, ast: &Ast, comment: Span) -> Span {
    let line = line_index.line_of(comment.start as usize);
    let line_span = line_index.line_span(text, line);
    let own_line = text[line_span.start as usize..comment.start as usize].trim().is_empty();
    if own_line {
        let next = line_span.end as usize;
        let next_line = line_index.line_of(next.saturating_add(1).min(text.len()));
        let next_span = line_index.line_span(text, next_line);
        covering(ast, next_span).unwrap_or(next_span)
    } else {
        line_span
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
/// looked at, found by binary search: scanning every item for every comment made a
/// comment on each of 100,000 results quadratic (issue 17).
fn covering(ast: &Ast, line: Span) -> Option<Span> {
    fn in_decl(decl: &Decl, line: Span) -> Option<Span> {
        if decl.span.start >= line.start && decl.span.start <= line.end {
            return Some(decl.span);
        }
        if decl.span.start > line.end || decl.span.end < line.start {
            return None;
        }
        let block = decl.block.as_ref()?;
        near(&block.entries, line, entry_span).iter().find_map(|entry| match entry {
            Entry::Decl(nested) => in_decl(nested, line),
            Entry::Attribute(a) if a.span.start >= line.start && a.span.start <= line.end => Some(a.span),
            Entry::Attribute(_) => None,
        })
    }
    near(&ast.items, line, Item::span).iter().find_map(|item| match item {
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
fn near<T>(all: &[T], line: Span, span: impl Fn(&T) -> Span) -> &[T] {
    let first = all.partition_point(|t| span(t).end < line.start);
    let last = first + all[first..].partition_point(|t| span(t).start <= line.end);
    &all[first..last]
}

/// Drops the lint diagnostics a suppression covers, marking those suppressions used.
///
/// A diagnostic is suppressed by the first suppression (in the order collected) that
/// covers its start and names its code. The diagnostics are visited in order of
/// position with the suppressions whose scope holds that position kept at hand, so
/// each diagnostic looks only at the few scopes around it (nested items), not at every
/// suppression of the workspace.
pub fn apply(suppressions: &mut [Suppression], diags: &mut Vec<Diagnostic>) {
    if suppressions.is_empty() {
        return;
    }
    let key = |s: &Suppression| (s.comment.file, s.scope.start);
    let mut starts: Vec<usize> = (0..suppressions.len()).collect();
    starts.sort_by_key(|&i| key(&suppressions[i]));
    let mut order: Vec<usize> = (0..diags.len()).filter(|&i| !diags[i].code.is_error()).collect();
    order.sort_by_key(|&i| {
        let loc = diags[i].loc();
        (loc.file, loc.span.start)
    });
    let mut dropped = vec![false; diags.len()];
    let mut next = 0;
    let mut open: Vec<usize> = Vec::new();
    for i in order {
        let loc = diags[i].loc();
        while next < starts.len() && key(&suppressions[starts[next]]) <= (loc.file, loc.span.start) {
            open.push(starts[next]);
            next += 1;
        }
        open.retain(|&s| suppressions[s].comment.file == loc.file && loc.span.start <= suppressions[s].scope.end);
        let covering = open
            .iter()
            .filter_map(|&s| Some((s, suppressions[s].codes.iter().position(|c| *c == diags[i].code)?)))
            .min();
        if let Some((s, k)) = covering {
            suppressions[s].used[k] = true;
            dropped[i] = true;
        }
    }
    let mut at = 0;
    diags.retain(|_| {
        at += 1;
        !dropped[at - 1]
    });
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
