#!/usr/bin/env bash
# Runs a main class from the test sources (a scale or throughput check that starts its own service and embedded
# PostgreSQL) with the test classpath and the JVM flags Chronicle Map needs.   load-tests/test-main.sh CLASS [ARGS...]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -o test-compile -DskipTests
mvn -q -o dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/test-classpath.txt
exec java -Xmx2g -Dchronicle.analytics.disable=true -Dchronicle.announcer.disable=true \
  -DTRACESENTINEL_ACCESS_LOG=WARN -DTRACESENTINEL_LOG_LEVEL=WARN \
  --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED --add-exports=java.base/jdk.internal.ref=ALL-UNNAMED \
  --add-exports=java.base/jdk.internal.util=ALL-UNNAMED --add-exports=java.base/sun.nio.ch=ALL-UNNAMED \
  --add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED --add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED \
  --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED \
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED \
  --add-opens=jdk.compiler/com.sun.tools.javac=ALL-UNNAMED \
  -cp "target/classes:target/test-classes:$(cat target/test-classpath.txt)" "$@"
