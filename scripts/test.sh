#!/usr/bin/env bash
# The one test command (README, .ci/run): installs the real test servers if missing, builds, lints,
# then runs unit + integration tests (Node's test runner) and the tests inside a real VS Code.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup-test-servers.sh
if [ -f scripts/setup-code-server.sh ]; then bash scripts/setup-code-server.sh; fi

echo "== build"
rm -rf out
npm run --silent build
npx tsc -p .
echo "== lint"
npx eslint .

echo "== unit and integration tests (real servers)"
node scripts/run-tests.mjs out/test/unit out/test/integration

if [ -f scripts/test-vscode.mjs ]; then
  echo "== tests inside VS Code (code-server)"
  node scripts/test-vscode.mjs
fi
