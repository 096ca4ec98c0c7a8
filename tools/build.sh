#!/usr/bin/env bash
# Builds the release widget into dist/chatlet/, the folder a site copies to any static
# host or CDN as it is and the npm package (`npm pack dist/chatlet`): the loader
# chatlet.js (the one file a page includes), the ES module chatlet.mjs, the files they
# fetch (wasm, its JavaScript glue and the stylesheet, with content-hashed names, each
# with .br and .gz twins), chatlet.d.ts, package.json, _headers and integrity.json; and
# the visitor test page into dist/site/. `trunk serve` never writes there (Trunk.toml).
# Installs missing tools first.
set -euo pipefail
cd "$(dirname "$0")/.."
source tools/install.sh
trunk build --release --dist target/release-build
# The TypeScript declarations of the options and events, from the Rust types.
cargo run --quiet -p chatlet-widget --features types --bin chatlet-types > target/chatlet-types.d.ts
node tools/release.mjs target/release-build target/chatlet-types.d.ts
