/*
 * A synchronous NetworkProvider for the engine's http.send and
 * net.lookup_ip_addr (the evaluator is synchronous; Node's network APIs are
 * not): the calls run in a worker thread while this thread blocks on
 * Atomics.wait, then the answer is taken off the port with
 * receiveMessageOnPort. The worker starts on the first call and does not
 * keep the process alive.
 */
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from "node:worker_threads";
import type { HttpRequestSpec, HttpResult, LookupResult, NetworkProvider } from "./engine.ts";
import type { NetworkCall } from "./network-worker.ts";

/** Beyond the request's own timeout: the worker's start and the answer's trip back. */
const SLACK_MS = 10_000;

export function nodeNetworkProvider(): NetworkProvider & { close(): void } {
  let state: { worker: Worker; port: MessagePort; signal: Int32Array } | undefined;
  const start = () => {
    const { port1, port2 } = new MessageChannel();
    const signal = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(new URL("./network-worker.ts", import.meta.url), {
      workerData: { port: port2, signal },
      transferList: [port2],
    });
    worker.unref();
    port1.unref();
    state = { worker, port: port1, signal };
    return state;
  };
  const ask = <T>(call: NetworkCall, timeoutMs: number): T => {
    const s = state ?? start();
    Atomics.store(s.signal, 0, 0);
    s.port.postMessage(call);
    if (Atomics.wait(s.signal, 0, 0, timeoutMs + SLACK_MS) === "timed-out") {
      void s.worker.terminate();
      state = undefined;
      return { ok: false, error: "request timed out", timeout: true } as T;
    }
    const m = receiveMessageOnPort(s.port);
    if (!m) return { ok: false, error: "the network worker gave no answer" } as T;
    return m.message as T;
  };
  return {
    httpSend: (req: HttpRequestSpec) => ask<HttpResult>({ op: "http", req }, req.timeoutMs),
    lookupIpAddr: (name: string) => ask<LookupResult>({ op: "lookup", name }, 5000),
    close: () => {
      void state?.worker.terminate();
      state = undefined;
    },
  };
}
