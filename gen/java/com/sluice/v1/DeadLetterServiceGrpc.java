package com.sluice.v1;

import static io.grpc.MethodDescriptor.generateFullMethodName;

/**
 * <pre>
 * DeadLetterService manages dead-letter streams. Each stream S has one, the
 * Redis stream "{S}:sluice:dlq" (in S's Cluster hash slot), holding messages
 * that were rejected or exceeded their group's max deliveries.
 * </pre>
 */
@javax.annotation.Generated(
    value = "by gRPC proto compiler",
    comments = "Source: sluice/v1/deadletter.proto")
@io.grpc.stub.annotations.GrpcGenerated
public final class DeadLetterServiceGrpc {

  private DeadLetterServiceGrpc() {}

  public static final String SERVICE_NAME = "sluice.v1.DeadLetterService";

  // Static method descriptors that strictly reflect the proto.
  private static volatile io.grpc.MethodDescriptor<com.sluice.v1.ListDeadLettersRequest,
      com.sluice.v1.ListDeadLettersResponse> getListDeadLettersMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ListDeadLetters",
      requestType = com.sluice.v1.ListDeadLettersRequest.class,
      responseType = com.sluice.v1.ListDeadLettersResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<com.sluice.v1.ListDeadLettersRequest,
      com.sluice.v1.ListDeadLettersResponse> getListDeadLettersMethod() {
    io.grpc.MethodDescriptor<com.sluice.v1.ListDeadLettersRequest, com.sluice.v1.ListDeadLettersResponse> getListDeadLettersMethod;
    if ((getListDeadLettersMethod = DeadLetterServiceGrpc.getListDeadLettersMethod) == null) {
      synchronized (DeadLetterServiceGrpc.class) {
        if ((getListDeadLettersMethod = DeadLetterServiceGrpc.getListDeadLettersMethod) == null) {
          DeadLetterServiceGrpc.getListDeadLettersMethod = getListDeadLettersMethod =
              io.grpc.MethodDescriptor.<com.sluice.v1.ListDeadLettersRequest, com.sluice.v1.ListDeadLettersResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ListDeadLetters"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  com.sluice.v1.ListDeadLettersRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  com.sluice.v1.ListDeadLettersResponse.getDefaultInstance()))
              .setSchemaDescriptor(new DeadLetterServiceMethodDescriptorSupplier("ListDeadLetters"))
              .build();
        }
      }
    }
    return getListDeadLettersMethod;
  }

