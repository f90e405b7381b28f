/** The parser's term helpers: operator and literal terms, constant checks, names and renderings for messages, rule heads. */
import type { Expr, Location, RuleHead, Term } from "../ast.ts";
import { walkTerms } from "../ast-walk.ts";
import { RegoError } from "../errors.ts";
import { normInt } from "../value.ts";
import { NestingError } from "./limits.ts";
import type { HeadInfo } from "./parser.ts";

export function memberOp(name: string, loc: Location): Term {
  return {
    type: "ref",
    head: { type: "var", name: "internal", loc },
    path: [{ type: "string", value: name, loc }],
    loc,
  };
}

/** `data` and `input` alone are refs, as in OPA. */
export function rootRef(t: Term): Term {
  if (t.type === "var" && (t.name === "data" || t.name === "input") && !t.generated)
    return { type: "ref", head: t, path: [], loc: t.loc };
  return t;
}

export function trueExpr(loc: Location): Expr {
  return {
    kind: { type: "term", term: { type: "boolean", value: true, loc } },
    negated: false,
    with: [],
    loc,
    generated: true,
  };
}

/** The dotted name of a call operator (`eq`, `internal.member_2`, `data.lib.f`), if it is a plain name. */
export function opName(op: Term): string | undefined {
  if (op.type === "var") return op.name;
  if (op.type === "ref" && op.head.type === "var") {
    let s = op.head.name;
    for (let i = 0; i < op.path.length; i++) {
      const p = op.path[i];
      if (p.type !== "string") return undefined;
      s += `.${p.value}`;
    }
    return s;
  }
  return undefined;
}

export function numberValue(raw: string): number | bigint {
  if (/^-?\d+$/.test(raw)) {
    const n = Number(raw);
    return Number.isSafeInteger(n) ? n : normInt(BigInt(raw));
  }
  const n = Number(raw);
  // integral values written with exponents (1e30, 2e308) stay exact rather than
  // rounding or overflowing to Infinity
  if ((Number.isInteger(n) && !Number.isSafeInteger(n)) || !Number.isFinite(n)) {
    const big = exactBigInt(raw);
    if (big !== undefined) return normInt(big);
  }
  return n;
}

/** `1.5e30` → 1500000000000000000000000000000n when the value is integral. */
function exactBigInt(raw: string): bigint | undefined {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(raw);
  if (!m) return undefined;
  const [, sign, int, frac = "", expS = "0"] = m;
  const exp = Number(expS) - frac.length;
  if (exp < 0 || exp > 100000) return undefined;
  return BigInt(sign + int + frac) * 10n ** BigInt(exp);
}

export function valueName(t: Term): string {
  switch (t.type) {
    case "arraycompr":
      return "arraycomprehension";
    case "setcompr":
      return "setcomprehension";
    case "objectcompr":
      return "objectcomprehension";
    case "template":
      return "templatestring";
    default:
      return t.type;
  }
}

export function isGround(t: Term): boolean {
  let ground = true;
  walkTerms(t, (x) => {
    if (x.type === "var" || x.type === "arraycompr" || x.type === "setcompr" || x.type === "objectcompr")
      ground = false;
    return ground;
  });
  return ground;
}

/** First ref/var/call outside comprehensions and templates (default rule values must be constant). */
export function findNonConstant(t: Term): string | undefined {
  let found: string | undefined;
  walkTerms(t, (x) => {
    if (found !== undefined) return false;
    if (x.type === "ref" || x.type === "var" || x.type === "call") found = x.type;
    return found === undefined && (x.type === "array" || x.type === "set" || x.type === "object");
  });
  return found;
}

/**
 * A key equal for terms OPA's ast.Value compares equal (numbers by value, sets
 * and objects unordered); undefined for terms this does not compare (closures).
 */
