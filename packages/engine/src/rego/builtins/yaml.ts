/** yaml.marshal / unmarshal / is_valid with OPA's (sigs.k8s.io/yaml, go-yaml v3) behaviour. */
import type { BuiltinDef } from "./builtin.ts";
import { GoYAMLError, goYAMLMarshal, goYAMLUnmarshal } from "./go/yaml.ts";
import { builtinErr, str } from "./support/operands.ts";

export const builtins: BuiltinDef[] = [
  { name: "yaml.marshal", arity: 1, impl: (a) => goYAMLMarshal(a[0]) },
  {
    name: "yaml.unmarshal",
    arity: 1,
    impl: (a) => {
      try {
        return goYAMLUnmarshal(str("yaml.unmarshal", a, 0));
      } catch (e) {
        if (e instanceof GoYAMLError) throw builtinErr("yaml.unmarshal", e.message);
        throw e;
      }
    },
  },
  {
    name: "yaml.is_valid",
    arity: 1,
    impl: (a) => {
      if (typeof a[0] !== "string") return false;
      try {
        goYAMLUnmarshal(a[0]);
        return true;
      } catch (e) {
        if (e instanceof GoYAMLError) return false;
        throw e;
      }
    },
  },
];
