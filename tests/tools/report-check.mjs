// Opens an HTML report in headless Chromium (playwright-core, /usr/bin/chromium or
// $STRATA_CHROMIUM) and says what a person would see, as JSON on stdout, for
// tests/it/report.rs to judge:
//   node report-check.mjs REPORT.html SCREENSHOT_PREFIX
// The page is served from memory at a made-up origin; every other request is blocked
// and listed. Console errors and page errors are listed. Screenshots: PREFIX-top.png
// (the first screen: title and map), PREFIX-chart.png (the first measure with a chart)
// and PREFIX-page.png (the whole page, cut at 12,000 pixels).
import { readFileSync, existsSync } from "node:fs";
import { chromium } from "playwright-core";

const [file, shots] = process.argv.slice(2);
const executablePath = process.env.STRATA_CHROMIUM || "/usr/bin/chromium";
if (!existsSync(executablePath)) {
  console.error(`Chromium not found at ${executablePath}`);
  process.exit(2);
}
const ORIGIN = "https://report.strata.test";
const html = readFileSync(file);
const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
});
const requests = [];
const consoleErrors = [];
const dialogs = [];
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") consoleErrors.push(`${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  page.on("dialog", (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await page.route("**/*", (route) => {
    const url = route.request().url();
    if (url === `${ORIGIN}/report.html`) {
      return route.fulfill({ status: 200, contentType: "text/html; charset=utf-8", body: html });
    }
    requests.push(url);
    return route.abort();
  });
  await page.goto(`${ORIGIN}/report.html`, { waitUntil: "load" });
  const seen = await page.evaluate(() => {
    const target = (href) => {
      try {
        return document.getElementById(decodeURIComponent(href.slice(1)));
      } catch {
        return null;
      }
    };
    const links = [...document.querySelectorAll("a[href]")].map((a) => a.getAttribute("href"));
    const unresolved = links.filter((h) => !h.startsWith("#") || !target(h));
    const results = [...document.querySelectorAll("article.result")].map((a) => a.id);
    const mapLinks = [...document.querySelectorAll("#map svg a[href]")].map((a) => a.getAttribute("href"));
    const charts = [...document.querySelectorAll("svg.xmr")].map((svg) => {
      const title = svg.querySelector(":scope > title");
      const box = svg.getBoundingClientRect();
      return {
        section: svg.closest("section.measure")?.id ?? null,
        title: title ? title.textContent : null,
        drawn: box.width > 100 && box.height > 50,
        points: ((svg.querySelector("path.v")?.getAttribute("d") ?? "").match(/[Ml]/g) ?? []).length,
        signals: [...svg.querySelectorAll("g.s > title")].map((t) => t.textContent),
      };
    });
    const signalText = [...document.querySelectorAll("ul.signals li")].map((li) => li.textContent);
    const scripts = document.querySelectorAll("script").length;
    return { title: document.title, results, mapLinks, unresolved, charts, signalText, scripts, text: document.body.innerText };
  });
  // Each link on the map leads to its result's section when clicked.
  const clicked = [];
  for (const href of seen.mapLinks.slice(0, 3)) {
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.locator(`#map svg a[href="${href.replace(/"/g, '\\"')}"]`).first().click();
    clicked.push({ href, hash: decodeURIComponent(await page.evaluate(() => location.hash)) });
  }
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `${shots}-top.png` });
  const chart = page.locator("section.measure:has(svg.xmr)").first();
  if ((await chart.count()) > 0) await chart.screenshot({ path: `${shots}-chart.png` });
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.screenshot({ path: `${shots}-page.png`, clip: { x: 0, y: 0, width: 1280, height: Math.min(height, 12000) } });
  await page.emulateMedia({ media: "print" });
  const pdf = await page.pdf({ format: "A4", printBackground: true });
  console.log(JSON.stringify({ ...seen, clicked, requests, consoleErrors, dialogs, pdfBytes: pdf.length }));
} finally {
  await browser.close();
}
