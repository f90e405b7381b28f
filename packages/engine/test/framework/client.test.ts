import { describe, expect, test } from "vitest";
import { Client, denyMessage, FrameworkError } from "../../src/framework/index.ts";

function regoTemplate(
  rego: string,
  opts: { kind?: string; name?: string; libs?: string[]; schema?: unknown } = {},
) {
  const kind = opts.kind ?? "K8sDemo";
  return {
    apiVersion: "templates.gatekeeper.sh/v1",
    kind: "ConstraintTemplate",
    metadata: { name: opts.name ?? kind.toLowerCase() },
    spec: {
      crd: { spec: { names: { kind }, validation: { openAPIV3Schema: opts.schema ?? { type: "object" } } } },
      targets: [{ target: "admission.k8s.gatekeeper.sh", rego, ...(opts.libs ? { libs: opts.libs } : {}) }],
    },
  };
}

function constraint(name: string, spec: Record<string, unknown> = {}, kind = "K8sDemo") {
  return { apiVersion: "constraints.gatekeeper.sh/v1beta1", kind, metadata: { name }, spec };
}

const pod = (name: string, ns = "default", labels: Record<string, string> = {}) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: ns, labels },
});

function errorOf(f: () => void): FrameworkError {
  try {
    f();
  } catch (e) {
    if (e instanceof FrameworkError) return e;
    throw e;
  }
  throw new Error("expected a FrameworkError");
}

const ECHO = `package k8sdemo
violation[{"msg": msg, "details": {"name": input.review.object.metadata.name}}] {
  input.review.object.metadata.name == input.parameters.banned
  msg := sprintf("name %v is banned", [input.parameters.banned])
}`;

