package com.sluice.examples;

import com.examples.orders.v1.OrderCreated;
import com.sluice.v1.Event;
import java.util.List;

/** Publishes example orders (examples.orders.v1.OrderCreated) with idempotency keys. */
public final class Publisher {
  public static void main(String[] args) throws Exception {
    Flags flags = new Flags(args);
    String prefix = flags.get("prefix", "java");
    int count = flags.getInt("count", 3);
    try (Sluice sluice = Sluice.connect(flags)) {
      Event[] events = new Event[count];
      for (int i = 0; i < count; i++) {
        OrderCreated order =
            OrderCreated.newBuilder()
                .setOrderId(prefix + "-" + i)
                .setCustomerId("c-1")
                .setTotalCents(100L * i)
                .build();
        events[i] =
            Sluice.event(order)
                .setKey("c-1")
                .putHeaders("source", "java")
                .setIdempotencyKey(prefix + "-" + i) // a retry of this batch stores nothing twice
                .build();
      }
      List<String> ids = sluice.publish(flags.get("stream", "orders"), events);
      for (int i = 0; i < count; i++) {
        Json.print("id", ids.get(i), "idempotency_key", events[i].getIdempotencyKey());
      }
    }
  }
}
