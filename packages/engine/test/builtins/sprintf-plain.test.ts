/**
 * sprintf's plain path (bare %v / %s formats, builtins/go/fmt.ts plainSprintf)
 * must print exactly what the whole of fmt prints, for every argument kind
 * and every mismatch of verbs and arguments.
 */
import { describe, expect, it } from "vitest";
import { fullSprintf, goSprintf } from "../../src/rego/builtins/go/fmt.ts";
import { numFromText } from "../../src/rego/numtext.ts";
import { makeObject, RSet, type Value } from "../../src/rego/value.ts";

const FORMATS = [
  "",
  "plain text",
  "%v",
  "%s",
  "<%v>",
  "%v%v",
  "a %v b %s c",
  "100%% %v",
  "%%",
  "%v %%v %s",
  "%",
  "x %",
  "%d",
  "%v %d",
  "%5v",
  "%-v",
  "%[1]v",
  "%q",
  "ü %v ✓ %s 🎉",
];

const VALUES: Value[] = [
  "s",
  "",
  'quote"d',
  "🎉 ü",
  0,
  -0,
  7,
  -12,
  2 ** 53,
  2 ** 53 + 2,
  1.5,
  -0.25,
  1e21,
  12345678901234567890n,
  numFromText("1.0"),
  numFromText("1e400"),
  true,
  false,
  null,
  [],
  [1, "a", [true]],
  { a: 1, b: ["x"] },
  makeObject([
    [1, "one"],
    ["k", null],
  ]),
  new RSet(["b", "a", 3]),
];

describe("sprintf plain path", () => {
  it("prints what the whole of fmt prints", () => {
    let checked = 0;
    for (const f of FORMATS)
      for (let n = 0; n <= 3; n++)
        for (let i = 0; i < VALUES.length; i++) {
          const args = Array.from({ length: n }, (_, j) => VALUES[(i + j * 7) % VALUES.length]);
          expect(
            goSprintf(f, args),
            `${f} ${JSON.stringify(args, (_, v) => (typeof v === "bigint" ? `${v}n` : v))}`,
          ).toBe(fullSprintf(f, args));
          checked++;
        }
    expect(checked).toBe(FORMATS.length * 4 * VALUES.length);
  });
});
