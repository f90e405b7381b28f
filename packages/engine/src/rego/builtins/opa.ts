/** opa.runtime: OPA returns an empty object when no runtime information is configured (as under Gatekeeper). */
import type { BuiltinDef } from "./builtin.ts";

export const builtins: BuiltinDef[] = [
  { name: "opa.runtime", arity: 0, nondeterministic: true, impl: () => ({}) },
];
