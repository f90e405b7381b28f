import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { checkAssertion, RunFilter, verifyCommand } from "../src/commands/verify.ts";
import { bufferIO } from "../src/lib/io.ts";

const TEMPLATE = `apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata:
  name: k8sbannedname
spec:
  crd:
    spec:
      names:
        kind: K8sBannedName
      validation:
        openAPIV3Schema:
          type: object
          properties:
            banned:
              type: string
  targets:
  - target: admission.k8s.gatekeeper.sh
    code:
    - engine: K8sNativeValidation
      source:
        validations:
        - expression: "variables.anyObject.metadata.name != variables.params.banned"
          messageExpression: "'cel: name ' + variables.params.banned + ' is banned'"
    - engine: Rego
      source:
        rego: |
          package k8sbannedname
          violation[{"msg": msg}] {
            input.review.object.metadata.name == input.parameters.banned
            msg := sprintf("rego: name %v is banned", [input.parameters.banned])
          }
`;

const CONSTRAINT = `apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sBannedName
metadata:
  name: no-bad
spec:
  parameters:
    banned: bad
`;

const pod = (name: string) => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\n  namespace: default\n`;

const SUITE = `kind: Suite
apiVersion: test.gatekeeper.sh/v1alpha1
metadata:
  name: banned
tests:
- name: banned-name
  template: template.yaml
  constraint: constraint.yaml
  cases:
  - name: good
    object: good.yaml
    assertions:
    - violations: no
  - name: bad
    object: bad.yaml
    assertions:
    - violations: yes
    - violations: 1
      message: "name bad"
  - name: bad-wrong-assertion
    object: bad.yaml
    assertions:
    - violations: 2
  - name: skipped
    object: bad.yaml
    skip: true
  - name: delete-review
    object: delete.yaml
    assertions:
    - violations: 1
- name: missing-template
  template: nope.yaml
  constraint: constraint.yaml
  cases:
  - name: never
    object: good.yaml
`;

const DELETE = `kind: AdmissionReview
apiVersion: admission.k8s.io/v1
request:
  operation: DELETE
  kind: {group: "", version: v1, kind: Pod}
  oldObject:
${pod("bad")
  .split("\n")
  .map((l) => `    ${l}`)
  .join("\n")}
