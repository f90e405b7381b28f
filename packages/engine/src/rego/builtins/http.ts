/**
 * http.send is disabled, as in Gatekeeper: policies must not reach the
 * network. The request is still checked first, so malformed requests get
 * OPA's type errors.
 */
import { type BuiltinDef, BuiltinError } from "./builtin.ts";
import { validateHttpRequest } from "./http/request.ts";
import { obj } from "./support/operands.ts";

export const builtins: BuiltinDef[] = [
  {
    name: "http.send",
    arity: 1,
    nondeterministic: true,
    impl: (a) => {
      validateHttpRequest("http.send", obj("http.send", a, 0), 1);
      throw new BuiltinError(
        "http.send: network access is disabled in Portcullis",
        "eval_builtin_error",
        true,
      );
    },
  },
];
