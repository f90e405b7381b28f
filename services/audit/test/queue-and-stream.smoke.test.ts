import { randomUUID } from "node:crypto";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { natsServer, redisUrl } from "@portcullis/testkit";
import { Queue, QueueEvents, Worker } from "bullmq";
import { expect, test } from "vitest";

test("audit enqueues and completes a BullMQ job in the test Redis", async () => {
  const connection = { url: redisUrl(), maxRetriesPerRequest: null, retryStrategy: () => null };
  const name = `smoke-${randomUUID()}`;
  const queue = new Queue(name, { connection });
  const events = new QueueEvents(name, { connection });
  const worker = new Worker(name, async (job) => ({ doubled: (job.data as { n: number }).n * 2 }), {
    connection,
  });
  try {
    await events.waitUntilReady();
    const job = await queue.add("double", { n: 21 });
    const result = await job.waitUntilFinished(events, 10_000);
    expect(result).toEqual({ doubled: 42 });
  } finally {
    await worker.close();
    await events.close();
    await queue.obliterate({ force: true });
    await queue.close();
  }
});

test("audit publishes and receives a JetStream message on the test NATS", async () => {
  const nc = await connect({ servers: natsServer(), reconnect: false, timeout: 5000 });
  const stream = `SMOKE_${randomUUID().replaceAll("-", "")}`;
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: stream, subjects: [`${stream}.>`] });
    const js = jetstream(nc);
    const ack = await js.publish(`${stream}.violation`, JSON.stringify({ constraint: "c", msg: "m" }), {
      msgID: "id-1",
    });
    expect(ack.duplicate).toBe(false);
    const dup = await js.publish(`${stream}.violation`, "again", { msgID: "id-1" });
    expect(dup.duplicate).toBe(true);
    await jsm.consumers.add(stream, { durable_name: "smoke", ack_policy: "explicit" });
    const consumer = await js.consumers.get(stream, "smoke");
    const msg = await consumer.next({ expires: 5000 });
    expect(msg?.json()).toEqual({ constraint: "c", msg: "m" });
    msg?.ack();
    await jsm.streams.delete(stream);
  } finally {
    await nc.close();
  }
});
