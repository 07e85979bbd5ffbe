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
