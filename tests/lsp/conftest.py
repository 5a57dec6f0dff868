"""Fixtures for the end-to-end tests: a multi-file workspace on disk and a pytest-lsp
client connected to the real `strata lsp` binary, negotiating UTF-16 or UTF-8."""

import asyncio
import os
import pathlib
import shutil
import sys

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

ROOT = pathlib.Path(__file__).resolve().parents[2]
STRATA = os.environ.get("STRATA_BIN") or str(ROOT / "target" / "debug" / "strata")

MAP = """map "Acme Coffee" {
  purpose: "Every morning starts better with us"
}

layer financial "Financial"
layer customer "Customer"
layer process "Internal process"
"""

FINANCE = """result profit "Profit grows year on year" {
  layer: financial
  owner: "CFO"

  measure margin "Gross margin" {
    unit: "%"
    direction: up
    baseline: 31.5% at 2026-09
    target: 35% by 2027-12
    frequency: monthly
  }
}
"""

CUSTOMERS = """group regulars "Daily regulars" {
  intent: grow
  gives: "Predictable revenue"
  gets: "Their usual coffee"
  proposition: "Ready before you reach the counter"
}

result loyal "Regulars come back every working day" {
  layer: customer
  for: regulars

  measure repeat_rate "Share of regulars visiting 4+ days a week" {
    unit: "%"
    direction: up
    baseline: 42% at 2026-Q3
    target: 50% by 2027-06
    frequency: weekly
  }
}

loyal -> profit
"""

# Non-ASCII ids, titles with emoji, CRLF line ends: positions must stay exact.
UNICODE = (
    'result 常連 "常連客が毎日戻ってくる 🙂" {\r\n'
    "  layer: process\r\n"
    '  measure 来店 "週4日以上 😀 来店" {\r\n'
    '    unit: "%"\r\n'
    "    direction: up\r\n"
    "    baseline: 42% at 2026-Q3\r\n"
    "    target: 50% by 2027-06\r\n"
    "    frequency: weekly\r\n"
    "  }\r\n"
    "}\r\n"
    "常連 -> loyal\r\n"
)

FILES = {
    "map.strata": MAP,
    "finance.strata": FINANCE,
    "customers.strata": CUSTOMERS,
    "unicode.strata": UNICODE,
}


@pytest.fixture
def workspace(tmp_path: pathlib.Path) -> pathlib.Path:
    for name, text in FILES.items():
        (tmp_path / name).write_bytes(text.encode("utf-8"))
    return tmp_path


def capabilities(encoding: str) -> types.ClientCapabilities:
    kinds = [types.PositionEncodingKind.Utf16]
    if encoding == "utf-8":
        kinds.insert(0, types.PositionEncodingKind.Utf8)
    return types.ClientCapabilities(
        general=types.GeneralClientCapabilities(position_encodings=kinds),
        workspace=types.WorkspaceClientCapabilities(
            did_change_watched_files=types.DidChangeWatchedFilesClientCapabilities(dynamic_registration=True),
            workspace_folders=True,
        ),
        text_document=types.TextDocumentClientCapabilities(
            publish_diagnostics=types.PublishDiagnosticsClientCapabilities(
                related_information=True, version_support=True, code_description_support=True
            ),
            rename=types.RenameClientCapabilities(prepare_support=True),
        ),
    )


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=[STRATA, "lsp"]),
    params=["utf-16", "utf-8"],
)
async def client(lsp_client: LanguageClient, workspace: pathlib.Path, request):
    lsp_client.registrations = []

    @lsp_client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params: types.RegistrationParams):
        lsp_client.registrations.extend(params.registrations)

    lsp_client.root = workspace
    lsp_client.encoding = request.param
    result = await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities(request.param),
            root_uri=workspace.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=workspace.as_uri(), name="coffee")],
        )
    )
    assert result.capabilities.position_encoding == request.param
    yield
    await lsp_client.shutdown_session()


def pytest_configure(config):
    if not pathlib.Path(STRATA).exists() and not shutil.which(STRATA):
        sys.exit(f"tests/lsp: no strata binary at {STRATA}; run `cargo build` or set STRATA_BIN")
