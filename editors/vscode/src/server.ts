// Finding the `strata` binary, in this order (the first that exists wins):
//   1. the `strata.server.path` setting, when set: an absolute path, a path relative to
//      the workspace folder, or a bare name (such as "strata") looked up on PATH; when
//      it names nothing executable the server does not start (no silent fallback);
//   2. the binary bundled in a platform-specific .vsix: `server/strata` (`strata.exe`
//      on Windows) inside the extension;
//   3. `strata` on PATH;
//   4. Cargo's default install directory (`$CARGO_HOME/bin`, `~/.cargo/bin`), where
//      `cargo install` puts it even when that is not on the PATH VS Code was given.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export type Source = "setting" | "bundled" | "PATH" | "cargo";
export type Found = { path: string; from: Source } | { path: null; reason: string };

/** How the output channel and the status bar name each source. */
export const SOURCE_TEXT: Record<Source, string> = {
  setting: "from the `strata.server.path` setting",
  bundled: "bundled with the extension",
  PATH: "found on PATH",
  cargo: "found in Cargo's bin directory",
};

/** The bundled binary's path inside an extension folder. */
export function bundledPath(extensionDir: string, platform = process.platform): string {
  return path.join(extensionDir, "server", platform === "win32" ? "strata.exe" : "strata");
}

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

/** `bundled`: the path `bundledPath` gives, or undefined when the extension has no folder. */
export function findServer(setting: string, workspaceFolder: string | undefined, env = process.env, bundled?: string): Found {
  if (setting.trim()) {
    const p = expandSetting(setting, workspaceFolder);
    if (path.isAbsolute(p)) {
      return isExecutable(p)
        ? { path: p, from: "setting" }
        : { path: null, reason: `\`strata.server.path\` is set to "${setting}", but ${p} is not an executable file.` };
    }
    // A bare name: "strata" (the one on PATH rather than the bundled one), "strata-nightly".
    const named = lookUp(p, env);
    return named?.path ? { path: named.path, from: "setting" } : { path: null, reason: `\`strata.server.path\` is "${setting}", which is not on PATH.` };
  }
  // A .vsix unpacked by a tool that dropped the executable bit: put it back.
  if (bundled && process.platform !== "win32" && fs.existsSync(bundled) && !isExecutable(bundled)) {
    try {
      fs.chmodSync(bundled, 0o755);
    } catch {
      // reported below as missing
    }
  }
  if (bundled && isExecutable(bundled)) return { path: bundled, from: "bundled" };
  const onPath = lookUp("strata", env);
  if (onPath) return onPath;
  const cargoHome = env.CARGO_HOME || path.join(os.homedir(), ".cargo");
  for (const c of candidates(path.join(cargoHome, "bin"), "strata")) {
    if (isExecutable(c)) return { path: c, from: "cargo" };
  }
  const notFound = "the Strata language server (the `strata` binary) was not found on PATH";
  return {
    path: null,
    reason: bundled
      ? `This extension has no bundled server (${bundled} is missing: the .vsix was not built for this platform), and ${notFound}.`
      : `The ${notFound.slice(4)}.`,
  };
}

function lookUp(name: string, env: NodeJS.ProcessEnv): Found | undefined {
  for (const dir of (env.PATH ?? env.Path ?? "").split(path.delimiter)) {
    if (!dir) continue;
    for (const c of candidates(dir, name)) if (isExecutable(c)) return { path: c, from: "PATH" };
  }
  return undefined;
}
