// Packages the extension for the platform it runs on, with the `strata` binary inside:
// dist-vsix/strata-TARGET.vsix (TARGET as `vsce package --target` names it, e.g.
// linux-x64), the binary at server/strata (server/strata.exe on Windows), as
// rust-analyzer's and Ruff's extensions ship theirs.
//
// The binary: STRATA_BIN when set, else the repository's target/release/strata (build it
// first with `cargo build --release`). The tests package target/debug/strata.
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { serverBinary, vscodeTarget } from "./vsix.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const exe = process.platform === "win32" ? "strata.exe" : "strata";
const bin = serverBinary(root);
if (!existsSync(bin)) {
  console.error(`package: ${bin} does not exist: run \`cargo build --release\` in the repository, or set STRATA_BIN`);
  process.exit(2);
}
const target = vscodeTarget();
rmSync(path.join(root, "server"), { recursive: true, force: true });
mkdirSync(path.join(root, "server"));
copyFileSync(bin, path.join(root, "server", exe));
chmodSync(path.join(root, "server", exe), 0o755);
mkdirSync(path.join(root, "dist-vsix"), { recursive: true });
const out = `dist-vsix/strata-${target}.vsix`;
const vsce = path.join(root, "node_modules/.bin", process.platform === "win32" ? "vsce.cmd" : "vsce");
const run = spawnSync(vsce, ["package", "--target", target, "--no-dependencies", "--skip-license", "--allow-missing-repository", "--out", out], {
  cwd: root,
  stdio: "inherit",
});
// server/ exists only while packaging: left behind, it would be "the bundled server" of
// the extension run from this folder (F5, the tests), a copy that silently goes stale.
rmSync(path.join(root, "server"), { recursive: true, force: true });
if (run.status !== 0) process.exit(run.status ?? 1);
console.log(`package: ${out} carries ${path.relative(process.cwd(), bin)} as server/${exe}`);
