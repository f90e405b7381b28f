/**
 * Runs programs through the reference `opa` (.cache/bin/opa, v1.22.2): one
 * long-lived `opa run --server` per Rego version (`--v0-compatible` for v0)
 * driven over its REST API — PUT the data, PUT each module, POST
 * /v1/data/fuzz with the input, DELETE the modules — which is ~50× cheaper
 * than an `opa eval` process per program. A program of two modules whose
 * PUTs fail is re-checked with one `opa check` of both files, so its compile
 * errors come from compiling them together as the engine does.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { toJSONText } from "../../src/rego/value.ts";
import type { Program } from "./gen/program.ts";
import { canonJSONText, type Outcome } from "./outcome.ts";

export const OPA_PATH = resolve(import.meta.dirname, "../../../../.cache/bin/opa");

export function requireOpa(path = OPA_PATH): string {
  if (!existsSync(path))
    throw new Error(
      `reference opa not found at ${path}: run \`bash scripts/setup-go-tools.sh\` (needs Go) to build it`,
    );
  return path;
}

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.on("error", fail);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      const port = typeof a === "object" && a ? a.port : 0;
      s.close(() => ok(port));
    });
  });
}

interface OpaError {
  code?: string;
  message?: string;
  errors?: { code: string; message: string }[];
}

function errorOutcome(body: OpaError): Outcome {
  const codes = [...new Set((body.errors ?? []).map((e) => e.code))].sort();
  const message = (body.errors ?? []).map((e) => `${e.code}: ${e.message}`).join("\n") || body.message || "";
  if (codes.length === 0) {
    // errors without a list (cancellation, internal) carry their code in the message
    const m = /\b(eval_\w+_error|rego_\w+_error)\b/.exec(body.message ?? "");
    codes.push(m ? m[1] : (body.code ?? "unknown"));
  }
  if (codes.includes("eval_cancel_error")) return { kind: "timeout" };
  return { kind: "error", codes, message };
}

class Server {
  /** a module could not be deleted: restart before the next program */
  stale = false;
  private proc?: ChildProcess;
  private base = "";
  private readonly opa: string;
  private readonly v0: boolean;
  constructor(opa: string, v0: boolean) {
    this.opa = opa;
    this.v0 = v0;
  }

  async start(): Promise<void> {
    const port = await freePort();
    this.base = `http://127.0.0.1:${port}`;
    // info: below it the server's compiler erases print() calls (so their type errors vanish), unlike `opa eval`
    const args = ["run", "--server", "--addr", `127.0.0.1:${port}`, "--log-level", "info"];
    if (this.v0) args.push("--v0-compatible");
    this.proc = spawn(this.opa, args, { stdio: "ignore" });
    this.stale = false;
    const until = Date.now() + 15000;
    for (;;) {
      try {
        const r = await fetch(`${this.base}/health`);
        if (r.ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > until) throw new Error(`opa server did not start on ${this.base}`);
      await new Promise((ok) => setTimeout(ok, 50));
    }
  }

  stop(): void {
    this.proc?.kill();
    this.proc = undefined;
  }

  private async req(
    method: string,
    path: string,
    body?: string,
    timeoutMs = 10000,
  ): Promise<{ status: number; json: unknown; text: string }> {
    const r = await fetch(`${this.base}${path}`, {
      method,
      body,
      headers:
        body === undefined
          ? {}
          : {
              "content-type":
                method === "PUT" && path.startsWith("/v1/policies") ? "text/plain" : "application/json",
            },
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await r.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: r.status, json, text };
  }

  async run(p: Program, timeoutMs: number): Promise<{ outcome: Outcome; putFailed: boolean }> {
    const put: string[] = [];
    try {
      const d = await this.req("PUT", "/v1/data", toJSONText(p.data));
      if (d.status >= 300) throw new Error(`opa: PUT /v1/data failed: ${d.text}`);
      for (const m of p.modules) {
        const r = await this.req("PUT", `/v1/policies/${m.file}`, m.source);
        if (r.status >= 300) return { outcome: errorOutcome(r.json as OpaError), putFailed: true };
        put.push(m.file);
      }
      const body = p.input === undefined ? "{}" : `{"input":${toJSONText(p.input)}}`;
      const q = await this.req(
        "POST",
        `/v1/data/fuzz?strict-builtin-errors=${p.strictBuiltinErrors}`,
        body,
        timeoutMs,
      );
      if (q.status >= 300) return { outcome: errorOutcome(q.json as OpaError), putFailed: false };
      if ((q.json as { result?: unknown })?.result === undefined)
        return { outcome: { kind: "undefined" }, putFailed: false };
      // the result's own text, so numbers keep every digit
      return { outcome: { kind: "value", text: canonJSONText(extractResult(q.text)) }, putFailed: false };
    } finally {
      for (const f of put.reverse()) {
        const gone = await this.req("DELETE", `/v1/policies/${f}`).then(
          (r) => r.status < 300,
          () => false,
        );
        // a module left behind (a busy machine timed the DELETE out) would join the next programs
        if (!gone) this.stale = true;
      }
    }
  }
}

/** The text of the top-level "result" member of OPA's response. */
function extractResult(text: string): string {
  const parsed = JSON.parse(text, (_k, v, ctx?: { source?: string }) =>
    typeof v === "number" ? { __num: ctx?.source ?? String(v) } : v,
  ) as { result: unknown };
  return JSON.stringify(parsed.result);
}

export class OpaRunner {
  private readonly servers: Record<0 | 1, Server>;
  private readonly dir = mkdtempSync(join(tmpdir(), "fuzz-rego-opa-"));
  private readonly opa: string;
  constructor(opa = requireOpa()) {
    this.opa = opa;
    this.servers = { 0: new Server(opa, true), 1: new Server(opa, false) };
  }

  async start(): Promise<void> {
    await Promise.all([this.servers[0].start(), this.servers[1].start()]);
  }

  stop(): void {
    this.servers[0].stop();
    this.servers[1].stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  async run(p: Program, timeoutMs = 5000): Promise<Outcome> {
    const s = this.servers[p.regoVersion];
    if (s.stale) {
      s.stop();
      await s.start();
    }
    let res: { outcome: Outcome; putFailed: boolean };
    try {
      res = await s.run(p, timeoutMs);
    } catch (e) {
      // a query that runs away keeps the server busy, and one that kills it drops the connection
      // ("fetch failed"): either way start a fresh server and skip the program
      const dropped = e instanceof TypeError && e.message === "fetch failed";
      if ((e as Error).name !== "TimeoutError" && !dropped) throw e;
      s.stop();
      await s.start();
      return { kind: "timeout" };
    }
    if (res.putFailed && p.modules.length > 1) return this.check(p) ?? res.outcome;
    return res.outcome;
  }

  /** Compile errors of all modules compiled together (undefined when `opa check` finds none: the PUT's error stands). */
  private check(p: Program): Outcome | undefined {
    const files = p.modules.map((m) => {
      const f = join(this.dir, m.file);
      writeFileSync(f, m.source);
      return f;
    });
    const args = ["check", "--format", "json", ...(p.regoVersion === 0 ? ["--v0-compatible"] : []), ...files];
    let out: string;
    try {
      out = execFileSync(this.opa, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    } catch (e) {
      const err = e as { stdout?: string; stderr?: string };
      out = err.stdout || err.stderr || "";
    }
    const parsed = JSON.parse(out || "{}") as { errors?: { code: string; message: string }[] };
    if (!parsed.errors?.length) return undefined;
    return errorOutcome({ errors: parsed.errors });
  }
}
