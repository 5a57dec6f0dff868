"""`strata lsp` end to end: the real binary over stdio, driven by pytest-lsp (pygls),
a real third-party client. Every test runs twice: negotiating UTF-16, then UTF-8."""

import asyncio
import json
import re

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcMethodNotFound

from conftest import CUSTOMERS, FINANCE, UNICODE

TIMEOUT = 20


def position(text: str, needle: str, delta: int = 0, encoding: str = "utf-16") -> types.Position:
    """Where `needle` (plus `delta` characters) is in `text`, in the client's units."""
    offset = text.index(needle)
    lines = re.split(r"\r\n|\r|\n", text[:offset])
    prefix = lines[-1] + needle[:delta]
    if encoding == "utf-8":
        units = len(prefix.encode("utf-8"))
    else:
        units = len(prefix.encode("utf-16-le")) // 2
    return types.Position(line=len(lines) - 1, character=units)


def span(text: str, needle: str, encoding: str) -> types.Range:
    start = position(text, needle, 0, encoding)
    end = position(text, needle, len(needle), encoding)
    return types.Range(start=start, end=end)


def uri(client, name: str) -> str:
    return (client.root / name).as_uri()


async def diagnostics(client, name: str, ok, timeout: float = TIMEOUT):
    """The diagnostics published for `name` once `ok` holds for them."""
    key = uri(client, name)

    async def poll():
        while True:
            current = list(client.diagnostics.get(key, []))
            if ok(current):
                return current
            await asyncio.sleep(0.02)

    try:
        return await asyncio.wait_for(poll(), timeout)
    except asyncio.TimeoutError:
        pytest.fail(f"diagnostics of {name} never matched: {client.diagnostics.get(key)}")


def codes(diags, severity=types.DiagnosticSeverity.Error):
    return [d.code for d in diags if d.severity == severity]


def open_doc(client, name: str, text: str, version: int = 1):
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri(client, name), language_id="strata", version=version, text=text)
        )
    )


def change(client, name: str, version: int, edits):
    """Sends `(range, text)` edits, last first, so that each range is still valid."""
    ordered = sorted(edits, key=lambda e: (e[0].start.line, e[0].start.character), reverse=True)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri(client, name), version=version),
            content_changes=[types.TextDocumentContentChangePartial(range=r, text=t) for r, t in ordered],
        )
    )


def at(client, name, position):
    return dict(text_document=types.TextDocumentIdentifier(uri=uri(client, name)), position=position)


async def test_typing_an_error_shows_it_and_fixing_it_clears_it(client):
    enc = client.encoding
    open_doc(client, "finance.strata", FINANCE)
    layer = span(FINANCE, "financial", enc)
    change(client, "finance.strata", 2, [(layer, "finansial")])
    diags = await diagnostics(client, "finance.strata", lambda d: codes(d) == ["unknown-reference"])
    error = next(d for d in diags if d.code == "unknown-reference")
    assert error.message.startswith("unknown layer `finansial`\nhelp: did you mean `financial`?")
    assert error.range == types.Range(start=layer.start, end=position(FINANCE, "financial", 9, enc))
    assert error.code_description.href.endswith("/unknown-reference.md")
    fixed = types.Range(start=layer.start, end=position(FINANCE, "financial", 9, enc))
    change(client, "finance.strata", 3, [(fixed, "financial")])
    await diagnostics(client, "finance.strata", lambda d: codes(d) == [])
    # A change in one file updates the diagnostics of another.
    change(client, "finance.strata", 4, [(span(FINANCE, "profit", enc), "proft")])
    diags = await diagnostics(client, "customers.strata", lambda d: codes(d) == ["unknown-reference"])
    broken = next(d for d in diags if d.code == "unknown-reference")
    assert broken.range == span(CUSTOMERS, "profit\n", enc).__class__(
        start=position(CUSTOMERS, "-> profit", 3, enc), end=position(CUSTOMERS, "-> profit", 9, enc)
    )
    proft = types.Range(start=position(FINANCE, "profit", 0, enc), end=position(FINANCE, "profit", 5, enc))
    change(client, "finance.strata", 5, [(proft, "profit")])
    await diagnostics(client, "customers.strata", lambda d: codes(d) == [])


