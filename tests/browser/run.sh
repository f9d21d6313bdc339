#!/usr/bin/env bash
# The browser suite: self-test of the harness (fixtures), then the real portal (crawl as every role,
# journeys, axe-core, Nu Html Checker, screenshots). Builds nothing: the caller builds the release binary
# (`cargo build --release`) or points MDE_BIN at one, or MDE_BASE_URL at a server already running.
# Usage: bash tests/browser/run.sh [test files…]     (default: selftest, then the suite)
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ ! -d node_modules/playwright-core ] || [ ! -d node_modules/axe-core ] || [ ! -d node_modules/vnu-jar ]; then
  # --ignore-scripts: vnu-jar's postinstall would fetch a Java runtime when none is installed; Java is Debian's.
  npm ci --ignore-scripts --no-audit --no-fund
fi
for tool in node java; do
  command -v "$tool" >/dev/null || { echo "browser suite: $tool is missing" >&2; exit 1; }
done
[ -x "${CHROMIUM_BIN:-/usr/bin/chromium}" ] || { echo "browser suite: /usr/bin/chromium is missing (apt-get install -y chromium)" >&2; exit 1; }

files=("$@")
if [ ${#files[@]} -eq 0 ]; then
  files=(tests/browser/selftest.test.mjs tests/browser/suite.test.mjs)
fi
start=$(date +%s)
status=0
node --test --test-concurrency=1 --test-reporter=spec "${files[@]}" || status=$?
echo "browser suite: exit ${status} after $(( $(date +%s) - start )) s; screenshots in target/screenshots/, pages and problems in target/browser/"
exit "$status"
