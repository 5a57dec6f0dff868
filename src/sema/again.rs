//! The analysis again after an edit (`reanalyze`), from the analysis before it: only
//! the edited files, and the files whose references the edit changes, are read again.
//!
//! The first pass (declarations) gives every node its index: the nodes of each kind are
//! numbered in file order. An edit that leaves the first pass without an error (no
//! duplicate, reserved word, misplaced item or map in the edited files, before or after)
//! changes only the edited files' part of each numbering. So every other node keeps its
//! place up to a shift (`Shift`): its index plus how many nodes of its kind the edited
//! files before it gained or lost; and an edited file's old node goes to wherever its id
//! is declared now. Everything the other files built (nodes, links, references,
//! diagnostics) is kept with its indices moved so, unless one of its references now
//! resolves differently: a use of an id the edit removed (or renamed) or gave another
//! kind, or of an id that was unknown and is now declared. Such files are read again
//! too, and so are the files whose help texts may have changed (a link naming a measure,
//! whose help names the measure's result; an example id that changed).

use super::*;

/// How many files `reanalyze` reads again, besides the edited ones, before it leaves the
/// work to the whole analysis (when they are also more than a quarter of all).
const MANY_USERS: usize = 8;

/// Where each edited file's nodes were, by kind, and how many it has now.
struct Edited<'a> {
    file: FileId,
    /// The file's old range in each kind's list.
    old: [std::ops::Range<usize>; 5],
    /// Its declarations now, in the first pass's order, with their kind's counter and
    /// enclosing declaration.
    decls: Vec<(&'a Decl, usize, Option<&'a Decl>)>,
    counts: [usize; 5],
}

/// How the old indices of each kind move: past an edited file, by what it gained or lost;
/// inside one, to where its id is declared now.
struct Shift {
    /// By kind, in file order: an edited file's old end and its gain (or loss).
    edits: [Vec<(usize, isize)>; 5],
    /// By kind, in file order: an edited file's old range and, for each of its old nodes,
    /// the new index of its id when it is still declared, as the same kind.
    renumbered: [Vec<Renumbered>; 5],
}

/// An edited file's old range of one kind, and where each of those nodes went.
type Renumbered = (std::ops::Range<usize>, Vec<Option<usize>>);

impl Shift {
    fn index(&self, kind: usize, old: usize) -> usize {
        if let Some(Some(new)) = self.edited(kind, old) {
            return new;
        }
        let moved: isize = self.edits[kind].iter().take_while(|(end, _)| *end <= old).map(|(_, delta)| delta).sum();
        old.wrapping_add_signed(moved)
    }

    /// For an old node of an edited file, its new index (`None`: it is gone).
    fn edited(&self, kind: usize, old: usize) -> Option<Option<usize>> {
        let (range, new) = self.renumbered[kind].iter().find(|(range, _)| range.contains(&old))?;
        Some(new[old - range.start])
    }

    fn node(&self, node: NodeRef) -> NodeRef {
        let kind = kind_index(node);
        node_ref(kind, self.index(kind, node_index(node)))
    }

    /// Whether some node of another file moves: an edited file gained or lost nodes.
    fn moves(&self) -> bool {
        self.edits.iter().flatten().any(|(_, delta)| *delta != 0)
    }

    /// Whether every index stays where it was (a node that is gone, whose users are read
    /// again, counts as staying).
    fn is_none(&self) -> bool {
        let kept =
            |(range, new): &Renumbered| range.clone().zip(new).all(|(old, new)| new.is_none_or(|new| new == old));
        !self.moves() && self.renumbered.iter().flatten().all(kept)
    }
}

