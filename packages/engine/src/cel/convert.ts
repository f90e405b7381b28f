import { type CelValue, isCelList, isCelMap, isCelUint } from "@bufbuild/cel";

// Kubernetes JSON arrives as plain JS; CEL wants integers as bigint (CEL int) and
// objects as Maps. Converted once per review, then shared by every expression.
export function jsonToCel(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case "number":
      return Number.isInteger(v) ? BigInt(v) : v;
    case "string":
    case "boolean":
    case "bigint":
      return v;
    case "object": {
      if (Array.isArray(v)) return v.map(jsonToCel);
      if (v instanceof Map) {
        const m = new Map<string, unknown>();
        for (const [k, x] of v) m.set(String(k), jsonToCel(x));
        return m;
      }
      const m = new Map<string, unknown>();
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        if (x !== undefined) m.set(k, jsonToCel(x));
      }
      return m;
    }
    default:
      return null;
  }
}

// Back to plain JSON (for messages and details): int → number when safe.
export function celToJson(v: CelValue | unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === "bigint") {
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  }
  if (typeof v !== "object") return v;
  if (isCelUint(v)) return celToJson(v.value);
  if (isCelList(v) || Array.isArray(v)) return [...(v as Iterable<unknown>)].map(celToJson);
  if (isCelMap(v) || v instanceof Map) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of v as Map<unknown, unknown>) o[String(isCelUint(k) ? k.value : k)] = celToJson(x);
    return o;
  }
  return v;
}
