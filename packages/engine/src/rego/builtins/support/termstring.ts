/** Rego term text as OPA's Value.String() prints it inside error messages. */
import { numberText, RSet, sortedEntries, type Value } from "../../value.ts";

const GO_ESC: Record<string, string> = {
  "\x07": "\\a",
  "\b": "\\b",
  "\f": "\\f",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\v": "\\v",
  "\\": "\\\\",
  '"': '\\"',
};

/** strconv.Quote, close enough for messages: named escapes, \xNN for other control bytes. */
export function goQuote(s: string): string {
  return `"${s.replace(/[\x00-\x1f\x7f\\"]/g, (c) => GO_ESC[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`)}"`;
}

export function termString(v: Value): string {
  switch (typeof v) {
    case "string":
      return goQuote(v);
    case "number":
      return numberText(v);
    case "bigint":
      return v.toString();
    case "boolean":
      return String(v);
  }
  if (v === null) return "null";
  if (Array.isArray(v)) return `[${v.map(termString).join(", ")}]`;
  if (v instanceof RSet) return v.size === 0 ? "set()" : `{${v.sorted().map(termString).join(", ")}}`;
  return `{${sortedEntries(v)
    .map(([k, x]) => `${termString(k)}: ${termString(x)}`)
    .join(", ")}}`;
}

/** Go's %T for an OPA scalar value in messages. */
export function goTypeName(v: Value): string {
  switch (typeof v) {
    case "string":
      return "ast.String";
    case "number":
    case "bigint":
      return "ast.Number";
    case "boolean":
      return "ast.Boolean";
  }
  if (v === null) return "ast.Null";
  if (Array.isArray(v)) return "*ast.Array";
  if (v instanceof RSet) return "*ast.set";
  return "*ast.object";
}
