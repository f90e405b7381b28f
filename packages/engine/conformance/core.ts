/**
 * OPA conformance runner core: loads the YAML cases of a tree (v0/ or v1/),
 * runs each through compile/prepare/eval and compares as OPA's harness does.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { parse as parseYaml } from "yaml";
import { type BuiltinDef, compile, RegoError, type Value } from "../src/index.ts";
import { compileParsed } from "../src/rego/index.ts";
import { isObject, NumText, numOf, objEntries, RSet, compare as regoCompare } from "../src/rego/value.ts";

/** Builtins OPA's own test harness provides to the conformance cases. */
const TEST_BUILTINS: BuiltinDef[] = [
  {
    name: "test.sleep",
    arity: 1,
    impl: (args) => {
      const ms = Number.parseInt(String(args[0]), 10) || 0;
      const until = Date.now() + ms;
      while (Date.now() < until) {
        // busy-wait: the case checks that time.now_ns stays fixed within one query
      }
      return null;
    },
  },
];

export interface Case {
  note: string;
  query: string;
  modules?: string[];
  data?: unknown;
  input?: unknown;
  input_term?: string;
  want_result?: Record<string, unknown>[];
  want_error_code?: string;
  want_error?: string;
  strict_error?: boolean;
  sort_bindings?: boolean;
  ignore_generated_vars?: boolean;
}

export interface CaseResult {
  dir: string;
  file: string;
  note: string;
  ok: boolean;
  reason?: string;
  ms: number;
}

export interface DirSummary {
  dir: string;
  passed: number;
  failed: number;
}

/** Default conformance root: ../shared/corpus/opa-conformance from the repo root. */
export function defaultRoot(): string {
  return new URL("../../../../shared/corpus/opa-conformance", import.meta.url).pathname;
}

/** YAML → Rego value, keeping integers beyond 2^53 exact. */
export function fromYaml(v: unknown): Value {
  if (typeof v === "bigint")
    return Number.isSafeInteger(Number(v)) && BigInt(Number(v)) === v ? Number(v) : v;
  if (Array.isArray(v)) return v.map(fromYaml);
  if (v !== null && typeof v === "object") {
    const o: Record<string, Value> = {};
    for (const [k, x] of Object.entries(v)) o[k] = fromYaml(x);
    return o;
  }
  return v as Value;
}

export function loadCases(file: string): Case[] {
  const docs = readFileSync(file, "utf8");
  const parsed = parseYaml(docs, { intAsBigInt: true, maxAliasCount: -1 }) as { cases?: Case[] };
  return parsed?.cases ?? [];
}

/** Result values to plain comparable form: sets → sorted arrays, objects → plain maps. */
function norm(v: Value): unknown {
  // the expected YAML numbers are JS numbers: compare a NumText (1.0, 100.10) by its value
  if (v instanceof NumText) return numOf(v);
  if (Array.isArray(v)) return v.map(norm);
  if (v instanceof RSet) return v.sorted().map(norm);
  if (isObject(v)) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of objEntries(v)) o[typeof k === "string" ? k : JSON.stringify(norm(k))] = norm(x);
    return o;
  }
  return v;
}

function deepEq(a: unknown, b: unknown): boolean {
  if ((typeof a === "number" || typeof a === "bigint") && (typeof b === "number" || typeof b === "bigint"))
    // biome-ignore lint/suspicious/noDoubleEquals: numbers compare by value across number/bigint
    return a == b;
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => deepEq(x, b[i]));
  }
  if (a && b && typeof a === "object" && typeof b === "object" && !Array.isArray(b)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    if (ka.length !== kb.length) return false;
    return ka.every((k) => Object.hasOwn(b, k) && deepEq((a as never)[k], (b as never)[k]));
  }
  return false;
}

function sortArrays(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row))
    out[k] = Array.isArray(v) ? [...(v as Value[])].sort((x, y) => regoCompare(x as Value, y as Value)) : v;
  return out;
}

function sameRows(actual: Record<string, unknown>[], want: Record<string, unknown>[]): boolean {
  const dedupe = (rows: Record<string, unknown>[]) => {
    const out: Record<string, unknown>[] = [];
    for (const r of rows) if (!out.some((x) => deepEq(x, r))) out.push(r);
    return out;
  };
  const a = dedupe(actual);
  const w = dedupe(want);
  if (a.length !== w.length) return false;
  return w.every((r) => a.some((x) => deepEq(x, r)));
}

