// Bundles the extension (Node, CommonJS, `vscode` external), the preview page's
// script (browser, with Graphviz WebAssembly inside) and, for the tests, the page
// generator.
import * as esbuild from "esbuild";

const production = process.argv.includes("--production");
const common = { bundle: true, sourcemap: !production, minify: production, logLevel: "warning", legalComments: "none" };

await Promise.all([
  esbuild.build({ ...common, entryPoints: ["src/extension.ts"], outfile: "dist/extension.js", platform: "node", format: "cjs", target: "node18", external: ["vscode"] }),
  esbuild.build({ ...common, entryPoints: ["src/webview/main.ts"], outfile: "dist/webview.js", platform: "browser", format: "iife", target: "es2022" }),
  ...["previewHtml", "server"].map((name) =>
    esbuild.build({ ...common, sourcemap: false, entryPoints: [`src/${name}.ts`], outfile: `out/${name}.cjs`, platform: "node", format: "cjs", target: "node18" }),
  ),
]);
console.log("build: ok (dist/extension.js, dist/webview.js)");