async def test_hover_shows_the_result_and_its_story(client):
    enc = client.encoding
    hover = await client.text_document_hover_async(
        types.HoverParams(**at(client, "customers.strata", position(CUSTOMERS, "-> profit", 5, enc)))
    )
    text = hover.contents.value
    assert "**result `profit`**: Profit grows year on year" in text
    assert "layer: `financial` Financial" in text
    assert "measure: `margin` Gross margin: 31.5% at 2026-09 → 35% by 2027-12 (up is better)" in text
    assert "caused by: `loyal` Regulars come back every working day" in text
    assert hover.range == types.Range(
        start=position(CUSTOMERS, "-> profit", 3, enc), end=position(CUSTOMERS, "-> profit", 9, enc)
    )
    # After emoji and CJK text on the line.
    hover = await client.text_document_hover_async(
        types.HoverParams(**at(client, "unicode.strata", position(UNICODE, "来店", 1, enc)))
    )
    assert "**measure `来店`**: 週4日以上 😀 来店" in hover.contents.value
    assert hover.range == span(UNICODE, "来店", enc)


async def test_definition_goes_across_files(client):
    enc = client.encoding
    found = await client.text_document_definition_async(
        types.DefinitionParams(**at(client, "customers.strata", position(CUSTOMERS, "-> profit", 4, enc)))
    )
    assert found.uri == uri(client, "finance.strata")
    assert found.range == span(FINANCE, "profit", enc)
    found = await client.text_document_definition_async(
        types.DefinitionParams(**at(client, "unicode.strata", position(UNICODE, "-> loyal", 5, enc)))
    )
    assert found.uri == uri(client, "customers.strata")
    assert found.range == span(CUSTOMERS, "loyal", enc)


async def test_rename_edits_every_file(client):
    enc = client.encoding
    where = at(client, "customers.strata", position(CUSTOMERS, "-> profit", 4, enc))
    prepared = await client.text_document_prepare_rename_async(types.PrepareRenameParams(**where))
    assert prepared.placeholder == "profit"
    edit = await client.text_document_rename_async(types.RenameParams(**where, new_name="earnings"))
    changes = edit.changes
    assert sorted(changes) == sorted([uri(client, "finance.strata"), uri(client, "customers.strata")])
    assert [e.range for e in changes[uri(client, "finance.strata")]] == [span(FINANCE, "profit", enc)]
    # Apply the edits: the workspace stays free of errors.
    open_doc(client, "finance.strata", FINANCE)
    open_doc(client, "customers.strata", CUSTOMERS)
    change(client, "finance.strata", 2, [(e.range, e.new_text) for e in changes[uri(client, "finance.strata")]])
    change(client, "customers.strata", 2, [(e.range, e.new_text) for e in changes[uri(client, "customers.strata")]])
    symbols = await client.workspace_symbol_async(types.WorkspaceSymbolParams(query="earnings"))
    assert [s.name for s in symbols] == ["earnings"]
    await diagnostics(client, "customers.strata", lambda d: codes(d) == [])
    with pytest.raises(JsonRpcException, match="reserved word"):
        await client.text_document_rename_async(types.RenameParams(**where, new_name="result"))
    with pytest.raises(JsonRpcException, match="already declared"):
        await client.text_document_rename_async(types.RenameParams(**where, new_name="loyal"))


async def test_completion_after_layer_and_after_arrow(client):
    enc = client.encoding
    text = 'result x "X" {\n  layer: \n}\nx -> \n'
    open_doc(client, "new.strata", text)
    after_layer = types.Position(line=1, character=len("  layer: "))
    found = await client.text_document_completion_async(types.CompletionParams(**at(client, "new.strata", after_layer)))
    items = {i.label: i.detail for i in found.items}
    assert items == {"financial": "Financial", "customer": "Customer", "process": "Internal process"}
    after_arrow = types.Position(line=3, character=len("x -> "))
    found = await client.text_document_completion_async(types.CompletionParams(**at(client, "new.strata", after_arrow)))
    labels = sorted(i.label for i in found.items)
    assert labels == sorted(["profit", "loyal", "x", "常連"])
    del enc


