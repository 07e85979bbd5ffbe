#!/usr/bin/env bash
# The scale-out topology on one machine, without Docker, everything on 127.0.0.1:
#   - a Spark standalone master and one worker, separate JVMs built from the Spark artifacts the build resolves
#     (the worker starts the executors: the jobs' tasks run there and read and write the platform's S3 through s3a);
#   - two platform nodes in one Hazelcast cluster, with different roles:
#       node 1: gateway,hub,model,data,execution, and the embedded MongoDB and S3 both nodes use;
#       node 2: gateway,hub,execution;
#     both send their Spark jobs to the master (each application takes one core of the worker) and both run
#     deployment replicas;
#   - nginx (Debian's nginx-light) in front of both gateways, configured from docker/nginx.conf.
#
# Usage: bin/local-cluster.sh [run|start|stop] [DIR]     (DIR: target/local-cluster by default)
#   run    starts everything, prints where, and stops it all on Ctrl-C (the default)
#   start  starts everything and returns once every part answers; `stop` ends it
# Ports (environment, defaults in brackets): LC_HTTP_PORT [8080] nginx; LC_NODE1_PORT [8081], LC_NODE2_PORT [8082]
# the gateways; LC_SPARK_PORT [7077], LC_SPARK_UI_PORT [8090], LC_WORKER_UI_PORT [8091]; LC_MONGO_PORT [27018],
# LC_S3_PORT [9000]; LC_CLUSTER_PORT [5701] (node 2 takes the next). Sizes: LC_WORKER_CORES [2], LC_WORKER_MEMORY [2g],
# LC_EXECUTOR_MEMORY [1g], LC_NODE_HEAP [1500m]. LC_NODES=1: node 1 alone behind nginx; LC_SPARK=0: no Spark master
# and worker (the nodes run Spark in-process); LC_JAVA_OPTS: more JVM options for the nodes.
# The nodes run the shaded jar (target/mlplatform.jar, built if missing) unless LC_CLASSPATH gives a class path; the
# executors load the platform's classes from MLP_SPARK_JARS (by default that same jar).
set -euo pipefail
cd "$(dirname "$0")/.."

COMMAND=${1:-run}
DIR=${2:-target/local-cluster}
case "$COMMAND" in run|start|stop) ;; *) echo "usage: bin/local-cluster.sh [run|start|stop] [DIR]" >&2; exit 2 ;; esac
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)

HTTP_PORT=${LC_HTTP_PORT:-8080}
NODE1_PORT=${LC_NODE1_PORT:-8081}
NODE2_PORT=${LC_NODE2_PORT:-8082}
SPARK_PORT=${LC_SPARK_PORT:-7077}
SPARK_UI_PORT=${LC_SPARK_UI_PORT:-8090}
WORKER_UI_PORT=${LC_WORKER_UI_PORT:-8091}
MONGO_PORT=${LC_MONGO_PORT:-27018}
S3_PORT=${LC_S3_PORT:-9000}
CLUSTER_PORT=${LC_CLUSTER_PORT:-5701}
NODE_HEAP=${LC_NODE_HEAP:-1500m}
NGINX=${LC_NGINX:-/usr/sbin/nginx}
NODES=${LC_NODES:-2}
SPARK=${LC_SPARK:-1}
case "$NODES" in 1|2) ;; *) echo "LC_NODES is 1 or 2" >&2; exit 2 ;; esac

