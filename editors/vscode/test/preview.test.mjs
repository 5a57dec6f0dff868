// Loads the map preview page (the very HTML the extension puts in its webview) in
// headless Chromium, with a stand-in for the webview API, and checks what it draws
// and what it posts back. Chromium: /usr/bin/chromium (or $STRATA_CHROMIUM).
// STRATA_PREVIEW_SCREENSHOT=file.png also saves a screenshot of the library example.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { chromium } from "playwright-core";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const { previewHtml } = require(path.join(root, "out/previewHtml.cjs"));
const fixture = (name) => readFileSync(path.join(root, "test/fixtures", name), "utf8");

const ORIGIN = "https://preview.strata.test";
const executablePath = process.env.STRATA_CHROMIUM || "/usr/bin/chromium";
let browser;
let page;
const offsite = [];
const dialogs = [];
const consoleErrors = [];

before(async () => {
  assert.ok(existsSync(executablePath), `Chromium not found at ${executablePath}`);
  assert.ok(existsSync(path.join(root, "dist/webview.js")), "dist/webview.js is missing: run `npm run build` first");
  browser = await chromium.launch({
    executablePath,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
  page.on("dialog", (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  page.on("console", (m) => {
    if (m.type() === "error") consoleErrors.push(m.text());
  });
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  const html = previewHtml({
    cspSource: ORIGIN,
    nonce: "testnonce0123456789abcdefghijklm",
    scriptUri: `${ORIGIN}/dist/webview.js`,
    styleUri: `${ORIGIN}/media/preview.css`,
  });
  const files = {
    "/index.html": ["text/html", html],
    "/dist/webview.js": ["text/javascript", readFileSync(path.join(root, "dist/webview.js"))],
    "/media/preview.css": ["text/css", readFileSync(path.join(root, "media/preview.css"))],
  };
  // Everything is served from memory; any other request fails the test.
  await page.route("**/*", (route) => {
    const url = new URL(route.request().url());
    const file = url.origin === ORIGIN ? files[url.pathname] : undefined;
    if (!file) {
      offsite.push(url.href);
      return route.abort();
    }
    return route.fulfill({ status: 200, contentType: file[0], body: file[1] });
  });
  await page.addInitScript(() => {
    window.__posted = [];
    window.__csp = [];
    let state;
    window.acquireVsCodeApi = () => ({
      postMessage: (m) => window.__posted.push(JSON.parse(JSON.stringify(m))),
      getState: () => state,
      setState: (s) => {
        state = s;
      },
    });
    document.addEventListener("securitypolicyviolation", (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  await page.goto(`${ORIGIN}/index.html`);
  await page.waitForFunction(() => window.__posted.some((m) => m.type === "ready"));
});

after(async () => {
  await browser?.close();
});

async function send(message) {
  await page.evaluate((m) => window.postMessage(m, "*"), message);
}

async function draw(dot, extra = {}) {
  const before = await page.evaluate(() => Number(document.body.dataset.rendered ?? "0"));
  await send({ type: "graph", dot, errors: 0, note: null, title: "coffee", ...extra });
  await page.waitForFunction((n) => Number(document.body.dataset.rendered ?? "0") > n, before, { timeout: 30000 });
}

const posted = () => page.evaluate(() => window.__posted);
const nodeIds = () => page.$$eval("#canvas svg g.strata-node", (gs) => gs.map((g) => g.getAttribute("data-strata-id")).sort());

test("the page loads under its Content-Security-Policy and says it is ready", async () => {
  const csp = await page.$eval('meta[http-equiv="Content-Security-Policy"]', (m) => m.content);
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'nonce-[^']+' 'wasm-unsafe-eval'/);
  assert.doesNotMatch(csp, /'unsafe-inline'|'unsafe-eval'|\*/);
  assert.deepEqual((await posted()).filter((m) => m.type === "ready").length, 1);
});

test("renders the sample graph as an SVG with one node per result and action", async () => {
  await draw(fixture("coffee.dot"));
  assert.equal(await page.locator("#canvas svg").count(), 1);
  assert.deepEqual(await nodeIds(), ["baristas", "fast_service", "loyal", "preorder_app", "profit"]);
  assert.equal(await page.locator("#title").textContent(), "coffee");
  assert.equal(await page.locator("#errors").isHidden(), true);
  const edges = await page.locator("#canvas svg g.edge").count();
  assert.ok(edges >= 5, `expected the links as edges, found ${edges}`);
});

test("a click on a node posts reveal with its id", async () => {
  await page.evaluate(() => (window.__posted.length = 0));
  await page.locator('g.strata-node[data-strata-id="fast_service"]').click();
  assert.deepEqual(await posted(), [{ type: "reveal", id: "fast_service" }]);
  await page.evaluate(() => (window.__posted.length = 0));
  await page.locator('g.strata-node[data-strata-id="preorder_app"]').click();
  assert.deepEqual(await posted(), [{ type: "reveal", id: "preorder_app" }]);
});

test("dragging pans and the wheel zooms, without posting reveal", async () => {
  const transform = () => page.$eval("#canvas", (c) => c.style.transform);
  await page.evaluate(() => (window.__posted.length = 0));
  const t0 = await transform();
  const box = await page.locator('g.strata-node[data-strata-id="loyal"]').boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 + 80, box.y + box.height / 2 + 40, { steps: 5 });
  await page.mouse.up();
  const t1 = await transform();
  assert.notEqual(t1, t0, "drag should pan");
  assert.deepEqual(await posted(), [], "a drag is not a click");
  await page.mouse.wheel(0, -300);
  await page.waitForFunction((t) => document.getElementById("canvas").style.transform !== t, t1);
  assert.match(await transform(), /scale\(/);
  await page.click("#zoom-fit");
});

test("highlights the node under the cursor (first candidate that is a node)", async () => {
  await send({ type: "highlight", candidates: ["owner", "margin", "loyal", "profit"] });
  await page.waitForSelector('g.strata-highlight[data-strata-id="loyal"]');
  assert.equal(await page.locator("g.strata-highlight").count(), 1);
  await send({ type: "highlight", candidates: ["nothing_here"] });
  await page.waitForFunction(() => !document.querySelector("g.strata-highlight"));
  await send({ type: "highlight", candidates: ["profit"] });
  await page.waitForSelector('g.strata-highlight[data-strata-id="profit"]');
  // The highlight survives a redraw.
  await draw(fixture("coffee.dot"));
  await page.waitForSelector('g.strata-highlight[data-strata-id="profit"]');
});

test("shows the error count when the workspace has errors", async () => {
  await draw(fixture("coffee.dot"), { errors: 2, note: "the workspace has 2 errors: what they concern is left out of the map" });
  assert.equal(await page.locator("#errors").isVisible(), true);
  assert.match(await page.locator("#errors").textContent(), /2 errors/);
  await draw(fixture("coffee.dot"), { errors: 0, note: null });
  assert.equal(await page.locator("#errors").isHidden(), true);
});

test("strings from the map are shown as text, never run", async () => {
  await draw(fixture("hostile.dot"), { title: '<img src=x onerror="alert(9)">', errors: 1, note: "<script>alert(10)</script>" });
  assert.deepEqual(await nodeIds(), ["a", "évil"]);
  assert.equal(await page.locator("#title").textContent(), '<img src=x onerror="alert(9)">');
  assert.equal(await page.locator("#errors").textContent(), "<script>alert(10)</script>");
  assert.equal(await page.locator("img, iframe, foreignObject, #canvas script, [onerror], [onload]").count(), 0);
  assert.equal(await page.locator("script").count(), 1, "only the page's own script");
  const text = await page.locator("#canvas svg").textContent();
  assert.ok(text.includes("<script>alert(1)</script>"), "the statement is drawn as text");
  await page.locator('g.strata-node[data-strata-id="évil"]').click();
  assert.deepEqual((await posted()).at(-1), { type: "reveal", id: "évil" });
  await page.waitForTimeout(200);
  assert.deepEqual(dialogs, [], "no script from the map ran");
});

test("answers requestSvg with a standalone SVG document", async () => {
  await draw(fixture("coffee.dot"));
  await send({ type: "requestSvg", requestId: 7 });
  await page.waitForFunction(() => window.__posted.some((m) => m.type === "svg"));
  const answer = (await posted()).find((m) => m.type === "svg");
  assert.equal(answer.requestId, 7);
  assert.match(answer.svg, /^<\?xml version="1.0"/);
  const check = await page.evaluate((s) => {
    const doc = new DOMParser().parseFromString(s, "image/svg+xml");
    return { error: doc.querySelector("parsererror")?.textContent ?? null, nodes: doc.querySelectorAll("g.node").length, extra: doc.querySelectorAll("[data-strata-id], .strata-node").length };
  }, answer.svg);
  assert.equal(check.error, null);
  assert.ok(check.nodes >= 5);
  assert.equal(check.extra, 0, "the saved SVG carries no preview-only markup");
  await page.click("#save-svg");
  assert.deepEqual((await posted()).at(-1), { type: "saveSvg" });
});

test("nothing was fetched from outside, no CSP violation, no page error", async () => {
  if (process.env.STRATA_PREVIEW_SCREENSHOT) {
    await draw(fixture("library.dot"), { title: "library" });
    await send({ type: "highlight", candidates: ["storytime"] });
    await page.click("#zoom-fit");
    await page.waitForTimeout(100);
    await page.screenshot({ path: process.env.STRATA_PREVIEW_SCREENSHOT });
  }
  assert.deepEqual(offsite, []);
  assert.deepEqual(await page.evaluate(() => window.__csp), []);
  assert.deepEqual(consoleErrors, []);
});
