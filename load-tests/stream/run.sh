#!/usr/bin/env bash
# Anomaly stream throughput: a fresh service, C clients on GET /api/v1/anomalies/stream, N anomalies produced through
# POST /api/v1/scans; prints commit and delivery rates and checks every client got every event once, in order.
# Mode sql inserts the anomalies with one statement instead, to measure the stream with ingest out of the way.
#   load-tests/stream/run.sh [anomalies=50000] [clients=20] [ingest|sql]
exec "$(dirname "$0")/../test-main.sh" com.tracesentinel.investigate.StreamThroughputBenchmark "${1:-50000}" "${2:-20}" \
  "${3:-ingest}"