  private static volatile io.grpc.MethodDescriptor<com.sluice.v1.RedriveDeadLettersRequest,
      com.sluice.v1.RedriveDeadLettersResponse> getRedriveDeadLettersMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "RedriveDeadLetters",
      requestType = com.sluice.v1.RedriveDeadLettersRequest.class,
      responseType = com.sluice.v1.RedriveDeadLettersResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<com.sluice.v1.RedriveDeadLettersRequest,
      com.sluice.v1.RedriveDeadLettersResponse> getRedriveDeadLettersMethod() {
    io.grpc.MethodDescriptor<com.sluice.v1.RedriveDeadLettersRequest, com.sluice.v1.RedriveDeadLettersResponse> getRedriveDeadLettersMethod;
    if ((getRedriveDeadLettersMethod = DeadLetterServiceGrpc.getRedriveDeadLettersMethod) == null) {
      synchronized (DeadLetterServiceGrpc.class) {
        if ((getRedriveDeadLettersMethod = DeadLetterServiceGrpc.getRedriveDeadLettersMethod) == null) {
          DeadLetterServiceGrpc.getRedriveDeadLettersMethod = getRedriveDeadLettersMethod =
              io.grpc.MethodDescriptor.<com.sluice.v1.RedriveDeadLettersRequest, com.sluice.v1.RedriveDeadLettersResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "RedriveDeadLetters"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  com.sluice.v1.RedriveDeadLettersRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  com.sluice.v1.RedriveDeadLettersResponse.getDefaultInstance()))
              .setSchemaDescriptor(new DeadLetterServiceMethodDescriptorSupplier("RedriveDeadLetters"))
              .build();
        }
      }
    }
    return getRedriveDeadLettersMethod;
  }

  private static volatile io.grpc.MethodDescriptor<com.sluice.v1.PurgeDeadLettersRequest,
      com.sluice.v1.PurgeDeadLettersResponse> getPurgeDeadLettersMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "PurgeDeadLetters",
      requestType = com.sluice.v1.PurgeDeadLettersRequest.class,
      responseType = com.sluice.v1.PurgeDeadLettersResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<com.sluice.v1.PurgeDeadLettersRequest,
      com.sluice.v1.PurgeDeadLettersResponse> getPurgeDeadLettersMethod() {
    io.grpc.MethodDescriptor<com.sluice.v1.PurgeDeadLettersRequest, com.sluice.v1.PurgeDeadLettersResponse> getPurgeDeadLettersMethod;
    if ((getPurgeDeadLettersMethod = DeadLetterServiceGrpc.getPurgeDeadLettersMethod) == null) {
      synchronized (DeadLetterServiceGrpc.class) {
        if ((getPurgeDeadLettersMethod = DeadLetterServiceGrpc.getPurgeDeadLettersMethod) == null) {
          DeadLetterServiceGrpc.getPurgeDeadLettersMethod = getPurgeDeadLettersMethod =
              io.grpc.MethodDescriptor.<com.sluice.v1.PurgeDeadLettersRequest, com.sluice.v1.PurgeDeadLettersResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "PurgeDeadLetters"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  com.sluice.v1.PurgeDeadLettersRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  com.sluice.v1.PurgeDeadLettersResponse.getDefaultInstance()))
              .setSchemaDescriptor(new DeadLetterServiceMethodDescriptorSupplier("PurgeDeadLetters"))
              .build();
        }
      }
    }
    return getPurgeDeadLettersMethod;
  }

  /**
   * Creates a new async stub that supports all call types for the service
   */
  public static DeadLetterServiceStub newStub(io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<DeadLetterServiceStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<DeadLetterServiceStub>() {
        @java.lang.Override
        public DeadLetterServiceStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new DeadLetterServiceStub(channel, callOptions);
        }
      };
    return DeadLetterServiceStub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports unary and streaming output calls on the service
   */
  public static DeadLetterServiceBlockingStub newBlockingStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<DeadLetterServiceBlockingStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<DeadLetterServiceBlockingStub>() {
        @java.lang.Override
        public DeadLetterServiceBlockingStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new DeadLetterServiceBlockingStub(channel, callOptions);
        }
      };
    return DeadLetterServiceBlockingStub.newStub(factory, channel);
  }

  /**
   * Creates a new ListenableFuture-style stub that supports unary calls on the service
   */
  public static DeadLetterServiceFutureStub newFutureStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<DeadLetterServiceFutureStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<DeadLetterServiceFutureStub>() {
        @java.lang.Override
        public DeadLetterServiceFutureStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new DeadLetterServiceFutureStub(channel, callOptions);
        }
      };
    return DeadLetterServiceFutureStub.newStub(factory, channel);
  }

  /**
   * <pre>
   * DeadLetterService manages dead-letter streams. Each stream S has one, the
   * Redis stream "{S}:sluice:dlq" (in S's Cluster hash slot), holding messages
   * that were rejected or exceeded their group's max deliveries.
   * </pre>
   */
  public static abstract class DeadLetterServiceImplBase implements io.grpc.BindableService {

    /**
     * <pre>
     * ListDeadLetters pages through a stream's dead letters, oldest first.
     * </pre>
     */
    public void listDeadLetters(com.sluice.v1.ListDeadLettersRequest request,
        io.grpc.stub.StreamObserver<com.sluice.v1.ListDeadLettersResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getListDeadLettersMethod(), responseObserver);
    }

    /**
     * <pre>
     * RedriveDeadLetters publishes dead letters again, to their source stream
     * or another, and removes them from the dead-letter stream. Each redriven
     * event carries the headers "sluice-dead-letter-id" (its record's ID) and
     * "sluice-dead-letter-reason".
     * </pre>
     */
    public void redriveDeadLetters(com.sluice.v1.RedriveDeadLettersRequest request,
        io.grpc.stub.StreamObserver<com.sluice.v1.RedriveDeadLettersResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getRedriveDeadLettersMethod(), responseObserver);
    }

    /**
     * <pre>
     * PurgeDeadLetters deletes dead letters.
     * </pre>
     */
    public void purgeDeadLetters(com.sluice.v1.PurgeDeadLettersRequest request,
        io.grpc.stub.StreamObserver<com.sluice.v1.PurgeDeadLettersResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getPurgeDeadLettersMethod(), responseObserver);
    }

    @java.lang.Override public final io.grpc.ServerServiceDefinition bindService() {
      return io.grpc.ServerServiceDefinition.builder(getServiceDescriptor())
          .addMethod(
            getListDeadLettersMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                com.sluice.v1.ListDeadLettersRequest,
                com.sluice.v1.ListDeadLettersResponse>(
                  this, METHODID_LIST_DEAD_LETTERS)))
          .addMethod(
            getRedriveDeadLettersMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                com.sluice.v1.RedriveDeadLettersRequest,
                com.sluice.v1.RedriveDeadLettersResponse>(
                  this, METHODID_REDRIVE_DEAD_LETTERS)))
          .addMethod(
            getPurgeDeadLettersMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                com.sluice.v1.PurgeDeadLettersRequest,
                com.sluice.v1.PurgeDeadLettersResponse>(
                  this, METHODID_PURGE_DEAD_LETTERS)))
          .build();
    }
  }

  /**
   * <pre>
   * DeadLetterService manages dead-letter streams. Each stream S has one, the
   * Redis stream "{S}:sluice:dlq" (in S's Cluster hash slot), holding messages
   * that were rejected or exceeded their group's max deliveries.
   * </pre>
   */
  public static final class DeadLetterServiceStub extends io.grpc.stub.AbstractAsyncStub<DeadLetterServiceStub> {
    private DeadLetterServiceStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected DeadLetterServiceStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new DeadLetterServiceStub(channel, callOptions);
    }

    /**
     * <pre>
     * ListDeadLetters pages through a stream's dead letters, oldest first.
     * </pre>
     */
    public void listDeadLetters(com.sluice.v1.ListDeadLettersRequest request,
        io.grpc.stub.StreamObserver<com.sluice.v1.ListDeadLettersResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getListDeadLettersMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * RedriveDeadLetters publishes dead letters again, to their source stream
     * or another, and removes them from the dead-letter stream. Each redriven
     * event carries the headers "sluice-dead-letter-id" (its record's ID) and
     * "sluice-dead-letter-reason".
     * </pre>
     */
    public void redriveDeadLetters(com.sluice.v1.RedriveDeadLettersRequest request,
        io.grpc.stub.StreamObserver<com.sluice.v1.RedriveDeadLettersResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getRedriveDeadLettersMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * PurgeDeadLetters deletes dead letters.
     * </pre>
     */
    public void purgeDeadLetters(com.sluice.v1.PurgeDeadLettersRequest request,
        io.grpc.stub.StreamObserver<com.sluice.v1.PurgeDeadLettersResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getPurgeDeadLettersMethod(), getCallOptions()), request, responseObserver);
    }
  }

  /**
   * <pre>
   * DeadLetterService manages dead-letter streams. Each stream S has one, the
   * Redis stream "{S}:sluice:dlq" (in S's Cluster hash slot), holding messages
   * that were rejected or exceeded their group's max deliveries.
   * </pre>
   */
  public static final class DeadLetterServiceBlockingStub extends io.grpc.stub.AbstractBlockingStub<DeadLetterServiceBlockingStub> {
    private DeadLetterServiceBlockingStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected DeadLetterServiceBlockingStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new DeadLetterServiceBlockingStub(channel, callOptions);
    }

    /**
     * <pre>
     * ListDeadLetters pages through a stream's dead letters, oldest first.
     * </pre>
     */
    public com.sluice.v1.ListDeadLettersResponse listDeadLetters(com.sluice.v1.ListDeadLettersRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getListDeadLettersMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * RedriveDeadLetters publishes dead letters again, to their source stream
     * or another, and removes them from the dead-letter stream. Each redriven
     * event carries the headers "sluice-dead-letter-id" (its record's ID) and
     * "sluice-dead-letter-reason".
     * </pre>
     */
    public com.sluice.v1.RedriveDeadLettersResponse redriveDeadLetters(com.sluice.v1.RedriveDeadLettersRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getRedriveDeadLettersMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * PurgeDeadLetters deletes dead letters.
     * </pre>
     */
    public com.sluice.v1.PurgeDeadLettersResponse purgeDeadLetters(com.sluice.v1.PurgeDeadLettersRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getPurgeDeadLettersMethod(), getCallOptions(), request);
    }
  }

  /**
   * <pre>
   * DeadLetterService manages dead-letter streams. Each stream S has one, the
   * Redis stream "{S}:sluice:dlq" (in S's Cluster hash slot), holding messages
   * that were rejected or exceeded their group's max deliveries.
   * </pre>
   */
  public static final class DeadLetterServiceFutureStub extends io.grpc.stub.AbstractFutureStub<DeadLetterServiceFutureStub> {
    private DeadLetterServiceFutureStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected DeadLetterServiceFutureStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new DeadLetterServiceFutureStub(channel, callOptions);
    }

    /**
     * <pre>
     * ListDeadLetters pages through a stream's dead letters, oldest first.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<com.sluice.v1.ListDeadLettersResponse> listDeadLetters(
        com.sluice.v1.ListDeadLettersRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getListDeadLettersMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * RedriveDeadLetters publishes dead letters again, to their source stream
     * or another, and removes them from the dead-letter stream. Each redriven
     * event carries the headers "sluice-dead-letter-id" (its record's ID) and
     * "sluice-dead-letter-reason".
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<com.sluice.v1.RedriveDeadLettersResponse> redriveDeadLetters(
        com.sluice.v1.RedriveDeadLettersRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getRedriveDeadLettersMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * PurgeDeadLetters deletes dead letters.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<com.sluice.v1.PurgeDeadLettersResponse> purgeDeadLetters(
        com.sluice.v1.PurgeDeadLettersRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getPurgeDeadLettersMethod(), getCallOptions()), request);
    }
  }

  private static final int METHODID_LIST_DEAD_LETTERS = 0;
  private static final int METHODID_REDRIVE_DEAD_LETTERS = 1;
  private static final int METHODID_PURGE_DEAD_LETTERS = 2;

  private static final class MethodHandlers<Req, Resp> implements
      io.grpc.stub.ServerCalls.UnaryMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ServerStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ClientStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.BidiStreamingMethod<Req, Resp> {
    private final DeadLetterServiceImplBase serviceImpl;
    private final int methodId;

    MethodHandlers(DeadLetterServiceImplBase serviceImpl, int methodId) {
      this.serviceImpl = serviceImpl;
      this.methodId = methodId;
    }

    @java.lang.Override
    @java.lang.SuppressWarnings("unchecked")
    public void invoke(Req request, io.grpc.stub.StreamObserver<Resp> responseObserver) {
      switch (methodId) {
        case METHODID_LIST_DEAD_LETTERS:
          serviceImpl.listDeadLetters((com.sluice.v1.ListDeadLettersRequest) request,
              (io.grpc.stub.StreamObserver<com.sluice.v1.ListDeadLettersResponse>) responseObserver);
          break;
        case METHODID_REDRIVE_DEAD_LETTERS:
          serviceImpl.redriveDeadLetters((com.sluice.v1.RedriveDeadLettersRequest) request,
              (io.grpc.stub.StreamObserver<com.sluice.v1.RedriveDeadLettersResponse>) responseObserver);
          break;
        case METHODID_PURGE_DEAD_LETTERS:
          serviceImpl.purgeDeadLetters((com.sluice.v1.PurgeDeadLettersRequest) request,
              (io.grpc.stub.StreamObserver<com.sluice.v1.PurgeDeadLettersResponse>) responseObserver);
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

  private static abstract class DeadLetterServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoFileDescriptorSupplier, io.grpc.protobuf.ProtoServiceDescriptorSupplier {
    DeadLetterServiceBaseDescriptorSupplier() {}

    @java.lang.Override
    public com.google.protobuf.Descriptors.FileDescriptor getFileDescriptor() {
      return com.sluice.v1.DeadletterProto.getDescriptor();
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.ServiceDescriptor getServiceDescriptor() {
      return getFileDescriptor().findServiceByName("DeadLetterService");
    }
  }

  private static final class DeadLetterServiceFileDescriptorSupplier
      extends DeadLetterServiceBaseDescriptorSupplier {
    DeadLetterServiceFileDescriptorSupplier() {}
  }

  private static final class DeadLetterServiceMethodDescriptorSupplier
      extends DeadLetterServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoMethodDescriptorSupplier {
    private final String methodName;

    DeadLetterServiceMethodDescriptorSupplier(String methodName) {
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
      synchronized (DeadLetterServiceGrpc.class) {
        result = serviceDescriptor;
        if (result == null) {
          serviceDescriptor = result = io.grpc.ServiceDescriptor.newBuilder(SERVICE_NAME)
              .setSchemaDescriptor(new DeadLetterServiceFileDescriptorSupplier())
              .addMethod(getListDeadLettersMethod())
              .addMethod(getRedriveDeadLettersMethod())
              .addMethod(getPurgeDeadLettersMethod())
              .build();
        }
      }
    }
    return result;
  }
}
