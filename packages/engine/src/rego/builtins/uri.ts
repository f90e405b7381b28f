/** uri.parse / uri.is_valid: Go's url.Parse, reduced to the fields OPA returns. */
import type { PlainObject, Value } from "../value.ts";
import type { BuiltinDef } from "./builtin.ts";
import { goURLParse, splitHostPort, URLError } from "./go/url-parse.ts";
import { builtinErr, str } from "./support/operands.ts";

function parse(args: Value[]): Value {
  const s = str("uri.parse", args, 0);
  let u: ReturnType<typeof goURLParse>;
  try {
    u = goURLParse(s);
  } catch (e) {
    if (e instanceof URLError) throw builtinErr("uri.parse", e.message);
    throw e;
  }
  const out: PlainObject = {};
  if (u.scheme !== "") out.scheme = u.scheme;
  const [hostname, port] = splitHostPort(u.host);
  if (hostname !== "") out.hostname = hostname;
  if (port !== "") out.port = port;
  if (u.path !== "") {
    out.path = u.path;
    out.raw_path = u.rawPath !== "" ? u.rawPath : u.path;
  }
  if (u.rawQuery !== "") out.raw_query = u.rawQuery;
  if (u.fragment !== "") out.fragment = u.fragment;
  return out;
}

export const builtins: BuiltinDef[] = [
  { name: "uri.parse", arity: 1, impl: parse },
  {
    name: "uri.is_valid",
    arity: 1,
    impl: (a) => {
      if (typeof a[0] !== "string" || a[0] === "") return false;
      try {
        goURLParse(a[0]);
        return true;
      } catch (e) {
        if (e instanceof URLError) return false;
        throw e;
      }
    },
  },
];
