#!/usr/bin/env bash
# Side-by-side load benchmark: Sigil (`sigil serve`) vs node-oidc-provider, with the shared
# wrk harness (../shared/bench, see its README). Each server is pinned to one core
# (SERVER_CPU), the load generator to the other (LOADGEN_CPU). Figures and how to read them:
# docs/benchmarks.md.
#
#   bench/sigil-vs-peer.sh [ceiling] [peer] [sigil] [flows] [summary]   (default: all five)
#
#   ceiling  the load generator's own ceiling: nginx (Debian package, one process, pinned to
#            SERVER_CPU) serving byte copies of Sigil's discovery and JWKS documents, driven
#            by the same harness scenarios (discovery, jwks)
#   peer     node-oidc-provider 9.x from ../shared/bench/peer, fresh process per run:
#            discovery, jwks, token_cc (RS256-2048), token_cc_alt (ES256), introspect (opaque)
#   sigil    fresh data dir provisioned with the CLI (default realm: RSA-2048 RS256 + P-256
#            ES256 keys; client bench-client RS256, client bench-client-es256 ES256), then:
#            time to ready on the existing data dir (READY_RUNS starts), and per run a fresh
#            `sigil serve`: discovery, jwks, token_cc (RS256), introspect (the RS256 JWT), and
#            token_cc again as the ES256 client (second harness call, same process), plus a
#            raw wrk run against /healthz (framework floor, for the analysis)
#   flows    the sign-in figures with `sigil bench` (docs/bench.md) instead of the Python flow
#            driver: per server a fresh pinned process, `sigil bench` pinned to LOADGEN_CPU, for
#            sso-flow (ES256 client, and RS256-2048 client), code-flow (a full login with
#            argon2id on Sigil; the peer's devInteractions hash nothing), refresh and userinfo;
#            then a ratio table against the issue's targets (flows-summary-STAMP.md)
#   summary  Markdown table of the medians and the ratios vs the targets (from this session's
#            result files, or those of STAMP=...)
#
# Environment (all optional):
#   SIGIL_BIN      sigil binary [${CARGO_TARGET_DIR:-target}/release/sigil]
#   SHARED_BENCH   the harness [<repo>/../shared/bench]
#   PEER_WORK      writable copy of the peer (npm installs node_modules there; the shared
#                  directory stays untouched) [$HOME/.cache/sigil-bench-peer]
#   RUNS=3         harness runs per server (fresh process each); PEER_RUNS, SIGIL_RUNS override
#   READY_RUNS=5   starts for the time-to-ready measurement
#   SERVER_CPU=0 LOADGEN_CPU=1   taskset CPU of the server / of wrk
#   SIGIL_PORT=18080 PEER_PORT=13000 CEILING_PORT=18089
#   RESULTS_DIR    [<repo>/bench/results] (git-ignored); STAMP [UTC now] names this session
#   DURATION WARMUP CONNECTIONS QUIET_* NOISE_* ...  passed through to the harness
#   FLOW_SCENARIOS="sso-flow sso-flow-rs256 code-flow refresh userinfo"  (flows mode)
#   FLOW_CONNECTIONS=32 FLOW_RUNS=1   virtual users, runs per server (fresh process each)
#   FLOW_DURATION=$DURATION FLOW_WARMUP=$WARMUP   seconds per scenario [10, 2]
# Every server this script starts is stopped on exit (by its PID); every load loop is
# bounded by the harness (DURATION and MAX_REQUESTS per scenario).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
SHARED_BENCH=${SHARED_BENCH:-$(cd "$repo/../shared/bench" 2>/dev/null && pwd || true)}
[ -x "$SHARED_BENCH/run.sh" ] || { echo "sigil-vs-peer: no harness at SHARED_BENCH=$SHARED_BENCH" >&2; exit 2; }
SIGIL_BIN=${SIGIL_BIN:-${CARGO_TARGET_DIR:-$repo/target}/release/sigil}
PEER_WORK=${PEER_WORK:-$HOME/.cache/sigil-bench-peer}
RUNS=${RUNS:-3}
PEER_RUNS=${PEER_RUNS:-$RUNS}
SIGIL_RUNS=${SIGIL_RUNS:-$RUNS}
READY_RUNS=${READY_RUNS:-5}
SERVER_CPU=${SERVER_CPU:-0}
LOADGEN_CPU=${LOADGEN_CPU:-1}
SIGIL_PORT=${SIGIL_PORT:-18080}
PEER_PORT=${PEER_PORT:-13000}
CEILING_PORT=${CEILING_PORT:-18089}
RESULTS_DIR=${RESULTS_DIR:-$repo/bench/results}
STAMP=${STAMP:-$(date -u +%Y%m%dT%H%M%SZ)}
export LOADGEN_CPUS=$LOADGEN_CPU

