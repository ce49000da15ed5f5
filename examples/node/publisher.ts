// Publishes example orders (examples.orders.v2.OrderCreated) with idempotency keys.
import { parseArgs } from "node:util";
import { create } from "@bufbuild/protobuf";
import { OrderCreatedSchema } from "../../gen/ts/examples/orders/v2/orders_pb.js";
import { connect, event } from "./sluice.js";

const { values } = parseArgs({
  options: {
    server: { type: "string", default: "127.0.0.1:7070" },
    stream: { type: "string", default: "orders" },
    count: { type: "string", default: "3" },
    prefix: { type: "string", default: "node" },
  },
});
const sluice = connect(values.server!);
const events = Array.from({ length: Number(values.count) }, (_, i) =>
  event(
    OrderCreatedSchema,
    create(OrderCreatedSchema, {
      orderId: `${values.prefix}-${i}`,
      customerId: "c-2",
      totalCents: BigInt(100 * i),
      currency: "EUR",
      items: [{ sku: "sku-1", quantity: i + 1 }],
    }),
    { key: "c-2", headers: { source: "node" }, idempotencyKey: `${values.prefix}-${i}` },
  ),
);
const res = await sluice.publisher.publish({ stream: values.stream, events });
res.ids.forEach((id, i) => console.log(JSON.stringify({ id, idempotency_key: events[i].idempotencyKey })));
