#!/usr/bin/env bash
# The whole test suite, from a fresh clone: Debian peers, dependencies
# (lock file frozen), build, lint + format check, unit and integration tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-test-deps.sh
npx -y pnpm@10 install --frozen-lockfile --reporter=silent
npx tsc -b
npx biome ci .
mkdir -p .artifacts
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=.artifacts/vitest.json "$@" || status=$?
# One plain closing line that any CI reader understands.
node -e "const r = JSON.parse(require('fs').readFileSync('.artifacts/vitest.json', 'utf8')); console.log(r.numPassedTests + ' passed, ' + r.numFailedTests + ' failed' + (r.numPendingTests ? ', ' + r.numPendingTests + ' skipped' : ''))" || true
exit "$status"
