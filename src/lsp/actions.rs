//! Quick fixes for the diagnostics under the cursor: apply the "did you mean"
//! suggestion, declare an unknown id as a stub of the kind the context needs, add the
//! attributes a measure lacks, turn a result that is an action into an `action`, and
//! suppress a lint with a comment (or remove a suppression that suppresses nothing).

use std::collections::HashMap;

use tower_lsp_server::ls_types::{self as lsp, Uri};

use super::convert;
use super::lookup::{self, Enclosing};
use super::state::{FileRef, Snapshot};
use crate::diagnostics::{Code, Diagnostic};
use crate::sema::model::NodeRef;
use crate::source::{ColumnUnit, SourceFile, Span};
use crate::syntax::ast::{Ast, Decl, DeclKind, Entry, Item};

/// One edit of the current file.
struct Edit {
    span: Span,
    text: String,
}

struct Builder<'a> {
    file: &'a FileRef<'a>,
    encoding: ColumnUnit,
    out: Vec<lsp::CodeActionOrCommand>,
}

impl Builder<'_> {
    fn push(&mut self, title: String, diag: Option<&Diagnostic>, edits: Vec<Edit>, preferred: bool) {
        let source = self.file.source;
        let edits: Vec<lsp::TextEdit> = edits
            .into_iter()
            .map(|e| lsp::TextEdit { range: convert::range(source, e.span, self.encoding), new_text: e.text })
            .collect();
        let changes: HashMap<Uri, Vec<lsp::TextEdit>> = HashMap::from([(self.file.uri.clone(), edits)]);
        let diagnostics = diag.map(|d| vec![convert::diagnostic(&self.file.unit.files(), d, self.encoding)]);
        self.out.push(lsp::CodeActionOrCommand::CodeAction(lsp::CodeAction {
            title,
            kind: Some(lsp::CodeActionKind::QUICKFIX),
            diagnostics,
            edit: Some(lsp::WorkspaceEdit { changes: Some(changes), ..Default::default() }),
            is_preferred: preferred.then_some(true),
            ..Default::default()
        }));
    }
}

pub fn code_actions(snap: &Snapshot, params: &lsp::CodeActionParams) -> Option<lsp::CodeActionResponse> {
    if let Some(only) = &params.context.only
        && !only.iter().any(|k| lsp::CodeActionKind::QUICKFIX.as_str().starts_with(k.as_str()))
    {
        return Some(Vec::new());
    }
    let file = snap.file(&params.text_document.uri)?;
    let ast = file.ast?;
    let wanted = convert::span(file.source, params.range, snap.encoding);
    let mut builder = Builder { file: &file, encoding: snap.encoding, out: Vec::new() };
    let overlaps = |span: Span| span.start <= wanted.end && wanted.start <= span.end;
    let diags: Vec<&Diagnostic> =
        file.unit.analysis.diagnostics.iter().filter(|d| d.loc().file == file.id && overlaps(d.loc().span)).collect();
    let mut measures_done = Vec::new();
    for diag in diags {
        certain(&mut builder, diag);
        match diag.code {
            Code::UnknownReference => declare(&mut builder, diag),
            Code::MeasureIncomplete => {
                if let Some(decl) = decl_at(ast, diag.loc().span.start as usize, DeclKind::Measure) {
                    measures_done.push(decl.span);
                    complete_measure(&mut builder, decl, Some(diag));
                }
            }
            Code::ResultIsAction => to_action(&mut builder, ast, diag),
            Code::UnusedSuppression => remove_comment(&mut builder, ast, diag),
            _ => {}
        }
        if !diag.code.is_error() && !matches!(diag.code, Code::UnusedSuppression | Code::InvalidSuppression) {
            suppress(&mut builder, ast, diag);
        }
    }
    // A measure under the cursor that lacks attributes, even if the lint is allowed.
    if let Some(decl) = decl_at(ast, wanted.start as usize, DeclKind::Measure)
        && !measures_done.contains(&decl.span)
        && decl.id.as_ref().is_some_and(|id| id.span.start <= wanted.end && wanted.start <= id.span.end)
    {
        complete_measure(&mut builder, decl, None);
    }
    Some(builder.out)
}

/// The certain fix (`crate::fix`, which `strata check --fix` applies too): the preferred
/// quick fix of a "did you mean" or a number that needs its `%`.
fn certain(builder: &mut Builder<'_>, diag: &Diagnostic) {
    let Some(fix) = crate::fix::certain(builder.file.source, diag) else { return };
    builder.push(fix.title, Some(diag), vec![Edit { span: fix.span, text: fix.text }], true);
}

/// `fast_servce` -> "Fast servce": a title to start from.
fn title_of(id: &str) -> String {
    let words = id.replace('_', " ");
    let mut chars = words.trim().chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => id.to_owned(),
    }
}

