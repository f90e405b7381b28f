/** is_* type tests and type_name. */
import { isNumber, isObject, RSet, typeName, type Value } from "../value.ts";
import type { BuiltinDef } from "./builtin.ts";

function test(name: string, pred: (v: Value) => boolean): BuiltinDef {
  return { name, arity: 1, impl: ([v]) => pred(v) };
}

export const builtins: BuiltinDef[] = [
  test("is_number", isNumber),
  test("is_string", (v) => typeof v === "string"),
  test("is_boolean", (v) => typeof v === "boolean"),
  test("is_array", (v) => Array.isArray(v)),
  test("is_set", (v) => v instanceof RSet),
  test("is_object", (v) => isObject(v)),
  test("is_null", (v) => v === null),
  { name: "type_name", arity: 1, impl: ([v]) => typeName(v) },
];
