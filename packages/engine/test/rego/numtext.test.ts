/**
 * Numbers keep OPA's text (issue 13): literals as written, float results in
 * big.Float's 64-bit digits and Go's %g form, to_number and json.unmarshal
 * text, keys, json.marshal, sprintf. Each expected text is what
 * `opa eval -f raw` (v1.22.2) printed for the rule alone.
 */
import { describe, expect, it } from "vitest";
import { compile } from "../../src/rego/index.ts";
import { numFromText } from "../../src/rego/numtext.ts";
import {
  compare,
  equal,
  hashOf,
  keyOf,
  NumText,
  RSet,
  toJSONText,
  type Value,
} from "../../src/rego/value.ts";

/** data.fuzz with one rule, as OPA's JSON text. */
function ruleText(rule: string): string {
  const p = compile([{ file: "t.rego", source: `package fuzz\n${rule}\n` }]);
  const rows = p.prepare("x := data.fuzz").eval({});
  return toJSONText(rows[0].x as Value);
}

const CASES: [string, string][] = [
  ["lit := [1.0, 1e3, 2.50, 1E-7, -0.0, 100e-2]", '{"lit":[1.0,1e3,2.50,1E-7,-0.0,100e-2]}'],
  [
    "arith := [2 / 7, 1 / 3, 1e-7 / -2, abs(1e-7), 1.5 * 1000000, 2147483648 + 1e-7, 1 / 65536, 1.0 + 1, 2.50 * 1, 1234567.5 * 1]",
    '{"arith":[0.28571428571428571428,0.33333333333333333334,-5e-08,1e-07,1500000,2.1474836480000001e+09,1.52587890625e-05,2,2.5,1.2345675e+06]}',
  ],
  ['keys := {2 / 7: "a", 1.0: "b", 1e3: "c"}', '{"keys":{"0.28571428571428571428":"a","1.0":"b","1e3":"c"}}'],
  [
    'marshal := json.marshal([2 / 7, 1.0, {"k": 1e3}])',
    '{"marshal":"[0.28571428571428571428,1.0,{\\"k\\":1e3}]"}',
  ],
  [
    'spr := [sprintf("%v", [1.0]), sprintf("%v", [[1.0, 2 / 7]]), sprintf("%v", [2 / 7]), sprintf("%d", [1e3])]',
    '{"spr":["1","[1.0, 0.28571428571428571428]","0.2857142857142857","%!d(float64=1000)"]}',
  ],
  [
    'tonum := [to_number("1.0"), to_number("2.50"), to_number("1e3"), to_number("-0")]',
    '{"tonum":[1.0,2.50,1e3,-0]}',
  ],
  ['unmarshal := json.unmarshal("[1.0, 1e3, 2.50, -0.0, 7]")', '{"unmarshal":[1.0,1e3,2.50,-0.0,7]}'],
  ["set_first_int := {1, 1.0}", '{"set_first_int":[1]}'],
  ["set_first_text := {1.0, 1}", '{"set_first_text":[1.0]}'],
  ['obj_first_key := {1.0: "a", 1: "b"}', '{"obj_first_key":{"1.0":"b"}}'],
  [
    "cmp := [1.0 == 1, 1.0 < 1.5, 2 / 7 == 0.2857142857142857, 2 / 7 > 0.2857142857142857, 1e3 == 1000, [1.0] == [1], sort([2.0, 1, 1.5])]",
    '{"cmp":[true,true,false,true,true,true,[1,1.5,2.0]]}',
  ],
  ["precise_rem := [x | x := (2147483648 + 1e-7) % -4]", '{"precise_rem":[]}'],
  ["rem_text := 3.0 % 2", '{"rem_text":1}'],
  ["yml := yaml.marshal([1.0, 2 / 7])", '{"yml":"- 1\\n- 0.2857142857142857\\n"}'],
  ["types := [is_number(1.0), type_name(1e3), is_object(1.0)]", '{"types":[true,"number",false]}'],
  ['no_fields := [x | y := json.unmarshal("1.0"); x := y[_]]', '{"no_fields":[]}'],
  ['no_field_n := [x | y := json.unmarshal("1.0"); x := y.n]', '{"no_field_n":[]}'],
  ["every_num := true if { every x in 1.0 { x > 0 } }", "{}"],
  ["maxmin := [max([1.0, 0.5]), min([1.0, 2])]", '{"maxmin":[1.0,1.0]}'],
  ["sums := [sum([1.0, 2.0]), sum([1.5, 2.25]), product([1.5, 3])]", '{"sums":[3,3.75,4.5]}'],
];

describe("number text agrees with opa", () => {
  for (const [rule, want] of CASES) it(rule, () => expect(ruleText(rule)).toBe(want));
});

describe("NumText values", () => {
  const one = numFromText("1.0") as NumText;
  const twoSevenths = numFromText("0.28571428571428571428") as NumText;

  it("is made only where the text differs from the engine's own", () => {
    expect(one).toBeInstanceOf(NumText);
    expect(numFromText("1")).toBe(1);
    expect(numFromText("0.5")).toBe(0.5);
    expect(numFromText("123456789012345678901234567890")).toBe(123456789012345678901234567890n);
  });

  it("equals, orders, keys and hashes as its value", () => {
    expect(equal(one, 1)).toBe(true);
    expect(equal(1, one)).toBe(true);
    expect(equal(one, numFromText("1e0"))).toBe(true);
    expect(compare(one, 1)).toBe(0);
    expect(compare(one, 1.5)).toBeLessThan(0);
    expect(compare(0.5, one)).toBeLessThan(0);
    expect(keyOf([one])).toBe(keyOf([1]));
    expect(hashOf(one)).toBe(hashOf(1));
  });

  it("differs from the double nearest to its 64-bit value", () => {
    const d = 0.2857142857142857;
    expect(equal(twoSevenths, d)).toBe(false);
    expect(compare(twoSevenths, d)).toBeGreaterThan(0);
    expect(keyOf([twoSevenths])).not.toBe(keyOf([d]));
    expect(new RSet([twoSevenths, d]).size).toBe(2);
    expect(equal(twoSevenths, numFromText("0.285714285714285714280"))).toBe(true);
  });

  it("has no members or fields", () => {
    expect(Object.keys(one)).toEqual([]);
    expect((one as unknown as Record<string, unknown>).n).toBeUndefined();
  });
});
