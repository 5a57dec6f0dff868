// Opens the page `strata report --watch` serves in headless Chromium (playwright-core,
// /usr/bin/chromium or $STRATA_CHROMIUM), rewrites a map file, and says whether the
// page reloaded itself with the new text, as JSON on stdout, for tests/it/report.rs:
//   node watch-check.mjs URL FILE NEW_TEXT EXPECTED
// Requests to any other origin are blocked and listed, as are console errors and
// Content-Security-Policy violations (the reload script must be allowed, nothing else).
import { writeFileSync, existsSync } from "node:fs";
import { chromium } from "playwright-core";

const [url, file, text, expected] = process.argv.slice(2);
const executablePath = process.env.STRATA_CHROMIUM || "/usr/bin/chromium";
if (!existsSync(executablePath)) {
  console.error(`Chromium not found at ${executablePath}`);
  process.exit(2);
}
const origin = new URL(url).origin;
const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
});
const offsite = [];
const consoleErrors = [];
const paths = [];
try {
  const page = await browser.newPage();
  page.on("console", (m) => {
    if (m.type() === "error") consoleErrors.push(m.text());
  });
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  await page.route("**/*", (route) => {
    const u = new URL(route.request().url());
    if (u.origin !== origin) {
      offsite.push(u.href);
      return route.abort();
    }
    paths.push(u.pathname);
    return route.continue();
  });
  await page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener("securitypolicyviolation", (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  await page.goto(url, { waitUntil: "load" });
  const before = await page.evaluate(() => document.body.innerText);
  // Let the script poll at least once before the change.
  await page.waitForTimeout(1500);
  const csp = await page.evaluate(() => window.__csp);
  writeFileSync(file, text);
  let reloaded = false;
  for (let i = 0; i < 60 && !reloaded; i++) {
    await page.waitForTimeout(250);
    try {
      reloaded = (await page.evaluate(() => document.body.innerText)).includes(expected);
    } catch {
      // The page is reloading.
    }
  }
  const cspAfter = await page.evaluate(() => window.__csp).catch(() => []);
  console.log(
    JSON.stringify({ before, reloaded, offsite, consoleErrors, csp: [...csp, ...cspAfter], paths: [...new Set(paths)].sort() }),
  );
} finally {
  await browser.close();
}
