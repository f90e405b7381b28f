import { describe, expect, it } from "vitest";
import {
  createLogger,
  createRegistry,
  durationFlag,
  FlagError,
  Gauge,
  parseFlags,
  parseLevel,
  startOpsServer,
} from "../src/index.ts";

describe("flags", () => {
  const specs = {
    "redis-url": { env: "PORTCULLIS_REDIS_URL", default: "redis://127.0.0.1:6379", help: "Redis" },
    "in-cluster": { env: "PORTCULLIS_IN_CLUSTER", boolean: true, help: "in-cluster config" },
    namespace: { env: "POD_NAMESPACE", help: "install namespace" },
  } as const;

  it("takes flags over env over defaults", () => {
    expect(parseFlags(specs, [], {})).toEqual({
      "redis-url": "redis://127.0.0.1:6379",
      "in-cluster": false,
      namespace: undefined,
    });
    const env = { PORTCULLIS_REDIS_URL: "redis://env:1", PORTCULLIS_IN_CLUSTER: "true", POD_NAMESPACE: "x" };
    expect(parseFlags(specs, [], env)).toMatchObject({ "redis-url": "redis://env:1", "in-cluster": true });
    expect(parseFlags(specs, ["--redis-url=redis://flag:2", "--no-in-cluster"], env)).toMatchObject({
      "redis-url": "redis://flag:2",
      "in-cluster": false,
      namespace: "x",
    });
  });

  it("rejects unknown flags and bad values", () => {
    expect(() => parseFlags(specs, ["--redis-ulr=x"], {})).toThrow(FlagError);
    expect(() => parseFlags(specs, [], { PORTCULLIS_IN_CLUSTER: "yes" })).toThrow(/expected true or false/);
    expect(durationFlag("d", "15s")).toBe(15_000);
    expect(durationFlag("d", "250ms")).toBe(250);
    expect(durationFlag("d", "2m")).toBe(120_000);
    expect(() => durationFlag("d", "soon")).toThrow(FlagError);
  });
});

describe("logger", () => {
  it("writes one JSON object per line with level filtering and error fields", () => {
    const lines: string[] = [];
    const log = createLogger({ service: "t" }, { level: "info", write: (l) => lines.push(l) });
    log.debug("hidden");
    log.child({ component: "c" }).warn("careful", { err: new Error("boom"), n: 1 });
    expect(lines).toHaveLength(1);
    const rec = JSON.parse(lines[0]);
    expect(rec).toMatchObject({ level: "warn", service: "t", component: "c", msg: "careful", n: 1 });
    expect(rec.err.message).toBe("boom");
    expect(() => parseLevel("loud")).toThrow(/unknown log level/);
  });
});

describe("ops server", () => {
  it("serves healthz, readyz with the reason, and metrics", async () => {
    const registry = createRegistry("test");
    const g = new Gauge({ name: "portcullis_test_gauge", help: "a test gauge", registers: [registry] });
    g.set(42);
    let ready = false;
    const ops = await startOpsServer({
      host: "127.0.0.1",
      port: 0,
      registry,
      readiness: () => (ready ? { ready: true } : { ready: false, reason: "cache not loaded" }),
    });
    try {
      const base = `http://127.0.0.1:${ops.port}`;
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      const notReady = await fetch(`${base}/readyz`);
      expect(notReady.status).toBe(503);
      expect(await notReady.text()).toContain("cache not loaded");
      ready = true;
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).toMatch(/portcullis_test_gauge\{service="test"\} 42/);
      expect(metrics).toContain("process_cpu_seconds_total");
      expect((await fetch(`${base}/nope`)).status).toBe(404);
      expect((await fetch(`${base}/readyz`, { method: "POST" })).status).toBe(405);
    } finally {
      await ops.close();
    }
  });
});