FLOW_SCENARIOS=${FLOW_SCENARIOS:-sso-flow sso-flow-rs256 code-flow refresh userinfo}
FLOW_CONNECTIONS=${FLOW_CONNECTIONS:-32}
FLOW_RUNS=${FLOW_RUNS:-1}
FLOW_DURATION=${FLOW_DURATION:-${DURATION:-10}}
FLOW_WARMUP=${FLOW_WARMUP:-${WARMUP:-2}}
# Where both OPs send the browser back; never served (sigil bench reads the code from the
# redirect). The peer registers exactly this one.
FLOW_REDIRECT=http://127.0.0.1/cb

modes=("$@")
[ ${#modes[@]} -gt 0 ] || modes=(ceiling peer sigil flows summary)
mkdir -p "$RESULTS_DIR"
work=$(mktemp -d "${TMPDIR:-/tmp}/sigil-bench.XXXXXX")
log() { echo "[sigil-vs-peer $(date -u +%H:%M:%S)] $*" >&2; }

# --- cleanup: only the processes started here, by PID ---------------------------------------
pids=()
peer_started=0
cleanup() {
  local pid
  for pid in "${pids[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  if [ "$peer_started" = 1 ]; then
    PIDFILE="$PEER_WORK/peer.pid" "$PEER_WORK/stop.sh" >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

stop_pid() {
  local pid=$1
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}

# Waits (bounded, 30 s) until URL answers 200.
wait_200() {
  local url=$1 pid=$2
  for _ in $(seq 1 300); do
    curl -fsS --max-time 1 -o /dev/null "$url" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || { log "server $pid exited during start"; return 1; }
    sleep 0.1
  done
  log "$url did not answer 200 within 30 s"; return 1
}

harness() { "$SHARED_BENCH/run.sh" "$@"; }

# --- Sigil: provisioning ------------------------------------------------------------------
sigil_data=""
provision_sigil() {
  [ -n "$sigil_data" ] && return 0
  [ -x "$SIGIL_BIN" ] || { log "no sigil binary at $SIGIL_BIN (cargo build --release -p sigil)"; exit 2; }
  sigil_data="$work/sigil-data"
  local s=("$SIGIL_BIN" --data-dir "$sigil_data")
  "${s[@]}" realm create default --rsa-bits 2048 --alg ES256 --json >"$work/realm.json"
  "${s[@]}" client create --client-id bench-client --grant-type client_credentials \
    --scope api:read --json >"$work/client-rs256.json"
  "${s[@]}" client create --client-id bench-client-es256 --grant-type client_credentials \
    --scope api:read --signing-alg ES256 --json >"$work/client-es256.json"
  SIGIL_SECRET=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["client_secret"])' "$work/client-rs256.json")
  SIGIL_SECRET_ES=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["client_secret"])' "$work/client-es256.json")
  log "provisioned $sigil_data (realm default: RSA-2048 RS256 + ES256; clients bench-client, bench-client-es256)"
}

# Starts `sigil serve` pinned; sets sigil_pid.
start_sigil() {
  local port=$1 logfile=$2
  taskset -c "$SERVER_CPU" "$SIGIL_BIN" --data-dir "$sigil_data" serve --listen "127.0.0.1:$port" \
    >"$logfile.out" 2>"$logfile" &
  sigil_pid=$!
  pids+=("$sigil_pid")
  wait_200 "http://127.0.0.1:$port/readyz" "$sigil_pid"
}

# Time from exec to the first 200 from /readyz, on the existing data dir (polled every 1 ms
# from LOADGEN_CPU), and the server's own `ready_ms` log field.
measure_ready() {
  local out="$RESULTS_DIR/sigil-ready-$STAMP.json"
  # first start: bootstrap creates the demo client; not measured
  start_sigil "$SIGIL_PORT" "$work/first-start.log"
  stop_pid "$sigil_pid"
  taskset -c "$LOADGEN_CPU" python3 - "$READY_RUNS" "$SERVER_CPU" "$SIGIL_PORT" "$out" \
    "$SIGIL_BIN" "$sigil_data" "$work" <<'PY'
import json, re, socket, statistics, subprocess, sys, time
runs, cpu, port, out, sigil, data, work = sys.argv[1:]
runs, port = int(runs), int(port)
req = b"GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
samples = []
for i in range(runs):
    log = open(f"{work}/ready-{i}.log", "w+")
    t0 = time.monotonic()
    p = subprocess.Popen(["taskset", "-c", cpu, sigil, "--data-dir", data, "serve",
                          "--listen", f"127.0.0.1:{port}"],
                         stdout=subprocess.DEVNULL, stderr=log)
    ready = None
    deadline = t0 + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(req)
                head = s.recv(64)
                if head.startswith(b"HTTP/1.1 200"):
                    ready = time.monotonic() - t0
                    break
        except OSError:
            pass
        time.sleep(0.001)
    p.terminate()
    try:
        p.wait(5)
    except subprocess.TimeoutExpired:
        p.kill(); p.wait()
    log.seek(0)
    m = re.search(r"ready_ms\D{0,3}(\d+)", log.read())
    samples.append({"wall_ms_to_readyz_200": None if ready is None else round(ready * 1000, 1),
                    "log_ready_ms": int(m.group(1)) if m else None})
    time.sleep(0.3)
walls = [s["wall_ms_to_readyz_200"] for s in samples if s["wall_ms_to_readyz_200"] is not None]
doc = {"what": "sigil serve on an existing data dir: exec -> first 200 from /readyz (1 ms polling)",
       "server_cpu": cpu, "runs": samples,
       "median_wall_ms": statistics.median(walls) if walls else None,
       "max_wall_ms": max(walls) if walls else None}
json.dump(doc, open(out, "w"), indent=2)
print(f"time to ready: median {doc['median_wall_ms']} ms, max {doc['max_wall_ms']} ms "
      f"(log ready_ms: {[s['log_ready_ms'] for s in samples]})", file=sys.stderr)
PY
}

# Raw wrk against /healthz: the cost of the HTTP stack + middleware with an empty handler.
healthz_floor() {
  local out="$RESULTS_DIR/sigil-healthz-$STAMP-$1.json"
  local tmp="$work/healthz.json"
  local cpu0 cpu1 ticks
  ticks=$(getconf CLK_TCK)
  BENCH_METHOD=GET BENCH_EXPECT="" BENCH_MAX_PER_THREAD=5000000 BENCH_OUT="$tmp" \
    taskset -c "$LOADGEN_CPU" wrk -t1 -c "${CONNECTIONS:-32}" -d "${WARMUP:-2}s" \
    -s "$SHARED_BENCH/lib/scenario.lua" "http://127.0.0.1:$SIGIL_PORT/healthz" >/dev/null
  cpu0=$(awk '{print $14+$15}' "/proc/$sigil_pid/stat")
  BENCH_METHOD=GET BENCH_EXPECT="" BENCH_MAX_PER_THREAD=5000000 BENCH_OUT="$tmp" \
    taskset -c "$LOADGEN_CPU" wrk -t1 -c "${CONNECTIONS:-32}" -d "${DURATION:-10}s" \
    -s "$SHARED_BENCH/lib/scenario.lua" "http://127.0.0.1:$SIGIL_PORT/healthz" >/dev/null
  cpu1=$(awk '{print $14+$15}' "/proc/$sigil_pid/stat")
  python3 - "$tmp" "$out" "$cpu0" "$cpu1" "$ticks" <<'PY'
import json, sys
src, out, c0, c1, hz = sys.argv[1:]
r = json.load(open(src))
r["scenario"] = "healthz"
r["server_cpu_s"] = round((int(c1) - int(c0)) / int(hz), 2)
r["server_cpu_util"] = round(r["server_cpu_s"] / r["duration_s"], 2)
json.dump(r, open(out, "w"), indent=2)
print(f"  healthz        {r['rps']:>10.1f}/s  p50 {r['p50_ms']:.2f} ms  errors {r['errors']}  "
      f"server {r['server_cpu_util']} cores", file=sys.stderr)
PY
}

run_sigil() {
  provision_sigil
  measure_ready
  local i
  for i in $(seq 1 "$SIGIL_RUNS"); do
    log "sigil run $i/$SIGIL_RUNS"
    start_sigil "$SIGIL_PORT" "$work/sigil-$i.log"
    SERVER_PID=$sigil_pid LABEL="sigil (pinned)" RESULTS="$RESULTS_DIR/sigil-pinned-$STAMP-$i.json" \
      SCENARIOS="discovery jwks token_cc introspect" \
      CC_PARAMS="scope=api:read" INTROSPECT_CC_PARAMS="scope=api:read" \
      harness "http://127.0.0.1:$SIGIL_PORT" bench-client "$SIGIL_SECRET"
    SERVER_PID=$sigil_pid LABEL="sigil ES256 client (pinned)" \
      RESULTS="$RESULTS_DIR/sigil-es256-pinned-$STAMP-$i.json" SCENARIOS="token_cc" \
      CC_PARAMS="scope=api:read" \
      harness "http://127.0.0.1:$SIGIL_PORT" bench-client-es256 "$SIGIL_SECRET_ES"
    healthz_floor "$i"
    grep -E 'ready_ms' "$work/sigil-$i.log" | tail -1 >&2 || true
    stop_pid "$sigil_pid"
  done
}

# --- the peer -----------------------------------------------------------------------------
peer_setup() {
  if [ ! -f "$PEER_WORK/server.mjs" ]; then
    mkdir -p "$PEER_WORK"
    cp -a "$SHARED_BENCH/peer/." "$PEER_WORK/"
    chmod -R u+w "$PEER_WORK"
  fi
  "$PEER_WORK/setup.sh" >&2
}

run_peer() {
  peer_setup
  local i
  for i in $(seq 1 "$PEER_RUNS"); do
    log "peer run $i/$PEER_RUNS"
    peer_started=1
    PORT=$PEER_PORT PEER_CPUS=$SERVER_CPU PIDFILE="$PEER_WORK/peer.pid" "$PEER_WORK/start.sh" >&2
    SERVER_PIDFILE="$PEER_WORK/peer.pid" LABEL="node-oidc-provider (pinned)" \
      RESULTS="$RESULTS_DIR/peer-pinned-$STAMP-$i.json" \
      SCENARIOS="discovery jwks token_cc token_cc_alt introspect" \
      CC_PARAMS="scope=api:read" CC_ALT_PARAMS="resource=urn:bench:api:es256&scope=api:read" \
      INTROSPECT_CC_PARAMS="resource=urn:bench:api:opaque&scope=api:read" \
      harness "http://127.0.0.1:$PEER_PORT" bench-client bench-secret-for-loopback-benchmarks-only
    PIDFILE="$PEER_WORK/peer.pid" "$PEER_WORK/stop.sh" >&2
    peer_started=0
  done
}

# --- the flows, with `sigil bench` ---------------------------------------------------------
# The sign-in clients and user of Sigil's data dir: first party (no consent page, like the
# peer's bench client), the code and refresh grants, offline_access; one client whose ID and
# access tokens are ES256, one RS256-2048. The password is random and goes through stdin.
flow_password=""
provision_flows() {
  [ -n "$flow_password" ] && return 0
  provision_sigil
  local s=("$SIGIL_BIN" --data-dir "$sigil_data") alg
  flow_password=$(python3 -c 'import secrets; print(secrets.token_urlsafe(18))')
  printf '%s\n' "$flow_password" | "${s[@]}" user create alice --password-stdin --json >/dev/null
  for alg in ES256 RS256; do
    "${s[@]}" client create --client-id "bench-flow-${alg,,}" --first-party \
      --grant-type authorization_code --grant-type refresh_token \
      --redirect-uri "$FLOW_REDIRECT" --scope "openid profile email offline_access" \
      --signing-alg "$alg" --id-token-alg "$alg" --json >"$work/flow-$alg.json"
  done
  log "provisioned the flow clients bench-flow-es256, bench-flow-rs256 and the user alice"
}

secret_of() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["client_secret"])' "$1"; }

