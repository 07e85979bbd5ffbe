#!/usr/bin/env bash
# Executions on real-data shapes (issue 11), one run on this machine:
#  (a) width: train a logistic regression ("scaling": "standard", no feature list) on 20,000 rows of 10, 30, 100 and
#      300 numeric features, each on a fresh node with -Xmx1g: seconds and the node's peak heap;
#  (b) the breast-cancer shape (569 rows × 30 features, label M/B) on a node with -Xmx1g: must succeed;
#  (c) 1,000,000 rows × 50 features on a node with -Xmx3g: train a logistic regression and a random forest (seconds,
#      peak heap), then batch_predict with the logistic regression against the same scoring as a plain Spark job in
#      another JVM (load the saved pipeline, transform, write CSV to the same S3): ratio plain/platform (target ≥ 0.8).
# Usage: [PARTS=a,b,c] bench/executions/real-data.sh [rows for (c)]     Runs on 127.0.0.1 and stops by itself.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROWS=${1:-1000000}
PARTS=${PARTS:-a,b,c}
WORK=target/bench/real-data
. bench/executions/lib.sh
prepare
trap 'stop_node' EXIT

if [[ $PARTS == *a* ]]; then
echo "== (a) width: logistic regression, standard scaling, 20,000 rows, node -Xmx1g"
printf '%-10s %-10s %-10s %s\n' features seconds status peak_heap_MB
for F in 10 30 100 300; do
  java -cp "$CP" ExecutionBench wide "$WORK/wide-$F.csv" 20000 "$F"
  start_node 1g
  upload "wide$F" "$WORK/wide-$F.csv" >/dev/null
  run '{"type":"train","dataset":"wide'"$F"'","algorithm":"logistic_regression","label":"label","scaling":"standard","model":"warm"}' >/dev/null
  read -r SECONDS_ STATUS PEAK <<<"$(run '{"type":"train","dataset":"wide'"$F"'","algorithm":"logistic_regression","label":"label","scaling":"standard","model":"wide"}')"
  printf '%-10s %-10s %-10s %s\n' "$F" "$SECONDS_" "$STATUS" "$PEAK"
  stop_node
done

fi
if [[ $PARTS == *b* ]]; then
echo "== (b) breast-cancer shape: 569 rows × 30 features, no feature list, node -Xmx1g"
java -cp "$CP" ExecutionBench cancer "$WORK/cancer.csv"
start_node 1g
upload cancer "$WORK/cancer.csv" >/dev/null
read -r SECONDS_ STATUS PEAK <<<"$(run '{"type":"train","dataset":"cancer","algorithm":"logistic_regression","label":"diagnosis","scaling":"standard","model":"cancer"}')"
echo "train: $SECONDS_ s, $STATUS, peak heap $PEAK MB; metrics: $(curl -s "$B/api/models/cancer/versions/latest" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("metrics"))')"
stop_node

fi
[[ $PARTS == *c* ]] || exit 0
echo "== (c) $ROWS rows × 50 features, node -Xmx3g"
java -cp "$CP" ExecutionBench wide "$WORK/big.csv" "$ROWS" 50
echo "data: $(du -h "$WORK/big.csv" | cut -f1)"
start_node 3g
KEY=$(upload big "$WORK/big.csv")
read -r SECONDS_ STATUS PEAK <<<"$(run '{"type":"train","dataset":"big","algorithm":"logistic_regression","label":"label","model":"big-lr"}')"
echo "train logistic regression: $SECONDS_ s, $STATUS, peak heap $PEAK MB"
read -r SECONDS_ STATUS PEAK <<<"$(run '{"type":"train","dataset":"big","algorithm":"random_forest_classifier","label":"label","model":"big-rf","params":{"numTrees":20,"maxDepth":5}}')"
echo "train random forest (20 trees, depth 5): $SECONDS_ s, $STATUS, peak heap $PEAK MB"
run '{"type":"batch_predict","model":"big-lr","dataset":"big","output":"warm"}' >/dev/null
read -r PLATFORM STATUS PEAK <<<"$(run '{"type":"batch_predict","model":"big-lr","dataset":"big","output":"scored"}')"
echo "batch_predict (logistic regression pipeline): $PLATFORM s, $STATUS, peak heap $PEAK MB"
SHA=$(curl -sf "$B/api/models/big-lr/versions/latest" | python3 -c 'import json,sys; print(json.load(sys.stdin)["artifact"]["sha256"])')
BASELINE=$(java -Xmx3g -cp "target/mlplatform.jar:$CP" ExecutionBench pipeline-baseline "http://127.0.0.1:$S3" \
  mlplatform mlplatform-secret "$KEY" "s3a://models/unzipped/$SHA" 50 2>/dev/null | sed -n 's/baseline_seconds=//p')
echo "plain Spark job (another JVM, same S3, local[*], second of two runs): ${BASELINE} s"
python3 -c "print(f'ratio plain/platform = {$BASELINE / $PLATFORM:.2f} (target >= 0.8)')"
