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
. bench/executions/lib.sh
prepare
java -cp "$CP" ExecutionBench model "$WORK/model.onnx" 2>/dev/null
java -cp "$CP" ExecutionBench data "$WORK/data.csv" "$ROWS"
echo "data: $ROWS rows, $(du -h "$WORK/data.csv" | cut -f1)"

start_node 3g
trap 'stop_node' EXIT
KEY=$(upload bench "$WORK/data.csv")
curl -sf -XPOST "$B/api/models" -H 'content-type: application/json' -d '{"name":"bench"}' >/dev/null
curl -sf -XPOST "$B/api/models/bench/versions" -F format=onnx -F file=@"$WORK/model.onnx" >/dev/null

echo "== warm-up (Spark session start, JIT): a batch_predict over the same data"
run '{"type":"batch_predict","model":"bench","dataset":"bench","features":["f0","f1","f2","f3"],"output":"warm"}'
echo "== (a) batch_predict, $ROWS rows"
read -r PLATFORM STATUS _ <<<"$(run '{"type":"batch_predict","model":"bench","dataset":"bench","features":["f0","f1","f2","f3"],"output":"scored"}')"
echo "platform: ${PLATFORM} s ($STATUS)"
BASELINE=$(java -Xmx3g -cp "target/mlplatform.jar:$CP" ExecutionBench baseline \
  "http://127.0.0.1:$S3" mlplatform mlplatform-secret "$KEY" "$WORK/model.onnx" 2>/dev/null | sed -n 's/baseline_seconds=//p')
echo "plain Spark job (another JVM, same S3, local[*], second of two runs): ${BASELINE} s"
python3 -c "print(f'ratio plain/platform = {$BASELINE / $PLATFORM:.2f} (target >= 0.8)')"
echo "== (b) train logistic regression, $ROWS rows"
read -r TRAIN STATUS _ <<<"$(run '{"type":"train","model":"bench-lr","dataset":"bench","algorithm":"logistic_regression","features":["f0","f1","f2","f3"],"label":"label"}')"
echo "train: ${TRAIN} s ($STATUS)"
curl -s "$B/api/models/bench-lr/versions/latest" | python3 -c 'import json,sys; print("metrics:", json.load(sys.stdin).get("metrics"))'