# One `sigil bench` run, pinned to LOADGEN_CPU; its JSON report goes to $1, and the CPU it
# used (user and system seconds, set-up included) to $1.cpu, so that a load generator near
# one core shows. A run with failed iterations still writes its report (and exits 1): the
# summary shows the failures.
flow_bench() {
  local out=$1 issuer=$2 client=$3 secret=$4 password=$5 scenario=$6 label=$7
  local timer=()
  [ -x /usr/bin/time ] && timer=(/usr/bin/time -f "%U %S" -o "$out.cpu")
  printf '%s\n%s\n' "$secret" "$password" | "${timer[@]}" taskset -c "$LOADGEN_CPU" "$SIGIL_BIN" bench \
    --issuer "$issuer" --scenario "$scenario" --client-id "$client" --client-secret-stdin \
    --username alice --password-stdin --redirect-uri "$FLOW_REDIRECT" \
    --connections "$FLOW_CONNECTIONS" --duration "$FLOW_DURATION" --warmup "$FLOW_WARMUP" \
    --json >"$out" || log "  $scenario: some iterations failed (see $out)"
  python3 - "$out" "$label" <<'PY' >&2 || true
import json, sys
r = json.load(open(sys.argv[1]))
l = r.get("latency_us", {})
try:
    cpu = sum(float(x) for x in open(sys.argv[1] + ".cpu").read().split()[:2])
    cores = f"  loadgen {cpu / (r['duration_s'] + r['warmup_s']):.2f} cores"
except (OSError, ValueError, ZeroDivisionError):
    cores = ""
print(f"  {sys.argv[2]:<15} {r['throughput_per_s']:>10.1f}/s  p50 {l.get('p50', 0) / 1000:.2f} ms  "
      f"p99 {l.get('p99', 0) / 1000:.2f} ms  failed {r['failed']} {r['errors'] or ''}{cores}")
PY
}

