// Small helpers over the generated Sluice client (gen/ts). Copy what you need.
import { createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { create, toBinary, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { DurationSchema, timestampFromDate, timestampMs, type Timestamp } from "@bufbuild/protobuf/wkt";

import { PublisherService } from "../../gen/ts/sluice/v1/publisher_pb.js";
import { SubscriberService, type Message, type SubscribeRequest } from "../../gen/ts/sluice/v1/subscriber_pb.js";
import { DeadLetterService } from "../../gen/ts/sluice/v1/deadletter_pb.js";
import { AdminService } from "../../gen/ts/sluice/v1/admin_pb.js";
import { EventSchema, type Event } from "../../gen/ts/sluice/v1/event_pb.js";

export interface Sluice {
  publisher: Client<typeof PublisherService>;
  subscriber: Client<typeof SubscriberService>;
  deadLetters: Client<typeof DeadLetterService>;
  admin: Client<typeof AdminService>;
}

/** Clients for a sluiced at host:port over plaintext gRPC; with a token, sent as a bearer token. */
export function connect(server: string, token?: string): Sluice {
  const bearer: Interceptor = (next) => async (req) => {
    if (token) req.header.set("authorization", `Bearer ${token}`);
    return next(req);
  };
  const transport = createGrpcTransport({ baseUrl: `http://${server}`, interceptors: [bearer] });
  return {
    publisher: createClient(PublisherService, transport),
    subscriber: createClient(SubscriberService, transport),
    deadLetters: createClient(DeadLetterService, transport),
    admin: createClient(AdminService, transport),
  };
}

/** An Event carrying a protobuf message: its type is the message's full name. */
export function event<D extends DescMessage>(
  schema: D,
  message: MessageShape<D>,
  opts: {
    key?: string;
    headers?: Record<string, string>;
    idempotencyKey?: string;
    /** Schedules the event: not in the stream until this time. */
    deliverAt?: Date;
    /** Schedules the event: not in the stream until this many ms after the publish. */
    deliverAfterMs?: number;
    /** Expires at this time: a group not sent the event by then never is. */
    expireAt?: Date;
    /** Expires this many ms after the event is in the stream. */
    ttlMs?: number;
  } = {},
): Event {
  const e = create(EventSchema, {
    type: schema.typeName,
    data: { case: "payload", value: toBinary(schema, message) },
    key: opts.key ?? "",
    headers: opts.headers ?? {},
    idempotencyKey: opts.idempotencyKey ?? "",
  });
  if (opts.deliverAt) e.deliverAt = timestampFromDate(opts.deliverAt);
  if (opts.deliverAfterMs !== undefined) e.deliverAfter = durationFromMs(opts.deliverAfterMs);
  if (opts.expireAt) e.expireAt = timestampFromDate(opts.expireAt);
  if (opts.ttlMs !== undefined) e.ttl = durationFromMs(opts.ttlMs);
  return e;
}

function durationFromMs(ms: number) {
  return create(DurationSchema, { seconds: BigInt(Math.floor(ms / 1000)), nanos: Math.round((ms % 1000) * 1e6) });
}

/** Milliseconds since the Unix epoch of a Timestamp (0 when unset). */
export function millis(ts?: Timestamp): number {
  return ts ? timestampMs(ts) : 0;
}

/**
 * Runs handler for each delivered message. Returning acks the message;
 * throwing nacks it with the error as the reason, so the group redelivers it
 * after the retry backoff (or dead-letters it after max deliveries). Messages
 * of independent readers (no group) are not settled. Stops after `count`
 * messages, or when `signal` aborts.
 */
export async function consume(
  sluice: Sluice,
  request: Partial<SubscribeRequest>,
  handler: (m: Message) => void | Promise<void>,
  opts: { count?: number; signal?: AbortSignal } = {},
): Promise<number> {
  const abort = new AbortController();
  opts.signal?.addEventListener("abort", () => abort.abort());
  let seen = 0;
  try {
    for await (const res of sluice.subscriber.subscribe(request, { signal: abort.signal })) {
      for (const m of res.messages) {
        try {
          await handler(m);
          if (m.ackId) await sluice.subscriber.ack({ ackIds: [m.ackId] });
        } catch (err) {
          if (m.ackId) await sluice.subscriber.nack({ ackIds: [m.ackId], reason: String(err).slice(0, 1024) });
        }
        if (opts.count !== undefined && ++seen >= opts.count) return seen;
      }
    }
  } catch (err) {
    if (!abort.signal.aborted) throw err;
  } finally {
    abort.abort();
  }
  return seen;
}