async def test_quick_fix_applies_the_suggestion(client):
    enc = client.encoding
    open_doc(client, "finance.strata", FINANCE)
    change(client, "finance.strata", 2, [(span(FINANCE, "financial", enc), "financal")])
    diags = await diagnostics(client, "finance.strata", lambda d: codes(d) == ["unknown-reference"])
    wrong = next(d for d in diags if d.code == "unknown-reference")
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri(client, "finance.strata")),
            range=wrong.range,
            context=types.CodeActionContext(diagnostics=[wrong]),
        )
    )
    fix = next(a for a in actions if a.title == "Replace `financal` with `financial`")
    assert fix.kind == types.CodeActionKind.QuickFix and fix.is_preferred
    edits = fix.edit.changes[uri(client, "finance.strata")]
    change(client, "finance.strata", 3, [(e.range, e.new_text) for e in edits])
    await diagnostics(client, "finance.strata", lambda d: codes(d) == [])


async def test_format_goes_through_the_formatter(client):
    messy = 'result   tidy  "Tidy" {\nowner:"o"\n      }\ntidy->profit\n'
    open_doc(client, "messy.strata", messy)
    edits = await client.text_document_formatting_async(
        types.DocumentFormattingParams(
            text_document=types.TextDocumentIdentifier(uri=uri(client, "messy.strata")),
            options=types.FormattingOptions(tab_size=2, insert_spaces=True),
        )
    )
    assert edits, "the messy file needs edits"
    change(client, "messy.strata", 2, [(e.range, e.new_text) for e in edits])
    again = await client.text_document_formatting_async(
        types.DocumentFormattingParams(
            text_document=types.TextDocumentIdentifier(uri=uri(client, "messy.strata")),
            options=types.FormattingOptions(tab_size=2, insert_spaces=True),
        )
    )
    assert not again, "formatting the formatted text changes nothing"
    symbols = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=types.TextDocumentIdentifier(uri=uri(client, "messy.strata")))
    )
    assert symbols[0].name == "tidy" and symbols[0].range.start == types.Position(line=0, character=0)
    hover = await client.text_document_hover_async(types.HoverParams(**at(client, "messy.strata", types.Position(line=0, character=8))))
    assert "**result `tidy`**" in hover.contents.value, "the first line is `result tidy ...` again"


async def test_graph_request(client):
    dot = await client.protocol.send_request_async("strata/graph", {"format": "dot"})
    assert dot.text.startswith("digraph") and dot.errors == 0
    mermaid = await client.protocol.send_request_async("strata/graph", {"format": "mermaid", "focus": "loyal", "depth": 1})
    assert "flowchart BT" in mermaid.text
    exported = await client.protocol.send_request_async("strata/graph", {"format": "json"})
    model = json.loads(exported.text)
    assert sorted(r["id"] for r in model["results"]) == ["loyal", "profit", "常連"]
    # With an error in a file, what resolves is still exported, and the error is counted.
    open_doc(client, "finance.strata", FINANCE)
    change(client, "finance.strata", 2, [(span(FINANCE, "financial", client.encoding), "nowhere")])
    broken = await client.protocol.send_request_async("strata/graph", {"format": "json"})
    assert broken.errors == 1 and "1 error" in broken.note
    assert len(json.loads(broken.text)["results"]) == 3
    with pytest.raises(JsonRpcException):
        await client.protocol.send_request_async("strata/graph", {"format": "png"})


