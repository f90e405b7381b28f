import { describe, expect, test } from "vitest";
import {
  Client,
  denyMessage,
  FrameworkError,
  type Result,
  type ReviewOptions,
} from "../../src/framework/index.ts";
import { constraint, pod, regoTemplate } from "./helpers.ts";

/** A review's results; its errors, if any, thrown as one FrameworkError. */
function rev(c: Client, obj: unknown, opts: ReviewOptions = {}): Result[] {
  const { results, errors } = c.review(obj, opts);
  if (errors.length > 0) throw new FrameworkError(errors);
  return results;
}

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
    expect(rev(c, pod("bad-1"))).toEqual([]);
    c.addData(pod("other"));
    expect(rev(c, pod("bad-1")).map((r) => r.msg)).toEqual(["banned"]);
    expect(rev(c, pod("good"))).toEqual([]);
    c.removeData(pod("other"));
    expect(rev(c, pod("bad-1"))).toEqual([]);
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
    expect(rev(cel, pod("x")).map((r) => r.msg)).toEqual(["cel says no"]);
    const rego = new Client({ enableCEL: false });
    rego.addTemplate(t);
    rego.addConstraint(constraint("c1", { parameters: { banned: "x" } }));
    expect(rego.engineFor("K8sDemo")).toBe("Rego");
    expect(rev(rego, pod("x"))).toMatchObject([{ msg: "name x is banned", details: { name: "x" } }]);
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
    const rs = rev(c, pod("x"));
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
      const rs = rev(c, pod("x"));
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
    expect(rev(c, pod("x", "prod-1"))).toHaveLength(1);
    expect(rev(c, pod("x", "dev"))).toHaveLength(0);
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
    expect(rev(c, pod("x", "team")).map((r) => r.msg)).toEqual([
      "unable to match constraints: error matching the requested object: x :failed to run Match criteria: namespace selector for namespace-scoped object but missing Namespace",
    ]);
    c.addData({ apiVersion: "v1", kind: "Namespace", metadata: { name: "team", labels: { env: "prod" } } });
    expect(rev(c, pod("x", "team"))).toHaveLength(1);
    expect(rev(c, pod("x", "team"), { namespace: { metadata: { labels: { env: "dev" } } } })).toHaveLength(0);
  });

  test("a review deadline bounds Rego evaluation", () => {
    const c = new Client();
    c.addTemplate(
      regoTemplate(
        'package k8sdemo\nviolation[{"msg": "slow"}] { count([x | x := numbers.range(1, 600000)[_]; x > 0]) > 0 }',
      ),
    );
    c.addConstraint(constraint("slow"));
    expect(rev(c, pod("x"))).toHaveLength(1);
    const e = errorOf(() => rev(c, pod("x"), { deadline: Date.now() - 1 }));
    expect(e.errors[0].code).toBe("eval_cancel_error");
    // Past a deadline reached mid-evaluation: Rego's own check, not the Client's.
    const { errors } = c.review(pod("x"), { deadline: Date.now() + 5 });
    expect(errors).toEqual([
      {
        kind: "K8sDemo",
        name: "slow",
        code: "eval_cancel_error",
        message: "caller cancelled query execution (deadline exceeded)",
      },
    ]);
  });

  test("input.review looks like gator's for plain objects and admission requests", () => {
    const c = new Client();
    c.addTemplate(regoTemplate('package k8sdemo\nviolation[{"msg": json.marshal(input)}] { true }'));
    c.addConstraint(constraint("echo"));
    const plain = JSON.parse(rev(c, pod("x"))[0].msg);
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
      rev(
        c,
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
