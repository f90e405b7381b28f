/** Runs a program through Portcullis' engine: compile the modules, evaluate `data.fuzz` with the program's input and data. */
import { compile, RegoError } from "../../src/index.ts";
import type { Program } from "./gen/program.ts";
import { canonValue, type Outcome } from "./outcome.ts";

/** Fixed clock, so time builtins given no explicit time agree run to run. */
const NOW_NS = 1_700_000_000_000_000_000n;

export function runEngine(p: Program, timeoutMs = 3000): Outcome {
  try {
    const policy = compile(
      p.modules.map((m) => ({ file: m.file, source: m.source, regoVersion: p.regoVersion })),
      { regoVersion: p.regoVersion },
    );
    const rows = policy.prepare("x := data.fuzz").eval({
      input: p.input,
      data: p.data,
      strictBuiltinErrors: p.strictBuiltinErrors,
      deadline: Date.now() + timeoutMs,
      nowNs: NOW_NS,
      print: () => {},
    });
    if (rows.length === 0) return { kind: "undefined" };
    return { kind: "value", text: canonValue(rows[0].x) };
  } catch (e) {
    if (e instanceof RegoError) {
      const codes = [...new Set(e.errors.map((d) => d.code))].sort();
      if (codes.includes("eval_cancel_error")) return { kind: "timeout" };
      return { kind: "error", codes, message: e.message };
    }
    return { kind: "crash", message: (e as Error)?.stack ?? String(e) };
  }
}
