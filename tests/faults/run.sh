#!/usr/bin/env bash
# Fault and security scenarios (see run.py): bash tests/faults/run.sh [--real-stop] [--no-sqlmap]
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v sqlmap >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sqlmap; }
cargo build --release --quiet
exec python3 tests/faults/run.py "$@"