async def test_positions_with_emoji_and_cjk(client):
    enc = client.encoding
    open_doc(client, "unicode.strata", UNICODE)
    target = span(UNICODE, "loyal", enc)
    change(client, "unicode.strata", 2, [(target, "loyl")])
    diags = await diagnostics(client, "unicode.strata", lambda d: codes(d) == ["unknown-reference"])
    error = next(d for d in diags if d.code == "unknown-reference")
    assert error.range == types.Range(start=target.start, end=position(UNICODE, "loyal", 4, enc))
    # Out-of-range positions are clamped, not trusted.
    hover = await client.text_document_hover_async(types.HoverParams(**at(client, "unicode.strata", types.Position(line=999, character=999))))
    assert hover is None
    highlights = await client.text_document_document_highlight_async(
        types.DocumentHighlightParams(**at(client, "unicode.strata", position(UNICODE, "常連 ->", 1, enc)))
    )
    assert [h.range for h in highlights] == [span(UNICODE, "常連", enc), types.Range(
        start=position(UNICODE, "常連 ->", 0, enc), end=position(UNICODE, "常連 ->", 2, enc))]


async def test_files_changed_outside_the_editor(client):
    for _ in range(500):
        if any(r.method == "workspace/didChangeWatchedFiles" for r in client.registrations):
            break
        await asyncio.sleep(0.02)
    else:
        pytest.fail("the server never registered for watched files")
    (client.root / "extra.strata").write_text('result extra "Extra" {\n  layer: nowhere\n}\n')
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=uri(client, "extra.strata"), type=types.FileChangeType.Created)]
        )
    )
    await diagnostics(client, "extra.strata", lambda d: codes(d) == ["unknown-reference"])
    (client.root / "extra.strata").unlink()
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=uri(client, "extra.strata"), type=types.FileChangeType.Deleted)]
        )
    )
    await diagnostics(client, "extra.strata", lambda d: d == [])


async def test_outline_lenses_hierarchy_and_tokens(client):
    enc = client.encoding
    doc = types.TextDocumentIdentifier(uri=uri(client, "customers.strata"))
    symbols = await client.text_document_document_symbol_async(types.DocumentSymbolParams(text_document=doc))
    assert [s.name for s in symbols] == ["regulars", "loyal"]
    assert [c.name for c in symbols[1].children] == ["repeat_rate"]
    lenses = await client.text_document_code_lens_async(types.CodeLensParams(text_document=doc))
    assert [lens.command.title for lens in lenses] == ["1 cause · 1 effect · 1 measure"]
    items = await client.text_document_prepare_call_hierarchy_async(
        types.CallHierarchyPrepareParams(**at(client, "customers.strata", position(CUSTOMERS, "loyal", 1, enc)))
    )
    incoming = await client.call_hierarchy_incoming_calls_async(types.CallHierarchyIncomingCallsParams(item=items[0]))
    outgoing = await client.call_hierarchy_outgoing_calls_async(types.CallHierarchyOutgoingCallsParams(item=items[0]))
    assert [c.from_.name for c in incoming] == ["常連"]
    assert [c.to.name for c in outgoing] == ["profit"]
    refs = await client.text_document_references_async(
        types.ReferenceParams(
            **at(client, "customers.strata", position(CUSTOMERS, "loyal", 1, enc)),
            context=types.ReferenceContext(include_declaration=True),
        )
    )
    assert sorted(r.uri.rsplit("/", 1)[1] for r in refs) == ["customers.strata", "customers.strata", "unicode.strata"]
    tokens = await client.text_document_semantic_tokens_full_async(types.SemanticTokensParams(text_document=doc))
    assert len(tokens.data) % 5 == 0 and list(tokens.data[:5]) == [0, 0, 5, 0, 0]
    folds = await client.text_document_folding_range_async(types.FoldingRangeParams(text_document=doc))
    assert (0, 4) in [(f.start_line, f.end_line) for f in folds]


async def test_bad_requests_get_errors_and_the_server_stays_usable(client):
    with pytest.raises(JsonRpcMethodNotFound):
        await client.protocol.send_request_async("strata/nothing", {})
    change(client, "never-opened.strata", 2, [(types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=0)), "x")])
    hover = await client.text_document_hover_async(types.HoverParams(**at(client, "nowhere.strata", types.Position(line=0, character=0))))
    assert hover is None
    hover = await client.text_document_hover_async(
        types.HoverParams(**at(client, "finance.strata", position(FINANCE, "profit", 1, client.encoding)))
    )
    assert "result `profit`" in hover.contents.value
