/**
 * `# METADATA` comment blocks: YAML parsed and normalised into OPA's
 * annotation JSON form (what rego.metadata.rule/chain return), attached to
 * Rule.annotations (rule and document scope) or Module.annotations (package
 * and subpackages scope). A block belongs to the statement that follows it.
 */

import { lazyRequire } from "../../lazy-require.ts";
import type { Location, Module, Rule, Term } from "../ast.ts";
import { RegoError } from "../errors.ts";

// The YAML parser loads with the first METADATA block, not with the engine.
const yaml = lazyRequire<typeof import("yaml")>(import.meta.url, "yaml");

export interface Statement {
  row: number;
  rule?: Rule;
}

function fail(message: string, loc: Location): never {
  throw new RegoError([{ code: "rego_parse_error", message, location: loc }]);
}

export function attachAnnotations(
  mod: Module,
  statements: Statement[],
  parseRefTerm: (s: string) => Term,
  termToJSON: (t: Term) => unknown,
): void {
  const cs = mod.comments;
  for (let i = 0; i < cs.length; i++) {
    if (!cs[i].text.trim().startsWith("METADATA")) continue;
    const start = cs[i];
    const lines: string[] = [];
    let j = i + 1;
    while (j < cs.length && cs[j].loc.row === cs[j - 1].loc.row + 1 && cs[j].loc.col === 1) {
      lines.push(cs[j].text.startsWith(" ") ? cs[j].text.slice(1) : cs[j].text);
      j++;
    }
    const endRow = cs[j - 1].loc.row;
    i = j - 1;
    const text = lines.join("\n");
    if (text.trim() === "") fail("expected METADATA block, found whitespace", start.loc);
    let raw: unknown;
    try {
      raw = yaml().parse(text);
    } catch (e) {
      fail(`yaml: ${(e as Error).message}`, start.loc);
    }
    const next = statements.find((s) => s.row > endRow);
    const beforePackage = next !== undefined && next === statements[0];
    const have = beforePackage ? "package" : next?.rule ? "rule" : next ? "import" : "";
    const given =
      raw && typeof raw === "object" && "scope" in raw ? (raw as { scope: unknown }).scope : undefined;
    const scope = given === undefined || given === null ? (have === "import" ? "rule" : have) : String(given);
    checkScope(scope, have, start.loc);
    const ann = normalise(raw, scope, start.loc, parseRefTerm, termToJSON);
    if (ann.scope === "package" || ann.scope === "subpackages") {
      mod.annotations ??= [];
      mod.annotations.push(ann);
    } else if (next?.rule) {
      next.rule.annotations ??= ann;
    }
  }
}

/** The scope must be known and fit the statement the block precedes. */
function checkScope(scope: string, have: string, loc: Location): void {
  const target = { rule: "rule", document: "rule", package: "package", subpackages: "package" }[scope];
  if (!target)
    fail(
      `invalid annotation scope '${scope}'. Use one of 'rule', 'document', 'package', or 'subpackages'`,
      loc,
    );
  if (have && have !== target)
    fail(`annotation scope '${scope}' must be applied to ${target} (have ${have})`, loc);
}

/** OPA's annotation fields, in its JSON shape; unknown keys are dropped as OPA does. */
function normalise(
  raw: unknown,
  scope: string,
  loc: Location,
  parseRefTerm: (s: string) => Term,
  termToJSON: (t: Term) => unknown,
): Record<string, unknown> {
  const r = (raw && typeof raw === "object" && !Array.isArray(raw) ? raw : {}) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  out.scope = scope;
  if (typeof r.title === "string") out.title = r.title;
  if (typeof r.description === "string") out.description = r.description;
  if (Array.isArray(r.organizations)) out.organizations = r.organizations.map(String);
  if (Array.isArray(r.related_resources)) {
    out.related_resources = r.related_resources.map((x) => {
      if (typeof x === "string" && x.length > 0) return { ref: x };
      if (x && typeof x === "object") {
        const o = x as Record<string, unknown>;
        const ref = typeof o.ref === "string" ? o.ref.trim() : "";
        if (!ref) fail("invalid related-resource definition: 'ref' value required in object", loc);
        const d = typeof o.description === "string" ? o.description.trim() : "";
        return d ? { description: d, ref } : { ref };
      }
      return fail("invalid related-resource definition", loc);
    });
  }
  if (Array.isArray(r.authors)) out.authors = r.authors.map((a) => author(a, loc));
  if (Array.isArray(r.schemas)) {
    out.schemas = r.schemas.map((pair) => {
      const [k, v] = Object.entries((pair ?? {}) as Record<string, unknown>)[0] ?? [];
      if (k === undefined) fail("invalid schema declaration", loc);
      const s: Record<string, unknown> = { path: refJSON(k, parseRefTerm, termToJSON, loc) };
      if (typeof v === "string") s.schema = refJSON(v, parseRefTerm, termToJSON, loc);
      else if (v && typeof v === "object") s.definition = v;
      else fail(`invalid schema declaration for path "${k}"`, loc);
      return s;
    });
  }
  if (r.entrypoint === true) out.entrypoint = true;
  if (r.custom && typeof r.custom === "object" && Object.keys(r.custom).length > 0) out.custom = r.custom;
  return out;
}

function refJSON(
  s: string,
  parseRefTerm: (s: string) => Term,
  termToJSON: (t: Term) => unknown,
  loc: Location,
): unknown {
  let t: Term;
  try {
    t = parseRefTerm(s);
  } catch {
    fail("invalid document reference", loc);
  }
  const terms = t.type === "ref" ? [t.head, ...t.path] : [t];
  return terms.map(termToJSON);
}

/** `Jane Doe <jane@example.com>` or `{name, email}` → `{name?, email?}`. */
function author(a: unknown, loc: Location): Record<string, string> {
  if (typeof a === "string") {
    const parts = a.trim().split(/\s+/).filter(Boolean);
    if (parts.length === 0) fail("invalid author definition: author is an empty string", loc);
    const last = parts[parts.length - 1];
    const out: Record<string, string> = {};
    if (last.length >= 2 && last.startsWith("<") && last.endsWith(">")) {
      out.email = last.slice(1, -1);
      parts.pop();
    }
    if (parts.length > 0) out.name = parts.join(" ");
    return out;
  }
  if (a && typeof a === "object") {
    const o = a as Record<string, unknown>;
    const out: Record<string, string> = {};
    if (typeof o.name === "string" && o.name.trim()) out.name = o.name.trim();
    if (typeof o.email === "string" && o.email.trim()) out.email = o.email.trim();
    if (!out.name && !out.email)
      fail("invalid author definition: 'name' and/or 'email' values required in object", loc);
    return out;
  }
  fail("invalid author definition: invalid value type, must be string or map", loc);
}