/// The analysis again, after edits to the files `changed` (the same files as before,
/// with the same configuration). Only those files, and the files whose references the
/// edits change, are read again; the rest of `previous` (the analysis before the edits,
/// with its `outline`) is kept. The same model and diagnostics as `analyze_outlined` on
/// the new trees, or `None` when the first pass would now find an error or found one in
/// an edited file, or an edited file holds the map: then the caller analyses the whole
/// workspace.
pub fn reanalyze(
    previous: &Model,
    outline: &Outline,
    changed: &[FileId],
    sources: &[SourceFile],
    asts: &[ast::Ast],
    config: &Config,
    diags: &mut Vec<Diagnostic>,
) -> Option<(Model, Outline)> {
    let mut changed = changed.to_vec();
    changed.sort();
    changed.dedup();
    let mut edited = Vec::with_capacity(changed.len());
    for &file in &changed {
        edited.push(Edited::read(previous, outline, file, asts.get(file.0 as usize)?)?);
    }
    let mut shift = Shift {
        edits: std::array::from_fn(|kind| {
            let moved = |e: &Edited| (e.old[kind].end, e.counts[kind] as isize - e.old[kind].len() as isize);
            edited.iter().map(moved).collect()
        }),
        renumbered: Default::default(),
    };

    // The symbol table: the edited files' old ids out, the other nodes moved, their new
    // ids in, each at the place the first pass would give it.
    let mut symbols = previous.symbols.clone();
    for e in &edited {
        for (kind, range) in e.old.iter().enumerate() {
            for i in range.clone() {
                symbols.remove(previous.id(node_ref(kind, i)));
            }
        }
    }
    if shift.moves() {
        symbols.values_mut().for_each(|node| *node = shift.node(*node));
    }
    let mut pending: Vec<Pending> = Vec::new();
    // What the edited files before the one at hand gained or lost, by kind.
    let mut before = [0isize; 5];
    for e in &edited {
        let mut next: [usize; 5] = std::array::from_fn(|kind| e.old[kind].start.wrapping_add_signed(before[kind]));
        for (kind, before) in before.iter_mut().enumerate() {
            *before += e.counts[kind] as isize - e.old[kind].len() as isize;
        }
        let mut slots: Vec<(&Decl, Slot)> = Vec::with_capacity(e.decls.len());
        for &(decl, kind, parent) in &e.decls {
            let node = node_ref(kind, next[kind]);
            next[kind] += 1;
            let id = decl.id.as_ref()?;
            if RESERVED_WORDS.contains(&id.name.as_str()) || symbols.insert(id.name.clone(), node).is_some() {
                return None;
            }
            let parent =
                parent.and_then(|p| slots.iter().rev().find(|(d, _)| std::ptr::eq(*d, p)).map(|&(d, s)| (s, d)));
            slots.push((decl, Slot::Node(node)));
            pending.push((e.file, decl, Slot::Node(node), parent));
        }
    }

    // Where each old node of the edited files went: to where its id is declared now.
    for e in &edited {
        for (kind, range) in e.old.iter().enumerate() {
            let new = range.clone().map(|i| {
                let now = symbols.get(previous.id(node_ref(kind, i)))?;
                (kind_index(*now) == kind).then(|| node_index(*now))
            });
            shift.renumbered[kind].push((range.clone(), new.collect()));
        }
    }

    // The files whose references resolve differently now: to an id that is gone (or
    // of another kind), ...
    let gone = |node: NodeRef| shift.edited(kind_index(node), node_index(node)) == Some(None);
    let mut users: Vec<FileId> = previous.references.iter().filter(|r| gone(r.target)).map(|r| r.loc.file).collect();
    // ... or to an id that was unknown.
    for found in [&outline.filled, &outline.linked] {
        let declared = found.unknown.iter().filter(|(_, name, _)| symbols.contains_key(name.as_str()));
        users.extend(declared.filter_map(|(at, ..)| Some(found.diags.get(*at)?.primary.loc.file)));
    }
    // Help texts give the smallest id of the kind expected (`Sema::example`): when that
    // changes, the files with an error that may show it are read again. It can only
    // change when the declared ids do (not on most edits, which keep every id: then the
    // two scans of the symbol table are skipped).
    let same_counts = edited.iter().all(|e| (0..5).all(|kind| e.counts[kind] == e.old[kind].len()));
    let same_ids = same_counts && shift.renumbered.iter().flatten().all(|(_, new)| new.iter().all(Option::is_some));
    if !same_ids && examples(&symbols) != examples(&previous.symbols) {
        for found in [&outline.filled, &outline.linked] {
            let shows = |diag: &&Diagnostic| matches!(diag.code, Code::WrongKind | Code::InvalidValue);
            users.extend(found.diags.iter().filter(shows).map(|diag| diag.primary.loc.file));
        }
    }
    users.sort();
    users.dedup();
    users.retain(|file| changed.binary_search(file).is_err());
    // Past a quarter of the files (a renamed group that every result file uses), the
    // whole analysis, on every core, is as quick as reading them again here on one.
    if users.len() > MANY_USERS && users.len() > asts.len() / 4 {
        return None;
    }
    for &file in &users {
        keep_declarations(previous, file, asts.get(file.0 as usize)?, &shift, &mut pending)?;
    }
    let mut read: Vec<FileId> = changed.iter().chain(&users).copied().collect();
    read.sort();

    let mut model = moved(previous, &shift);
    let mut outline = outline.clone();
    let shared = Shared { sources, config, symbols: &symbols, map_at: previous.map.as_ref().map(|m| m.loc) };
    for &file in &read {
        let mut sema = shared.sema(None);
        for &(_, decl, slot, parent) in pending.iter().filter(|(f, ..)| *f == file) {
            sema.fill(file, decl, slot, parent);
        }
        let Sema { diags: found, unknown, model: part, .. } = sema;
        let at = by_file(&model.layers, file, |n| n.loc.file);
        model.layers.splice(at, part.layers);
        let at = by_file(&model.groups, file, |n| n.loc.file);
        model.groups.splice(at, part.groups);
        let at = by_file(&model.results, file, |n| n.loc.file);
        model.results.splice(at, part.results);
        let at = by_file(&model.measures, file, |n| n.loc.file);
        model.measures.splice(at, part.measures);
        let at = by_file(&model.actions, file, |n| n.loc.file);
        model.actions.splice(at, part.actions);
        let at = by_file(&model.references[..outline.attribute_references], file, |r| r.loc.file);
        outline.attribute_references = outline.attribute_references - at.len() + part.references.len();
        model.references.splice(at, part.references);
        outline.filled.replace(file, Found { diags: found, unknown });
    }
    for result in &mut model.results {
        result.measures.clear();
    }
    gather_measures(&mut model);

    // The links of the files read again, and every link that names a measure: its
    // help names the measure's result, which an edit anywhere may have changed.
    let mut relink = read;
    let named = outline.linked.diags.iter().filter(|diag| diag.code == Code::WrongKind);
    relink.extend(named.map(|diag| diag.primary.loc.file));
    relink.sort();
    relink.dedup();
    let mut parts = Vec::with_capacity(relink.len());
    for file in relink {
        let mut sema = shared.sema(Some(&model));
        for link in links_of(asts.get(file.0 as usize)?) {
            sema.link(file, link);
        }
        parts.push((file, sema.model.links, sema.model.references, Found { diags: sema.diags, unknown: sema.unknown }));
    }
    for (file, links, references, found) in parts {
        let at = by_file(&model.links, file, |link| link.from_loc.file);
        model.links.splice(at, links);
        let start = outline.attribute_references;
        let at = by_file(&model.references[start..], file, |r| r.loc.file);
        model.references.splice(at.start + start..at.end + start, references);
        outline.linked.replace(file, found);
    }
    model.symbols = symbols;
    outline.clone().report(diags, &model.symbols);
    Some((model, outline))
}

