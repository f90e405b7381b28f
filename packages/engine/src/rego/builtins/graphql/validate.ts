/**
 * A subset of gqlparser's schema building and query validation rules (the
 * ones policies typically trip over), with gqlparser's messages.
 */
import { GqlError } from "./errors.ts";
import { positions } from "./lexer.ts";
import { list, namedType, str, typeString } from "./nodes.ts";
import type { Node } from "./parse.ts";
import { checkSchemaRules, extraQueryRules } from "./rules.ts";

export interface GqlSchema {
  types: Map<string, Node>;
  query?: string;
  mutation?: string;
  subscription?: string;
  directives: Map<string, Node>;
}

const SCALARS = ["Int", "Float", "String", "Boolean", "ID"];

/** ValidateSchemaDocument (reduced): merge definitions and extensions, resolve roots, check field types exist. */
export function buildSchema(doc: Node): GqlSchema {
  const types = new Map<string, Node>();
  for (const s of SCALARS) types.set(s, { Kind: "SCALAR", Name: s, BuiltIn: true });
  const directives = new Map<string, Node>();
  for (const d of ["include", "skip", "deprecated", "specifiedBy", "oneOf", "defer"])
    directives.set(d, { Name: d });
  for (const d of list(doc.Directives)) directives.set(str(d.Name), d);
  for (const def of list(doc.Definitions)) {
    const name = str(def.Name);
    if (types.has(name) && !SCALARS.includes(name)) throw schemaErr(def, `Cannot redeclare type ${name}.`);
    types.set(name, {
      ...def,
      Fields: [...list(def.Fields)],
      EnumValues: [...list(def.EnumValues)],
      Types: [...list(def.Types)],
    });
  }
  for (const ext of list(doc.Extensions)) {
    const name = str(ext.Name);
    const base = types.get(name);
    if (!base) {
      types.set(name, {
        ...ext,
        Fields: [...list(ext.Fields)],
        EnumValues: [...list(ext.EnumValues)],
        Types: [...list(ext.Types)],
      });
      continue;
    }
    (base.Fields as Node[]).push(...list(ext.Fields));
    (base.EnumValues as Node[]).push(...list(ext.EnumValues));
    (base.Types as Node[]).push(...list(ext.Types));
    base.Interfaces = [...list(base.Interfaces), ...list(ext.Interfaces)];
  }
  const schema: GqlSchema = { types, directives };
  for (const s of [...list(doc.Schema), ...list(doc.SchemaExtension)])
    for (const op of list(s.OperationTypes)) {
      const t = str(op.Type);
      if (!types.has(t))
        throw schemaErr(op, `Schema root ${str(op.Operation)} refers to a type ${t} that does not exist.`);
      schema[str(op.Operation) as "query" | "mutation" | "subscription"] = t;
    }
  schema.query ??= types.has("Query") ? "Query" : undefined;
  schema.mutation ??= types.has("Mutation") ? "Mutation" : undefined;
  schema.subscription ??= types.has("Subscription") ? "Subscription" : undefined;
  for (const def of types.values()) {
    for (const f of list(def.Fields)) {
      const tn = namedType(f.Type as Node);
      if (!types.has(tn)) throw schemaErr(f, `Undefined type ${tn}.`);
      for (const a of list(f.Arguments)) {
        const an = namedType(a.Type as Node);
        if (!types.has(an)) throw schemaErr(a, `Undefined type ${an}.`);
      }
    }
    for (const m of list(def.Types))
      if (!types.has(str(m))) throw schemaErr(def, `Undefined type ${str(m)}.`);
  }
  checkSchemaRules(schema, (node, msg) => {
    throw schemaErr(node, msg);
  });
  return schema;
}

function schemaErr(node: Node, msg: string): GqlError {
  const [line, col] = positions.get(node) ?? [0, 0];
  return new GqlError(msg, line, col);
}

const isComposite = (t: Node | undefined) => !!t && ["OBJECT", "INTERFACE", "UNION"].includes(str(t.Kind));

function fieldDef(schema: GqlSchema, parent: Node, name: string): Node | undefined {
  if (name === "__typename") return { Name: name, Type: { NamedType: "String", NonNull: true } };
  if (str(parent.Name) === schema.query && (name === "__schema" || name === "__type"))
    return {
      Name: name,
      Type: { NamedType: name === "__schema" ? "__Schema" : "__Type", NonNull: name === "__schema" },
      Arguments: name === "__type" ? [{ Name: "name", Type: { NamedType: "String", NonNull: true } }] : [],
    };
  return list(parent.Fields).find((f) => f.Name === name);
}

