#!/usr/bin/env bash
# Serves the visitor test page (index.html + www/) with the widget and the demo bot.
# Installs missing tools first. Usage: tools/serve.sh [PORT]
set -euo pipefail
cd "$(dirname "$0")/.."
source tools/install.sh
PORT="${1:-8080}"
echo "Chatlet visitor test page: http://127.0.0.1:$PORT/  (Ctrl-C stops)"
exec trunk serve --port "$PORT"
