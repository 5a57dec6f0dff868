// The Strata extension: starts `strata lsp` through vscode-languageclient (which binary:
// src/server.ts; the status bar and the Strata output channel say which one runs, or why
// none could start), and offers the map preview, export and restart commands.
import { execFile } from "node:child_process";
import * as path from "node:path";
import * as vscode from "vscode";
import { LanguageClient, State, type LanguageClientOptions, type ServerOptions } from "vscode-languageclient/node";
import { MapPreview, type GraphResponse, type GraphSource } from "./preview";
import { bundledPath, findServer, SOURCE_TEXT } from "./server";

let client: LanguageClient | undefined;
let output: vscode.OutputChannel;
let status: vscode.StatusBarItem;
let starting: Promise<void> | undefined;

const source: GraphSource = {
  async graph(format, uri) {
    if (!client || client.state !== State.Running) {
      if (starting) await starting;
      if (!client || client.state !== State.Running) return undefined;
    }
    const params: { format: string; uri?: string } = { format };
    if (uri && uri.scheme === "file") params.uri = client.code2ProtocolConverter.asUri(uri);
    try {
      return await client.sendRequest<GraphResponse>("strata/graph", params);
    } catch (e) {
      // A document outside any workspace: export the first workspace instead.
      if (params.uri) return client.sendRequest<GraphResponse>("strata/graph", { format });
      throw e;
    }
  },
};

function workspaceFolder(): string | undefined {
  const active = vscode.window.activeTextEditor?.document.uri;
  const folder = (active && vscode.workspace.getWorkspaceFolder(active)) ?? vscode.workspace.workspaceFolders?.[0];
  return folder?.uri.scheme === "file" ? folder.uri.fsPath : undefined;
}

/** `strata --version`, or why the binary could not be run. */
function serverVersion(file: string): Promise<{ version: string } | { error: string }> {
  return new Promise((resolve) => {
    execFile(file, ["--version"], { timeout: 10_000 }, (err, stdout, stderr) => {
      if (err) resolve({ error: `${file} --version failed: ${(stderr || err.message).trim()}` });
      else resolve({ version: stdout.trim() });
    });
  });
}

/** The status bar says which server runs, or that none does; the tooltip says why. */
function showStatus(state: "starting" | "running" | "failed", text: string, tooltip: string) {
  const icon = state === "starting" ? "$(sync~spin)" : state === "running" ? "$(check)" : "$(error)";
  status.text = `${icon} ${text}`;
  status.tooltip = `${tooltip}\n\nClick to show the Strata output.`;
  status.backgroundColor = state === "failed" ? new vscode.ThemeColor("statusBarItem.errorBackground") : undefined;
  status.show();
}

async function notStarted(reason: string) {
  output.appendLine(`No language server: ${reason}`);
  showStatus("failed", "Strata: no server", reason);
  void vscode.commands.executeCommand("setContext", "strata.active", false);
  const choice = await vscode.window.showErrorMessage(
    `Strata: ${reason} Set \`strata.server.path\` to a \`strata\` binary, or install one ` +
      "(from the Strata repository: `cargo install --locked --path .`) so that `strata` is on PATH, then restart the server.",
    "Set Server Path",
    "Restart Server",
    "Show Output",
  );
  if (choice === "Set Server Path") void vscode.commands.executeCommand("workbench.action.openSettings", "strata.server.path");
  if (choice === "Restart Server") void vscode.commands.executeCommand("strata.restartServer");
  if (choice === "Show Output") output.show();
}

