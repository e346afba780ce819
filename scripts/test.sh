#!/usr/bin/env bash
# The whole test suite, from a fresh clone: Debian peers, dependencies
# (lock file frozen), build, lint + format check, unit and integration tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-test-deps.sh
npx -y pnpm@10 install --frozen-lockfile --reporter=silent
npx tsc -b
npx biome ci .
npx vitest run "$@"
