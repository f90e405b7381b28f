// The Client as long-running servers use it: indexed matching, per-constraint errors,
// the compile cache, bulk data loads and deadlines on both engines.
import { afterEach, describe, expect, test } from "vitest";
import {
  Client,
  compileCacheStats,
  FrameworkError,
  type RegoEngine,
  setRegoEngine,
} from "../../src/framework/index.ts";
import { compileParsed } from "../../src/rego/index.ts";
import { toJSON, type Value } from "../../src/rego/value.ts";
import { celTemplate, constraint, namespace, pod, regoTemplate } from "./helpers.ts";

afterEach(() => setRegoEngine(undefined));

/** The built-in engine, recording each compile and whose parameters.id each evaluation saw. */
function recordingEngine() {
  const log = { compiles: [] as string[][], evaluated: [] as string[] };
  const engine: RegoEngine = {
    compileParsed(modules) {
      log.compiles.push(modules.map((m) => m.package.join(".")));
      const policy = compileParsed(modules);
      return {
        prepare(query) {
          const q = policy.prepare(query);
          return {
            eval(opts) {
              log.evaluated.push(String((opts?.input as any)?.parameters?.id));
              return q.eval(opts as any);
            },
          };
        },
      };
    },
    toJSON: (v) => toJSON(v as Value),
  };
  setRegoEngine(engine);
  return log;
}

const ALWAYS = 'package k8sdemo\nviolation[{"msg": input.parameters.id}] { true }';

const deployment = (name: string) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, namespace: "default" },
});

describe("constraints indexed by (group, kind)", () => {
  test("only constraints that can match the object's group/kind are evaluated", () => {
    const log = recordingEngine();
    const c = new Client();
    c.addTemplate(regoTemplate(ALWAYS));
    const add = (id: string, match?: unknown) =>
      c.addConstraint(constraint(id, { parameters: { id }, ...(match ? { match } : {}) }));
    add("pods", { kinds: [{ apiGroups: [""], kinds: ["Pod"] }] });
    add("deployments", { kinds: [{ apiGroups: ["apps"], kinds: ["Deployment"] }] });
    add("any-group-pods", { kinds: [{ apiGroups: ["*"], kinds: ["Pod"] }] });
    add("empty-groups-pods", { kinds: [{ apiGroups: [], kinds: ["Pod"] }] });
    add("core-any-kind", { kinds: [{ apiGroups: [""], kinds: ["*"] }] });
    add("apps-no-kinds", { kinds: [{ apiGroups: ["apps"] }] });
    add("everything", { kinds: [{ apiGroups: ["*"], kinds: ["*"] }] });
    add("no-kinds");
    add("empty-kinds", { kinds: [] });
    add("two-entries", {
      kinds: [
        { apiGroups: [""], kinds: ["Pod", "Namespace"] },
        { apiGroups: ["*"], kinds: ["Namespace"] },
      ],
    });
    add("many-for-other-kinds", {
      kinds: Array.from({ length: 50 }, (_, i) => ({ apiGroups: [`g${i}.io`], kinds: [`K${i}`, "Pod"] })),
    });

    const evaluated = (obj: unknown) => {
      log.evaluated.length = 0;
      const { results, errors } = c.review(obj);
      expect(errors).toEqual([]);
      // Every evaluated constraint violates: results are exactly what ran.
      expect(results.map((r) => r.msg)).toEqual(log.evaluated);
      return [...log.evaluated].sort();
    };
    expect(evaluated(namespace("ns"))).toEqual(
      ["core-any-kind", "everything", "no-kinds", "empty-kinds", "two-entries"].sort(),
    );
    expect(evaluated(pod("p"))).toEqual(
      [
        "pods",
        "any-group-pods",
        "empty-groups-pods",
        "core-any-kind",
        "everything",
        "no-kinds",
        "empty-kinds",
        "two-entries",
      ].sort(),
    );
    expect(evaluated(deployment("d"))).toEqual(
      ["deployments", "apps-no-kinds", "everything", "no-kinds", "empty-kinds"].sort(),
    );
    expect(evaluated({ apiVersion: "g7.io/v1", kind: "Pod", metadata: { name: "x" } })).toEqual(
      [
        "any-group-pods",
        "empty-groups-pods",
        "everything",
        "no-kinds",
        "empty-kinds",
        "many-for-other-kinds",
      ].sort(),
    );

    // Removing and replacing constraints keeps the index in step.
    c.removeConstraint("K8sDemo", "everything");
    c.addConstraint(
      constraint("pods", {
        parameters: { id: "pods" },
        match: { kinds: [{ apiGroups: [""], kinds: ["Namespace"] }] },
      }),
    );
    expect(evaluated(pod("p"))).not.toContain("pods");
    expect(evaluated(pod("p"))).not.toContain("everything");
    expect(evaluated(namespace("ns"))).toContain("pods");
    c.removeTemplate("k8sdemo");
    expect(evaluated(namespace("ns"))).toEqual([]);
  });

  test("results keep template then constraint insertion order", () => {
    const c = new Client();
    c.addTemplate(regoTemplate(ALWAYS.replace("k8sdemo", "k8sb"), { kind: "K8sB" }));
    c.addTemplate(regoTemplate(ALWAYS));
    const add = (id: string, kind: string, match?: unknown) =>
      c.addConstraint(constraint(id, { parameters: { id }, ...(match ? { match } : {}) }, kind));
    add("b1", "K8sB", { kinds: [{ apiGroups: [""], kinds: ["Pod"] }] });
    add("a1", "K8sDemo");
    add("b2", "K8sB");
    add("a2", "K8sDemo", { kinds: [{ apiGroups: ["*"], kinds: ["Pod"] }] });
    const order = () => c.review(pod("p")).results.map((r) => r.msg);
    expect(order()).toEqual(["b1", "b2", "a1", "a2"]);
    // Replacing a constraint or its template keeps its place.
    add("b1", "K8sB");
    c.addTemplate(regoTemplate(`${ALWAYS}\n# changed`.replace("k8sdemo", "k8sb"), { kind: "K8sB" }));
    expect(order()).toEqual(["b1", "b2", "a1", "a2"]);
  });

  test("a scoped constraint with no action at the client's point is never evaluated", () => {
    const log = recordingEngine();
    const c = new Client({ enforcementPoint: "audit.gatekeeper.sh" });
    c.addTemplate(regoTemplate(ALWAYS));
    c.addConstraint(
      constraint("webhook-only", {
        parameters: { id: "webhook-only" },
        enforcementAction: "scoped",
        scopedEnforcementActions: [
          { action: "deny", enforcementPoints: [{ name: "validation.gatekeeper.sh" }] },
        ],
      }),
    );
    expect(c.review(pod("p")).results).toEqual([]);
    expect(log.evaluated).toEqual([]);
    expect(c.constraints()).toEqual([{ kind: "K8sDemo", name: "webhook-only" }]);
  });
});

