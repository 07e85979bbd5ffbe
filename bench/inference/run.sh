#!/usr/bin/env bash
# Online inference benchmark (issue 3). Prints, from one run on this machine:
#  (a) raw in-process onnxruntime calls/s for the benchmark model,
#  (b, c, d) at 64 connections, in turn for ROUNDS rounds: a bare Vert.x HTTP server answering a constant JSON (the
#      HTTP ceiling of this box), the platform's predict route, its V2 infer, and V2 infer with 64 rows a request, as
#      JSON and as binary tensor data (req/s, p50, p99; rows/s),
#  (c) the two routes at 1 and 16 connections,
#  (e) the predict route and V2 infer at 64 connections on a node without Vert.x's event-bus meters
#      (MLP_METRICS_VERTX=false), after a ceiling run of their own,
# and the ratios platform / ceiling at 64 connections: the median of the rounds' ratios (each round's five runs are
# next to each other; the ceiling itself moves by a fifth between runs on this shared machine). Each run also prints
# the server's CPU time per request (its process's, from /proc; wrk's not counted), and the ratios' lines compare the
# ceiling's with the platform's: a ratio that the machine's other load moves less than it moves req/s. Load comes from
# wrk on loopback; every run is bounded.
# Usage: bench/inference/run.sh [--quick]   (--quick: 2 rounds of 3 s runs, and 3 s runs elsewhere, instead of 5 rounds
# of 6 s runs and 10 s runs elsewhere)
# MLP_BENCH_JAR=path: the platform's jar to measure (default target/mlplatform.jar), e.g. an older build to compare
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_PER_RUN=10
ROUNDS=5
ROUND_SECONDS=6
[ "${1:-}" = "--quick" ] && SECONDS_PER_RUN=3 && ROUNDS=2 && ROUND_SECONDS=3
WORK=target/bench/inference
. bench/lib.sh
need_wrk
prepare_helper bench/inference/InferenceBench.java

HTTP=$(free_port); CONST=$(free_port)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

bench_model

echo "== (a) in-process onnxruntime (one thread)"
java -cp "$CP" InferenceBench ort "$WORK/model.onnx" "$SECONDS_PER_RUN" | tee "$WORK/ort.txt"

# the platform: one node, embedded stores, request log off (it would write one line per request); extra
# environment (VAR=value ...) as arguments
start_node() {
  rm -rf "$WORK/data"
  env "$@" MLP_HTTP_PORT=$HTTP MLP_DATA_DIR="$WORK/data" MLP_EMBEDDED_MONGO_PORT=0 MLP_EMBEDDED_S3_PORT=0 \
    java -Xmx1g -Dmlp.access.log=WARN -jar "${MLP_BENCH_JAR:-target/mlplatform.jar}" > "$WORK/node.log" 2>&1 &
  NODE=$!
  PIDS+=($NODE)
  for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$HTTP/ready" >/dev/null && break; sleep 0.5; done
  deploy_bench 1
  for _ in $(seq 1 100); do curl -sf "$B/v2/models/bench/ready" >/dev/null && break; sleep 0.2; done
}
B="http://127.0.0.1:$HTTP"
start_node
java -cp "$CP" InferenceBench constant "$CONST" > "$WORK/constant.log" 2>&1 &
CONST_PID=$!
PIDS+=($CONST_PID)
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$CONST/" >/dev/null && break; sleep 0.2; done
echo "sockets: platform $(grep -o 'sockets [A-Za-z ]*' "$WORK/node.log" | head -1), ceiling $(grep -o '(.*)' "$WORK/constant.log" | head -1)"

echo '{"inputs": [{"name": "input", "datatype": "FP32", "shape": [1, 4], "data": [0.1, 0.2, 0.3, 0.4]}]}' > "$WORK/infer1.json"
# the same 64 rows as V2 binary tensor data, in and out: JSON head, then 256 little-endian floats; its JSON's length
# goes in the file named like it with .length
python3 - "$WORK/infer64.json" "$WORK/infer64.bin" <<'PY'
import json, struct, sys
data = [round((i % 7) / 7, 4) for i in range(64 * 4)]
json.dump({"inputs": [{"name": "input", "datatype": "FP32", "shape": [64, 4], "data": data}]}, open(sys.argv[1], "w"))
head = json.dumps({"inputs": [{"name": "input", "datatype": "FP32", "shape": [64, 4],
                               "parameters": {"binary_data_size": 4 * len(data)}}],
                   "parameters": {"binary_data_output": True}}).encode()
open(sys.argv[2], "wb").write(head + struct.pack("<%df" % len(data), *data))
open(sys.argv[2] + ".length", "w").write(str(len(head)))
PY
curl -sf -XPOST "$B/v2/models/bench/infer" -H 'content-type: application/octet-stream' \
  -H "Inference-Header-Content-Length: $(cat "$WORK/infer64.bin.length")" --data-binary @"$WORK/infer64.bin" >/dev/null \
  || { echo "warm-up request infer64.bin failed"; exit 1; }
