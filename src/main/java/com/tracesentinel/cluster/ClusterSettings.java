package com.tracesentinel.cluster;

import java.time.Duration;

/**
 * Cluster mode's settings (README, "Running a cluster").
 *
 * @param bootstrap      Kafka's bootstrap servers
 * @param name           the cluster's name: its Kafka group and topic are named after it
 * @param nodeId         this node's name, unique in the cluster and stable across its restarts
 * @param url            where the other nodes reach this node's HTTP port
 * @param secret         the shared key nodes present to each other on the internal routes
 * @param sessionTimeout how long a silent node keeps its partitions before the group gives them away
 */
public record ClusterSettings(String bootstrap, String name, String nodeId, String url, String secret,
                              Duration sessionTimeout) {

  String topic() {
    return name + "-ownership";
  }

  String groupId() {
    return name + "-owners";
  }
}