impl<'a> Edited<'a> {
    /// An edited file's declarations now, or `None` when the first pass found an error
    /// in the file before the edit or would find one now (as far as the file alone
    /// tells: duplicates of other files' ids are found with the symbol table), or the
    /// file holds the map.
    fn read(previous: &Model, outline: &Outline, file: FileId, ast: &'a ast::Ast) -> Option<Edited<'a>> {
        if !kept_clear(previous, outline, file) {
            return None;
        }
        let mut edited = Edited { file, old: old_ranges(previous, file), decls: Vec::new(), counts: [0; 5] };
        fn walk<'a>(edited: &mut Edited<'a>, decl: &'a Decl, parent: Option<&'a Decl>) -> Option<()> {
            if parent.is_some_and(|parent| !nests_in(decl.kind, parent.kind)) || decl.id.is_none() {
                return None;
            }
            let (kind, _) = node_kind(decl.kind)?;
            edited.counts[kind] += 1;
            edited.decls.push((decl, kind, parent));
            decl.nested().try_for_each(|nested| walk(edited, nested, Some(decl)))
        }
        for item in ast.items.iter() {
            if let Item::Decl(decl) = item {
                walk(&mut edited, decl, None)?;
            }
        }
        Some(edited)
    }
}

/// Whether the first pass found nothing wrong in `file` (no diagnostic of its points
/// there) and the file does not hold the map: then every declaration in it became a node.
fn kept_clear(previous: &Model, outline: &Outline, file: FileId) -> bool {
    let touches = |diag: &Diagnostic| std::iter::once(&diag.primary).chain(&diag.secondary).any(|l| l.loc.file == file);
    previous.map.as_ref().is_none_or(|map| map.loc.file != file) && !outline.declared.iter().any(touches)
}

