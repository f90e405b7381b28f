/**
 * Generation types and the builtin catalogue. Every builtin OPA lists in its
 * `builtin_metadata.json` is here with its argument and result types parsed
 * from the metadata's type notation (`array[string]`, `any<number, set[any]>`,
 * `object<k: string>[string: any]`, `array<number, string>`).
 */
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";

/** A value type the generator aims for. */
export type GenType =
  | { t: "any" | "num" | "str" | "bool" | "null" }
  | { t: "arr"; of: GenType }
  | { t: "tuple"; items: GenType[] }
  | { t: "set"; of: GenType }
  | { t: "obj"; key: GenType; val: GenType; props: [string, GenType][] }
  | { t: "or"; of: GenType[] };

/** The coarse kind of a value, what scopes and rules are indexed by. */
export type Kind = "any" | "num" | "str" | "bool" | "null" | "arr" | "set" | "obj";
export const KINDS: Kind[] = ["num", "str", "bool", "null", "arr", "set", "obj"];

export const T = {
  any: { t: "any" } as GenType,
  num: { t: "num" } as GenType,
  str: { t: "str" } as GenType,
  bool: { t: "bool" } as GenType,
  null: { t: "null" } as GenType,
  arr: (of: GenType = { t: "any" }): GenType => ({ t: "arr", of }),
  set: (of: GenType = { t: "any" }): GenType => ({ t: "set", of }),
  obj: (val: GenType = { t: "any" }, key: GenType = { t: "str" }): GenType => ({
    t: "obj",
    key,
    val,
    props: [],
  }),
};

export function kindOf(ty: GenType): Kind {
  switch (ty.t) {
    case "tuple":
      return "arr";
    case "or":
      return "any";
    default:
      return ty.t;
  }
}

export function typeOfKind(k: Kind): GenType {
  return k === "arr" ? T.arr() : k === "set" ? T.set() : k === "obj" ? T.obj() : { t: k };
}

/** Parse the metadata's type notation. */
export function parseType(src: string): GenType {
  let i = 0;
  const ws = () => {
    while (src[i] === " ") i++;
  };
  const word = () => {
    ws();
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
    if (!m) throw new Error(`type notation: expected a name at ${i} in ${src}`);
    i += m[0].length;
    return m[0];
  };
  const eat = (c: string) => {
    ws();
    if (src[i] !== c) return false;
    i++;
    return true;
  };
  const list = (close: string): GenType[] => {
    const out: GenType[] = [];
    while (!eat(close)) {
      out.push(one());
      eat(",");
    }
    return out;
  };
  const one = (): GenType => {
    const w = word();
    switch (w) {
      case "any":
        return eat("<") ? { t: "or", of: list(">") } : T.any;
      case "number":
        return T.num;
      case "string":
        return T.str;
      case "boolean":
        return T.bool;
      case "null":
        return T.null;
      case "array": {
        if (eat("<")) return { t: "tuple", items: list(">") };
        eat("[");
        const of = one();
        eat("]");
        return T.arr(of);
      }
      case "set": {
        eat("[");
        const of = one();
        eat("]");
        return T.set(of);
      }
      case "object": {
        const props: [string, GenType][] = [];
        if (eat("<")) {
          while (!eat(">")) {
            const name = word();
            eat(":");
            props.push([name, one()]);
            eat(",");
          }
        }
        let key: GenType = T.str;
        let val: GenType = T.any;
        if (eat("[")) {
          key = one();
          eat(":");
          val = one();
          eat("]");
        }
        return { t: "obj", key, val, props };
      }
      default:
        throw new Error(`type notation: unknown type ${w} in ${src}`);
    }
  };
  return one();
}

export interface BuiltinSig {
  name: string;
  args: GenType[];
  /** undefined for builtins without a result (print). */
  result?: GenType;
  infix?: string;
  /** Deprecated builtins exist only for v0 modules. */
  deprecated: boolean;
}

/**
 * Builtins whose results differ run to run (time, randomness, network, the
 * runtime) or that sign with random nonces: they would compare noise, so
 * they are left out of generated programs.
 */
export const NONDETERMINISTIC = new Set([
  "time.now_ns",
  "rand.intn",
  "uuid.rfc4122",
  "http.send",
  "net.lookup_ip_addr",
  "opa.runtime",
  "providers.aws.sign_req",
  "io.jwt.encode_sign",
  "io.jwt.encode_sign_raw",
]);

/** Internal builtins a module cannot call by name (the compiler rewrites into them). */
const INTERNAL = /^internal\./;

/** OPA's builtin metadata: the shared corpus copy, else the pinned module's. */
export function metadataPath(): string {
  const root = resolve(import.meta.dirname, "../../../../..");
  const candidates = [
    resolve(root, "../shared/corpus/opa-conformance/meta/builtin_metadata.json"),
    resolve(root, ".cache/gopath/pkg/mod/github.com/open-policy-agent/opa@v1.22.2/builtin_metadata.json"),
  ];
  const p = candidates.find((c) => existsSync(c));
  if (!p) throw new Error(`builtin_metadata.json not found (looked in ${candidates.join(", ")})`);
  return p;
}

let catalogue: BuiltinSig[] | undefined;

/** Every callable builtin in OPA's metadata, in name order. */
export function builtinCatalogue(): BuiltinSig[] {
  if (catalogue) return catalogue;
  const meta = JSON.parse(readFileSync(metadataPath(), "utf8")) as Record<string, Record<string, unknown>>;
  const out: BuiltinSig[] = [];
  for (const name of Object.keys(meta).sort()) {
    if (name.startsWith("_") || INTERNAL.test(name)) continue;
    const m = meta[name] as {
      args?: { type?: string }[];
      result?: { type?: string };
      infix?: string;
      deprecated?: boolean;
    };
    out.push({
      name,
      args: (m.args ?? []).map((a) => (a.type ? parseType(a.type) : T.any)),
      result: m.result?.type ? parseType(m.result.type) : undefined,
      infix: m.infix,
      deprecated: !!m.deprecated,
    });
  }
  catalogue = out;
  return out;
}
