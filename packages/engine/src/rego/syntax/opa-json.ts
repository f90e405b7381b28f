/**
 * The AST in OPA's JSON shape (as `opa parse --format json` and the
 * `rego.parse_module` builtin produce it, without locations), so builtins can
 * return parsed modules that policies index like `module.package.path[1].value`.
 */
import type { Body, Expr, Module, Rule, RuleHead, Term } from "../ast.ts";
import type { PlainObject, Value } from "../value.ts";

type J = PlainObject;

function t(type: string, value: Value): J {
  return { type, value };
}

export function termToJSON(x: Term): J {
  switch (x.type) {
    case "null":
      // OPA's JSON for the null term's value is an empty object
      return t("null", {});
    case "boolean":
      return t("boolean", x.value);
    case "number":
      return t("number", x.value);
    case "string":
      return t("string", x.value);
    case "var":
      return t("var", x.name);
    case "ref":
      return t("ref", refTerms(x));
    case "array":
      return t("array", x.items.map(termToJSON));
    case "set":
      return t("set", sorted(x.items).map(termToJSON));
    case "object":
      return t(
        "object",
        [...x.entries]
          .sort((a, b) => compareTerms(a[0], b[0]))
          .map(([k, v]) => [termToJSON(k), termToJSON(v)]),
      );
    case "arraycompr":
      return t("arraycomprehension", { term: termToJSON(x.head), body: bodyToJSON(x.body) });
    case "setcompr":
      return t("setcomprehension", { term: termToJSON(x.head), body: bodyToJSON(x.body) });
    case "objectcompr":
      return t("objectcomprehension", {
        key: termToJSON(x.key),
        value: termToJSON(x.value),
        body: bodyToJSON(x.body),
      });
    case "call":
      return t("call", [opToJSON(x.op), ...x.args.map(termToJSON)]);
    case "template": {
      // scalars are kept as terms; anything else is an expression (index 0)
      const parts = x.parts.map((p, i) => {
        if (typeof p === "string") return t("string", p);
        const w = x.with?.[i];
        if (isScalar(p) && !w) return termToJSON(p);
        const e: J = { index: 0, terms: p.type === "call" ? callTerms(p) : termToJSON(p) };
        if (w) e.with = w.map((m) => ({ target: termToJSON(m.target), value: termToJSON(m.value) }));
        return e;
      });
      return t("templatestring", { parts: parts.length ? parts : null, multi_line: x.multiLine === true });
    }
  }
}

// OPA prints set elements and object keys in its term order.
const RANK: Record<Term["type"], number> = {
  null: 0,
  boolean: 1,
  number: 2,
  string: 3,
  var: 4,
  ref: 5,
  array: 6,
  object: 7,
  set: 8,
  arraycompr: 9,
  objectcompr: 10,
  setcompr: 11,
  call: 12,
  template: 13,
};

function sorted(items: Term[]): Term[] {
  return [...items].sort(compareTerms);
}

