// The map preview page: renders the DOT the language server sends with Graphviz
// compiled to WebAssembly (bundled, nothing fetched), pans and zooms, highlights the
// node under the editor's cursor and asks the extension to reveal a clicked node.
import { instance, type Viz } from "@viz-js/viz";
import type { FromPreview, ToPreview } from "../previewHtml";

interface VsCodeApi {
  postMessage(message: FromPreview): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const viewport = $<HTMLElement>("viewport");
const canvas = $<HTMLDivElement>("canvas");
const placeholder = $<HTMLParagraphElement>("placeholder");
const statusEl = $<HTMLSpanElement>("status");
const titleEl = $<HTMLSpanElement>("title");
const errorsEl = $<HTMLDivElement>("errors");

const SVG_NS = "http://www.w3.org/2000/svg";
const XLINK_NS = "http://www.w3.org/1999/xlink";

let vizPromise: Promise<Viz> | undefined;
let svg: SVGSVGElement | undefined;
let nodes = new Map<string, SVGGElement>();
let highlighted: string | null = null;
let wanted: string[] = [];
let renderDone: Promise<void> = Promise.resolve();
let view = { x: 0, y: 0, scale: 1 };
let fitted = false;
let pending: Extract<ToPreview, { type: "graph" }> | undefined;
let rendering = false;

// Everything from the map is shown as text (textContent), never parsed as HTML.
function setText(el: HTMLElement, text: string) {
  el.textContent = text;
}

function showError(message: string | null) {
  if (message) {
    setText(errorsEl, message);
    errorsEl.hidden = false;
  } else {
    errorsEl.textContent = "";
    errorsEl.hidden = true;
  }
}

/** Removes anything from Graphviz's SVG that could run code or load something. */
function sanitize(root: Element) {
  for (const el of Array.from(root.querySelectorAll("script, foreignObject, iframe, object, embed"))) el.remove();
  for (const el of [root, ...Array.from(root.querySelectorAll("*"))]) {
    for (const attr of Array.from(el.attributes)) {
      const name = attr.name.toLowerCase();
      const value = attr.value.trim().toLowerCase();
      if (name.startsWith("on")) el.removeAttribute(attr.name);
      else if ((name === "href" || name === "xlink:href" || name === "src") && !value.startsWith("#")) {
        el.removeAttribute(attr.name);
        el.removeAttributeNS(XLINK_NS, "href");
      }
    }
  }
}

/** The strata id of each node: Graphviz writes the DOT node name as the node's <title>. */
function indexNodes(root: SVGSVGElement): Map<string, SVGGElement> {
  const map = new Map<string, SVGGElement>();
  for (const g of Array.from(root.querySelectorAll<SVGGElement>("g.node"))) {
    const id = g.querySelector(":scope > title")?.textContent ?? "";
    if (!id || id.startsWith("@")) continue; // layer anchors are invisible helpers
    g.classList.add("strata-node");
    g.setAttribute("data-strata-id", id);
    g.setAttribute("role", "link");
    g.setAttribute("tabindex", "0");
    map.set(id, g);
  }
  return map;
}

function applyTransform() {
  canvas.style.transform = `translate(${view.x}px, ${view.y}px) scale(${view.scale})`;
  vscode.setState({ view });
}

function fit() {
  if (!svg) return;
  const w = svg.width.baseVal.value || svg.getBBox().width;
  const h = svg.height.baseVal.value || svg.getBBox().height;
  const box = viewport.getBoundingClientRect();
  const scale = Math.min(box.width / w, box.height / h, 2) * 0.97 || 1;
  view = { scale, x: (box.width - w * scale) / 2, y: (box.height - h * scale) / 2 };
  applyTransform();
}

function zoomAt(factor: number, cx: number, cy: number) {
  const scale = Math.min(8, Math.max(0.05, view.scale * factor));
  const k = scale / view.scale;
  view = { scale, x: cx - (cx - view.x) * k, y: cy - (cy - view.y) * k };
  applyTransform();
}

function zoomCentre(factor: number) {
  const box = viewport.getBoundingClientRect();
  zoomAt(factor, box.width / 2, box.height / 2);
}

function highlight(id: string | null) {
  if (highlighted) nodes.get(highlighted)?.classList.remove("strata-highlight");
  highlighted = id;
  const g = id ? nodes.get(id) : undefined;
  if (!g) return;
  g.classList.add("strata-highlight");
  // Bring the node into view if it is outside the viewport.
  const r = g.getBoundingClientRect();
  const box = viewport.getBoundingClientRect();
  if (r.right < box.left || r.left > box.right || r.bottom < box.top || r.top > box.bottom) {
    view.x += box.left + box.width / 2 - (r.left + r.width / 2);
    view.y += box.top + box.height / 2 - (r.top + r.height / 2);
    applyTransform();
  }
}

/** Highlights the first of `ids` that is a node of the map (the innermost item first). */
function highlightFirst(ids: string[]) {
  wanted = ids;
  highlight(ids.find((id) => nodes.has(id)) ?? null);
}

async function render(msg: Extract<ToPreview, { type: "graph" }>) {
  pending = msg;
  if (rendering) return;
  rendering = true;
  try {
    while (pending) {
      const next = pending;
      pending = undefined;
      vizPromise ??= instance();
      const viz = await vizPromise;
      let el: SVGSVGElement;
      try {
        el = viz.renderSVGElement(next.dot, { engine: "dot" });
      } catch (e) {
        showError(`The map could not be drawn: ${e instanceof Error ? e.message : String(e)}`);
        continue;
      }
      sanitize(el);
      el.removeAttribute("style");
      svg?.remove();
      svg = el;
      canvas.appendChild(el);
      nodes = indexNodes(el);
      placeholder.hidden = true;
      setText(titleEl, next.title);
      setText(statusEl, `${nodes.size} node${nodes.size === 1 ? "" : "s"}`);
      if (next.errors > 0) {
        showError(next.note ?? `The workspace has ${next.errors} error${next.errors === 1 ? "" : "s"}.`);
      } else {
        showError(null);
      }
      document.body.dataset.errors = String(next.errors);
      if (!fitted) {
        fit();
        fitted = true;
      }
      highlighted = null;
      highlightFirst(wanted);
      document.body.dataset.rendered = String(Number(document.body.dataset.rendered ?? "0") + 1);
    }
  } finally {
    rendering = false;
  }
}

function svgText(): string | null {
  if (!svg) return null;
  const copy = svg.cloneNode(true) as SVGSVGElement;
  for (const g of Array.from(copy.querySelectorAll(".strata-node"))) {
    g.classList.remove("strata-node", "strata-highlight");
    for (const a of ["data-strata-id", "role", "tabindex"]) g.removeAttribute(a);
    if (!g.getAttribute("class")) g.setAttribute("class", "node");
  }
  copy.setAttribute("xmlns", SVG_NS);
  copy.setAttribute("xmlns:xlink", XLINK_NS);
  return `<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n${new XMLSerializer().serializeToString(copy)}\n`;
}

window.addEventListener("message", (event: MessageEvent<ToPreview>) => {
  const msg = event.data;
  if (!msg || typeof msg !== "object") return;
  switch (msg.type) {
    case "graph":
      renderDone = render(msg);
      break;
    case "highlight":
      highlightFirst(Array.isArray(msg.candidates) ? msg.candidates.filter((c) => typeof c === "string") : []);
      break;
    case "error":
      showError(String(msg.message));
      if (!svg) placeholder.hidden = true;
      break;
    case "requestSvg": {
      const requestId = msg.requestId;
      void renderDone.then(async () => {
        while (rendering) await new Promise((r) => setTimeout(r, 20));
        vscode.postMessage({ type: "svg", requestId, svg: svgText() });
      });
      break;
    }
  }
});

// Clicking a node reveals its declaration; dragging pans.
let drag: { x: number; y: number; vx: number; vy: number; moved: boolean } | undefined;
viewport.addEventListener("pointerdown", (e) => {
  if (e.button !== 0) return;
  drag = { x: e.clientX, y: e.clientY, vx: view.x, vy: view.y, moved: false };
});
window.addEventListener("pointermove", (e) => {
  if (!drag) return;
  const dx = e.clientX - drag.x;
  const dy = e.clientY - drag.y;
  if (!drag.moved && Math.hypot(dx, dy) < 4) return;
  if (!drag.moved) viewport.setPointerCapture?.(e.pointerId);
  drag.moved = true;
  viewport.classList.add("panning");
  view.x = drag.vx + dx;
  view.y = drag.vy + dy;
  applyTransform();
});
window.addEventListener("pointerup", (e) => {
  const wasDrag = drag?.moved;
  drag = undefined;
  viewport.classList.remove("panning");
  if (wasDrag) return;
  const g = (e.target as Element | null)?.closest?.("g.strata-node");
  const id = g?.getAttribute("data-strata-id");
  if (id) vscode.postMessage({ type: "reveal", id });
});
viewport.addEventListener("keydown", (e) => {
  const g = (e.target as Element | null)?.closest?.("g.strata-node");
  const id = g?.getAttribute("data-strata-id");
  if (id && (e.key === "Enter" || e.key === " ")) {
    vscode.postMessage({ type: "reveal", id });
    e.preventDefault();
  } else if (e.key === "+" || e.key === "=") zoomCentre(1.25);
  else if (e.key === "-") zoomCentre(0.8);
  else if (e.key === "0") fit();
});
viewport.addEventListener(
  "wheel",
  (e) => {
    e.preventDefault();
    const box = viewport.getBoundingClientRect();
    zoomAt(Math.exp(-e.deltaY * (e.deltaMode === 1 ? 0.05 : 0.0015)), e.clientX - box.left, e.clientY - box.top);
  },
  { passive: false },
);
$("zoom-in").addEventListener("click", () => zoomCentre(1.25));
$("zoom-out").addEventListener("click", () => zoomCentre(0.8));
$("zoom-fit").addEventListener("click", fit);
$("save-svg").addEventListener("click", () => vscode.postMessage({ type: "saveSvg" }));

const saved = vscode.getState() as { view?: typeof view } | undefined;
if (saved?.view && Number.isFinite(saved.view.scale)) {
  view = saved.view;
  fitted = true;
  applyTransform();
}
vizPromise = instance();
vscode.postMessage({ type: "ready" });