async function startClient(context: vscode.ExtensionContext): Promise<void> {
  const config = vscode.workspace.getConfiguration("strata");
  showStatus("starting", "Strata: starting", "Looking for the Strata language server.");
  const found = findServer(config.get<string>("server.path", ""), workspaceFolder(), process.env, bundledPath(context.extensionUri.fsPath));
  if (found.path === null) return notStarted(found.reason);
  const how = SOURCE_TEXT[found.from];
  const ran = await serverVersion(found.path);
  if ("error" in ran) return notStarted(`The server ${how} could not be run. ${ran.error}`);
  const which = `${ran.version} (${found.path}, ${how})`;
  output.appendLine(`Starting the language server: ${which}`);
  const env = { ...process.env, ...config.get<Record<string, string>>("server.extraEnv", {}) };
  const serverOptions: ServerOptions = {
    run: { command: found.path, args: ["lsp"], options: { env } },
    debug: { command: found.path, args: ["lsp"], options: { env } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: "file", language: "strata" },
      { scheme: "untitled", language: "strata" },
    ],
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher("**/{*.strata,strata.toml}") },
    outputChannel: output,
  };
  const started = new LanguageClient("strata", "Strata", serverOptions, clientOptions);
  client = started;
  started.onDidChangeState((e) => {
    if (client !== started) return;
    if (e.newState === State.Stopped && e.oldState === State.Running) {
      output.appendLine(`The language server stopped: ${which}`);
      showStatus("failed", "Strata: server stopped", `The language server stopped: ${which}. Run "Strata: Restart Language Server".`);
    }
  });
  try {
    await started.start();
    output.appendLine(`Running: ${which}`);
    showStatus("running", `Strata ${ran.version.replace(/^strata\s+/, "")}`, `Running ${which}.`);
    void vscode.commands.executeCommand("setContext", "strata.active", true);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    client = undefined;
    return notStarted(`The server ${found.path} lsp (${how}) failed to start: ${message}`);
  }
  context.subscriptions.push({ dispose: () => void started.stop() });
}

async function restart(context: vscode.ExtensionContext) {
  const old = client;
  client = undefined;
  if (old) {
    try {
      await old.stop();
    } catch {
      // already gone
    }
  }
  starting = startClient(context);
  await starting;
  MapPreview.current?.refresh();
}

const EXPORTS = [
  { label: "DOT", description: "Graphviz", format: "dot", ext: "dot" },
  { label: "Mermaid", description: "flowchart for Markdown", format: "mermaid", ext: "mmd" },
  { label: "JSON", description: "the compiled model", format: "json", ext: "json" },
  { label: "SVG", description: "the picture the preview draws", format: "svg", ext: "svg" },
] as const;

async function saveText(defaultName: string, ext: string, text: string) {
  const folder = workspaceFolder();
  const target = await vscode.window.showSaveDialog({
    defaultUri: folder ? vscode.Uri.file(path.join(folder, defaultName)) : undefined,
    filters: { [ext.toUpperCase()]: [ext] },
    saveLabel: "Export",
  });
  if (!target) return;
  await vscode.workspace.fs.writeFile(target, Buffer.from(text, "utf8"));
  void vscode.window.showInformationMessage(`Strata: map saved to ${vscode.workspace.asRelativePath(target)}`);
}

async function exportSvg(context: vscode.ExtensionContext) {
  const uri = activeStrataUri();
  const preview = MapPreview.current ?? MapPreview.show(context, source, uri);
  const svg = await preview.svg();
  if (!svg) {
    void vscode.window.showErrorMessage("Strata: the preview has no map to save yet.");
    return;
  }
  await saveText("map.svg", "svg", svg);
}

async function exportMap(context: vscode.ExtensionContext) {
  const pick = await vscode.window.showQuickPick([...EXPORTS], { placeHolder: "Export the map as…" });
  if (!pick) return;
  if (pick.format === "svg") return exportSvg(context);
  const answer = await source.graph(pick.format, activeStrataUri());
  if (!answer) {
    void vscode.window.showErrorMessage("Strata: the language server is not running.");
    return;
  }
  if (answer.note) void vscode.window.showWarningMessage(`Strata: ${answer.note}`);
  await saveText(`map.${pick.ext}`, pick.ext, answer.text);
}

function activeStrataUri(): vscode.Uri | undefined {
  const doc = vscode.window.activeTextEditor?.document;
  return doc?.languageId === "strata" ? doc.uri : undefined;
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  output = vscode.window.createOutputChannel("Strata");
  status = vscode.window.createStatusBarItem("strata.server", vscode.StatusBarAlignment.Left, 0);
  status.name = "Strata Language Server";
  status.command = "strata.showOutput";
  context.subscriptions.push(
    output,
    status,
    vscode.commands.registerCommand("strata.showOutput", () => output.show()),
    vscode.commands.registerCommand("strata.restartServer", () => restart(context)),
    vscode.commands.registerCommand("strata.openPreview", () => MapPreview.show(context, source, activeStrataUri())),
    vscode.commands.registerCommand("strata.exportMap", () => exportMap(context)),
    vscode.commands.registerCommand("strata.preview.saveSvg", () => exportSvg(context)),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration("strata.server")) void restart(context);
    }),
    { dispose: () => MapPreview.current?.dispose() },
  );
  starting = startClient(context);
  await starting;
}

export async function deactivate(): Promise<void> {
  const running = client;
  client = undefined;
  if (running?.isRunning()) await running.stop();
}
