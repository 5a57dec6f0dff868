// Finding the `strata` binary: the `strata.server.path` setting, then PATH, then
// Cargo's default install directory.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export type Found = { path: string; from: "setting" | "PATH" | "cargo" } | { path: null; reason: string };

function isExecutable(file: string): boolean {
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile()) return false;
    if (process.platform === "win32") return true;
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function candidates(dir: string, name: string): string[] {
  if (process.platform !== "win32") return [path.join(dir, name)];
  const exts = (process.env.PATHEXT ?? ".EXE;.CMD;.BAT").split(";").filter(Boolean);
  return [path.join(dir, name), ...exts.map((e) => path.join(dir, name + e.toLowerCase()))];
}

/** Expands `~` and `${workspaceFolder}`, and resolves a relative path against the first folder. */
export function expandSetting(value: string, workspaceFolder: string | undefined): string {
  let p = value.trim();
  if (p === "~" || p.startsWith("~/") || p.startsWith("~\\")) p = path.join(os.homedir(), p.slice(1));
  if (workspaceFolder) p = p.replace(/\$\{workspaceFolder\}/g, workspaceFolder);
  if (!path.isAbsolute(p) && workspaceFolder && /[\\/]/.test(p)) p = path.resolve(workspaceFolder, p);
  return p;
}

export function findServer(setting: string, workspaceFolder: string | undefined, env = process.env): Found {
  if (setting.trim()) {
    const p = expandSetting(setting, workspaceFolder);
    if (path.isAbsolute(p)) {
      return isExecutable(p)
        ? { path: p, from: "setting" }
        : { path: null, reason: `\`strata.server.path\` is set to "${setting}", but ${p} is not an executable file.` };
    }
    // A bare name such as "strata-nightly": look it up on PATH below.
    return lookUp(p, env) ?? { path: null, reason: `\`strata.server.path\` is "${setting}", which is not on PATH.` };
  }
  const onPath = lookUp("strata", env);
  if (onPath) return onPath;
  const cargoHome = env.CARGO_HOME || path.join(os.homedir(), ".cargo");
  for (const c of candidates(path.join(cargoHome, "bin"), "strata")) {
    if (isExecutable(c)) return { path: c, from: "cargo" };
  }
  return { path: null, reason: "The Strata language server (the `strata` binary) was not found on PATH." };
}

function lookUp(name: string, env: NodeJS.ProcessEnv): Found | undefined {
  for (const dir of (env.PATH ?? env.Path ?? "").split(path.delimiter)) {
    if (!dir) continue;
    for (const c of candidates(dir, name)) if (isExecutable(c)) return { path: c, from: "PATH" };
  }
  return undefined;
}