# Every flow scenario against one running server; `sso-flow-rs256` is sso-flow with the RS256
# client (the peer signs its ID tokens RS256 in every case).
flow_scenarios() {
  local who=$1 run=$2 issuer=$3 es_client=$4 es_secret=$5 rs_client=$6 rs_secret=$7 password=$8
  local name scenario client secret
  for name in $FLOW_SCENARIOS; do
    scenario=$name client=$es_client secret=$es_secret
    if [ "$name" = sso-flow-rs256 ]; then
      scenario=sso-flow client=$rs_client secret=$rs_secret
    fi
    flow_bench "$RESULTS_DIR/flows-$who-$STAMP-$name-$run.json" "$issuer" "$client" "$secret" \
      "$password" "$scenario" "$name"
  done
}

run_flows() {
  [ -x "$SIGIL_BIN" ] || { log "no sigil binary at $SIGIL_BIN (cargo build --release -p sigil)"; exit 2; }
  provision_flows
  local es rs i
  es=$(secret_of "$work/flow-ES256.json")
  rs=$(secret_of "$work/flow-RS256.json")
  for i in $(seq 1 "$FLOW_RUNS"); do
    log "flows: sigil run $i/$FLOW_RUNS"
    start_sigil "$SIGIL_PORT" "$work/flows-sigil-$i.log"
    flow_scenarios sigil "$i" "http://127.0.0.1:$SIGIL_PORT" bench-flow-es256 "$es" \
      bench-flow-rs256 "$rs" "$flow_password"
    stop_pid "$sigil_pid"
  done
  peer_setup
  local peer_secret=bench-secret-for-loopback-benchmarks-only
  for i in $(seq 1 "$FLOW_RUNS"); do
    log "flows: peer run $i/$FLOW_RUNS"
    peer_started=1
    PORT=$PEER_PORT PEER_CPUS=$SERVER_CPU PIDFILE="$PEER_WORK/peer.pid" "$PEER_WORK/start.sh" >&2
    # devInteractions accepts any login and password.
    flow_scenarios peer "$i" "http://127.0.0.1:$PEER_PORT" bench-client "$peer_secret" \
      bench-client "$peer_secret" any-password
    PIDFILE="$PEER_WORK/peer.pid" "$PEER_WORK/stop.sh" >&2
    peer_started=0
  done
  flows_summary | tee "$RESULTS_DIR/flows-summary-$STAMP.md"
}

