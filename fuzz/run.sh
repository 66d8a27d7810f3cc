#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 60), two at a time, on the nightly toolchain,
# growing the committed corpora (kept small with -merge at the end). A crash lands in
# fuzz/artifacts/<target>/: copy it to fuzz/regressions/<target>/ so the normal test suite
# replays it (tests/it/fuzz_replay.rs), then fix the parser.
#   fuzz/run.sh 180            three minutes each
#   fuzz/run.sh 60 deadline    one target
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-60}"
shift || true
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "cargo-fuzz is missing: cargo install cargo-fuzz (and the nightly toolchain)" >&2
  exit 1
fi
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  mapfile -t targets < <(cargo +nightly fuzz list)
fi
# Build once, then run the built targets: edits to the sources while they run change nothing.
cargo +nightly fuzz build
bin="target/x86_64-unknown-linux-gnu/release"
mkdir -p logs
run_one() {
  local t="$1"
  mkdir -p "corpus/$t"
  # -rss_limit_mb: a parser that needs more than 2 GiB for a small input is a bug too.
  mkdir -p "artifacts/$t"
  "$bin/$t" "corpus/$t" -artifact_prefix="artifacts/$t/" -max_total_time="$seconds" \
    -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 >"logs/$t.log" 2>&1
  local rc=$?
  local execs cov
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "logs/$t.log" | grep -o '[0-9]*$' || true)
  cov=$(grep -o 'cov: [0-9]*' "logs/$t.log" | tail -1 | grep -o '[0-9]*' || true)
  printf '%-15s exit %s  execs %s  cov %s\n' "$t" "$rc" "${execs:-?}" "${cov:-?}"
  return $rc
}
export -f run_one
export seconds bin
status=0
printf '%s\n' "${targets[@]}" | xargs -P 2 -I{} bash -c 'run_one "$@"' _ {} || status=$?
exit $status
