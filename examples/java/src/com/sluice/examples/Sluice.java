package com.sluice.examples;

import com.google.protobuf.ByteString;
import com.sluice.v1.AckRequest;
import com.sluice.v1.AdminServiceGrpc;
import com.sluice.v1.DeadLetterServiceGrpc;
import com.sluice.v1.Event;
import com.sluice.v1.Message;
import com.sluice.v1.NackRequest;
import com.sluice.v1.PublishRequest;
import com.sluice.v1.PublishResponse;
import com.sluice.v1.PublisherServiceGrpc;
import com.sluice.v1.SubscribeRequest;
import com.sluice.v1.SubscribeResponse;
import com.sluice.v1.SubscriberServiceGrpc;
import io.grpc.CallCredentials;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import java.io.File;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * Small helpers over the generated Sluice stubs (gen/java). Copy what you need.
 *
 * <p>{@code Sluice.connect} opens a channel to sluiced (plaintext, or TLS with a CA file) that
 * sends an optional bearer token with every call; the stubs are public fields.
 */
public final class Sluice implements AutoCloseable {
  public final ManagedChannel channel;
  public final PublisherServiceGrpc.PublisherServiceBlockingStub publisher;
  public final SubscriberServiceGrpc.SubscriberServiceBlockingStub subscriber;
  public final DeadLetterServiceGrpc.DeadLetterServiceBlockingStub deadLetters;
  public final AdminServiceGrpc.AdminServiceBlockingStub admin;

  private Sluice(ManagedChannel channel, String token) {
    this.channel = channel;
    CallCredentials creds = token == null || token.isEmpty() ? null : new Bearer(token);
    this.publisher = PublisherServiceGrpc.newBlockingStub(channel).withCallCredentials(creds);
    this.subscriber = SubscriberServiceGrpc.newBlockingStub(channel).withCallCredentials(creds);
    this.deadLetters = DeadLetterServiceGrpc.newBlockingStub(channel).withCallCredentials(creds);
    this.admin = AdminServiceGrpc.newBlockingStub(channel).withCallCredentials(creds);
  }

  /**
   * Connects to sluiced at host:port. With caFile (PEM), the connection is TLS and the server's
   * certificate must chain to it; otherwise it is plaintext. With a token, every call carries
   * "authorization: Bearer token".
   */
  public static Sluice connect(String server, String token, File caFile) throws Exception {
    NettyChannelBuilder b = NettyChannelBuilder.forTarget(server);
    if (caFile != null) {
      b.sslContext(GrpcSslContexts.forClient().trustManager(caFile).build());
    } else {
      b.usePlaintext();
    }
    return new Sluice(b.build(), token);
  }

