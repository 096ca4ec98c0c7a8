#!/usr/bin/env bash
# Serves the visitor test page (index.html + www/) with the widget and the demo bot, and
# the demo API server its integrations call (proxied under /api/ by trunk).
# Installs missing tools first. Usage: tools/serve.sh [PORT]   (the API uses port 8081)
set -euo pipefail
cd "$(dirname "$0")/.."
source tools/install.sh
PORT="${1:-8080}"
API_PORT=8081
cargo build --quiet -p chatlet-demo-api
target/debug/chatlet-demo-api --port "$API_PORT" &
API_PID=$!
trap 'kill "$API_PID" 2>/dev/null || true' EXIT INT TERM
echo "Chatlet visitor test page: http://127.0.0.1:$PORT/  (demo API on :$API_PORT; Ctrl-C stops)"
trunk serve --port "$PORT"
