package com.tracesentinel.reference;

public enum SiteKind { PHARMACY, HOSPITAL, CLINIC }
