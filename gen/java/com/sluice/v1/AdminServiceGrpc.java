package com.sluice.v1;

import static io.grpc.MethodDescriptor.generateFullMethodName;

/**
 * <pre>
 * AdminService inspects and controls streams and consumer groups, so that
 * nobody has to drop to redis-cli in an incident. Every RPC needs the admin
 * permission on the stream.
 * </pre>
 */
@javax.annotation.Generated(
    value = "by gRPC proto compiler",
    comments = "Source: sluice/v1/admin.proto")
@io.grpc.stub.annotations.GrpcGenerated
public final class AdminServiceGrpc {

  private AdminServiceGrpc() {}

  public static final String SERVICE_NAME = "sluice.v1.AdminService";

  // Static method descriptors that strictly reflect the proto.
  private static volatile io.grpc.MethodDescriptor<com.sluice.v1.ListStreamsRequest,
      com.sluice.v1.ListStreamsResponse> getListStreamsMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ListStreams",
      requestType = com.sluice.v1.ListStreamsRequest.class,
      responseType = com.sluice.v1.ListStreamsResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<com.sluice.v1.ListStreamsRequest,
      com.sluice.v1.ListStreamsResponse> getListStreamsMethod() {
    io.grpc.MethodDescriptor<com.sluice.v1.ListStreamsRequest, com.sluice.v1.ListStreamsResponse> getListStreamsMethod;
    if ((getListStreamsMethod = AdminServiceGrpc.getListStreamsMethod) == null) {
      synchronized (AdminServiceGrpc.class) {
        if ((getListStreamsMethod = AdminServiceGrpc.getListStreamsMethod) == null) {
          AdminServiceGrpc.getListStreamsMethod = getListStreamsMethod =
              io.grpc.MethodDescriptor.<com.sluice.v1.ListStreamsRequest, com.sluice.v1.ListStreamsResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ListStreams"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  com.sluice.v1.ListStreamsRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  com.sluice.v1.ListStreamsResponse.getDefaultInstance()))
              .setSchemaDescriptor(new AdminServiceMethodDescriptorSupplier("ListStreams"))
              .build();
        }
      }
    }
    return getListStreamsMethod;
  }

