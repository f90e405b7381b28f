/** json.verify_schema / json.match_schema over json/schema.ts. */
import { plainNumbers } from "../../numtext.ts";
import { isObject, type Value } from "../../value.ts";
import type { BuiltinDef } from "../builtin.ts";
import { GoJSONError, parseGoJSON, validGoJSON } from "../go/json.ts";
import { builtinErr } from "../support/operands.ts";
import { compileSchema, SchemaError, validateDocument } from "./schema.ts";

class LoaderError extends Error {}

/** OPA's astValueToJSONSchemaLoader: a JSON string, an object or an array. */
function load(v: Value): Value {
  if (typeof v === "string") {
    if (!validGoJSON(v)) throw new LoaderError("invalid JSON string");
    try {
      return plainNumbers(parseGoJSON(v));
    } catch (e) {
      if (e instanceof GoJSONError) throw new LoaderError(e.message);
      throw e;
    }
  }
  // the validator reads numbers as JS numbers: literals such as 1.0 enter as their value
  if (isObject(v) || Array.isArray(v)) return plainNumbers(v);
  throw new LoaderError("wrong type, expected string or object");
}

export const jsonSchemaBuiltins: BuiltinDef[] = [
  {
    name: "json.verify_schema",
    arity: 1,
    impl: (a) => {
      try {
        compileSchema(load(a[0]));
        return [true, null];
      } catch (e) {
        if (e instanceof LoaderError || e instanceof SchemaError) return [false, `jsonschema: ${e.message}`];
        throw e;
      }
    },
  },
  {
    name: "json.match_schema",
    arity: 2,
    impl: (a) => {
      const name = "json.match_schema";
      try {
        const doc = load(a[0]);
        const schema = compileSchema(load(a[1]));
        const errors = validateDocument(schema, doc);
        return [
          errors.length === 0,
          errors.map((e) => ({ error: `${e.field}: ${e.desc}`, type: e.type, field: e.field, desc: e.desc })),
        ];
      } catch (e) {
        if (e instanceof LoaderError || e instanceof SchemaError) throw builtinErr(name, e.message);
        throw e;
      }
    },
  },
];
