/** and (&), or (|), intersection, union, set_diff. */
import { RSet, type Value } from "../value.ts";
import type { BuiltinDef } from "./builtin.ts";
import { operandErr } from "./support/operands.ts";

function set(name: string, args: Value[], i: number): RSet {
  const v = args[i];
  if (!(v instanceof RSet)) throw operandErr(name, i + 1, v, "set");
  return v;
}

function intersect(a: RSet, b: RSet): RSet {
  const [small, big] = a.size <= b.size ? [a, b] : [b, a];
  const out = new RSet();
  for (const v of small.sorted()) if (big.has(v)) out.add(v);
  return out;
}

function unite(a: RSet, b: RSet): RSet {
  if (b.size === 0) return a;
  if (a.size === 0) return b;
  const out = new RSet(a.sorted());
  for (const v of b.sorted()) out.add(v);
  return out;
}

function diff(a: RSet, b: RSet): RSet {
  const out = new RSet();
  for (const v of a.sorted()) if (!b.has(v)) out.add(v);
  return out;
}

/** A set of sets (operand 1), each member checked. */
function setOfSets(name: string, args: Value[]): RSet[] {
  const s = set(name, args, 0);
  const out: RSet[] = [];
  for (const v of s.sorted()) {
    if (!(v instanceof RSet)) throw operandErr(name, 1, v, "set");
    out.push(v);
  }
  return out;
}

export const builtins: BuiltinDef[] = [
  { name: "and", arity: 2, impl: (a) => intersect(set("and", a, 0), set("and", a, 1)) },
  { name: "or", arity: 2, impl: (a) => unite(set("or", a, 0), set("or", a, 1)) },
  { name: "set_diff", arity: 2, impl: (a) => diff(set("set_diff", a, 0), set("set_diff", a, 1)) },
  {
    name: "intersection",
    arity: 1,
    impl: (a) => {
      const sets = setOfSets("intersection", a);
      if (sets.length === 0) return new RSet();
      let acc = sets[0];
      for (let i = 1; i < sets.length; i++) acc = intersect(acc, sets[i]);
      return acc;
    },
  },
  {
    name: "union",
    arity: 1,
    impl: (a) => {
      const sets = setOfSets("union", a);
      const out = new RSet();
      for (const s of sets) for (const v of s.sorted()) out.add(v);
      return out;
    },
  },
];
