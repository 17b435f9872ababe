#!/usr/bin/env bash
# Load benchmark of the authenticated PAC listing against a bare-axum baseline, in one run on
# one machine. It starts the baseline and `zoom-pac serve` (SQLite, and PostgreSQL with Redis
# limits when --postgres and --redis are given) one after the other, drives each with the same
# wrk command on 127.0.0.1 over the same user paths and tokens, and prints requests/s, p50
# and p99 latency and peak RSS for each, with the ratios to the baseline.
#
# Each server first gets an unmeasured warm-up run of the same wrk command, long enough to
# request nearly every user at least once, so that the measured run shows the steady state
# rather than the first request per user. --warmup 0 measures from a cold start.
#
# The servers run with --no-rate-limits, so the rate limiter is not consulted. --limit-qps N
# adds the rule all.light.qps=N, so that every request is counted: in process for SQLite, in
# Redis for PostgreSQL. Pick N above the measured rate, or requests get 429.
#
# Usage: bench/load.sh [--users N] [--duration SECONDS] [--warmup SECONDS] [--connections C]
#                      [--threads T] [--limit-qps N] [--postgres ADMIN_URL --redis URL]
set -euo pipefail
cd "$(dirname "$0")/.."

users=10000
duration=10
warmup=3
connections=32
threads=2
postgres=""
redis=""
limit_args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --users) users=$2; shift 2 ;;
        --duration) duration=$2; shift 2 ;;
        --warmup) warmup=$2; shift 2 ;;
        --connections) connections=$2; shift 2 ;;
        --threads) threads=$2; shift 2 ;;
        --limit-qps) limit_args=(--rate-limit "all.light.qps=$2"); shift 2 ;;
        --postgres) postgres=$2; shift 2 ;;
        --redis) redis=$2; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done

if ! command -v wrk >/dev/null; then
    echo "installing wrk" >&2
    apt-get install -y wrk >/dev/null
fi

echo "building release binaries" >&2
cargo build --release --quiet -p zoom-pac -p zoom-pac-baseline
bin=target/release

work=$(mktemp -d /tmp/zoom-pac-bench.XXXXXX)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    if [ -n "$postgres" ] && [ -n "${pg_db:-}" ]; then
        psql "$postgres" -q -c "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null 2>&1 || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

wait_ready() {
    for _ in $(seq 1 300); do
        if curl -sf "$1" >/dev/null 2>&1; then return 0; fi
        sleep 0.1
    done
    echo "server at $1 did not become ready" >&2
    return 1
}

peak_rss_mb() {
    awk '/VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"
}

echo "generating $users users" >&2
"$bin/zoom-pac" generate --users "$users" --seed 1 --output "$work/fixture.json" 2>/dev/null
# The paths of users whose listing succeeds: active, PAC enabled. Half by id, half by email.
python3 - "$work/fixture.json" > "$work/paths.txt" <<'PY'
import json, sys
users = json.load(open(sys.argv[1]))["accounts"][0]["users"]
for n, user in enumerate(u for u in users if u["pac_enabled"] and u["status"] == "active"):
    ref = user["id"] if n % 2 == 0 else user["email"].replace("@", "%40")
    print(f"/v2/users/{ref}/pac")
PY

# Prints the JSON result line of one measured wrk run against $1, after the warm-up run.
run_wrk() {
    if [ "$warmup" -gt 0 ]; then
        wrk -t"$threads" -c"$connections" -d"${warmup}s" -s bench/rotate.lua "$1" \
            -- "$work/paths.txt" "$work/tokens.txt" >/dev/null
    fi
    wrk -t"$threads" -c"$connections" -d"${duration}s" --latency -s bench/rotate.lua "$1" \
        -- "$work/paths.txt" "$work/tokens.txt" | tail -n 1
}

results=()

# Baseline.
port=$(free_port)
"$bin/zoom-pac-baseline" "127.0.0.1:$port" 2>/dev/null &
pids+=($!); baseline_pid=$!
wait_ready "http://127.0.0.1:$port/v2/users/x/pac"
echo "dummy" > "$work/tokens.txt"
echo "running the baseline for ${duration}s" >&2
baseline=$(run_wrk "http://127.0.0.1:$port")
results+=("baseline $baseline $(peak_rss_mb "$baseline_pid")")
kill "$baseline_pid"

bench_server() {
    local name=$1; shift
    local port; port=$(free_port)
    "$bin/zoom-pac" serve --listen "127.0.0.1:$port" --no-rate-limits "${limit_args[@]}" \
        --fixtures "$work/fixture.json" "$@" \
        >/dev/null 2>"$work/$name.log" &
    local pid=$!; pids+=("$pid")
    wait_ready "http://127.0.0.1:$port/readyz"
    : > "$work/tokens.txt"
    for _ in $(seq 1 20); do
        curl -s -X POST -u "genAccountClient:generated-secret-0000000000000001" \
            "http://127.0.0.1:$port/oauth/token?grant_type=account_credentials&account_id=genAccount" \
            | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])' >> "$work/tokens.txt"
    done
    echo "running zoom-pac ($name) for ${duration}s" >&2
    local measured; measured=$(run_wrk "http://127.0.0.1:$port")
    results+=("$name $measured $(peak_rss_mb "$pid")")
    kill "$pid"
}

RUST_LOG=warn bench_server sqlite --database "$work/bench.db"
if [ -n "$postgres" ] && [ -n "$redis" ]; then
    pg_db="zoompac_bench_$$"
    psql "$postgres" -q -c "CREATE DATABASE $pg_db" >/dev/null
    pg_url="${postgres%/*}/$pg_db"
    RUST_LOG=warn bench_server postgres --database "$pg_url" --redis "$redis" --redis-prefix "zoom-pac-bench-$$:"
fi

python3 - "${results[@]}" <<'PY'
import json, sys
rows = []
for entry in sys.argv[1:]:
    name, rest = entry.split(" ", 1)
    measured, rss = rest.rsplit(" ", 1)
    rows.append((name, json.loads(measured), float(rss)))
base = rows[0][1]
print(f"{'server':<10} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'RSS MB':>7} {'errors':>7} {'rps ratio':>10} {'p99 ratio':>10}")
for name, m, rss in rows:
    print(f"{name:<10} {m['rps']:>10.0f} {m['p50_ms']:>8.3f} {m['p99_ms']:>8.3f} {rss:>7.1f} {m['errors']:>7} "
          f"{m['rps'] / base['rps']:>10.2f} {m['p99_ms'] / base['p99_ms']:>10.2f}")
PY
