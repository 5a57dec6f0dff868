// The packaged extension, as VS Code would meet it: dist-vsix/strata-TARGET.vsix is
// unpacked into a temporary folder, its dist/extension.js activated with a stand-in for
// the `vscode` module, and with no `strata` on PATH and no setting it must start the
// binary it carries (server/strata), say so in the output channel and the status bar,
// and complete the language server's handshake with it.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, chmodSync } from "node:fs";
import Module, { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { readVsix, vscodeTarget } from "../scripts/vsix.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const tmp = mkdtempSync(path.join(os.tmpdir(), "strata-vsix-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

function unpack(file, into) {
  for (const entry of readVsix(file).entries) {
    const to = path.join(into, entry.name);
    mkdirSync(path.dirname(to), { recursive: true });
    writeFileSync(to, entry.data());
    if (entry.mode) chmodSync(to, entry.mode & 0o777);
  }
}

/** Any property is a callable, constructible stand-in, so that code reaching past the stand-in runs. */
function stub(name) {
  const fn = function () {};
  return new Proxy(fn, {
    get: (t, p) => (p === "prototype" ? t.prototype : p === Symbol.toPrimitive ? () => name : p === Symbol.iterator ? undefined : p === "then" ? undefined : p in t ? t[p] : stub(`${name}.${String(p)}`)),
    apply: () => stub(`${name}()`),
    construct: () => stub(`new ${name}`),
  });
}

/** Processes whose command line is exactly `argv`. */
function processesRunning(argv) {
  const want = argv.join("\0");
  return readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0$/, "") === want;
      } catch {
        return false;
      }
    });
}

test("the packaged extension starts the server it carries", { skip: process.platform !== "linux" && "reads /proc" }, async () => {
  const target = vscodeTarget();
  const dir = path.join(tmp, "unpacked");
  unpack(path.join(root, `dist-vsix/strata-${target}.vsix`), dir);
  const extensionDir = path.join(dir, "extension");
  const bundled = path.join(extensionDir, "server", "strata");
  const workspace = path.join(tmp, "ws");
  mkdirSync(workspace);
  writeFileSync(path.join(workspace, "map.strata"), readFileSync(path.join(root, "test/fixtures/hostile.strata")));

  const lines = [];
  const errors = [];
  const contexts = {};
  const status = { text: "", tooltip: "", show() {}, hide() {}, dispose() {} };
  const disposable = { dispose() {} };
  const event = () => disposable;
  const fileUri = (p) => ({ scheme: "file", fsPath: p, path: p, toString: () => pathToFileURL(p).href });
  const folderUri = fileUri(workspace);
  const vscode = new Proxy(
    {
      commands: {
        registerCommand: () => disposable,
        executeCommand: async (id, key, value) => {
          if (id === "setContext") contexts[key] = value;
        },
      },
      window: {
        createOutputChannel: () => ({ name: "Strata", appendLine: (l) => lines.push(l), append() {}, show() {}, clear() {}, replace() {}, hide() {}, dispose() {} }),
        createStatusBarItem: () => status,
        showErrorMessage: async (message) => (errors.push(message), undefined),
        activeTextEditor: undefined,
        visibleTextEditors: [],
        onDidChangeVisibleTextEditors: event,
        onDidChangeActiveTextEditor: event,
      },
      workspace: {
        getConfiguration: () => ({ get: (_key, fallback) => fallback }),
        onDidChangeConfiguration: event,
        onDidOpenTextDocument: event,
        onDidCloseTextDocument: event,
        onDidChangeTextDocument: event,
        onDidSaveTextDocument: event,
        onWillSaveTextDocument: event,
        onDidChangeWorkspaceFolders: event,
        onDidCreateFiles: event,
        onDidRenameFiles: event,
        onDidDeleteFiles: event,
        onWillCreateFiles: event,
        onWillRenameFiles: event,
        onWillDeleteFiles: event,
        onDidOpenNotebookDocument: event,
        onDidChangeNotebookDocument: event,
        onDidSaveNotebookDocument: event,
        onDidCloseNotebookDocument: event,
        createFileSystemWatcher: () => ({ onDidCreate: event, onDidChange: event, onDidDelete: event, dispose() {} }),
        textDocuments: [],
        notebookDocuments: [],
        workspaceFolders: [{ uri: folderUri, name: "ws", index: 0 }],
        getWorkspaceFolder: () => undefined,
      },
      languages: new Proxy(
        { createDiagnosticCollection: () => ({ set() {}, delete() {}, clear() {}, dispose() {}, forEach() {} }) },
        { get: (t, p) => (p in t ? t[p] : () => disposable) }, // registerCompletionItemProvider, …
      ),
      version: "1.82.0",
      env: { appName: "Visual Studio Code", appRoot: tmp, language: "en", machineId: "test", sessionId: "test", uiKind: 1, shell: "/bin/sh" },
      UIKind: { Desktop: 1, Web: 2 },
      // The server's diagnostics may arrive before the test ends: the client parses their URIs.
      Uri: { file: fileUri, parse: (uri) => (uri.startsWith("file:") ? fileUri(fileURLToPath(uri)) : stub(`vscode.Uri(${uri})`)) },
      StatusBarAlignment: { Left: 1, Right: 2 },
      ThemeColor: class {
        constructor(id) {
          this.id = id;
        }
      },
    },
    { get: (t, p) => (p in t ? t[p] : stub(`vscode.${String(p)}`)) },
  );
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function (request, ...rest) {
    return request === "vscode" ? "vscode" : resolve.call(this, request, ...rest);
  };
  require.cache.vscode = { id: "vscode", filename: "vscode", loaded: true, exports: vscode };
  const saved = { PATH: process.env.PATH, CARGO_HOME: process.env.CARGO_HOME };
  process.env.PATH = "/nonexistent";
  process.env.CARGO_HOME = "/nonexistent";
  let ext;
  try {
    ext = require(path.join(extensionDir, "dist/extension.js"));
    const context = { subscriptions: [], extensionUri: { fsPath: extensionDir }, extensionPath: extensionDir };
    await ext.activate(context);
    assert.deepEqual(errors, [], `no error shown; output:\n${lines.join("\n")}`);
    assert.ok(
      lines.some((l) => l.startsWith("Running: strata ") && l.includes(`(${bundled}, bundled with the extension)`)),
      `the output channel names the bundled server:\n${lines.join("\n")}`,
    );
    assert.match(status.text, /^\$\(check\) Strata \d+\.\d+\.\d+/);
    assert.ok(status.tooltip.includes(bundled), status.tooltip);
    assert.equal(contexts["strata.active"], true);
    assert.equal(processesRunning([bundled, "lsp"]).length, 1, "one `server/strata lsp` process runs");
  } finally {
    await ext?.deactivate();
    process.env.PATH = saved.PATH;
    if (saved.CARGO_HOME === undefined) delete process.env.CARGO_HOME;
    else process.env.CARGO_HOME = saved.CARGO_HOME;
    Module._resolveFilename = resolve;
  }
  for (let i = 0; i < 50 && processesRunning([bundled, "lsp"]).length; i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal(processesRunning([bundled, "lsp"]).length, 0, "deactivate stops the server");
});
