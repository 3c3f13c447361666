#!/usr/bin/env bash
# The one test command (README, .ci/run): installs the real test servers if missing, builds, lints,
# then runs unit + integration tests (Node's test runner) and the tests inside a real VS Code.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup-test-servers.sh
bash scripts/setup-code-server.sh

echo "== build"
rm -rf out
npm run --silent build
npx tsc -p .
echo "== lint"
npx eslint .

echo "== unit, integration and fault tests (real servers)"
node scripts/run-tests.mjs out/test/unit out/test/integration out/test/faults

echo "== tests inside VS Code (code-server): extension host"
node scripts/test-vscode.mjs

echo "== tests inside VS Code (code-server): browser UI"
node scripts/test-e2e.mjs