/// Where `file`'s nodes are in each kind's list.
fn old_ranges(previous: &Model, file: FileId) -> [std::ops::Range<usize>; 5] {
    [
        by_file(&previous.layers, file, |n| n.loc.file),
        by_file(&previous.groups, file, |n| n.loc.file),
        by_file(&previous.results, file, |n| n.loc.file),
        by_file(&previous.measures, file, |n| n.loc.file),
        by_file(&previous.actions, file, |n| n.loc.file),
    ]
}

/// The declarations of a file that was not edited, with their moved slots, into
/// `pending`, as the first pass gave them: a declaration became the node of the next slot
/// of its kind in the file when the symbol table says so, and was discarded otherwise
/// (a duplicate, a reserved word, a misplaced item, the map).
fn keep_declarations<'a>(
    previous: &Model,
    file: FileId,
    ast: &'a ast::Ast,
    shift: &Shift,
    pending: &mut Vec<Pending<'a>>,
) -> Option<()> {
    let old = old_ranges(previous, file);
    let mut walk =
        Keep { previous, file, shift, ends: old.clone().map(|range| range.end), next: old.map(|r| r.start), pending };
    for item in ast.items.iter() {
        if let Item::Decl(decl) = item {
            walk.decl(decl, None);
        }
    }
    (walk.next == walk.ends).then_some(())
}

/// `keep_declarations`' walk, in the first pass's order.
struct Keep<'m, 'a, 'o> {
    previous: &'m Model,
    file: FileId,
    shift: &'m Shift,
    /// Where the file's nodes of each kind end, and the old index of its next one.
    ends: [usize; 5],
    next: [usize; 5],
    pending: &'o mut Vec<Pending<'a>>,
}

impl<'a> Keep<'_, 'a, '_> {
    fn decl(&mut self, decl: &'a Decl, parent: Option<(Slot, DeclKind, &'a Decl)>) {
        let placed = parent.is_none_or(|(_, parent_kind, _)| nests_in(decl.kind, parent_kind));
        let slot = match (&decl.id, node_kind(decl.kind)) {
            (Some(id), Some((kind, _))) if placed && self.next[kind] < self.ends[kind] => {
                let node = node_ref(kind, self.next[kind]);
                if self.previous.symbols.get(id.name.as_str()) == Some(&node) {
                    self.next[kind] += 1;
                    Slot::Node(self.shift.node(node))
                } else {
                    Slot::Discard
                }
            }
            _ => Slot::Discard,
        };
        self.pending.push((self.file, decl, slot, parent.map(|(slot, _, decl)| (slot, decl))));
        for nested in decl.nested() {
            self.decl(nested, Some((slot, decl.kind, decl)));
        }
    }
}

/// A copy of the model with every index moved by `shift`.
fn moved(previous: &Model, shift: &Shift) -> Model {
    let mut model = Model {
        map: previous.map.clone(),
        layers: previous.layers.clone(),
        groups: previous.groups.clone(),
        results: previous.results.clone(),
        measures: previous.measures.clone(),
        actions: previous.actions.clone(),
        links: previous.links.clone(),
        symbols: Symbols::default(),
        references: previous.references.clone(),
    };
    if shift.is_none() {
        return model;
    }
    for group in &mut model.groups {
        group.parent = group.parent.map(|g| shift.index(1, g));
    }
    for result in &mut model.results {
        result.layer = result.layer.map(|l| shift.index(0, l));
        for group in &mut result.for_groups {
            group.value = shift.index(1, group.value);
        }
    }
    for measure in &mut model.measures {
        measure.of = measure.of.map(|r| shift.index(2, r));
    }
    for link in &mut model.links {
        link.from = shift.node(link.from);
        link.to = shift.index(2, link.to);
    }
    for reference in &mut model.references {
        reference.target = shift.node(reference.target);
    }
    model
}

/// The node of a kind's counter (`kind_index`) and index.
fn node_ref(kind: usize, index: usize) -> NodeRef {
    match kind {
        0 => NodeRef::Layer(index),
        1 => NodeRef::Group(index),
        2 => NodeRef::Result(index),
        3 => NodeRef::Measure(index),
        _ => NodeRef::Action(index),
    }
}
