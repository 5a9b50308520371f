#!/usr/bin/env bash
# Ring queries at scale: a fresh service and embedded PostgreSQL, N synthetic anomalies (default 500,000) bulk-inserted
# with generate_series, folded into the ring index by the running service, then every ring query timed 3 times over
# HTTP after a warm-up, and the edge query's EXPLAIN ANALYZE. Writes nothing outside temporary directories.
#   load-tests/rings/run.sh [anomalies]
exec "$(dirname "$0")/../test-main.sh" com.tracesentinel.investigate.RingQueryBenchmark "${1:-500000}"
