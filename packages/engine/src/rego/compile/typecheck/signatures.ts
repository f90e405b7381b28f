/**
 * Every builtin's declared type, as OPA declares it (its capabilities'
 * `decl`), in a compact notation parsed once into typecheck/types.ts
 * types. The compile-time type checker checks calls against these.
 *
 * Notation: `any null bool num str`; `T[]` array of T; `[T, U]` array of
 * exactly T then U (`[T, ...U]`: then any number of U); `set<T>`;
 * `{K: V}` object with K keys and V values, `{name=T, K: V}` adding a static
 * property `name`; `T|U` either (`any<T>`: a union of one). A signature is `arg, arg -> result`, where
 * each may be named `name: T`; `...T` is a variadic tail; no `->` means the
 * function has no result (void). `(T)` groups.
 */
import {
  ANY,
  arrayOf,
  BOOL,
  type DynamicProp,
  type FnType,
  NULL,
  NUM,
  newAny,
  objectOf,
  STR,
  type StaticProp,
  setOf,
  type T,
  type Type,
} from "./types.ts";

/** OPA's builtin declarations (v1.22), by builtin name. */
export const SIGNATURES: Readonly<Record<string, string>> = {
  abs: "x: num -> y: num",
  all: "any[]|set<any> -> bool",
  and: "x: set<any>, y: set<any> -> z: set<any>",
  any: "any[]|set<any> -> bool",
  "array.concat": "x: any[], y: any[] -> z: any[]",
  "array.flatten": "arr: any[] -> flattened: any[]",
  "array.reverse": "arr: any[] -> rev: any[]",
  "array.slice": "arr: any[], start: num, stop: num -> slice: any[]",
  assign: "any, any -> bool",
  "base64.decode": "x: str -> y: str",
  "base64.encode": "x: str -> y: str",
  "base64.is_valid": "x: str -> result: bool",
  "base64url.decode": "x: str -> y: str",
  "base64url.encode": "x: str -> y: str",
  "base64url.encode_no_pad": "x: str -> y: str",
  "bits.and": "x: num, y: num -> z: num",
  "bits.lsh": "x: num, s: num -> z: num",
  "bits.negate": "x: num -> z: num",
  "bits.or": "x: num, y: num -> z: num",
  "bits.rsh": "x: num, s: num -> z: num",
  "bits.xor": "x: num, y: num -> z: num",
  cast_array: "any -> any[]",
  cast_boolean: "any -> bool",
  cast_null: "any -> null",
  cast_object: "any -> {any: any}",
  cast_set: "any -> set<any>",
  cast_string: "any -> str",
  ceil: "x: num -> y: num",
  concat: "delimiter: str, collection: str[]|set<str> -> output: str",
  contains: "haystack: str, needle: str -> result: bool",
  count: "collection: str|any[]|{any: any}|set<any> -> n: num",
  "crypto.hmac.equal": "mac1: str, mac2: str -> result: bool",
  "crypto.hmac.md5": "x: str, key: str -> y: str",
  "crypto.hmac.sha1": "x: str, key: str -> y: str",
  "crypto.hmac.sha256": "x: str, key: str -> y: str",
  "crypto.hmac.sha512": "x: str, key: str -> y: str",
  "crypto.md5": "x: str -> y: str",
  "crypto.parse_private_keys": "keys: str -> output: {str: any}[]",
  "crypto.sha1": "x: str -> y: str",
  "crypto.sha256": "x: str -> y: str",
  "crypto.x509.parse_and_verify_certificates": "certs: str -> output: [bool, {str: any}[]]",
  "crypto.x509.parse_and_verify_certificates_with_options":
    "certs: str, options: {str: any} -> output: [bool, {str: any}[]]",
  "crypto.x509.parse_certificate_request": "csr: str -> output: {str: any}",
  "crypto.x509.parse_certificates": "certs: str -> output: {str: any}[]",
  "crypto.x509.parse_keypair": "cert: str, pem: str -> output: {str: any}",
  "crypto.x509.parse_rsa_private_key": "pem: str -> output: {str: any}",
  div: "x: num, y: num -> z: num",
  endswith: "search: str, base: str -> result: bool",
  eq: "any, any -> bool",
  equal: "x: any, y: any -> result: bool",
  floor: "x: num -> y: num",
  format_int: "number: num, base: num -> output: str",
  "glob.match": "pattern: str, delimiters: null|str[], match: str -> result: bool",
  "glob.quote_meta": "pattern: str -> output: str",
  "graph.reachable": "graph: {any: any[]|set<any>}, initial: any[]|set<any> -> output: set<any>",
  "graph.reachable_paths": "graph: {any: any[]|set<any>}, initial: any[]|set<any> -> output: set<any[]>",
  "graphql.is_valid": "query: str|{any: any}, schema: str|{any: any} -> output: bool",
  "graphql.parse": "query: str|{any: any}, schema: str|{any: any} -> output: [{any: any}, {any: any}]",
  "graphql.parse_and_verify":
    "query: str|{any: any}, schema: str|{any: any} -> output: [bool, {any: any}, {any: any}]",
  "graphql.parse_query": "query: str -> output: {any: any}",
  "graphql.parse_schema": "schema: str -> output: {any: any}",
  "graphql.schema_is_valid": "schema: str|{any: any} -> output: bool",
  gt: "x: any, y: any -> result: bool",
  gte: "x: any, y: any -> result: bool",
  "hex.decode": "x: str -> y: str",
  "hex.encode": "x: str -> y: str",
  "http.send": "request: {str: any} -> response: {any: any}",
  indexof: "haystack: str, needle: str -> output: num",
  indexof_n: "haystack: str, needle: str -> output: num[]",
  "internal.member_2": "any, any -> bool",
  "internal.member_3": "any, any, any -> bool",
  "internal.print": "set<any>[]",
  "internal.template_string": "any[] -> str",
  "internal.test_case": "any[]",
  intersection: "xs: set<set<any>> -> y: set<any>",
  "io.jwt.decode": "jwt: str -> output: [{any: any}, {any: any}, str]",
  "io.jwt.decode_verify": "jwt: str, constraints: {str: any} -> output: [bool, {any: any}, {any: any}]",
  "io.jwt.encode_sign": "headers: {str: any}, payload: {str: any}, key: {str: any} -> output: str",
  "io.jwt.encode_sign_raw": "headers: str, payload: str, key: str -> output: str",
  "io.jwt.verify_eddsa": "jwt: str, certificate: str -> result: bool",
  "io.jwt.verify_es256": "jwt: str, certificate: str -> result: bool",
  "io.jwt.verify_es384": "jwt: str, certificate: str -> result: bool",
  "io.jwt.verify_es512": "jwt: str, certificate: str -> result: bool",
  "io.jwt.verify_hs256": "jwt: str, secret: str -> result: bool",
  "io.jwt.verify_hs384": "jwt: str, secret: str -> result: bool",
  "io.jwt.verify_hs512": "jwt: str, secret: str -> result: bool",
  "io.jwt.verify_ps256": "jwt: str, certificate: str -> result: bool",
  "io.jwt.verify_ps384": "jwt: str, certificate: str -> result: bool",
  "io.jwt.verify_ps512": "jwt: str, certificate: str -> result: bool",
  "io.jwt.verify_rs256": "jwt: str, certificate: str -> result: bool",
  "io.jwt.verify_rs384": "jwt: str, certificate: str -> result: bool",
  "io.jwt.verify_rs512": "jwt: str, certificate: str -> result: bool",
  is_array: "x: any -> result: bool",
  is_boolean: "x: any -> result: bool",
  is_null: "x: any -> result: bool",
  is_number: "x: any -> result: bool",
  is_object: "x: any -> result: bool",
  is_set: "x: any -> result: bool",
  is_string: "x: any -> result: bool",
  "json.filter": "object: {any: any}, paths: (str|any[])[]|set<str|any[]> -> filtered: {any: any}",
  "json.is_valid": "x: str -> result: bool",
  "json.marshal": "x: any -> y: str",
  "json.marshal_with_options": "x: any, opts: {indent=str, prefix=str, pretty=bool, str: any} -> y: str",
  "json.match_schema":
    "document: str|{any: any}, schema: str|{any: any} -> output: [bool, {desc=str, error=str, field=str, type=str}[]]",
  "json.patch": "target: any, patches: {op=str, path=any, any: any}[] -> output: any",
  "json.remove": "object: {any: any}, paths: (str|any[])[]|set<str|any[]> -> output: {any: any}",
  "json.unmarshal": "x: str -> y: any",
  "json.verify_schema": "schema: str|{any: any} -> output: [bool, null|str]",
  lower: "x: str -> y: str",
  lt: "x: any, y: any -> result: bool",
  lte: "x: any, y: any -> result: bool",
  max: "collection: any[]|set<any> -> n: any",
  min: "collection: any[]|set<any> -> n: any",
  minus: "x: num|set<any>, y: num|set<any> -> z: num|set<any>",
  mul: "x: num, y: num -> z: num",
  neq: "x: any, y: any -> result: bool",
  "net.cidr_contains": "cidr: str, cidr_or_ip: str -> result: bool",
  "net.cidr_contains_matches":
    "cidrs: str|(str|any[])[]|{str: str|any[]}|set<str|any[]>, cidrs_or_ips: str|(str|any[])[]|{str: str|any[]}|set<str|any[]> -> output: set<[any, any]>",
  "net.cidr_expand": "cidr: str -> hosts: set<str>",
  "net.cidr_intersects": "cidr1: str, cidr2: str -> result: bool",
  "net.cidr_is_valid": "cidr: str -> result: bool",
  "net.cidr_merge": "addrs: any<str>[]|set<str> -> output: set<str>",
  "net.cidr_overlap": "str, str -> bool",
  "net.lookup_ip_addr": "name: str -> addrs: set<str>",
  "numbers.range": "a: num, b: num -> range: num[]",
  "numbers.range_step": "a: num, b: num, step: num -> range: num[]",
  "object.filter": "object: {any: any}, keys: any[]|{any: any}|set<any> -> filtered: {any: any}",
  "object.get": "object: {any: any}, key: any, default: any -> value: any",
  "object.keys": "object: {any: any} -> value: set<any>",
  "object.remove": "object: {any: any}, keys: any[]|{any: any}|set<any> -> output: {any: any}",
  "object.subset": "super: any[]|{any: any}|set<any>, sub: any[]|{any: any}|set<any> -> result: bool",
  "object.union": "a: {any: any}, b: {any: any} -> output: {any: any}",
  "object.union_n": "objects: {any: any}[] -> output: {any: any}",
  "opa.runtime": "-> output: {str: any}",
  or: "x: set<any>, y: set<any> -> z: set<any>",
  plus: "x: num, y: num -> z: num",
  print: "...any",
  product: "collection: num[]|set<num> -> n: num",
  "providers.aws.sign_req":
    "request: {str: any}, aws_config: {str: any}, time_ns: num -> signed_request: {any: any}",
  "rand.intn": "str: str, n: num -> y: num",
  re_match: "str, str -> bool",
  "regex.find_all_string_submatch_n": "pattern: str, value: str, number: num -> output: str[][]",
  "regex.find_n": "pattern: str, value: str, number: num -> output: str[]",
  "regex.globs_match": "glob1: str, glob2: str -> result: bool",
  "regex.is_valid": "pattern: str -> result: bool",
  "regex.match": "pattern: str, value: str -> result: bool",
  "regex.replace": "s: str, pattern: str, value: str -> output: str",
  "regex.split": "pattern: str, value: str -> output: str[]",
  "regex.template_match":
    "template: str, value: str, delimiter_start: str, delimiter_end: str -> result: bool",
  "rego.metadata.chain": "-> chain: any[]",
  "rego.metadata.rule": "-> output: any",
  "rego.parse_module": "filename: str, rego: str -> output: {str: any}",
  rem: "x: num, y: num -> z: num",
  replace: "x: str, old: str, new: str -> y: str",
  round: "x: num -> y: num",
  "semver.compare": "a: str, b: str -> result: num",
  "semver.is_valid": "vsn: any -> result: bool",
  set_diff: "set<any>, set<any> -> set<any>",
  sort: "collection: any[]|set<any> -> n: any[]",
  split: "x: str, delimiter: str -> ys: str[]",
  sprintf: "format: str, values: any[] -> output: str",
  startswith: "search: str, base: str -> result: bool",
  "strings.any_prefix_match": "search: str|str[]|set<str>, base: str|str[]|set<str> -> result: bool",
  "strings.any_suffix_match": "search: str|str[]|set<str>, base: str|str[]|set<str> -> result: bool",
  "strings.count": "search: str, substring: str -> output: num",
  "strings.render_template": "value: str, vars: {str: any} -> result: str",
  "strings.replace_n": "patterns: {str: str}, value: str -> output: str",
  "strings.reverse": "x: str -> y: str",
  "strings.split_n": "x: str, delimiter: str, n: num -> ys: str[]",
  substring: "value: str, offset: num, length: num -> output: str",
  sum: "collection: num[]|set<num> -> n: num",
  "time.add_date": "ns: num, years: num, months: num, days: num -> output: num",
  "time.clock": "x: num|[num, str] -> output: [num, num, num]",
  "time.date": "x: num|[num, str] -> date: [num, num, num]",
  "time.diff": "ns1: num|[num, str], ns2: num|[num, str] -> output: [num, num, num, num, num, num]",
  "time.format": "x: num|[num, str]|[num, str, str] -> formatted timestamp: str",
  "time.now_ns": "-> now: num",
  "time.parse_duration_ns": "duration: str -> ns: num",
  "time.parse_ns": "layout: str, value: str -> ns: num",
  "time.parse_rfc3339_ns": "value: str -> ns: num",
  "time.weekday": "x: num|[num, str] -> day: str",
  to_number: "value: null|bool|num|str -> num: num",
  trace: "note: str -> result: bool",
  trim: "value: str, cutset: str -> output: str",
  trim_left: "value: str, cutset: str -> output: str",
  trim_prefix: "value: str, prefix: str -> output: str",
  trim_right: "value: str, cutset: str -> output: str",
  trim_space: "value: str -> output: str",
  trim_suffix: "value: str, suffix: str -> output: str",
  type_name: "x: any -> type: str",
  union: "xs: set<set<any>> -> y: set<any>",
  "units.parse": "x: str -> y: num",
  "units.parse_bytes": "x: str -> y: num",
  upper: "x: str -> y: str",
  "uri.is_valid": "uri: str -> result: bool",
  "uri.parse": "uri: str -> output: {str: str}",
  "urlquery.decode": "x: str -> y: str",
  "urlquery.decode_object": "x: str -> object: {str: str[]}",
  "urlquery.encode": "x: str -> y: str",
  "urlquery.encode_object": "object: {str: str|str[]|set<str>} -> y: str",
  "uuid.parse": "uuid: str -> result: {str: any}",
  "uuid.rfc4122": "k: str -> output: str",
  walk: "x: any -> output: [any[], any]",
  "yaml.is_valid": "x: str -> result: bool",
  "yaml.marshal": "x: any -> y: str",
  "yaml.unmarshal": "x: str -> y: any",
};

