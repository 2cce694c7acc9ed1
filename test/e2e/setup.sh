#!/usr/bin/env bash
# Installs what the end-to-end suite needs on a fresh Debian machine: Debian's chromium, ripgrep and
# libkrb5-dev, then code-server (pinned, in test/e2e/tools/, never in the extension's dependencies).
# Idempotent: a second run with everything in place takes well under a second.
# See ../../../shared/notes/vscode-e2e.md (or the project's notes) for why each workaround exists.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tools="$here/tools"

say() { echo "[e2e setup] $*"; }

# ---- Debian packages
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v rg >/dev/null 2>&1 || need+=(ripgrep)
[ -f /usr/include/gssapi.h ] || need+=(libkrb5-dev)
if [ ${#need[@]} -gt 0 ]; then
  say "apt-get install ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  sudo_=""; [ "$(id -u)" = 0 ] || sudo_="sudo"
  # another apt may hold the lock for a while (CI machines, parallel setups): wait for it
  for attempt in 1 2 3 4 5 6 7 8 9 10 11 12; do
    if $sudo_ apt-get update -q >/dev/null && $sudo_ apt-get install -y -q "${need[@]}" >/dev/null; then break; fi
    [ "$attempt" = 12 ] && { say "apt-get install ${need[*]} failed"; exit 1; }
    sleep 10
  done
fi

# ---- code-server, from the lockfile in tools/
stamp="$tools/node_modules/.model-studio-setup"
want="$( { cat "$tools/package-lock.json" "$tools/package.json" 2>/dev/null || true; } | sha256sum | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -f "$tools/node_modules/code-server/out/node/entry.js" ] \
   && [ -d "$tools/node_modules/code-server/lib/vscode/node_modules" ]; then
  say "code-server already installed ($(node -p "require('$tools/node_modules/code-server/package.json').version"))"
  exit 0
fi

# @vscode/ripgrep's postinstall downloads rg from GitHub unless it finds this tarball first.
cache="${TMPDIR:-/tmp}/vscode-ripgrep-cache-1.15.11"
tarball="$cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
if [ ! -f "$tarball" ]; then
  mkdir -p "$cache"
  tmp="$(mktemp -d)"; cp "$(command -v rg)" "$tmp/rg"
  tar -czf "$tarball" -C "$tmp" rg; rm -rf "$tmp"
fi

say "npm ci in $tools (code-server; a few minutes the first time)"
# unsafe_perm: code-server's postinstall refuses to run as root otherwise.
# yes: node-pty's postinstall runs `npx node-gyp`, which cancels when npm's `yes` is false.
# nodedir: build native modules against the installed Node headers (no download).
# allow-scripts: npm 11 skips dependencies' install scripts unless allowed; code-server's postinstall
# runs nested `npm install`s (lib/vscode, its extensions) whose native modules need theirs too, and
# those nested installs have no allowScripts of their own, so the environment allows them all.
export npm_config_unsafe_perm=true npm_config_yes=true npm_config_nodedir=/usr
export npm_config_dangerously_allow_all_scripts=true npm_config_ignore_scripts=false
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
cd "$tools"
if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
node -e "require('fs').accessSync('node_modules/code-server/lib/vscode/node_modules')" || { say "code-server's postinstall did not install VS Code's modules"; exit 1; }
cat package-lock.json package.json | sha256sum | cut -d' ' -f1 > "$stamp"
say "code-server $(node -p "require('./node_modules/code-server/package.json').version") installed"
