#!/usr/bin/env bash
# Every test of the project, in one command: formatting, lints, Rust unit and HTTP tests, then the browser
# suite (accessibility, HTML validity, crawl, journeys) against the release binary.
set -euo pipefail
cd "$(dirname "$0")/.."
export TEST_DATABASE_SERVER="${TEST_DATABASE_SERVER:-postgres://postgres@127.0.0.1:5432}"

echo "== layers (imports point down; see HACKING.md)"
cargo test --quiet --test layers
echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --all-targets --quiet -- -D warnings
echo "== cargo test"
cargo test --all-targets
echo "== cargo build --release"
cargo build --release --quiet
if [ -f tests/browser/run.sh ]; then
  echo "== browser suite"
  bash tests/browser/run.sh
fi
