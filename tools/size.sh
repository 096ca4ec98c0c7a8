#!/usr/bin/env bash
# Measures the release widget in dist/ (wasm + JS glue + widget CSS) and fails past the budget.
# The budget is on the gzip -9 total, what a visitor downloads.
set -euo pipefail
cd "$(dirname "$0")/.."
# History: 235,000 for the first slice (225,151 used); 265,000 once integrations, bot
# JavaScript, cards and transfers went in (257,069 used, no new dependency); 285,000 once
# file upload (drop zone, picker, streamed XHR upload with progress) and the host-page
# transfer API went in (281,505 used, no new dependency; str::to_uppercase's Unicode
# tables were avoided, about 7.5 KB).
BUDGET_GZIP=${CHATLET_SIZE_BUDGET:-285000}
total_raw=0; total_gz=0; total_br=0
for f in dist/chatlet-widget-*_bg.wasm dist/chatlet-widget-*.js dist/chatlet-*.css; do
  [ -f "$f" ] || { echo "size: no $f (run trunk build --release first)"; exit 1; }
  raw=$(stat -c %s "$f"); gz=$(gzip -9c "$f" | wc -c)
  br=$(command -v brotli >/dev/null && brotli -q 11 -c "$f" | wc -c || echo 0)
  printf 'size: %-48s raw %8d  gzip %7d  brotli %7d\n' "$(basename "$f")" "$raw" "$gz" "$br"
  total_raw=$((total_raw + raw)); total_gz=$((total_gz + gz)); total_br=$((total_br + br))
done
printf 'size: %-48s raw %8d  gzip %7d  brotli %7d  (budget gzip %d)\n' "widget total" "$total_raw" "$total_gz" "$total_br" "$BUDGET_GZIP"
if [ "$total_gz" -gt "$BUDGET_GZIP" ]; then
  echo "size: over budget by $((total_gz - BUDGET_GZIP)) bytes gzip"
  exit 1
fi