/** An approximation of OPA's ast.Compare, exact for scalars (the usual keys). */
function compareTerms(a: Term, b: Term): number {
  if (a.type !== b.type) return RANK[a.type] - RANK[b.type];
  switch (a.type) {
    case "boolean":
      return Number(a.value) - Number((b as typeof a).value);
    case "number": {
      const x = a.value;
      const y = (b as typeof a).value;
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case "string":
      return compareUtf8(a.value, (b as typeof a).value);
    case "var":
      return compareUtf8(a.name, (b as typeof a).name);
    case "array": {
      const y = (b as typeof a).items;
      for (let i = 0; i < Math.min(a.items.length, y.length); i++) {
        const c = compareTerms(a.items[i], y[i]);
        if (c !== 0) return c;
      }
      return a.items.length - y.length;
    }
    default:
      return compareUtf8(
        JSON.stringify(termToJSON(a), jsonBigint),
        JSON.stringify(termToJSON(b), jsonBigint),
      );
  }
}

function jsonBigint(_k: string, v: unknown): unknown {
  return typeof v === "bigint" ? v.toString() : v;
}

const enc = new TextEncoder();
function compareUtf8(a: string, b: string): number {
  if (a === b) return 0;
  const x = enc.encode(a);
  const y = enc.encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

/** A ref's terms with the head first (`data` alone is `[var data]`). */
function refTerms(x: Extract<Term, { type: "ref" }>): Value[] {
  return [termToJSON(x.head), ...x.path.map(termToJSON)];
}

function isScalar(x: Term): boolean {
  return x.type === "string" || x.type === "number" || x.type === "boolean" || x.type === "null";
}

function callTerms(x: Extract<Term, { type: "call" }>): Value[] {
  return [opToJSON(x.op), ...x.args.map(termToJSON)];
}

/** OPA's operators are always refs (`ref[var equal]`). */
function opToJSON(op: Term): J {
  if (op.type === "var") return t("ref", [termToJSON(op)]);
  return termToJSON(op);
}

export function bodyToJSON(body: Body): Value[] {
  return body.map((e, i) => exprToJSON(e, i));
}

export function exprToJSON(e: Expr, index: number): J {
  const out: J = { index };
  const k = e.kind;
  switch (k.type) {
    case "term":
      out.terms = termToJSON(k.term);
      break;
    case "call":
      out.terms = [opToJSON(k.op), ...k.args.map(termToJSON)];
      break;
    case "some":
      out.terms = { symbols: k.vars.map(termToJSON) };
      break;
    case "somein": {
      const name = k.key ? "member_3" : "member_2";
      const op = t("ref", [t("var", "internal"), t("string", name)]);
      const args = k.key ? [k.key, k.value, k.collection] : [k.value, k.collection];
      out.terms = { symbols: [t("call", [op, ...args.map(termToJSON)])] };
      break;
    }
    case "every": {
      const ev: J = { value: termToJSON(k.value), domain: termToJSON(k.domain), body: bodyToJSON(k.body) };
      ev.key = k.key ? termToJSON(k.key) : null;
      out.terms = ev;
      break;
    }
    case "or":
    case "and":
      out.terms = { type: k.type, lhs: bodyToJSON(k.left), rhs: bodyToJSON(k.right) };
      break;
    case "not":
      out.terms = { type: "not", body: bodyToJSON(k.body), explicit_body: true };
      break;
  }
  if (e.generated) out.generated = true;
  if (e.negated) out.negated = true;
  if (e.with.length > 0)
    out.with = e.with.map((w) => ({ target: termToJSON(w.target), value: termToJSON(w.value) }));
  return out;
}

function headToJSON(h: RuleHead): J {
  // OPA's head ref starts with a var; object rules keep their key in the ref
  const ref: Term[] = h.ref.map((r, i) =>
    i === 0 && r.type === "string" ? { type: "var", name: r.value, loc: r.loc } : r,
  );
  if (h.kind === "object" && h.key) ref.push(h.key);
  const out: J = {};
  if (h.name !== undefined) out.name = h.name;
  if (h.args && h.args.length > 0) out.args = h.args.map(termToJSON);
  if (h.key) out.key = termToJSON(h.key);
  if (h.value) out.value = termToJSON(h.value);
  if (h.assign) out.assign = true;
  out.ref = ref.map(termToJSON);
  return out;
}

export function ruleToJSON(r: Rule): J {
  const out: J = { body: bodyToJSON(r.body), head: headToJSON(r.head) };
  if (r.isDefault) out.default = true;
  if (r.else) out.else = ruleToJSON(r.else);
  return out;
}

export function moduleToJSON(m: Module): J {
  const out: J = {
    package: { path: [t("var", "data"), ...m.package.map((p) => t("string", p))] },
  };
  if (m.imports.length > 0)
    out.imports = m.imports.map((i) => {
      const imp: J = { path: termToJSON(i.path) };
      if (i.alias) imp.alias = i.alias;
      return imp;
    });
  if (m.rules.length > 0) out.rules = m.rules.map(ruleToJSON);
  return out;
}
