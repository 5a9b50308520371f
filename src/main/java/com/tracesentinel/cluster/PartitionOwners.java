package com.tracesentinel.cluster;

/**
 * What the router asks of its node: whether it judges a partition itself, which node owns it otherwise, to read the
 * owners again after a node answered that it no longer owns one, and the cluster's settings.
 */
public interface PartitionOwners {
  boolean judges(int part);

  /** The partition's owner as the database said lately, or null when it has none. */
  ClusterNode.Owner ownerOf(int part);

  void refreshOwnersSoon();

  ClusterSettings settings();
}
