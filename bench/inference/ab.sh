#!/usr/bin/env bash
# A/B of two builds of the platform on the prediction hot path: both nodes run at once, each with the benchmarks'
# ONNX model deployed, and wrk alternates between them (run 1 of A, run 1 of B, run 2 of A, ...), so that what else
# loads this shared machine weighs on both alike. Each run prints req/s, p99 and the server's CPU µs per request (its
# process's, from /proc: the figure that moves least with the machine's load); the last lines give each side's
# median. Whole bench/inference/run.sh runs of one jar after another read 20k to 36k req/s for the same jar here;
# alternating runs agreed with each other round after round.
# Usage: bench/inference/ab.sh JAR_A JAR_B [ROUNDS] [SECONDS] [predict|v2|v2x64]   (defaults: 6 rounds of 5 s, v2;
# v2x64: V2 infer with 64 rows a request)
# CONNS (default 64) and THREADS (default 2, 1 for one connection) set wrk's load; ALL_ENV and B_ENV add settings
# (VAR=value ...) to both nodes or to B only, e.g. B_ENV=MLP_METRICS_VERTX=false with the same jar twice.
# Build a jar of an older commit with: git worktree add ../old <commit> && (cd ../old && mvn -q package -DskipTests
# -Dconsole.skip -Dagent-clients.skip)
set -euo pipefail
cd "$(dirname "$0")/../.."
[ $# -ge 2 ] || { sed -n '2,13p' "$0"; exit 2; }
JAR_A=$(realpath "$1"); JAR_B=$(realpath "$2"); ROUNDS=${3:-6}; SECONDS_PER_RUN=${4:-5}; ROUTE=${5:-v2}
CONNS=${CONNS:-64}
THREADS=${THREADS:-2}; [ "$CONNS" -lt 2 ] && THREADS=1
WORK=target/bench/ab
. bench/lib.sh
need_wrk
prepare_helper bench/inference/InferenceBench.java
bench_model
echo '{"inputs": [{"name": "input", "datatype": "FP32", "shape": [1, 4], "data": [0.1, 0.2, 0.3, 0.4]}]}' \
  > "$WORK/infer1.json"
python3 - "$WORK/infer64.json" <<'PY'
import json, sys
data = [round((i % 7) / 7, 4) for i in range(64 * 4)]
json.dump({"inputs": [{"name": "input", "datatype": "FP32", "shape": [64, 4], "data": data}]}, open(sys.argv[1], "w"))
PY

cpu_us() { awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) * 1000000 / hz}' "/proc/$1/stat"; }
declare -A PID PORT
cleanup() { for side in A B; do [ -n "${PID[$side]:-}" ] && kill "${PID[$side]}" 2>/dev/null || true; done; }
trap cleanup EXIT
for side in A B; do
  jar=$JAR_A; extra="${ALL_ENV:-}"
  [ $side = B ] && jar=$JAR_B && extra="$extra ${B_ENV:-}"
  PORT[$side]=$(free_port)
  # shellcheck disable=SC2086 # extra is a list of VAR=value words
  env $extra MLP_HTTP_PORT=${PORT[$side]} MLP_DATA_DIR="$WORK/data-$side" MLP_EMBEDDED_MONGO_PORT=0 \
    MLP_EMBEDDED_S3_PORT=0 java -Xmx1g -Dmlp.access.log=WARN -jar "$jar" > "$WORK/node-$side.log" 2>&1 &
  PID[$side]=$!
done
for side in A B; do
  B="http://127.0.0.1:${PORT[$side]}"
  for _ in $(seq 1 120); do curl -sf "$B/ready" >/dev/null && break; sleep 0.5; done
  deploy_bench 1
  for _ in $(seq 1 100); do curl -sf "$B/v2/models/bench/ready" >/dev/null && break; sleep 0.2; done
done

url() { # side
  case $ROUTE in
    predict) echo "http://127.0.0.1:${PORT[$1]}/api/deployments/bench/predict $WORK/predict.json" ;;
    v2x64) echo "http://127.0.0.1:${PORT[$1]}/v2/models/bench/infer $WORK/infer64.json" ;;
    *) echo "http://127.0.0.1:${PORT[$1]}/v2/models/bench/infer $WORK/infer1.json" ;;
  esac
}
# warm-up (JIT, connection pools), not measured
for side in A B; do
  read -r u body <<<"$(url $side)"
  BODY=$body wrk -t"$THREADS" -c"$CONNS" -d8s -s bench/inference/post.lua "$u" >/dev/null 2>&1 || true
done

echo "A = $1, B = $2: $ROUTE, $CONNS connections, $ROUNDS rounds of $SECONDS_PER_RUN s"
printf "%-6s %-4s %10s %9s %12s\n" round side req/s "p99 ms" "cpu us/req"
: > "$WORK/results"
for round in $(seq 1 "$ROUNDS"); do
  for side in A B; do
    read -r u body <<<"$(url $side)"
    before=$(cpu_us "${PID[$side]}")
    out=$(BODY=$body wrk -t"$THREADS" -c"$CONNS" -d"${SECONDS_PER_RUN}s" --latency -s bench/inference/post.lua "$u" 2>&1 \
      || true)
    after=$(cpu_us "${PID[$side]}")
    echo "$out" | python3 -c '
import re, sys
text = sys.stdin.read()
side, rnd, before, after = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
requests = int(re.search(r"(\d+) requests in", text).group(1))
m = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)", text, re.M)
p99 = float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]
cpu = (after - before) / max(requests, 1)
print(f"{rnd:<6} {side:<4} {rps:10.0f} {p99:9.2f} {cpu:12.1f}")
open(sys.argv[5], "a").write(f"{side} {rps} {cpu}\n")' "$side" "$round" "$before" "$after" "$WORK/results"
  done
done
python3 - "$WORK/results" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
for side in "AB":
    rps = [float(r[1]) for r in rows if r[0] == side]
    cpu = [float(r[2]) for r in rows if r[0] == side]
    print(f"median {side}: {statistics.median(rps):.0f} req/s, {statistics.median(cpu):.1f} us of server CPU a request")
a = statistics.median(float(r[1]) for r in rows if r[0] == "A")
b = statistics.median(float(r[1]) for r in rows if r[0] == "B")
wins = sum(1 for i in range(0, len(rows) - 1, 2) if float(rows[i + 1][1]) > float(rows[i][1]))
print(f"B / A req/s: {b / a:.2f}; B ahead in {wins} of {len(rows) // 2} rounds")
PY
