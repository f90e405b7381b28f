/**
 * What a program evaluated to, on either side, in one comparable form: the
 * document `data.fuzz` as canonical JSON text (numbers by exact decimal
 * value, object keys sorted, sets as arrays in Rego's order as both sides
 * print them), or the error codes it failed with (parse, compile, type,
 * safety, recursion, conflict, builtin, …).
 */
import { isObject, NumText, numberText, objEntries, RSet, textOf, type Value } from "../../src/rego/value.ts";

export type Outcome =
  | { kind: "value"; text: string }
  | { kind: "undefined" }
  | { kind: "error"; codes: string[]; message: string }
  | { kind: "timeout" }
  | { kind: "crash"; message: string };

/** A decimal numeral as (digits, exponent) with no leading/trailing zeros: `1.50e2` and `150` both give `15e1`. */
export function canonNumber(text: string): string {
  const m = /^(-?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  if (!m) return `?${text}`;
  const [, sign, int, frac = "", exp = "0"] = m;
  let digits = (int + frac).replace(/^0+/, "");
  let e = BigInt(exp) - BigInt(frac.length);
  if (digits === "") return "0";
  while (digits.endsWith("0")) {
    digits = digits.slice(0, -1);
    e++;
  }
  return `${sign}${digits}e${e}`;
}

function str(s: string): string {
  return JSON.stringify(s);
}

/** OPA's JSON text to canonical text, reading numbers from their source text (exact beyond 2^53). */
export function canonJSONText(text: string): string {
  const parsed = JSON.parse(text, (_k, v, ctx?: { source?: string }) =>
    typeof v === "number" ? { __num: ctx?.source ?? String(v) } : v,
  ) as unknown;
  return canonJS(parsed);
}

function canonJS(v: unknown): string {
  if (v === null) return "null";
  if (typeof v === "boolean") return String(v);
  if (typeof v === "string") return str(v);
  if (Array.isArray(v)) return `[${v.map(canonJS).join(",")}]`;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length === 1 && keys[0] === "__num" && typeof o.__num === "string") return canonNumber(o.__num);
  keys.sort();
  return `{${keys.map((k) => `${str(k)}:${canonJS(o[k])}`).join(",")}}`;
}

/** An engine value to the same canonical text. Non-string keys are written as OPA writes them: their JSON text. */
export function canonValue(v: Value): string {
  switch (typeof v) {
    case "number":
      // a non-finite number (the engine's float64 overflowed) has no JSON form: a marker string, never equal to OPA's number
      return Number.isFinite(v) ? canonNumber(String(v)) : str(`?${v}`);
    case "bigint":
      return canonNumber(v.toString());
    case "string":
      return str(v);
    case "boolean":
      return String(v);
  }
  if (v === null) return "null";
  if (v instanceof NumText) return canonNumber(textOf(v));
  if (Array.isArray(v)) return `[${v.map(canonValue).join(",")}]`;
  if (v instanceof RSet) return `[${v.sorted().map(canonValue).join(",")}]`;
  if (isObject(v)) {
    const ents: [string, string][] = [];
    for (const [k, x] of objEntries(v)) ents.push([typeof k === "string" ? k : keyText(k), canonValue(x)]);
    ents.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return `{${ents.map(([k, x]) => `${str(k)}:${x}`).join(",")}}`;
  }
  return str(`?${String(v)}`);
}

/** The JSON text OPA gives a non-string object key (Go's json.Marshal of the key's JSON value). */
function keyText(k: Value): string {
  return toJSONLike(k);
}