const show = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? `${x}n` : x));

export function runCase(c: Case, regoVersion: 0 | 1, timeoutMs = 5000): { ok: boolean; reason?: string } {
  const wantsError = c.want_error_code !== undefined || c.want_error !== undefined;
  const matchesError = (e: RegoError) => {
    const texts = e.errors.map((d) => `${d.code}: ${d.message}`);
    texts.push(e.message);
    if (c.want_error_code && !e.errors.some((d) => d.code === c.want_error_code)) return false;
    if (c.want_error && !texts.some((t) => t.includes(c.want_error!))) return false;
    return true;
  };
  try {
    const policy = compile(
      (c.modules ?? []).map((source, i) => ({ file: `test-${i}.rego`, source, regoVersion })),
      { regoVersion, builtins: TEST_BUILTINS },
    );
    const pq = policy.prepare(c.query);
    let input: Value | undefined;
    if (c.input_term !== undefined) {
      const rows = compileParsed([]).prepare(`__input__ = ${c.input_term}`).eval();
      input = rows[0]?.__input__;
    } else if (c.input !== undefined) input = fromYaml(c.input);
    const rows = pq.eval({
      input,
      data: c.data === undefined ? {} : fromYaml(c.data),
      strictBuiltinErrors: !!c.strict_error,
      deadline: Date.now() + timeoutMs,
      nowNs: BigInt(Date.now()) * 1000000n,
    });
    if (wantsError)
      return {
        ok: false,
        reason: `wanted error ${c.want_error_code ?? ""} ${c.want_error ?? ""}, got ${show(rows.map((r) => norm(r as Value)))}`,
      };
    let actual = rows.map((r) => norm(r as Value) as Record<string, unknown>);
    if (c.ignore_generated_vars)
      actual = actual.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !k.startsWith("__"))));
    let want = (c.want_result ?? []).map((r) => fromYaml(r) as Record<string, unknown>);
    want = want.map((r) => norm(r as Value) as Record<string, unknown>);
    if (c.sort_bindings) {
      actual = actual.map(sortArrays);
      want = want.map(sortArrays);
    }
    if (!sameRows(actual, want)) return { ok: false, reason: `got ${show(actual)} want ${show(want)}` };
    return { ok: true };
  } catch (e) {
    if (e instanceof RegoError) {
      if (wantsError && matchesError(e)) return { ok: true };
      return { ok: false, reason: `error ${e.message.split("\n")[0]}` };
    }
    return { ok: false, reason: `crash ${(e as Error)?.stack?.split("\n").slice(0, 3).join(" | ")}` };
  }
}

/** Run every case under a tree (v0 or v1); the tree's name gives the modules' Rego version. */
export function runTree(tree: string, onCase?: (r: CaseResult) => void): CaseResult[] {
  const regoVersion: 0 | 1 = basename(tree) === "v0" ? 0 : 1;
  const out: CaseResult[] = [];
  const dirs = readdirSync(tree)
    .filter((d) => statSync(join(tree, d)).isDirectory())
    .sort();
  for (const d of dirs) {
    const files = readdirSync(join(tree, d))
      .filter((f) => f.endsWith(".yaml"))
      .sort();
    for (const file of files) {
      for (const c of loadCases(join(tree, d, file))) {
        const t0 = performance.now();
        const r = runCase(c, regoVersion);
        const res: CaseResult = {
          dir: `${basename(tree)}/${d}`,
          file,
          note: c.note,
          ok: r.ok,
          reason: r.reason,
          ms: performance.now() - t0,
        };
        out.push(res);
        onCase?.(res);
      }
    }
  }
  return out;
}

export function summarize(results: CaseResult[]): DirSummary[] {
  const m = new Map<string, DirSummary>();
  for (const r of results) {
    let s = m.get(r.dir);
    if (!s) {
      s = { dir: r.dir, passed: 0, failed: 0 };
      m.set(r.dir, s);
    }
    if (r.ok) s.passed++;
    else s.failed++;
  }
  return [...m.values()];
}
