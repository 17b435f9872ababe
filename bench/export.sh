#!/usr/bin/env bash
# Export efficiency benchmark: how close `zoom-pac export` runs to the allowed rate.
#
# It generates USERS users, serves them on 127.0.0.1 with the Business plan's Light and
# Medium limits set to RATE requests per second, runs `zoom-pac export --rate RATE`, and
# prints the achieved request rate (every user-list page and PAC listing, divided by the
# wall time of the export) divided by RATE. The baseline is the allowed rate itself.
#
# Usage: bench/export.sh [--users N] [--rate PER_SECOND] [--concurrency N]
set -euo pipefail
cd "$(dirname "$0")/.."

users=10000
rate=500
concurrency=16
while [ $# -gt 0 ]; do
    case "$1" in
        --users) users=$2; shift 2 ;;
        --rate) rate=$2; shift 2 ;;
        --concurrency) concurrency=$2; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done

echo "building the release binary" >&2
cargo build --release --quiet -p zoom-pac
bin=target/release/zoom-pac

work=$(mktemp -d /tmp/zoom-pac-export-bench.XXXXXX)
server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
"$bin" generate --users "$users" --seed 1 --output "$work/fixture.json" 2>/dev/null
RUST_LOG=warn "$bin" serve --listen "127.0.0.1:$port" --database "$work/bench.db" \
    --fixtures "$work/fixture.json" \
    --rate-limit "business.light.qps=$rate" --rate-limit "business.medium.qps=$rate" \
    >/dev/null 2>"$work/serve.log" &
server_pid=$!
for _ in $(seq 1 300); do
    curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
    sleep 0.1
done

echo "exporting $users users at $rate requests/s" >&2
summary=$(ZOOM_API_URL="http://127.0.0.1:$port/v2" ZOOM_OAUTH_URL="http://127.0.0.1:$port/oauth/token" \
    ZOOM_ACCOUNT_ID=genAccount ZOOM_CLIENT_ID=genAccountClient \
    ZOOM_CLIENT_SECRET=generated-secret-0000000000000001 \
    RUST_LOG="${export_log:-warn}" "$bin" export --rate "${client_rate:-$rate}" --concurrency "$concurrency" --output "$work/out.csv" 2>"$work/export.log"; tail -n 1 "$work/export.log")
echo "$summary"
if [ -n "${export_log:-}" ]; then grep -c "rate limited" "$work/export.log" | sed "s/^/429 answers: /"; grep -c "retrying" "$work/export.log" | sed "s/^/retries: /"; fi
achieved=$(echo "$summary" | sed -E 's/.* requests at ([0-9.]+) requests\/s.*/\1/')
python3 -c "import sys; a, r = float(sys.argv[1]), float(sys.argv[2]); print(f'efficiency: {a:.1f} / {r:.0f} = {a / r:.3f}')" "$achieved" "$rate"
