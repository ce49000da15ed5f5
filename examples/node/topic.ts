// A partitioned topic: create it, publish keyed orders, consume them in a group.
// Orders with the same key (customer) land in the same partition and arrive in publish order.
import { parseArgs } from "node:util";
import { create, fromBinary } from "@bufbuild/protobuf";
import { OrderCreatedSchema } from "../../gen/ts/examples/orders/v2/orders_pb.js";
import { Edge } from "../../gen/ts/sluice/v1/event_pb.js";
import { connect, consume, event } from "./sluice.js";

const { values } = parseArgs({
  options: {
    server: { type: "string", default: "127.0.0.1:7070" },
    topic: { type: "string", default: "orders-by-customer" },
    partitions: { type: "string", default: "3" },
    group: { type: "string", default: "billing-node" },
    customers: { type: "string", default: "4" },
    "per-customer": { type: "string", default: "5" },
  },
});
const sluice = connect(values.server!);
// Creating an existing topic with the same partition count does nothing.
await sluice.admin.createTopic({ topic: values.topic, partitions: Number(values.partitions) });

const events = [];
for (let i = 0; i < Number(values["per-customer"]); i++) {
  for (let c = 0; c < Number(values.customers); c++) {
    const order = create(OrderCreatedSchema, { orderId: `c-${c}/${i}`, customerId: `c-${c}` });
    events.push(event(OrderCreatedSchema, order, { key: `c-${c}` }));
  }
}
const res = await sluice.publisher.publish({ topic: values.topic, events });
console.log(JSON.stringify({ published: res.ids.length, partitions: res.partitions }));

await consume(
  sluice,
  { topic: values.topic, group: values.group, start: { position: { case: "edge", value: Edge.EARLIEST } } },
  (m) => {
    const order = fromBinary(OrderCreatedSchema, m.event!.data.value as Uint8Array);
    console.log(JSON.stringify({ stream: m.stream, partition: m.partition, id: m.id, key: m.event!.key, order_id: order.orderId }));
  },
  { count: events.length },
);
