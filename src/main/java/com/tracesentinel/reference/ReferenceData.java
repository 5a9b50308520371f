package com.tracesentinel.reference;

/** The catalogue and the site register as the ladder sees them: small, in memory, read-only per call. */
public interface ReferenceData {
  /** The product for a product key, or null when unknown. */
  Product product(String productKey);

  /** The site for a site ref, or null when unknown. */
  Site site(int siteRef);

  /** True when at least one product is registered: only then is an unknown product an anomaly. */
  boolean catalogLoaded();
}
