import { resolve } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { loadManifests, roleOf, SourceError } from "../src/lib/manifests.ts";
import { parseYamlDocuments, relaxQuotedIndentation } from "../src/lib/yaml.ts";
import { brokenFiles } from "./helpers.ts";

const FIX = resolve(import.meta.dirname, "fixtures/manifests");

const BROKEN = brokenFiles();
afterAll(() => BROKEN.cleanup());

async function loadError(path: string): Promise<SourceError> {
  try {
    await loadManifests([path]);
  } catch (err) {
    if (err instanceof SourceError) return err;
    throw err;
  }
  throw new Error(`expected ${path} to fail`);
}

describe("loadManifests", () => {
  test("walks directories in order, reads only manifest extensions, splits documents and Lists", async () => {
    const ms = await loadManifests([`${FIX}/good`]);
    expect(ms.map((m) => `${m.obj.kind}/${(m.obj.metadata as { name: string }).name}`)).toEqual([
      "ConfigMap/c",
      "ConfigMap/d",
      "Namespace/a",
      "Namespace/b",
    ]);
    expect(ms[2]).toMatchObject({ file: `${FIX}/good/one.yaml`, line: 2 });
    expect(ms[3].line).toBe(8);
  });

  test("YAML 1.1 booleans as Kubernetes tooling reads them", () => {
    const [doc] = parseYamlDocuments("a: yes\nb: off\nc: 'yes'\nd: 2024-01-01\n", "x.yaml");
    expect(doc.value).toEqual({ a: true, b: false, c: "yes", d: "2024-01-01" });
  });

  test("quoted scalars continued at their key's indentation parse as go-yaml reads them", () => {
    const src =
      "spec:\n  description: \"When set to `true` the TLS {} is optional, defaults\n  to false.\"\n  other: 'it''s\n  x'\n";
    expect(relaxQuotedIndentation(src)).toBe(
      "spec:\n  description: \"When set to `true` the TLS {} is optional, defaults\n    to false.\"\n  other: 'it''s\n    x'\n",
    );
    expect(parseYamlDocuments(src, "t.yaml")[0].value).toEqual({
      spec: { description: "When set to `true` the TLS {} is optional, defaults to false.", other: "it's x" },
    });
  });

  test("a YAML syntax error names the file, line and column", async () => {
    const err = await loadError(BROKEN.yaml);
    expect(err.file).toBe(BROKEN.yaml);
    expect(err.line).toBe(6);
    expect(err.col).toBe(1);
    expect(err.message).toMatch(/broken\.yaml:6:1: YAML error: /);
  });

  test("a JSON syntax error names the file, line and column", async () => {
    const err = await loadError(BROKEN.json);
    expect(err.message).toMatch(/broken\.json:4:28: JSON error: /);
  });

  test("a document that is not a mapping is rejected with its line", async () => {
    const err = await loadError(`${FIX}/bad/scalar.yaml`);
    expect(err.message).toBe(
      `${FIX}/bad/scalar.yaml:6: document is not a Kubernetes object (expected a mapping)`,
    );
  });

  test("a missing path is reported", async () => {
    const err = await loadError(`${FIX}/does-not-exist`);
    expect(err.message).toBe(`${FIX}/does-not-exist: no such file or directory`);
  });

  test("stdin via -", async () => {
    const ms = await loadManifests(["-"], {
      readStdin: async () => "kind: Namespace\napiVersion: v1\nmetadata: {name: s}\n",
    });
    expect(ms).toHaveLength(1);
    expect(ms[0].file).toBe("<stdin>");
  });

  test("roles: templates, constraints, everything else", () => {
    expect(roleOf({ apiVersion: "templates.gatekeeper.sh/v1", kind: "ConstraintTemplate" })).toBe("template");
    expect(roleOf({ apiVersion: "constraints.gatekeeper.sh/v1beta1", kind: "K8sRequiredLabels" })).toBe(
      "constraint",
    );
    expect(roleOf({ apiVersion: "v1", kind: "ConstraintTemplate" })).toBe("object");
    expect(roleOf({ apiVersion: "apps/v1", kind: "Deployment" })).toBe("object");
  });
});
