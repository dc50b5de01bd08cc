#!/usr/bin/env bash
# Sigil on PostgreSQL, one node and two nodes, measured with `sigil bench` (issue 11's
# benchmark; figures in docs/benchmarks.md). Also the same scenarios on SQLite, one node, for
# reference. Each node is pinned to SERVER_CPU, `sigil bench` to LOADGEN_CPU; PostgreSQL runs
# where the machine puts it (on a 2-core machine it shares both cores with the rest).
#
#   bench/sigil-on-postgres.sh
#
# Environment (all optional):
#   SIGIL_BIN        [${CARGO_TARGET_DIR:-target}/release/sigil]
#   PG_ADMIN_URL     a database to create the bench database from [postgres://postgres@127.0.0.1:5432/postgres]
#   PG_DB            the bench database, dropped and created anew [sigil_bench]
#   SCENARIOS        ["client-credentials introspect refresh sso-flow"]
#   CONNECTIONS=32 DURATION=10 WARMUP=2   per scenario (two nodes: CONNECTIONS per node)
#   SERVER_CPU=0 LOADGEN_CPU=1   PORT_A=18180 PORT_B=18181
#   RESULTS_DIR      [<repo>/bench/results] (git-ignored); STAMP [UTC now]
# Every server started here is stopped on exit; every run is bounded by DURATION.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
SIGIL_BIN=${SIGIL_BIN:-${CARGO_TARGET_DIR:-$repo/target}/release/sigil}
PG_ADMIN_URL=${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
PG_DB=${PG_DB:-sigil_bench}
SCENARIOS=${SCENARIOS:-"client-credentials introspect refresh sso-flow"}
CONNECTIONS=${CONNECTIONS:-32}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
SERVER_CPU=${SERVER_CPU:-0}
LOADGEN_CPU=${LOADGEN_CPU:-1}
PORT_A=${PORT_A:-18180}
PORT_B=${PORT_B:-18181}
RESULTS_DIR=${RESULTS_DIR:-$repo/bench/results}
STAMP=${STAMP:-$(date -u +%Y%m%dT%H%M%SZ)}
REDIRECT=http://127.0.0.1/cb

[ -x "$SIGIL_BIN" ] || { echo "no sigil binary at $SIGIL_BIN (cargo build --release -p sigil)" >&2; exit 2; }
mkdir -p "$RESULTS_DIR"
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
log() { echo "sigil-on-postgres: $*" >&2; }

base=${PG_ADMIN_URL%/*}
pg_url="$base/$PG_DB"
password=$(python3 -c 'import secrets; print(secrets.token_urlsafe(18))')
master=$(python3 -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())')
export SIGIL_MASTER_KEY=$master SIGIL_LOG=warn

# A fresh store (PostgreSQL database or SQLite data dir) with the realm, the user and the
# client every scenario uses.
provision() {
  local -a s=("$SIGIL_BIN" --data-dir "$work/data-$1")
  [ "$1" = postgres ] && s+=(--database-url "$pg_url")
  "${s[@]}" migrate >/dev/null
  "${s[@]}" realm create default --rsa-bits 2048 --alg ES256 >/dev/null
  printf '%s\n' "$password" | "${s[@]}" user create alice --password-stdin >/dev/null
  "${s[@]}" client create --client-id bench --first-party \
    --grant-type authorization_code --grant-type refresh_token --grant-type client_credentials \
    --redirect-uri "$REDIRECT" --scope "openid offline_access api:read" \
    --signing-alg ES256 --id-token-alg ES256 --json >"$work/client-$1.json"
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["client_secret"])' "$work/client-$1.json"
}

# Starts a node on $2 for store $1 with issuer $3; waits until it answers.
start_node() {
  local -a s=("$SIGIL_BIN" --data-dir "$work/data-$1")
  [ "$1" = postgres ] && s+=(--database-url "$pg_url")
  taskset -c "$SERVER_CPU" "${s[@]}" serve --listen "127.0.0.1:$2" --issuer "$3" >"$work/node-$2.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$2/readyz" >/dev/null && return 0
    sleep 0.1
  done
  log "node on $2 did not become ready:"; cat "$work/node-$2.log" >&2; exit 1
}

# One `sigil bench` run against $2 (base URL, issuer $3), JSON to $1.
bench() {
  local out=$1 node=$2 issuer=$3 secret=$4 scenario=$5 scope=()
  case $scenario in client-credentials|introspect) scope=(--scope api:read) ;; esac
  printf '%s\n%s\n' "$secret" "$password" | taskset -c "$LOADGEN_CPU" "$SIGIL_BIN" bench \
    --issuer "$issuer" --scenario "$scenario" --client-id bench --client-secret-stdin \
    --username alice --password-stdin --redirect-uri "$REDIRECT" "${scope[@]}" \
    --connections "$CONNECTIONS" --duration "$DURATION" --warmup "$WARMUP" --json >"$out" \
    || log "  $scenario: some iterations failed (see $out)"
}

report() {
  python3 - "$@" <<'PY'
import json, sys
label, files = sys.argv[1], sys.argv[2:]
docs = [json.load(open(f)) for f in files]
total = sum(d["throughput_per_s"] for d in docs)
p99 = max(d["latency_us"].get("p99", 0) for d in docs) / 1000
failed = sum(d["failed"] for d in docs)
print(f"| {label} | {total:,.0f}/s | {p99:.2f} ms | {failed} |")
PY
}

echo "| run | throughput | p99 (worst node) | failed |"
echo "|---|---|---|---|"

# SQLite, one node (reference).
secret=$(provision sqlite)
start_node sqlite "$PORT_A" "http://127.0.0.1:$PORT_A"
for scenario in $SCENARIOS; do
  out="$RESULTS_DIR/pg-$STAMP-sqlite-$scenario.json"
  bench "$out" "http://127.0.0.1:$PORT_A" "http://127.0.0.1:$PORT_A" "$secret" "$scenario"
  report "SQLite, one node: $scenario" "$out"
done
kill "${pids[@]}"; wait 2>/dev/null || true; pids=()

# PostgreSQL: a fresh database.
psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $PG_DB" -c "CREATE DATABASE $PG_DB" >/dev/null
secret=$(provision postgres)
start_node postgres "$PORT_A" "http://127.0.0.1:$PORT_A"
for scenario in $SCENARIOS; do
  out="$RESULTS_DIR/pg-$STAMP-one-$scenario.json"
  bench "$out" "http://127.0.0.1:$PORT_A" "http://127.0.0.1:$PORT_A" "$secret" "$scenario"
  report "PostgreSQL, one node: $scenario" "$out"
done

# Two nodes, one issuer each (sigil bench follows one issuer); both share the database.
start_node postgres "$PORT_B" "http://127.0.0.1:$PORT_B"
for scenario in $SCENARIOS; do
  a="$RESULTS_DIR/pg-$STAMP-two-a-$scenario.json"
  b="$RESULTS_DIR/pg-$STAMP-two-b-$scenario.json"
  bench "$a" "http://127.0.0.1:$PORT_A" "http://127.0.0.1:$PORT_A" "$secret" "$scenario" &
  other=$!
  bench "$b" "http://127.0.0.1:$PORT_B" "http://127.0.0.1:$PORT_B" "$secret" "$scenario"
  wait "$other" || true
  report "PostgreSQL, two nodes: $scenario" "$a" "$b"
done
