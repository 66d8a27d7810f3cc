#!/usr/bin/env bash
# Runs every output-writing command on the bundled samples in a scratch copy with a fixed
# salt and day, and prints "sha256  sample/path" for every file written (stdout of the
# commands that print included). Used to prove a change of structure kept the outputs:
#   scripts/sample-outputs.sh target/debug/rollout > /tmp/after.txt
#   diff tests/fixtures/sample-outputs.sha256 /tmp/after.txt
set -euo pipefail
bin="$(realpath "${1:?usage: $0 PATH_TO_ROLLOUT}")"
here="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export ROLLOUT_TODAY=2026-11-22 NO_COLOR=1
salt=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
for s in college school kindergarten; do
  cp -r "$here/samples/$s" "$work/$s"
  # What a run in the sample folder itself left (its own salt, its outputs) is not the sample.
  rm -rf "$work/$s/.rollout" "$work/$s/out"
  mkdir -p "$work/$s/.rollout"
  printf %s "$salt" > "$work/$s/.rollout/salt"
  cd "$work/$s"
  {
    "$bin" run --quiet || true
    "$bin" links status --quiet || true
    "$bin" letters --all --quiet || true
    "$bin" plan status --json || true
    "$bin" plan calendar --quiet || true
    "$bin" plan remind --quiet || true
    "$bin" plan gantt || true
  } > "$work/$s.stdout" 2>/dev/null
  mv "$work/$s.stdout" out/stdout.txt
  cd "$work"
done
cd "$work"
find college/out school/out kindergarten/out -type f ! -name run.json | LC_ALL=C sort | while read -r f; do
  printf '%s  %s\n' "$(sha256sum "$f" | cut -d' ' -f1)" "$f"
done
