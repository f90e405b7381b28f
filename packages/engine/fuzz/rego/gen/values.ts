/**
 * Random values: edge values of every JSON type (empty, huge, unicode,
 * NaN-like strings, negative, very large numbers) and strings shaped for the
 * builtins that parse them (CIDRs, semvers, regexes, times, encodings), so a
 * call gets past its argument checks often enough to exercise the rest.
 */
import { RSet, termString, type Value } from "../../../src/rego/value.ts";
import type { Rand } from "../random.ts";
import type { GenType } from "./types.ts";

export const EDGE_NUMBERS: Value[] = [
  0,
  1,
  -1,
  2,
  3,
  7,
  10,
  100,
  0.5,
  -2.5,
  1.5,
  3.14158,
  1e-7,
  255,
  65536,
  2147483648,
  -2147483649,
  9007199254740993n,
  123456789012345678901234567890n,
  1e21,
  1e300,
  -1e300,
];

export const SMALL_NUMBERS: Value[] = [0, 1, -1, 2, 3, 5, 10, 0.5, -3];

export const EDGE_STRINGS: string[] = [
  "",
  "a",
  "abc",
  "A.b-c_d",
  "x y",
  "  pad  ",
  "é",
  "日本語",
  "🙂x",
  "NaN",
  "Infinity",
  "-0",
  "1e400",
  "0x1F",
  "12",
  "-3.5",
  "true",
  "null",
  "10.0.0.0/8",
  "192.168.1.1",
  "192.168.0.0/16",
  "::1",
  "2001:db8::/32",
  "1.2.3",
  "v1.2.3-alpha+b",
  "2.0.0",
  "a*b",
  "*.example.com",
  "[a-z]+",
  "^x(y)?$",
  "(",
  "%v",
  "%d-%s",
  "{{.x}}",
  "2023-01-02T03:04:05Z",
  "2006-01-02",
  "RFC3339",
  "1h30m",
  "-5s",
  "10Gi",
  "1.5K",
  "aGVsbG8=",
  "aGVsbG8",
  "68656c6c6f",
  '{"a":1,"b":[true]}',
  "[1,2",
  "a: 1\nb: [x]",
  "https://u:p@h.example:8080/p/a?q=1&r=%20#f",
  "a=1&b=2&a=3",
  "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.x",
  "550e8400-e29b-41d4-a716-446655440000",
  "query { a }",
  "type Query { a: Int }",
  "\\",
  "\n\t",
  "a,b,,c",
  "x".repeat(300),
];

export const KEYS = ["a", "b", "c", "k", "x", "", "é", "1", "a.b", "with space"];

function pickNumber(r: Rand): Value {
  if (r.chance(0.3)) return r.int(20) - 5;
  return r.pick(EDGE_NUMBERS);
}

function pickString(r: Rand): string {
  if (r.chance(0.25)) return r.pick(["a", "b", "c", "ab", "x", "y"]);
  return r.pick(EDGE_STRINGS);
}

/** A random value of `ty`; `json` keeps it to JSON (no sets, string keys) for input and data. */
export function randomValue(r: Rand, ty: GenType, depth = 0, json = false): Value {
  const size = () => (depth > 2 ? r.int(2) : r.int(4));
  switch (ty.t) {
    case "num":
      return pickNumber(r);
    case "str":
      return pickString(r);
    case "bool":
      return r.chance(0.5);
    case "null":
      return null;
    case "arr":
      return Array.from({ length: size() }, () => randomValue(r, ty.of, depth + 1, json));
    case "tuple":
      return ty.items.map((x) => randomValue(r, x, depth + 1, json));
    case "set": {
      const xs = Array.from({ length: size() }, () => randomValue(r, ty.of, depth + 1, json));
      return json ? xs : new RSet(xs);
    }
    case "obj": {
      const o: Record<string, Value> = {};
      for (const [k, v] of ty.props) if (r.chance(0.7)) o[k] = randomValue(r, v, depth + 1, json);
      for (let i = size(); i > 0; i--) o[r.pick(KEYS)] = randomValue(r, ty.val, depth + 1, json);
      return o;
    }
    case "or":
      return randomValue(r, r.pick(ty.of), depth, json);
    case "any":
      return randomValue(r, anyShape(r, depth), depth, json);
  }
}

function anyShape(r: Rand, depth: number): GenType {
  const leaf: GenType[] = [{ t: "num" }, { t: "str" }, { t: "bool" }, { t: "null" }];
  if (depth > 2) return r.pick(leaf);
  const any: GenType = { t: "any" };
  return r.pick([
    ...leaf,
    { t: "str" },
    { t: "num" },
    { t: "arr", of: any },
    { t: "set", of: any },
    { t: "obj", key: { t: "str" }, val: any, props: [] },
  ]);
}

/** A value as a Rego literal term. */
export function literal(v: Value): string {
  return termString(v);
}
