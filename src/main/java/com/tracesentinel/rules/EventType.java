package com.tracesentinel.rules;

/** What happened to a box at a site (NHSA 3505/3506/3503 and the EU "destroyed" state). */
public enum EventType { SALE, RETURN, RECEIVE, DESTROY }
