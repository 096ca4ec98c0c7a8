#!/usr/bin/env bash
# Builds the release widget into dist/: the loader dist/chatlet.js (the one file a page
# includes) and the files it fetches (wasm, its JavaScript glue and the stylesheet, with
# content-hashed names), plus the visitor test page. Copy dist/ to any static host or CDN
# folder as it is. Installs missing tools first.
set -euo pipefail
cd "$(dirname "$0")/.."
source tools/install.sh
trunk build --release
