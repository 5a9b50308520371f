package com.tracesentinel.rules;

/** What a repeat most likely means. */
public enum Suspicion { OPERATOR_ERROR, SUBSTITUTED, DIVERTED, COUNTERFEIT, QUALITY, IRREGULAR }
