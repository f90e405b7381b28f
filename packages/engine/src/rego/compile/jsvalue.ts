/** Plain JS (parsed YAML/JSON) → Rego value. */
import { normInt, type PlainObject, setOwn, type Value } from "../value.ts";

export function fromJS(v: unknown): Value {
  if (v === null || v === undefined) return null;
  if (typeof v === "bigint") return normInt(v);
  if (typeof v === "number" || typeof v === "string" || typeof v === "boolean") return v;
  if (Array.isArray(v)) return v.map(fromJS);
  if (v instanceof Date) return v.toISOString();
  if (typeof v === "object") {
    const o: PlainObject = {};
    for (const [k, x] of Object.entries(v as object)) setOwn(o, k, fromJS(x));
    return o;
  }
  return String(v);
}
