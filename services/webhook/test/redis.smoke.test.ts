import { randomUUID } from "node:crypto";
import { redisUrl } from "@portcullis/testkit";
import { Redis } from "ioredis";
import { afterAll, expect, test } from "vitest";

// Fails fast (no retries) so a stopped server fails the test instead of hanging.
const redis = new Redis(redisUrl(), {
  maxRetriesPerRequest: 0,
  retryStrategy: () => null,
  lazyConnect: true,
});
afterAll(() => redis.disconnect());

test("webhook writes and reads a key in the test Redis", async () => {
  await redis.connect();
  const key = `portcullis:smoke:webhook:${randomUUID()}`;
  await redis.set(key, "hello", "EX", 60);
  expect(await redis.get(key)).toBe("hello");
  await redis.del(key);
  expect(await redis.get(key)).toBeNull();
});
