# Shared by the executions benchmarks: the helpers compiled, a platform node on loopback, a way to time an execution.
# Expects WORK (a scratch folder) to be set by the caller.

. bench/lib.sh

# prepare: a fresh $WORK, the fat jar, ExecutionBench compiled; sets CP (the helpers' class path)
prepare() { prepare_helper bench/executions/ExecutionBench.java; }

# start_node HEAP: a node of the fat jar with this -Xmx, its stores under $WORK/data-$HEAP; sets NODE, B and S3
start_node() {
  local http
  http=$(free_port); S3=$(free_port)
  rm -rf "$WORK/data-$1"
  MLP_HTTP_PORT=$http MLP_DATA_DIR="$WORK/data-$1" MLP_EMBEDDED_MONGO_PORT=0 MLP_EMBEDDED_S3_PORT=$S3 \
    java -Xmx"$1" -XX:+ExitOnOutOfMemoryError -Dmlp.access.log=WARN -jar target/mlplatform.jar > "$WORK/node-$1.log" 2>&1 &
  NODE=$!
  B="http://127.0.0.1:$http"
  for _ in $(seq 1 120); do curl -sf "$B/ready" >/dev/null && return 0; sleep 0.5; done
  echo "the node did not become ready: see $WORK/node-$1.log" >&2
  return 1
}

stop_node() { kill "$NODE" 2>/dev/null || true; wait "$NODE" 2>/dev/null || true; }

# upload NAME FILE: a dataset; prints its object key
upload() {
  curl -sf -XPOST "$B/api/datasets" -F name="$1" -F file=@"$2" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["version"]["artifact"]["key"])'
}

# run REQUEST-JSON: queues an execution and waits for its end; prints "seconds status peak-heap-MB" (the node's
# heap in use, garbage included, sampled every 200 ms by jstat while the execution runs)
run() {
  local start id status sampler
  jstat -gc "$NODE" 200 > "$WORK/jstat.txt" 2>/dev/null &
  sampler=$!
  start=$(date +%s.%N)
  id=$(curl -sf -XPOST "$B/api/executions" -H 'content-type: application/json' -d "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  for _ in $(seq 1 6000); do
    status=$(curl -sf "$B/api/executions/$id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])') || status=node-gone
    case "$status" in queued|running) sleep 0.2 ;; *) break ;; esac
  done
  kill "$sampler" 2>/dev/null || true
  wait "$sampler" 2>/dev/null || true
  python3 -c "import time; print(f'{time.time() - $start:.2f}', end=' ')"
  echo -n "$status "
  awk '$1 ~ /^[0-9.]+$/ { used = $3 + $4 + $6 + $8; if (used > peak) peak = used } END { printf "%d\n", peak / 1024 }' "$WORK/jstat.txt"
}
