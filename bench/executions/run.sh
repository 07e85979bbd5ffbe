#!/usr/bin/env bash
# Executions benchmark (issue 4), one run on this machine:
#  (a) batch_predict of an ONNX model over N rows (default 1,000,000) through the platform (POST /api/executions to
#      succeeded, including writing the results dataset and reading it back for its schema) against the same scoring
#      written as a plain Spark job (read CSV from the same S3, one onnxruntime session per partition, write CSV);
#  (b) train of a logistic regression on the same N rows (seconds, POST to succeeded).
# Usage: bench/executions/run.sh [rows]     Everything runs on 127.0.0.1 and stops by itself.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROWS=${1:-1000000}
WORK=target/bench/executions
rm -rf "$WORK" && mkdir -p "$WORK"
[ -f target/mlplatform.jar ] || mvn -B -q package -DskipTests
mvn -B -q test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$WORK/cp.txt" >/dev/null
CP="target/classes:target/test-classes:$(cat "$WORK/cp.txt")"
javac -d "$WORK/classes" -cp "$CP" bench/executions/ExecutionBench.java
CP="$WORK/classes:$CP"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
HTTP=$(free_port); S3=$(free_port)
java -cp "$CP" ExecutionBench model "$WORK/model.onnx" 2>/dev/null
java -cp "$CP" ExecutionBench data "$WORK/data.csv" "$ROWS"
echo "data: $ROWS rows, $(du -h "$WORK/data.csv" | cut -f1)"

MLP_HTTP_PORT=$HTTP MLP_DATA_DIR="$WORK/data" MLP_EMBEDDED_MONGO_PORT=0 MLP_EMBEDDED_S3_PORT=$S3 \
  java -Xmx3g -Dmlp.access.log=WARN -jar target/mlplatform.jar > "$WORK/node.log" 2>&1 &
NODE=$!
trap 'kill $NODE 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$HTTP/ready" >/dev/null && break; sleep 0.5; done
B="http://127.0.0.1:$HTTP"
KEY=$(curl -sf -XPOST "$B/api/datasets" -F name=bench -F file=@"$WORK/data.csv" | python3 -c 'import json,sys; print(json.load(sys.stdin)["version"]["artifact"]["key"])')
curl -sf -XPOST "$B/api/models" -H 'content-type: application/json' -d '{"name":"bench"}' >/dev/null
curl -sf -XPOST "$B/api/models/bench/versions" -F format=onnx -F file=@"$WORK/model.onnx" >/dev/null

run() { # request-json → prints seconds from POST to the end, and the status
  local start id status
  start=$(date +%s.%N)
  id=$(curl -sf -XPOST "$B/api/executions" -H 'content-type: application/json' -d "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  for _ in $(seq 1 3000); do
    status=$(curl -sf "$B/api/executions/$id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')
    case "$status" in queued|running) sleep 0.2 ;; *) break ;; esac
  done
  python3 -c "import time; print(f'{time.time() - $start:.2f} $status')"
}

echo "== warm-up (Spark session start, JIT): a batch_predict over the same data"
run '{"type":"batch_predict","model":"bench","dataset":"bench","features":["f0","f1","f2","f3"],"output":"warm"}'
echo "== (a) batch_predict, $ROWS rows"
read -r PLATFORM STATUS <<<"$(run '{"type":"batch_predict","model":"bench","dataset":"bench","features":["f0","f1","f2","f3"],"output":"scored"}')"
echo "platform: ${PLATFORM} s ($STATUS)"
BASELINE=$(java -Xmx3g -cp "target/mlplatform.jar:$WORK/classes:target/test-classes:$(cat "$WORK/cp.txt")" ExecutionBench baseline \
  "http://127.0.0.1:$S3" mlplatform mlplatform-secret "$KEY" "$WORK/model.onnx" 2>/dev/null | sed -n 's/baseline_seconds=//p')
echo "plain Spark job (another JVM, same S3, local[*], second of two runs): ${BASELINE} s"
python3 -c "print(f'ratio plain/platform = {$BASELINE / $PLATFORM:.2f} (target >= 0.8)')"
echo "== (b) train logistic regression, $ROWS rows"
read -r TRAIN STATUS <<<"$(run '{"type":"train","model":"bench-lr","dataset":"bench","algorithm":"logistic_regression","features":["f0","f1","f2","f3"],"label":"label"}')"
echo "train: ${TRAIN} s ($STATUS)"
curl -s "$B/api/models/bench-lr/versions/latest" | python3 -c 'import json,sys; print("metrics:", json.load(sys.stdin).get("metrics"))'
