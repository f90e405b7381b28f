/** URLs of the real servers that `npm test` (scripts/test.sh) starts for the run. */
export function serviceUrl(name: "REDIS_URL" | "NATS_URL"): string {
  const url = process.env[name];
  if (!url) {
    throw new Error(
      `${name} is not set: run the tests with \`npm test\`, which starts redis-server and nats-server -js on loopback, or export ${name} yourself`,
    );
  }
  return url;
}

export const redisUrl = (): string => serviceUrl("REDIS_URL");
export const natsUrl = (): string => serviceUrl("NATS_URL");

/** "nats://127.0.0.1:4222" -> "127.0.0.1:4222", the form the NATS client takes. */
export function natsServer(): string {
  return natsUrl().replace(/^nats:\/\//, "");
}
