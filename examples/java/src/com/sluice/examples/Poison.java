package com.sluice.examples;

import com.google.protobuf.Duration;
import com.sluice.v1.DeadLetter;
import com.sluice.v1.Edge;
import com.sluice.v1.ListDeadLettersRequest;
import com.sluice.v1.RetryPolicy;
import com.sluice.v1.StartPosition;
import com.sluice.v1.SubscribeRequest;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A worker that fails on a poison message until Sluice dead-letters it.
 *
 * <p>With max_deliveries=2 and no backoff, the poison message is delivered twice, nacked twice
 * (the handler throws), and then moved to the stream's dead-letter stream with the reason; good
 * messages are acked as usual. The worker runs until the dead letter shows up.
 */
public final class Poison {
  public static void main(String[] args) throws Exception {
    Flags flags = new Flags(args);
    String stream = flags.get("stream", "jobs");
    try (Sluice sluice = Sluice.connect(flags)) {
      Duration noBackoff = Duration.getDefaultInstance();
      Sluice.Subscription sub =
          sluice.subscribe(
              SubscribeRequest.newBuilder()
                  .setStream(stream)
                  .setGroup(flags.get("group", "workers-java"))
                  .setMaxDeliveries(2)
                  .setStart(StartPosition.newBuilder().setEdge(Edge.EDGE_EARLIEST))
                  .setRetryPolicy(
                      RetryPolicy.newBuilder().setMinimumBackoff(noBackoff).setMaximumBackoff(noBackoff))
                  .build());
      Thread worker =
          new Thread(
              () ->
                  sub.run(
                      m -> {
                        String payload = m.getEvent().getPayload().toString(StandardCharsets.UTF_8);
                        Json.print("id", m.getId(), "payload", payload, "attempt", m.getDeliveryAttempt());
                        if (payload.startsWith("poison")) {
                          throw new IllegalStateException("cannot process " + payload);
                        }
                      },
                      0));
      worker.start();
      long deadline = System.nanoTime() + 20_000_000_000L;
      List<DeadLetter> letters = List.of();
      while (letters.isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(200);
        letters =
            sluice
                .deadLetters
                .listDeadLetters(ListDeadLettersRequest.newBuilder().setStream(stream).build())
                .getDeadLettersList();
      }
      sub.cancel();
      worker.join();
      for (DeadLetter d : letters) {
        Json.print("dead_letter", d.getSourceId(), "reason", d.getReason(), "attempts", d.getDeliveryAttempts());
      }
    }
  }
}
