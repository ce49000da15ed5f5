package com.sluice.examples;

import com.sluice.v1.Edge;
import com.sluice.v1.PayloadFormat;
import com.sluice.v1.StartPosition;
import com.sluice.v1.SubscribeRequest;

/** An independent reader: replays a stream from the start, no group, no acks. */
public final class Replay {
  public static void main(String[] args) throws Exception {
    Flags flags = new Flags(args);
    try (Sluice sluice = Sluice.connect(flags)) {
      SubscribeRequest request =
          SubscribeRequest.newBuilder()
              .setStream(flags.get("stream", "orders"))
              .setStart(StartPosition.newBuilder().setEdge(Edge.EDGE_EARLIEST))
              .setPayloadFormat(PayloadFormat.PAYLOAD_FORMAT_JSON) // the server decodes known types
              .build();
      sluice.consume(
          request,
          flags.getInt("count", 3),
          m -> Json.print("id", m.getId(), "type", m.getEvent().getType(), "json", m.getEvent().getJson()));
    }
  }
}
