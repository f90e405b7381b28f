/** rand.intn: a random integer in [0, |n|), memoised per evaluation by (str, n). */
import { randomInt } from "node:crypto";
import type { BuiltinDef } from "./builtin.ts";
import { num, str, typeErr } from "./support/operands.ts";

export const builtins: BuiltinDef[] = [
  {
    name: "rand.intn",
    arity: 2,
    nondeterministic: true,
    impl: (a, ctx) => {
      const s = str("rand.intn", a, 0);
      const nv = num("rand.intn", a, 1);
      if (typeof nv === "number" && !Number.isInteger(nv))
        throw typeErr("rand.intn", "operand 2 must be integer number but got floating-point number");
      let n = typeof nv === "bigint" ? nv : BigInt(nv);
      if (n === 0n) return 0;
      if (n < 0n) n = -n;
      const key = `rand.intn\u0000${s}-${n}`;
      const hit = ctx.cache.get(key);
      if (typeof hit === "number") return hit;
      // crypto.randomInt takes a safe-integer bound.
      const bound = n > 281474976710655n ? 281474976710655 : Number(n);
      const r = randomInt(bound);
      ctx.cache.set(key, r);
      return r;
    },
  },
];
