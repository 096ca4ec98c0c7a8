#!/usr/bin/env bash
# Runs every fuzz target (fuzz/, cargo fuzz on libFuzzer) for SECONDS each (default 600),
# one after the other, over its corpus in fuzz/corpus/TARGET; new interesting inputs are
# added there. A crash stops with the input in fuzz/artifacts/TARGET: fix it, copy the
# input to fuzz/regressions/TARGET (the test command replays those on stable), and run
# again. Needs the nightly toolchain (rustup run nightly rustc --version) and cargo-fuzz
# (installed here when missing). Usage: tools/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${1:-600}
shift || true
if ! command -v cargo-fuzz >/dev/null; then
  cargo install cargo-fuzz --version 0.13.2 --locked
fi
TARGETS=("$@")
if [ ${#TARGETS[@]} -eq 0 ]; then
  TARGETS=(pattern regex template jsonpath markup transcript native cb session)
fi
for target in "${TARGETS[@]}"; do
  mkdir -p "fuzz/corpus/$target" "fuzz/regressions/$target"
  echo "== fuzz $target for ${SECONDS_EACH}s"
  cargo +nightly fuzz run --fuzz-dir fuzz "$target" "fuzz/corpus/$target" -- \
    -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1
done
