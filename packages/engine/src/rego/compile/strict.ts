/**
 * OPA's strict mode (`opa check --strict`, `ast.CompileOpts{Strict: true}`):
 * extra compile errors for unused imports, unused local assignments and
 * unused function arguments. (Duplicate imports, deprecated builtins and
 * `input`/`data` shadowing are errors in v1 modules anyway; strict mode
 * applies them to v0 modules too, in compiler.ts and resolve.ts.)
 */
import type { Body, Expr, Module, Rule, Term } from "../ast.ts";
import type { RegoErrorDetail } from "../errors.ts";
import { nameParts, rootDocName, visitExprVarsDeep, visitPatternVars, visitTermVarsDeep } from "./resolve.ts";

export function checkStrict(modules: Module[], errors: RegoErrorDetail[]): void {
  for (let j = 0; j < modules.length; j++) {
    const m = modules[j];
    unusedImports(m, errors);
    for (let i = 0; i < m.rules.length; i++) {
      const r = m.rules[i];
      unusedArgs(r, errors);
      for (let link: Rule | undefined = r; link; link = link.else)
        unusedAssigns(link.body, headTerms(link), errors);
    }
  }
}

function headTerms(r: Rule): Term[] {
  const h = r.head;
  return [...h.ref, ...(h.key ? [h.key] : []), ...(h.value ? [h.value] : []), ...(h.args ?? [])];
}

/** Var names used in terms and a body, including the names of called functions (`f(x)` uses `f`). */
function namesIn(terms: Term[], body: Body, skip?: Expr): Set<string> {
  const out = new Set<string>();
  const add = (n: string) => out.add(n);
  const op = (t: Term) => {
    const parts = nameParts(t);
    if (parts) add(parts[0]);
  };
  const calls = (t: Term): void => {
    if (t.type === "call") op(t.op);
    for (const c of children(t)) calls(c);
  };
  const exprCalls = (e: Expr): void => {
    const k = e.kind;
    if (k.type === "call") op(k.op);
    for (const t of exprTerms(e)) calls(t);
    for (const b of exprBodies(e))
      for (let i = 0; i < b.length; i++) {
        const x = b[i];
        exprCalls(x);
      }
    for (let i = 0; i < e.with.length; i++) {
      const w = e.with[i];
      op(w.target);
      calls(w.value);
    }
  };
  for (let i = 0; i < terms.length; i++) {
    const t = terms[i];
    visitTermVarsDeep(t, add);
    calls(t);
  }
  for (let i = 0; i < body.length; i++) {
    const e = body[i];
    if (e !== skip) {
      visitExprVarsDeep(e, add);
      exprCalls(e);
    }
  }
  return out;
}

function exprTerms(e: Expr): Term[] {
  const k = e.kind;
  switch (k.type) {
    case "term":
      return [k.term];
    case "call":
      return k.args;
    case "somein":
      return [...(k.key ? [k.key] : []), k.value, k.collection];
    case "every":
      return [...(k.key ? [k.key] : []), k.value, k.domain];
    default:
      return [];
  }
}

function exprBodies(e: Expr): Body[] {
  const k = e.kind;
  if (k.type === "every" || k.type === "not") return [k.body];
  if (k.type === "and" || k.type === "or") return [k.left, k.right];
  return [];
}

function children(t: Term): Term[] {
  switch (t.type) {
    case "ref":
      return [t.head, ...t.path];
    case "array":
    case "set":
      return t.items;
    case "object":
      return t.entries.flat();
    case "call":
      return t.args;
    case "arraycompr":
    case "setcompr":
      return [t.head, ...t.body.flatMap(exprTerms)];
    case "objectcompr":
      return [t.key, t.value, ...t.body.flatMap(exprTerms)];
    case "template":
      return t.parts.filter((p): p is Term => typeof p !== "string");
    default:
      return [];
  }
}

