/**
 * A disagreement on file: the (shrunk) program, OPA's outcome as the
 * expected one and the engine's. The same format is a regression case in
 * test/fuzz/cases/, which the engine's tests replay without opa.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { toJSONText, type Value } from "../../src/rego/value.ts";
import type { Program } from "./gen/program.ts";
import type { Outcome } from "./outcome.ts";

export interface FuzzCase {
  note: string;
  program: Program;
  /** OPA's outcome. */
  want: Outcome;
  /** The engine's outcome when the case was found. */
  got?: Outcome;
}

export function writeCase(file: string, c: FuzzCase): void {
  const p = c.program;
  const text = [
    "{",
    `  "note": ${JSON.stringify(c.note)},`,
    `  "regoVersion": ${p.regoVersion},`,
    `  "strictBuiltinErrors": ${p.strictBuiltinErrors},`,
    `  "modules": ${JSON.stringify(p.modules, null, 2).replace(/\n/g, "\n  ")},`,
    ...(p.input === undefined ? [] : [`  "input": ${toJSONText(p.input)},`]),
    `  "data": ${toJSONText(p.data)},`,
    ...(c.got ? [`  "got": ${JSON.stringify(c.got)},`] : []),
    `  "want": ${JSON.stringify(c.want)}`,
    "}",
    "",
  ].join("\n");
  writeFileSync(file, text);
}

/** JSON text to a Rego value, integers beyond 2^53 kept exact as bigints. */
export function parseValue(text: string): unknown {
  return JSON.parse(text, (_k, v, ctx?: { source?: string }) => {
    if (typeof v !== "number" || Number.isSafeInteger(v) || !ctx?.source || !/^-?\d+$/.test(ctx.source))
      return v;
    return BigInt(ctx.source);
  });
}

export function readCase(file: string): FuzzCase {
  const j = parseValue(readFileSync(file, "utf8")) as Record<string, unknown>;
  return {
    note: String(j.note ?? ""),
    program: {
      regoVersion: j.regoVersion === 0 ? 0 : 1,
      strictBuiltinErrors: !!j.strictBuiltinErrors,
      modules: j.modules as Program["modules"],
      input: j.input as Value | undefined,
      data: (j.data ?? {}) as Value,
    },
    want: j.want as Outcome,
    got: j.got as Outcome | undefined,
  };
}
