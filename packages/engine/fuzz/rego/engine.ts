/** Runs a program through Portcullis' engine: compile the modules, evaluate `data.fuzz` with the program's input and data. */
import { compile, RegoError } from "../../src/index.ts";
import { toJSONText, type Value } from "../../src/rego/value.ts";
import { parseValue } from "./case.ts";
import type { Program } from "./gen/program.ts";
import { canonValue, type Outcome } from "./outcome.ts";

/** Fixed clock, so time builtins given no explicit time agree run to run. */
const NOW_NS = 1_700_000_000_000_000_000n;

/**
 * A value as OPA receives it: the JSON text sent to opa, read back with exact
 * integers. A generated double such as 1e300 goes to OPA as its exact digits,
 * so the engine must be given those digits too, not the double.
 */
function asSent(v: Value): Value {
  return parseValue(toJSONText(v)) as Value;
}

export function runEngine(p: Program, timeoutMs = 3000): Outcome {
  try {
    const policy = compile(
      p.modules.map((m) => ({ file: m.file, source: m.source, regoVersion: p.regoVersion })),
      { regoVersion: p.regoVersion },
    );
    const rows = policy.prepare("x := data.fuzz").eval({
      input: p.input === undefined ? undefined : asSent(p.input),
      data: asSent(p.data),
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
