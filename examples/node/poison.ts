// A worker that fails on a poison message until Sluice dead-letters it: with
// maxDeliveries 2 and no backoff, the poison message is delivered twice,
// nacked twice (the handler throws), then moved to the dead-letter stream.
import { parseArgs } from "node:util";
import { Edge } from "../../gen/ts/sluice/v1/event_pb.js";
import { connect, consume } from "./sluice.js";

const { values } = parseArgs({
  options: {
    server: { type: "string", default: "127.0.0.1:7070" },
    stream: { type: "string", default: "jobs" },
    group: { type: "string", default: "workers-node" },
  },
});
const sluice = connect(values.server!);
const stop = new AbortController();
const worker = consume(
  sluice,
  {
    stream: values.stream, group: values.group, maxDeliveries: 2,
    start: { position: { case: "edge", value: Edge.EARLIEST } },
    retryPolicy: { minimumBackoff: { seconds: 0n }, maximumBackoff: { seconds: 0n } },
  },
  (m) => {
    const payload = new TextDecoder().decode(m.event!.data.value as Uint8Array);
    console.log(JSON.stringify({ id: m.id, payload, attempt: m.deliveryAttempt }));
    if (payload.startsWith("poison")) throw new Error(`cannot process ${payload}`);
  },
  { signal: stop.signal },
);
const deadline = Date.now() + 20_000;
let letters: Awaited<ReturnType<typeof sluice.deadLetters.listDeadLetters>>["deadLetters"] = [];
while (letters.length === 0 && Date.now() < deadline) {
  await new Promise((r) => setTimeout(r, 200));
  letters = (await sluice.deadLetters.listDeadLetters({ stream: values.stream })).deadLetters;
}
stop.abort();
await worker;
for (const d of letters) {
  console.log(JSON.stringify({ dead_letter: d.sourceId, reason: d.reason, attempts: d.deliveryAttempts }));
}