  private static volatile io.grpc.MethodDescriptor<com.sluice.v1.DescribeStreamRequest,
      com.sluice.v1.DescribeStreamResponse> getDescribeStreamMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "DescribeStream",
      requestType = com.sluice.v1.DescribeStreamRequest.class,
      responseType = com.sluice.v1.DescribeStreamResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<com.sluice.v1.DescribeStreamRequest,
      com.sluice.v1.DescribeStreamResponse> getDescribeStreamMethod() {
    io.grpc.MethodDescriptor<com.sluice.v1.DescribeStreamRequest, com.sluice.v1.DescribeStreamResponse> getDescribeStreamMethod;
    if ((getDescribeStreamMethod = AdminServiceGrpc.getDescribeStreamMethod) == null) {
      synchronized (AdminServiceGrpc.class) {
        if ((getDescribeStreamMethod = AdminServiceGrpc.getDescribeStreamMethod) == null) {
          AdminServiceGrpc.getDescribeStreamMethod = getDescribeStreamMethod =
              io.grpc.MethodDescriptor.<com.sluice.v1.DescribeStreamRequest, com.sluice.v1.DescribeStreamResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "DescribeStream"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  com.sluice.v1.DescribeStreamRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  com.sluice.v1.DescribeStreamResponse.getDefaultInstance()))
              .setSchemaDescriptor(new AdminServiceMethodDescriptorSupplier("DescribeStream"))
              .build();
        }
      }
    }
    return getDescribeStreamMethod;
  }

  private static volatile io.grpc.MethodDescriptor<com.sluice.v1.ListPendingRequest,
      com.sluice.v1.ListPendingResponse> getListPendingMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ListPending",
      requestType = com.sluice.v1.ListPendingRequest.class,
      responseType = com.sluice.v1.ListPendingResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<com.sluice.v1.ListPendingRequest,
      com.sluice.v1.ListPendingResponse> getListPendingMethod() {
    io.grpc.MethodDescriptor<com.sluice.v1.ListPendingRequest, com.sluice.v1.ListPendingResponse> getListPendingMethod;
    if ((getListPendingMethod = AdminServiceGrpc.getListPendingMethod) == null) {
      synchronized (AdminServiceGrpc.class) {
        if ((getListPendingMethod = AdminServiceGrpc.getListPendingMethod) == null) {
          AdminServiceGrpc.getListPendingMethod = getListPendingMethod =
              io.grpc.MethodDescriptor.<com.sluice.v1.ListPendingRequest, com.sluice.v1.ListPendingResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ListPending"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  com.sluice.v1.ListPendingRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  com.sluice.v1.ListPendingResponse.getDefaultInstance()))
              .setSchemaDescriptor(new AdminServiceMethodDescriptorSupplier("ListPending"))
              .build();
        }
      }
    }
    return getListPendingMethod;
  }

  private static volatile io.grpc.MethodDescriptor<com.sluice.v1.CreateGroupRequest,
      com.sluice.v1.CreateGroupResponse> getCreateGroupMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "CreateGroup",
      requestType = com.sluice.v1.CreateGroupRequest.class,
      responseType = com.sluice.v1.CreateGroupResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<com.sluice.v1.CreateGroupRequest,
      com.sluice.v1.CreateGroupResponse> getCreateGroupMethod() {
    io.grpc.MethodDescriptor<com.sluice.v1.CreateGroupRequest, com.sluice.v1.CreateGroupResponse> getCreateGroupMethod;
    if ((getCreateGroupMethod = AdminServiceGrpc.getCreateGroupMethod) == null) {
      synchronized (AdminServiceGrpc.class) {
        if ((getCreateGroupMethod = AdminServiceGrpc.getCreateGroupMethod) == null) {
          AdminServiceGrpc.getCreateGroupMethod = getCreateGroupMethod =
              io.grpc.MethodDescriptor.<com.sluice.v1.CreateGroupRequest, com.sluice.v1.CreateGroupResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "CreateGroup"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  com.sluice.v1.CreateGroupRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  com.sluice.v1.CreateGroupResponse.getDefaultInstance()))
              .setSchemaDescriptor(new AdminServiceMethodDescriptorSupplier("CreateGroup"))
              .build();
        }
      }
    }
    return getCreateGroupMethod;
  }

  private static volatile io.grpc.MethodDescriptor<com.sluice.v1.DeleteGroupRequest,
      com.sluice.v1.DeleteGroupResponse> getDeleteGroupMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "DeleteGroup",
      requestType = com.sluice.v1.DeleteGroupRequest.class,
      responseType = com.sluice.v1.DeleteGroupResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<com.sluice.v1.DeleteGroupRequest,
      com.sluice.v1.DeleteGroupResponse> getDeleteGroupMethod() {
    io.grpc.MethodDescriptor<com.sluice.v1.DeleteGroupRequest, com.sluice.v1.DeleteGroupResponse> getDeleteGroupMethod;
    if ((getDeleteGroupMethod = AdminServiceGrpc.getDeleteGroupMethod) == null) {
      synchronized (AdminServiceGrpc.class) {
        if ((getDeleteGroupMethod = AdminServiceGrpc.getDeleteGroupMethod) == null) {
          AdminServiceGrpc.getDeleteGroupMethod = getDeleteGroupMethod =
              io.grpc.MethodDescriptor.<com.sluice.v1.DeleteGroupRequest, com.sluice.v1.DeleteGroupResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "DeleteGroup"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  com.sluice.v1.DeleteGroupRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  com.sluice.v1.DeleteGroupResponse.getDefaultInstance()))
              .setSchemaDescriptor(new AdminServiceMethodDescriptorSupplier("DeleteGroup"))
              .build();
        }
      }
    }
    return getDeleteGroupMethod;
  }

  private static volatile io.grpc.MethodDescriptor<com.sluice.v1.SeekGroupRequest,
      com.sluice.v1.SeekGroupResponse> getSeekGroupMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "SeekGroup",
      requestType = com.sluice.v1.SeekGroupRequest.class,
      responseType = com.sluice.v1.SeekGroupResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<com.sluice.v1.SeekGroupRequest,
      com.sluice.v1.SeekGroupResponse> getSeekGroupMethod() {
    io.grpc.MethodDescriptor<com.sluice.v1.SeekGroupRequest, com.sluice.v1.SeekGroupResponse> getSeekGroupMethod;
    if ((getSeekGroupMethod = AdminServiceGrpc.getSeekGroupMethod) == null) {
      synchronized (AdminServiceGrpc.class) {
        if ((getSeekGroupMethod = AdminServiceGrpc.getSeekGroupMethod) == null) {
          AdminServiceGrpc.getSeekGroupMethod = getSeekGroupMethod =
              io.grpc.MethodDescriptor.<com.sluice.v1.SeekGroupRequest, com.sluice.v1.SeekGroupResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "SeekGroup"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  com.sluice.v1.SeekGroupRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  com.sluice.v1.SeekGroupResponse.getDefaultInstance()))
              .setSchemaDescriptor(new AdminServiceMethodDescriptorSupplier("SeekGroup"))
              .build();
        }
      }
    }
    return getSeekGroupMethod;
  }

  private static volatile io.grpc.MethodDescriptor<com.sluice.v1.ReadRangeRequest,
      com.sluice.v1.ReadRangeResponse> getReadRangeMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ReadRange",
      requestType = com.sluice.v1.ReadRangeRequest.class,
      responseType = com.sluice.v1.ReadRangeResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<com.sluice.v1.ReadRangeRequest,
      com.sluice.v1.ReadRangeResponse> getReadRangeMethod() {
    io.grpc.MethodDescriptor<com.sluice.v1.ReadRangeRequest, com.sluice.v1.ReadRangeResponse> getReadRangeMethod;
    if ((getReadRangeMethod = AdminServiceGrpc.getReadRangeMethod) == null) {
      synchronized (AdminServiceGrpc.class) {
        if ((getReadRangeMethod = AdminServiceGrpc.getReadRangeMethod) == null) {
          AdminServiceGrpc.getReadRangeMethod = getReadRangeMethod =
              io.grpc.MethodDescriptor.<com.sluice.v1.ReadRangeRequest, com.sluice.v1.ReadRangeResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ReadRange"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  com.sluice.v1.ReadRangeRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  com.sluice.v1.ReadRangeResponse.getDefaultInstance()))
              .setSchemaDescriptor(new AdminServiceMethodDescriptorSupplier("ReadRange"))
              .build();
        }
      }
    }
    return getReadRangeMethod;
  }

  private static volatile io.grpc.MethodDescriptor<com.sluice.v1.TrimStreamRequest,
      com.sluice.v1.TrimStreamResponse> getTrimStreamMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "TrimStream",
      requestType = com.sluice.v1.TrimStreamRequest.class,
      responseType = com.sluice.v1.TrimStreamResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<com.sluice.v1.TrimStreamRequest,
      com.sluice.v1.TrimStreamResponse> getTrimStreamMethod() {
    io.grpc.MethodDescriptor<com.sluice.v1.TrimStreamRequest, com.sluice.v1.TrimStreamResponse> getTrimStreamMethod;
    if ((getTrimStreamMethod = AdminServiceGrpc.getTrimStreamMethod) == null) {
      synchronized (AdminServiceGrpc.class) {
        if ((getTrimStreamMethod = AdminServiceGrpc.getTrimStreamMethod) == null) {
          AdminServiceGrpc.getTrimStreamMethod = getTrimStreamMethod =
              io.grpc.MethodDescriptor.<com.sluice.v1.TrimStreamRequest, com.sluice.v1.TrimStreamResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "TrimStream"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  com.sluice.v1.TrimStreamRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  com.sluice.v1.TrimStreamResponse.getDefaultInstance()))
              .setSchemaDescriptor(new AdminServiceMethodDescriptorSupplier("TrimStream"))
              .build();
        }
      }
    }
    return getTrimStreamMethod;
  }

  private static volatile io.grpc.MethodDescriptor<com.sluice.v1.CreateTopicRequest,
      com.sluice.v1.CreateTopicResponse> getCreateTopicMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "CreateTopic",
      requestType = com.sluice.v1.CreateTopicRequest.class,
      responseType = com.sluice.v1.CreateTopicResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<com.sluice.v1.CreateTopicRequest,
      com.sluice.v1.CreateTopicResponse> getCreateTopicMethod() {
    io.grpc.MethodDescriptor<com.sluice.v1.CreateTopicRequest, com.sluice.v1.CreateTopicResponse> getCreateTopicMethod;
    if ((getCreateTopicMethod = AdminServiceGrpc.getCreateTopicMethod) == null) {
      synchronized (AdminServiceGrpc.class) {
        if ((getCreateTopicMethod = AdminServiceGrpc.getCreateTopicMethod) == null) {
          AdminServiceGrpc.getCreateTopicMethod = getCreateTopicMethod =
              io.grpc.MethodDescriptor.<com.sluice.v1.CreateTopicRequest, com.sluice.v1.CreateTopicResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "CreateTopic"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  com.sluice.v1.CreateTopicRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  com.sluice.v1.CreateTopicResponse.getDefaultInstance()))
              .setSchemaDescriptor(new AdminServiceMethodDescriptorSupplier("CreateTopic"))
              .build();
        }
      }
    }
    return getCreateTopicMethod;
  }

  private static volatile io.grpc.MethodDescriptor<com.sluice.v1.ListTopicsRequest,
      com.sluice.v1.ListTopicsResponse> getListTopicsMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ListTopics",
      requestType = com.sluice.v1.ListTopicsRequest.class,
      responseType = com.sluice.v1.ListTopicsResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<com.sluice.v1.ListTopicsRequest,
      com.sluice.v1.ListTopicsResponse> getListTopicsMethod() {
    io.grpc.MethodDescriptor<com.sluice.v1.ListTopicsRequest, com.sluice.v1.ListTopicsResponse> getListTopicsMethod;
    if ((getListTopicsMethod = AdminServiceGrpc.getListTopicsMethod) == null) {
      synchronized (AdminServiceGrpc.class) {
        if ((getListTopicsMethod = AdminServiceGrpc.getListTopicsMethod) == null) {
          AdminServiceGrpc.getListTopicsMethod = getListTopicsMethod =
              io.grpc.MethodDescriptor.<com.sluice.v1.ListTopicsRequest, com.sluice.v1.ListTopicsResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ListTopics"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  com.sluice.v1.ListTopicsRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  com.sluice.v1.ListTopicsResponse.getDefaultInstance()))
              .setSchemaDescriptor(new AdminServiceMethodDescriptorSupplier("ListTopics"))
              .build();
        }
      }
    }
    return getListTopicsMethod;
  }

  private static volatile io.grpc.MethodDescriptor<com.sluice.v1.DescribeTopicRequest,
      com.sluice.v1.DescribeTopicResponse> getDescribeTopicMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "DescribeTopic",
      requestType = com.sluice.v1.DescribeTopicRequest.class,
      responseType = com.sluice.v1.DescribeTopicResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<com.sluice.v1.DescribeTopicRequest,
      com.sluice.v1.DescribeTopicResponse> getDescribeTopicMethod() {
    io.grpc.MethodDescriptor<com.sluice.v1.DescribeTopicRequest, com.sluice.v1.DescribeTopicResponse> getDescribeTopicMethod;
    if ((getDescribeTopicMethod = AdminServiceGrpc.getDescribeTopicMethod) == null) {
      synchronized (AdminServiceGrpc.class) {
        if ((getDescribeTopicMethod = AdminServiceGrpc.getDescribeTopicMethod) == null) {
          AdminServiceGrpc.getDescribeTopicMethod = getDescribeTopicMethod =
              io.grpc.MethodDescriptor.<com.sluice.v1.DescribeTopicRequest, com.sluice.v1.DescribeTopicResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "DescribeTopic"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  com.sluice.v1.DescribeTopicRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  com.sluice.v1.DescribeTopicResponse.getDefaultInstance()))
              .setSchemaDescriptor(new AdminServiceMethodDescriptorSupplier("DescribeTopic"))
              .build();
        }
      }
    }
    return getDescribeTopicMethod;
  }

  private static volatile io.grpc.MethodDescriptor<com.sluice.v1.ListScheduledRequest,
      com.sluice.v1.ListScheduledResponse> getListScheduledMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ListScheduled",
      requestType = com.sluice.v1.ListScheduledRequest.class,
      responseType = com.sluice.v1.ListScheduledResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<com.sluice.v1.ListScheduledRequest,
      com.sluice.v1.ListScheduledResponse> getListScheduledMethod() {
    io.grpc.MethodDescriptor<com.sluice.v1.ListScheduledRequest, com.sluice.v1.ListScheduledResponse> getListScheduledMethod;
    if ((getListScheduledMethod = AdminServiceGrpc.getListScheduledMethod) == null) {
      synchronized (AdminServiceGrpc.class) {
        if ((getListScheduledMethod = AdminServiceGrpc.getListScheduledMethod) == null) {
          AdminServiceGrpc.getListScheduledMethod = getListScheduledMethod =
              io.grpc.MethodDescriptor.<com.sluice.v1.ListScheduledRequest, com.sluice.v1.ListScheduledResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ListScheduled"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  com.sluice.v1.ListScheduledRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  com.sluice.v1.ListScheduledResponse.getDefaultInstance()))
              .setSchemaDescriptor(new AdminServiceMethodDescriptorSupplier("ListScheduled"))
              .build();
        }
      }
    }
    return getListScheduledMethod;
  }

  private static volatile io.grpc.MethodDescriptor<com.sluice.v1.CancelScheduledRequest,
      com.sluice.v1.CancelScheduledResponse> getCancelScheduledMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "CancelScheduled",
      requestType = com.sluice.v1.CancelScheduledRequest.class,
      responseType = com.sluice.v1.CancelScheduledResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<com.sluice.v1.CancelScheduledRequest,
      com.sluice.v1.CancelScheduledResponse> getCancelScheduledMethod() {
    io.grpc.MethodDescriptor<com.sluice.v1.CancelScheduledRequest, com.sluice.v1.CancelScheduledResponse> getCancelScheduledMethod;
    if ((getCancelScheduledMethod = AdminServiceGrpc.getCancelScheduledMethod) == null) {
      synchronized (AdminServiceGrpc.class) {
        if ((getCancelScheduledMethod = AdminServiceGrpc.getCancelScheduledMethod) == null) {
          AdminServiceGrpc.getCancelScheduledMethod = getCancelScheduledMethod =
              io.grpc.MethodDescriptor.<com.sluice.v1.CancelScheduledRequest, com.sluice.v1.CancelScheduledResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "CancelScheduled"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  com.sluice.v1.CancelScheduledRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  com.sluice.v1.CancelScheduledResponse.getDefaultInstance()))
              .setSchemaDescriptor(new AdminServiceMethodDescriptorSupplier("CancelScheduled"))
              .build();
        }
      }
    }
    return getCancelScheduledMethod;
  }

  /**
   * Creates a new async stub that supports all call types for the service
   */
  public static AdminServiceStub newStub(io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<AdminServiceStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<AdminServiceStub>() {
        @java.lang.Override
        public AdminServiceStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new AdminServiceStub(channel, callOptions);
        }
      };
    return AdminServiceStub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports unary and streaming output calls on the service
   */
  public static AdminServiceBlockingStub newBlockingStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<AdminServiceBlockingStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<AdminServiceBlockingStub>() {
        @java.lang.Override
        public AdminServiceBlockingStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new AdminServiceBlockingStub(channel, callOptions);
        }
      };
    return AdminServiceBlockingStub.newStub(factory, channel);
  }

  /**
   * Creates a new ListenableFuture-style stub that supports unary calls on the service
   */
  public static AdminServiceFutureStub newFutureStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<AdminServiceFutureStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<AdminServiceFutureStub>() {
        @java.lang.Override
        public AdminServiceFutureStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new AdminServiceFutureStub(channel, callOptions);
        }
      };
    return AdminServiceFutureStub.newStub(factory, channel);
  }

  /**
   * <pre>
   * AdminService inspects and controls streams and consumer groups, so that
   * nobody has to drop to redis-cli in an incident. Every RPC needs the admin
   * permission on the stream.
   * </pre>
   */
  public static abstract class AdminServiceImplBase implements io.grpc.BindableService {

    /**
     * <pre>
     * ListStreams lists the streams in Redis (SCAN ... TYPE stream), without
     * Sluice's own keys, that the caller may administer.
     * </pre>
     */
    public void listStreams(com.sluice.v1.ListStreamsRequest request,
        io.grpc.stub.StreamObserver<com.sluice.v1.ListStreamsResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getListStreamsMethod(), responseObserver);
    }

    /**
     * <pre>
     * DescribeStream reports a stream, its groups and their consumers
     * (XINFO STREAM, XINFO GROUPS, XINFO CONSUMERS, XPENDING, MEMORY USAGE).
     * </pre>
     */
    public void describeStream(com.sluice.v1.DescribeStreamRequest request,
        io.grpc.stub.StreamObserver<com.sluice.v1.DescribeStreamResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getDescribeStreamMethod(), responseObserver);
    }

    /**
     * <pre>
     * ListPending pages through a group's pending entries (XPENDING).
     * </pre>
     */
    public void listPending(com.sluice.v1.ListPendingRequest request,
        io.grpc.stub.StreamObserver<com.sluice.v1.ListPendingResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getListPendingMethod(), responseObserver);
    }

    /**
     * <pre>
     * CreateGroup creates a consumer group at a position (XGROUP CREATE).
     * </pre>
     */
    public void createGroup(com.sluice.v1.CreateGroupRequest request,
        io.grpc.stub.StreamObserver<com.sluice.v1.CreateGroupResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getCreateGroupMethod(), responseObserver);
    }

    /**
     * <pre>
     * DeleteGroup deletes a consumer group and its pending entries list
     * (XGROUP DESTROY). Its subscriptions end with NOT_FOUND.
     * </pre>
     */
    public void deleteGroup(com.sluice.v1.DeleteGroupRequest request,
        io.grpc.stub.StreamObserver<com.sluice.v1.DeleteGroupResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getDeleteGroupMethod(), responseObserver);
    }

    /**
     * <pre>
     * SeekGroup moves a group's position (XGROUP SETID), to replay or to skip.
     * Pending entries stay pending.
     * </pre>
     */
    public void seekGroup(com.sluice.v1.SeekGroupRequest request,
        io.grpc.stub.StreamObserver<com.sluice.v1.SeekGroupResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getSeekGroupMethod(), responseObserver);
    }

    /**
     * <pre>
     * ReadRange reads entries by ID range (XRANGE / XREVRANGE), decoded as
     * Subscribe delivers them.
     * </pre>
     */
    public void readRange(com.sluice.v1.ReadRangeRequest request,
        io.grpc.stub.StreamObserver<com.sluice.v1.ReadRangeResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getReadRangeMethod(), responseObserver);
    }

    /**
     * <pre>
     * TrimStream deletes the oldest entries now (XTRIM MAXLEN or MINID).
     * </pre>
     */
    public void trimStream(com.sluice.v1.TrimStreamRequest request,
        io.grpc.stub.StreamObserver<com.sluice.v1.TrimStreamResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getTrimStreamMethod(), responseObserver);
    }

    /**
     * <pre>
     * CreateTopic creates a partitioned topic: a name and a partition count,
     * kept in Redis (hash "sluice:topics") so every replica agrees. The
     * partitions are the streams "&lt;topic&gt;.p0" ... and are created on first
     * use. The count cannot change later (it would move keys between
     * partitions and break their order): create a new topic instead. Creating
     * an existing topic with the same count does nothing; with another count it
     * fails with ALREADY_EXISTS. Needs the admin permission on every partition
     * stream.
     * </pre>
     */
    public void createTopic(com.sluice.v1.CreateTopicRequest request,
        io.grpc.stub.StreamObserver<com.sluice.v1.CreateTopicResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getCreateTopicMethod(), responseObserver);
    }

    /**
     * <pre>
     * ListTopics lists the partitioned topics the caller may administer.
     * </pre>
     */
    public void listTopics(com.sluice.v1.ListTopicsRequest request,
        io.grpc.stub.StreamObserver<com.sluice.v1.ListTopicsResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getListTopicsMethod(), responseObserver);
    }

    /**
     * <pre>
     * DescribeTopic reports a topic's partitions (as DescribeStream does for a
     * stream, so per-partition lag per group) and, per group, its live
     * subscriptions and which partition each holds.
     * </pre>
     */
    public void describeTopic(com.sluice.v1.DescribeTopicRequest request,
        io.grpc.stub.StreamObserver<com.sluice.v1.DescribeTopicResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getDescribeTopicMethod(), responseObserver);
    }

    /**
     * <pre>
     * ListScheduled pages through a stream's scheduled events (published with
     * deliver_at or deliver_after and not yet due), soonest first. For a
     * topic, list each partition stream.
     * </pre>
     */
    public void listScheduled(com.sluice.v1.ListScheduledRequest request,
        io.grpc.stub.StreamObserver<com.sluice.v1.ListScheduledResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getListScheduledMethod(), responseObserver);
    }

    /**
     * <pre>
     * CancelScheduled deletes a scheduled event before it falls due. NOT_FOUND
     * when there is no such schedule ID on the stream (never scheduled,
     * cancelled, or already delivered).
     * </pre>
     */
    public void cancelScheduled(com.sluice.v1.CancelScheduledRequest request,
        io.grpc.stub.StreamObserver<com.sluice.v1.CancelScheduledResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getCancelScheduledMethod(), responseObserver);
    }

    @java.lang.Override public final io.grpc.ServerServiceDefinition bindService() {
      return io.grpc.ServerServiceDefinition.builder(getServiceDescriptor())
          .addMethod(
            getListStreamsMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                com.sluice.v1.ListStreamsRequest,
                com.sluice.v1.ListStreamsResponse>(
                  this, METHODID_LIST_STREAMS)))
          .addMethod(
            getDescribeStreamMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                com.sluice.v1.DescribeStreamRequest,
                com.sluice.v1.DescribeStreamResponse>(
                  this, METHODID_DESCRIBE_STREAM)))
          .addMethod(
            getListPendingMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                com.sluice.v1.ListPendingRequest,
                com.sluice.v1.ListPendingResponse>(
                  this, METHODID_LIST_PENDING)))
          .addMethod(
            getCreateGroupMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                com.sluice.v1.CreateGroupRequest,
                com.sluice.v1.CreateGroupResponse>(
                  this, METHODID_CREATE_GROUP)))
          .addMethod(
            getDeleteGroupMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                com.sluice.v1.DeleteGroupRequest,
                com.sluice.v1.DeleteGroupResponse>(
                  this, METHODID_DELETE_GROUP)))
          .addMethod(
            getSeekGroupMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                com.sluice.v1.SeekGroupRequest,
                com.sluice.v1.SeekGroupResponse>(
                  this, METHODID_SEEK_GROUP)))
          .addMethod(
            getReadRangeMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                com.sluice.v1.ReadRangeRequest,
                com.sluice.v1.ReadRangeResponse>(
                  this, METHODID_READ_RANGE)))
          .addMethod(
            getTrimStreamMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                com.sluice.v1.TrimStreamRequest,
                com.sluice.v1.TrimStreamResponse>(
                  this, METHODID_TRIM_STREAM)))
          .addMethod(
            getCreateTopicMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                com.sluice.v1.CreateTopicRequest,
                com.sluice.v1.CreateTopicResponse>(
                  this, METHODID_CREATE_TOPIC)))
          .addMethod(
            getListTopicsMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                com.sluice.v1.ListTopicsRequest,
                com.sluice.v1.ListTopicsResponse>(
                  this, METHODID_LIST_TOPICS)))
          .addMethod(
            getDescribeTopicMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                com.sluice.v1.DescribeTopicRequest,
                com.sluice.v1.DescribeTopicResponse>(
                  this, METHODID_DESCRIBE_TOPIC)))
          .addMethod(
            getListScheduledMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                com.sluice.v1.ListScheduledRequest,
                com.sluice.v1.ListScheduledResponse>(
                  this, METHODID_LIST_SCHEDULED)))
          .addMethod(
            getCancelScheduledMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                com.sluice.v1.CancelScheduledRequest,
                com.sluice.v1.CancelScheduledResponse>(
                  this, METHODID_CANCEL_SCHEDULED)))
          .build();
    }
  }

  /**
   * <pre>
   * AdminService inspects and controls streams and consumer groups, so that
   * nobody has to drop to redis-cli in an incident. Every RPC needs the admin
   * permission on the stream.
   * </pre>
   */
  public static final class AdminServiceStub extends io.grpc.stub.AbstractAsyncStub<AdminServiceStub> {
    private AdminServiceStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected AdminServiceStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new AdminServiceStub(channel, callOptions);
    }

    /**
     * <pre>
     * ListStreams lists the streams in Redis (SCAN ... TYPE stream), without
     * Sluice's own keys, that the caller may administer.
     * </pre>
     */
    public void listStreams(com.sluice.v1.ListStreamsRequest request,
        io.grpc.stub.StreamObserver<com.sluice.v1.ListStreamsResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getListStreamsMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * DescribeStream reports a stream, its groups and their consumers
     * (XINFO STREAM, XINFO GROUPS, XINFO CONSUMERS, XPENDING, MEMORY USAGE).
     * </pre>
     */
    public void describeStream(com.sluice.v1.DescribeStreamRequest request,
        io.grpc.stub.StreamObserver<com.sluice.v1.DescribeStreamResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getDescribeStreamMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * ListPending pages through a group's pending entries (XPENDING).
     * </pre>
     */
    public void listPending(com.sluice.v1.ListPendingRequest request,
        io.grpc.stub.StreamObserver<com.sluice.v1.ListPendingResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getListPendingMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * CreateGroup creates a consumer group at a position (XGROUP CREATE).
     * </pre>
     */
    public void createGroup(com.sluice.v1.CreateGroupRequest request,
        io.grpc.stub.StreamObserver<com.sluice.v1.CreateGroupResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getCreateGroupMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * DeleteGroup deletes a consumer group and its pending entries list
     * (XGROUP DESTROY). Its subscriptions end with NOT_FOUND.
     * </pre>
     */
    public void deleteGroup(com.sluice.v1.DeleteGroupRequest request,
        io.grpc.stub.StreamObserver<com.sluice.v1.DeleteGroupResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getDeleteGroupMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * SeekGroup moves a group's position (XGROUP SETID), to replay or to skip.
     * Pending entries stay pending.
     * </pre>
     */
    public void seekGroup(com.sluice.v1.SeekGroupRequest request,
        io.grpc.stub.StreamObserver<com.sluice.v1.SeekGroupResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getSeekGroupMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * ReadRange reads entries by ID range (XRANGE / XREVRANGE), decoded as
     * Subscribe delivers them.
     * </pre>
     */
    public void readRange(com.sluice.v1.ReadRangeRequest request,
        io.grpc.stub.StreamObserver<com.sluice.v1.ReadRangeResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getReadRangeMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * TrimStream deletes the oldest entries now (XTRIM MAXLEN or MINID).
     * </pre>
     */
    public void trimStream(com.sluice.v1.TrimStreamRequest request,
        io.grpc.stub.StreamObserver<com.sluice.v1.TrimStreamResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getTrimStreamMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * CreateTopic creates a partitioned topic: a name and a partition count,
     * kept in Redis (hash "sluice:topics") so every replica agrees. The
     * partitions are the streams "&lt;topic&gt;.p0" ... and are created on first
     * use. The count cannot change later (it would move keys between
     * partitions and break their order): create a new topic instead. Creating
     * an existing topic with the same count does nothing; with another count it
     * fails with ALREADY_EXISTS. Needs the admin permission on every partition
     * stream.
     * </pre>
     */
    public void createTopic(com.sluice.v1.CreateTopicRequest request,
        io.grpc.stub.StreamObserver<com.sluice.v1.CreateTopicResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getCreateTopicMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * ListTopics lists the partitioned topics the caller may administer.
     * </pre>
     */
    public void listTopics(com.sluice.v1.ListTopicsRequest request,
        io.grpc.stub.StreamObserver<com.sluice.v1.ListTopicsResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getListTopicsMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * DescribeTopic reports a topic's partitions (as DescribeStream does for a
     * stream, so per-partition lag per group) and, per group, its live
     * subscriptions and which partition each holds.
     * </pre>
     */
    public void describeTopic(com.sluice.v1.DescribeTopicRequest request,
        io.grpc.stub.StreamObserver<com.sluice.v1.DescribeTopicResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getDescribeTopicMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * ListScheduled pages through a stream's scheduled events (published with
     * deliver_at or deliver_after and not yet due), soonest first. For a
     * topic, list each partition stream.
     * </pre>
     */
    public void listScheduled(com.sluice.v1.ListScheduledRequest request,
        io.grpc.stub.StreamObserver<com.sluice.v1.ListScheduledResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getListScheduledMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * CancelScheduled deletes a scheduled event before it falls due. NOT_FOUND
     * when there is no such schedule ID on the stream (never scheduled,
     * cancelled, or already delivered).
     * </pre>
     */
    public void cancelScheduled(com.sluice.v1.CancelScheduledRequest request,
        io.grpc.stub.StreamObserver<com.sluice.v1.CancelScheduledResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getCancelScheduledMethod(), getCallOptions()), request, responseObserver);
    }
  }

  /**
   * <pre>
   * AdminService inspects and controls streams and consumer groups, so that
   * nobody has to drop to redis-cli in an incident. Every RPC needs the admin
   * permission on the stream.
   * </pre>
   */
  public static final class AdminServiceBlockingStub extends io.grpc.stub.AbstractBlockingStub<AdminServiceBlockingStub> {
    private AdminServiceBlockingStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected AdminServiceBlockingStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new AdminServiceBlockingStub(channel, callOptions);
    }

    /**
     * <pre>
     * ListStreams lists the streams in Redis (SCAN ... TYPE stream), without
     * Sluice's own keys, that the caller may administer.
     * </pre>
     */
    public com.sluice.v1.ListStreamsResponse listStreams(com.sluice.v1.ListStreamsRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getListStreamsMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * DescribeStream reports a stream, its groups and their consumers
     * (XINFO STREAM, XINFO GROUPS, XINFO CONSUMERS, XPENDING, MEMORY USAGE).
     * </pre>
     */
    public com.sluice.v1.DescribeStreamResponse describeStream(com.sluice.v1.DescribeStreamRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getDescribeStreamMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * ListPending pages through a group's pending entries (XPENDING).
     * </pre>
     */
    public com.sluice.v1.ListPendingResponse listPending(com.sluice.v1.ListPendingRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getListPendingMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * CreateGroup creates a consumer group at a position (XGROUP CREATE).
     * </pre>
     */
    public com.sluice.v1.CreateGroupResponse createGroup(com.sluice.v1.CreateGroupRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getCreateGroupMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * DeleteGroup deletes a consumer group and its pending entries list
     * (XGROUP DESTROY). Its subscriptions end with NOT_FOUND.
     * </pre>
     */
    public com.sluice.v1.DeleteGroupResponse deleteGroup(com.sluice.v1.DeleteGroupRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getDeleteGroupMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * SeekGroup moves a group's position (XGROUP SETID), to replay or to skip.
     * Pending entries stay pending.
     * </pre>
     */
    public com.sluice.v1.SeekGroupResponse seekGroup(com.sluice.v1.SeekGroupRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getSeekGroupMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * ReadRange reads entries by ID range (XRANGE / XREVRANGE), decoded as
     * Subscribe delivers them.
     * </pre>
     */
    public com.sluice.v1.ReadRangeResponse readRange(com.sluice.v1.ReadRangeRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getReadRangeMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * TrimStream deletes the oldest entries now (XTRIM MAXLEN or MINID).
     * </pre>
     */
    public com.sluice.v1.TrimStreamResponse trimStream(com.sluice.v1.TrimStreamRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getTrimStreamMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * CreateTopic creates a partitioned topic: a name and a partition count,
     * kept in Redis (hash "sluice:topics") so every replica agrees. The
     * partitions are the streams "&lt;topic&gt;.p0" ... and are created on first
     * use. The count cannot change later (it would move keys between
     * partitions and break their order): create a new topic instead. Creating
     * an existing topic with the same count does nothing; with another count it
     * fails with ALREADY_EXISTS. Needs the admin permission on every partition
     * stream.
     * </pre>
     */
    public com.sluice.v1.CreateTopicResponse createTopic(com.sluice.v1.CreateTopicRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getCreateTopicMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * ListTopics lists the partitioned topics the caller may administer.
     * </pre>
     */
    public com.sluice.v1.ListTopicsResponse listTopics(com.sluice.v1.ListTopicsRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getListTopicsMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * DescribeTopic reports a topic's partitions (as DescribeStream does for a
     * stream, so per-partition lag per group) and, per group, its live
     * subscriptions and which partition each holds.
     * </pre>
     */
    public com.sluice.v1.DescribeTopicResponse describeTopic(com.sluice.v1.DescribeTopicRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getDescribeTopicMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * ListScheduled pages through a stream's scheduled events (published with
     * deliver_at or deliver_after and not yet due), soonest first. For a
     * topic, list each partition stream.
     * </pre>
     */
    public com.sluice.v1.ListScheduledResponse listScheduled(com.sluice.v1.ListScheduledRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getListScheduledMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * CancelScheduled deletes a scheduled event before it falls due. NOT_FOUND
     * when there is no such schedule ID on the stream (never scheduled,
     * cancelled, or already delivered).
     * </pre>
     */
    public com.sluice.v1.CancelScheduledResponse cancelScheduled(com.sluice.v1.CancelScheduledRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getCancelScheduledMethod(), getCallOptions(), request);
    }
  }

  /**
   * <pre>
   * AdminService inspects and controls streams and consumer groups, so that
   * nobody has to drop to redis-cli in an incident. Every RPC needs the admin
   * permission on the stream.
   * </pre>
   */
  public static final class AdminServiceFutureStub extends io.grpc.stub.AbstractFutureStub<AdminServiceFutureStub> {
    private AdminServiceFutureStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected AdminServiceFutureStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new AdminServiceFutureStub(channel, callOptions);
    }

    /**
     * <pre>
     * ListStreams lists the streams in Redis (SCAN ... TYPE stream), without
     * Sluice's own keys, that the caller may administer.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<com.sluice.v1.ListStreamsResponse> listStreams(
        com.sluice.v1.ListStreamsRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getListStreamsMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * DescribeStream reports a stream, its groups and their consumers
     * (XINFO STREAM, XINFO GROUPS, XINFO CONSUMERS, XPENDING, MEMORY USAGE).
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<com.sluice.v1.DescribeStreamResponse> describeStream(
        com.sluice.v1.DescribeStreamRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getDescribeStreamMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * ListPending pages through a group's pending entries (XPENDING).
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<com.sluice.v1.ListPendingResponse> listPending(
        com.sluice.v1.ListPendingRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getListPendingMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * CreateGroup creates a consumer group at a position (XGROUP CREATE).
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<com.sluice.v1.CreateGroupResponse> createGroup(
        com.sluice.v1.CreateGroupRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getCreateGroupMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * DeleteGroup deletes a consumer group and its pending entries list
     * (XGROUP DESTROY). Its subscriptions end with NOT_FOUND.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<com.sluice.v1.DeleteGroupResponse> deleteGroup(
        com.sluice.v1.DeleteGroupRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getDeleteGroupMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * SeekGroup moves a group's position (XGROUP SETID), to replay or to skip.
     * Pending entries stay pending.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<com.sluice.v1.SeekGroupResponse> seekGroup(
        com.sluice.v1.SeekGroupRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getSeekGroupMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * ReadRange reads entries by ID range (XRANGE / XREVRANGE), decoded as
     * Subscribe delivers them.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<com.sluice.v1.ReadRangeResponse> readRange(
        com.sluice.v1.ReadRangeRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getReadRangeMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * TrimStream deletes the oldest entries now (XTRIM MAXLEN or MINID).
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<com.sluice.v1.TrimStreamResponse> trimStream(
        com.sluice.v1.TrimStreamRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getTrimStreamMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * CreateTopic creates a partitioned topic: a name and a partition count,
     * kept in Redis (hash "sluice:topics") so every replica agrees. The
     * partitions are the streams "&lt;topic&gt;.p0" ... and are created on first
     * use. The count cannot change later (it would move keys between
     * partitions and break their order): create a new topic instead. Creating
     * an existing topic with the same count does nothing; with another count it
     * fails with ALREADY_EXISTS. Needs the admin permission on every partition
     * stream.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<com.sluice.v1.CreateTopicResponse> createTopic(
        com.sluice.v1.CreateTopicRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getCreateTopicMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * ListTopics lists the partitioned topics the caller may administer.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<com.sluice.v1.ListTopicsResponse> listTopics(
        com.sluice.v1.ListTopicsRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getListTopicsMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * DescribeTopic reports a topic's partitions (as DescribeStream does for a
     * stream, so per-partition lag per group) and, per group, its live
     * subscriptions and which partition each holds.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<com.sluice.v1.DescribeTopicResponse> describeTopic(
        com.sluice.v1.DescribeTopicRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getDescribeTopicMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * ListScheduled pages through a stream's scheduled events (published with
     * deliver_at or deliver_after and not yet due), soonest first. For a
     * topic, list each partition stream.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<com.sluice.v1.ListScheduledResponse> listScheduled(
        com.sluice.v1.ListScheduledRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getListScheduledMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * CancelScheduled deletes a scheduled event before it falls due. NOT_FOUND
     * when there is no such schedule ID on the stream (never scheduled,
     * cancelled, or already delivered).
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<com.sluice.v1.CancelScheduledResponse> cancelScheduled(
        com.sluice.v1.CancelScheduledRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getCancelScheduledMethod(), getCallOptions()), request);
    }
  }

  private static final int METHODID_LIST_STREAMS = 0;
  private static final int METHODID_DESCRIBE_STREAM = 1;
  private static final int METHODID_LIST_PENDING = 2;
  private static final int METHODID_CREATE_GROUP = 3;
  private static final int METHODID_DELETE_GROUP = 4;
  private static final int METHODID_SEEK_GROUP = 5;
  private static final int METHODID_READ_RANGE = 6;
  private static final int METHODID_TRIM_STREAM = 7;
  private static final int METHODID_CREATE_TOPIC = 8;
  private static final int METHODID_LIST_TOPICS = 9;
  private static final int METHODID_DESCRIBE_TOPIC = 10;
  private static final int METHODID_LIST_SCHEDULED = 11;
  private static final int METHODID_CANCEL_SCHEDULED = 12;

  private static final class MethodHandlers<Req, Resp> implements
      io.grpc.stub.ServerCalls.UnaryMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ServerStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ClientStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.BidiStreamingMethod<Req, Resp> {
    private final AdminServiceImplBase serviceImpl;
    private final int methodId;

    MethodHandlers(AdminServiceImplBase serviceImpl, int methodId) {
      this.serviceImpl = serviceImpl;
      this.methodId = methodId;
    }

    @java.lang.Override
    @java.lang.SuppressWarnings("unchecked")
    public void invoke(Req request, io.grpc.stub.StreamObserver<Resp> responseObserver) {
      switch (methodId) {
        case METHODID_LIST_STREAMS:
          serviceImpl.listStreams((com.sluice.v1.ListStreamsRequest) request,
              (io.grpc.stub.StreamObserver<com.sluice.v1.ListStreamsResponse>) responseObserver);
          break;
        case METHODID_DESCRIBE_STREAM:
          serviceImpl.describeStream((com.sluice.v1.DescribeStreamRequest) request,
              (io.grpc.stub.StreamObserver<com.sluice.v1.DescribeStreamResponse>) responseObserver);
          break;
        case METHODID_LIST_PENDING:
          serviceImpl.listPending((com.sluice.v1.ListPendingRequest) request,
              (io.grpc.stub.StreamObserver<com.sluice.v1.ListPendingResponse>) responseObserver);
          break;
        case METHODID_CREATE_GROUP:
          serviceImpl.createGroup((com.sluice.v1.CreateGroupRequest) request,
              (io.grpc.stub.StreamObserver<com.sluice.v1.CreateGroupResponse>) responseObserver);
          break;
        case METHODID_DELETE_GROUP:
          serviceImpl.deleteGroup((com.sluice.v1.DeleteGroupRequest) request,
              (io.grpc.stub.StreamObserver<com.sluice.v1.DeleteGroupResponse>) responseObserver);
          break;
        case METHODID_SEEK_GROUP:
          serviceImpl.seekGroup((com.sluice.v1.SeekGroupRequest) request,
              (io.grpc.stub.StreamObserver<com.sluice.v1.SeekGroupResponse>) responseObserver);
          break;
        case METHODID_READ_RANGE:
          serviceImpl.readRange((com.sluice.v1.ReadRangeRequest) request,
              (io.grpc.stub.StreamObserver<com.sluice.v1.ReadRangeResponse>) responseObserver);
          break;
        case METHODID_TRIM_STREAM:
          serviceImpl.trimStream((com.sluice.v1.TrimStreamRequest) request,
              (io.grpc.stub.StreamObserver<com.sluice.v1.TrimStreamResponse>) responseObserver);
          break;
        case METHODID_CREATE_TOPIC:
          serviceImpl.createTopic((com.sluice.v1.CreateTopicRequest) request,
              (io.grpc.stub.StreamObserver<com.sluice.v1.CreateTopicResponse>) responseObserver);
          break;
        case METHODID_LIST_TOPICS:
          serviceImpl.listTopics((com.sluice.v1.ListTopicsRequest) request,
              (io.grpc.stub.StreamObserver<com.sluice.v1.ListTopicsResponse>) responseObserver);
          break;
        case METHODID_DESCRIBE_TOPIC:
          serviceImpl.describeTopic((com.sluice.v1.DescribeTopicRequest) request,
              (io.grpc.stub.StreamObserver<com.sluice.v1.DescribeTopicResponse>) responseObserver);
          break;
        case METHODID_LIST_SCHEDULED:
          serviceImpl.listScheduled((com.sluice.v1.ListScheduledRequest) request,
              (io.grpc.stub.StreamObserver<com.sluice.v1.ListScheduledResponse>) responseObserver);
          break;
        case METHODID_CANCEL_SCHEDULED:
          serviceImpl.cancelScheduled((com.sluice.v1.CancelScheduledRequest) request,
              (io.grpc.stub.StreamObserver<com.sluice.v1.CancelScheduledResponse>) responseObserver);
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

  private static abstract class AdminServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoFileDescriptorSupplier, io.grpc.protobuf.ProtoServiceDescriptorSupplier {
    AdminServiceBaseDescriptorSupplier() {}

    @java.lang.Override
    public com.google.protobuf.Descriptors.FileDescriptor getFileDescriptor() {
      return com.sluice.v1.AdminProto.getDescriptor();
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.ServiceDescriptor getServiceDescriptor() {
      return getFileDescriptor().findServiceByName("AdminService");
    }
  }

  private static final class AdminServiceFileDescriptorSupplier
      extends AdminServiceBaseDescriptorSupplier {
    AdminServiceFileDescriptorSupplier() {}
  }

  private static final class AdminServiceMethodDescriptorSupplier
      extends AdminServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoMethodDescriptorSupplier {
    private final String methodName;

    AdminServiceMethodDescriptorSupplier(String methodName) {
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
      synchronized (AdminServiceGrpc.class) {
        result = serviceDescriptor;
        if (result == null) {
          serviceDescriptor = result = io.grpc.ServiceDescriptor.newBuilder(SERVICE_NAME)
              .setSchemaDescriptor(new AdminServiceFileDescriptorSupplier())
              .addMethod(getListStreamsMethod())
              .addMethod(getDescribeStreamMethod())
              .addMethod(getListPendingMethod())
              .addMethod(getCreateGroupMethod())
              .addMethod(getDeleteGroupMethod())
              .addMethod(getSeekGroupMethod())
              .addMethod(getReadRangeMethod())
              .addMethod(getTrimStreamMethod())
              .addMethod(getCreateTopicMethod())
              .addMethod(getListTopicsMethod())
              .addMethod(getDescribeTopicMethod())
              .addMethod(getListScheduledMethod())
              .addMethod(getCancelScheduledMethod())
              .build();
        }
      }
    }
    return result;
  }
}
