// Checks the packaged .vsix of this platform (dist-vsix/strata-TARGET.vsix): the files
// the extension needs are in it, with the `strata` binary at server/strata, executable
// and byte for byte the binary packaged (STRATA_BIN, else target/release/strata), and the manifest names the target platform; the
// sources and node_modules are not in it.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { readVsix, serverBinary, vscodeTarget } from "./vsix.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const target = vscodeTarget();
const exe = process.platform === "win32" ? "strata.exe" : "strata";
const file = path.join(root, `dist-vsix/strata-${target}.vsix`);
const { size, entries } = readVsix(file);
const names = entries.map((e) => e.name);
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
  `extension/server/${exe}`,
];
const lower = names.map((n) => n.toLowerCase());
const problems = [];
const missing = required.filter((r) => !lower.includes(r.toLowerCase()));
if (missing.length) problems.push(`missing ${JSON.stringify(missing)}`);
const unwanted = names.filter((n) => /^extension\/(src|test|node_modules|scripts|out)\//.test(n) || n.endsWith(".map") || n.endsWith(".ts"));
if (unwanted.length) problems.push(`unwanted ${JSON.stringify(unwanted)}`);
const server = entries.find((e) => e.name === `extension/server/${exe}`);
if (server) {
  if (process.platform !== "win32" && (server.mode & 0o111) !== 0o111) problems.push(`server/${exe} is not executable (mode ${server.mode.toString(8)})`);
  const bin = serverBinary(root);
  if (!server.data().equals(readFileSync(bin))) problems.push(`server/${exe} differs from ${bin}`);
}
const manifest = entries.find((e) => e.name === "extension.vsixmanifest")?.data().toString("utf8") ?? "";
if (!manifest.includes(`TargetPlatform="${target}"`)) problems.push(`the manifest does not name the target platform ${target}`);
const mib = (size / 1024 / 1024).toFixed(1);
if (problems.length) {
  console.error(`vsix: FAIL ${path.relative(root, file)}: ${problems.join("; ")}`);
  process.exit(1);
}
console.log(`vsix: PASS ${path.relative(root, file)} (${names.length} files, ${mib} MiB, server/${exe} executable, target ${target})`);
