package com.sluice.examples;

import com.examples.orders.v1.OrderCreated;
import com.sluice.v1.CreateTopicRequest;
import com.sluice.v1.Edge;
import com.sluice.v1.Event;
import com.sluice.v1.PublishResponse;
import com.sluice.v1.StartPosition;
import com.sluice.v1.SubscribeRequest;

/**
 * A partitioned topic: create it, publish keyed orders, consume them in a group. Orders with the
 * same key (customer) land in the same partition and arrive in publish order.
 */
public final class Topic {
  public static void main(String[] args) throws Exception {
    Flags flags = new Flags(args);
    String topic = flags.get("topic", "orders-by-customer");
    int customers = flags.getInt("customers", 4);
    int perCustomer = flags.getInt("per-customer", 5);
    try (Sluice sluice = Sluice.connect(flags)) {
      // Creating an existing topic with the same partition count does nothing.
      sluice.admin.createTopic(
          CreateTopicRequest.newBuilder().setTopic(topic).setPartitions(flags.getInt("partitions", 3)).build());

      Event[] events = new Event[customers * perCustomer];
      for (int i = 0; i < perCustomer; i++) {
        for (int c = 0; c < customers; c++) {
          OrderCreated order =
              OrderCreated.newBuilder().setOrderId("c-" + c + "/" + i).setCustomerId("c-" + c).build();
          events[i * customers + c] = Sluice.event(order).setKey("c-" + c).build();
        }
      }
      PublishResponse res = sluice.publishTopic(topic, events);
      Json.print("published", res.getIdsCount(), "partitions", res.getPartitionsList());

      SubscribeRequest request =
          SubscribeRequest.newBuilder()
              .setTopic(topic)
              .setGroup(flags.get("group", "billing-java"))
              .setStart(StartPosition.newBuilder().setEdge(Edge.EDGE_EARLIEST))
              .build();
      sluice.consume(
          request,
          events.length,
          m -> {
            OrderCreated order = OrderCreated.parseFrom(m.getEvent().getPayload());
            Json.print(
                "stream", m.getStream(),
                "partition", m.getPartition(),
                "id", m.getId(),
                "key", m.getEvent().getKey(),
                "order_id", order.getOrderId());
          });
    }
  }
}