describe("review errors", () => {
  test("one failing constraint keeps the others' results and reports its own error", () => {
    const c = new Client();
    c.addTemplate(regoTemplate('package k8sdemo\nviolation[{"msg": "demo"}] { true }'));
    // Two values for one complete rule: eval_conflict_error at evaluation.
    c.addTemplate(
      regoTemplate('package k8sbroken\nv := 1 { true }\nv := 2 { true }\nviolation[{"msg": "x"}] { v }', {
        kind: "K8sBroken",
      }),
    );
    c.addConstraint(constraint("first", {}, "K8sDemo"));
    c.addConstraint(constraint("broken", {}, "K8sBroken"));
    c.addConstraint(constraint("second", { enforcementAction: "warn" }, "K8sDemo"));
    const { results, errors } = c.review(pod("p"));
    expect(results.map((r) => [r.name, r.msg])).toEqual([
      ["first", "demo"],
      ["second", "demo"],
    ]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ kind: "K8sBroken", name: "broken", code: "eval_conflict_error" });
    // The details still make a FrameworkError for callers that want one.
    expect(new FrameworkError(errors).errors[0].code).toBe("eval_conflict_error");
  });

  test("an undecidable match is still a result, not an error", () => {
    const c = new Client();
    c.addTemplate(regoTemplate('package k8sdemo\nviolation[{"msg": "demo"}] { true }'));
    c.addConstraint(constraint("sel", { match: { namespaceSelector: { matchLabels: { a: "b" } } } }));
    const { results, errors } = c.review(pod("p", "nowhere"));
    expect(errors).toEqual([]);
    expect(results.map((r) => r.msg)).toEqual([
      "unable to match constraints: error matching the requested object: p :failed to run Match criteria: namespace selector for namespace-scoped object but missing Namespace",
    ]);
  });

  test("an unusable object still throws", () => {
    expect(() => new Client().review("not an object")).toThrow(FrameworkError);
  });
});

