// Reads a .vsix (a zip file) with no unzip program: the central directory's entries,
// each with its name, its Unix mode and its contents on demand.
import { readFileSync } from "node:fs";
import path from "node:path";
import { inflateRawSync } from "node:zlib";

export function readVsix(file) {
  const zip = readFileSync(file);
  let eocd = zip.length - 22;
  while (eocd >= 0 && zip.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  if (eocd < 0) throw new Error(`${file} is not a zip file`);
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const entries = [];
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`${file}: bad central directory entry ${i}`);
    const method = zip.readUInt16LE(at + 10);
    const compressed = zip.readUInt32LE(at + 20);
    const nameLen = zip.readUInt16LE(at + 28);
    const extraLen = zip.readUInt16LE(at + 30);
    const commentLen = zip.readUInt16LE(at + 32);
    const mode = zip.readUInt32LE(at + 38) >>> 16;
    const local = zip.readUInt32LE(at + 42);
    const name = zip.toString("utf8", at + 46, at + 46 + nameLen);
    entries.push({
      name,
      mode,
      data() {
        const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
        const raw = zip.subarray(start, start + compressed);
        if (method === 0) return raw;
        if (method === 8) return inflateRawSync(raw);
        throw new Error(`${file}: ${name} uses zip method ${method}`);
      },
    });
    at += 46 + nameLen + extraLen + commentLen;
  }
  return { size: zip.length, entries };
}

/** The VS Code target of this machine, as `vsce package --target` names it. */
export function vscodeTarget(platform = process.platform, arch = process.arch) {
  const known = { linux: ["x64", "arm64", "armhf"], darwin: ["x64", "arm64"], win32: ["x64", "arm64"] };
  const a = arch === "arm" ? "armhf" : arch;
  if (!known[platform]?.includes(a)) throw new Error(`no VS Code target for ${platform}-${arch}`);
  return `${platform}-${a}`;
}

/** The `strata` binary to package: STRATA_BIN, else the repository's release build. */
export function serverBinary(extensionRoot) {
  const exe = process.platform === "win32" ? "strata.exe" : "strata";
  return process.env.STRATA_BIN || path.resolve(extensionRoot, "../../target/release", exe);
}
