import type { Body, Module, Rule, Term } from "../../rego/ast.ts";

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
  const term = (t: Term | undefined): void => {
    if (t === undefined) return;
    switch (t.type) {
      case "ref": {
        if (t.head.type === "var" && t.head.name === "data") {
          const first = t.path[0];
          if (first === undefined || first.type !== "string" || !ALLOWED.has(first.value))
            out.push(renderRef(t));
        } else term(t.head);
        t.path.forEach(term);
        return;
      }
      case "array":
      case "set":
        t.items.forEach(term);
        return;
      case "object":
        for (const [k, v] of t.entries) {
          term(k);
          term(v);
        }
        return;
      case "arraycompr":
      case "setcompr":
        term(t.head);
        body(t.body);
        return;
      case "objectcompr":
        term(t.key);
        term(t.value);
        body(t.body);
        return;
      case "call":
        term(t.op);
        t.args.forEach(term);
        return;
      case "template":
        for (const p of t.parts) if (typeof p !== "string") term(p);
        return;
      default:
        return;
    }
  };
  const body = (b: Body): void => {
    for (const e of b) {
      const k = e.kind;
      switch (k.type) {
        case "term":
          term(k.term);
          break;
        case "call":
          term(k.op);
          k.args.forEach(term);
          break;
        case "some":
          k.vars.forEach(term);
          break;
        case "somein":
          term(k.key);
          term(k.value);
          term(k.collection);
          break;
        case "every":
          term(k.key);
          term(k.value);
          term(k.domain);
          body(k.body);
          break;
      }
      for (const w of e.with) {
        term(w.target);
        term(w.value);
      }
    }
  };
  const rule = (r: Rule | undefined): void => {
    if (r === undefined) return;
    r.head.ref.forEach(term);
    term(r.head.key);
    term(r.head.value);
    r.head.args?.forEach(term);
    body(r.body);
    rule(r.else);
  };
  for (const imp of mod.imports) term(imp.path);
  mod.rules.forEach(rule);
  return out;
}
