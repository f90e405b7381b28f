import type { Module, Term } from "../../rego/ast.ts";
import { walkTerms } from "../../rego/ast-walk.ts";

// Gatekeeper only lets templates read data.inventory and data.lib.*; anything else
// (including the template's own package through data.) is a template error.
const ALLOWED = new Set(["inventory", "lib"]);

function renderRef(t: Extract<Term, { type: "ref" }>): string {
  let s = "data";
  for (const p of t.path) {
    if (p.type === "string")
      s += /^[A-Za-z_][A-Za-z0-9_]*$/.test(p.value) ? `.${p.value}` : `[${JSON.stringify(p.value)}]`;
    else if (p.type === "var") s += `[${p.name}]`;
    else s += "[_]";
  }
  return s;
}

export function disallowedDataRefs(mod: Module): string[] {
  const out: string[] = [];
  walkTerms(mod, (t) => {
    if (t.type === "ref" && t.head.type === "var" && t.head.name === "data") {
      const first = t.path[0];
      if (first === undefined || first.type !== "string" || !ALLOWED.has(first.value)) out.push(renderRef(t));
    }
    return true;
  });
  return out;
}
