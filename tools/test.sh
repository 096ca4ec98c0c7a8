#!/usr/bin/env bash
# Runs every test: formatting and lints, native engine and CLI tests (with the transcript
# suite), browser tests in headless Chromium, the release build (tools/build.sh) with the
# loader's and the widget's size budgets, and the end-to-end tests of the built widget
# (the visitor page, the one-tag embed on host pages, accessibility audits, load
# figures) against the demo API server. Installs missing tools first. Exits non-zero on
# any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
source tools/install.sh
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "versions agree (Cargo.toml, Trunk.toml, tools/install.sh)"
grep -q "wasm-bindgen = \"=$WASM_BINDGEN\"" Cargo.toml || { echo "Cargo.toml must pin wasm-bindgen = \"=$WASM_BINDGEN\""; exit 1; }
grep -q "wasm_bindgen = \"$WASM_BINDGEN\"" Trunk.toml || { echo "Trunk.toml must pin wasm_bindgen = \"$WASM_BINDGEN\""; exit 1; }
echo "wasm-bindgen $WASM_BINDGEN everywhere"

step "format and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --quiet -- -D warnings
cargo clippy -p chatlet-widget --target wasm32-unknown-unknown --all-targets --quiet -- -D warnings
cargo clippy -p chatlet-widget --features types --bin chatlet-types --quiet -- -D warnings
cargo clippy -p chatlet-widget --target wasm32-unknown-unknown --features preview --bin chatlet-preview --quiet -- -D warnings
cargo clippy -p chatlet-reader --target wasm32-unknown-unknown --quiet -- -D warnings

step "native tests: engine, CLI, transcripts"
cargo test --workspace --quiet

step "the engine crate packs for crates.io (cargo publish --dry-run)"
cargo publish --dry-run --quiet --allow-dirty -p chatlet-engine

step "browser tests (wasm-bindgen-test in headless Chromium)"
CHROMEDRIVER=/usr/bin/chromedriver cargo test -p chatlet-widget --target wasm32-unknown-unknown

step "release build (tools/build.sh) and size budgets"
tools/build.sh
tools/size.sh

step "the development loop (tools/serve.sh) leaves the release folder alone"
tests/dev-loop.sh

step "end-to-end tests of the built widget (the one-tag embed, the visitor page, the demo API, strict CSP, accessibility)"
cargo build --quiet -p chatlet -p chatlet-demo-api
node tests/e2e/run.mjs