log() { printf '[local-cluster %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# stops the processes PIDS...: TERM to all at once, then up to 20 s for each to end before KILL
stop_group() {
  for pid in "$@"; do kill "$pid" 2>/dev/null || true; done
  for pid in "$@"; do
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
  done
}

stop_all() {
  if [ -f "$DIR/nginx/nginx.pid" ]; then
    "$NGINX" -p "$DIR/nginx" -c "$DIR/nginx/nginx.conf" -s stop 2>/dev/null || true
  fi
  [ -f "$DIR/pids" ] || return 0
  # the nodes first, together (they leave the cluster and end their Spark applications), then the worker, then the
  # master
  # shellcheck disable=SC2046
  stop_group $(awk '$2 == "node" {print $1}' "$DIR/pids")
  for pid in $(awk '$2 == "spark" {print $1}' "$DIR/pids" | tac); do
    stop_group "$pid"
  done
  rm -f "$DIR/pids"
  log "stopped"
}

if [ "$COMMAND" = stop ]; then
  stop_all
  exit 0
fi

[ -x "$NGINX" ] || { echo "nginx is missing: install Debian's package nginx-light (apt-get install nginx-light)" >&2; exit 1; }
[ ! -f "$DIR/pids" ] || { echo "a cluster already runs from $DIR: bin/local-cluster.sh stop $DIR" >&2; exit 1; }

if [ -z "${LC_CLASSPATH:-}" ] && [ ! -f target/mlplatform.jar ]; then
  log "building the platform's jar (mvn package)"
  mvn -B -q package -DskipTests
fi
if [ ! -f target/spark/runtime-classpath.txt ] || [ ! -f target/spark/servlet/jakarta.servlet-api-5.0.0.jar ]; then
  mvn -B -q process-classes -Dconsole.skip
fi

# Spark's launcher finds the executors' class path under SPARK_HOME/jars: the platform's runtime dependencies with
# the Servlet 5 API Spark's web UIs were built for (the platform itself needs Servlet 6 for its embedded S3 server)
SPARK_HOME="$DIR/spark-home"
rm -rf "$SPARK_HOME" && mkdir -p "$SPARK_HOME/jars"
tr ':' '\n' < target/spark/runtime-classpath.txt | grep -v '/jakarta.servlet-api-6' | while read -r jar; do
  ln -s "$jar" "$SPARK_HOME/jars/"
done
ln -s "$PWD/target/spark/servlet/jakarta.servlet-api-5.0.0.jar" "$SPARK_HOME/jars/"
# what Spark's own scripts give its JVMs on Java 17 (the shaded jar's manifest holds the same list)
OPENS=$(sed -n 's:.*<surefire.jvm>\(.*\)</surefire.jvm>.*:\1:p' pom.xml)
export SPARK_HOME SPARK_SCALA_VERSION=2.13 SPARK_LOCAL_IP=127.0.0.1

: > "$DIR/pids"
trap 'stop_all' INT TERM
started() { echo "$1 $2" >> "$DIR/pids"; }  # pid, and what it is: spark or node
await() {  # name url seconds
  for _ in $(seq 1 $(( $3 * 2 ))); do
    curl -sf -o /dev/null "$2" && return 0
    sleep 0.5
  done
  log "$1 did not answer $2 within $3 s: see $DIR/$1.log"
  stop_all
  exit 1
}

if [ "$SPARK" = 1 ]; then
  log "Spark master on spark://127.0.0.1:$SPARK_PORT (UI http://127.0.0.1:$SPARK_UI_PORT)"
  # shellcheck disable=SC2086
  java $OPENS -Xmx512m -cp "$SPARK_HOME/jars/*" -Dspark.master.rest.enabled=false \
    org.apache.spark.deploy.master.Master --host 127.0.0.1 --port "$SPARK_PORT" --webui-port "$SPARK_UI_PORT" \
    > "$DIR/spark-master.log" 2>&1 &
  started $! spark
  await spark-master "http://127.0.0.1:$SPARK_UI_PORT/" 60
  log "Spark worker, ${LC_WORKER_CORES:-2} cores, ${LC_WORKER_MEMORY:-2g} (UI http://127.0.0.1:$WORKER_UI_PORT)"
  # shellcheck disable=SC2086
  java $OPENS -Xmx512m -cp "$SPARK_HOME/jars/*" org.apache.spark.deploy.worker.Worker "spark://127.0.0.1:$SPARK_PORT" \
    --host 127.0.0.1 --cores "${LC_WORKER_CORES:-2}" --memory "${LC_WORKER_MEMORY:-2g}" --webui-port "$WORKER_UI_PORT" \
    --work-dir "$DIR/spark-work" > "$DIR/spark-worker.log" 2>&1 &
  started $! spark
  for _ in $(seq 1 120); do
    grep -q "Successfully registered with master" "$DIR/spark-worker.log" && break
    sleep 0.5
  done
  grep -q "Successfully registered with master" "$DIR/spark-worker.log" \
    || { log "the worker did not register: see $DIR/spark-worker.log"; stop_all; exit 1; }
fi

# each node's Spark application takes one core of the worker, so both nodes' executions run side by side
cat > "$DIR/node.json" <<JSON
{"spark": {"conf": {"spark.cores.max": "1", "spark.executor.memory": "${LC_EXECUTOR_MEMORY:-1g}"}}}
JSON
spark_master=()
[ "$SPARK" != 1 ] || spark_master=(MLP_SPARK_MASTER="spark://127.0.0.1:$SPARK_PORT")
node() {  # index roles http-port extra-env...
  local index=$1 roles=$2 port=$3
  shift 3
  local launch=(-jar target/mlplatform.jar)
  [ -z "${LC_CLASSPATH:-}" ] || launch=(-cp "$LC_CLASSPATH" io.mlplatform.Main)
  # shellcheck disable=SC2086
  env MLP_CONFIG="$DIR/node.json" MLP_DATA_DIR="$DIR/node$index" MLP_ROLES="$roles" MLP_HTTP_PORT="$port" \
    MLP_CLUSTER=true MLP_CLUSTER_HOST=127.0.0.1 MLP_CLUSTER_PORT=$(( CLUSTER_PORT + index - 1 )) \
    MLP_CLUSTER_MEMBERS="127.0.0.1:$CLUSTER_PORT,127.0.0.1:$(( CLUSTER_PORT + 1 ))" MLP_CLUSTER_EXPECTED="$NODES" \
    "${spark_master[@]}" "$@" \
    java $OPENS -Xmx"$NODE_HEAP" -XX:+ExitOnOutOfMemoryError ${LC_JAVA_OPTS:-} "${launch[@]}" > "$DIR/node$index.log" 2>&1 &
  started $! node
}
log "node 1 (gateway,hub,model,data,execution; MongoDB :$MONGO_PORT, S3 :$S3_PORT) on :$NODE1_PORT"
node 1 gateway,hub,model,data,execution "$NODE1_PORT" MLP_EMBEDDED_MONGO_PORT="$MONGO_PORT" MLP_EMBEDDED_S3_PORT="$S3_PORT"
if [ "$NODES" = 2 ]; then
  # node 2 uses node 1's stores: wait until they answer
  for _ in $(seq 1 240); do
    (exec 3<>"/dev/tcp/127.0.0.1/$S3_PORT") 2>/dev/null && (exec 3<>"/dev/tcp/127.0.0.1/$MONGO_PORT") 2>/dev/null && break
    sleep 0.5
  done
  log "node 2 (gateway,hub,execution) on :$NODE2_PORT"
  node 2 gateway,hub,execution "$NODE2_PORT" MLP_MONGO_URI="mongodb://127.0.0.1:$MONGO_PORT" \
    MLP_S3_ENDPOINT="http://127.0.0.1:$S3_PORT"
fi
await node1 "http://127.0.0.1:$NODE1_PORT/ready" 180
[ "$NODES" = 1 ] || await node2 "http://127.0.0.1:$NODE2_PORT/ready" 180

log "nginx on http://127.0.0.1:$HTTP_PORT"
mkdir -p "$DIR/nginx/logs"
sed -e "s/api-gateway-1:8080/127.0.0.1:$NODE1_PORT/; s/api-gateway-2:8080/127.0.0.1:$NODE2_PORT/" \
  -e "s/listen 80;/listen 127.0.0.1:$HTTP_PORT;/" docker/nginx.conf > "$DIR/nginx/site.conf"
[ "$NODES" = 2 ] || sed -i "/127.0.0.1:$NODE2_PORT/d" "$DIR/nginx/site.conf"
cat > "$DIR/nginx/nginx.conf" <<CONF
pid $DIR/nginx/nginx.pid;
error_log $DIR/nginx/logs/error.log;
worker_processes auto;
events { worker_connections 1024; }
http {
  access_log $DIR/nginx/logs/access.log;
  include $DIR/nginx/site.conf;
}
CONF
"$NGINX" -p "$DIR/nginx" -c "$DIR/nginx/nginx.conf"
await nginx "http://127.0.0.1:$HTTP_PORT/ready" 30

cat <<OUT
The cluster runs (logs and data under $DIR):
  console and API   http://127.0.0.1:$HTTP_PORT/   (nginx, round robin over both gateways)
  gateways          http://127.0.0.1:$NODE1_PORT/  http://127.0.0.1:$NODE2_PORT/
  Spark master UI   http://127.0.0.1:$SPARK_UI_PORT/   worker UI http://127.0.0.1:$WORKER_UI_PORT/
  stop it with      bin/local-cluster.sh stop $DIR
OUT
if [ "$COMMAND" = run ]; then
  trap 'stop_all; exit 0' INT TERM
  while sleep 3600; do :; done
fi
