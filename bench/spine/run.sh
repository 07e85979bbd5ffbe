#!/usr/bin/env bash
# Platform-spine benchmark, one run, ratios against baselines measured in the same run on the same stores:
#   1. GET /api/models/{name} (gateway -> hub -> model server -> MongoDB) with wrk at 64 connections,
#      against the same findOne made directly with vertx-mongo-client, 64 in flight, on the node's embedded MongoDB.
#   2. POST /api/datasets of a generated CSV (1 GiB) with curl, against one minio-java uploadObject of the same
#      file to the node's embedded S3; the node's heap is sampled with jstat during the API upload.
#
#   bench/spine/run.sh            full run: 1 GiB file, 10 s measurements
#   bench/spine/run.sh --quick    100 MiB file, 5 s measurements
#   bench/spine/run.sh --build    rebuild target/mlplatform.jar first (otherwise built only when missing)
# Environment: BENCH_NODE_OPTS adds JVM options to the node (e.g. -Dmlp.access.log=WARN).
# Everything runs on 127.0.0.1 and stops by itself; generated files go under target/bench/.
set -euo pipefail
cd "$(dirname "$0")/../.."

QUICK=false
BUILD=false
for arg in "$@"; do
  case "$arg" in
    --quick) QUICK=true ;;
    --build) BUILD=true ;;
    *) echo "usage: bench/spine/run.sh [--quick] [--build]" >&2; exit 2 ;;
  esac
done

if $QUICK; then FILE_MB=100; WARMUP_S=3; SECONDS_RUN=5; else FILE_MB=1024; WARMUP_S=5; SECONDS_RUN=10; fi
CONNECTIONS=64
HEAP=512m
PART_MB=16            # the platform's multipart part size (ObjectStore.PART_SIZE); the direct put uses the same
MODEL=bench-model
OUT=target/bench
RUN=$OUT/spine-run
mkdir -p "$OUT"

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "FAILED: $*"; exit 1; }

# ---- tools -------------------------------------------------------------------------------------------------
for tool in java javac jstat curl; do
  command -v "$tool" >/dev/null || die "$tool is required (a JDK 17 and curl)"
done
if ! command -v wrk >/dev/null; then
  log "installing wrk (Debian package)"
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq wrk >/dev/null; else sudo apt-get install -y -qq wrk >/dev/null; fi
fi

# ---- build -------------------------------------------------------------------------------------------------
JAR=target/mlplatform.jar
if $BUILD || [ ! -f "$JAR" ]; then
  log "building $JAR (mvn package -DskipTests)"
  mvn -B -q package -DskipTests
fi
[ -f "$JAR" ] || die "$JAR is missing"
CLASSES=$OUT/spine-classes
if [ ! -f "$CLASSES/SpineBench.class" ] || [ bench/spine/SpineBench.java -nt "$CLASSES/SpineBench.class" ] \
   || [ "$JAR" -nt "$CLASSES/SpineBench.class" ]; then
  mkdir -p "$CLASSES"
  javac -nowarn -d "$CLASSES" -cp "$JAR" bench/spine/SpineBench.java
fi
helper() { java -Xmx1g -cp "$JAR:$CLASSES" SpineBench "$@"; }

# ---- the CSV (reused when present) --------------------------------------------------------------------------
CSV=$OUT/spine-${FILE_MB}MiB.csv
if [ ! -f "$CSV" ]; then
  log "generating $CSV"
  helper gen "$CSV" $((FILE_MB * 1024 * 1024)) > "$CSV.info"
fi
CSV_BYTES=$(stat -c %s "$CSV")
CSV_ROWS=$(sed -n 's/.*rows=\([0-9]*\).*/\1/p' "$CSV.info" 2>/dev/null || true)

