// The live map preview: a webview beside the editor, redrawn from `strata/graph` as
// the user types.
import * as crypto from "node:crypto";
import * as path from "node:path";
import * as vscode from "vscode";
import { makeNonce, previewHtml, type FromPreview, type ToPreview } from "./previewHtml";

/** The answer to `strata/graph` (src/lsp/graph.rs). */
export interface GraphResponse {
  format: string;
  text: string;
  errors: number;
  note: string | null;
  root: string | null;
}

export interface GraphSource {
  /** Sends `strata/graph`; undefined when the server is not running. */
  graph(format: "dot" | "mermaid" | "json", uri?: vscode.Uri): Promise<GraphResponse | undefined>;
}

export class MapPreview implements vscode.Disposable {
  static current: MapPreview | undefined;
  static readonly viewType = "strata.preview";

  private readonly disposables: vscode.Disposable[] = [];
  private timer: NodeJS.Timeout | undefined;
  private followTimer: NodeJS.Timeout | undefined;
  private seq = 0;
  private svgRequests = new Map<number, (svg: string | null) => void>();
  private nextSvgRequest = 1;
  private ready = false;
  private readyWaiters: (() => void)[] = [];
  private rendered: Promise<void> = Promise.resolve();

  static show(context: vscode.ExtensionContext, source: GraphSource, uri: vscode.Uri | undefined): MapPreview {
    if (MapPreview.current) {
      if (uri) MapPreview.current.uri = uri;
      MapPreview.current.panel.reveal(undefined, true);
      MapPreview.current.refresh();
      return MapPreview.current;
    }
    const panel = vscode.window.createWebviewPanel(
      MapPreview.viewType,
      "Strata Map",
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      {
        enableScripts: true,
        retainContextWhenHidden: true,
        localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, "dist"), vscode.Uri.joinPath(context.extensionUri, "media")],
      },
    );
    MapPreview.current = new MapPreview(context, panel, source, uri);
    return MapPreview.current;
  }

  private constructor(
    context: vscode.ExtensionContext,
    private readonly panel: vscode.WebviewPanel,
    private readonly source: GraphSource,
    private uri: vscode.Uri | undefined,
  ) {
    const webview = panel.webview;
    panel.iconPath = vscode.Uri.joinPath(context.extensionUri, "media", "icon.svg");
    webview.html = previewHtml({
      cspSource: webview.cspSource,
      nonce: makeNonce((n) => crypto.randomBytes(n)),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(context.extensionUri, "dist", "webview.js")).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(context.extensionUri, "media", "preview.css")).toString(),
    });
    void vscode.commands.executeCommand("setContext", "strata.previewOpen", true);
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      webview.onDidReceiveMessage((m: FromPreview) => this.onMessage(m)),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.document.languageId === "strata" && e.contentChanges.length > 0) this.schedule();
      }),
      vscode.workspace.onDidSaveTextDocument((d) => {
        if (d.languageId === "strata") this.schedule();
      }),
      vscode.window.onDidChangeTextEditorSelection((e) => {
        if (e.textEditor.document.languageId !== "strata") return;
        if (this.followTimer) clearTimeout(this.followTimer);
        this.followTimer = setTimeout(() => void this.follow(e.textEditor), 80);
      }),
      vscode.window.onDidChangeActiveTextEditor((e) => {
        if (e?.document.languageId === "strata") {
          this.uri = e.document.uri;
          void this.follow(e);
        }
      }),
    );
    const watcher = vscode.workspace.createFileSystemWatcher("**/*.{strata,toml}");
    this.disposables.push(watcher, watcher.onDidCreate(() => this.schedule()), watcher.onDidDelete(() => this.schedule()), watcher.onDidChange(() => this.schedule()));
  }

  private post(message: ToPreview) {
    void this.panel.webview.postMessage(message);
  }

  private onMessage(m: FromPreview) {
    switch (m.type) {
      case "ready":
        this.ready = true;
        this.readyWaiters.splice(0).forEach((f) => f());
        this.refresh();
        break;
      case "refresh":
        this.refresh();
        break;
      case "reveal":
        if (typeof m.id === "string") void revealId(this.source, m.id, this.uri);
        break;
      case "saveSvg":
        void vscode.commands.executeCommand("strata.preview.saveSvg");
        break;
      case "svg": {
        const resolve = this.svgRequests.get(m.requestId);
        this.svgRequests.delete(m.requestId);
        resolve?.(typeof m.svg === "string" ? m.svg : null);
        break;
      }
    }
  }

  /** Redraws after the configured quiet time. */
  schedule() {
    const delay = vscode.workspace.getConfiguration("strata").get<number>("preview.debounce", 300);
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.refresh(), Math.max(0, delay));
  }

  refresh() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.ready) return;
    const seq = ++this.seq;
    this.rendered = (async () => {
      try {
        const answer = await this.source.graph("dot", this.uri);
        if (seq !== this.seq) return; // a newer request is on its way
        if (!answer) {
          this.post({ type: "error", message: "The Strata language server is not running: run “Strata: Restart Language Server”." });
          return;
        }
        const title = answer.root ? path.basename(answer.root) : "Strata map";
        this.post({ type: "graph", dot: answer.text, errors: answer.errors, note: answer.note, title });
        const editor = vscode.window.activeTextEditor;
        if (editor?.document.languageId === "strata") void this.follow(editor);
      } catch (e) {
        if (seq === this.seq) this.post({ type: "error", message: `The map could not be drawn: ${e instanceof Error ? e.message : String(e)}` });
      }
    })();
  }

  /** Highlights the node of the item under the cursor (or the id the cursor is on). */
  private async follow(editor: vscode.TextEditor) {
    if (!vscode.workspace.getConfiguration("strata").get<boolean>("preview.followCursor", true)) return;
    const pos = editor.selection.active;
    const ids: string[] = [];
    const word = editor.document.getWordRangeAtPosition(pos, /[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*/u);
    if (word) ids.push(editor.document.getText(word));
    try {
      const symbols = await vscode.commands.executeCommand<(vscode.DocumentSymbol | vscode.SymbolInformation)[] | undefined>(
        "vscode.executeDocumentSymbolProvider",
        editor.document.uri,
      );
      let level = (symbols ?? []).filter((s): s is vscode.DocumentSymbol => "children" in s);
      const chain: string[] = [];
      for (;;) {
        const hit = level.find((s) => s.range.contains(pos));
        if (!hit) break;
        chain.unshift(hit.name);
        level = hit.children;
      }
      ids.push(...chain);
    } catch {
      // no symbols: the word alone
    }
    this.post({ type: "highlight", candidates: ids });
  }

  /** The SVG the preview shows now (null when nothing is drawn). */
  async svg(): Promise<string | null> {
    if (!this.ready) await new Promise<void>((resolve) => this.readyWaiters.push(resolve));
    await this.rendered;
    const requestId = this.nextSvgRequest++;
    return new Promise((resolve) => {
      this.svgRequests.set(requestId, resolve);
      this.post({ type: "requestSvg", requestId });
      setTimeout(() => {
        if (this.svgRequests.delete(requestId)) resolve(null);
      }, 15000);
    });
  }

  dispose() {
    if (MapPreview.current === this) MapPreview.current = undefined;
    void vscode.commands.executeCommand("setContext", "strata.previewOpen", false);
    if (this.timer) clearTimeout(this.timer);
    if (this.followTimer) clearTimeout(this.followTimer);
    this.svgRequests.forEach((resolve) => resolve(null));
    this.svgRequests.clear();
    this.panel.dispose();
    this.disposables.splice(0).forEach((d) => d.dispose());
  }
}