for body in predict.json infer1.json infer64.json infer64.bin; do
  url="$B/api/deployments/bench/predict"; [ "$body" != predict.json ] && url="$B/v2/models/bench/infer"
  [ "$body" = infer64.bin ] || curl -sf -XPOST "$url" -H 'content-type: application/json' --data-binary @"$WORK/$body" \
    >/dev/null || { echo "warm-up request $body failed"; exit 1; }
  # the JIT compiles each route's path before anything is measured (a cold JVM read 190 us of CPU a request at one
  # connection, 60 us warm)
  length=""; [ "$body" != infer64.bin ] || length=$(cat "$WORK/infer64.bin.length")
  BODY="$WORK/$body" JSON_LENGTH="$length" wrk -t2 -c64 -d8s -s bench/inference/post.lua "$url" > /dev/null 2>&1 || true
done

# CPU time a process has used, in microseconds (user + system, from /proc: 10 ms ticks)
cpu_us() { awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) * 1000000 / hz}' "/proc/$1/stat"; }

# one wrk run against the server of process PID: prints "req/s p50 p99 cpu-us-per-request non2xx"; the CPU per
# request is the server's own (wrk's excluded), so it moves less than req/s when the machine is shared
load() { # connections url body-file pid [seconds]   (a body-file.length beside it: a V2 binary tensor request)
  local threads=2 seconds=${5:-$SECONDS_PER_RUN}; [ "$1" -lt 2 ] && threads=1
  local json_length=""; [ ! -f "$3.length" ] || json_length=$(cat "$3.length")
  # warm-up (JIT, connection pools), not measured
  BODY="$3" JSON_LENGTH="$json_length" wrk -t"$threads" -c"$1" -d2s -s bench/inference/post.lua "$2" > /dev/null 2>&1 || true
  local out="$WORK/wrk-$RANDOM.out" cpu_before cpu_after
  cpu_before=$(cpu_us "$4")
  BODY="$3" JSON_LENGTH="$json_length" wrk -t"$threads" -c"$1" -d"${seconds}s" --latency -s bench/inference/post.lua "$2" \
    > "$out" 2>&1 || true
  cpu_after=$(cpu_us "$4")
  BODY="$3" python3 - "$out" "$cpu_before" "$cpu_after" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
def ms(v):
    m = re.match(r"([\d.]+)(us|ms|s|m)$", v)
    if not m:
        return float("nan")
    return float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[m.group(2)]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
requests = int(re.search(r"(\d+) requests in", text).group(1))
p50 = ms(re.search(r"^\s+50%\s+(\S+)", text, re.M).group(1))
p99 = ms(re.search(r"^\s+99%\s+(\S+)", text, re.M).group(1))
cpu = (float(sys.argv[3]) - float(sys.argv[2])) / max(requests, 1)
bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
errors = re.search(r"Socket errors: (.*)", text)
print(f"{rps:.0f} {p50:.2f} {p99:.2f} {cpu:.1f} {bad.group(1) if bad else 0}{' socket errors: ' + errors.group(1) if errors else ''}")
PY
}

ROW="%-28s %10s %8s %8s %12s %s\n"
row() { # label, then load's fields
  local label=$1; shift
  printf "$ROW" "$label" "$1" "$2" "$3" "$4" "${*:5}"
}

echo "== (b, c, d) at 64 connections: the bare Vert.x server (constant JSON), predict, V2 infer, and V2 infer with 64 rows a request (JSON, then binary tensor data) in turn, $ROUNDS rounds"
# interleaved, so that what else loads this shared machine weighs on the five alike: runs of one after the other
# read ratios from 0.54 to 0.69 for the same jar, as the neighbours' load moved between them. The ceiling's JIT is
# warmed as long as the platform's routes were before (a cold ceiling reads low).
BODY="$WORK/predict.json" wrk -t2 -c64 -d8s -s bench/inference/post.lua "http://127.0.0.1:$CONST/" > /dev/null 2>&1 || true
printf "$ROW" "run" "req/s" "p50 ms" "p99 ms" "cpu us/req" "non-200"
: > "$WORK/rounds.txt"
for round in $(seq 1 "$ROUNDS"); do
  for target in constant predict infer infer64 infer64bin; do
    case $target in
      constant) url="http://127.0.0.1:$CONST/"; body=predict.json; pid=$CONST_PID ;;
      predict) url="$B/api/deployments/bench/predict"; body=predict.json; pid=$NODE ;;
      infer) url="$B/v2/models/bench/infer"; body=infer1.json; pid=$NODE ;;
      infer64) url="$B/v2/models/bench/infer"; body=infer64.json; pid=$NODE ;;
      infer64bin) url="$B/v2/models/bench/infer"; body=infer64.bin; pid=$NODE ;;
    esac
    read -r R P50 P99 CPU BAD <<<"$(load 64 "$url" "$WORK/$body" "$pid" "$ROUND_SECONDS")"
    row "$round: $target" "$R" "$P50" "$P99" "$CPU" "$BAD"
    echo "$round $target $R $P50 $P99 $CPU" >> "$WORK/rounds.txt"
  done
