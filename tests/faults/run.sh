#!/usr/bin/env bash
# Fault and security scenarios (see run.py): bash tests/faults/run.sh [--real-stop] [--no-sqlmap] [--only N,…]
set -euo pipefail
cd "$(dirname "$0")/../.."
sqlmap_needed=yes
args=" $* "
case "$args" in
  *" --no-sqlmap "*) sqlmap_needed=no ;;
  *" --only "*) [[ "$args" =~ --only\ [0-9,]*5 ]] || sqlmap_needed=no ;;
esac
if [ "$sqlmap_needed" = yes ] && ! command -v sqlmap >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sqlmap
fi
cargo build --release --quiet
exec python3 tests/faults/run.py "$@"
