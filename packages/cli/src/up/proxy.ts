/*
 * A TCP round-robin in front of the webhook replicas: what a Service does in
 * a cluster. A ValidatingWebhookConfiguration calls every webhook it lists,
 * so registering each replica's URL would make every replica a single point
 * of failure; behind one address, a replica that is down is skipped (connect
 * refused -> the next one) and the API server's connections to a replica
 * that dies are closed, so its next request opens a new one to a live
 * replica. TLS passes through untouched (the replicas hold the certificate).
 */
import { connect, createServer, type Server, type Socket } from "node:net";

export interface RoundRobin {
  port: number;
  close(): Promise<void>;
}

export async function startRoundRobin(backends: () => (number | undefined)[]): Promise<RoundRobin> {
  let next = 0;
  const sockets = new Set<Socket>();
  const track = (s: Socket): void => {
    sockets.add(s);
    s.once("close", () => sockets.delete(s));
  };

  const pipeTo = (client: Socket, tried: number): void => {
    const ports = backends().filter((p): p is number => p !== undefined);
    if (ports.length === 0 || tried >= ports.length) {
      client.destroy();
      return;
    }
    const port = ports[next++ % ports.length]!;
    const upstream = connect({ host: "127.0.0.1", port });
    track(upstream);
    let connected = false;
    upstream.once("connect", () => {
      connected = true;
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
    upstream.on("error", () => {
      if (!connected) pipeTo(client, tried + 1);
      else client.destroy();
    });
    upstream.once("close", () => {
      if (connected) client.destroy();
    });
    client.once("close", () => upstream.destroy());
  };

  const server: Server = createServer({ pauseOnConnect: true }, (client) => {
    track(client);
    client.on("error", () => {});
    pipeTo(client, 0);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  if (!address || typeof address !== "object") throw new Error("round-robin: no port");
  return {
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
