#!/usr/bin/env bash
# Benchmark of the portal against this machine's limit (nginx serving the same bytes). See BENCHMARKS.md.
# Usage: bash bench/run.sh            (BENCH_DURATION=20 seconds per measurement by default)
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in wrk nginx psql; do
  if ! command -v "$tool" >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk nginx-light postgresql-client
    break
  fi
done
cargo build --release --quiet
exec python3 bench/run.py "$@"
