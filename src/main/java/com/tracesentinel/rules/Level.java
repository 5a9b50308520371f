package com.tracesentinel.rules;

/** As in the EU system: a warning is worth a look, an alert is worth an investigation. */
public enum Level { WARNING, ALERT }
