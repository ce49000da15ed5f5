package com.sluice.examples;

import com.examples.orders.v2.OrderCreated;
import com.google.protobuf.Duration;
import com.google.protobuf.Timestamp;
import com.sluice.v1.CancelScheduledRequest;
import com.sluice.v1.Edge;
import com.sluice.v1.Event;
import com.sluice.v1.ListScheduledRequest;
import com.sluice.v1.ScheduledEvent;
import com.sluice.v1.StartPosition;
import com.sluice.v1.SubscribeRequest;
import java.util.List;

/**
 * Scheduled delivery: a payment reminder for an order, delivered --after seconds from now.
 *
 * <p>Schedules two reminders, lists the stream's schedule, cancels the second one (the order was
 * paid) and consumes the first when it falls due. A scheduled event is not in the stream until its
 * time; on delivery its deliver_at is the time it was scheduled for, and publish_time - deliver_at
 * is how late it came. Each reminder expires an hour after it falls due (ttl): a dunning service
 * that was down longer than that never sends it.
 */
public final class Reminder {
  static long ms(Timestamp t) {
    return t.getSeconds() * 1000 + t.getNanos() / 1_000_000;
  }

  static Event reminder(String orderId, long afterMillis) {
    return Sluice.event(OrderCreated.newBuilder().setOrderId(orderId).setCustomerId("c-7").build())
        .setKey("c-7")
        .setIdempotencyKey("remind-" + orderId)
        .setDeliverAfter(Duration.newBuilder().setSeconds(afterMillis / 1000).setNanos((int) (afterMillis % 1000) * 1_000_000))
        .setTtl(Duration.newBuilder().setSeconds(3600)) // a reminder an hour late is no use: it expires
        .build();
  }

  public static void main(String[] args) throws Exception {
    Flags flags = new Flags(args);
    String stream = flags.get("stream", "reminders");
    long after = (long) (Double.parseDouble(flags.get("after", "2")) * 1000);
    try (Sluice sluice = Sluice.connect(flags)) {
      List<String> ids = sluice.schedule(stream, reminder("o-1", after), reminder("o-2", 10 * after));
      Json.print("scheduled", ids);

      List<ScheduledEvent> listed =
          sluice.admin.listScheduled(ListScheduledRequest.newBuilder().setStream(stream).build()).getEventsList();
      Json.print(
          "listed", listed.stream().map(ScheduledEvent::getScheduleId).toList(),
          "deliver_at", listed.stream().map(e -> ms(e.getDeliverAt())).toList());

      sluice.admin.cancelScheduled(
          CancelScheduledRequest.newBuilder().setStream(stream).setScheduleId(ids.get(1)).build());
      Json.print("cancelled", ids.get(1));

      SubscribeRequest request =
          SubscribeRequest.newBuilder()
              .setStream(stream)
              .setGroup(flags.get("group", "dunning-java"))
              .setStart(StartPosition.newBuilder().setEdge(Edge.EDGE_EARLIEST))
              .build();
      sluice.consume(
          request,
          1,
          m -> {
            OrderCreated order = OrderCreated.parseFrom(m.getEvent().getPayload());
            Json.print(
                "id", m.getId(),
                "order_id", order.getOrderId(),
                "deliver_at", ms(m.getEvent().getDeliverAt()),
                "publish_time", ms(m.getEvent().getPublishTime()),
                "expire_at", ms(m.getEvent().getExpireAt()),
                "late_ms", ms(m.getEvent().getPublishTime()) - ms(m.getEvent().getDeliverAt()));
          });
    }
  }
}
