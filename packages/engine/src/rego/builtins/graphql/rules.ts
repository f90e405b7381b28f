/**
 * The GraphQL validation rules (June 2018 spec, section 5, and the schema
 * rules of section 3) that validate.ts does not run: value coercion,
 * directives, fragments, variables in position, field merging, and schema
 * type-system checks. Messages follow gqlparser's wording.
 */

import { list, namedType, str, typeString, VALUE_KIND } from "./nodes.ts";
import type { Node } from "./parse.ts";
import type { GqlSchema } from "./validate.ts";

type Report = (node: unknown, msg: string) => void;

const nullable = (t: Node): Node => ({ ...t, NonNull: false });
const kindOf = (schema: GqlSchema, name: string) => str(schema.types.get(name)?.Kind);
const isComposite = (k: string) => k === "OBJECT" || k === "INTERFACE" || k === "UNION";
const isInput = (k: string) => k === "SCALAR" || k === "ENUM" || k === "INPUT_OBJECT";

/** Builtin directives with their arguments and locations (buildSchema only records their names). */
const BUILTIN_DIRECTIVES: Record<string, { args: Node[]; locs: string[] }> = {
  include: {
    args: [{ Name: "if", Type: { NamedType: "Boolean", NonNull: true } }],
    locs: ["FIELD", "FRAGMENT_SPREAD", "INLINE_FRAGMENT"],
  },
  skip: {
    args: [{ Name: "if", Type: { NamedType: "Boolean", NonNull: true } }],
    locs: ["FIELD", "FRAGMENT_SPREAD", "INLINE_FRAGMENT"],
  },
  deprecated: {
    args: [{ Name: "reason", Type: { NamedType: "String", NonNull: false }, DefaultValue: {} }],
    locs: ["FIELD_DEFINITION", "ARGUMENT_DEFINITION", "INPUT_FIELD_DEFINITION", "ENUM_VALUE"],
  },
  specifiedBy: { args: [{ Name: "url", Type: { NamedType: "String", NonNull: true } }], locs: ["SCALAR"] },
  oneOf: { args: [], locs: ["INPUT_OBJECT"] },
  defer: {
    args: [
      { Name: "if", Type: { NamedType: "Boolean", NonNull: false } },
      { Name: "label", Type: { NamedType: "String", NonNull: false } },
    ],
    locs: ["FRAGMENT_SPREAD", "INLINE_FRAGMENT"],
  },
};

function directiveDef(
  schema: GqlSchema,
  name: string,
): { args: Node[]; locs: string[]; repeatable: boolean } | undefined {
  const d = schema.directives.get(name);
  if (!d) return undefined;
  if (Array.isArray(d.Locations))
    return { args: list(d.Arguments), locs: d.Locations as string[], repeatable: !!d.IsRepeatable };
  const b = BUILTIN_DIRECTIVES[name];
  return b ? { ...b, repeatable: false } : undefined;
}

/** The raw text of a value as gqlparser prints it in messages. */
function valueText(v: Node): string {
  switch (v.Kind) {
    case VALUE_KIND.String:
    case VALUE_KIND.Block:
      return JSON.stringify(str(v.Raw));
    case VALUE_KIND.Variable:
      return `$${str(v.Raw)}`;
    case VALUE_KIND.List:
      return `[${list(v.Children)
        .map((c) => valueText(c.Value as Node))
        .join(",")}]`;
    case VALUE_KIND.Object:
      return `{${list(v.Children)
        .map((c) => `${str(c.Name)}:${valueText(c.Value as Node)}`)
        .join(",")}}`;
    default:
      return str(v.Raw);
  }
}