/// An edit that appends `text` (one or more lines) at the end of the file.
fn append(source: &SourceFile, text: &str) -> Edit {
    let end = source.text.len();
    let newline = if source.text.contains("\r\n") { "\r\n" } else { "\n" };
    let lead = match source.text.chars().last() {
        None => "",
        Some('\n' | '\r') => newline,
        Some(_) => "\n\n",
    };
    let lead = if lead == "\n\n" { format!("{newline}{newline}") } else { lead.to_owned() };
    Edit { span: Span::new(end, end), text: format!("{lead}{}{newline}", text.replace('\n', newline)) }
}

fn declare(builder: &mut Builder<'_>, diag: &Diagnostic) {
    let source = builder.file.source;
    let name = source.slice(diag.loc().span).to_owned();
    if name.is_empty() || builder.file.unit.analysis.model.symbols.contains_key(name.as_str()) {
        return;
    }
    let kinds: &[DeclKind] = if diag.message.starts_with("unknown layer ") {
        &[DeclKind::Layer]
    } else if diag.message.starts_with("unknown group ") {
        &[DeclKind::Group]
    } else if diag.message.starts_with("unknown result or action ") {
        &[DeclKind::Result, DeclKind::Action]
    } else if diag.message.starts_with("unknown result ") {
        &[DeclKind::Result]
    } else {
        return;
    };
    for &kind in kinds {
        let stub = format!("{} {name} \"{}\"", kind.keyword(), title_of(&name).replace('"', "\\\""));
        let title = format!("Declare {} `{name}`", kind.keyword());
        builder.push(title, Some(diag), vec![append(source, &stub)], false);
    }
}

/// The innermost declaration of `kind` containing `offset`.
fn decl_at(ast: &Ast, offset: usize, kind: DeclKind) -> Option<&Decl> {
    lookup::enclosing(ast, offset).into_iter().rev().find_map(|e| match e {
        Enclosing::Decl(decl) if decl.kind == kind => Some(decl),
        _ => None,
    })
}

/// The whitespace that starts the line holding `offset`.
fn indent_at(source: &SourceFile, offset: usize) -> String {
    let line = source.line_index.line_span(&source.text, source.line_index.line_of(offset));
    source.slice(line).chars().take_while(|c| *c == ' ' || *c == '\t').collect()
}

/// The text from `start` to `end`, or "" when that is no range of the text.
fn text_between(source: &SourceFile, start: usize, end: usize) -> &str {
    source.text.get(start..end).unwrap_or("")
}

fn line_start(source: &SourceFile, offset: usize) -> usize {
    source.line_index.line_span(&source.text, source.line_index.line_of(offset)).start as usize
}

/// Lines for `unit`, `direction` and `frequency`, whichever the measure lacks.
fn complete_measure(builder: &mut Builder<'_>, decl: &Decl, diag: Option<&Diagnostic>) {
    const NEEDED: &[(&str, &str)] = &[("unit", "\"\""), ("direction", "up"), ("frequency", "monthly")];
    let missing: Vec<&(&str, &str)> =
        NEEDED.iter().filter(|(name, _)| !decl.attributes().any(|a| a.name.name == *name)).collect();
    if missing.is_empty() {
        return;
    }
    let source = builder.file.source;
    let indent = indent_at(source, decl.span.start as usize);
    let inner = format!("{indent}  ");
    let newline = if source.text.contains("\r\n") { "\r\n" } else { "\n" };
    let lines: String = missing.iter().map(|(name, value)| format!("{inner}{name}: {value}{newline}")).collect();
    let edit = match &decl.block {
        Some(block) => match block.close {
            Some(close) => {
                let start = line_start(source, close.start as usize);
                if text_between(source, start, close.start as usize).trim().is_empty() {
                    Edit { span: Span::new(start, start), text: lines }
                } else {
                    let at = close.start as usize;
                    Edit { span: Span::new(at, at), text: format!("{newline}{lines}{indent}") }
                }
            }
            None => return,
        },
        None => {
            let at = decl.title.span.end as usize;
            Edit { span: Span::new(at, at), text: format!(" {{{newline}{lines}{indent}}}") }
        }
    };
    let names: Vec<String> = missing.iter().map(|(name, _)| format!("`{name}`")).collect();
    let id = decl.id.as_ref().map_or("", |id| id.name.as_str());
    builder.push(format!("Add {} to measure `{id}`", names.join(", ")), diag, vec![edit], diag.is_some());
}

/// The whole lines of an entity that sits alone on its lines, else its own span.
fn lines_of(source: &SourceFile, span: Span) -> Span {
    let start = line_start(source, span.start as usize);
    let end_line = source.line_index.line_of(span.end as usize);
    let line = source.line_index.line_span(&source.text, end_line);
    let alone = text_between(source, start, span.start as usize).trim().is_empty()
        && text_between(source, span.end as usize, line.end as usize).trim().is_empty();
    if !alone {
        return span;
    }
    let next = source.line_index.line_span(&source.text, end_line + 1).start as usize;
    let end = if end_line + 1 < source.line_index.line_count() { next } else { line.end as usize };
    Span::new(start, end)
}