# ---- ports and the node -------------------------------------------------------------------------------------
TAKEN=""
free_port() {
  local p
  for _ in $(seq 1 100); do
    p=$((20000 + RANDOM % 30000))
    case " $TAKEN " in *" $p "*) continue ;; esac
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then TAKEN="$TAKEN $p"; echo "$p"; return 0; fi
  done
  return 1
}
HTTP_PORT=$(free_port); MONGO_PORT=$(free_port); S3_PORT=$(free_port)
BASE=http://127.0.0.1:$HTTP_PORT
ACCESS_KEY=mlplatform; SECRET_KEY=mlplatform-secret

NODE_PID=""; JSTAT_PID=""
cleanup() {
  if [ -n "$JSTAT_PID" ]; then kill "$JSTAT_PID" 2>/dev/null || true; fi
  if [ -n "$NODE_PID" ] && kill -0 "$NODE_PID" 2>/dev/null; then
    kill -TERM "$NODE_PID" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "$NODE_PID" 2>/dev/null || break; sleep 1; done
    kill -KILL "$NODE_PID" 2>/dev/null || true
  fi
  NODE_PID=""
}
trap cleanup EXIT
trap 'exit 130' INT TERM

rm -rf "$RUN"
mkdir -p "$RUN"
# the gateway listens on loopback only
echo '{"http": {"host": "127.0.0.1"}}' > "$RUN/config.json"
log "starting the node (-Xmx$HEAP) on $BASE, MongoDB :$MONGO_PORT, S3 :$S3_PORT"
# shellcheck disable=SC2086
MLP_CONFIG="$RUN/config.json" MLP_HTTP_PORT=$HTTP_PORT MLP_DATA_DIR="$RUN/data" \
  MLP_EMBEDDED_MONGO_PORT=$MONGO_PORT MLP_EMBEDDED_S3_PORT=$S3_PORT \
  MLP_S3_ACCESS_KEY=$ACCESS_KEY MLP_S3_SECRET_KEY=$SECRET_KEY MLP_MAX_UPLOAD_BYTES=$((4 * 1024 * 1024 * 1024)) \
  java -Xmx$HEAP ${BENCH_NODE_OPTS:-} -jar "$JAR" > "$RUN/node.log" 2>&1 &
NODE_PID=$!
READY=false
for _ in $(seq 1 180); do
  kill -0 "$NODE_PID" 2>/dev/null || { tail -20 "$RUN/node.log" >&2; die "the node exited"; }
  if [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$BASE/ready" || true)" = 200 ]; then READY=true; break; fi
  sleep 1
done
$READY || { tail -20 "$RUN/node.log" >&2; die "the node was not ready within 180 s"; }
log "ready: $(grep -m1 'mlplatform ready' "$RUN/node.log" || true)"

# jstat -gc every 200 ms (bounded count) into a file; peak_heap FILE prints "max_used_MiB max_old_MiB samples"
start_jstat() { jstat -gc "$NODE_PID" 200 "$1" > "$2" 2>&1 & JSTAT_PID=$!; }
stop_jstat() { if [ -n "$JSTAT_PID" ]; then kill "$JSTAT_PID" 2>/dev/null || true; wait "$JSTAT_PID" 2>/dev/null || true; JSTAT_PID=""; fi; }
peak_heap() {
  awk 'NR==1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
       $1 ~ /^[0-9.]+$/ { u = $col["S0U"] + $col["S1U"] + $col["EU"] + $col["OU"]; o = $col["OU"];
                          if (u > mu) mu = u; if (o > mo) mo = o; n++ }
       END { printf "%.0f %.0f %d\n", mu / 1024, mo / 1024, n }' "$1"
}

# ---- 1. model lookup ----------------------------------------------------------------------------------------
code=$(curl -s -o "$RUN/create.json" -w '%{http_code}' --max-time 30 -X POST "$BASE/api/models" \
  -H 'content-type: application/json' -d "{\"name\": \"$MODEL\", \"description\": \"spine benchmark\"}")
[ "$code" = 201 ] || [ "$code" = 200 ] || { cat "$RUN/create.json" >&2; die "creating the model answered $code"; }
code=$(curl -s -o "$RUN/get.json" -w '%{http_code}' --max-time 30 "$BASE/api/models/$MODEL")
[ "$code" = 200 ] || { cat "$RUN/get.json" >&2; die "GET /api/models/$MODEL answered $code"; }