describe("templates", () => {
  test("compiles are cached by content; the Rego driver gets parsed modules", () => {
    const log = recordingEngine();
    const lib = "package lib.x\ny := 1";
    const t = regoTemplate(ALWAYS, { libs: [lib] });
    const a = new Client();
    a.addTemplate(t);
    expect(log.compiles).toEqual([["k8sdemo", "lib.x"]]);
    a.addConstraint(constraint("c", { parameters: { id: "c" } }));
    // Re-adding unchanged content (an informer resync), here or in another client: no compile.
    a.addTemplate(structuredClone(t));
    new Client().addTemplate(structuredClone(t));
    expect(log.compiles).toHaveLength(1);
    expect(a.review(pod("p")).results.map((r) => r.msg)).toEqual(["c"]);
    // Any engine-relevant change compiles again: rego, libs, version.
    a.addTemplate(regoTemplate(`${ALWAYS}\n`, { libs: [lib] }));
    a.addTemplate(regoTemplate(ALWAYS, { libs: [`${lib}\nz := 2`] }));
    const v1 = structuredClone(t) as any;
    v1.spec.targets[0].code = [
      { engine: "Rego", source: { rego: v1.spec.targets[0].rego, libs: [lib], version: "v1" } },
    ];
    delete v1.spec.targets[0].rego;
    delete v1.spec.targets[0].libs;
    expect(() => a.addTemplate(v1)).toThrow(/rego_parse_error/);
    expect(log.compiles).toHaveLength(3);
    // A schema change alone reuses the compile but re-validates the constraints.
    expect(() =>
      a.addTemplate(
        regoTemplate(ALWAYS, {
          libs: [lib],
          schema: { type: "object", properties: { id: { type: "integer" } } },
        }),
      ),
    ).toThrow(/invalid_parameters|integer/);
    expect(log.compiles).toHaveLength(3);
    expect(a.review(pod("p")).results.map((r) => r.msg)).toEqual(["c"]);
  });

  test("compile errors are cached too and keep their locations", () => {
    const broken = regoTemplate('package k8sdemo\nviolation[{"msg": m}] {\n  m := \n}');
    const before = compileCacheStats();
    const first = errorOf(() => new Client().addTemplate(broken));
    const second = errorOf(() => new Client().addTemplate(structuredClone(broken)));
    const after = compileCacheStats();
    expect(after.misses - before.misses).toBe(1);
    expect(after.hits - before.hits).toBe(1);
    expect(second.errors).toEqual(first.errors);
    expect(first.errors[0]).toMatchObject({
      code: "rego_parse_error",
      location: expect.stringMatching(/^template:4:\d+$/),
    });
  });

  test("CEL compiles are shared by content too", () => {
    const t = celTemplate("K8sCelCached", [
      { expression: "object.metadata.name != 'cached'", message: "no" },
    ]);
    const before = compileCacheStats();
    const a = new Client();
    a.addTemplate(t);
    a.addTemplate(structuredClone(t));
    new Client().addTemplate(structuredClone(t));
    const mid = compileCacheStats();
    expect(mid.misses - before.misses).toBe(1);
    // The default failure policy is part of what is compiled.
    new Client({ celFailurePolicy: "Ignore" }).addTemplate(structuredClone(t));
    expect(compileCacheStats().misses - mid.misses).toBe(1);
  });

  test("templateKinds and hasTemplate", () => {
    const c = new Client();
    expect(c.addTemplate(regoTemplate(ALWAYS))).toEqual({ name: "k8sdemo", kind: "K8sDemo", engine: "Rego" });
    c.addTemplate(celTemplate("K8sAaa", [{ expression: "true" }]));
    expect(c.templateKinds()).toEqual(["K8sAaa", "K8sDemo"]);
    expect(c.hasTemplate("K8sDemo")).toBe(true);
    c.removeTemplate("k8sdemo");
    expect(c.hasTemplate("K8sDemo")).toBe(false);
    expect(c.templateKinds()).toEqual(["K8sAaa"]);
  });
});

