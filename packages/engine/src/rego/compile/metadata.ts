/**
 * rego.metadata.rule() / rego.metadata.chain(): the annotations in scope of
 * the rule containing the call are known at compile time, so the calls
 * compile to constants.
 */
import type { Module, Rule } from "../ast.ts";
import type { Value } from "../value.ts";
import { fromJS } from "./jsvalue.ts";

export interface RuleMeta {
  rule: Value;
  chain: Value;
}

/** OPA's JSON form of one annotation block. */
function normalize(ann: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(ann)) {
    if (k === "location") continue;
    if (k === "authors" && Array.isArray(v)) out[k] = v.map(author);
    else if (k === "related_resources" && Array.isArray(v))
      out[k] = v.map((r) => (typeof r === "string" ? { ref: r } : r));
    else out[k] = v;
  }
  return out;
}

function author(a: unknown): unknown {
  if (typeof a !== "string") return a;
  const m = /^(.*?)\s*<([^>]+)>\s*$/.exec(a);
  if (m) return m[1] ? { name: m[1], email: m[2] } : { email: m[2] };
  return { name: a.trim() };
}

/** OPA's rule path: the package and the ground prefix of the rule's ref (a partial object's key included). */
function rulePath(rule: Rule, mod: Module, name: string): string[] {
  const h = rule.head;
  const out = [...mod.package, name];
  for (const t of h.kind === "object" && h.key ? [...h.ref.slice(1), h.key] : h.ref.slice(1)) {
    if (t.type === "string") out.push(t.value);
    else if (t.type === "number") out.push(t.raw);
    else if (t.type === "boolean" || t.type === "null")
      out.push(t.type === "null" ? "null" : String(t.value));
    else break;
  }
  return out;
}

export function ruleMeta(rule: Rule, mod: Module, modules: Module[], name: string): RuleMeta {
  const path = rulePath(rule, mod, name);
  const own = rule.annotations && rule.annotations.scope !== "document" ? rule.annotations : undefined;
  const chain: Record<string, unknown>[] = [];
  const first: Record<string, unknown> = { path };
  if (own) first.annotations = normalize(own);
  chain.push(first);
  // document scope: any rule of the same name in the package
  for (let k = 0; k < modules.length; k++) {
    const m = modules[k];
    if (m.package.join(".") !== mod.package.join(".")) continue;
    for (let j = 0; j < m.rules.length; j++) {
      const r = m.rules[j];
      const h = r.head.ref[0];
      const n = h?.type === "string" ? h.value : h?.type === "var" ? h.name : "";
      if (n === name && r.annotations?.scope === "document")
        chain.push({ path, annotations: normalize(r.annotations) });
    }
  }
  // package scope for this package, subpackages scope for it and its ancestors
  for (let i = mod.package.length; i >= 0; i--) {
    const prefix = mod.package.slice(0, i);
    for (let j = 0; j < modules.length; j++) {
      const m = modules[j];
      if (m.package.join(".") !== prefix.join(".")) continue;
      for (const a of m.annotations ?? []) {
        if ((a.scope === "package" && i === mod.package.length) || a.scope === "subpackages")
          chain.push({ path: prefix, annotations: normalize(a) });
      }
    }
  }
  return { rule: fromJS(own ? normalize(own) : {}), chain: fromJS(chain) };
}
