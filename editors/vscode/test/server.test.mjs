// The extension's two halves against the real server: finding the binary
// (src/server.ts), and `strata/graph` from `strata lsp` drawn by the preview page in
// headless Chromium. STRATA_BIN: the binary (default: target/debug/strata).
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { chromium } from "playwright-core";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const repo = path.resolve(root, "../..");
const require = createRequire(import.meta.url);
const { bundledPath, findServer } = require(path.join(root, "out/server.cjs"));
const { previewHtml } = require(path.join(root, "out/previewHtml.cjs"));
const rpc = require("vscode-jsonrpc/node");
const bin = process.env.STRATA_BIN || path.join(repo, "target/debug/strata");

const tmp = mkdtempSync(path.join(os.tmpdir(), "strata-vscode-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

test("findServer: the setting first, then PATH, and a clear reason when missing", () => {
  const fake = path.join(tmp, "strata");
  writeFileSync(fake, "#!/bin/sh\n");
  chmodSync(fake, 0o755);
  const env = { PATH: tmp, CARGO_HOME: path.join(tmp, "no-cargo") };
  assert.deepEqual(findServer("", undefined, env), { path: fake, from: "PATH" });
  assert.deepEqual(findServer(fake, undefined, { PATH: "", CARGO_HOME: env.CARGO_HOME }), { path: fake, from: "setting" });
  assert.deepEqual(findServer("./strata", tmp, { PATH: "", CARGO_HOME: env.CARGO_HOME }), { path: fake, from: "setting" });
  assert.deepEqual(findServer("${workspaceFolder}/strata", tmp, { PATH: "", CARGO_HOME: env.CARGO_HOME }), { path: fake, from: "setting" });
  const missing = findServer("", undefined, { PATH: path.join(tmp, "nowhere"), CARGO_HOME: env.CARGO_HOME });
  assert.equal(missing.path, null);
  assert.match(missing.reason, /not found on PATH/);
  const badSetting = findServer("/no/such/strata", undefined, env);
  assert.equal(badSetting.path, null);
  assert.match(badSetting.reason, /strata\.server\.path.*not an executable/);
  writeFileSync(path.join(tmp, "plain"), "");
  assert.equal(findServer(path.join(tmp, "plain"), undefined, env).path, null, "a file that is not executable is not the server");
});

test("findServer: the setting, then the bundled server, then PATH", () => {
  const ext = path.join(tmp, "ext");
  const onPath = path.join(tmp, "bin");
  mkdirSync(path.join(ext, "server"), { recursive: true });
  mkdirSync(onPath);
  const bundled = bundledPath(ext);
  assert.equal(bundled, path.join(ext, "server", "strata"));
  for (const f of [bundled, path.join(onPath, "strata")]) {
    writeFileSync(f, "#!/bin/sh\n");
    chmodSync(f, 0o755);
  }
  const env = { PATH: onPath, CARGO_HOME: path.join(tmp, "no-cargo") };
  assert.deepEqual(findServer("", undefined, env, bundled), { path: bundled, from: "bundled" }, "bundled before PATH");
  assert.deepEqual(findServer("strata", undefined, env, bundled), { path: path.join(onPath, "strata"), from: "setting" }, '"strata": the one on PATH');
  const other = path.join(tmp, "strata");
  assert.deepEqual(findServer(other, undefined, env, bundled), { path: other, from: "setting" });
  assert.equal(findServer("/no/such/strata", undefined, env, bundled).path, null, "a broken setting does not fall back to the bundled server");
  chmodSync(bundled, 0o644);
  assert.deepEqual(findServer("", undefined, env, bundled), { path: bundled, from: "bundled" }, "the executable bit put back");
  rmSync(bundled);
  assert.deepEqual(findServer("", undefined, env, bundled), { path: path.join(onPath, "strata"), from: "PATH" });
  const none = findServer("", undefined, { PATH: "", CARGO_HOME: env.CARGO_HOME }, bundled);
  assert.equal(none.path, null);
  assert.match(none.reason, /no bundled server \(.*server[\\/]strata is missing.*\), and the Strata language server .* not found on PATH/);
});

async function withServer(workspace, fn) {
  const proc = spawn(bin, ["lsp"], { stdio: ["pipe", "pipe", "inherit"] });
  const conn = rpc.createMessageConnection(new rpc.StreamMessageReader(proc.stdout), new rpc.StreamMessageWriter(proc.stdin));
  const diagnostics = new Map();
  conn.onNotification("textDocument/publishDiagnostics", (p) => diagnostics.set(p.uri, p.diagnostics));
  conn.onRequest(() => null); // workspace/configuration, registerCapability, …
  conn.listen();
  try {
    const uri = pathToFileURL(workspace).href;
    await conn.sendRequest("initialize", { processId: process.pid, rootUri: uri, capabilities: {}, workspaceFolders: [{ uri, name: "ws" }] });
    await conn.sendNotification("initialized", {});
    return await fn(conn, diagnostics);
  } finally {
    await conn.sendRequest("shutdown").catch(() => {});
    await conn.sendNotification("exit").catch(() => {});
    conn.dispose();
    proc.kill();
  }
}

async function graph(conn, params) {
  // The workspace is scanned after `initialized`: ask until the map is there.
  for (let i = 0; i < 100; i++) {
    try {
      const answer = await conn.sendRequest("strata/graph", params);
      if (answer?.text?.includes(params.format === "json" ? '"links"' : "->")) return answer;
    } catch {
      // not loaded yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("strata/graph never answered with a map");
}

test("strata/graph from the real server, drawn by the preview page", { skip: !process.env.STRATA_BIN && !existsSync(bin) && `no server at ${bin}` }, async () => {
  const coffee = path.join(repo, "examples/coffee");
  const { dot, json, broken } = await withServer(coffee, async (conn) => {
    const fileUri = pathToFileURL(path.join(coffee, "coffee.strata")).href;
    const text = readFileSync(path.join(coffee, "coffee.strata"), "utf8");
    await conn.sendNotification("textDocument/didOpen", { textDocument: { uri: fileUri, languageId: "strata", version: 1, text } });
    const dot = await graph(conn, { format: "dot", uri: fileUri });
    const json = await graph(conn, { format: "json", uri: fileUri });
    // An edit that breaks the file: the answer says how many errors.
    await conn.sendNotification("textDocument/didChange", {
      textDocument: { uri: fileUri, version: 2 },
      contentChanges: [{ text: text + "\nresult broken \"x\" { layer: nowhere }\n" }],
    });
    const broken = await conn.sendRequest("strata/graph", { format: "dot", uri: fileUri });
    return { dot, json, broken };
  });
  assert.equal(dot.format, "dot");
  assert.equal(dot.errors, 0);
  assert.equal(dot.note, null);
  assert.ok(broken.errors >= 1, `expected errors after the edit, got ${broken.errors}`);
  assert.match(broken.note, /error/);
  const model = JSON.parse(json.text);
  const expected = [...model.results, ...model.actions].map((n) => n.id).sort();

  const browser = await chromium.launch({
    executablePath: process.env.STRATA_CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
  });
  try {
    const page = await browser.newPage();
    const ORIGIN = "https://preview.strata.test";
    const files = {
      "/index.html": ["text/html", previewHtml({ cspSource: ORIGIN, nonce: "n0nce", scriptUri: `${ORIGIN}/dist/webview.js`, styleUri: `${ORIGIN}/media/preview.css` })],
      "/dist/webview.js": ["text/javascript", readFileSync(path.join(root, "dist/webview.js"))],
      "/media/preview.css": ["text/css", readFileSync(path.join(root, "media/preview.css"))],
    };
    await page.route("**/*", (route) => {
      const url = new URL(route.request().url());
      const file = url.origin === ORIGIN ? files[url.pathname] : undefined;
      return file ? route.fulfill({ status: 200, contentType: file[0], body: file[1] }) : route.abort();
    });
    await page.addInitScript(() => {
      window.__posted = [];
      window.acquireVsCodeApi = () => ({ postMessage: (m) => window.__posted.push(m), getState: () => undefined, setState: () => {} });
    });
    await page.goto(`${ORIGIN}/index.html`);
    await page.waitForFunction(() => window.__posted.some((m) => m.type === "ready"));
    await page.evaluate((m) => window.postMessage(m, "*"), { type: "graph", dot: dot.text, errors: dot.errors, note: dot.note, title: "coffee" });
    await page.waitForFunction(() => document.body.dataset.rendered === "1", null, { timeout: 30000 });
    const ids = await page.$$eval("g.strata-node", (gs) => gs.map((g) => g.getAttribute("data-strata-id")).sort());
    assert.deepEqual(ids, expected, "one node per result and action of the JSON export");
    assert.equal(await page.locator("#errors").isHidden(), true);
    await page.evaluate((m) => window.postMessage(m, "*"), { type: "graph", dot: broken.text, errors: broken.errors, note: broken.note, title: "coffee" });
    await page.waitForFunction(() => document.body.dataset.rendered === "2", null, { timeout: 30000 });
    assert.equal(await page.locator("#errors").isVisible(), true);
    assert.match(await page.locator("#errors").textContent(), /error/);
    await page.locator(`g.strata-node[data-strata-id="${expected[0]}"]`).click();
    assert.deepEqual(await page.evaluate(() => window.__posted.at(-1)), { type: "reveal", id: expected[0] });
  } finally {
    await browser.close();
  }
});
