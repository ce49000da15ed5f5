package com.sluice.v1;

import static io.grpc.MethodDescriptor.generateFullMethodName;

/**
 * <pre>
 * SubscriberService delivers stream entries to consumers and takes their acks.
 * </pre>
 */
@javax.annotation.Generated(
    value = "by gRPC proto compiler",
    comments = "Source: sluice/v1/subscriber.proto")
@io.grpc.stub.annotations.GrpcGenerated
public final class SubscriberServiceGrpc {

  private SubscriberServiceGrpc() {}

  public static final String SERVICE_NAME = "sluice.v1.SubscriberService";

  // Static method descriptors that strictly reflect the proto.
  private static volatile io.grpc.MethodDescriptor<com.sluice.v1.SubscribeRequest,
      com.sluice.v1.SubscribeResponse> getSubscribeMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "Subscribe",
      requestType = com.sluice.v1.SubscribeRequest.class,
      responseType = com.sluice.v1.SubscribeResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING)
  public static io.grpc.MethodDescriptor<com.sluice.v1.SubscribeRequest,
      com.sluice.v1.SubscribeResponse> getSubscribeMethod() {
    io.grpc.MethodDescriptor<com.sluice.v1.SubscribeRequest, com.sluice.v1.SubscribeResponse> getSubscribeMethod;
    if ((getSubscribeMethod = SubscriberServiceGrpc.getSubscribeMethod) == null) {
      synchronized (SubscriberServiceGrpc.class) {
        if ((getSubscribeMethod = SubscriberServiceGrpc.getSubscribeMethod) == null) {
          SubscriberServiceGrpc.getSubscribeMethod = getSubscribeMethod =
              io.grpc.MethodDescriptor.<com.sluice.v1.SubscribeRequest, com.sluice.v1.SubscribeResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "Subscribe"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  com.sluice.v1.SubscribeRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  com.sluice.v1.SubscribeResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SubscriberServiceMethodDescriptorSupplier("Subscribe"))
              .build();
        }
      }
    }
    return getSubscribeMethod;
  }

  private static volatile io.grpc.MethodDescriptor<com.sluice.v1.AckRequest,
      com.sluice.v1.AckResponse> getAckMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "Ack",
      requestType = com.sluice.v1.AckRequest.class,
      responseType = com.sluice.v1.AckResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<com.sluice.v1.AckRequest,
      com.sluice.v1.AckResponse> getAckMethod() {
    io.grpc.MethodDescriptor<com.sluice.v1.AckRequest, com.sluice.v1.AckResponse> getAckMethod;
    if ((getAckMethod = SubscriberServiceGrpc.getAckMethod) == null) {
      synchronized (SubscriberServiceGrpc.class) {
        if ((getAckMethod = SubscriberServiceGrpc.getAckMethod) == null) {
          SubscriberServiceGrpc.getAckMethod = getAckMethod =
              io.grpc.MethodDescriptor.<com.sluice.v1.AckRequest, com.sluice.v1.AckResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "Ack"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  com.sluice.v1.AckRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  com.sluice.v1.AckResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SubscriberServiceMethodDescriptorSupplier("Ack"))
              .build();
        }
      }
    }
    return getAckMethod;
  }

  private static volatile io.grpc.MethodDescriptor<com.sluice.v1.NackRequest,
      com.sluice.v1.NackResponse> getNackMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "Nack",
      requestType = com.sluice.v1.NackRequest.class,
      responseType = com.sluice.v1.NackResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<com.sluice.v1.NackRequest,
      com.sluice.v1.NackResponse> getNackMethod() {
    io.grpc.MethodDescriptor<com.sluice.v1.NackRequest, com.sluice.v1.NackResponse> getNackMethod;
    if ((getNackMethod = SubscriberServiceGrpc.getNackMethod) == null) {
      synchronized (SubscriberServiceGrpc.class) {
        if ((getNackMethod = SubscriberServiceGrpc.getNackMethod) == null) {
          SubscriberServiceGrpc.getNackMethod = getNackMethod =
              io.grpc.MethodDescriptor.<com.sluice.v1.NackRequest, com.sluice.v1.NackResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "Nack"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  com.sluice.v1.NackRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  com.sluice.v1.NackResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SubscriberServiceMethodDescriptorSupplier("Nack"))
              .build();
        }
      }
    }
    return getNackMethod;
  }

  private static volatile io.grpc.MethodDescriptor<com.sluice.v1.ExtendAckDeadlineRequest,
      com.sluice.v1.ExtendAckDeadlineResponse> getExtendAckDeadlineMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ExtendAckDeadline",
      requestType = com.sluice.v1.ExtendAckDeadlineRequest.class,
      responseType = com.sluice.v1.ExtendAckDeadlineResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<com.sluice.v1.ExtendAckDeadlineRequest,
      com.sluice.v1.ExtendAckDeadlineResponse> getExtendAckDeadlineMethod() {
    io.grpc.MethodDescriptor<com.sluice.v1.ExtendAckDeadlineRequest, com.sluice.v1.ExtendAckDeadlineResponse> getExtendAckDeadlineMethod;
    if ((getExtendAckDeadlineMethod = SubscriberServiceGrpc.getExtendAckDeadlineMethod) == null) {
      synchronized (SubscriberServiceGrpc.class) {
        if ((getExtendAckDeadlineMethod = SubscriberServiceGrpc.getExtendAckDeadlineMethod) == null) {
          SubscriberServiceGrpc.getExtendAckDeadlineMethod = getExtendAckDeadlineMethod =
              io.grpc.MethodDescriptor.<com.sluice.v1.ExtendAckDeadlineRequest, com.sluice.v1.ExtendAckDeadlineResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ExtendAckDeadline"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  com.sluice.v1.ExtendAckDeadlineRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  com.sluice.v1.ExtendAckDeadlineResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SubscriberServiceMethodDescriptorSupplier("ExtendAckDeadline"))
              .build();
        }
      }
    }
    return getExtendAckDeadlineMethod;
  }

  private static volatile io.grpc.MethodDescriptor<com.sluice.v1.RejectRequest,
      com.sluice.v1.RejectResponse> getRejectMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "Reject",
      requestType = com.sluice.v1.RejectRequest.class,
      responseType = com.sluice.v1.RejectResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<com.sluice.v1.RejectRequest,
      com.sluice.v1.RejectResponse> getRejectMethod() {
    io.grpc.MethodDescriptor<com.sluice.v1.RejectRequest, com.sluice.v1.RejectResponse> getRejectMethod;
    if ((getRejectMethod = SubscriberServiceGrpc.getRejectMethod) == null) {
      synchronized (SubscriberServiceGrpc.class) {
        if ((getRejectMethod = SubscriberServiceGrpc.getRejectMethod) == null) {
          SubscriberServiceGrpc.getRejectMethod = getRejectMethod =
              io.grpc.MethodDescriptor.<com.sluice.v1.RejectRequest, com.sluice.v1.RejectResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "Reject"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  com.sluice.v1.RejectRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  com.sluice.v1.RejectResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SubscriberServiceMethodDescriptorSupplier("Reject"))
              .build();
        }
      }
    }
    return getRejectMethod;
  }

  /**
   * Creates a new async stub that supports all call types for the service
   */
  public static SubscriberServiceStub newStub(io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<SubscriberServiceStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<SubscriberServiceStub>() {
        @java.lang.Override
        public SubscriberServiceStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new SubscriberServiceStub(channel, callOptions);
        }
      };
    return SubscriberServiceStub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports unary and streaming output calls on the service
   */
  public static SubscriberServiceBlockingStub newBlockingStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<SubscriberServiceBlockingStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<SubscriberServiceBlockingStub>() {
        @java.lang.Override
        public SubscriberServiceBlockingStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new SubscriberServiceBlockingStub(channel, callOptions);
        }
      };
    return SubscriberServiceBlockingStub.newStub(factory, channel);
  }

  /**
   * Creates a new ListenableFuture-style stub that supports unary calls on the service
   */
  public static SubscriberServiceFutureStub newFutureStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<SubscriberServiceFutureStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<SubscriberServiceFutureStub>() {
        @java.lang.Override
        public SubscriberServiceFutureStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new SubscriberServiceFutureStub(channel, callOptions);
        }
      };
    return SubscriberServiceFutureStub.newStub(factory, channel);
  }

  /**
   * <pre>
   * SubscriberService delivers stream entries to consumers and takes their acks.
   * </pre>
   */
  public static abstract class SubscriberServiceImplBase implements io.grpc.BindableService {

    /**
     * <pre>
     * Subscribe opens a stream of deliveries.
     * With a group it joins the Redis consumer group (creating it, and the
     * stream, if missing: XGROUP CREATE ... MKSTREAM) and receives entries as
     * that group's consumer (XREADGROUP). Each message stays in the group's
     * pending entries list until acked. A subscriber that names a consumer
     * first receives that consumer's own still-pending entries again.
     * Without a group it is an independent reader (XREAD) from `start`:
     * every subscriber sees every entry, nothing is pending, nothing is acked.
     * A message that is not acked within the ack deadline after it was sent
     * is redelivered to a live subscriber of the group (after the retry
     * backoff), with delivery_attempt incremented; after max_deliveries
     * deliveries it goes to the stream's dead-letter stream instead. When the
     * subscription ends (the client cancels, the connection drops, or the
     * server shuts down) the messages it held become available to the group's
     * other subscribers at once.
     * The stream ends with UNAVAILABLE when the server shuts down.
     * </pre>
     */
    public void subscribe(com.sluice.v1.SubscribeRequest request,
        io.grpc.stub.StreamObserver<com.sluice.v1.SubscribeResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getSubscribeMethod(), responseObserver);
    }

    /**
     * <pre>
     * Ack acknowledges delivered messages (XACK, batched per stream and group).
     * Acking twice, or acking a message that is no longer pending, is not an
     * error: the result says so per ack ID. An ack ID that does not decode
     * fails the whole request with INVALID_ARGUMENT and acks nothing. Any
     * server replica can take an ack: the ack ID carries all that is needed.
     * </pre>
     */
    public void ack(com.sluice.v1.AckRequest request,
        io.grpc.stub.StreamObserver<com.sluice.v1.AckResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getAckMethod(), responseObserver);
    }

    /**
     * <pre>
     * Nack gives messages back for redelivery after a delay (default: the
     * subscription's retry backoff for that attempt). The schedule lives in
     * Redis's pending entries list, so it survives server restarts.
     * </pre>
     */
    public void nack(com.sluice.v1.NackRequest request,
        io.grpc.stub.StreamObserver<com.sluice.v1.NackResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getNackMethod(), responseObserver);
    }

    /**
     * <pre>
     * ExtendAckDeadline gives the holder more time: each message's deadline is
     * set to now plus the given duration. It does not count as a delivery.
     * </pre>
     */
    public void extendAckDeadline(com.sluice.v1.ExtendAckDeadlineRequest request,
        io.grpc.stub.StreamObserver<com.sluice.v1.ExtendAckDeadlineResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getExtendAckDeadlineMethod(), responseObserver);
    }

    /**
     * <pre>
     * Reject sends messages straight to the stream's dead-letter stream with
     * the caller's reason, and acks them, in one atomic step per message.
     * </pre>
     */
    public void reject(com.sluice.v1.RejectRequest request,
        io.grpc.stub.StreamObserver<com.sluice.v1.RejectResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getRejectMethod(), responseObserver);
    }

    @java.lang.Override public final io.grpc.ServerServiceDefinition bindService() {
      return io.grpc.ServerServiceDefinition.builder(getServiceDescriptor())
          .addMethod(
            getSubscribeMethod(),
            io.grpc.stub.ServerCalls.asyncServerStreamingCall(
              new MethodHandlers<
                com.sluice.v1.SubscribeRequest,
                com.sluice.v1.SubscribeResponse>(
                  this, METHODID_SUBSCRIBE)))
          .addMethod(
            getAckMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                com.sluice.v1.AckRequest,
                com.sluice.v1.AckResponse>(
                  this, METHODID_ACK)))
          .addMethod(
            getNackMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                com.sluice.v1.NackRequest,
                com.sluice.v1.NackResponse>(
                  this, METHODID_NACK)))
          .addMethod(
            getExtendAckDeadlineMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                com.sluice.v1.ExtendAckDeadlineRequest,
                com.sluice.v1.ExtendAckDeadlineResponse>(
                  this, METHODID_EXTEND_ACK_DEADLINE)))
          .addMethod(
            getRejectMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                com.sluice.v1.RejectRequest,
                com.sluice.v1.RejectResponse>(
                  this, METHODID_REJECT)))
          .build();
    }
  }

  /**
   * <pre>
   * SubscriberService delivers stream entries to consumers and takes their acks.
   * </pre>
   */
  public static final class SubscriberServiceStub extends io.grpc.stub.AbstractAsyncStub<SubscriberServiceStub> {
    private SubscriberServiceStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected SubscriberServiceStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new SubscriberServiceStub(channel, callOptions);
    }

    /**
     * <pre>
     * Subscribe opens a stream of deliveries.
     * With a group it joins the Redis consumer group (creating it, and the
     * stream, if missing: XGROUP CREATE ... MKSTREAM) and receives entries as
     * that group's consumer (XREADGROUP). Each message stays in the group's
     * pending entries list until acked. A subscriber that names a consumer
     * first receives that consumer's own still-pending entries again.
     * Without a group it is an independent reader (XREAD) from `start`:
     * every subscriber sees every entry, nothing is pending, nothing is acked.
     * A message that is not acked within the ack deadline after it was sent
     * is redelivered to a live subscriber of the group (after the retry
     * backoff), with delivery_attempt incremented; after max_deliveries
     * deliveries it goes to the stream's dead-letter stream instead. When the
     * subscription ends (the client cancels, the connection drops, or the
     * server shuts down) the messages it held become available to the group's
     * other subscribers at once.
     * The stream ends with UNAVAILABLE when the server shuts down.
     * </pre>
     */
    public void subscribe(com.sluice.v1.SubscribeRequest request,
        io.grpc.stub.StreamObserver<com.sluice.v1.SubscribeResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncServerStreamingCall(
          getChannel().newCall(getSubscribeMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Ack acknowledges delivered messages (XACK, batched per stream and group).
     * Acking twice, or acking a message that is no longer pending, is not an
     * error: the result says so per ack ID. An ack ID that does not decode
     * fails the whole request with INVALID_ARGUMENT and acks nothing. Any
     * server replica can take an ack: the ack ID carries all that is needed.
     * </pre>
     */
    public void ack(com.sluice.v1.AckRequest request,
        io.grpc.stub.StreamObserver<com.sluice.v1.AckResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getAckMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Nack gives messages back for redelivery after a delay (default: the
     * subscription's retry backoff for that attempt). The schedule lives in
     * Redis's pending entries list, so it survives server restarts.
     * </pre>
     */
    public void nack(com.sluice.v1.NackRequest request,
        io.grpc.stub.StreamObserver<com.sluice.v1.NackResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getNackMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * ExtendAckDeadline gives the holder more time: each message's deadline is
     * set to now plus the given duration. It does not count as a delivery.
     * </pre>
     */
    public void extendAckDeadline(com.sluice.v1.ExtendAckDeadlineRequest request,
        io.grpc.stub.StreamObserver<com.sluice.v1.ExtendAckDeadlineResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getExtendAckDeadlineMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Reject sends messages straight to the stream's dead-letter stream with
     * the caller's reason, and acks them, in one atomic step per message.
     * </pre>
     */
    public void reject(com.sluice.v1.RejectRequest request,
        io.grpc.stub.StreamObserver<com.sluice.v1.RejectResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getRejectMethod(), getCallOptions()), request, responseObserver);
    }
  }

  /**
   * <pre>
   * SubscriberService delivers stream entries to consumers and takes their acks.
   * </pre>
   */
  public static final class SubscriberServiceBlockingStub extends io.grpc.stub.AbstractBlockingStub<SubscriberServiceBlockingStub> {
    private SubscriberServiceBlockingStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected SubscriberServiceBlockingStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new SubscriberServiceBlockingStub(channel, callOptions);
    }

    /**
     * <pre>
     * Subscribe opens a stream of deliveries.
     * With a group it joins the Redis consumer group (creating it, and the
     * stream, if missing: XGROUP CREATE ... MKSTREAM) and receives entries as
     * that group's consumer (XREADGROUP). Each message stays in the group's
     * pending entries list until acked. A subscriber that names a consumer
     * first receives that consumer's own still-pending entries again.
     * Without a group it is an independent reader (XREAD) from `start`:
     * every subscriber sees every entry, nothing is pending, nothing is acked.
     * A message that is not acked within the ack deadline after it was sent
     * is redelivered to a live subscriber of the group (after the retry
     * backoff), with delivery_attempt incremented; after max_deliveries
     * deliveries it goes to the stream's dead-letter stream instead. When the
     * subscription ends (the client cancels, the connection drops, or the
     * server shuts down) the messages it held become available to the group's
     * other subscribers at once.
     * The stream ends with UNAVAILABLE when the server shuts down.
     * </pre>
     */
    public java.util.Iterator<com.sluice.v1.SubscribeResponse> subscribe(
        com.sluice.v1.SubscribeRequest request) {
      return io.grpc.stub.ClientCalls.blockingServerStreamingCall(
          getChannel(), getSubscribeMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Ack acknowledges delivered messages (XACK, batched per stream and group).
     * Acking twice, or acking a message that is no longer pending, is not an
     * error: the result says so per ack ID. An ack ID that does not decode
     * fails the whole request with INVALID_ARGUMENT and acks nothing. Any
     * server replica can take an ack: the ack ID carries all that is needed.
     * </pre>
     */
    public com.sluice.v1.AckResponse ack(com.sluice.v1.AckRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getAckMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Nack gives messages back for redelivery after a delay (default: the
     * subscription's retry backoff for that attempt). The schedule lives in
     * Redis's pending entries list, so it survives server restarts.
     * </pre>
     */
    public com.sluice.v1.NackResponse nack(com.sluice.v1.NackRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getNackMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * ExtendAckDeadline gives the holder more time: each message's deadline is
     * set to now plus the given duration. It does not count as a delivery.
     * </pre>
     */
    public com.sluice.v1.ExtendAckDeadlineResponse extendAckDeadline(com.sluice.v1.ExtendAckDeadlineRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getExtendAckDeadlineMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Reject sends messages straight to the stream's dead-letter stream with
     * the caller's reason, and acks them, in one atomic step per message.
     * </pre>
     */
    public com.sluice.v1.RejectResponse reject(com.sluice.v1.RejectRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getRejectMethod(), getCallOptions(), request);
    }
  }

  /**
   * <pre>
   * SubscriberService delivers stream entries to consumers and takes their acks.
   * </pre>
   */
  public static final class SubscriberServiceFutureStub extends io.grpc.stub.AbstractFutureStub<SubscriberServiceFutureStub> {
    private SubscriberServiceFutureStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected SubscriberServiceFutureStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new SubscriberServiceFutureStub(channel, callOptions);
    }

    /**
     * <pre>
     * Ack acknowledges delivered messages (XACK, batched per stream and group).
     * Acking twice, or acking a message that is no longer pending, is not an
     * error: the result says so per ack ID. An ack ID that does not decode
     * fails the whole request with INVALID_ARGUMENT and acks nothing. Any
     * server replica can take an ack: the ack ID carries all that is needed.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<com.sluice.v1.AckResponse> ack(
        com.sluice.v1.AckRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getAckMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Nack gives messages back for redelivery after a delay (default: the
     * subscription's retry backoff for that attempt). The schedule lives in
     * Redis's pending entries list, so it survives server restarts.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<com.sluice.v1.NackResponse> nack(
        com.sluice.v1.NackRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getNackMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * ExtendAckDeadline gives the holder more time: each message's deadline is
     * set to now plus the given duration. It does not count as a delivery.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<com.sluice.v1.ExtendAckDeadlineResponse> extendAckDeadline(
        com.sluice.v1.ExtendAckDeadlineRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getExtendAckDeadlineMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Reject sends messages straight to the stream's dead-letter stream with
     * the caller's reason, and acks them, in one atomic step per message.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<com.sluice.v1.RejectResponse> reject(
        com.sluice.v1.RejectRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getRejectMethod(), getCallOptions()), request);
    }
  }

  private static final int METHODID_SUBSCRIBE = 0;
  private static final int METHODID_ACK = 1;
  private static final int METHODID_NACK = 2;
  private static final int METHODID_EXTEND_ACK_DEADLINE = 3;
  private static final int METHODID_REJECT = 4;

  private static final class MethodHandlers<Req, Resp> implements
      io.grpc.stub.ServerCalls.UnaryMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ServerStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ClientStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.BidiStreamingMethod<Req, Resp> {
    private final SubscriberServiceImplBase serviceImpl;
    private final int methodId;

    MethodHandlers(SubscriberServiceImplBase serviceImpl, int methodId) {
      this.serviceImpl = serviceImpl;
      this.methodId = methodId;
    }

    @java.lang.Override
    @java.lang.SuppressWarnings("unchecked")
    public void invoke(Req request, io.grpc.stub.StreamObserver<Resp> responseObserver) {
      switch (methodId) {
        case METHODID_SUBSCRIBE:
          serviceImpl.subscribe((com.sluice.v1.SubscribeRequest) request,
              (io.grpc.stub.StreamObserver<com.sluice.v1.SubscribeResponse>) responseObserver);
          break;
        case METHODID_ACK:
          serviceImpl.ack((com.sluice.v1.AckRequest) request,
              (io.grpc.stub.StreamObserver<com.sluice.v1.AckResponse>) responseObserver);
          break;
        case METHODID_NACK:
          serviceImpl.nack((com.sluice.v1.NackRequest) request,
              (io.grpc.stub.StreamObserver<com.sluice.v1.NackResponse>) responseObserver);
          break;
        case METHODID_EXTEND_ACK_DEADLINE:
          serviceImpl.extendAckDeadline((com.sluice.v1.ExtendAckDeadlineRequest) request,
              (io.grpc.stub.StreamObserver<com.sluice.v1.ExtendAckDeadlineResponse>) responseObserver);
          break;
        case METHODID_REJECT:
          serviceImpl.reject((com.sluice.v1.RejectRequest) request,
              (io.grpc.stub.StreamObserver<com.sluice.v1.RejectResponse>) responseObserver);
          break;
        default:
          throw new AssertionError();
      }
    }

    @java.lang.Override
    @java.lang.SuppressWarnings("unchecked")
    public io.grpc.stub.StreamObserver<Req> invoke(
        io.grpc.stub.StreamObserver<Resp> responseObserver) {
      switch (methodId) {
        default:
          throw new AssertionError();
      }
    }
  }

  private static abstract class SubscriberServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoFileDescriptorSupplier, io.grpc.protobuf.ProtoServiceDescriptorSupplier {
    SubscriberServiceBaseDescriptorSupplier() {}

    @java.lang.Override
    public com.google.protobuf.Descriptors.FileDescriptor getFileDescriptor() {
      return com.sluice.v1.SubscriberProto.getDescriptor();
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.ServiceDescriptor getServiceDescriptor() {
      return getFileDescriptor().findServiceByName("SubscriberService");
    }
  }

  private static final class SubscriberServiceFileDescriptorSupplier
      extends SubscriberServiceBaseDescriptorSupplier {
    SubscriberServiceFileDescriptorSupplier() {}
  }

  private static final class SubscriberServiceMethodDescriptorSupplier
      extends SubscriberServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoMethodDescriptorSupplier {
    private final String methodName;

    SubscriberServiceMethodDescriptorSupplier(String methodName) {
      this.methodName = methodName;
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.MethodDescriptor getMethodDescriptor() {
      return getServiceDescriptor().findMethodByName(methodName);
    }
  }

  private static volatile io.grpc.ServiceDescriptor serviceDescriptor;

  public static io.grpc.ServiceDescriptor getServiceDescriptor() {
    io.grpc.ServiceDescriptor result = serviceDescriptor;
    if (result == null) {
      synchronized (SubscriberServiceGrpc.class) {
        result = serviceDescriptor;
        if (result == null) {
          serviceDescriptor = result = io.grpc.ServiceDescriptor.newBuilder(SERVICE_NAME)
              .setSchemaDescriptor(new SubscriberServiceFileDescriptorSupplier())
              .addMethod(getSubscribeMethod())
              .addMethod(getAckMethod())
              .addMethod(getNackMethod())
              .addMethod(getExtendAckDeadlineMethod())
              .addMethod(getRejectMethod())
              .build();
        }
      }
    }
    return result;
  }
}