/** Go's encoding/json string: HTML-safe (<, >, & escaped) and U+2028/2029 escaped. */
function goString(s: string): string {
  return JSON.stringify(s).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

function toJSONLike(v: Value): string {
  switch (typeof v) {
    case "number":
      return Number.isFinite(v) ? numberText(v) : "null";
    case "bigint":
      return v.toString();
    case "string":
      return goString(v);
    case "boolean":
      return String(v);
  }
  if (v === null) return "null";
  if (v instanceof NumText) return textOf(v);
  if (Array.isArray(v)) return `[${v.map(toJSONLike).join(",")}]`;
  if (v instanceof RSet) return `[${v.sorted().map(toJSONLike).join(",")}]`;
  const ents: [string, string][] = [];
  for (const [k, x] of objEntries(v)) ents.push([typeof k === "string" ? k : keyText(k), toJSONLike(x)]);
  ents.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return `{${ents.map(([k, x]) => `${goString(k)}:${x}`).join(",")}}`;
}

/**
 * The kind of an error code: parse, compile (compile, type and recursion
 * errors, which OPA reports from one stage or another depending on what else
 * is wrong), safety, or the evaluation error's own code (conflict, builtin,
 * type, …).
 */
export function errorKind(code: string): string {
  if (code === "rego_parse_error") return "parse";
  if (code === "rego_unsafe_var_error") return "safety";
  if (code.startsWith("rego_")) return "compile";
  return code;
}

/**
 * Same result: equal documents, or errors sharing a kind (a program with
 * several faults may be reported for any of them, but both sides must name
 * one of the same kind); timeouts compare as nothing (skipped).
 */
export function agree(a: Outcome, b: Outcome): boolean {
  if (a.kind === "timeout" || b.kind === "timeout") return true;
  if (a.kind !== b.kind) return false;
  if (a.kind === "value" && b.kind === "value")
    return a.text === b.text || sameDoc(parseCanon(a.text), parseCanon(b.text));
  if (a.kind === "error" && b.kind === "error") {
    const kinds = new Set(a.codes.map(errorKind));
    return b.codes.some((c) => kinds.has(errorKind(c)));
  }
  return a.kind === "undefined";
}

type Canon = null | boolean | string | { num: string } | Canon[] | { [k: string]: Canon };

function parseCanon(text: string): Canon {
  return JSON.parse(text, (_k, v, ctx?: { source?: string }) =>
    typeof v === "number" ? { num: ctx?.source ?? String(v) } : v,
  );
}

const isNum = (x: Canon): x is { num: string } =>
  x !== null &&
  typeof x === "object" &&
  !Array.isArray(x) &&
  typeof (x as { num?: unknown }).num === "string" &&
  Object.keys(x).length === 1;

/**
 * Numbers agree when equal, or — for a non-integer or an integer beyond
 * 2^53 on either side — when equal to double precision (within 2 ulp): the
 * engine computes those in float64, OPA in big floats of 64-bit mantissa,
 * and prints big literals exactly where the engine holds the nearest double.
 */
export function sameNumber(a: string, b: string): boolean {
  if (a === b) return true;
  const intA = !a.includes("e-") && Math.abs(Number(a)) <= Number.MAX_SAFE_INTEGER;
  const intB = !b.includes("e-") && Math.abs(Number(b)) <= Number.MAX_SAFE_INTEGER;
  if (intA && intB) return false;
  const x = Number(a);
  const y = Number(b);
  if (x === y) return true;
  return Math.abs(x - y) <= 2 * Number.EPSILON * Math.max(Math.abs(x), Math.abs(y));
}

function sameDoc(a: Canon, b: Canon): boolean {
  if (isNum(a) || isNum(b)) return isNum(a) && isNum(b) && sameNumber(a.num, b.num);
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return a === b;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => sameDoc(x, b[i]));
  }
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => Object.hasOwn(b, k) && sameDoc(a[k], b[k]));
}

/** One line saying what an outcome is. */
export function describe(o: Outcome): string {
  switch (o.kind) {
    case "value":
      return o.text.length > 400 ? `${o.text.slice(0, 400)}…` : o.text;
    case "error":
      return `${o.codes.join(",")}: ${o.message.split("\n")[0].slice(0, 300)}`;
    case "crash":
      return `crash: ${o.message.slice(0, 300)}`;
    default:
      return o.kind;
  }
}

/** The class of an outcome, for shrinking (a smaller program must fail the same way) and for counts. */
export function kindKey(o: Outcome): string {
  return o.kind === "error" ? `error:${[...new Set(o.codes.map(errorKind))].sort().join(",")}` : o.kind;
}