describe("bulk data", () => {
  const objects = [
    namespace("a", { env: "prod" }),
    namespace("b"),
    pod("p1", "a"),
    pod("p2", "a"),
    pod("p1", "b"),
    { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d", namespace: "a" } },
    { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: "r" } },
    { ...pod("p2", "a"), spec: { replaced: true } },
  ];

  test("replaceData builds the same inventory as adding one by one", () => {
    const one = new Client();
    for (const o of objects) one.addData(o);
    const bulk = new Client();
    bulk.addData(pod("stale", "gone"));
    const old = bulk.inventory();
    const frozen = structuredClone(old);
    expect(bulk.replaceData([...objects, { kind: "Pod" }])).toEqual({ loaded: objects.length, rejected: 1 });
    expect(bulk.inventory()).toEqual(one.inventory());
    // Stored by reference; a later duplicate wins; the old tree was left alone.
    expect((bulk.inventory() as any).namespace.a.v1.Pod.p1).toBe(objects[2]);
    expect((bulk.inventory() as any).namespace.a.v1.Pod.p2.spec).toEqual({ replaced: true });
    expect(old).toEqual(frozen);
    // Incremental changes carry on from the bulk load.
    bulk.removeData(pod("p1", "b"));
    bulk.addData(pod("p3", "b"));
    one.removeData(pod("p1", "b"));
    one.addData(pod("p3", "b"));
    expect(bulk.inventory()).toEqual(one.inventory());
    expect(bulk.replaceData([])).toEqual({ loaded: 0, rejected: 0 });
    expect(bulk.inventory()).toEqual({ cluster: {}, namespace: {} });
  });

  test("reviews see bulk-loaded Namespaces", () => {
    const c = new Client();
    c.addTemplate(regoTemplate('package k8sdemo\nviolation[{"msg": "hit"}] { true }'));
    c.addConstraint(constraint("sel", { match: { namespaceSelector: { matchLabels: { env: "prod" } } } }));
    c.replaceData(objects);
    expect(c.review(pod("x", "a")).results.map((r) => r.msg)).toEqual(["hit"]);
    expect(c.review(pod("x", "b")).results).toEqual([]);
  });
});

describe("deadlines", () => {
  // ~400×400 comprehension steps: tens of milliseconds.
  const list = `[${Array.from({ length: 400 }, (_, i) => i).join(",")}]`;
  const slow = { expression: `${list}.all(i, ${list}.all(j, i + j >= 0))`, message: "slow" };

  test("CEL evaluation stops at the deadline with Rego's error", () => {
    const c = new Client();
    c.addTemplate(celTemplate("K8sSlow", [slow, { expression: "false", message: "after" }]));
    c.addConstraint(constraint("slow", {}, "K8sSlow"));
    expect(c.review(pod("p"))).toEqual({ results: [expect.objectContaining({ msg: "after" })], errors: [] });
    // The deadline passes inside the first validation: the second never runs.
    const { results, errors } = c.review(pod("p"), { deadline: Date.now() + 5 });
    expect(results).toEqual([]);
    expect(errors).toEqual([
      {
        kind: "K8sSlow",
        name: "slow",
        code: "eval_cancel_error",
        message: "caller cancelled query execution (deadline exceeded)",
      },
    ]);
  });

  test("a deadline reached during a CEL variable stops evaluation too", () => {
    const t = celTemplate("K8sSlowVar", [{ expression: "variables.v", message: "var" }]) as any;
    t.spec.targets[0].code[0].source.variables = [{ name: "v", expression: slow.expression }];
    const c = new Client();
    c.addTemplate(t);
    c.addConstraint(constraint("v", {}, "K8sSlowVar"));
    expect(c.review(pod("p"))).toEqual({ results: [], errors: [] });
    expect(c.review(pod("p"), { deadline: Date.now() + 5 }).errors.map((e) => e.code)).toEqual([
      "eval_cancel_error",
    ]);
  });

  test("a deadline already passed stops before any constraint is evaluated", () => {
    const log = recordingEngine();
    const c = new Client();
    c.addTemplate(regoTemplate(ALWAYS));
    for (const id of ["a", "b"]) c.addConstraint(constraint(id, { parameters: { id } }));
    const { results, errors } = c.review(pod("p"), { deadline: Date.now() - 1 });
    expect(results).toEqual([]);
    expect(errors.map((e) => [e.name, e.code])).toEqual([
      ["a", "eval_cancel_error"],
      ["b", "eval_cancel_error"],
    ]);
    expect(log.evaluated).toEqual([]);
  });
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
