package com.tracesentinel.support;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("slow")
class KafkaBrokerSmokeTest {
  @Test
  void aBrokerStartsAndCreatesATopic() throws Exception {
    try (KafkaBroker broker = KafkaBroker.start();
         Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()))) {
      admin.createTopics(List.of(new NewTopic("smoke", 4, (short) 1))).all().get();
      assertEquals(4, admin.describeTopics(List.of("smoke")).allTopicNames().get().get("smoke").partitions().size());
    }
  }
}
