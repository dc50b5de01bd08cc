#!/usr/bin/env bash
# Discovery and client-credentials latency on the default realm with one realm loaded, then
# with REALMS more loaded (issue 11, "thousands of realms"), and the server's memory. The
# server is pinned to SERVER_CPU, `sigil bench` to LOADGEN_CPU; SQLite in a fresh data dir.
#
#   bench/many-realms.sh          (REALMS=2000 DURATION=10 WARMUP=2 CONNECTIONS=32 PORT=18280)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
SIGIL_BIN=${SIGIL_BIN:-${CARGO_TARGET_DIR:-$repo/target}/release/sigil}
REALMS=${REALMS:-2000}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
CONNECTIONS=${CONNECTIONS:-32}
PORT=${PORT:-18280}
SERVER_CPU=${SERVER_CPU:-0}
LOADGEN_CPU=${LOADGEN_CPU:-1}
[ -x "$SIGIL_BIN" ] || { echo "no sigil binary at $SIGIL_BIN" >&2; exit 2; }
work=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
export SIGIL_LOG=warn
s=("$SIGIL_BIN" --data-dir "$work/data")
"${s[@]}" realm create default --rsa-bits 2048 --alg ES256 >/dev/null
secret=$("${s[@]}" client create --client-id bench --grant-type client_credentials \
  --scope api:read --signing-alg ES256 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["client_secret"])')
echo "creating $REALMS realms..." >&2
seq 1 "$REALMS" | xargs -P 2 -I{} "${s[@]}" realm create "r{}" --rsa-bits 2048 >/dev/null
issuer="http://127.0.0.1:$PORT"
taskset -c "$SERVER_CPU" "${s[@]}" serve --listen "127.0.0.1:$PORT" >"$work/serve.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do curl -fs "$issuer/readyz" >/dev/null && break; sleep 0.1; done

measure() {
  local label=$1 scenario
  for scenario in discovery client-credentials; do
    printf '%s\n' "$secret" | taskset -c "$LOADGEN_CPU" "$SIGIL_BIN" bench --issuer "$issuer" \
      --scenario "$scenario" --client-id bench --client-secret-stdin --scope api:read \
      --connections "$CONNECTIONS" --duration "$DURATION" --warmup "$WARMUP" --json \
      | python3 -c "
import json, sys
r = json.load(sys.stdin); l = r['latency_us']
print(f\"| $label | $scenario | {r['throughput_per_s']:,.0f}/s | {l['p50']/1000:.2f} ms | {l['p99']/1000:.2f} ms | {r['failed']} |\")"
  done
}
rss() { awk '/VmRSS/ {printf "%.1f MiB", $2/1024}' "/proc/$pid/status"; }

echo "| realms loaded | scenario | throughput | p50 | p99 | failed |"
echo "|---|---|---|---|---|---|"
measure "1"
before=$(rss)
for i in $(seq 1 "$REALMS"); do echo "$issuer/realms/r$i/.well-known/openid-configuration"; done \
  | xargs -P 4 -n 50 curl -fs >/dev/null
sleep 2
after=$(rss)
measure "$((REALMS + 1))"
echo
echo "server RSS: $before with one realm loaded, $after with $((REALMS + 1))"