flows_summary() {
  python3 - "$RESULTS_DIR" "$STAMP" "$FLOW_SCENARIOS" "$FLOW_CONNECTIONS" <<'PY'
import glob, json, os, statistics, sys
d, stamp, names, users = sys.argv[1], sys.argv[2], sys.argv[3].split(), sys.argv[4]
def runs(who, name):
    return [json.load(open(p)) for p in sorted(glob.glob(os.path.join(d, f"flows-{who}-{stamp}-{name}-[0-9]*.json")))]
def med(docs, key):
    xs = [doc[key] for doc in docs if doc.get(key) is not None]
    return statistics.median(xs) if xs else None
def loadgen(who, name):
    xs = []
    for p in sorted(glob.glob(os.path.join(d, f"flows-{who}-{stamp}-{name}-[0-9]*.json"))):
        try:
            r = json.load(open(p))
            cpu = sum(float(x) for x in open(p + ".cpu").read().split()[:2])
            xs.append(cpu / (r["duration_s"] + r["warmup_s"]))
        except (OSError, ValueError, KeyError, ZeroDivisionError):
            pass
    return statistics.median(xs) if xs else None
def p99(docs):
    xs = [doc["latency_us"].get("p99") for doc in docs if doc.get("latency_us")]
    return statistics.median(xs) / 1000 if xs else None
targets = {"sso-flow": ("SSO code flow, ES256, session kept", 4.0),
           "sso-flow-rs256": ("SSO code flow, RS256-2048 (peer: RS256)", None),
           "code-flow": ("full login flow (Sigil: argon2id; peer: no hashing)", None),
           "refresh": ("refresh, ES256, SQLite", 10.0),
           "userinfo": ("userinfo", 5.0)}
notes = {"sso-flow-rs256": ">= 80% of the RS256 signing limit (two signatures per flow)",
         "code-flow": ">= 80% of argon2id's own rate; Keycloak publishes 15 logins/s per vCPU",
         "refresh": ">= 3,000/s and >= 10x peer"}
f = lambda v, n=0: "-" if v is None else f"{v:,.{n}f}"
print(f"flows, session {stamp}: sigil bench, {users} virtual users, medians; a load generator near "
      "1.0 cores (set-up included) was the limit, not the server\n")
print("| scenario | peer /s | Sigil /s | ratio | target | met | p99 peer / Sigil (ms) | failed peer / Sigil | loadgen cores peer / Sigil |")
print("|---|---:|---:|---:|---|---|---|---|---|")
for name in names:
    peer, sig = runs("peer", name), runs("sigil", name)
    p, s = med(peer, "throughput_per_s"), med(sig, "throughput_per_s")
    label, factor = targets.get(name, (name, None))
    ratio = s / p if p and s else None
    if factor is None:
        target, met = notes.get(name, ""), "see docs/benchmarks.md"
    else:
        target = notes.get(name, f">= {factor:g}x peer")
        ok = ratio is not None and ratio >= factor and (name != "refresh" or s >= 3000)
        met = "-" if ratio is None else ("met" if ok else "not met")
    fails = f"{sum(doc['failed'] for doc in peer)} / {sum(doc['failed'] for doc in sig)}"
    print(f"| {label} | {f(p)} | {f(s)} | {'-' if ratio is None else f'{ratio:.2f}x'} | {target} | {met} | "
          f"{f(p99(peer), 2)} / {f(p99(sig), 2)} | {fails} | {f(loadgen('peer', name), 2)} / {f(loadgen('sigil', name), 2)} |")
PY
}