done

echo "== (c) platform routes at 1 and 16 connections, one ONNX replica, adaptive batching on"
for c in 1 16; do
  read -r R P50 P99 CPU BAD <<<"$(load $c "$B/api/deployments/bench/predict" "$WORK/predict.json" $NODE)"
  row "predict, $c conns" "$R" "$P50" "$P99" "$CPU" "$BAD"
done
for c in 1 16; do
  read -r R P50 P99 CPU BAD <<<"$(load $c "$B/v2/models/bench/infer" "$WORK/infer1.json" $NODE)"
  row "v2 infer, $c conns" "$R" "$P50" "$P99" "$CPU" "$BAD"
done

curl -s "$B/v2/models/bench" | python3 -c 'import json,sys; b=json.load(sys.stdin)["batching"]; print("batching: %d requests in %d model calls" % (b["requests"], b["model_calls"]))'

echo "== (e) without Vert.x's event-bus meters (MLP_METRICS_VERTX=false)"
kill "$NODE"; wait "$NODE" 2>/dev/null || true
start_node MLP_METRICS_VERTX=false
# a fresh JVM: as much warm-up as the first node had before its 64-connection runs
for body in predict infer1; do
  url="$B/api/deployments/bench/predict"; [ "$body" != predict ] && url="$B/v2/models/bench/infer"
  load 64 "$url" "$WORK/$body.json" $NODE > /dev/null
done
# against a ceiling run of their own, next to them (the rounds' ceiling is minutes old by now)
read -r LEAN_CEIL P50 P99 CPU BAD <<<"$(load 64 "http://127.0.0.1:$CONST/" "$WORK/predict.json" $CONST_PID "$ROUND_SECONDS")"
row "constant, 64 conns" "$LEAN_CEIL" "$P50" "$P99" "$CPU" "$BAD"
read -r LEAN_PREDICT P50 P99 CPU BAD <<<"$(load 64 "$B/api/deployments/bench/predict" "$WORK/predict.json" $NODE "$ROUND_SECONDS")"
row "predict, 64 conns" "$LEAN_PREDICT" "$P50" "$P99" "$CPU" "$BAD"
read -r LEAN_INFER P50 P99 CPU BAD <<<"$(load 64 "$B/v2/models/bench/infer" "$WORK/infer1.json" $NODE "$ROUND_SECONDS")"
row "v2 infer, 64 conns" "$LEAN_INFER" "$P50" "$P99" "$CPU" "$BAD"

echo "== ratios to the ceiling at 64 connections (target: >= 0.65), V2 rows/s (target: >= 1.5 M): medians of the rounds"
python3 - "$WORK/rounds.txt" "$LEAN_PREDICT" "$LEAN_INFER" "$LEAN_CEIL" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    rnd, target, rps, p50, p99, cpu = line.split()
    runs.setdefault(target, []).append((float(rps), float(p99), float(cpu)))
median = lambda xs: statistics.median(xs)
ceiling = [r[0] for r in runs["constant"]]
print(f"ceiling {median(ceiling):.0f} req/s (rounds {' '.join(f'{c:.0f}' for c in ceiling)}), p99 {median([r[1] for r in runs['constant']]):.2f} ms, "
      f"{median([r[2] for r in runs['constant']]):.1f} us of CPU a request")
for target, label in (("predict", "predict"), ("infer", "v2 infer")):
    ratios = [p[0] / c for p, c in zip(runs[target], ceiling)]
    print(f"{label} / ceiling = {median(ratios):.2f} (rounds {' '.join(f'{r:.2f}' for r in ratios)}), "
          f"{median([r[0] for r in runs[target]]):.0f} req/s, p99 {median([r[1] for r in runs[target]]):.2f} ms, "
          f"server CPU a request ceiling / platform {median([r[2] for r in runs['constant']]) / median([r[2] for r in runs[target]]):.2f}")
rows = [r[0] * 64 for r in runs["infer64"]]
print(f"v2 infer x64 rows: {median(rows) / 1e6:.2f} M rows/s (rounds {' '.join(f'{r / 1e6:.2f}' for r in rows)}), "
      f"p99 {median([r[1] for r in runs['infer64']]):.2f} ms")
rows = [r[0] * 64 for r in runs["infer64bin"]]
print(f"v2 infer x64 rows, binary tensor data in and out: {median(rows) / 1e6:.2f} M rows/s "
      f"(rounds {' '.join(f'{r / 1e6:.2f}' for r in rows)}), p99 {median([r[1] for r in runs['infer64bin']]):.2f} ms")
lean_predict, lean_infer, lean_ceiling = (float(a) for a in sys.argv[2:5])
print(f"without Vert.x event-bus meters (one run each, after a ceiling run of their own): "
      f"predict / ceiling = {lean_predict / lean_ceiling:.2f}   v2 infer / ceiling = {lean_infer / lean_ceiling:.2f}")
PY
echo "(wrk, the platform and the baseline server share this machine's $(nproc) cores)"
