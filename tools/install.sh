#!/usr/bin/env bash
# Installs every tool the two commands need, skipping what is already there.
# Sourced by tools/serve.sh and tools/test.sh; safe to run on its own.
# Everything comes from package registries (rustup, crates.io, Debian, npm): no binary downloads.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Versions. WASM_BINDGEN must equal the `wasm-bindgen = "=…"` pin in Cargo.toml and
# `[tools] wasm_bindgen` in Trunk.toml (tools/test.sh checks that they agree).
TRUNK_VERSION=0.21.14          # 0.22 needs rustc >= 1.96.1
WASM_BINDGEN=0.2.130

say() { printf '\033[1m[install]\033[0m %s\n' "$*" >&2; }

# Debian packages: chromium + chromedriver for the browser tests, brotli for size figures.
need_apt=()
command -v chromium >/dev/null || need_apt+=(chromium)
command -v chromedriver >/dev/null || need_apt+=(chromium-driver)
command -v brotli >/dev/null || need_apt+=(brotli)
# A C compiler: the command line's JavaScript engine (QuickJS, through rquickjs) is C.
command -v cc >/dev/null || need_apt+=(gcc libc6-dev)
if [ ${#need_apt[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  say "apt-get install ${need_apt[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# Rust target for the widget.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# trunk, without TLS and update check: it never downloads anything (Trunk.toml: offline = true).
if ! trunk --version 2>/dev/null | grep -q " $TRUNK_VERSION\$"; then
  say "cargo install trunk $TRUNK_VERSION (about 7 minutes on 2 cores)"
  cargo install trunk --version "$TRUNK_VERSION" --locked --no-default-features
fi

# wasm-bindgen-cli: its version must equal the wasm-bindgen crate's. Not --locked: its
# lockfile names a webpki-roots release that the registry here does not have.
if ! wasm-bindgen --version 2>/dev/null | grep -q " $WASM_BINDGEN\$"; then
  say "cargo install wasm-bindgen-cli $WASM_BINDGEN (about 4 minutes)"
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN" --force
fi

# npm: wasm-opt (binaryen; Debian's 108 cannot read current Rust wasm), terser (the
# loader), playwright-core and axe-core (end-to-end tests), esbuild, typescript, react
# and react-dom (the package's tests).
if [ ! -x "$ROOT/tools/node_modules/.bin/wasm-opt" ] || [ ! -d "$ROOT/tools/node_modules/terser" ] \
   || [ ! -d "$ROOT/tools/node_modules/playwright-core" ] || [ ! -d "$ROOT/tools/node_modules/axe-core" ] \
   || [ ! -d "$ROOT/tools/node_modules/esbuild" ] || [ ! -d "$ROOT/tools/node_modules/typescript" ] \
   || [ "$ROOT/tools/package-lock.json" -nt "$ROOT/tools/node_modules/.package-lock.json" ]; then
  say "npm ci in tools/"
  (cd "$ROOT/tools" && npm ci --no-fund --no-audit --loglevel=error)
fi

# trunk finds wasm-opt only through PATH: ours must come first.
export PATH="$ROOT/tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
