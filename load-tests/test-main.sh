#!/usr/bin/env bash
# Runs a main class from the test sources (a scale or throughput check that starts its own service and embedded
# PostgreSQL) with the test classpath and the JVM flags Chronicle Map needs.   load-tests/test-main.sh CLASS [ARGS...]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -o test-compile -DskipTests
mvn -q -o dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/test-classpath.txt
source load-tests/lib.sh
# shellcheck disable=SC2086
exec java -Xmx2g $CHRONICLE_JVM_FLAGS -DTRACESENTINEL_ACCESS_LOG=WARN -DTRACESENTINEL_LOG_LEVEL=WARN \
  -cp "target/classes:target/test-classes:$(cat target/test-classpath.txt)" "$@"
