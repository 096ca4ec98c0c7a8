#!/usr/bin/env bash
# Measures what tools/build.sh wrote to dist/chatlet/: the loader (what every page pays), the
# widget (wasm + JS glue + CSS, what a visitor who opens the chat pays) and the bot reader
# (its wasm + glue, what a visitor pays on top when the page serves a plain bot file rather
# than a compiled one), raw, gzip -9 and brotli -q 11. Fails past any budget; all are on
# brotli, what browsers fetch.
set -euo pipefail
cd "$(dirname "$0")/.."
# History of the widget budget: gzip 235,000 for the first slice (225,151 used); 265,000
# once integrations, bot JavaScript, cards and transfers went in (257,069); 285,000 once
# file upload and the host-page transfer API went in (281,505). Then brotli, with the
# loader: 240,000 when the one-tag embed went in; 190,000 from the size issue (188,037
# used once regular expressions ran on Chatlet's own matcher); 279,000 once they ran on
# the regex crate (274,635 used); 293,000 with the window of issue 24 (288,364 used: the
# log that follows, who and when, the carousel component, the unread badge's events);
# 330,000 with issue 25's libraries and issue 27's nesting count (325,067 used: derived
# serde types at every boundary, serde-wasm-bindgen, gloo-net; issue 25 asked for 280,000,
# see docs/performance.md for where the bytes go); 334,000 with issue 27's shared worker
# and the carousel's arrows that step card by card (329,784 used); 323,000 once case folding
# moved into the regex translation and two sorts shared one instance (318,305 used); 296,000
# once the widget ran compiled bots and the two bot readers moved to the bot reader, a wasm
# the loader imports only for a plain bot file (291,494 used).
LOADER_BUDGET=${CHATLET_LOADER_BUDGET:-5000}
# The bot reader's budget: 158,361 used when it went in (docs/performance.md).
READER_BUDGET=${CHATLET_READER_BUDGET:-161000}
WIDGET_BUDGET=${CHATLET_WIDGET_BUDGET:-296000}
command -v brotli >/dev/null || { echo "size: brotli is missing (tools/install.sh installs it)"; exit 1; }

measure() { # label files... ; prints a line per file and a total, sets $total_br
  local label=$1; shift
  local raw=0 gz=0 br=0 f
  for f in "$@"; do
    [ -f "$f" ] || { echo "size: no $f (run tools/build.sh first)"; exit 1; }
    local r g b
    r=$(stat -c %s "$f"); g=$(gzip -9c "$f" | wc -c); b=$(brotli -q 11 -c "$f" | wc -c)
    printf 'size: %-44s raw %8d  gzip %7d  brotli %7d\n' "$(basename "$f")" "$r" "$g" "$b"
    raw=$((raw + r)); gz=$((gz + g)); br=$((br + b))
  done
  printf 'size: %-44s raw %8d  gzip %7d  brotli %7d\n' "$label" "$raw" "$gz" "$br"
  total_br=$br
}

measure "loader total" dist/chatlet/chatlet.js
loader=$total_br
measure "widget total (wasm + glue + CSS)" dist/chatlet/chatlet-widget-*_bg.wasm dist/chatlet/chatlet-widget-*.js dist/chatlet/chatlet-*.css
widget=$total_br
measure "bot reader total (only for a plain bot file)" dist/chatlet/chatlet-reader-*_bg.wasm dist/chatlet/chatlet-reader-*.js
reader=$total_br
echo "size: budgets: loader $LOADER_BUDGET, widget $WIDGET_BUDGET, bot reader $READER_BUDGET bytes brotli"
status=0
if [ "$loader" -gt "$LOADER_BUDGET" ]; then
  echo "size: the loader is over its budget by $((loader - LOADER_BUDGET)) bytes brotli"; status=1
fi
if [ "$widget" -gt "$WIDGET_BUDGET" ]; then
  echo "size: the widget is over its budget by $((widget - WIDGET_BUDGET)) bytes brotli"; status=1
fi
if [ "$reader" -gt "$READER_BUDGET" ]; then
  echo "size: the bot reader is over its budget by $((reader - READER_BUDGET)) bytes brotli"; status=1
fi
exit $status
