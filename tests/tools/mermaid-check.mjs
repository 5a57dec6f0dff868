//! Parses Mermaid diagrams with Mermaid's own parser, headless (jsdom stands in for
//! the browser DOM that Mermaid's sanitizer needs), for the Rust tests.
//!
//! Input on stdin: a JSON array of diagram texts. Output on stdout: a JSON array with,
//! for each diagram, `{ ok: true, type, vertices, edges, subgraphs }` or
//! `{ ok: false, error }`. Labels are given as Mermaid stores them (`text`) and as the
//! text a reader sees once Mermaid's entity codes and the HTML are decoded (`shown`,
//! `<br>` as a newline). Install with `npm install --prefix tests/tools` (scripts/test).

import { JSDOM } from 'jsdom';

const dom = new JSDOM('<!doctype html><html><body></body></html>');
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import('mermaid');
mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' });

/** Mermaid's own `decodeEntities`, then the HTML as text. */
function shown(text) {
  if (typeof text !== 'string') return null;
  const html = text.replace(/ﬂ°°/g, '&#').replace(/ﬂ°/g, '&').replace(/¶ß/g, ';');
  const element = dom.window.document.createElement('div');
  element.innerHTML = html.replace(/<br\s*\/?>/gi, '\n');
  return element.textContent;
}

async function check(text) {
  try {
    await mermaid.parse(text);
    const diagram = await mermaid.mermaidAPI.getDiagramFromText(text);
    const db = diagram.db;
    const vertices = [...db.getVertices().values()].map((v) => ({
      id: v.id,
      type: v.type ?? null,
      text: v.text,
      shown: shown(v.text),
    }));
    const edges = db.getEdges().map((e) => ({
      from: e.start,
      to: e.end,
      stroke: e.stroke,
      text: e.text,
      shown: shown(e.text),
    }));
    const subgraphs = db.getSubGraphs().map((s) => ({
      id: s.id,
      title: s.title,
      shown: shown(s.title),
      nodes: [...s.nodes].sort(),
    }));
    return { ok: true, type: diagram.type, vertices, edges, subgraphs };
  } catch (error) {
    return { ok: false, error: String(error?.message ?? error) };
  }
}

// Decode once: a chunk boundary may fall inside a UTF-8 character.
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const results = [];
for (const text of JSON.parse(Buffer.concat(chunks).toString('utf8'))) results.push(await check(text));
process.stdout.write(JSON.stringify(results));
