#!/usr/bin/env bash
# Runs a main class from the test sources (a scale or throughput check that starts its own service and embedded
# PostgreSQL) with the test classpath and the JVM flags Chronicle Map needs.   load-tests/test-main.sh CLASS [ARGS...]
set -euo pipefail
cd "$(dirname "$0")/.."
# Not offline, and the plugin's version named: unnamed, Maven picks 2.8, which a machine that only built the project
# has not downloaded, so the offline call failed on a fresh clone.
mvn -q test-compile -DskipTests
mvn -q org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/test-classpath.txt
source load-tests/lib.sh
# shellcheck disable=SC2086
exec java -Xmx2g $CHRONICLE_JVM_FLAGS -DTRACESENTINEL_ACCESS_LOG=WARN -DTRACESENTINEL_LOG_LEVEL=WARN \
  -cp "target/classes:target/test-classes:$(cat target/test-classpath.txt)" "$@"
