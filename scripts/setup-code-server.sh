#!/usr/bin/env bash
# Installs code-server (package.json config.codeServerVersion; 4.100.x = VS Code 1.100, the newest that runs
# on Node 20) into .cache/code-server so the extension can be tested inside a real VS Code. Idempotent:
# skipped when that version is already installed. Recipe and reasons: docs/testing-in-vscode.md.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VERSION="$(node -p 'require(process.argv[1]).config.codeServerVersion' "$ROOT/package.json")"
[[ "$VERSION" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "package.json config.codeServerVersion is not a version: $VERSION" >&2; exit 1; }
DEST="$ROOT/.cache/code-server"
BIN="$DEST/node_modules/code-server/out/node/entry.js"

if [[ -f "$BIN" && -f "$DEST/.installed-$VERSION" ]]; then
  echo "code-server $VERSION already installed in $DEST"
  exit 0
fi

need_apt=()
[[ -x /usr/bin/chromium ]] || need_apt+=(chromium)
[[ -f /usr/include/gssapi/gssapi.h ]] || need_apt+=(libkrb5-dev) # kerberos native build needs gssapi headers
if (( ${#need_apt[@]} )); then
  if [[ $(id -u) -ne 0 ]]; then echo "Missing ${need_apt[*]}: install them with apt-get (needs root)." >&2; exit 1; fi
  apt-get -o DPkg::Lock::Timeout=300 install -y "${need_apt[@]}" || {
    apt-get -o DPkg::Lock::Timeout=300 update && apt-get -o DPkg::Lock::Timeout=300 install -y "${need_apt[@]}"; }
fi

mkdir -p "$DEST"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# code-server pins @vscode/ripgrep 1.15.11, whose postinstall downloads rg from GitHub (unreachable here).
# Pre-fill its download cache with the rg binary from the registry package instead.
export TMPDIR="${TMPDIR:-/tmp}"
RG_CACHE="$TMPDIR/vscode-ripgrep-cache-1.15.11"
RG_TAR="$RG_CACHE/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
if [[ ! -f "$RG_TAR" ]]; then
  mkdir -p "$RG_CACHE"
  (cd "$WORK" && npm pack --silent @vscode/ripgrep-linux-x64@1.18.0 >/dev/null && tar xzf vscode-ripgrep-linux-x64-*.tgz)
  tar czf "$RG_TAR" -C "$WORK/package/bin" rg
fi

cd "$DEST"
[[ -f package.json ]] || echo '{"name":"code-server-cache","private":true}' > package.json
# postinstall demands unsafe-perm as root; node-pty's postinstall runs `npx node-gyp` (yes=true).
npm_config_unsafe_perm=true npm_config_yes=true npm install --no-audit --no-fund "code-server@$VERSION"
touch "$DEST/.installed-$VERSION"
echo "code-server $VERSION installed in $DEST"
