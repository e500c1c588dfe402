#!/usr/bin/env bash
# Synthesizes the example and e2e configs at a git ref and in the working tree, and diffs every file
# under cdktf.out: proof that a refactoring changes no byte of what Terraform sees.
#   usage: scripts/synth-diff.sh [REF]      (default REF: HEAD)
# Exit 0 when identical, 1 with the diff otherwise. Both sides run from the same working directory,
# so the state-backend stack's local state path is the same, and each side gets its own real
# node_modules tree (hard links), so bundle comments carry the same relative paths.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
REF="${1:-HEAD}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/ami-guard-synth-diff-XXXXXX")"
cleanup() {
  git -C "$ROOT" worktree remove --force "$WORK/ref" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

git -C "$ROOT" worktree add --quiet --detach "$WORK/ref" "$REF"
if ! cp -al "$ROOT/node_modules" "$WORK/ref/node_modules" 2>/dev/null; then
  (cd "$WORK/ref" && npm ci --silent)
fi
mkdir -p "$WORK/cwd"
for side in ref tree; do
  src="$WORK/ref"
  [[ $side == tree ]] && src="$ROOT"
  mkdir -p "$WORK/out-$side"
  for config in example e2e; do
    (cd "$WORK/cwd" && AMI_GUARD_CONFIG="$src/config/accounts.$config.json" CDKTF_OUTDIR="$WORK/out-$side/$config" \
      "$ROOT/node_modules/.bin/tsx" "$src/main.ts")
  done
done
if diff -r "$WORK/out-ref" "$WORK/out-tree"; then
  echo "identical: every file under cdktf.out of the example and e2e configs at $REF and in the working tree"
else
  echo "differs from $REF (above)" >&2
  exit 1
fi
