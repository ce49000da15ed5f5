// Scheduled delivery: a payment reminder for an order, delivered --after seconds from now.
//
// Schedules two reminders, lists the stream's schedule, cancels the second one
// (the order was paid) and consumes the first when it falls due. A scheduled
// event is not in the stream until its time; on delivery its deliverAt is the
// time it was scheduled for, and publishTime - deliverAt is how late it came.
// Each reminder expires an hour after it falls due (ttl): a dunning service
// that was down longer than that never sends it.
import { parseArgs } from "node:util";
import { create, fromBinary } from "@bufbuild/protobuf";
import { Edge } from "../../gen/ts/sluice/v1/event_pb.js";
import { OrderCreatedSchema } from "../../gen/ts/examples/orders/v2/orders_pb.js";
import { connect, consume, event, millis } from "./sluice.js";

const { values } = parseArgs({
  options: {
    server: { type: "string", default: "127.0.0.1:7070" },
    stream: { type: "string", default: "reminders" },
    group: { type: "string", default: "dunning-node" },
    after: { type: "string", default: "2" }, // seconds until the first reminder is due
  },
});
const stream = values.stream!;
const afterMs = Number(values.after) * 1000;
const sluice = connect(values.server!);
const reminder = (orderId: string, deliverAfterMs: number) =>
  event(OrderCreatedSchema, create(OrderCreatedSchema, { orderId, customerId: "c-7" }), {
    key: "c-7",
    idempotencyKey: `remind-${orderId}`,
    deliverAfterMs,
    ttlMs: 3_600_000, // a reminder an hour late is no use: it expires
  });

const { scheduleIds } = await sluice.publisher.publish({
  stream,
  events: [reminder("o-1", afterMs), reminder("o-2", 10 * afterMs)],
});
console.log(JSON.stringify({ scheduled: scheduleIds }));

const { events } = await sluice.admin.listScheduled({ stream });
console.log(JSON.stringify({ listed: events.map((e) => e.scheduleId), deliver_at: events.map((e) => millis(e.deliverAt)) }));

await sluice.admin.cancelScheduled({ stream, scheduleId: scheduleIds[1] });
console.log(JSON.stringify({ cancelled: scheduleIds[1] }));

await consume(
  sluice,
  { stream, group: values.group, start: { position: { case: "edge", value: Edge.EARLIEST } } },
  (m) => {
    const order = fromBinary(OrderCreatedSchema, m.event!.data.value as Uint8Array);
    const deliverAt = millis(m.event!.deliverAt);
    const publishTime = millis(m.event!.publishTime);
    console.log(JSON.stringify({
      id: m.id, order_id: order.orderId, deliver_at: deliverAt, publish_time: publishTime, late_ms: publishTime - deliverAt,
      expire_at: millis(m.event!.expireAt),
    }));
  },
  { count: 1 },
);
