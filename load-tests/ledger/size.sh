#!/usr/bin/env bash
# Ledger bytes per code of capacity, measured on an empty ledger file of each capacity (the file is preallocated
# whole, so empty and full are the same size).   load-tests/ledger/size.sh [capacity...]   (default: 2000000 10000000)
set -euo pipefail
cd "$(dirname "$0")/../.."
source load-tests/lib.sh
ensure_jar
[ $# -gt 0 ] || set -- 2000000 10000000
exec java -Dchronicle.analytics.disable=true -Dchronicle.announcer.disable=true -DTRACESENTINEL_LOG_LEVEL=WARN \
  --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED --add-exports=java.base/jdk.internal.ref=ALL-UNNAMED \
  --add-exports=java.base/jdk.internal.util=ALL-UNNAMED --add-exports=java.base/sun.nio.ch=ALL-UNNAMED \
  --add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED --add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED \
  --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED \
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED \
  --add-opens=jdk.compiler/com.sun.tools.javac=ALL-UNNAMED \
  -cp "$JAR" load-tests/ledger/LedgerSize.java "$@" 2>&1 | grep -v ' INFO '
