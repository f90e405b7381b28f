/**
 * The builtin signature table (compile/typecheck/signatures.ts) against our registry
 * and against OPA's capabilities.json `decl`s, read in place from the shared
 * conformance corpus.
 */
import { existsSync, readFileSync } from "node:fs";
import { corpusPath } from "@portcullis/testkit";
import { describe, expect, test } from "vitest";
import { BUILTINS } from "../../src/rego/builtins/index.ts";
import { builtinSignature, parseSignature, SIGNATURES } from "../../src/rego/compile/typecheck/signatures.ts";
import {
  ANY,
  arrayOf,
  BOOL,
  compareTypes,
  type FnType,
  NULL,
  NUM,
  newAny,
  objectOf,
  STR,
  setOf,
  sprint,
  type T,
  type Type,
} from "../../src/rego/compile/typecheck/types.ts";
import { CORE_ARITY } from "../../src/rego/eval/calls.ts";

const CAPS = corpusPath("opa-conformance", "meta", "capabilities.json");

interface Decl {
  type: string;
  of?: Decl | Decl[];
  static?: Decl[] | { key: string; value: Decl }[];
  dynamic?: Decl | { key: Decl; value: Decl };
  args?: Decl[];
  result?: Decl;
  variadic?: Decl;
}

/** capabilities.json's type JSON → our type objects. */
function fromDecl(d: Decl | undefined): T {
  if (!d) return undefined;
  switch (d.type) {
    case "any":
      return Array.isArray(d.of) ? newAny(d.of.map((x) => fromDecl(x) as Type)) : ANY;
    case "null":
      return NULL;
    case "boolean":
      return BOOL;
    case "number":
      return NUM;
    case "string":
      return STR;
    case "set":
      return setOf(fromDecl(d.of as Decl | undefined));
    case "array":
      return arrayOf(((d.static ?? []) as Decl[]).map(fromDecl), fromDecl(d.dynamic as Decl | undefined));
    case "object": {
      const dyn = d.dynamic as { key: Decl; value: Decl } | undefined;
      return objectOf(
        ((d.static ?? []) as { key: string; value: Decl }[]).map((p) => ({
          key: p.key,
          value: fromDecl(p.value),
        })),
        dyn ? { key: fromDecl(dyn.key), value: fromDecl(dyn.value) } : undefined,
      );
    }
    case "function":
      return {
        k: "function",
        args: (d.args ?? []).map(fromDecl),
        result: fromDecl(d.result),
        variadic: fromDecl(d.variadic),
      };
  }
  throw new Error(`unknown decl type ${d.type}`);
}

const arityOf = (f: FnType) => (f.variadic ? -1 : f.args.length);

describe("builtin signatures", () => {
  test("every builtin in the registry has a signature of the same arity", () => {
    const names = new Set([...BUILTINS.keys(), ...CORE_ARITY.keys()]);
    const missing: string[] = [];
    const arity: string[] = [];
    for (const n of names) {
      const sig = builtinSignature(n);
      if (!sig) {
        missing.push(n);
        continue;
      }
      const ours = BUILTINS.get(n)?.arity ?? CORE_ARITY.get(n);
      if (ours !== arityOf(sig)) arity.push(`${n}: registry ${ours}, signature ${arityOf(sig)}`);
    }
    expect(missing, "builtins without a signature").toEqual([]);
    expect(arity, "arity disagreements").toEqual([]);
  });

  test("every signature parses", () => {
    for (const [n, s] of Object.entries(SIGNATURES)) expect(() => parseSignature(s), n).not.toThrow();
  });

  test("the notation", () => {
    const f = parseSignature("collection: str|any[]|{any: any}|set<any> -> n: num");
    expect(f.argNames).toEqual(["collection"]);
    expect(f.resultName).toBe("n");
    expect(sprint(f.args[0])).toBe("any<string, array[any], object[any: any], set[any]>");
    expect(sprint(parseSignature("x: {a=str, str: any} -> [bool, ...num]").args[0])).toBe(
      "object<a: string>[string: any]",
    );
    expect(parseSignature("...any").variadic).toEqual(ANY);
    expect(parseSignature("set<any>[]").result).toBeUndefined();
    expect(() => parseSignature("x: nope")).toThrow(/unknown type/);
  });

  test("each signature agrees with OPA's capabilities.json decl", () => {
    if (!existsSync(CAPS))
      throw new Error(
        `capabilities.json not found at ${CAPS}: the shared conformance corpus (../shared/corpus/opa-conformance) is missing`,
      );
    const caps = JSON.parse(readFileSync(CAPS, "utf8")) as { builtins: { name: string; decl: Decl }[] };
    const disagree: string[] = [];
    for (const b of caps.builtins) {
      const ours = builtinSignature(b.name);
      const theirs = fromDecl(b.decl) as FnType;
      if (!ours) {
        disagree.push(`${b.name}: no signature`);
        continue;
      }
      const same =
        ours.args.length === theirs.args.length &&
        ours.args.every((a, i) => compareTypes(a, theirs.args[i]) === 0) &&
        compareTypes(ours.result, theirs.result) === 0 &&
        compareTypes(ours.variadic, theirs.variadic) === 0;
      if (!same) disagree.push(`${b.name}: ours ${sprint(ours)}, OPA ${sprint(theirs)}`);
    }
    const extra = Object.keys(SIGNATURES).filter((n) => !caps.builtins.some((b) => b.name === n));
    expect(disagree).toEqual([]);
    expect(extra, "signatures for builtins OPA does not declare").toEqual([]);
  });
});
