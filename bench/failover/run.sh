#!/usr/bin/env bash
# Failover benchmark (issue 13): predictions under wrk load (keep-alive connections) through node A's gateway, on a
# deployment with one replica on each of three nodes (A: every role and the embedded stores; B and C: hub, model,
# execution, sharing A's stores). Four runs of the same length, each against the first as its baseline:
#   1. no fault        2. C frozen (SIGSTOP) for 10 s, then SIGCONT
#   3. C stopped (SIGTERM: a graceful leave)     4. B killed (SIGKILL)
# For each: req/s and its ratio to run 1, failed requests (non-2xx, socket errors) per 10,000, the longest wait.
# The ratio mixes two things on a small machine: the fault, and fewer JVMs sharing its cores after it.
# After run 2 it also prints how long the cluster took to be one again (A's /ready with 3 members).
# Usage: bench/failover/run.sh [--quick]   (--quick: 12 s runs instead of 20 s)
# Everything runs on 127.0.0.1 and stops by itself; files go under target/bench/failover.
set -euo pipefail
cd "$(dirname "$0")/../.."
RUN_S=20
[ "${1:-}" = "--quick" ] && RUN_S=12
FAULT_AT_S=5
CONNECTIONS=32
WORK=target/bench/failover
. bench/lib.sh
need_wrk
prepare_helper bench/inference/InferenceBench.java
bench_model

HTTP=$(free_port); MONGO=$(free_port); S3=$(free_port)
PA=$(free_port); PB=$(free_port); PC=$(free_port)
MEMBERS="127.0.0.1:$PA,127.0.0.1:$PB,127.0.0.1:$PC"
declare -A PID
cleanup() { for p in "${PID[@]}"; do kill -CONT "$p" 2>/dev/null || true; kill -9 "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

start() { # name cluster-port roles [extra env...]
  local name=$1 port=$2 roles=$3; shift 3
  env MLP_CLUSTER=true MLP_CLUSTER_HOST=127.0.0.1 MLP_CLUSTER_PORT="$port" MLP_CLUSTER_MEMBERS="$MEMBERS" \
    MLP_ROLES="$roles" MLP_DATA_DIR="$WORK/data-$name" "$@" \
    java -Xmx1g -XX:+ExitOnOutOfMemoryError -Dmlp.access.log=WARN -jar target/mlplatform.jar > "$WORK/node-$name.log" 2>&1 &
  PID[$name]=$!
}
B="http://127.0.0.1:$HTTP"
start a "$PA" gateway,hub,model,data,execution MLP_HTTP_PORT="$HTTP" MLP_EMBEDDED_MONGO_PORT="$MONGO" \
  MLP_EMBEDDED_S3_PORT="$S3" MLP_CLUSTER_EXPECTED=3
for _ in $(seq 1 120); do curl -sf "$B/health" >/dev/null && break; sleep 0.5; done
SHARED=(MLP_MONGO_URI="mongodb://127.0.0.1:$MONGO" MLP_S3_ENDPOINT="http://127.0.0.1:$S3")
start b "$PB" hub,model,execution "${SHARED[@]}"
start c "$PC" hub,model,execution "${SHARED[@]}"
for _ in $(seq 1 240); do curl -sf "$B/ready" >/dev/null && break; sleep 0.5; done
curl -sf "$B/ready" >/dev/null || { echo "the cluster did not form: see $WORK/node-*.log" >&2; exit 1; }

deploy_bench 3
replicas_on 3

# run NAME [FAULT-COMMAND]: one wrk run, the fault FAULT_AT_S seconds in; prints and records "rps failed max-ms"
declare -A RESULT
run() {
  local name=$1 fault=${2:-} out="$WORK/wrk-$1.out"
  BODY="$WORK/predict.json" wrk -t2 -c"$CONNECTIONS" -d"${RUN_S}s" --timeout 70s -s bench/inference/post.lua \
    "$B/api/deployments/bench/predict" > "$out" 2>&1 &
  local wrk=$!
  if [ -n "$fault" ]; then sleep "$FAULT_AT_S"; eval "$fault"; fi
  wait "$wrk" || true
  RESULT[$name]=$(python3 - "$out" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
def ms(v):
    m = re.match(r"([\d.]+)(us|ms|s|m)$", v)
    return float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[m.group(2)]
requests = int(re.search(r"(\d+) requests in", text).group(1))
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
longest = ms(re.search(r"Latency\s+\S+\s+\S+\s+(\S+)", text).group(1))
bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
failed = (int(bad.group(1)) if bad else 0) + (sum(int(g) for g in socket.groups()) if socket else 0)
print(f"{rps:.0f} {requests} {failed} {longest:.0f}")
PY
)
}

run warmup   # JIT and connection pools, not reported
run baseline
run frozen "kill -STOP ${PID[c]}; sleep 10; kill -CONT ${PID[c]}; THAWED=\$(date +%s.%N)"
for _ in $(seq 1 600); do
  curl -sf "$B/ready" | grep -q '"members":3' && break; sleep 0.1
done
MERGED=$(python3 -c "import time; print(f'{time.time() - $THAWED:.1f}')")
replicas_on 3
run graceful "kill -TERM ${PID[c]}"
replicas_on 2
run killed "kill -9 ${PID[b]}"

read -r BASE _ _ _ <<<"${RESULT[baseline]}"
printf "%-44s %9s %7s %10s %8s %12s\n" "run (${RUN_S} s, $CONNECTIONS connections)" "req/s" "ratio" "requests" "failed" "longest ms"
for name in baseline frozen graceful killed; do
  read -r RPS N FAILED LONGEST <<<"${RESULT[$name]}"
  case $name in
    baseline) label="no fault" ;;
    frozen) label="C frozen 10 s (SIGSTOP, SIGCONT)" ;;
    graceful) label="C stopped (SIGTERM)" ;;
    killed) label="B killed (SIGKILL)" ;;
  esac
  printf "%-44s %9s %7s %10s %8s %12s   (%s failed per 10,000)\n" "$label" "$RPS" \
    "$(python3 -c "print(f'{$RPS / $BASE:.2f}')")" "$N" "$FAILED" "$LONGEST" \
    "$(python3 -c "print(f'{$FAILED * 10000 / max($N, 1):.2f}')")"
done
echo "one cluster again (A sees 3 members) ${MERGED} s after SIGCONT"
echo "(wrk and the three nodes share this machine's $(nproc) cores; the attempt deadline is 2000 ms)"