/** Opens the declaration of `id`: the server's workspace symbols, else the JSON export's file and line. */
export async function revealId(source: GraphSource, id: string, uri: vscode.Uri | undefined): Promise<boolean> {
  let location: vscode.Location | undefined;
  try {
    const found = await vscode.commands.executeCommand<vscode.SymbolInformation[] | undefined>("vscode.executeWorkspaceSymbolProvider", id);
    location = found?.find((s) => s.name === id)?.location;
  } catch {
    // fall back to the export below
  }
  if (!location) {
    const answer = await source.graph("json", uri).catch(() => undefined);
    if (answer?.root) {
      try {
        const model = JSON.parse(answer.text) as Record<string, unknown>;
        for (const list of ["results", "actions", "measures", "groups", "layers"]) {
          const node = (model[list] as { id?: string; file?: string; line?: number }[] | undefined)?.find((n) => n.id === id);
          if (node?.file && node.line) {
            const file = vscode.Uri.file(path.resolve(answer.root, node.file));
            location = new vscode.Location(file, new vscode.Position(Math.max(0, node.line - 1), 0));
            break;
          }
        }
      } catch {
        // not JSON: nothing to reveal
      }
    }
  }
  if (!location) {
    void vscode.window.showWarningMessage(`Strata: could not find where \`${id}\` is declared.`);
    return false;
  }
  const column = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === location!.uri.toString())?.viewColumn ?? vscode.ViewColumn.One;
  const doc = await vscode.workspace.openTextDocument(location.uri);
  const editor = await vscode.window.showTextDocument(doc, { viewColumn: column, preserveFocus: false });
  const at = location.range.start;
  editor.selection = new vscode.Selection(at, at);
  editor.revealRange(location.range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  return true;
}
