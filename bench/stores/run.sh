#!/usr/bin/env bash
# Stores benchmark (issue 13), one run, each number against a baseline measured in the same run:
#   1. registry writes/s: POST /api/models with distinct names, INFLIGHT at a time, against the same inserts made
#      straight into the node's embedded MongoDB with vertx-mongo-client; and the cost of committing every write
#      (what makes a 201 survive kill -9): the same inserts into an embedded MongoDB that commits each write (the
#      platform's) and into one with the library's own delayed commit (about every second), in one helper process.
#   2. GET /api/executions over N finished executions (default 100,000) inserted straight into MongoDB: the first
#      page, unfiltered and by status, with the indexes the node creates at start and then with them dropped.
# Usage: bench/stores/run.sh [--quick] [executions]     (0 executions: the writes only)
# Everything runs on 127.0.0.1 and stops by itself.
set -euo pipefail
cd "$(dirname "$0")/../.."

WARMUP=3; SECONDS_RUN=10; N=100000
for arg in "$@"; do
  case "$arg" in
    --quick) WARMUP=2; SECONDS_RUN=4 ;;
    [0-9]*) N=$arg ;;
    *) echo "usage: bench/stores/run.sh [--quick] [executions]" >&2; exit 2 ;;
  esac
done
INFLIGHT=16
WORK=target/bench/stores
rm -rf "$WORK" && mkdir -p "$WORK"
. bench/lib.sh

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
mvn -B -q compile dependency:build-classpath -Dconsole.skip -Dmdep.outputFile="$WORK/cp.txt" >/dev/null
CP="target/classes:$(cat "$WORK/cp.txt")"
javac -nowarn -d "$WORK/classes" -cp "$CP" bench/stores/StoresBench.java
CP="$WORK/classes:$CP"
helper() { java -Xmx1g -cp "$CP" StoresBench "$@" 2>>"$WORK/helper.err"; }
value() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

log "direct inserts, $INFLIGHT in flight, ${SECONDS_RUN}s after ${WARMUP}s: library's delayed commit, then a commit per write"
DELAYED=$(helper local-writes delayed "$WORK/delayed" $INFLIGHT $WARMUP $SECONDS_RUN | value writes_per_s)
DURABLE=$(helper local-writes durable "$WORK/durable" $INFLIGHT $WARMUP $SECONDS_RUN | value writes_per_s)

HTTP=$(free_port); MONGO=$(free_port)
B="http://127.0.0.1:$HTTP"
log "starting a node on $B (embedded MongoDB :$MONGO)"
MLP_HTTP_PORT=$HTTP MLP_DATA_DIR="$WORK/data" MLP_EMBEDDED_MONGO_PORT=$MONGO MLP_EMBEDDED_S3_PORT=0 \
  java -Xmx2g -Dmlp.access.log=WARN -cp "$CP" io.mlplatform.Main > "$WORK/node.log" 2>&1 &
NODE=$!
trap 'kill $NODE 2>/dev/null || true; wait $NODE 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do curl -sf "$B/ready" >/dev/null && break; sleep 0.5; done
curl -sf "$B/ready" >/dev/null || { tail -20 "$WORK/node.log" >&2; exit 1; }

log "POST /api/models, $INFLIGHT in flight; then the same inserts straight into the node's MongoDB"
API=$(helper api-writes "$B" $INFLIGHT $WARMUP $SECONDS_RUN | tee "$WORK/api.txt" | value writes_per_s)
DIRECT=$(helper mongo-writes "mongodb://127.0.0.1:$MONGO" $INFLIGHT $WARMUP $SECONDS_RUN | value writes_per_s)

if [ "$N" -gt 0 ]; then
log "inserting $N executions"
helper executions "mongodb://127.0.0.1:$MONGO" "$N" > "$WORK/insert.txt"
list() { helper list "$B" "$1" 7 | tee -a "$WORK/list.txt" | value median_ms; }
INDEXED_ALL=$(list "limit=50"); INDEXED_FAILED=$(list "status=failed&limit=50"); INDEXED_QUEUED=$(list "status=queued&limit=50")
log "dropping the executions' secondary indexes"
helper drop-indexes "mongodb://127.0.0.1:$MONGO" executions >> "$WORK/list.txt"
PLAIN_ALL=$(list "limit=50"); PLAIN_FAILED=$(list "status=failed&limit=50"); PLAIN_QUEUED=$(list "status=queued&limit=50")
fi
NODE_ERRORS=$(grep -c -E 'ERROR|Exception' "$WORK/node.log" || true)

cat <<OUT

== stores benchmark ==
machine: $(nproc) cores, $(java -version 2>&1 | head -1); helpers and the node share them; all on 127.0.0.1
registry writes, $INFLIGHT in flight, ${SECONDS_RUN} s after a ${WARMUP} s warm-up (writes/s)
  platform POST /api/models             $(printf '%8s' "$API")   ($(grep -o 'failed=[0-9]*' "$WORK/api.txt"))
  direct insert into the node's MongoDB  $(printf '%8s' "$DIRECT")
  ratio platform/direct                  $(printf '%8s' "$(ratio "$API" "$DIRECT")")
  embedded MongoDB, library's delayed commit   $(printf '%8s' "$DELAYED")
  embedded MongoDB, commit per write           $(printf '%8s' "$DURABLE")
  ratio per-write/delayed (cost of durability) $(printf '%8s' "$(ratio "$DURABLE" "$DELAYED")")
$( [ "$N" -gt 0 ] || echo "(no executions listed)" )
GET /api/executions over $N executions (median of 7, ms)   with indexes   without   ratio without/with
  first page                    $(printf '%12s %10s %8s' "$INDEXED_ALL" "$PLAIN_ALL" "$(ratio "$PLAIN_ALL" "$INDEXED_ALL")")
  status=failed (1 in 5)        $(printf '%12s %10s %8s' "$INDEXED_FAILED" "$PLAIN_FAILED" "$(ratio "$PLAIN_FAILED" "$INDEXED_FAILED")")
  status=queued (none)          $(printf '%12s %10s %8s' "$INDEXED_QUEUED" "$PLAIN_QUEUED" "$(ratio "$PLAIN_QUEUED" "$INDEXED_QUEUED")")
node log: lines with ERROR/Exception: $NODE_ERRORS   (details in $WORK/)
OUT
