package com.tracesentinel.ingest;

public enum ScanStatus { ACCEPTED, FLAGGED, REPLAYED, REJECTED }