/** ValuesOfCorrectType (5.6.1–5.6.4): a literal against the type of its position. */
function checkValue(schema: GqlSchema, v: Node | undefined, t: Node | undefined, report: Report): void {
  if (!v || !t || v.Kind === VALUE_KIND.Variable) return;
  if (t.NonNull && v.Kind === VALUE_KIND.Null) {
    report(v, `Expected value of type "${typeString(t)}", found null.`);
    return;
  }
  if (v.Kind === VALUE_KIND.Null) return;
  if (str(t.NamedType) === "") {
    const elem = t.Elem as Node;
    if (v.Kind === VALUE_KIND.List)
      for (const c of list(v.Children)) checkValue(schema, c.Value as Node, elem, report);
    else checkValue(schema, v, elem, report);
    return;
  }
  const name = str(t.NamedType);
  const def = schema.types.get(name);
  if (!def) return;
  const wrong = () => report(v, `Expected value of type "${typeString(t)}", found ${valueText(v)}.`);
  switch (str(def.Kind)) {
    case "SCALAR": {
      const ok: Record<string, number[]> = {
        Int: [VALUE_KIND.Int],
        Float: [VALUE_KIND.Int, VALUE_KIND.Float],
        String: [VALUE_KIND.String, VALUE_KIND.Block],
        Boolean: [VALUE_KIND.Boolean],
        ID: [VALUE_KIND.Int, VALUE_KIND.String, VALUE_KIND.Block],
      };
      const kinds = ok[name];
      if (kinds && !kinds.includes(v.Kind as number)) wrong();
      return;
    }
    case "ENUM":
      if (v.Kind !== VALUE_KIND.Enum)
        report(v, `Enum "${name}" cannot represent non-enum value: ${valueText(v)}.`);
      else if (!list(def.EnumValues).some((e) => e.Name === v.Raw))
        report(v, `Value "${str(v.Raw)}" does not exist in "${typeString(t)}" enum.`);
      return;
    case "INPUT_OBJECT": {
      if (v.Kind !== VALUE_KIND.Object) {
        wrong();
        return;
      }
      const fields = list(def.Fields);
      const seen = new Set<string>();
      for (const c of list(v.Children)) {
        const n = str(c.Name);
        if (seen.has(n)) report(c, `There can be only one input field named "${n}".`);
        seen.add(n);
        const f = fields.find((x) => x.Name === n);
        if (!f) report(c, `Field "${n}" is not defined by type "${name}".`);
        else checkValue(schema, c.Value as Node, f.Type as Node, report);
      }
      for (const f of fields) {
        const ft = f.Type as Node;
        if (ft?.NonNull && f.DefaultValue === undefined && !seen.has(str(f.Name)))
          report(v, `Field "${name}.${str(f.Name)}" of required type "${typeString(ft)}" was not provided.`);
      }
      return;
    }
  }
}

/** A variable of type `v` may be used where `p` is expected (5.8.5). */
function fits(v: Node, p: Node): boolean {
  if (p.NonNull) return !!v.NonNull && fits(nullable(v), nullable(p));
  if (v.NonNull) return fits(nullable(v), p);
  const pl = str(p.NamedType) === "";
  const vl = str(v.NamedType) === "";
  if (pl) return vl && fits(v.Elem as Node, p.Elem as Node);
  return !vl && v.NamedType === p.NamedType;
}

function possibleTypes(schema: GqlSchema, name: string): Set<string> {
  const t = schema.types.get(name);
  const k = str(t?.Kind);
  if (k === "OBJECT") return new Set([name]);
  if (k === "UNION") return new Set(list(t?.Types).map(str));
  if (k === "INTERFACE") {
    const out = new Set<string>();
    for (const [n, d] of schema.types)
      if (d.Kind === "OBJECT" && list(d.Interfaces).some((i) => str(i) === name)) out.add(n);
    return out;
  }
  return new Set();
}

function argsKey(args: Node[]): string {
  return args
    .map((a) => `${str(a.Name)}:${valueText(a.Value as Node)}`)
    .sort()
    .join(",");
}

