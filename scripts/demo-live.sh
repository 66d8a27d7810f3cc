#!/usr/bin/env bash
# The live read workflow in one command, against the test server instead of MAX:
# rollout-testserver serves samples/college/platform as the MAX Bot API on 127.0.0.1; a
# temporary copy of the sample college reads it with `[platform] source = "api"`; then
# `platform discover` (to fill [[chats.map]]), `platform check`, `platform pull`, `diff`,
# then the write side: `apply` (a dry run), `apply --yes` (the curators made admins),
# `notify rules --yes`, `notify plan --yes`, and `notify rules --yes` again (nothing to post).
# Nothing leaves this machine; the token is made up here and passed only by environment.
#
#   scripts/demo-live.sh            (ROLLOUT_DEMO_KEEP=1 keeps the temporary workspace)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
cargo build --quiet --bins
bin="${CARGO_TARGET_DIR:-$root/target}/debug"

work=$(mktemp -d "${TMPDIR:-/tmp}/rollout-demo.XXXXXX")
server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    if [ "${ROLLOUT_DEMO_KEEP:-}" = 1 ]; then
        echo "Рабочее место демонстрации оставлено: $work/college"
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT

token="demo-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
export ROLLOUT_TESTSERVER_TOKEN="$token"
export ROLLOUT_MAX_TOKEN="$token"

# Every chat of the sample is announced as a `bot_added` update, as if the admin added the
# bot to each while `platform discover` waits.
ids=$(grep -o '"chat_id": *-\{0,1\}[0-9]*' samples/college/platform/chats.json | grep -o -- '-\{0,1\}[0-9]*$' | paste -sd, -)
"$bin/rollout-testserver" samples/college/platform --port 0 --seconds 600 --announce "$ids" \
    >"$work/server.out" 2>"$work/server.err" &
server_pid=$!
url=""
for _ in $(seq 100); do
    url=$(sed -n 's/^listening //p' "$work/server.out" 2>/dev/null | head -n 1)
    [ -n "$url" ] && break
    sleep 0.1
done
if [ -z "$url" ]; then
    echo "демонстрация: тестовый сервер не запустился" >&2
    cat "$work/server.err" >&2
    exit 1
fi
echo "Тестовый сервер MAX Bot API: $url"

ws="$work/college"
cp -R samples/college "$ws"
rm -rf "$ws/platform" "$ws/out" "$ws/.rollout"
# [platform]: the test server's API instead of the snapshot folder.
awk -v url="$url" '
    $0 == "snapshot = \"platform/\"" { print "source = \"api\""; print "base_url = \"" url "\""; print "rate = 100"; next }
    { print }
' samples/college/rollout.toml >"$ws/rollout.toml"

step() {
    echo
    echo "\$ rollout $*"
    set +e
    "$bin/rollout" "$@" --config "$ws/rollout.toml"
    local code=$?
    set -e
    echo "(код выхода $code)"
    return 0
}

step platform discover --wait 3
if [ ! -f "$ws/out/platform/chats-map.toml" ]; then
    echo "демонстрация: platform discover не предложил ни одного чата" >&2
    exit 1
fi
{
    echo
    echo "# Предложено командой rollout platform discover."
    cat "$ws/out/platform/chats-map.toml"
} >>"$ws/rollout.toml"
step platform check
step platform pull
step diff
# A held change set would need `rollout approve HASH` here (the sample's is not held).
step apply
step apply --yes
step notify rules --yes
step notify plan --yes
step notify rules --yes