fn to_action(builder: &mut Builder<'_>, ast: &Ast, diag: &Diagnostic) {
    let Some(decl) = decl_at(ast, diag.loc().span.start as usize, DeclKind::Result) else { return };
    if decl.nested().next().is_some() {
        return;
    }
    let model = &builder.file.unit.analysis.model;
    let Some(id) = &decl.id else { return };
    if matches!(model.symbols.get(id.name.as_str()), Some(NodeRef::Result(r)) if !model.results[*r].measures.is_empty())
    {
        return;
    }
    // Nor is the effect of a link (in any file, whether the link resolved or not): an
    // action there is an error.
    let links = builder.file.unit.asts.iter().flat_map(|ast| ast.items.iter()).filter_map(|item| match item {
        Item::Link(link) => Some(link),
        Item::Decl(_) => None,
    });
    if links.flat_map(|link| link.nodes.iter().skip(1)).any(|node| node.name == id.name) {
        return;
    }
    let source = builder.file.source;
    let mut edits = vec![Edit { span: decl.keyword, text: "action".to_owned() }];
    for entry in decl.block.iter().flat_map(|b| &b.entries) {
        if let Entry::Attribute(a) = entry
            && matches!(a.name.name.as_str(), "layer" | "for")
        {
            edits.push(Edit { span: lines_of(source, a.span), text: String::new() });
        }
    }
    builder.push(format!("Turn `{}` into an action", id.name), Some(diag), edits, true);
}

/// The innermost declaration, link or attribute containing `offset`: what a comment on
/// the line before it covers.
fn covered_entity(ast: &Ast, offset: usize) -> Option<Span> {
    let contains = |span: Span| span.start as usize <= offset && offset <= span.end as usize;
    let chain = lookup::enclosing(ast, offset);
    let innermost = chain.last()?;
    let block = match innermost {
        Enclosing::Decl(decl) => decl.block.as_ref(),
        Enclosing::Link(link) => link.block.as_ref(),
    };
    let attribute = block.into_iter().flat_map(|b| &b.entries).find_map(|e| match e {
        Entry::Attribute(a) if contains(a.span) => Some(a.span),
        _ => None,
    });
    Some(attribute.unwrap_or(innermost.span()))
}

fn suppress(builder: &mut Builder<'_>, ast: &Ast, diag: &Diagnostic) {
    let source = builder.file.source;
    let at = diag.loc().span.start as usize;
    let target = covered_entity(ast, at).map_or(at, |span| span.start as usize);
    let start = line_start(source, target);
    let indent = indent_at(source, target);
    let code = diag.code.name();
    let title = format!("Suppress `{code}` here with a comment");
    // Extend a suppression comment already on the line before.
    let line = source.line_index.line_of(start);
    if line > 0 {
        let previous = source.line_index.line_span(&source.text, line - 1);
        let text = source.slice(previous);
        let trimmed = text.trim_start();
        if trimmed.starts_with('#')
            && trimmed.contains("strata:")
            && let Some(close) = text.find(')')
            && text.contains("allow")
        {
            let at = previous.start as usize + close;
            builder.push(title, Some(diag), vec![Edit { span: Span::new(at, at), text: format!(", {code}") }], false);
            return;
        }
    }
    let newline = if source.text.contains("\r\n") { "\r\n" } else { "\n" };
    let text = format!("{indent}# strata: allow({code}){newline}");
    builder.push(title, Some(diag), vec![Edit { span: Span::new(start, start), text }], false);
}

/// The fix of an `unused-suppression`, which points at one lint's name in the comment:
/// the whole comment when it suppresses nothing, else that name from its list.
fn remove_comment(builder: &mut Builder<'_>, ast: &Ast, diag: &Diagnostic) {
    let source = builder.file.source;
    let name = diag.loc().span;
    let Some(&comment) = ast.comments.iter().find(|c| c.start <= name.start && name.end <= c.end) else { return };
    if !diag.message.starts_with("this suppression") {
        // `a, b` -> `a`: the name with the comma and spaces after it, or before it when
        // it is the last.
        let text = &source.text;
        let after = text[name.end as usize..comment.end as usize].trim_start_matches([' ', '\t']);
        let span = if let Some(rest) = after.strip_prefix(',') {
            let end = comment.end as usize - rest.trim_start_matches([' ', '\t']).len();
            Span::new(name.start as usize, end)
        } else {
            let before = text[comment.start as usize..name.start as usize].trim_end_matches([' ', '\t']);
            let Some(kept) = before.strip_suffix(',') else { return };
            Span::new(comment.start as usize + kept.len(), name.end as usize)
        };
        let title = format!("Remove `{}` from the suppression", source.slice(name));
        builder.push(title, Some(diag), vec![Edit { span, text: String::new() }], true);
        return;
    }
    let span = lines_of(source, comment);
    // A comment at the end of a line: remove it with the spaces before it.
    let span = if span == comment {
        let before = text_between(source, 0, span.start as usize).trim_end_matches([' ', '\t']).len();
        Span::new(before, span.end as usize)
    } else {
        span
    };
    builder.push(
        "Remove the unused suppression".to_owned(),
        Some(diag),
        vec![Edit { span, text: String::new() }],
        true,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_from_ids() {
        assert_eq!(title_of("fast_service"), "Fast service");
    }
}
