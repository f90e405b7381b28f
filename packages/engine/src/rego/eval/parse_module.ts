/**
 * rego.parse_module(filename, source): the module's AST as JSON in OPA's
 * shape (syntax/opa-json.ts), without locations.
 */
import type { Module } from "../ast.ts";
import { BuiltinError } from "../builtins/builtin.ts";
import { fromJS } from "../compile/jsvalue.ts";
import { RegoError } from "../errors.ts";
import { moduleToJSON, parseModule } from "../syntax/index.ts";
import type { Value } from "../value.ts";

export function parseModuleBuiltin(file: string, source: string): Value {
  let m: Module;
  try {
    m = parseModule(source, file, { regoVersion: 1 });
  } catch (e) {
    if (e instanceof RegoError) throw new BuiltinError(e.message);
    throw e;
  }
  return fromJS(moduleToJSON(m));
}
