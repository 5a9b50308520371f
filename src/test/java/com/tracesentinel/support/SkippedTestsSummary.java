package com.tracesentinel.support;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;

/**
 * Says at the end of a run which tests did not run and why. Surefire counts a class whose {@code @BeforeAll}
 * assumption failed (the browser tests without Chromium) as zero tests and prints no reason, so a green run looked
 * complete when it was not. Registered through META-INF/services; prints one line per reason, nothing when every
 * test ran.
 */
public final class SkippedTestsSummary implements TestExecutionListener {
  private final Map<String, TreeSet<String>> byReason = new LinkedHashMap<>();

  @Override
  public void executionSkipped(TestIdentifier test, String reason) {
    add(test, reason);
  }

  @Override
  public void executionFinished(TestIdentifier test, TestExecutionResult result) {
    if (result.getStatus() == TestExecutionResult.Status.ABORTED) {
      add(test, result.getThrowable().map(Throwable::getMessage).orElse("aborted"));
    }
  }

  private synchronized void add(TestIdentifier test, String reason) {
    String text = reason == null ? "no reason given" : reason.replaceFirst("^Assumption failed: ", "");
    String name = test.getLegacyReportingName();
    byReason.computeIfAbsent(text, r -> new TreeSet<>()).add(test.isContainer() ? name : name.replace("()", ""));
  }

  @Override
  public synchronized void testPlanExecutionFinished(TestPlan plan) {
    byReason.forEach((reason, tests) -> System.out.println("[SKIPPED] " + String.join(", ", tests) + ": " + reason));
    byReason.clear();
  }
}
