#!/usr/bin/env bash
# Builds the bench jar once (bench/target/bench.jar, everything on one classpath) and runs it.
#   scripts/bench.sh [harness options]      the load harness: agent vs bare CRI calls (see --help)
#   scripts/bench.sh jmh [JMH options]      the JMH microbenchmarks (e.g. jmh AdmissionBenchmark -p pods=100)
# Set BENCH_REBUILD=1 to rebuild the jar; JAVA_OPTS are passed to the JVM (default: -Xmx2g
# -XX:+UseParallelGC, the agent's collector), BENCH_FAKE_JAVA_OPTS to
# the fake runtime's child JVM (e.g. -XX:StartFlightRecording=filename=fake.jfr,settings=profile).
set -euo pipefail
cd "$(dirname "$0")/.."
jar=bench/target/bench.jar
if [[ ! -f "$jar" || "${BENCH_REBUILD:-0}" == 1 ]]; then
  mvn -q -B -ntp package -pl bench -am -Pbench-jar -DskipTests
fi
java_opts=(${JAVA_OPTS:--Xmx2g -XX:+UseParallelGC})
if [[ "${1:-}" == jmh ]]; then
  shift
  exec java "${java_opts[@]}" -cp "$jar" org.openjdk.jmh.Main "$@"
fi
exec java "${java_opts[@]}" -jar "$jar" "$@"
