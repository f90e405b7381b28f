/**
 * rego.parse_module(filename, source): the module's AST as JSON in OPA's
 * shape ({package, imports, rules}; terms as {type, value}), without locations.
 */
import type { Body, Expr, Module, Rule, Term } from "../ast.ts";
import { BuiltinError } from "../builtins/builtin.ts";
import { fromJS } from "../compile/jsvalue.ts";
import { RegoError } from "../errors.ts";
import { parseModule } from "../syntax/index.ts";
import type { Value } from "../value.ts";

export function parseModuleBuiltin(file: string, source: string): Value {
  let m: Module;
  try {
    m = parseModule(source, file, { regoVersion: 1 });
  } catch (e) {
    if (e instanceof RegoError) throw new BuiltinError(e.message);
    throw e;
  }
  return fromJS(moduleJSON(m));
}

function moduleJSON(m: Module): unknown {
  const pkgPath = [{ type: "var", value: "data" }, ...m.package.map((p) => ({ type: "string", value: p }))];
  return {
    package: { path: pkgPath },
    ...(m.imports.length
      ? { imports: m.imports.map((i) => ({ path: term(i.path), ...(i.alias ? { alias: i.alias } : {}) })) }
      : {}),
    ...(m.rules.length ? { rules: m.rules.map(rule) } : {}),
  };
}

function rule(r: Rule): unknown {
  const h = r.head;
  const name = h.ref[0]?.type === "string" ? h.ref[0].value : h.ref[0]?.type === "var" ? h.ref[0].name : "";
  const head: Record<string, unknown> = {
    name,
    ref: [{ type: "var", value: name }, ...h.ref.slice(1).map(term)],
  };
  if (h.args) head.args = h.args.map(term);
  if (h.key) head.key = term(h.key);
  if (h.value) head.value = term(h.value);
  if (h.assign) head.assign = true;
  const out: Record<string, unknown> = { head, body: body(r.body) };
  if (r.isDefault) out.default = true;
  if (r.else) out.else = rule(r.else);
  return out;
}

function body(b: Body): unknown[] {
  return b.map((e, i) => expr(e, i));
}

function expr(e: Expr, index: number): unknown {
  const k = e.kind;
  const out: Record<string, unknown> = { index };
  if (e.negated) out.negated = true;
  switch (k.type) {
    case "term":
      out.terms = term(k.term);
      break;
    case "call":
      out.terms = [term(k.op), ...k.args.map(term)];
      break;
    case "some":
      out.terms = {
        type: "call",
        value: [{ type: "ref", value: [{ type: "var", value: "some" }] }, ...k.vars.map(term)],
      };
      break;
    case "somein":
      out.terms = {
        type: "call",
        value: [
          {
            type: "ref",
            value: [
              { type: "var", value: "internal" },
              { type: "string", value: "member_2" },
            ],
          },
          ...(k.key ? [term(k.key)] : []),
          term(k.value),
          term(k.collection),
        ],
      };
      break;
    case "every":
      out.terms = {
        key: k.key ? term(k.key) : null,
        value: term(k.value),
        domain: term(k.domain),
        body: body(k.body),
      };
      break;
    default:
      out.terms = null;
  }
  if (e.with.length) out.with = e.with.map((w) => ({ target: term(w.target), value: term(w.value) }));
  return out;
}

function term(t: Term): unknown {
  switch (t.type) {
    case "null":
      return { type: "null" };
    case "boolean":
    case "string":
      return { type: t.type, value: t.value };
    case "number":
      return { type: "number", value: t.value };
    case "var":
      return { type: "var", value: t.name };
    case "ref":
      return { type: "ref", value: [term(t.head), ...t.path.map(term)] };
    case "array":
    case "set":
      return { type: t.type, value: t.items.map(term) };
    case "object":
      return { type: "object", value: t.entries.map(([k, v]) => [term(k), term(v)]) };
    case "arraycompr":
      return { type: "arraycomprehension", value: { term: term(t.head), body: body(t.body) } };
    case "setcompr":
      return { type: "setcomprehension", value: { term: term(t.head), body: body(t.body) } };
    case "objectcompr":
      return {
        type: "objectcomprehension",
        value: { key: term(t.key), value: term(t.value), body: body(t.body) },
      };
    case "call":
      return { type: "call", value: [term(t.op), ...t.args.map(term)] };
    case "template":
      return { type: "templatestring", value: t.parts.map((p) => (typeof p === "string" ? p : term(p))) };
  }
}
