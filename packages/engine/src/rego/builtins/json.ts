/** json.* builtins: Go-compatible marshalling/parsing, filter/remove/patch, and JSON Schema checks. */
import {
  isObject,
  keyOf,
  makeObject,
  objEntries,
  type RegoObject,
  RSet,
  typeName,
  type Value,
} from "../value.ts";
import type { BuiltinDef } from "./builtin.ts";
import { GoJSONError, goMarshal, goMarshalIndent, parseGoJSON, validGoJSON } from "./go/json.ts";
import { goQuote } from "./go/quote.ts";
import { applyPatch } from "./json/patch.ts";
import { type PathTree, parsePaths, pathsToTree } from "./json/paths.ts";
import { jsonSchemaBuiltins } from "./json/schema-builtins.ts";
import { arr, builtinErr, obj, operandMsg, str } from "./support/operands.ts";
import { termString } from "./support/termstring.ts";

function marshalWithOptions(args: Value[]): string {
  const name = "json.marshal_with_options";
  const opts = obj(name, args, 1);
  const fail = (msg: string) => operandMsg(name, 2, msg);
  let indent = "\t";
  let prefix = "";
  let implicit = false;
  let explicit: boolean | undefined;
  let idx = 0;
  for (const [k, v] of objEntries(opts)) {
    if (typeof k !== "string")
      throw fail(
        `failed to stringify key ${termString(k)} at index ${idx}: operand ${idx} must be string but got ${typeName(k)}`,
      );
    if (k === "prefix" || k === "indent") {
      if (typeof v !== "string")
        throw fail(
          `key ${goQuote(k)} failed cast to string: operand ${idx} must be string but got ${typeName(v)}`,
        );
      if (k === "prefix") prefix = v;
      else indent = v;
      implicit = true;
    } else if (k === "pretty") {
      if (typeof v !== "boolean") throw fail(`key ${goQuote(k)} failed cast to bool`);
      explicit = v;
    } else throw fail(`object contained unknown key ${goQuote(k)}`);
    idx++;
  }
  const pretty = explicit ?? implicit;
  return pretty ? prefix + goMarshalIndent(args[0], prefix, indent) : goMarshal(args[0]);
}

/** ast.Object.Filter: keep only what the path tree selects. */
function filterValue(v: Value, tree: PathTree): Value {
  if (tree === null) return v;
  if (Array.isArray(v)) {
    const out: Value[] = [];
    for (let i = 0; i < v.length; i++) {
      const sub = tree.get(keyOf(String(i)));
      if (sub) out.push(filterValue(v[i], sub[1]));
    }
    return out;
  }
  if (v instanceof RSet) {
    const out = new RSet();
    for (const m of v.sorted()) {
      const sub = tree.get(keyOf(m));
      if (sub) out.add(filterValue(m, sub[1]));
    }
    return out;
  }
  if (isObject(v)) {
    const entries: [Value, Value][] = [];
    for (const [k, x] of objEntries(v)) {
      const sub = tree.get(keyOf(k));
      if (sub) entries.push([k, filterValue(x, sub[1])]);
    }
    return makeObject(entries);
  }
  return v;
}

/** OPA's jsonRemove: drop whatever the path tree marks as a leaf; undefined = removed. */
function removeValue(v: Value, tree: PathTree | undefined): Value | undefined {
  if (tree === undefined) return v;
  if (tree === null) return undefined;
  if (Array.isArray(v)) {
    const out: Value[] = [];
    for (let i = 0; i < v.length; i++) {
      const r = removeValue(v[i], tree.get(keyOf(String(i)))?.[1]);
      if (r !== undefined) out.push(r);
    }
    return out;
  }
  if (v instanceof RSet) {
    const out = new RSet();
    for (const m of v) {
      const r = removeValue(m, tree.get(keyOf(m))?.[1]);
      if (r !== undefined) out.add(r);
    }
    return out;
  }
  if (isObject(v)) {
    const entries: [Value, Value][] = [];
    for (const [k, x] of objEntries(v)) {
      const r = removeValue(x, tree.get(keyOf(k))?.[1]);
      if (r !== undefined) entries.push([k, r]);
    }
    return makeObject(entries);
  }
  return v;
}

function unmarshal(args: Value[]): Value {
  const s = str("json.unmarshal", args, 0);
  try {
    return parseGoJSON(s);
  } catch (e) {
    if (e instanceof GoJSONError) throw builtinErr("json.unmarshal", e.message);
    throw e;
  }
}

export const builtins: BuiltinDef[] = [
  { name: "json.marshal", arity: 1, impl: (a) => goMarshal(a[0]) },
  { name: "json.marshal_with_options", arity: 2, impl: marshalWithOptions },
  { name: "json.unmarshal", arity: 1, impl: unmarshal },
  { name: "json.is_valid", arity: 1, impl: (a) => typeof a[0] === "string" && validGoJSON(a[0]) },
  {
    name: "json.filter",
    arity: 2,
    impl: (a) => {
      const o: RegoObject = obj("json.filter", a, 0);
      return filterValue(o, pathsToTree(parsePaths("json.filter", a[1])));
    },
  },
  {
    name: "json.remove",
    arity: 2,
    impl: (a) => {
      const o = obj("json.remove", a, 0);
      return removeValue(o, pathsToTree(parsePaths("json.remove", a[1])));
    },
  },
  {
    name: "json.patch",
    arity: 2,
    impl: (a) => applyPatch(a[0], arr("json.patch", a, 1)),
  },
  ...jsonSchemaBuiltins,
];
