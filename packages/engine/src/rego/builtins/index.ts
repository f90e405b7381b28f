/**
 * The builtin registry: one file per OPA namespace, merged here.
 * Builtins that need the evaluator (eq, assign, internal.member_*, print,
 * walk, rego.*, internal.template_string, internal.test_case) live in eval/.
 */
import { builtins as aggregatesBuiltins } from "./aggregates.ts";
import { builtins as arraysBuiltins } from "./arrays.ts";
import { builtins as bitsBuiltins } from "./bits.ts";
import type { BuiltinDef } from "./builtin.ts";
import { builtins as castsBuiltins } from "./casts.ts";
import { builtins as comparisonBuiltins } from "./comparison.ts";
import { builtins as cryptoBuiltins } from "./crypto.ts";
import { builtins as encodingBuiltins } from "./encoding.ts";
import { builtins as globBuiltins } from "./glob.ts";
import { builtins as graphBuiltins } from "./graph.ts";
import { builtins as graphqlBuiltins } from "./graphql.ts";
import { builtins as httpBuiltins } from "./http.ts";
import { builtins as jsonBuiltins } from "./json.ts";
import { builtins as jwtBuiltins } from "./jwt.ts";
import { builtins as netBuiltins } from "./net.ts";
import { builtins as numbersBuiltins } from "./numbers.ts";
import { builtins as objectsBuiltins } from "./objects.ts";
import { builtins as opaBuiltins } from "./opa.ts";
import { builtins as providersBuiltins } from "./providers.ts";
import { builtins as randBuiltins } from "./rand.ts";
import { builtins as regexBuiltins } from "./regex.ts";
import { builtins as semverBuiltins } from "./semver.ts";
import { builtins as setsBuiltins } from "./sets.ts";
import { builtins as stringsBuiltins } from "./strings.ts";
import { builtins as timeBuiltins } from "./time.ts";
import { builtins as typesBuiltins } from "./types.ts";
import { builtins as unitsBuiltins } from "./units.ts";
import { builtins as uriBuiltins } from "./uri.ts";
import { builtins as uuidBuiltins } from "./uuid.ts";
import { builtins as yamlBuiltins } from "./yaml.ts";

export type { BuiltinContext, BuiltinDef, BuiltinImpl } from "./builtin.ts";
export { BuiltinError } from "./builtin.ts";

const all: BuiltinDef[][] = [
  aggregatesBuiltins,
  numbersBuiltins,
  bitsBuiltins,
  comparisonBuiltins,
  stringsBuiltins,
  regexBuiltins,
  globBuiltins,
  unitsBuiltins,
  arraysBuiltins,
  setsBuiltins,
  objectsBuiltins,
  typesBuiltins,
  castsBuiltins,
  semverBuiltins,
  uuidBuiltins,
  randBuiltins,
  graphBuiltins,
  encodingBuiltins,
  jsonBuiltins,
  yamlBuiltins,
  timeBuiltins,
  cryptoBuiltins,
  jwtBuiltins,
  netBuiltins,
  uriBuiltins,
  graphqlBuiltins,
  providersBuiltins,
  httpBuiltins,
  opaBuiltins,
];

export const BUILTINS: ReadonlyMap<string, BuiltinDef> = new Map(all.flat().map((b) => [b.name, b]));
