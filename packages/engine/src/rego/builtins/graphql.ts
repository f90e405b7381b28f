/** graphql.* builtins: gqlparser-compatible parsing (graphql/parse.ts) and validation (graphql/validate.ts). */
import {
  isObject,
  NumText,
  numOf,
  objEntries,
  type PlainObject,
  RSet,
  setOwn,
  type Value,
} from "../value.ts";
import type { BuiltinDef } from "./builtin.ts";
import { GqlError } from "./graphql/errors.ts";
import { type Node, parseQueryDoc, parseSchemaDoc } from "./graphql/parse.ts";
import { buildSchema, GqlErrorList, validateQuery } from "./graphql/validate.ts";
import { builtinErr, operandErr, str } from "./support/operands.ts";

/**
 * OPA's formatGqlParserError on gqlparser's error text ("input:L:C: msg",
 * newline-terminated for validation error lists): the text after the
 * first location, minus a final ".\n", then the first location.
 */
function formatted(e: GqlError | GqlErrorList): string {
  const text = e instanceof GqlErrorList ? e.message : `input:${e.line}:${e.column}: ${e.message}`;
  const parts = text.split(":");
  const rest = parts.slice(3).join(":").replace(/^ +/, "");
  const msg = rest.endsWith(".\n") ? rest.slice(0, -2) : rest;
  return `${msg} in GraphQL string at location ${parts[1]}:${parts[2]}`;
}

/** OPA's pruneIrrelevantGraphQLASTNodes over our AST: no nulls, empty lists/objects or internal keys. */
function render(v: unknown): Value | undefined {
  if (v === null || v === undefined) return undefined;
  if (Array.isArray(v)) {
    const out: Value[] = [];
    for (const x of v) {
      const r = render(x);
      if (r === undefined) continue;
      if (Array.isArray(r) && r.length === 0) continue;
      if (isObject(r) && Object.keys(r).length === 0) continue;
      out.push(r);
    }
    return out;
  }
  if (typeof v === "object") {
    const out: PlainObject = {};
    for (const [k, x] of Object.entries(v as object)) {
      if (k.startsWith("__") || k === "Position") continue;
      const r = render(x);
      if (r === undefined) continue;
      if (Array.isArray(r) && r.length === 0) continue;
      if (isObject(r) && Object.keys(r).length === 0) continue;
      setOwn(out, k, r);
    }
    return out;
  }
  return v as Value;
}

/** A JS view of an AST object operand (as OPA round-trips it through JSON into Go structs). */
function toNode(v: Value): Node {
  const conv = (x: Value): unknown => {
    if (Array.isArray(x)) return x.map(conv);
    if (x instanceof RSet) return x.sorted().map(conv);
    if (isObject(x)) {
      const o: Record<string, unknown> = {};
      for (const [k, y] of objEntries(x)) o[String(k)] = conv(y);
      return o;
    }
    if (x instanceof NumText) return Number(numOf(x));
    return typeof x === "bigint" ? Number(x) : x;
  };
  return conv(v) as Node;
}

/** gqlparser's QueryDocument / SchemaDocument fields: Go's JSON decoding keeps these (matched case-insensitively), drops the rest. */
const QUERY_FIELDS = ["Operations", "Fragments", "Comment"];
const SCHEMA_FIELDS = ["Schema", "SchemaExtension", "Directives", "Definitions", "Extensions", "Comment"];

function decoded(v: Value, fields: string[]): Node {
  const node = toNode(v) as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(node)) {
    const f = fields.find((name) => name.toLowerCase() === k.toLowerCase());
    if (f) out[f] = x;
  }
  return out as unknown as Node;
}

function queryDoc(name: string, v: Value, pos: number): Node {
  if (typeof v === "string") return parseQueryDoc(v);
  if (isObject(v)) return decoded(v, QUERY_FIELDS);
  throw operandErr(name, pos, v, "string", "object");
}

function schemaDoc(name: string, v: Value, pos: number): Node {
  if (typeof v === "string") return parseSchemaDoc(v);
  if (isObject(v)) return decoded(v, SCHEMA_FIELDS);
  throw operandErr(name, pos, v, "string", "object");
}

/** Parse both operands, build the schema and validate; GqlErrors carry gqlparser's messages. */
function checked(name: string, args: Value[]): { q: Node; s: Node } {
  const q = queryDoc(name, args[0], 0);
  const s = schemaDoc(name, args[1], 1);
  let schema: ReturnType<typeof buildSchema>;
  try {
    schema = buildSchema(s);
  } catch (e) {
    if (e instanceof GqlError)
      throw new Error(
        `Error in gqlparser SchemaDocument to Schema conversion: input:${e.line}:${e.column}: ${e.message}`,
      );
    throw e;
  }
  validateQuery(schema, q);
  return { q, s };
}

function attempt<T>(name: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof GqlError || e instanceof GqlErrorList) throw builtinErr(name, formatted(e));
    if (e instanceof Error && e.message.startsWith("Error in gqlparser")) throw builtinErr(name, e.message);
    throw e;
  }
}

function valid(name: string, f: () => unknown): boolean {
  try {
    f();
    return true;
  } catch (e) {
    if (
      e instanceof GqlError ||
      e instanceof GqlErrorList ||
      (e instanceof Error && e.message.startsWith("Error in gqlparser"))
    )
      return false;
    if (e instanceof Error && "code" in e) throw e;
    void name;
    return false;
  }
}

export const builtins: BuiltinDef[] = [
  {
    name: "graphql.parse_query",
    arity: 1,
    impl: (a) =>
      attempt("graphql.parse_query", () => render(parseQueryDoc(str("graphql.parse_query", a, 0)))!),
  },
  {
    name: "graphql.parse_schema",
    arity: 1,
    impl: (a) =>
      attempt("graphql.parse_schema", () => render(parseSchemaDoc(str("graphql.parse_schema", a, 0)))!),
  },
  {
    name: "graphql.parse",
    arity: 2,
    impl: (a) =>
      attempt("graphql.parse", () => {
        const { q, s } = checked("graphql.parse", a);
        return [render(q)!, render(s)!];
      }),
  },
  {
    name: "graphql.parse_and_verify",
    arity: 2,
    impl: (a) => {
      // operands of another type: not a document, so not valid (as in OPA)
      if ((typeof a[0] !== "string" && !isObject(a[0])) || (typeof a[1] !== "string" && !isObject(a[1])))
        return [false, {}, {}];
      try {
        const { q, s } = checked("graphql.parse_and_verify", a);
        return [true, render(q)!, render(s)!];
      } catch (e) {
        if (
          e instanceof GqlError ||
          e instanceof GqlErrorList ||
          (e instanceof Error && e.message.startsWith("Error in gqlparser"))
        )
          return [false, {}, {}];
        throw e;
      }
    },
  },
  {
    name: "graphql.is_valid",
    arity: 2,
    impl: (a) => {
      if ((typeof a[0] !== "string" && !isObject(a[0])) || (typeof a[1] !== "string" && !isObject(a[1])))
        return false;
      return valid("graphql.is_valid", () => checked("graphql.is_valid", a));
    },
  },
  {
    name: "graphql.schema_is_valid",
    arity: 1,
    impl: (a) => {
      const v = a[0];
      if (typeof v !== "string" && !isObject(v)) return false;
      return valid("graphql.schema_is_valid", () => buildSchema(schemaDoc("graphql.schema_is_valid", v, 0)));
    },
  },
];
