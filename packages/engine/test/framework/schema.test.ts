import { describe, expect, test } from "vitest";
import { Client, FrameworkError, validateSchema } from "../../src/framework/index.ts";

const schema = {
  type: "object",
  required: ["labels"],
  properties: {
    labels: {
      type: "array",
      items: { type: "object", properties: { key: { type: "string" }, allowedRegex: { type: "string" } } },
    },
    mode: { type: "string", enum: ["strict", "lax"] },
    max: { type: "integer", minimum: 0 },
    ratio: { type: "number" },
    strict: { type: "object", additionalProperties: false, properties: { a: { type: "boolean" } } },
    byName: { type: "object", additionalProperties: { type: "integer" } },
  },
};

describe("parameter schema validation", () => {
  test("valid parameters produce no errors", () => {
    const ok = {
      labels: [{ key: "owner" }],
      mode: "lax",
      max: 3,
      ratio: 2,
      byName: { a: 1 },
      extra: "pruned",
    };
    expect(validateSchema(schema, ok, "spec.parameters")).toEqual([]);
  });
  test("errors name the offending field path", () => {
    const errs = validateSchema(
      schema,
      { labels: [{ key: 5 }], mode: "other", max: 1.5, ratio: "x", strict: { b: true }, byName: { a: "no" } },
      "spec.parameters",
    );
    const paths = errs.map((e) => e.path).sort();
    expect(paths).toEqual([
      "spec.parameters.byName.a",
      "spec.parameters.labels[0].key",
      "spec.parameters.max",
      "spec.parameters.mode",
      "spec.parameters.ratio",
      "spec.parameters.strict.b",
    ]);
    expect(errs.find((e) => e.path === "spec.parameters.labels[0].key")?.message).toContain(
      "must be of type string",
    );
    expect(errs.find((e) => e.path === "spec.parameters.mode")?.message).toContain(
      'supported values: "strict", "lax"',
    );
  });
  test("required and minimum", () => {
    const errs = validateSchema(schema, { max: -1 }, "spec.parameters");
    expect(errs.map((e) => e.path).sort()).toEqual(["spec.parameters.labels", "spec.parameters.max"]);
    expect(errs.find((e) => e.path === "spec.parameters.labels")?.message).toBe("Required value");
  });

  test("Client.addConstraint rejects invalid parameters with the field in the error", () => {
    const c = new Client();
    c.addTemplate({
      apiVersion: "templates.gatekeeper.sh/v1",
      kind: "ConstraintTemplate",
      metadata: { name: "k8stest" },
      spec: {
        crd: { spec: { names: { kind: "K8sTest" }, validation: { openAPIV3Schema: schema } } },
        targets: [
          {
            target: "admission.k8s.gatekeeper.sh",
            code: [{ engine: "K8sNativeValidation", source: { validations: [{ expression: "true" }] } }],
          },
        ],
      },
    });
    const bad = {
      apiVersion: "constraints.gatekeeper.sh/v1beta1",
      kind: "K8sTest",
      metadata: { name: "bad" },
      spec: { parameters: { labels: "nope" } },
    };
    let err: unknown;
    try {
      c.addConstraint(bad);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FrameworkError);
    expect((err as FrameworkError).errors[0]).toMatchObject({
      code: "invalid_parameters",
      location: "spec.parameters.labels",
    });
    expect(c.constraints()).toEqual([]);
    expect(() => c.addConstraint({ ...bad, kind: "K8sOther" })).toThrow(
      /no ConstraintTemplate defines constraint kind/,
    );
  });
});
