#!/usr/bin/env bash
# The hot path's cost budget (bench/inference/HopBench.java): two of its modes served at once, wrk alternating
# between them at 64 connections (V2 body), req/s and each server's CPU µs per request a run. E.g. `web bus` gives
# what an event-bus hop adds to an HTTP request, `bus hop` what a plain hand-off between contexts would save.
# Usage: bench/inference/hops.sh MODE_A MODE_B [ROUNDS] [SECONDS]   (modes: plain web bus hop inline)
set -euo pipefail
cd "$(dirname "$0")/../.."
[ $# -ge 2 ] || { sed -n '2,5p' "$0"; exit 2; }
A=$1; B_MODE=$2; ROUNDS=${3:-5}; SECONDS_PER_RUN=${4:-5}
WORK=target/bench/hops
. bench/lib.sh
need_wrk
prepare_helper bench/inference/InferenceBench.java
javac -d "$WORK/classes" -cp "$CP" bench/inference/HopBench.java
bench_model
echo '{"inputs": [{"name": "input", "datatype": "FP32", "shape": [1, 4], "data": [0.1, 0.2, 0.3, 0.4]}]}' \
  > "$WORK/infer1.json"

cpu_us() { awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) * 1000000 / hz}' "/proc/$1/stat"; }
PORT_A=$(free_port); PORT_B=$(free_port)
java -cp "$CP" HopBench "$A" "$PORT_A" "$WORK/model.onnx" > "$WORK/a.log" 2>&1 & PID_A=$!
java -cp "$CP" HopBench "$B_MODE" "$PORT_B" "$WORK/model.onnx" > "$WORK/b.log" 2>&1 & PID_B=$!
trap 'kill $PID_A $PID_B 2>/dev/null || true' EXIT
for port in $PORT_A $PORT_B; do
  for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
done
for port in $PORT_A $PORT_B; do # warm-up, not measured
  BODY="$WORK/infer1.json" wrk -t2 -c64 -d8s -s bench/inference/post.lua \
    "http://127.0.0.1:$port/v2/models/bench/infer" > /dev/null 2>&1 || true
done
printf "%-6s %-8s %10s %12s\n" round mode req/s "cpu us/req"
for round in $(seq 1 "$ROUNDS"); do
  for side in "$PID_A $PORT_A $A" "$PID_B $PORT_B $B_MODE"; do
    read -r pid port mode <<<"$side"
    before=$(cpu_us "$pid")
    out=$(BODY="$WORK/infer1.json" wrk -t2 -c64 -d"${SECONDS_PER_RUN}s" -s bench/inference/post.lua \
      "http://127.0.0.1:$port/v2/models/bench/infer" 2>&1 || true)
    after=$(cpu_us "$pid")
    echo "$out" | python3 -c '
import re, sys
text = sys.stdin.read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
requests = int(re.search(r"(\d+) requests in", text).group(1))
print(f"{sys.argv[1]:<6} {sys.argv[2]:<8} {rps:10.0f} {(float(sys.argv[4]) - float(sys.argv[3])) / max(requests, 1):12.1f}")
' "$round" "$mode" "$before" "$after"
  done
done
