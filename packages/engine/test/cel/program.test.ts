import { describe, expect, test } from "vitest";
import { CelProgram, CelProgramError, celToJson, jsonToCel } from "../../src/cel/index.ts";

function act(object: unknown, params: unknown = {}, operation = "CREATE", oldObject: unknown = null) {
  return {
    object: jsonToCel(object),
    oldObject: jsonToCel(oldObject),
    params: jsonToCel(params),
    request: jsonToCel({ operation }),
    namespaceObject: null,
  };
}

describe("CEL programs", () => {
  test("JSON converts with integers as CEL int and back", () => {
    const v = jsonToCel({ a: 1, b: 1.5, c: [true, null, "x"] });
    expect(v).toBeInstanceOf(Map);
    expect((v as Map<string, unknown>).get("a")).toBe(1n);
    expect((v as Map<string, unknown>).get("b")).toBe(1.5);
    expect(celToJson(v)).toEqual({ a: 1, b: 1.5, c: [true, null, "x"] });
  });

  test("validations pass on true and fail with message / messageExpression / default", () => {
    const p = new CelProgram({
      validations: [
        { expression: "object.spec.replicas <= variables.params.max" },
        { expression: "object.metadata.name.startsWith('ok')", message: "bad name" },
        {
          expression: "size(variables.big) == 0",
          messageExpression: "'too big: ' + variables.big.join(', ')",
        },
      ],
      variables: [
        {
          name: "big",
          expression: "object.spec.items.filter(i, i.size > variables.params.max).map(i, i.name)",
        },
      ],
    });
    const obj = (replicas: number, name: string) => ({
      metadata: { name },
      spec: {
        replicas,
        items: [
          { name: "a", size: 1 },
          { name: "b", size: 9 },
        ],
      },
    });
    expect(p.evaluate(act(obj(1, "ok-1"), { max: 10 }))).toEqual([]);
    expect(p.evaluate(act(obj(11, "nope"), { max: 5 })).map((f) => f.message)).toEqual([
      "failed expression: object.spec.replicas <= variables.params.max",
      "bad name",
      "too big: b",
    ]);
  });

  test("variables.params and variables.anyObject (oldObject on DELETE)", () => {
    const p = new CelProgram({
      validations: [{ expression: "variables.anyObject.metadata.name != variables.params.banned" }],
    });
    expect(p.evaluate(act({ metadata: { name: "x" } }, { banned: "x" }))).toHaveLength(1);
    expect(p.evaluate(act(null, { banned: "x" }, "DELETE", { metadata: { name: "x" } }))).toHaveLength(1);
    expect(p.evaluate(act(null, { banned: "y" }, "DELETE", { metadata: { name: "x" } }))).toHaveLength(0);
  });

  test("variables are lazy: an unused failing variable does not matter", () => {
    const p = new CelProgram({
      validations: [{ expression: "variables.ok" }],
      variables: [
        { name: "broken", expression: "object.missing.field" },
        { name: "ok", expression: "true" },
      ],
    });
    expect(p.evaluate(act({}))).toEqual([]);
  });

  test("evaluation errors become failures (failurePolicy Fail)", () => {
    const p = new CelProgram({ validations: [{ expression: "object.spec.x == 1" }] });
    const [f] = p.evaluate(act({ spec: {} }));
    expect(f.error).toBeDefined();
    expect(f.message).toBe("expression 'object.spec.x == 1' resulted in error: no such key: x");
  });

  test("variables run only when read, e.g. not inside map() over an empty list", () => {
    const p = new CelProgram({
      validations: [{ expression: "object.items.map(i, variables.risky).size() == 0" }],
      variables: [{ name: "risky", expression: "object.spec.missing" }],
    });
    expect(p.evaluate(act({ items: [] }))).toEqual([]);
    expect(p.evaluate(act({ items: [1] }))[0].message).toMatch(/resulted in error: variables\.risky: /);
  });

  test("has() on a missing intermediate field is an error, as in Gatekeeper", () => {
    const p = new CelProgram({
      validations: [{ expression: "!has(object.spec.securityContext.runAsUser)" }],
    });
    expect(p.evaluate(act({ spec: {} }))[0].error).toBeDefined();
    expect(p.evaluate(act({ spec: { securityContext: {} } }))).toEqual([]);
    expect(p.evaluate(act({ spec: { securityContext: { runAsUser: 0 } } }))).toHaveLength(1);
  });

  test("failurePolicy Ignore drops evaluation errors, keeps real failures", () => {
    const validations = [{ expression: "object.nothere == 1" }, { expression: "1" }, { expression: "false" }];
    const messages = (p: CelProgram) => p.evaluate(act({})).map((f) => f.message);
    expect(messages(new CelProgram({ validations }))).toHaveLength(3);
    expect(messages(new CelProgram({ validations, failurePolicy: "Ignore" }))).toEqual([
      "failed expression: false",
    ]);
    expect(messages(new CelProgram({ validations }, { defaultFailurePolicy: "Ignore" }))).toEqual([
      "failed expression: false",
    ]);
    expect(
      messages(new CelProgram({ validations, failurePolicy: "Fail" }, { defaultFailurePolicy: "Ignore" })),
    ).toHaveLength(3);
  });

  test("top-level params is null (parameters are variables.params); non-bool results fail", () => {
    const p = new CelProgram({
      validations: [
        { expression: "params.x == 1" },
        { expression: "1" },
        { expression: "variables.params.x == 1" },
      ],
    });
    const f = p.evaluate(act({}, { x: 1 }));
    expect(f).toHaveLength(2);
    expect(f[1].message).toBe("compilation error: must evaluate to bool but got int");
  });

  test("matchConditions gate the validations only when asked (Gatekeeper ignores them)", () => {
    const src = {
      matchConditions: [{ name: "only-create", expression: "request.operation == 'CREATE'" }],
      validations: [{ expression: "false", message: "no" }],
    };
    const p = new CelProgram(src, { applyMatchConditions: true });
    expect(p.evaluate(act({}, {}, "CREATE"))).toHaveLength(1);
    expect(p.evaluate(act({}, {}, "UPDATE"))).toHaveLength(0);
    expect(new CelProgram(src).evaluate(act({}, {}, "UPDATE"))).toHaveLength(1);
  });

  test("Kubernetes library functions", () => {
    const p = new CelProgram({
      validations: [
        { expression: "[1, 2, 3].isSorted() && ![2, 1].isSorted()" },
        { expression: "[1, 2, 3].sum() == 6 && [3, 1, 2].min() == 1 && [3, 1, 2].max() == 3" },
        { expression: "['a', 'b'].indexOf('b') == 1 && 'a1b22'.findAll('[0-9]+') == ['1', '22']" },
        { expression: "'Hello'.lowerAscii() == 'hello' && ['x', 'y'].join('-') == 'x-y'" },
        { expression: "'abc'.matches('^a') && 'a*'.replace('*', '') == 'a'" },
        { expression: "sets.contains([1, 2, 3], [3, 1.0]) && !sets.contains([1], [2])" },
        { expression: "sets.equivalent([1, 2], [2, 1, 1]) && sets.intersects([1, 2], [5, 2])" },
        { expression: "[[1], [2, [3]]].flatten() == [1, 2, [3]] && [1, 2, 3, 4].slice(1, 3) == [2, 3]" },
        { expression: "[1, ['a']].indexOf(['a']) == 1" },
      ],
    });
    expect(p.evaluate(act({}))).toEqual([]);
  });

  test("syntax errors and unknown variables are compile errors with paths", () => {
    let err: unknown;
    try {
      new CelProgram({
        validations: [{ expression: "object.(" }, { expression: "variables.nope" }],
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CelProgramError);
    expect((err as CelProgramError).errors.map((e) => e.path)).toEqual([
      "validations[0].expression",
      "validations[1].expression",
    ]);
  });
});