describe("templates", () => {
  test("missing kind, name mismatch, bad target", () => {
    const t = regoTemplate(ECHO);
    const noKind = structuredClone(t) as any;
    delete noKind.spec.crd.spec.names.kind;
    expect(errorOf(() => new Client().addTemplate(noKind)).errors[0].code).toBe("missing_kind");
    expect(
      errorOf(() => new Client().addTemplate(regoTemplate(ECHO, { name: "other" }))).errors[0].message,
    ).toMatch(/not equal to the lowercase of CRD's Kind/);
    const badTarget = structuredClone(t) as any;
    badTarget.spec.targets[0].target = "nope";
    expect(errorOf(() => new Client().addTemplate(badTarget)).errors[0].message).toMatch(/not recognized/);
  });

  test("Rego parse errors carry code and file:row:col", () => {
    const e = errorOf(() =>
      new Client().addTemplate(regoTemplate('package k8sdemo\nviolation[{"msg": m}] {\n  m := \n}')),
    );
    expect(e.errors[0].code).toBe("rego_parse_error");
    expect(e.errors[0].location).toMatch(/^template:\d+:\d+$/);
  });

  test("Gatekeeper's restrictions: violation rule, data refs, lib packages", () => {
    expect(
      errorOf(() => new Client().addTemplate(regoTemplate("package k8sdemo\nx := 1"))).errors[0].message,
    ).toMatch(/missing required rules: \[violation\]/);
    const refs = errorOf(() =>
      new Client().addTemplate(
        regoTemplate('package k8sdemo\nviolation[{"msg": "x"}] { data.other.x == 1 }'),
      ),
    );
    expect(refs.errors[0].message).toMatch(/disallowed ref data\.other\.x/);
    const lib = errorOf(() =>
      new Client().addTemplate(
        regoTemplate('package k8sdemo\nviolation[{"msg": "x"}] { true }', {
          libs: ["package notlib\ny := 1"],
        }),
      ),
    );
    expect(lib.errors[0].message).toMatch(/invalid lib prefix/);
  });

  test("libs are data.lib.* modules; data.inventory is readable", () => {
    const c = new Client();
    c.addTemplate(
      regoTemplate(
        `package k8sdemo
import data.lib.helpers
violation[{"msg": msg}] {
  helpers.is_banned(input.review.object.metadata.name)
  count(data.inventory.namespace[input.review.object.metadata.namespace]) > 0
  msg := "banned"
}`,
        { libs: ['package lib.helpers\nis_banned(n) { startswith(n, "bad") }'] },
      ),
    );
    c.addConstraint(constraint("c1"));
    expect(c.review(pod("bad-1"))).toEqual([]);
    c.addData(pod("other"));
    expect(c.review(pod("bad-1")).map((r) => r.msg)).toEqual(["banned"]);
    expect(c.review(pod("good"))).toEqual([]);
    c.removeData(pod("other"));
    expect(c.review(pod("bad-1"))).toEqual([]);
    expect(c.inventory()).toEqual({ cluster: {}, namespace: {} });
  });

  test("CEL preferred over Rego unless disabled; template listing", () => {
    const t = regoTemplate(ECHO) as any;
    t.spec.targets[0].code = [
      {
        engine: "K8sNativeValidation",
        source: {
          validations: [
            { expression: "object.metadata.name != variables.params.banned", message: "cel says no" },
          ],
        },
      },
    ];
    const cel = new Client();
    cel.addTemplate(t);
    cel.addConstraint(constraint("c1", { parameters: { banned: "x" } }));
    expect(cel.engineFor("K8sDemo")).toBe("K8sNativeValidation");
    expect(cel.review(pod("x")).map((r) => r.msg)).toEqual(["cel says no"]);
    const rego = new Client({ enableCEL: false });
    rego.addTemplate(t);
    rego.addConstraint(constraint("c1", { parameters: { banned: "x" } }));
    expect(rego.engineFor("K8sDemo")).toBe("Rego");
    expect(rego.review(pod("x"))).toMatchObject([{ msg: "name x is banned", details: { name: "x" } }]);
    expect(rego.templates()).toEqual(["k8sdemo"]);
    rego.removeTemplate("k8sdemo");
    expect(rego.templates()).toEqual([]);
    expect(rego.constraints()).toEqual([]);
  });
});

describe("reviews", () => {
  function client(opts = {}) {
    const c = new Client(opts);
    c.addTemplate(regoTemplate(ECHO));
    return c;
  }

  test("results carry constraint, enforcement action and deny message", () => {
    const c = client();
    c.addConstraint(constraint("no-x", { parameters: { banned: "x" } }));
    c.addConstraint(constraint("no-x-warn", { enforcementAction: "warn", parameters: { banned: "x" } }));
    const rs = c.review(pod("x"));
    expect(rs.map((r) => [r.name, r.enforcementAction]).sort()).toEqual([
      ["no-x", "deny"],
      ["no-x-warn", "warn"],
    ]);
    expect(rs[0].kind).toBe("K8sDemo");
    expect(rs[0].constraint).toMatchObject({ metadata: { name: rs[0].name } });
    expect(denyMessage(rs.find((r) => r.name === "no-x")!)).toBe("[no-x] name x is banned");
    c.removeConstraint("K8sDemo", "no-x-warn");
    expect(c.constraints()).toEqual([{ kind: "K8sDemo", name: "no-x" }]);
  });

  test("scoped enforcement actions filter by enforcement point", () => {
    const scoped = constraint("scoped", {
      enforcementAction: "scoped",
      scopedEnforcementActions: [
        { action: "deny", enforcementPoints: [{ name: "validation.gatekeeper.sh" }] },
        { action: "warn", enforcementPoints: [{ name: "audit.gatekeeper.sh" }] },
      ],
      parameters: { banned: "x" },
    });
    for (const [point, want] of [
      ["validation.gatekeeper.sh", ["deny"]],
      ["audit.gatekeeper.sh", ["warn"]],
      ["gator.gatekeeper.sh", undefined],
    ] as const) {
      const c = client({ enforcementPoint: point });
      c.addConstraint(scoped);
      const rs = c.review(pod("x"));
      if (want === undefined) expect(rs).toEqual([]);
      else
        expect(rs.map((r) => [r.enforcementAction, r.scopedEnforcementActions])).toEqual([["scoped", want]]);
    }
    expect(() => client().addConstraint(constraint("bad", { enforcementAction: "explode" }))).toThrow(
      /enforcementAction/,
    );
  });

  test("match criteria apply before evaluation", () => {
    const c = client();
    c.addConstraint(
      constraint("only-prod", {
        match: { kinds: [{ apiGroups: [""], kinds: ["Pod"] }], namespaces: ["prod-*"] },
        parameters: { banned: "x" },
      }),
    );
    expect(c.review(pod("x", "prod-1"))).toHaveLength(1);
    expect(c.review(pod("x", "dev"))).toHaveLength(0);
  });

  test("namespaceSelector looks up the Namespace in the inventory", () => {
    const c = client();
    c.addConstraint(
      constraint("sel", {
        match: { namespaceSelector: { matchLabels: { env: "prod" } } },
        parameters: { banned: "x" },
      }),
    );
    // Gatekeeper reports an undecidable match as a result rather than skipping the constraint.
    expect(c.review(pod("x", "team")).map((r) => r.msg)).toEqual([
      "unable to match constraints: error matching the requested object: x :failed to run Match criteria: namespace selector for namespace-scoped object but missing Namespace",
    ]);
    c.addData({ apiVersion: "v1", kind: "Namespace", metadata: { name: "team", labels: { env: "prod" } } });
    expect(c.review(pod("x", "team"))).toHaveLength(1);
    expect(c.review(pod("x", "team"), { namespace: { metadata: { labels: { env: "dev" } } } })).toHaveLength(
      0,
    );
  });

  test("a review deadline bounds Rego evaluation", () => {
    const c = new Client();
    c.addTemplate(
      regoTemplate(
        'package k8sdemo\nviolation[{"msg": "slow"}] { count([x | x := numbers.range(1, 200000)[_]; x > 0]) > 0 }',
      ),
    );
    c.addConstraint(constraint("slow"));
    expect(c.review(pod("x"))).toHaveLength(1);
    const e = errorOf(() => c.review(pod("x"), { deadline: Date.now() - 1 }));
    expect(e.errors[0].code).toBe("eval_cancel_error");
  });

  test("input.review looks like gator's for plain objects and admission requests", () => {
    const c = new Client();
    c.addTemplate(regoTemplate('package k8sdemo\nviolation[{"msg": json.marshal(input)}] { true }'));
    c.addConstraint(constraint("echo"));
    const plain = JSON.parse(c.review(pod("x"))[0].msg);
    expect(plain).toEqual({
      parameters: {},
      review: {
        kind: { group: "", version: "v1", kind: "Pod" },
        name: "x",
        namespace: "default",
        namespaceObject: {},
        object: pod("x"),
        oldObject: null,
        operation: "",
        options: null,
        resource: { group: "", version: "", resource: "" },
        uid: "",
        userInfo: {},
      },
    });
    const del = JSON.parse(
      c.review(
        {
          operation: "DELETE",
          kind: { group: "", version: "v1", kind: "Pod" },
          oldObject: pod("old"),
          userInfo: { username: "u" },
        },
        { admissionRequest: true },
      )[0].msg,
    );
    expect(del.review.object).toEqual(pod("old"));
    expect(del.review.oldObject).toEqual(pod("old"));
    expect(del.review.operation).toBe("DELETE");
    expect(del.review.userInfo).toEqual({ username: "u" });
  });
});