log "platform: wrk warm-up ${WARMUP_S}s, then ${SECONDS_RUN}s at $CONNECTIONS connections"
wrk -t2 -c$CONNECTIONS -d${WARMUP_S}s --timeout 10s "$BASE/api/models/$MODEL" > "$RUN/wrk-warmup.txt" 2>&1
start_jstat $(( (SECONDS_RUN + 5) * 5 )) "$RUN/jstat-lookup.txt"
wrk -t2 -c$CONNECTIONS -d${SECONDS_RUN}s --timeout 10s --latency "$BASE/api/models/$MODEL" > "$RUN/wrk.txt" 2>&1
stop_jstat
API_RPS=$(awk '/^Requests\/sec:/ { print $2 }' "$RUN/wrk.txt")
API_NON2XX=$(awk -F: '/Non-2xx or 3xx responses/ { gsub(/ /, "", $2); print $2 }' "$RUN/wrk.txt")
API_SOCKERR=$(grep -m1 'Socket errors' "$RUN/wrk.txt" || true)
API_P50=$(awk '/Latency Distribution/ { d = 1 } d && $1 == "50%" { print $2; exit }' "$RUN/wrk.txt")
API_P99=$(awk '/Latency Distribution/ { d = 1 } d && $1 == "99%" { print $2; exit }' "$RUN/wrk.txt")
[ -n "$API_RPS" ] || { cat "$RUN/wrk.txt" >&2; die "wrk printed no Requests/sec"; }
read -r LOOKUP_HEAP LOOKUP_OLD _ <<< "$(peak_heap "$RUN/jstat-lookup.txt")"

log "baseline: vertx-mongo-client findOne, $CONNECTIONS in flight, warm-up ${WARMUP_S}s, then ${SECONDS_RUN}s"
helper mongo "mongodb://127.0.0.1:$MONGO_PORT" mlplatform models "$MODEL" $CONNECTIONS $WARMUP_S $SECONDS_RUN \
  > "$RUN/mongo.txt" 2> "$RUN/mongo.err" || { cat "$RUN/mongo.err" >&2; die "the MongoDB baseline failed"; }
DB_RPS=$(sed -n 's/.*lookups_per_s=\([0-9]*\).*/\1/p' "$RUN/mongo.txt")
DB_FAILED=$(sed -n 's/.*failed=\([0-9]*\).*/\1/p' "$RUN/mongo.txt")

# ---- 2. dataset upload --------------------------------------------------------------------------------------
log "baseline: minio-java uploadObject of $CSV ($CSV_BYTES bytes, ${PART_MB} MiB parts)"
helper s3 "http://127.0.0.1:$S3_PORT" $ACCESS_KEY $SECRET_KEY datasets "$CSV" $PART_MB \
  > "$RUN/s3.txt" 2> "$RUN/s3.err" || { cat "$RUN/s3.err" >&2; die "the S3 baseline failed"; }
S3_SECONDS=$(sed -n 's/.*seconds=\([0-9.]*\).*/\1/p' "$RUN/s3.txt")

read -r IDLE_HEAP IDLE_OLD _ <<< "$(jstat -gc "$NODE_PID" 1 1 > "$RUN/jstat-before-upload.txt" 2>&1; peak_heap "$RUN/jstat-before-upload.txt")"
log "platform: POST /api/datasets of the same file with curl"
start_jstat 6000 "$RUN/jstat-upload.txt"
UPLOAD=$(curl -sS -o "$RUN/upload.json" -w '%{http_code} %{time_total}' --max-time 1200 \
  -F name=bench-data -F "file=@$CSV;type=text/csv" "$BASE/api/datasets" 2> "$RUN/upload.err" || true)
