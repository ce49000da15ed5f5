package com.sluice.examples;

import com.examples.orders.v1.OrderCreated;
import com.sluice.v1.Edge;
import com.sluice.v1.StartPosition;
import com.sluice.v1.SubscribeRequest;

/** Consumes orders in a consumer group and acks each one it handled. */
public final class Subscriber {
  public static void main(String[] args) throws Exception {
    Flags flags = new Flags(args);
    try (Sluice sluice = Sluice.connect(flags)) {
      SubscribeRequest request =
          SubscribeRequest.newBuilder()
              .setStream(flags.get("stream", "orders"))
              .setGroup(flags.get("group", "billing-java"))
              .setStart(StartPosition.newBuilder().setEdge(Edge.EDGE_EARLIEST))
              .build();
      sluice.consume(
          request,
          flags.getInt("count", 3),
          m -> {
            // v1 code reads v1 and v2 payloads.
            OrderCreated order = OrderCreated.parseFrom(m.getEvent().getPayload());
            Json.print(
                "id", m.getId(),
                "type", m.getEvent().getType(),
                "version", m.getEvent().getVersion(),
                "key", m.getEvent().getKey(),
                "headers", m.getEvent().getHeadersMap(),
                "order_id", order.getOrderId(),
                "total_cents", order.getTotalCents(),
                "attempt", m.getDeliveryAttempt());
          });
    }
  }
}