  /** Connects with the --server, --token and --tls-ca flags every example takes. */
  public static Sluice connect(Flags flags) throws Exception {
    String ca = flags.get("tls-ca", "");
    return connect(
        flags.get("server", "127.0.0.1:7070"),
        flags.get("token", System.getenv().getOrDefault("SLUICE_TOKEN", "")),
        ca.isEmpty() ? null : new File(ca));
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  /**
   * An event carrying a protobuf message: its type is the message's full name. Set the rest on
   * the returned builder: key, headers, idempotency key; deliver_at or deliver_after to schedule
   * it (it is not in the stream until then); expire_at or ttl to make it expire (a group not sent
   * it by then never is).
   */
  public static Event.Builder event(com.google.protobuf.Message message) {
    return Event.newBuilder()
        .setType(message.getDescriptorForType().getFullName())
        .setPayload(message.toByteString());
  }

  /** An event with an opaque payload of the given type and content type. */
  public static Event.Builder event(String type, String contentType, byte[] payload) {
    return Event.newBuilder()
        .setType(type)
        .setContentType(contentType)
        .setPayload(ByteString.copyFrom(payload));
  }

  /** Publishes events in one batch; returns their entry IDs, in order. */
  public List<String> publish(String stream, Event... events) {
    return publishStream(stream, events).getIdsList();
  }

  /**
   * Publishes events that carry deliver_at or deliver_after; returns their schedule IDs (for
   * AdminService.CancelScheduled), "" for an event stored now.
   */
  public List<String> schedule(String stream, Event... events) {
    return publishStream(stream, events).getScheduleIdsList();
  }

  private PublishResponse publishStream(String stream, Event... events) {
    return publisher.publish(
        PublishRequest.newBuilder().setStream(stream).addAllEvents(Arrays.asList(events)).build());
  }

  /** Publishes events to a partitioned topic; the response has each one's partition and ID. */
  public PublishResponse publishTopic(String topic, Event... events) {
    return publisher.publish(
        PublishRequest.newBuilder().setTopic(topic).addAllEvents(Arrays.asList(events)).build());
  }

  /** A handler for delivered messages: returning acks the message, throwing nacks it. */
  @FunctionalInterface
  public interface Handler {
    void handle(Message m) throws Exception;
  }

  /** Opens a Subscribe stream; see {@link Subscription#run}. */
  public Subscription subscribe(SubscribeRequest request) {
    return new Subscription(this, request);
  }

  /** Subscribes and runs handler for count messages (count 0: until cancelled). */
  public int consume(SubscribeRequest request, int count, Handler handler) {
    return subscribe(request).run(handler, count);
  }

  /**
   * One Subscribe stream, consumed with a handler. run calls the handler for each delivered
   * message: returning normally acks it; throwing nacks it with the exception's message as the
   * reason, so the group redelivers it after the retry backoff (or dead-letters it after
   * max_deliveries). Messages of independent readers (no group) are not settled. cancel() ends
   * run from another thread.
   */
  public static final class Subscription {
    private final Sluice sluice;
    private final SubscribeRequest request;
    private final Context.CancellableContext context = Context.current().withCancellation();

    private Subscription(Sluice sluice, SubscribeRequest request) {
      this.sluice = sluice;
      this.request = request;
    }

    /** Blocks until count messages were handled (count 0: no limit) or cancel(). */
    public int run(Handler handler, int count) {
      int seen = 0;
      Context previous = context.attach();
      try {
        Iterator<SubscribeResponse> it = sluice.subscriber.subscribe(request);
        while (it.hasNext()) {
          for (Message m : it.next().getMessagesList()) {
            settle(m, handler);
            seen++;
            if (count > 0 && seen >= count) {
              return seen;
            }
          }
        }
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.CANCELLED) {
          throw e;
        }
      } finally {
        context.detach(previous);
        context.cancel(null); // ends the stream on the server too
      }
      return seen;
    }

    public void cancel() {
      context.cancel(null);
    }

    private void settle(Message m, Handler handler) {
      // Settle outside the subscription's context: a cancel must not lose the ack of a message
      // the handler finished.
      Context.ROOT.run(
          () -> {
            try {
              handler.handle(m);
            } catch (Exception e) {
              if (!m.getAckId().isEmpty()) {
                String reason = String.valueOf(e.getMessage());
                sluice.subscriber.nack(
                    NackRequest.newBuilder()
                        .addAckIds(m.getAckId())
                        .setReason(reason.substring(0, Math.min(reason.length(), 1024)))
                        .build());
              }
              return;
            }
            if (!m.getAckId().isEmpty()) {
              sluice.subscriber.ack(AckRequest.newBuilder().addAckIds(m.getAckId()).build());
            }
          });
    }
  }

  private static final class Bearer extends CallCredentials {
    private static final Metadata.Key<String> AUTHORIZATION =
        Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private final String value;

    Bearer(String token) {
      this.value = "Bearer " + token;
    }

    @Override
    public void applyRequestMetadata(RequestInfo info, Executor executor, MetadataApplier applier) {
      Metadata md = new Metadata();
      md.put(AUTHORIZATION, value);
      applier.apply(md);
    }

    @Override
    public void thisUsesUnstableApi() {}
  }
}
