/** Rego term text as OPA's Value.String() prints it inside error messages. */
import { NumText, numberText, RSet, sortedEntries, textOf, type Value } from "../../value.ts";
import { goQuote } from "../go/quote.ts";

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
  if (v instanceof NumText) return textOf(v);
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
  if (v instanceof NumText) return "ast.Number";
  if (Array.isArray(v)) return "*ast.Array";
  if (v instanceof RSet) return "*ast.set";
  return "*ast.object";
}