class SigParser {
  private i = 0;
  private readonly s: string;
  constructor(s: string) {
    this.s = s;
  }

  private fail(msg: string): never {
    throw new Error(`signature "${this.s}" at ${this.i}: ${msg}`);
  }
  private ws(): void {
    while (this.s[this.i] === " ") this.i++;
  }
  eat(tok: string): boolean {
    this.ws();
    if (this.s.startsWith(tok, this.i)) {
      this.i += tok.length;
      return true;
    }
    return false;
  }
  private expect(tok: string): void {
    if (!this.eat(tok)) this.fail(`expected ${tok}`);
  }
  done(): boolean {
    this.ws();
    return this.i >= this.s.length;
  }

  /** `name: ` before a type, if present (names may contain spaces, never `:` or `,`). */
  name(): string | undefined {
    this.ws();
    const rest = this.s.slice(this.i);
    const m = /^([A-Za-z_][\w ]*?):\s/.exec(rest);
    if (!m || /[[{<(|]/.test(m[1])) return undefined;
    this.i += m[0].length;
    return m[1];
  }

  type(): Type {
    const members = [this.postfix()];
    while (this.eat("|")) members.push(this.postfix());
    return members.length === 1 ? members[0] : newAny(members);
  }

  private postfix(): Type {
    let t = this.atom();
    while (this.eat("[]")) t = arrayOf([], t);
    return t;
  }

  private atom(): Type {
    this.ws();
    const word = /^[a-z]+/.exec(this.s.slice(this.i))?.[0];
    if (word === "any" && this.s[this.i + 3] === "<") {
      // an explicit union, only needed for a union of one member
      this.i += 4;
      const members = [this.postfix()];
      while (this.eat("|")) members.push(this.postfix());
      this.expect(">");
      return newAny(members);
    }
    if (word === "set" && this.s[this.i + 3] === "<") {
      this.i += 4;
      if (this.eat(">")) return setOf(undefined);
      const of = this.type();
      this.expect(">");
      return setOf(of);
    }
    if (word) {
      const prim: Record<string, Type> = { any: ANY, null: NULL, bool: BOOL, num: NUM, str: STR };
      const t = prim[word];
      if (!t) this.fail(`unknown type ${word}`);
      this.i += word.length;
      return t;
    }
    if (this.eat("(")) {
      const t = this.type();
      this.expect(")");
      return t;
    }
    if (this.eat("[")) {
      const items: T[] = [];
      let dynamic: T;
      while (!this.eat("]")) {
        if (items.length || dynamic) this.expect(",");
        if (this.eat("...")) dynamic = this.type();
        else items.push(this.type());
      }
      return arrayOf(items, dynamic);
    }
    if (this.eat("{")) {
      const stat: StaticProp[] = [];
      let dynamic: DynamicProp | undefined;
      let first = true;
      while (!this.eat("}")) {
        if (!first) this.expect(",");
        first = false;
        this.ws();
        const m = /^(\w+)=/.exec(this.s.slice(this.i));
        if (m) {
          this.i += m[0].length;
          stat.push({ key: m[1], value: this.type() });
        } else {
          const key = this.type();
          this.expect(":");
          dynamic = { key, value: this.type() };
        }
      }
      return objectOf(stat, dynamic);
    }
    return this.fail("expected a type");
  }
}

/** Parses one signature (see the notation above) into a function type. */
export function parseSignature(sig: string): FnType {
  const p = new SigParser(sig);
  const fn: FnType = { k: "function", args: [], argNames: [] };
  if (!p.done() && !sig.trimStart().startsWith("->")) {
    do {
      if (p.eat("...")) {
        fn.variadic = p.type();
        break;
      }
      const name = p.name();
      fn.args.push(p.type());
      fn.argNames?.push(name);
    } while (p.eat(","));
  }
  if (p.eat("->")) {
    fn.resultName = p.name();
    fn.result = p.type();
  }
  if (!p.done()) throw new Error(`signature "${sig}": trailing text`);
  return fn;
}

// Parsed on first lookup, one builtin at a time: a policy uses a handful of the ~200.
const parsed = new Map<string, FnType>();

/** The declared type of a builtin, or undefined for builtins OPA doesn't declare (extras). */
export function builtinSignature(name: string): FnType | undefined {
  let t = parsed.get(name);
  if (t === undefined && Object.hasOwn(SIGNATURES, name)) {
    t = parseSignature(SIGNATURES[name]);
    parsed.set(name, t);
  }
  return t;
}
