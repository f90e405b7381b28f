// Subscribe to Portcullis audit violations and run summaries (durable: resumes where it stopped).
import { AckPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";

const nc = await connect({ servers: process.env.NATS_URL ?? "127.0.0.1:4222" });
const stream = process.env.STREAM ?? "PORTCULLIS_VIOLATIONS";
const prefix = process.env.PREFIX ?? "portcullis";
const jsm = await jetstreamManager(nc);
await jsm.consumers.add(stream, { durable_name: "my-app", ack_policy: AckPolicy.Explicit });
const messages = await (await jetstream(nc).consumers.get(stream, "my-app")).consume();
for await (const m of messages) {
  const e = m.json<Record<string, any>>();
  if (m.subject.startsWith(`${prefix}.violations.`))
    console.log(
      `${e.eventType} ${e.kind}/${e.name}: ${e.resourceKind} ${e.resourceNamespace}/${e.resourceName}: ${e.message}`,
    );
  else if (e.eventType === "audit_finished") {
    console.log(`audit ${e.id} finished: ${JSON.stringify(e.totals)}`);
    if (process.env.EXIT_AFTER_RUN) messages.stop();
  }
  m.ack(); // Acknowledged events are not redelivered to "my-app".
}
await nc.close();