/** `import data.x` whose name no rule mentions. */
function unusedImports(m: Module, errors: RegoErrorDetail[]): void {
  const used = new Set<string>();
  for (let i = 0; i < m.rules.length; i++) {
    const r = m.rules[i];
    for (let link: Rule | undefined = r; link; link = link.else)
      for (const n of namesIn(headTerms(link), link.body)) used.add(n);
  }
  for (let i = 0; i < m.imports.length; i++) {
    const imp = m.imports[i];
    const parts = nameParts(imp.path);
    if (!parts || (parts[0] !== "data" && parts[0] !== "input")) continue;
    const name = imp.alias ?? parts[parts.length - 1];
    const shown = `${parts.join(".")}${imp.alias ? ` as ${imp.alias}` : ""}`;
    if (!used.has(name))
      errors.push({ code: "rego_compile_error", message: `import ${shown} unused`, location: imp.loc });
  }
}

/** `x := …` whose x is used nowhere else in the body (nested bodies checked on their own). */
function unusedAssigns(body: Body, head: Term[], errors: RegoErrorDetail[]): void {
  for (let i = 0; i < head.length; i++) {
    const t = head[i];
    comprehensions(t, errors);
  }
  for (let j = 0; j < body.length; j++) {
    const e = body[j];
    const k = e.kind;
    if (k.type === "every" || k.type === "not") unusedAssigns(k.body, [], errors);
    if (k.type === "call")
      for (let i = 0; i < k.args.length; i++) {
        const a = k.args[i];
        comprehensions(a, errors);
      }
    if (k.type === "term") comprehensions(k.term, errors);
    if (k.type !== "call" || k.op.type !== "var" || k.op.name !== "assign") continue;
    const used = namesIn([...head, k.args[1]], body, e);
    const root = rootDocName(k.args[0]);
    if (root && !used.has(root))
      errors.push({
        code: "rego_compile_error",
        message: `assigned var ${root} unused`,
        location: k.args[0].loc,
      });
    visitPatternVars(k.args[0], (v) => {
      if (!v.wildcard && !used.has(v.name))
        errors.push({
          code: "rego_compile_error",
          message: `assigned var ${v.name} unused`,
          location: v.loc,
        });
    });
  }
}

/** Comprehension bodies inside a term, each checked as a body of its own. */
function comprehensions(t: Term, errors: RegoErrorDetail[]): void {
  switch (t.type) {
    case "arraycompr":
    case "setcompr":
      unusedAssigns(t.body, [t.head], errors);
      return;
    case "objectcompr":
      unusedAssigns(t.body, [t.key, t.value], errors);
      return;
    case "ref":
      comprehensions(t.head, errors);
      for (let i = 0; i < t.path.length; i++) {
        const p = t.path[i];
        comprehensions(p, errors);
      }
      return;
    case "array":
    case "set":
      for (let i = 0; i < t.items.length; i++) {
        const x = t.items[i];
        comprehensions(x, errors);
      }
      return;
    case "object":
      for (let i = 0; i < t.entries.length; i++) {
        const k = t.entries[i][0];
        const v = t.entries[i][1];
        comprehensions(k, errors);
        comprehensions(v, errors);
      }
      return;
    case "call":
      for (let i = 0; i < t.args.length; i++) {
        const a = t.args[i];
        comprehensions(a, errors);
      }
      return;
  }
}

/** Function args used in no link of the else chain. */
function unusedArgs(r: Rule, errors: RegoErrorDetail[]): void {
  if (r.head.kind !== "function" || !r.head.args?.length) return;
  const used = new Set<string>();
  for (let link: Rule | undefined = r; link; link = link.else) {
    const h = link.head;
    for (const n of namesIn([...(h.value ? [h.value] : []), ...h.ref.slice(1)], link.body)) used.add(n);
  }
  for (let i = 0; i < r.head.args.length; i++) {
    const a = r.head.args[i];
    visitPatternVars(a, (v) => {
      if (!v.wildcard && !used.has(v.name))
        errors.push({
          code: "rego_compile_error",
          message: `unused argument ${v.name}. (hint: use _ (wildcard variable) instead)`,
          location: v.loc,
        });
    });
  }
}
