// Checks the packaged .vsix: the files the extension needs are in it, the sources
// and node_modules are not. Reads the zip's central directory (no unzip needed).
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const file = path.join(root, "dist-vsix/strata.vsix");
const zip = readFileSync(file);
let eocd = zip.length - 22;
while (eocd >= 0 && zip.readUInt32LE(eocd) !== 0x06054b50) eocd--;
if (eocd < 0) throw new Error(`${file} is not a zip file`);
const count = zip.readUInt16LE(eocd + 10);
let at = zip.readUInt32LE(eocd + 16);
const names = [];
for (let i = 0; i < count; i++) {
  const nameLen = zip.readUInt16LE(at + 28);
  const extraLen = zip.readUInt16LE(at + 30);
  const commentLen = zip.readUInt16LE(at + 32);
  names.push(zip.toString("utf8", at + 46, at + 46 + nameLen));
  at += 46 + nameLen + extraLen + commentLen;
}
const required = [
  "extension.vsixmanifest",
  "extension/package.json",
  "extension/readme.md",
  "extension/dist/extension.js",
  "extension/dist/webview.js",
  "extension/media/preview.css",
  "extension/language-configuration.json",
  "extension/syntaxes/strata.tmLanguage.json",
  "extension/snippets/strata.json",
];
const lower = names.map((n) => n.toLowerCase());
const missing = required.filter((r) => !lower.includes(r.toLowerCase()));
const unwanted = names.filter((n) => /^extension\/(src|test|node_modules|scripts|out)\//.test(n) || n.endsWith(".map") || n.endsWith(".ts"));
const size = (zip.length / 1024 / 1024).toFixed(1);
if (missing.length || unwanted.length) {
  console.error(`vsix: FAIL ${path.relative(root, file)}: missing ${JSON.stringify(missing)}, unwanted ${JSON.stringify(unwanted)}`);
  process.exit(1);
}
console.log(`vsix: PASS ${path.relative(root, file)} (${names.length} files, ${size} MiB)`);