function levenshtein(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  for (let i = 1; i <= m; i++) {
    const cur = [i];
    for (let j = 1; j <= n; j++)
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[n];
}

/** gqlparser's SuggestionList: options within a lexical distance threshold, closest first. */
function suggestionList(input: string, options: string[]): string[] {
  const threshold = Math.max(Math.floor(input.length * 0.4) + 1, 1);
  const dist = (o: string) =>
    o === input
      ? 0
      : o.toLowerCase() === input.toLowerCase()
        ? 1
        : levenshtein(input.toLowerCase(), o.toLowerCase());
  const hits = options.map((o) => [o, dist(o)] as const).filter(([, d]) => d <= threshold);
  return hits.sort((x, y) => x[1] - y[1]).map(([o]) => o);
}

function quotedOrList(items: string[]): string {
  const q = items.slice(0, 5).map((i) => `"${i}"`);
  if (q.length === 1) return q[0];
  if (q.length === 2) return `${q[0]} or ${q[1]}`;
  return `${q.slice(0, -1).join(", ")}, or ${q[q.length - 1]}`;
}

/** gqlerror.List text: every error as "input:L:C: message", newline-terminated. */
export class GqlErrorList extends Error {
  readonly errors: GqlError[];
  constructor(errors: GqlError[]) {
    super(errors.map((e) => `input:${e.line}:${e.column}: ${e.message}\n`).join(""));
    this.errors = errors;
  }
}

/** Runs the validation rules; throws a GqlErrorList of everything found. */
export function validateQuery(schema: GqlSchema, doc: Node): void {
  const errors: GqlError[] = [];
  const report = (node: unknown, msg: string) => {
    const [line, col] = positions.get(node as object) ?? [0, 0];
    errors.push(new GqlError(msg, line, col, true));
  };
  const ops = list(doc.Operations);
  const frags = list(doc.Fragments);
  const fragMap = new Map(frags.map((f) => [str(f.Name), f]));
  const usedFrags = new Set<string>();
  // Per operation, in rule order: LoneAnonymousOperation, then UniqueOperationNames.
  const seenOps = new Set<string>();
  for (const op of ops) {
    const n = str(op.Name);
    if (ops.length > 1 && n === "")
      report(op, "This anonymous operation must be the only defined operation.");
    if (seenOps.has(n)) report(op, `There can be only one operation named "${n}".`);
    seenOps.add(n);
  }

  const checkVarTypes = (defs: Node[]) => {
    for (const v of defs) {
      const tn = namedType(v.Type as Node);
      if (!schema.types.has(tn)) report(v.Type, `Unknown type "${tn}".`);
    }
  };

  /** Variables referenced in the current operation, with the first use (for error positions). */
  const walkValue = (v: Node | undefined, used: Map<string, Node>, node: unknown) => {
    if (!v) return;
    if (v.Kind === 0 && !used.has(str(v.Raw))) used.set(str(v.Raw), v);
    for (const c of list(v.Children)) walkValue(c.Value as Node, used, node);
  };

  const walkDirectives = (dirs: Node[], used: Map<string, Node>) => {
    for (const d of dirs) {
      if (!schema.directives.has(str(d.Name))) report(d, `Unknown directive "@${str(d.Name)}".`);
      for (const a of list(d.Arguments)) walkValue(a.Value as Node, used, a);
    }
  };

  const walkSelections = (
    sels: Node[],
    parent: Node | undefined,
    used: Map<string, Node>,
    seenFrags: Set<string>,
  ) => {
    for (const sel of sels) {
      if (
        sel.__kind === "spread" ||
        (sel.Name !== undefined &&
          sel.Alias === undefined &&
          sel.TypeCondition === undefined &&
          sel.SelectionSet === undefined)
      ) {
        const name = str(sel.Name);
        usedFrags.add(name);
        walkDirectives(list(sel.Directives), used);
        const frag = fragMap.get(name);
        if (!frag) {
          report(sel, `Unknown fragment "${name}".`);
          continue;
        }
        if (seenFrags.has(name)) continue;
        seenFrags.add(name);
        const tc = schema.types.get(str(frag.TypeCondition));
        walkSelections(list(frag.SelectionSet), tc, used, seenFrags);
        continue;
      }
      if (sel.__kind === "inline" || (sel.Alias === undefined && sel.SelectionSet !== undefined)) {
        walkDirectives(list(sel.Directives), used);
        let target = parent;
        const tc = str(sel.TypeCondition);
        if (tc !== "") {
          target = schema.types.get(tc);
          if (!target) report(sel, `Unknown type "${tc}".`);
        }
        walkSelections(list(sel.SelectionSet), target, used, seenFrags);
        continue;
      }
      const name = str(sel.Name);
      walkDirectives(list(sel.Directives), used);
      for (const a of list(sel.Arguments)) walkValue(a.Value as Node, used, a);
      if (!parent) {
        walkSelections(list(sel.SelectionSet), undefined, used, seenFrags);
        continue;
      }
      const def = fieldDef(schema, parent, name);
      if (!def) {
        let msg = `Cannot query field "${name}" on type "${str(parent.Name)}".`;
        if (["OBJECT", "INTERFACE"].includes(str(parent.Kind))) {
          const hints = suggestionList(
            name,
            list(parent.Fields).map((f) => str(f.Name)),
          );
          if (hints.length) msg += ` Did you mean ${quotedOrList(hints)}?`;
        }
        report(sel, msg);
        walkSelections(list(sel.SelectionSet), undefined, used, seenFrags);
        continue;
      }
      const ft = schema.types.get(namedType(def.Type as Node));
      const subs = list(sel.SelectionSet);
      // gqlparser checks a field after walking its selections.
      walkSelections(subs, ft, used, seenFrags);
      const argDefs = list(def.Arguments);
      for (const a of list(sel.Arguments))
        if (!argDefs.some((d) => d.Name === a.Name))
          report(sel, `Unknown argument "${str(a.Name)}" on field "${str(parent.Name)}.${name}".`);
      for (const d of argDefs) {
        const t = d.Type as Node;
        if (t?.NonNull && d.DefaultValue === undefined && !list(sel.Arguments).some((a) => a.Name === d.Name))
          report(
            sel,
            `Field "${name}" argument "${str(d.Name)}" of type "${typeString(t)}" is required, but it was not provided.`,
          );
      }
      if (ft && !isComposite(ft) && subs.length > 0)
        report(
          sel,
          `Field "${name}" must not have a selection since type "${str(ft.Name)}" has no subfields.`,
        );
      if (ft && isComposite(ft) && subs.length === 0)
        report(
          sel,
          `Field "${name}" of type "${typeString(def.Type as Node)}" must have a selection of subfields. Did you mean "${name} { ... }"?`,
        );
    }
  };

  for (const op of ops) {
    const kind = str(op.Operation) as "query" | "mutation" | "subscription";
    const rootName = schema[kind];
    if (!rootName) report(op, `Schema does not support operation type "${kind}"`);
    const root = rootName ? schema.types.get(rootName) : undefined;
    const defs = list(op.VariableDefinitions);
    checkVarTypes(defs);
    const used = new Map<string, Node>();
    walkDirectives(list(op.Directives), used);
    for (const v of defs) walkDirectives(list(v.Directives), used);
    walkSelections(list(op.SelectionSet), root, used, new Set());
    const declared = new Set(defs.map((d) => str(d.Variable)));
    const opName = str(op.Name);
    for (const [u, at] of used)
      if (!declared.has(u))
        report(
          at,
          opName !== ""
            ? `Variable "$${u}" is not defined by operation "${opName}".`
            : `Variable "$${u}" is not defined.`,
        );
    for (const d of defs) {
      const v = str(d.Variable);
      if (!used.has(v))
        report(
          d,
          opName !== ""
            ? `Variable "$${v}" is never used in operation "${opName}".`
            : `Variable "$${v}" is never used.`,
        );
    }
  }
  for (const f of frags) {
    const tc = str(f.TypeCondition);
    if (!schema.types.has(tc)) report(f, `Unknown type "${tc}".`);
    if (!usedFrags.has(str(f.Name))) report(f, `Fragment "${str(f.Name)}" is never used.`);
  }
  extraQueryRules(schema, doc, report);
  if (errors.length) throw new GqlErrorList(errors);
}
