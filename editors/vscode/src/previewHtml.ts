// The map preview's page. Pure (no `vscode` import) so that the headless-browser
// test loads exactly the page the extension shows.

/** Messages from the extension to the page. */
export type ToPreview =
  | { type: "graph"; dot: string; errors: number; note: string | null; title: string }
  | { type: "highlight"; candidates: string[] }
  | { type: "error"; message: string }
  | { type: "requestSvg"; requestId: number };

/** Messages from the page to the extension. */
export type FromPreview =
  | { type: "ready" }
  | { type: "reveal"; id: string }
  | { type: "svg"; requestId: number; svg: string | null }
  | { type: "saveSvg" }
  | { type: "refresh" };

export interface PreviewPageOptions {
  /** The webview's `cspSource` (the origin its local resources are served from). */
  cspSource: string;
  /** A fresh random nonce for this page. */
  nonce: string;
  /** URI of the bundled page script (dist/webview.js). */
  scriptUri: string;
  /** URI of the page's style sheet (media/preview.css). */
  styleUri: string;
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** A nonce of 32 characters from a CSPRNG. */
export function makeNonce(random: (n: number) => Uint8Array): string {
  return Array.from(random(24), (b) => "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[b & 63]).join("");
}

export function previewHtml(o: PreviewPageOptions): string {
  // Nothing inline, nothing remote: scripts only with the nonce (and the Graphviz
  // WebAssembly module, compiled from bytes inside the bundle), styles only from the
  // extension, images only as data: or blob: URLs made by the page itself.
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${o.nonce}' 'wasm-unsafe-eval'`,
    `style-src ${o.cspSource}`,
    `img-src ${o.cspSource} data: blob:`,
    `font-src ${o.cspSource}`,
    "connect-src 'none'",
    "form-action 'none'",
    "base-uri 'none'",
  ].join("; ");
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="${escapeHtml(o.styleUri)}">
<title>Strata map preview</title>
</head>
<body>
<header id="toolbar" role="toolbar" aria-label="Map preview">
  <span id="title" class="title"></span>
  <span id="status" class="status" role="status" aria-live="polite"></span>
  <span class="spacer"></span>
  <button id="zoom-out" type="button" title="Zoom out (-)" aria-label="Zoom out">−</button>
  <button id="zoom-fit" type="button" title="Fit to window (0)" aria-label="Fit to window">Fit</button>
  <button id="zoom-in" type="button" title="Zoom in (+)" aria-label="Zoom in">+</button>
  <button id="save-svg" type="button" title="Save the map as SVG">Save SVG</button>
</header>
<div id="errors" class="errors" hidden></div>
<main id="viewport" tabindex="0" aria-label="Map: drag to pan, wheel to zoom, click a result to go to its declaration">
  <div id="canvas"></div>
  <p id="placeholder" class="placeholder">Waiting for the language server…</p>
</main>
<script nonce="${escapeHtml(o.nonce)}" src="${escapeHtml(o.scriptUri)}"></script>
</body>
</html>
`;
}