stop_jstat
read -r UPLOAD_CODE API_SECONDS <<< "$UPLOAD"
API_SECONDS=$(awk -v s="${API_SECONDS:-0}" 'BEGIN { printf "%.3f", s }')
[ "$UPLOAD_CODE" = 201 ] || { cat "$RUN/upload.err" "$RUN/upload.json" >&2; die "the upload answered '${UPLOAD_CODE:-nothing}'"; }
read -r UPLOAD_HEAP UPLOAD_OLD UPLOAD_SAMPLES <<< "$(peak_heap "$RUN/jstat-upload.txt")"
UPLOAD_ROWS=$(grep -o '"row_count" *: *[0-9]*' "$RUN/upload.json" | grep -o '[0-9]*$' | head -1 || true)
UPLOAD_SIZE=$(grep -o '"size" *: *[0-9]*' "$RUN/upload.json" | grep -o '[0-9]*$' | head -1 || true)
NODE_RSS_PEAK=$(awk '/VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$NODE_PID/status" 2>/dev/null || echo "?")
NODE_5XX=$(grep -cE ' 5[0-9]{2} [0-9]+us ' "$RUN/node.log" || true)
NODE_ERRORS=$(grep -c -E 'ERROR|Exception' "$RUN/node.log" || true)

cleanup
trap - EXIT
rm -rf "$RUN/data"

# ---- summary ------------------------------------------------------------------------------------------------
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
LOOKUP_RATIO=$(ratio "$API_RPS" "$DB_RPS")
UPLOAD_RATIO=$(ratio "$S3_SECONDS" "$API_SECONDS")
MIB=$(awk -v b="$CSV_BYTES" 'BEGIN { printf "%.0f", b / 1048576 }')
verdict() { awk -v r="$1" -v t="$2" 'BEGIN { print (r + 0 >= t ? "meets" : "BELOW") " target >= " t }'; }
cat <<EOF

== platform spine benchmark ($($QUICK && echo quick || echo full)) ==
machine: $(nproc) cores, $(java -version 2>&1 | head -1); wrk, the node and each baseline share these cores
node: -Xmx$HEAP${BENCH_NODE_OPTS:+ $BENCH_NODE_OPTS}, embedded MongoDB and S3, all on 127.0.0.1

GET /api/models/$MODEL, $CONNECTIONS connections, ${SECONDS_RUN} s after a ${WARMUP_S} s warm-up
  platform (wrk -t2 -c$CONNECTIONS)       $(printf '%10s' "$API_RPS") req/s   p50 $API_P50  p99 $API_P99  non-2xx: ${API_NON2XX:-0}  ${API_SOCKERR:-socket errors: none}
  direct (vertx-mongo-client)     $(printf '%10s' "$DB_RPS") lookups/s   failed: ${DB_FAILED:-?}
  ratio platform/direct           $(printf '%10s' "$LOOKUP_RATIO")   ($(verdict "$LOOKUP_RATIO" 0.5))
  node heap during the lookups: peak used ${LOOKUP_HEAP} MiB (old gen ${LOOKUP_OLD} MiB)

upload of a ${MIB} MiB CSV ($CSV_BYTES bytes)
  direct (minio-java uploadObject) $(printf '%9s' "$S3_SECONDS") s
  platform (POST /api/datasets)    $(printf '%9s' "$API_SECONDS") s   HTTP $UPLOAD_CODE, stored size ${UPLOAD_SIZE:-?}, rows ${UPLOAD_ROWS:-?} (file has ${CSV_ROWS:-?})
  ratio direct/platform time      $(printf '%10s' "$UPLOAD_RATIO")   ($(verdict "$UPLOAD_RATIO" 0.7))
  node heap: before the upload ${IDLE_HEAP} MiB; peak used during the upload ${UPLOAD_HEAP} MiB (old gen ${UPLOAD_OLD} MiB, $UPLOAD_SAMPLES jstat samples at 200 ms) of -Xmx$HEAP
  node peak RSS (VmHWM, whole run): ${NODE_RSS_PEAK} MiB

node log: 5xx access-log lines: $NODE_5XX, lines with ERROR/Exception: $NODE_ERRORS   (details in $RUN/)
EOF
