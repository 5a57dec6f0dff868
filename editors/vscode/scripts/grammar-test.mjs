// The TextMate grammar's tests: the assertions in test/grammar/*.strata through
// vscode-tmgrammar-test, then every .strata file of the repository's examples must
// tokenize with no `invalid.*` scope.
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const bin = path.join(root, "node_modules/.bin/vscode-tmgrammar-test");
const run = spawnSync(bin, ["-g", "syntaxes/strata.tmLanguage.json", "test/grammar/*.strata"], { cwd: root, stdio: "inherit" });
let failed = run.status === 0 ? 0 : 1;
if (failed) console.error(`grammar: vscode-tmgrammar-test failed (exit ${run.status})`);

// Its own copies of vscode-textmate and the Oniguruma WebAssembly build.
const req = createRequire(path.join(root, "node_modules/vscode-tmgrammar-test/package.json"));
const vsctm = req("vscode-textmate");
const onig = req("vscode-oniguruma");
await onig.loadWASM(readFileSync(req.resolve("vscode-oniguruma/release/onig.wasm")).buffer);
const registry = new vsctm.Registry({
  onigLib: Promise.resolve({ createOnigScanner: (p) => new onig.OnigScanner(p), createOnigString: (s) => new onig.OnigString(s) }),
  loadGrammar: async () => vsctm.parseRawGrammar(readFileSync(path.join(root, "syntaxes/strata.tmLanguage.json"), "utf8"), "strata.tmLanguage.json"),
});
const grammar = await registry.loadGrammar("source.strata");

function* strataFiles(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* strataFiles(p);
    else if (entry.name.endsWith(".strata")) yield p;
  }
}

const examples = path.resolve(root, "../../examples");
let files = 0;
for (const file of strataFiles(examples)) {
  files++;
  let stack = vsctm.INITIAL;
  const lines = readFileSync(file, "utf8").split(/\r?\n/);
  lines.forEach((line, i) => {
    const r = grammar.tokenizeLine(line, stack);
    for (const t of r.tokens) {
      const bad = t.scopes.find((s) => s.startsWith("invalid."));
      if (bad) {
        failed++;
        console.error(`grammar: ${path.relative(root, file)}:${i + 1}:${t.startIndex + 1}: ${bad} on ${JSON.stringify(line.slice(t.startIndex, t.endIndex))}`);
      }
    }
    stack = r.ruleStack;
  });
  const lastScopes = grammar.tokenizeLine("", stack).tokens[0].scopes;
  if (lastScopes.length > 1) {
    failed++;
    console.error(`grammar: ${path.relative(root, file)} ends inside ${lastScopes.at(-1)}`);
  }
}
if (files === 0) {
  console.error("grammar: no example .strata files found");
  failed++;
}
console.log(failed ? `grammar: FAIL` : `grammar: PASS (fixtures, and ${files} example files with no invalid token)`);
process.exit(failed ? 1 : 0);
