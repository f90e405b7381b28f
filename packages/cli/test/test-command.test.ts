import { describe, expect, test } from "vitest";
import { parse as parseYaml } from "yaml";
import { brokenFiles, cli, EXAMPLES, FIXTURES, LIBRARY_SRC } from "./helpers.ts";

const ACTIONS = `${FIXTURES}/actions`;

describe("portcullis test", () => {
  test("examples/: exactly the three expected deny violations, in gator's format", async () => {
    const r = await cli("test", "-f", EXAMPLES);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(1);
    expect(r.stdout.split("\n").filter(Boolean)).toEqual([
      'security.istio.io/v1beta1/PeerAuthentication billing/legacy-clients: ["mesh-requires-strict-mtls"] Message: "PeerAuthentication <legacy-clients> must set spec.mtls.mode to STRICT, found <PERMISSIVE>"',
      'v1/Pod team-b/web: ["team-pods-use-internal-registry"] Message: "container <cache> uses image <docker.io/library/redis:7>; allowed repos are [\\"registry.example.com/\\", \\"ghcr.io/example-org/\\"]"',
      'v1/Namespace scratch: ["ns-must-have-owner"] Message: "you must provide labels: {\\"owner\\"}"',
    ]);
  });

  test("each example on its own", async () => {
    for (const [dir, name] of [
      ["required-labels", "scratch"],
      ["allowed-repos", "team-b/web"],
      ["mtls-strict", "billing/legacy-clients"],
    ]) {
      const r = await cli("test", "-f", `${EXAMPLES}/${dir}`);
      expect(r.code).toBe(1);
      const lines = r.stdout.trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(` ${name}: `);
    }
  });

  test("-o json: gator's result documents", async () => {
    const r = await cli("test", "-f", `${EXAMPLES}/required-labels`, "-o", "json");
    expect(r.code).toBe(1);
    const rows = JSON.parse(r.stdout);
    expect(rows).toHaveLength(1);
    expect(Object.keys(rows[0])).toEqual([
      "target",
      "msg",
      "metadata",
      "constraint",
      "enforcementAction",
      "violatingObject",
      "trace",
    ]);
    expect(rows[0]).toMatchObject({
      target: "admission.k8s.gatekeeper.sh",
      msg: 'you must provide labels: {"owner"}',
      metadata: { details: { missing_labels: ["owner"] } },
      constraint: {
        kind: "K8sRequiredLabels",
        metadata: { name: "ns-must-have-owner" },
        spec: { enforcementAction: "deny" },
      },
      enforcementAction: "deny",
      violatingObject: { kind: "Namespace", metadata: { name: "scratch" } },
      trace: null,
    });
    // Go's encoder escapes HTML characters in strings.
    const mtls = await cli("test", "-f", `${EXAMPLES}/mtls-strict`, "-o", "json");
    expect(mtls.stdout).toContain('"msg": "PeerAuthentication \\u003clegacy-clients\\u003e must set');
  });

  test("-o yaml and no violations", async () => {
    const y = await cli("test", "-f", `${EXAMPLES}/mtls-strict`, "-o", "yaml");
    expect(y.code).toBe(1);
    const doc = parseYaml(y.stdout);
    expect(doc[0].result.msg).toContain("found <PERMISSIVE>");
    expect(doc[0].violatingObject.metadata.name).toBe("legacy-clients");

    const none = [
      "-f",
      `${EXAMPLES}/required-labels/template.yaml`,
      "-f",
      `${EXAMPLES}/required-labels/namespace-allowed.yaml`,
    ];
    expect(await cli("test", ...none, "-o", "json")).toEqual({ code: 0, stdout: "null\n", stderr: "" });
    expect(await cli("test", ...none, "-o", "yaml")).toEqual({ code: 0, stdout: "[]\n", stderr: "" });
    expect(await cli("test", ...none)).toEqual({ code: 0, stdout: "", stderr: "" });
  });

  test("warn and dryrun violations print but exit 0; ordered by action then message", async () => {
    const r = await cli(
      "test",
      "-f",
      `${ACTIONS}/template.yaml`,
      "-f",
      `${ACTIONS}/constraints.yaml`,
      "-f",
      `${ACTIONS}/namespaces.yaml`,
    );
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n").filter(Boolean)).toEqual([
      'v1/Namespace zeta: ["dryrun-team"] Message: "you must provide labels: {\\"team\\"}"',
      'v1/Namespace alpha: ["dryrun-team"] Message: "you must provide labels: {\\"team\\"}"',
      'v1/Namespace zeta: ["warn-owner"] Message: "you must provide labels: {\\"owner\\"}"',
    ]);
  });

  test("--deny-only shows and counts only deny violations", async () => {
    const all = await cli("test", "-f", ACTIONS);
    expect(all.code).toBe(1);
    expect(all.stdout.trim().split("\n")).toHaveLength(5);
    const deny = await cli("test", "-f", ACTIONS, "--deny-only");
    expect(deny.code).toBe(1);
    expect(deny.stdout.trim().split("\n")).toEqual([
      'v1/Namespace zeta: ["deny-cost-center"] Message: "you must provide labels: {\\"cost-center\\"}"',
      'v1/Namespace alpha: ["deny-cost-center"] Message: "you must provide labels: {\\"cost-center\\"}"',
    ]);
    const warnOnly = await cli(
      "test",
      "-f",
      `${ACTIONS}/template.yaml`,
      "-f",
      `${ACTIONS}/constraints.yaml`,
      "-f",
      `${ACTIONS}/namespaces.yaml`,
      "--deny-only",
    );
    expect(warnOnly).toEqual({ code: 0, stdout: "", stderr: "" });
  });

  test("bad manifests: exit 1 naming the file and position", async () => {
    const broken = brokenFiles();
    const r = await cli("test", "-f", broken.yaml);
    broken.cleanup();
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^portcullis test: .*broken\.yaml:6:1: YAML error: /);
    const missing = await cli("test", "-f", `${FIXTURES}/nope.yaml`);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("nope.yaml: no such file or directory");
  });

  test("a constraint without its template is an error (exit 1)", async () => {
    const r = await cli(
      "test",
      "-f",
      `${EXAMPLES}/required-labels/constraint.yaml`,
      "-f",
      `${EXAMPLES}/required-labels/namespace-allowed.yaml`,
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /constraint\.yaml:1: adding constraint K8sRequiredLabels "ns-must-have-owner": /,
    );
  });

  test("templates with Rego and CEL: CEL by default, Rego with --enable-k8s-native-validation=false (as gator)", async () => {
    const lib = `${LIBRARY_SRC}/../library/general/requiredlabels`;
    const files = ["-f", `${lib}/template.yaml`, "-f", `${lib}/samples/all-must-have-owner`];
    const cel = await cli("test", ...files);
    expect(cel.code).toBe(1);
    expect(cel.stdout.trimEnd().split("\n")).toEqual([
      'v1/Namespace disallowed-namespace: ["all-must-have-owner"] Message: "missing required label, requires all of: owner"',
      'v1/Namespace disallowed-namespace: ["all-must-have-owner"] Message: "regex mismatch"',
      'v1/Namespace disallowed-namespace: ["all-must-have-owner"] Message: "regex mismatch"',
    ]);
    // Two sample files define the same Namespace; gator warns and reviews both.
    expect(cel.stderr).toMatch(
      /^portcullis test: warning: .*example_disallowed_label_value\.yaml:1: Namespace "disallowed-namespace" is already defined at .*example_disallowed\.yaml:1\n$/,
    );
    const rego = await cli("test", ...files, "--enable-k8s-native-validation=false");
    expect(rego.code).toBe(1);
    const msg = "All namespaces must have an `owner` label that points to your company username";
    expect(rego.stdout.trimEnd().split("\n")).toEqual([
      `v1/Namespace disallowed-namespace: ["all-must-have-owner"] Message: "${msg}"`,
      `v1/Namespace disallowed-namespace: ["all-must-have-owner"] Message: "${msg}"`,
    ]);
  });

  test("same message: objects in input order, each object's constraints by name (checked against gator)", async () => {
    const r = await cli("test", "-f", `${FIXTURES}/order`);
    expect(r.code).toBe(1);
    const msg =
      'Message: "container <app> uses image <docker.io/app:1>; allowed repos are [\\"registry.example.com/\\"]"';
    expect(r.stdout.trimEnd().split("\n")).toEqual([
      `v1/Pod team-a/zed: ["everywhere"] ${msg}`,
      `v1/Pod team-a/zed: ["not-kube-system"] ${msg}`,
      `v1/Pod team-a/zed: ["team-a-only"] ${msg}`,
      `v1/Pod team-b/alpha: ["everywhere"] ${msg}`,
      `v1/Pod team-b/alpha: ["not-kube-system"] ${msg}`,
      `v1/Pod kube-system/system: ["everywhere"] ${msg}`,
    ]);
  });

  test("AdmissionReview documents are passed over, as gator test does", async () => {
    const r = await cli(
      "test",
      "-f",
      `${FIXTURES}/order/template.yaml`,
      "-f",
      `${FIXTURES}/order/constraints.yaml`,
      "-f",
      `${FIXTURES}/admission-review.yaml`,
    );
    expect(r).toEqual({ code: 0, stdout: "", stderr: "" });
  });
});
