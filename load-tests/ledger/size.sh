#!/usr/bin/env bash
# Ledger bytes per code of capacity, measured on an empty ledger file of each capacity (the file is preallocated
# whole, so empty and full are the same size).   load-tests/ledger/size.sh [capacity...]   (default: 2000000 10000000)
set -euo pipefail
cd "$(dirname "$0")/../.."
source load-tests/lib.sh
ensure_jar
[ $# -gt 0 ] || set -- 2000000 10000000
# shellcheck disable=SC2086
java $CHRONICLE_JVM_FLAGS -DTRACESENTINEL_LOG_LEVEL=WARN -cp "$JAR" load-tests/ledger/LedgerSize.java "$@" 2>&1 \
  | grep -v ' INFO '
