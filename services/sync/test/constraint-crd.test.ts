import { describe, expect, it } from "vitest";
import { buildConstraintCrd, parametersSchema } from "../src/constraint-crd.ts";
import { covers } from "../src/policy.ts";

const template = {
  apiVersion: "templates.gatekeeper.sh/v1",
  kind: "ConstraintTemplate",
  metadata: { name: "k8srequiredlabels", uid: "u-1" },
  spec: {
    crd: {
      spec: {
        names: { kind: "K8sRequiredLabels", shortNames: ["rl"] },
        validation: {
          openAPIV3Schema: {
            type: "object",
            properties: { labels: { type: "array", items: { type: "string" } } },
          },
        },
      },
    },
    targets: [],
  },
};

describe("constraint CRD", () => {
  it("is shaped as Gatekeeper's", () => {
    const crd = buildConstraintCrd({ kind: "K8sRequiredLabels", template }) as any;
    expect(crd.metadata.name).toBe("k8srequiredlabels.constraints.gatekeeper.sh");
    expect(crd.metadata.labels["gatekeeper.sh/constraint"]).toBe("yes");
    expect(crd.metadata.ownerReferences[0]).toMatchObject({ kind: "ConstraintTemplate", uid: "u-1" });
    expect(crd.spec.scope).toBe("Cluster");
    expect(crd.spec.names).toMatchObject({
      kind: "K8sRequiredLabels",
      plural: "k8srequiredlabels",
      categories: ["constraint", "constraints"],
      shortNames: ["rl"],
    });
    const storage = crd.spec.versions.filter((v: any) => v.storage).map((v: any) => v.name);
    expect(storage).toEqual(["v1beta1"]);
    const v = crd.spec.versions[0];
    expect(v.subresources).toEqual({ status: {} });
    expect(v.schema.openAPIV3Schema.properties.spec.properties.parameters.properties.labels.type).toBe(
      "array",
    );
    expect(v.additionalPrinterColumns.map((c: any) => c.jsonPath)).toEqual([
      ".spec.enforcementAction",
      ".status.totalViolations",
    ]);
  });

  it("accepts any parameters without a schema, or with legacySchema", () => {
    expect(parametersSchema({ spec: { crd: { spec: {} } } })).toEqual({
      "x-kubernetes-preserve-unknown-fields": true,
    });
    const legacy = parametersSchema({
      spec: { crd: { spec: { validation: { legacySchema: true, openAPIV3Schema: { properties: {} } } } } },
    });
    expect(legacy).toEqual({ type: "object", properties: {}, "x-kubernetes-preserve-unknown-fields": true });
  });

  it("compares desired to actual ignoring server defaults", () => {
    expect(covers({ a: 1, b: { c: [1, { d: 2, e: 3 }] } }, { b: { c: [1, { d: 2 }] } })).toBe(true);
    expect(covers({ a: 1, b: { c: [1] } }, { b: { c: [1, 2] } })).toBe(false);
    expect(covers({ a: "x" }, { a: "y" })).toBe(false);
  });
});