export function termKey(t: Term): string | undefined {
  const all = (ts: Term[]): string[] | undefined => {
    const out: string[] = [];
    for (let i = 0; i < ts.length; i++) {
      const x = ts[i];
      const k = termKey(x);
      if (k === undefined) return undefined;
      out.push(k);
    }
    return out;
  };
  switch (t.type) {
    case "null":
      return "null";
    case "boolean":
      return String(t.value);
    case "number":
      return `n${String(t.value)}`;
    case "string":
      return JSON.stringify(t.value);
    case "var":
      return `v${t.name}`;
    case "ref": {
      const ks = all([t.head, ...t.path]);
      return ks && `r(${ks.join(",")})`;
    }
    case "call": {
      const ks = all([t.op, ...t.args]);
      return ks && `c(${ks.join(",")})`;
    }
    case "array": {
      const ks = all(t.items);
      return ks && `a(${ks.join(",")})`;
    }
    case "set": {
      const ks = all(t.items);
      return ks && `s(${[...new Set(ks)].sort().join(",")})`;
    }
    case "object": {
      const ks = all(t.entries.flat());
      if (!ks) return undefined;
      const pairs = new Map<string, string>();
      for (let i = 0; i < ks.length; i += 2) pairs.set(ks[i], ks[i + 1]);
      return `o(${[...pairs]
        .map(([k, v]) => `${k}:${v}`)
        .sort()
        .join(",")})`;
    }
    default:
      return undefined;
  }
}

/** Object literal entries as OPA's parser inserts them: a repeated key keeps its place and takes the later value. */
export function dedupeEntries(entries: [Term, Term][]): [Term, Term][] {
  if (entries.length < 2) return entries;
  const at = new Map<string, number>();
  const out: [Term, Term][] = [];
  for (let j = 0; j < entries.length; j++) {
    const k = entries[j][0];
    const v = entries[j][1];
    const key = termKey(k);
    const i = key === undefined ? undefined : at.get(key);
    if (i !== undefined) out[i] = [out[i][0], v];
    else {
      if (key !== undefined) at.set(key, out.length);
      out.push([k, v]);
    }
  }
  return out;
}

/** Rough Rego rendering of a term for messages. */
export function termString(t: Term): string {
  switch (t.type) {
    case "null":
      return "null";
    case "boolean":
      return String(t.value);
    case "number":
      return t.raw;
    case "string":
      return JSON.stringify(t.value);
    case "var":
      return t.name;
    case "ref": {
      let s = termString(t.head);
      for (let i = 0; i < t.path.length; i++) {
        const p = t.path[i];
        if (p.type === "string" && /^[A-Za-z_][A-Za-z0-9_]*$/.test(p.value)) s += `.${p.value}`;
        else s += `[${termString(p)}]`;
      }
      return s;
    }
    case "array":
      return `[${t.items.map(termString).join(", ")}]`;
    case "set":
      return t.items.length ? `{${t.items.map(termString).join(", ")}}` : "set()";
    case "object":
      return `{${t.entries.map(([k, v]) => `${termString(k)}: ${termString(v)}`).join(", ")}}`;
    case "call":
      return `${termString(t.op)}(${t.args.map(termString).join(", ")})`;
    default:
      return t.type;
  }
}

/** OPA's head shape → the AST's RuleHead (ref relative to the package, first element a string). */
export function toRuleHead(h: HeadInfo): RuleHead {
  const ref = h.ref.map(
    (r, i): Term => (i === 0 && r.type === "var" ? { type: "string", value: r.name, loc: r.loc } : r),
  );
  const base: { assign: boolean; loc: Location; name?: string } = { assign: h.assign, loc: h.loc };
  const first = h.ref[0];
  if (h.name !== undefined) base.name = h.name;
  else if (h.ref.length === 1 && first.type === "var") base.name = first.name;
  if (h.args) return { ref, kind: "function", args: h.args, value: h.value, ...base };
  if (h.key && !h.value) return { ref, kind: "set", key: h.key, ...base };
  if (h.key && h.value) return { ref: ref.slice(0, -1), kind: "object", key: h.key, value: h.value, ...base };
  return { ref, kind: "complete", value: h.value, ...base };
}

/** Backtracking may swallow ordinary parse errors, never limit errors or JS errors. */
export function fatal(e: unknown): void {
  if (!(e instanceof RegoError) || e instanceof NestingError) throw e;
}
