package com.sluice.examples;

import com.examples.orders.v2.OrderCreated;
import com.sluice.v1.Edge;
import com.sluice.v1.Event;
import com.sluice.v1.StartPosition;
import com.sluice.v1.SubscribeRequest;
import java.util.List;

/**
 * A filtered consumer group: only EU orders reach this service.
 *
 * <p>Publishes orders from two regions, then consumes with a group whose filter (a CEL
 * expression, kept with the group) matches the EU ones. The server acks the others on the group's
 * behalf; they never reach the handler.
 */
public final class Filtered {
  static final String FILTER = "type.startsWith(\"examples.orders.\") && headers[\"region\"] == \"eu\"";

  public static void main(String[] args) throws Exception {
    Flags flags = new Flags(args);
    String stream = flags.get("stream", "orders-by-region");
    try (Sluice sluice = Sluice.connect(flags)) {
      List<String> regions = List.of("eu", "us", "eu", "apac", "us", "eu");
      Event[] events = new Event[regions.size()];
      for (int i = 0; i < events.length; i++) {
        OrderCreated order = OrderCreated.newBuilder().setOrderId("o-" + i).setCustomerId("c-1").build();
        events[i] = Sluice.event(order).setKey("c-1").putHeaders("region", regions.get(i)).build();
      }
      sluice.publish(stream, events);
      Json.print("published", events.length, "filter", FILTER);

      SubscribeRequest request =
          SubscribeRequest.newBuilder()
              .setStream(stream)
              .setGroup(flags.get("group", "eu-billing-java"))
              .setFilter(FILTER)
              .setStart(StartPosition.newBuilder().setEdge(Edge.EDGE_EARLIEST))
              .build();
      sluice.consume(
          request,
          (int) regions.stream().filter("eu"::equals).count(),
          m -> {
            OrderCreated order = OrderCreated.parseFrom(m.getEvent().getPayload());
            Json.print(
                "id", m.getId(),
                "order_id", order.getOrderId(),
                "region", m.getEvent().getHeadersOrDefault("region", ""));
          });
    }
  }
}