# --- the load generator's ceiling ----------------------------------------------------------
run_ceiling() {
  command -v nginx >/dev/null || { log "nginx not installed (apt-get install nginx); skipping ceiling"; return 0; }
  provision_sigil
  start_sigil "$SIGIL_PORT" "$work/ceiling-sigil.log"
  local doc="$work/nginx"
  mkdir -p "$doc/www" "$doc/tmp"
  curl -fsS "http://127.0.0.1:$SIGIL_PORT/.well-known/openid-configuration" \
    | sed "s#127.0.0.1:$SIGIL_PORT#127.0.0.1:$CEILING_PORT#g" >"$doc/www/discovery.json"
  curl -fsS "http://127.0.0.1:$SIGIL_PORT/jwks.json" >"$doc/www/jwks.json"
  stop_pid "$sigil_pid"
  cat >"$doc/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $doc/nginx.pid;
error_log $doc/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 10000000;
  keepalive_timeout 120s;
  open_file_cache max=16;
  client_body_temp_path $doc/tmp; proxy_temp_path $doc/tmp; fastcgi_temp_path $doc/tmp;
  uwsgi_temp_path $doc/tmp; scgi_temp_path $doc/tmp;
  server {
    listen 127.0.0.1:$CEILING_PORT;
    default_type application/json;
    location = /.well-known/openid-configuration { alias $doc/www/discovery.json; }
    location = /jwks.json { alias $doc/www/jwks.json; }
  }
}
EOF
  taskset -c "$SERVER_CPU" nginx -c "$doc/nginx.conf" -p "$doc" &
  local npid=$!
  pids+=("$npid")
  wait_200 "http://127.0.0.1:$CEILING_PORT/jwks.json" "$npid"
  SERVER_PID=$npid LABEL="ceiling: nginx $(nginx -v 2>&1 | sed 's#.*/##') static copies (pinned)" \
    RESULTS="$RESULTS_DIR/ceiling-nginx-$STAMP.json" SCENARIOS="discovery jwks" \
    harness "http://127.0.0.1:$CEILING_PORT" unused unused
  stop_pid "$npid"
}

