package com.tracesentinel.ingest;

/**
 * A read of the history failed because the database cannot serve now (not answering, refusing connections, short of
 * resources, or past the read's deadline): worth a retry, never the service's own fault. The adapters say so; any
 * other failure of a read is a fault of the service.
 */
public final class HistoryUnavailable extends RuntimeException {
  public HistoryUnavailable(String message, Throwable cause) {
    super(message, cause, false, false);
  }
}
