package com.tracesentinel.rules;

import java.util.List;

/** The ladder's answer: the state to store and what the scan raised (empty: accepted as is). */
public record Verdict(CodeState next, List<Anomaly> anomalies) {
  public boolean flagged() {
    return !anomalies.isEmpty();
  }
}
