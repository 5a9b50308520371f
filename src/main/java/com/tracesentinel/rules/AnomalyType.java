package com.tracesentinel.rules;

/** The rows of the anomaly ladder in shared/spec/domain.md. */
public enum AnomalyType {
  DOUBLE_SCAN,
  REPEAT_SALE,
  RECEIVED_AFTER_SALE,
  PRODUCT_MISMATCH,
  SPLIT_OVERSOLD,
  SPLIT_ACROSS_SITES,
  SOLD_AFTER_DESTROY,
  EXPIRED,
  UNKNOWN_PRODUCT,
  RETURN_MISMATCH
}
