# Shared by the benchmarks; sourced from the project's root. Expects WORK (a scratch folder) set by the caller.

# prepare_helper SOURCE.java: a fresh $WORK, the fat jar (built when missing), SOURCE compiled against the test class
# path (the platform's classes and the tests' helpers); sets CP to the class path that runs it
prepare_helper() {
  rm -rf "$WORK" && mkdir -p "$WORK"
  [ -f target/mlplatform.jar ] || mvn -B -q package -DskipTests
  mvn -B -q test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$WORK/cp.txt" >/dev/null
  CP="target/classes:target/test-classes:$(cat "$WORK/cp.txt")"
  javac -d "$WORK/classes" -cp "$CP" "$1"
  CP="$WORK/classes:$CP"
}

# wrk, installed from Debian's packages when missing
need_wrk() {
  command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
}

# a free TCP port on 127.0.0.1
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# bench_model: the benchmarks' small ONNX classifier in $WORK/model.onnx and a one-row request in $WORK/predict.json
# (after prepare_helper bench/inference/InferenceBench.java)
bench_model() {
  java -cp "$CP" InferenceBench model "$WORK/model.onnx" 2>/dev/null
  echo '{"inputs": [[0.1, 0.2, 0.3, 0.4]]}' > "$WORK/predict.json"
}

# deploy_bench REPLICAS: model "bench" with that model as its version, deployed as "bench" through $B
deploy_bench() {
  curl -sf -XPOST "$B/api/models" -H 'content-type: application/json' -d '{"name":"bench"}' >/dev/null
  curl -sf -XPOST "$B/api/models/bench/versions" -F format=onnx -F file=@"$WORK/model.onnx" >/dev/null
  curl -sf -XPOST "$B/api/deployments" -H 'content-type: application/json' \
    -d "{\"name\":\"bench\",\"model\":\"bench\",\"replicas\":$1}" >/dev/null
}

# replicas_on N: until deployment "bench" (through $B) has ready replicas on N distinct nodes
replicas_on() {
  for _ in $(seq 1 300); do
    local nodes
    nodes=$(curl -sf "$B/api/deployments/bench" | python3 -c 'import json,sys
d = json.load(sys.stdin); print(len({r["node"] for r in d.get("replica_status", []) if r["status"] == "ready"}))' || echo 0)
    [ "$nodes" -ge "$1" ] && return 0
    sleep 0.2
  done
  echo "replicas not on $1 nodes" >&2; return 1
}
