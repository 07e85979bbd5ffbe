#!/usr/bin/env bash
# Scale-out benchmark (issue 14): predictions and registry reads through nginx, with one platform node behind it and
# with two (bin/local-cluster.sh's topology without Spark: node 1 every role and the stores, node 2 gateway, hub and
# execution; a deployment with one replica per node). wrk with keep-alive connections, each run against the one-node
# run of the same kind measured in this run, and one-node runs straight to the gateway (no nginx) for nginx's cost.
# Where the time goes: the CPU seconds each process used during the runs (from /proc), as shares of the total.
# Usage: bench/scale/run.sh [--quick]   (--quick: 8 s runs instead of 15 s)
# Everything runs on 127.0.0.1 and stops by itself; files go under target/bench/scale.
set -euo pipefail
cd "$(dirname "$0")/../.."
RUN_S=15
[ "${1:-}" = "--quick" ] && RUN_S=8
CONNECTIONS=32
WORK=target/bench/scale
. bench/lib.sh
need_wrk
prepare_helper bench/inference/InferenceBench.java
bench_model

CLUSTER=""
trap '[ -z "$CLUSTER" ] || bin/local-cluster.sh stop "$CLUSTER" >/dev/null 2>&1 || true' EXIT

# cpu_ticks PID...: user+system clock ticks of each process (and of nginx's workers), one "pid ticks" per line
cpu_ticks() {
  for pid in "$@"; do
    [ -r "/proc/$pid/stat" ] && awk -v pid="$pid" '{ print pid, $14 + $15 }' "/proc/$pid/stat"
  done
}

# wrk_run NAME URL [lua]: req/s of one run, recorded in $WORK/wrk-NAME.out
wrk_run() {
  local name=$1 url=$2 script=${3:-}
  local args=(-t2 -c"$CONNECTIONS" -d"${RUN_S}s" --timeout 30s)
  [ -z "$script" ] || args+=(-s "$script")
  BODY="$WORK/predict.json" wrk "${args[@]}" "$url" > "$WORK/wrk-$name.out" 2>&1
  local bad
  bad=$(sed -n 's/.*Non-2xx or 3xx responses: \([0-9]*\).*/\1/p' "$WORK/wrk-$name.out")
  [ -z "$bad" ] || echo "$name: $bad non-2xx responses" >&2
  sed -n 's/Requests\/sec:[[:space:]]*\([0-9.]*\).*/\1/p' "$WORK/wrk-$name.out"
}

declare -A RPS CPU
for NODES in 1 2; do
  CLUSTER="$WORK/cluster-$NODES"
  HTTP=$(free_port); N1=$(free_port); N2=$(free_port)
  LC_NODES=$NODES LC_SPARK=0 LC_HTTP_PORT=$HTTP LC_NODE1_PORT=$N1 LC_NODE2_PORT=$N2 LC_MONGO_PORT=$(free_port) \
    LC_S3_PORT=$(free_port) LC_CLUSTER_PORT=5861 LC_NODE_HEAP=1g LC_JAVA_OPTS=-Dmlp.access.log=WARN \
    bin/local-cluster.sh start "$CLUSTER" 2> "$WORK/start-$NODES.err" > /dev/null
  B="http://127.0.0.1:$HTTP"
  deploy_bench "$NODES"
  replicas_on "$NODES"
  # the cluster's pids file: a process a line, its pid then what it is (node, or spark)
  PIDS=$(cut -d' ' -f1 "$CLUSTER/pids"; pgrep -P "$(cat "$CLUSTER/nginx/nginx.pid")" || true)
  wrk_run "warmup-$NODES" "$B/api/deployments/bench/predict" bench/inference/post.lua > /dev/null
  cpu_ticks $PIDS > "$WORK/cpu-before-$NODES"
  RPS[predict-$NODES]=$(wrk_run "predict-$NODES" "$B/api/deployments/bench/predict" bench/inference/post.lua)
  RPS[read-$NODES]=$(wrk_run "read-$NODES" "$B/api/models/bench")
  cpu_ticks $PIDS > "$WORK/cpu-after-$NODES"
  if [ "$NODES" = 1 ]; then
    RPS[predict-direct]=$(wrk_run predict-direct "http://127.0.0.1:$N1/api/deployments/bench/predict" bench/inference/post.lua)
    RPS[read-direct]=$(wrk_run read-direct "http://127.0.0.1:$N1/api/models/bench")
  fi
  # CPU share per process during the two measured runs: node 1, node 2, nginx (its workers)
  CPU[$NODES]=$(python3 - "$WORK/cpu-before-$NODES" "$WORK/cpu-after-$NODES" "$(sed -n 1p "$CLUSTER/pids" | cut -d' ' -f1)" \
    "$(sed -n 2p "$CLUSTER/pids" | cut -d' ' -f1)" <<'PY'
import sys
before = dict(line.split() for line in open(sys.argv[1]))
after = dict(line.split() for line in open(sys.argv[2]))
used = {pid: int(after[pid]) - int(before.get(pid, 0)) for pid in after}
total = sum(used.values()) or 1
names = {sys.argv[3]: "node 1", sys.argv[4]: "node 2"}
shares = {}
for pid, ticks in used.items():
    name = names.get(pid, "nginx")
    shares[name] = shares.get(name, 0) + ticks
print(", ".join(f"{name} {100 * ticks / total:.0f}%" for name, ticks in sorted(shares.items()))
      + f" of {total / 100:.1f} CPU s")
PY
)
  bin/local-cluster.sh stop "$CLUSTER" 2>/dev/null
  CLUSTER=""
done

ratio() { python3 -c "print(f'{$1 / $2:.2f}')"; }
cat <<OUT

== scale-out through nginx: $(nproc) cores shared by wrk, nginx and the nodes; ${RUN_S} s runs, $CONNECTIONS connections ==
                              one node     two nodes   two/one    one node, no nginx   nginx/direct
predict (ONNX, 1 row)   $(printf '%12s %13s %9s %16s %14s' "${RPS[predict-1]}" "${RPS[predict-2]}" "$(ratio "${RPS[predict-2]}" "${RPS[predict-1]}")" "${RPS[predict-direct]}" "$(ratio "${RPS[predict-1]}" "${RPS[predict-direct]}")")
GET /api/models/bench   $(printf '%12s %13s %9s %16s %14s' "${RPS[read-1]}" "${RPS[read-2]}" "$(ratio "${RPS[read-2]}" "${RPS[read-1]}")" "${RPS[read-direct]}" "$(ratio "${RPS[read-1]}" "${RPS[read-direct]}")")
(req/s; the processes' CPU during the two measured runs)
  one node:  ${CPU[1]}
  two nodes: ${CPU[2]}
(wrk's own share is not counted: it takes about a core of its own)
OUT
