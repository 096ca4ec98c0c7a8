#!/usr/bin/env bash
# The development loop never touches the release folder: runs tools/serve.sh (trunk
# serve, its debug build, the demo API) until it serves the visitor test page with the
# widget, then checks that dist/ (tools/build.sh's output: dist/chatlet, dist/site) holds
# exactly the files it held before, byte for byte. tools/test.sh runs it after the
# release build. Usage: tests/dev-loop.sh [PORT]
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${1:-18080}"
[ -f dist/chatlet/chatlet.js ] || { echo "dev-loop: no dist/chatlet (run tools/build.sh first)"; exit 1; }
before=$(find dist -type f -print0 | sort -z | xargs -0 sha256sum)
log=$(mktemp)
setsid tools/serve.sh "$PORT" >"$log" 2>&1 &
pid=$!
stop() { kill -- -"$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
trap 'stop; rm -f "$log"' EXIT
# trunk serve builds first (a debug build: a few minutes cold), then serves.
served=
for _ in $(seq 1 600); do
  if node -e "Promise.all(['chatlet.js', ''].map((p) => fetch('http://127.0.0.1:$PORT/' + p)
       .then((r) => r.ok ? r.text() : Promise.reject(r.status))))
       .then(([, page]) => process.exit(page.includes('chatlet.js') ? 0 : 1), () => process.exit(1))" 2>/dev/null; then
    served=1
    break
  fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 1
done
[ -n "$served" ] || { echo "dev-loop: tools/serve.sh did not serve the page:"; tail -30 "$log"; exit 1; }
ls target/serve/chatlet-widget-*_bg.wasm >/dev/null || { echo "dev-loop: trunk serve wrote no build to target/serve"; exit 1; }
stop
after=$(find dist -type f -print0 | sort -z | xargs -0 sha256sum)
if [ "$before" != "$after" ]; then
  echo "dev-loop: tools/serve.sh changed dist/:"
  diff <(echo "$before") <(echo "$after") || true
  exit 1
fi
echo "dev-loop: tools/serve.sh served the page from target/serve; dist/ is unchanged ($(echo "$before" | wc -l) files)"
