/*
 * A NATS connection for a long-running service: reconnects forever and,
 * with waitOnFirstConnect, keeps trying when NATS is not up yet — so callers
 * should not await it on their start path (see connectInBackground).
 */
import { type ConnectionOptions, connect, type NatsConnection } from "@nats-io/transport-node";

export function natsOptions(
  servers: string | string[],
  o: Partial<ConnectionOptions> = {},
): ConnectionOptions {
  const list = (Array.isArray(servers) ? servers : servers.split(","))
    .map((s) => s.trim())
    .filter((s) => s !== "");
  return {
    servers: list,
    reconnect: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 1_000,
    waitOnFirstConnect: true,
    ...o,
  };
}

export function connectNats(
  servers: string | string[],
  o: Partial<ConnectionOptions> = {},
): Promise<NatsConnection> {
  return connect(natsOptions(servers, o));
}
