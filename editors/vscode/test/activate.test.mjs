// Loads the bundled extension (dist/extension.js) with a stand-in for the `vscode`
// module and activates it: it must register every command package.json declares, and
// when the server is missing say what to do instead of failing, in the error message,
// the output channel and the status bar.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import Module, { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));

/** Any property is a callable, constructible stand-in, so that module-level code runs. */
function stub(name) {
  const fn = function () {};
  return new Proxy(fn, {
    get: (t, p) => (p === "prototype" ? t.prototype : p === Symbol.toPrimitive ? () => name : p in t ? t[p] : stub(`${name}.${String(p)}`)),
    apply: () => stub(`${name}()`),
    construct: () => stub(`new ${name}`),
  });
}

test("activates, registers its commands and explains a missing server", async () => {
  const registered = [];
  const errors = [];
  const lines = [];
  const status = { text: "", tooltip: "", show() {}, dispose() {} };
  const contexts = {};
  const disposable = { dispose() {} };
  const config = { get: (_key, fallback) => fallback };
  const vscode = new Proxy(
    {
      commands: {
        registerCommand: (id) => (registered.push(id), disposable),
        executeCommand: async (id, key, value) => {
          if (id === "setContext") contexts[key] = value;
        },
      },
      window: {
        createOutputChannel: () => ({ appendLine: (l) => lines.push(l), append() {}, show() {}, dispose() {} }),
        createStatusBarItem: () => status,
        showErrorMessage: async (message) => (errors.push(message), undefined),
        activeTextEditor: undefined,
      },
      StatusBarAlignment: { Left: 1, Right: 2 },
      ThemeColor: class {},
      workspace: {
        getConfiguration: () => config,
        onDidChangeConfiguration: () => disposable,
        workspaceFolders: undefined,
      },
    },
    { get: (t, p) => (p in t ? t[p] : stub(`vscode.${String(p)}`)) },
  );
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function (request, ...rest) {
    return request === "vscode" ? "vscode" : resolve.call(this, request, ...rest);
  };
  require.cache.vscode = { id: "vscode", filename: "vscode", loaded: true, exports: vscode };
  const savedPath = process.env.PATH;
  const savedCargo = process.env.CARGO_HOME;
  process.env.PATH = "/nonexistent";
  process.env.CARGO_HOME = "/nonexistent";
  try {
    const ext = require(path.join(root, "dist/extension.js"));
    // A folder with no server/ in it: an extension packaged for no platform.
    const context = { subscriptions: [], extensionUri: { fsPath: path.join(root, "test") } };
    await ext.activate(context);
    const declared = pkg.contributes.commands.map((c) => c.command).sort();
    assert.deepEqual([...registered].sort(), declared);
    assert.equal(errors.length, 1);
    assert.match(errors[0], /no bundled server .*test[\\/]server[\\/]strata is missing.* not found on PATH/);
    assert.ok(lines.some((l) => l.startsWith("No language server: This extension has no bundled server")), lines.join("\n"));
    assert.equal(status.text, "$(error) Strata: no server");
    assert.match(status.tooltip, /not found on PATH/);
    assert.match(errors[0], /strata\.server\.path/);
    assert.equal(contexts["strata.active"], false);
    await ext.deactivate();
  } finally {
    process.env.PATH = savedPath;
    if (savedCargo === undefined) delete process.env.CARGO_HOME;
    else process.env.CARGO_HOME = savedCargo;
    Module._resolveFilename = resolve;
  }
});

test("package.json: activation, language, grammar and settings agree", () => {
  assert.ok(pkg.activationEvents.includes("onLanguage:strata"));
  assert.deepEqual(pkg.contributes.languages[0].extensions, [".strata"]);
  assert.equal(pkg.contributes.grammars[0].scopeName, "source.strata");
  assert.equal(pkg.contributes.configuration.properties["strata.server.path"].type, "string");
  for (const [name, version] of Object.entries({ ...pkg.dependencies, ...pkg.devDependencies })) {
    assert.match(version, /^\d+\.\d+\.\d+$/, `${name} is pinned to an exact version`);
  }
  const snippets = JSON.parse(readFileSync(path.join(root, "snippets/strata.json"), "utf8"));
  const prefixes = Object.values(snippets).map((s) => s.prefix);
  for (const p of ["map", "layer", "group", "result", "measure", "action", "link"]) assert.ok(prefixes.includes(p), `snippet ${p}`);
});