/** Runs the extra query rules, reporting through `report`. */
export function extraQueryRules(schema: GqlSchema, doc: Node, report: Report): void {
  const ops = list(doc.Operations);
  const frags = list(doc.Fragments);
  const fragMap = new Map<string, Node>();
  for (const f of frags) {
    const n = str(f.Name);
    if (fragMap.has(n)) report(f, `There can be only one fragment named "${n}".`);
    else fragMap.set(n, f);
  }

  const fieldDef = (parent: string, name: string): Node | undefined => {
    if (name === "__typename")
      return { Name: name, Type: { NamedType: "String", NonNull: true }, Arguments: [] };
    return list(schema.types.get(parent)?.Fields).find((f) => f.Name === name);
  };

  const checkArgs = (args: Node[], defs: Node[], node: unknown) => {
    const seen = new Set<string>();
    for (const a of args) {
      const n = str(a.Name);
      if (seen.has(n)) report(node, `There can be only one argument named "${n}".`);
      seen.add(n);
      const d = defs.find((x) => x.Name === n);
      if (d) checkValue(schema, a.Value as Node, d.Type as Node, report);
    }
  };

  const checkDirectives = (dirs: Node[], location: string) => {
    const seen = new Set<string>();
    for (const d of dirs) {
      const name = str(d.Name);
      const def = directiveDef(schema, name);
      if (!def) continue; // unknown directives are reported by validate.ts
      if (!def.locs.includes(location)) report(d, `Directive "@${name}" may not be used on ${location}.`);
      if (seen.has(name) && !def.repeatable)
        report(d, `The directive "@${name}" can only be used once at this location.`);
      seen.add(name);
      for (const a of list(d.Arguments))
        if (!def.args.some((x) => x.Name === a.Name))
          report(d, `Unknown argument "${str(a.Name)}" on directive "@${name}".`);
      for (const x of def.args) {
        const t = x.Type as Node;
        if (t?.NonNull && x.DefaultValue === undefined && !list(d.Arguments).some((a) => a.Name === x.Name))
          report(
            d,
            `Directive "@${name}" argument "${str(x.Name)}" of type "${typeString(t)}" is required, but it was not provided.`,
          );
      }
      checkArgs(list(d.Arguments), def.args, d);
    }
  };

  const spreadTarget = (sel: Node): string | undefined =>
    sel.__kind === "spread"
      ? str(fragMap.get(str(sel.Name))?.TypeCondition) || undefined
      : str(sel.TypeCondition) || undefined;

  /** Response key → the fields (with their parent type) it selects, through fragments. */
  const collect = (
    sels: Node[],
    parent: string,
    out: Map<string, { parent: string; field: Node }[]>,
    seen: Set<string>,
  ) => {
    for (const sel of sels) {
      if (sel.__kind === "field") {
        const key = str(sel.Alias) || str(sel.Name);
        const arr = out.get(key) ?? [];
        arr.push({ parent, field: sel });
        out.set(key, arr);
      } else if (sel.__kind === "spread") {
        const n = str(sel.Name);
        const f = fragMap.get(n);
        if (!f || seen.has(n)) continue;
        seen.add(n);
        collect(list(f.SelectionSet), str(f.TypeCondition), out, seen);
      } else collect(list(sel.SelectionSet), str(sel.TypeCondition) || parent, out, seen);
    }
  };

  /** OverlappingFieldsCanBeMerged (5.3.2), one level: same response key, same field and arguments, same leaf type. */
  const checkMerge = (sels: Node[], parent: string) => {
    const byKey = new Map<string, { parent: string; field: Node }[]>();
    collect(sels, parent, byKey, new Set());
    for (const [key, fs] of byKey) {
      let reported = false;
      for (let i = 0; i < fs.length && !reported; i++)
        for (let j = i + 1; j < fs.length && !reported; j++) {
          const a = fs[i];
          const b = fs[j];
          const exclusive =
            a.parent !== b.parent &&
            kindOf(schema, a.parent) === "OBJECT" &&
            kindOf(schema, b.parent) === "OBJECT";
          const an = str(a.field.Name);
          const bn = str(b.field.Name);
          let why = "";
          if (!exclusive && an !== bn) why = `${an} and ${bn} are different fields`;
          else if (!exclusive && argsKey(list(a.field.Arguments)) !== argsKey(list(b.field.Arguments)))
            why = "they have differing arguments";
          else {
            const at = fieldDef(a.parent, an)?.Type as Node | undefined;
            const bt = fieldDef(b.parent, bn)?.Type as Node | undefined;
            if (at && bt) {
              const leaf = (t: Node) => !isComposite(kindOf(schema, namedType(t)));
              const shape = (t: Node): string =>
                str(t.NamedType) !== ""
                  ? t.NonNull
                    ? "!"
                    : ""
                  : `[${shape(t.Elem as Node)}]${t.NonNull ? "!" : ""}`;
              if (shape(at) !== shape(bt) || ((leaf(at) || leaf(bt)) && namedType(at) !== namedType(bt)))
                why = `they return conflicting types "${typeString(at)}" and "${typeString(bt)}"`;
            }
          }
          if (why) {
            reported = true;
            report(
              b.field,
              `Fields "${key}" conflict because ${why}. Use different aliases on the fields to fetch both if this was intentional.`,
            );
          }
        }
    }
  };

  /** Every selection set once (operations and fragment definitions, not through spreads). */
  const walk = (sels: Node[], parent: string | undefined) => {
    if (parent && schema.types.has(parent)) checkMerge(sels, parent);
    for (const sel of sels) {
      if (sel.__kind === "field") {
        checkDirectives(list(sel.Directives), "FIELD");
        const def = parent ? fieldDef(parent, str(sel.Name)) : undefined;
        checkArgs(list(sel.Arguments), list(def?.Arguments), sel);
        walk(list(sel.SelectionSet), def ? namedType(def.Type as Node) : undefined);
        continue;
      }
      const target = spreadTarget(sel);
      if (sel.__kind === "spread") checkDirectives(list(sel.Directives), "FRAGMENT_SPREAD");
      else {
        checkDirectives(list(sel.Directives), "INLINE_FRAGMENT");
        const tk = target ? kindOf(schema, target) : "";
        if (target && tk !== "" && !isComposite(tk))
          report(sel, `Fragment cannot condition on non composite type "${target}".`);
      }
      // PossibleFragmentSpreads (5.5.2.3)
      if (parent && target && schema.types.has(target) && schema.types.has(parent)) {
        const pt = possibleTypes(schema, parent);
        const ft = possibleTypes(schema, target);
        if (![...ft].some((x) => pt.has(x)))
          report(
            sel,
            sel.__kind === "spread"
              ? `Fragment "${str(sel.Name)}" cannot be spread here as objects of type "${parent}" can never be of type "${target}".`
              : `Fragment cannot be spread here as objects of type "${parent}" can never be of type "${target}".`,
          );
      }
      if (sel.__kind !== "spread") walk(list(sel.SelectionSet), target ?? parent);
    }
  };

  /** VariablesInAllowedPosition (5.8.5), following spreads from each operation. */
  const positions = (
    sels: Node[],
    parent: string | undefined,
    vars: Map<string, Node>,
    seen: Set<string>,
  ) => {
    const at = (v: Node | undefined, t: Node | undefined) => {
      if (!v || !t) return;
      if (v.Kind === VALUE_KIND.Variable) {
        const d = vars.get(str(v.Raw));
        if (!d) return;
        let vt = d.Type as Node;
        const dv = d.DefaultValue as Node | undefined;
        if (t.NonNull && !vt.NonNull && dv && dv.Kind !== VALUE_KIND.Null) vt = { ...vt, NonNull: true };
        if (!fits(vt, t))
          report(
            v,
            `Variable "$${str(v.Raw)}" of type "${typeString(d.Type as Node)}" used in position expecting type "${typeString(t)}".`,
          );
      } else if (v.Kind === VALUE_KIND.List) {
        const elem = str(t.NamedType) === "" ? (t.Elem as Node) : undefined;
        for (const c of list(v.Children)) at(c.Value as Node, elem);
      } else if (v.Kind === VALUE_KIND.Object) {
        const fields = list(schema.types.get(namedType(t))?.Fields);
        for (const c of list(v.Children))
          at(c.Value as Node, fields.find((f) => f.Name === c.Name)?.Type as Node);
      }
    };
    const dirs = (ds: Node[]) => {
      for (const d of ds) {
        const def = directiveDef(schema, str(d.Name));
        for (const a of list(d.Arguments))
          at(a.Value as Node, def?.args.find((x) => x.Name === a.Name)?.Type as Node);
      }
    };
    for (const sel of sels) {
      dirs(list(sel.Directives));
      if (sel.__kind === "field") {
        const def = parent
          ? list(schema.types.get(parent)?.Fields).find((f) => f.Name === sel.Name)
          : undefined;
        for (const a of list(sel.Arguments))
          at(a.Value as Node, list(def?.Arguments).find((x) => x.Name === a.Name)?.Type as Node);
        positions(list(sel.SelectionSet), def ? namedType(def.Type as Node) : undefined, vars, seen);
      } else if (sel.__kind === "spread") {
        const n = str(sel.Name);
        const f = fragMap.get(n);
        if (!f || seen.has(n)) continue;
        seen.add(n);
        positions(list(f.SelectionSet), str(f.TypeCondition), vars, seen);
      } else positions(list(sel.SelectionSet), str(sel.TypeCondition) || parent, vars, seen);
    }
  };

  for (const op of ops) {
    const kind = str(op.Operation);
    checkDirectives(list(op.Directives), kind.toUpperCase());
    const vars = new Map<string, Node>();
    for (const d of list(op.VariableDefinitions)) {
      const n = str(d.Variable);
      if (vars.has(n)) report(d, `There can be only one variable named "$${n}".`);
      else vars.set(n, d);
      checkDirectives(list(d.Directives), "VARIABLE_DEFINITION");
      if (d.DefaultValue) checkValue(schema, d.DefaultValue as Node, d.Type as Node, report);
    }
    const root = str(schema[kind as "query" | "mutation" | "subscription"]);
    walk(list(op.SelectionSet), root || undefined);
    positions(list(op.SelectionSet), root || undefined, vars, new Set());
  }
  for (const f of fragMap.values()) {
    checkDirectives(list(f.Directives), "FRAGMENT_DEFINITION");
    const tc = str(f.TypeCondition);
    const tk = kindOf(schema, tc);
    if (tk !== "" && !isComposite(tk))
      report(f, `Fragment "${str(f.Name)}" cannot condition on non composite type "${tc}".`);
    walk(list(f.SelectionSet), tc);
  }

  // NoFragmentCycles (5.5.2.2)
  const spreadsOf = (sels: Node[], out: Node[] = []): Node[] => {
    for (const s of sels) {
      if (s.__kind === "spread") out.push(s);
      else spreadsOf(list(s.SelectionSet), out);
    }
    return out;
  };
  const done = new Set<string>();
  for (const f of fragMap.values()) {
    const start = str(f.Name);
    const path: string[] = [];
    const visit = (name: string) => {
      for (const s of spreadsOf(list(fragMap.get(name)?.SelectionSet))) {
        const n = str(s.Name);
        if (n === start) {
          const via = path.length ? ` via ${path.map((p) => `"${p}"`).join(", ")}` : "";
          report(s, `Cannot spread fragment "${start}" within itself${via}.`);
          continue;
        }
        if (done.has(n) || path.includes(n) || !fragMap.has(n)) continue;
        path.push(n);
        visit(n);
        path.pop();
      }
    };
    visit(start);
    done.add(start);
  }
}

