#!/usr/bin/env bash
# Neovim headless smoke test: editors/neovim's setup starts `strata lsp` for a broken
# file and receives its diagnostics. Usage: smoke.sh [path/to/strata]
# (default: target/debug/strata at the root of the repository).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
repo="$(cd "$here/../.." && pwd)"
bin="${1:-${STRATA_BIN:-$repo/target/debug/strata}}"
if [ ! -x "$bin" ]; then
  echo "neovim smoke: FAIL $bin is not an executable (build it with cargo build)"
  exit 1
fi
command -v nvim >/dev/null || { echo "neovim smoke: FAIL nvim is not installed"; exit 1; }

dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
cat >"$dir/broken.strata" <<'STRATA'
layer customer "Customer"

result loyal "Regulars come back every working day" {
  layer: customer
  owner: "Head of Stores"
}

result fast "Orders are ready on time" {
  layer: nowhere
}

fast -> loyal -> missing_result
STRATA
: >"$dir/strata.toml"

# --clean is 0.8+; -u NONE with an explicit runtimepath works on 0.7.2 too.
STRATA_BIN="$bin" SMOKE_DIR="$dir" timeout 60 nvim --headless -u NONE -i NONE -n \
  --cmd "set runtimepath^=$here" --cmd "filetype plugin on" --cmd "syntax on" \
  -c "luafile $here/test/smoke.lua" </dev/null