`;

const dir = mkdtempSync(join(tmpdir(), "portcullis-verify-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(rel: string, text: string): string {
  const p = join(dir, rel);
  mkdirSync(join(p, ".."), { recursive: true });
  writeFileSync(p, text);
  return p;
}

const suiteDir = join(dir, "suites", "banned");
write("suites/banned/template.yaml", TEMPLATE);
write("suites/banned/constraint.yaml", CONSTRAINT);
write("suites/banned/good.yaml", pod("good"));
write("suites/banned/bad.yaml", pod("bad"));
write("suites/banned/delete.yaml", DELETE);
write("suites/banned/suite.yaml", SUITE);
write("suites/banned/not-a-suite.yaml", pod("x"));

async function verify(...argv: string[]) {
  const io = bufferIO();
  const code = await verifyCommand(argv, io);
  return { code, out: io.stdout, err: io.stderr };
}

describe("assertions", () => {
  test("yes / no / N with message filters and gator's failure texts", () => {
    expect(checkAssertion({ violations: "yes" }, ["a"])).toBeUndefined();
    expect(checkAssertion({}, ["a"])).toBeUndefined();
    expect(checkAssertion({ violations: true }, [])).toBe(
      "unexpected number of violations: got 0 violations but want at least 1: got messages []",
    );
    expect(checkAssertion({ violations: "no" }, [])).toBeUndefined();
    expect(checkAssertion({ violations: false }, ["x y", "z"])).toBe(
      "unexpected number of violations: got 2 violations but want none: got messages [x y z]",
    );
    expect(checkAssertion({ violations: 1, message: "^x" }, ["x1", "y"])).toBeUndefined();
    expect(checkAssertion({ violations: 0, message: "q" }, ["x1"])).toBeUndefined();
    expect(checkAssertion({ violations: 2, message: "x" }, ["x1", "y"])).toBe(
      'unexpected number of violations: got 1 violations containing "x" but want exactly 2: got messages [x1 y]',
    );
    expect(checkAssertion({ violations: "1" }, [])).toMatch(/must be a nonnegative integer, "yes", or "no"/);
  });

  test("--run: one regex for tests or cases; test//case separately", () => {
    const t = { name: "forbid-labels", cases: [{ name: "nginx" }, { name: "other" }] };
    const one = new RunFilter("nginx");
    expect(one.matchesTest(t)).toBe(true);
    expect(one.matchesCase("forbid-labels", "nginx")).toBe(true);
    expect(one.matchesCase("forbid-labels", "other")).toBe(false);
    const byTest = new RunFilter("forbid-labels//");
    expect(byTest.matchesTest(t)).toBe(true);
    expect(byTest.matchesCase("forbid-labels", "other")).toBe(true);
    expect(byTest.matchesTest({ name: "x", cases: [{ name: "forbid-labels" }] })).toBe(false);
    const byCase = new RunFilter("//^nginx$");
    expect(byCase.matchesTest(t)).toBe(true);
    expect(byCase.matchesCase("forbid-labels", "nginx")).toBe(true);
    expect(byCase.matchesCase("forbid-labels", "nginx2")).toBe(false);
    expect(new RunFilter(undefined).matchesCase("a", "b")).toBe(true);
  });
});

describe("verify", () => {
  test("reports failing cases and tests, gator style, and exits 1", async () => {
    const r = await verify(suiteDir);
    expect(r.code).toBe(1);
    const lines = r.out.trimEnd().split("\n");
    expect(lines).toContain(
      "    --- FAIL: bad-wrong-assertion\t(" +
        lines.find((l) => l.includes("bad-wrong-assertion"))!.split("(")[1],
    );
    expect(r.out).toContain(
      "        unexpected number of violations: got 1 violations but want exactly 2: got messages [cel: name bad is banned]",
    );
    expect(r.out).toMatch(/^--- FAIL: banned-name\t\(\d+\.\d{3}s\)$/m);
    expect(r.out).toMatch(/^--- FAIL: missing-template\t\(/m);
    expect(r.out).toMatch(
      /^ {2}reading ConstraintTemplate from ".*nope\.yaml": .*no such file or directory$/m,
    );
    expect(r.out).toMatch(new RegExp(`^FAIL\\t${suiteDir}/suite\\.yaml\\t\\d+\\.\\d{3}s$`, "m"));
    expect(r.out).not.toContain("--- PASS");
    expect(lines.at(-2)).toBe("FAIL");
    expect(lines.at(-1)).toBe("3 passed, 2 failed");
    expect(r.err).toContain("Error: FAIL");
  });

  test("-v prints RUN/PASS/SKIP lines; Rego-only mode uses the Rego code", async () => {
    const r = await verify(
      "-v",
      "--enable-k8s-native-validation=false",
      "--run",
      "banned-name//^(good|bad|skipped)$",
      suiteDir,
    );
    expect(r.code).toBe(0);
    const outcome = r.out
      .split("\n")
      .filter((l) => /=== (RUN|SKIP)|--- (PASS|FAIL)/.test(l))
      .map((l) => l.replace(/\t\(.*$/, ""));
    expect(outcome).toEqual([
      "=== RUN   banned-name",
      "    === RUN   good",
      "    --- PASS: good",
      "    === RUN   bad",
      "    --- PASS: bad",
      "    === SKIP  bad-wrong-assertion",
      "    === SKIP  skipped",
      "    === SKIP  delete-review",
      "--- PASS: banned-name",
      "=== SKIP  missing-template",
    ]);
    expect(r.out.trimEnd().split("\n").slice(-2)).toEqual(["PASS", "2 passed, 0 failed"]);
    // Same suite, Rego messages this time.
    const bad = await verify("--rego-only", "--run", "bad-wrong", suiteDir);
    expect(bad.out).toContain("got messages [rego: name bad is banned]");
  });

  test("path/... walks subdirectories for suites", async () => {
    const r = await verify("--run", "^(good|delete-review)$", `${join(dir, "suites")}/...`);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(new RegExp(`^ok\\t${suiteDir}/suite\\.yaml\\t`, "m"));
    expect(r.out.trimEnd().split("\n").at(-1)).toBe("2 passed, 0 failed");
    // Without /..., a directory holding no suite directly runs nothing.
    const none = await verify(join(dir, "suites"));
    expect(none.code).toBe(0);
    expect(none.out.trimEnd().split("\n").at(-1)).toBe("0 passed, 0 failed");
  });

  test("--default-k8s-native-validation-failure-policy decides what CEL errors mean", async () => {
    const errDir = join(dir, "errors");
    write(
      "errors/template.yaml",
      TEMPLATE.replace("variables.anyObject.metadata.name != variables.params.banned", "object.nothere == 1"),
    );
    write("errors/constraint.yaml", CONSTRAINT);
    write("errors/good.yaml", pod("good"));
    write(
      "errors/suite.yaml",
      "kind: Suite\napiVersion: test.gatekeeper.sh/v1alpha1\ntests:\n- name: t\n  template: template.yaml\n  constraint: constraint.yaml\n  cases:\n  - name: c\n    object: good.yaml\n    assertions:\n    - violations: no\n",
    );
    const fail = await verify(errDir);
    expect(fail.code).toBe(1);
    expect(fail.out).toContain(
      "got messages [expression 'object.nothere == 1' resulted in error: no such key: nothere]",
    );
    const ignore = await verify("--default-k8s-native-validation-failure-policy=Ignore", errDir);
    expect(ignore.code).toBe(0);
    await expect(verify("--default-k8s-native-validation-failure-policy=Maybe", errDir)).rejects.toThrow(
      /Fail or Ignore/,
    );
  });

  test("suite and case validation errors, as gator words them", async () => {
    write(
      "invalid/suite.yaml",
      [
        "kind: Suite",
        "apiVersion: test.gatekeeper.sh/v1alpha1",
        "tests:",
        "- name: no-constraint",
        "  template: ../suites/banned/template.yaml",
        "  cases: [{name: c, object: ../suites/banned/good.yaml, assertions: [{violations: no}]}]",
        "- name: cases",
        "  template: ../suites/banned/template.yaml",
        "  constraint: ../suites/banned/constraint.yaml",
        "  cases:",
        "  - {name: no-object, assertions: [{violations: no}]}",
        "  - {name: no-assertions, object: ../suites/banned/good.yaml}",
        "  - {name: two-objects, object: two.yaml, assertions: [{violations: no}]}",
        "- name: no-cases",
        "  template: ../suites/banned/template.yaml",
        "  constraint: ../suites/banned/constraint.yaml",
        "",
      ].join("\n"),
    );
    write("invalid/two.yaml", `${pod("a")}---\n${pod("b")}`);
    const r = await verify("-v", join(dir, "invalid"));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^--- FAIL: no-constraint\t.*\n {2}invalid Suite: missing constraint$/m);
    expect(r.out).toMatch(/--- FAIL: no-object\t.*\n {8}invalid Case: must define object$/m);
    expect(r.out).toMatch(/--- FAIL: no-assertions\t.*\n {8}invalid Case: assertions must be non-empty$/m);
    expect(r.out).toMatch(
      /--- FAIL: two-objects\t.*\n {8}object file must contain exactly one object: ".*two\.yaml" defines 2 objects$/m,
    );
    expect(r.out).toMatch(/^--- PASS: no-cases\t/m);
    expect(r.out.trimEnd().split("\n").at(-1)).toBe("0 passed, 4 failed");
  });

  test("usage errors", async () => {
    await expect(verify()).rejects.toThrow(/requires a path/);
    await expect(verify("--bogus", suiteDir)).rejects.toThrow(/unknown flag/);
    const help = await verify("--help");
    expect(help.code).toBe(0);
    expect(help.out).toContain("--enable-k8s-native-validation");
  });
});