/** Schema rules (spec section 3): names, duplicates, implementations, member and argument kinds, directive locations. */
export function checkSchemaRules(schema: GqlSchema, fail: (node: Node, msg: string) => never): void {
  const dirs = (ds: Node[], location: string, node: Node) => {
    for (const d of ds) {
      const def = directiveDef(schema, str(d.Name));
      if (def && !def.locs.includes(location))
        fail(node, `Directive ${str(d.Name)} is not applicable on ${location}.`);
    }
  };
  for (const [name, t] of schema.types) {
    if (t.BuiltIn) continue;
    if (name.startsWith("__"))
      fail(t, `Name "${name}" must not begin with "__", which is reserved by GraphQL introspection.`);
    const kind = str(t.Kind);
    const seen = new Set<string>();
    for (const f of list(t.Fields)) {
      const fn = str(f.Name);
      if (seen.has(fn)) fail(f, `Field ${name}.${fn} can only be defined once.`);
      seen.add(fn);
      if (fn.startsWith("__"))
        fail(f, `Name "${fn}" must not begin with "__", which is reserved by GraphQL introspection.`);
      const ftk = kindOf(schema, namedType(f.Type as Node));
      if (kind === "INPUT_OBJECT") {
        if (!isInput(ftk))
          fail(f, `${ftk} ${namedType(f.Type as Node)} cannot be used as input field type of ${name}.${fn}.`);
        dirs(list(f.Directives), "INPUT_FIELD_DEFINITION", f);
      } else {
        dirs(list(f.Directives), "FIELD_DEFINITION", f);
        for (const a of list(f.Arguments)) {
          const ak = kindOf(schema, namedType(a.Type as Node));
          if (!isInput(ak))
            fail(
              a,
              `cannot use ${typeString(a.Type as Node)} as argument ${str(a.Name)} of field ${fn} because ${namedType(a.Type as Node)} is not a valid input type.`,
            );
          dirs(list(a.Directives), "ARGUMENT_DEFINITION", a);
        }
      }
    }
    const values = new Set<string>();
    for (const v of list(t.EnumValues)) {
      const vn = str(v.Name);
      if (values.has(vn)) fail(v, `Enum value ${name}.${vn} can only be defined once.`);
      values.add(vn);
    }
    if (kind === "UNION")
      for (const m of list(t.Types))
        if (kindOf(schema, str(m)) !== "OBJECT") fail(t, `UNION type "${str(m)}" must be OBJECT.`);
    for (const i of list(t.Interfaces)) {
      const iface = schema.types.get(str(i));
      if (!iface) continue;
      if (iface.Kind !== "INTERFACE") fail(t, `${name} must be an INTERFACE, not ${str(iface.Kind)}.`);
      for (const f of list(iface.Fields))
        if (!list(t.Fields).some((x) => x.Name === f.Name))
          fail(t, `For ${name} to implement ${str(i)} it must have a field called ${str(f.Name)}.`);
    }
    const loc = {
      OBJECT: "OBJECT",
      INTERFACE: "INTERFACE",
      UNION: "UNION",
      ENUM: "ENUM",
      INPUT_OBJECT: "INPUT_OBJECT",
      SCALAR: "SCALAR",
    }[kind];
    if (loc) dirs(list(t.Directives), loc, t);
  }
}