# --- summary ------------------------------------------------------------------------------
summary() {
  python3 - "$RESULTS_DIR" "$STAMP" <<'PY'
import glob, json, os, statistics, sys
d, stamp = sys.argv[1:]
def load(pattern):
    return [json.load(open(p)) for p in sorted(glob.glob(os.path.join(d, pattern)))]
def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None
def rps(docs, scen):
    return med([r["rps"] for doc in docs for r in doc["scenarios"] if r["scenario"] == scen])
def row(docs, scen, key):
    return med([r.get(key) for doc in docs for r in doc["scenarios"] if r["scenario"] == scen])
peer = load(f"peer-pinned-{stamp}-*.json")
sig = load(f"sigil-pinned-{stamp}-*.json")
sig_es = load(f"sigil-es256-pinned-{stamp}-*.json")
ceil = load(f"ceiling-nginx-{stamp}.json")
health = [json.load(open(p)) for p in sorted(glob.glob(os.path.join(d, f"sigil-healthz-{stamp}-*.json")))]
ready = load(f"sigil-ready-{stamp}.json")
def f(v, n=0):
    return "-" if v is None else f"{v:,.{n}f}"
print(f"session {stamp}: peer runs {len(peer)}, sigil runs {len(sig)}; medians\n")
print("| figure | peer | sigil | ratio | load-gen ceiling | target | met |")
print("|---|---:|---:|---:|---:|---|---|")
lines = [("discovery", "discovery", sig, "discovery", 5.0), ("jwks", "jwks", sig, "jwks", 5.0),
         ("client credentials ES256", "token_cc_alt", sig_es, "token_cc", 10.0),
         ("client credentials RS256-2048", "token_cc", sig, "token_cc", None),
         ("introspection", "introspect", sig, "introspect", 3.0)]
for label, pscen, sdocs, sscen, factor in lines:
    p, s = rps(peer, pscen), rps(sdocs, sscen)
    c = rps(ceil, sscen) if sscen in ("discovery", "jwks") else None
    ratio = (s / p) if p and s else None
    if factor is None:
        target, met = "≥ 90% of raw RSA-2048 sign rate (see jose table)", "see below"
    else:
        goal = factor * p if p else None
        eff = min(goal, c) if (goal and c) else goal
        target = f"≥ {factor:g}× peer" + (f" or ceiling {f(c)}" if c else "")
        met = "-" if (s is None or eff is None) else ("met" if s >= eff else f"not met ({s / eff:.0%} of goal)")
    print(f"| {label} (req/s) | {f(p)} | {f(s)} | {'-' if ratio is None else f'{ratio:.2f}×'} | {f(c)} | {target} | {met} |")
sv = [doc["server"] for doc in sig if doc.get("server")]
sv_es = [doc["server"] for doc in sig_es if doc.get("server")]
pv = [doc["server"] for doc in peer if doc.get("server")]
idle_s, idle_p = med([s["idle_rss_kb"] for s in sv]), med([s["idle_rss_kb"] for s in pv])
peak_s = med([max(a["peak_rss_kb"], b["peak_rss_kb"]) for a, b in zip(sv, sv_es)] or [s["peak_rss_kb"] for s in sv])
peak_p = med([s["peak_rss_kb"] for s in pv])
mib = lambda kb: None if kb is None else kb / 1024
print(f"| idle RSS (MiB) | {f(mib(idle_p), 1)} | {f(mib(idle_s), 1)} | | | ≤ 20 | {'-' if idle_s is None else ('met' if idle_s / 1024 <= 20 else 'not met')} |")
print(f"| peak RSS under load (MiB) | {f(mib(peak_p), 1)} | {f(mib(peak_s), 1)} | | | ≤ 64 | {'-' if peak_s is None else ('met' if peak_s / 1024 <= 64 else 'not met')} |")
if ready:
    r = ready[0]
    print(f"| ready on existing data dir (ms, exec → /readyz 200) | | {r['median_wall_ms']} (max {r['max_wall_ms']}) | | | ≤ 100 | {'met' if r['max_wall_ms'] is not None and r['max_wall_ms'] <= 100 else 'not met'} |")
if health:
    print(f"\nsigil /healthz (raw wrk, framework floor): {f(med([h['rps'] for h in health]))} req/s at "
          f"{med([h['server_cpu_util'] for h in health])} server cores")
print("\nper-scenario server CPU (cores) and requests per server CPU-second (median):")
for name, docs, scen in [("peer", peer, s) for s in ("discovery", "jwks", "token_cc", "token_cc_alt", "introspect")] + \
        [("sigil", sig, s) for s in ("discovery", "jwks", "token_cc", "introspect")] + [("sigil es256", sig_es, "token_cc")] + \
        [("ceiling", ceil, s) for s in ("discovery", "jwks")]:
    if docs:
        print(f"- {name} {scen}: {f(rps(docs, scen))} req/s, server {row(docs, scen, 'server_cpu_util')} cores, "
              f"{f(row(docs, scen, 'per_server_cpu_s'))} req/CPU-s, loadgen {row(docs, scen, 'loadgen_cores')} cores, "
              f"other {max([r.get('other_cores') or 0 for doc in docs for r in doc['scenarios'] if r['scenario'] == scen])} cores (max), "
              f"p99 {row(docs, scen, 'p99_ms')} ms")
PY
}

for mode in "${modes[@]}"; do
  case "$mode" in
    ceiling) run_ceiling ;;
    peer) run_peer ;;
    sigil) run_sigil ;;
    flows) run_flows ;;
    summary) summary | tee "$RESULTS_DIR/summary-$STAMP.md" ;;
    *) echo "sigil-vs-peer: unknown mode $mode (ceiling, peer, sigil, flows, summary)" >&2; exit 2 ;;
  esac
done
