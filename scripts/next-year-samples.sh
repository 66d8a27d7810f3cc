#!/usr/bin/env bash
# Regenerates samples/next-year/: the sample school's and college's sources one school
# year later (rollout-gen --year 1, the same seed), with year.json saying what changed.
# The tests of the yearly rollover (tests/it/rollover_year.rs) swap them in for the
# samples' own sources. Needs python3 with xlwt for the college's .xls files.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q -p rollout-gen
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for s in school college; do
  target/debug/rollout-gen --out "$tmp" --only "$s" --year 1 >/dev/null 2>&1
  rm -rf "samples/next-year/$s"
  mkdir -p "samples/next-year/$s"
  cp -r "$tmp/$s/sources" "$tmp/$s/year.json" "samples/next-year/$s/"
done
echo "samples/next-year/ regenerated"
