package com.tracesentinel.reference;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * The catalogue and site register in memory (both are small: thousands to a million rows), read by shard threads
 * at every scan. Writers replace whole immutable snapshots, so readers never lock and never see half an update.
 */
public final class ReferenceStore implements ReferenceData {
  private record Snapshot(Map<String, Product> products, Map<String, Site> sitesById, Map<Integer, Site> sitesByRef) {}

  private volatile Snapshot snapshot = new Snapshot(Map.of(), Map.of(), Map.of());

  @Override
  public Product product(String productKey) {
    return productKey == null ? null : snapshot.products.get(productKey);
  }

  @Override
  public Site site(int siteRef) {
    return snapshot.sitesByRef.get(siteRef);
  }

  @Override
  public boolean catalogLoaded() {
    return !snapshot.products.isEmpty();
  }

  public Site siteById(String siteId) {
    return siteId == null ? null : snapshot.sitesById.get(siteId);
  }

  public synchronized void putProducts(Collection<Product> products) {
    Snapshot s = snapshot;
    Map<String, Product> next = new HashMap<>(s.products);
    for (Product p : products) {
      next.put(p.productKey(), p);
    }
    snapshot = new Snapshot(Map.copyOf(next), s.sitesById, s.sitesByRef);
  }

  public synchronized void putSites(Collection<Site> sites) {
    Snapshot s = snapshot;
    Map<String, Site> byId = new HashMap<>(s.sitesById);
    Map<Integer, Site> byRef = new HashMap<>(s.sitesByRef);
    for (Site site : sites) {
      byId.put(site.siteId(), site);
      byRef.put(site.ref(), site);
    }
    snapshot = new Snapshot(s.products, Map.copyOf(byId), Map.copyOf(byRef));
  }
}
