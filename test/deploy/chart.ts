/*
 * Helpers for the chart tests: helm and kubeconform from .cache/bin (built by
 * scripts/setup-helm.sh), rendering the chart with a value set, and
 * kubeconform schemas generated from a real API server's OpenAPI v2 plus the
 * CRDs' openAPIV3Schema (kubeconform cannot download its schemas here).
 */
import { execFile } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { loadAllYaml } from "@kubernetes/client-node";
import { repoRoot } from "../harness/index.ts";

export const chartDir: string = join(repoRoot, "deploy", "portcullis");
export const RELEASE = "portcullis";

/** The value sets the tests render: defaults plus the files in deploy/portcullis/ci/. */
export const VALUE_SETS: Record<string, string[]> = {
  defaults: [],
  external: [join(chartDir, "ci", "external-values.yaml")],
  "cert-manager": [join(chartDir, "ci", "cert-manager-values.yaml")],
  "hpa-hostnetwork": [join(chartDir, "ci", "hpa-hostnetwork-values.yaml")],
  dashboard: [join(chartDir, "ci", "dashboard-values.yaml")],
};

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [key: string]: any;
}

function tool(name: "helm" | "kubeconform"): string {
  const path = join(process.env.PORTCULLIS_CACHE || join(repoRoot, ".cache"), "bin", name);
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new Error(
      `${name} not found at ${path}: build it with \`bash scripts/setup-helm.sh\` (needs Go and the Go module proxy; run by scripts/setup.sh)`,
    );
  }
  return path;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(
  cmd: string,
  args: string[],
  timeoutMs = 120_000,
  env?: Record<string, string>,
): Promise<RunResult> {
  return new Promise((resolve) => {
    const opts = { timeout: timeoutMs, maxBuffer: 64 << 20, env: env && { ...process.env, ...env } };
    execFile(cmd, args, opts, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
      resolve({ code, stdout, stderr: err && code === 1 && !stderr ? String(err) : stderr });
    });
  });
}

export const helm = (args: string[]): Promise<RunResult> => run(tool("helm"), args);
export const kubeconform = (args: string[]): Promise<RunResult> => run(tool("kubeconform"), args);

/** `helm template` of the chart; throws with helm's stderr on failure. */
export async function render(
  valueFiles: string[],
  options: { namespace?: string; set?: string[]; includeCrds?: boolean } = {},
): Promise<{ yaml: string; docs: Manifest[] }> {
  const args = ["template", RELEASE, chartDir, "--namespace", options.namespace ?? "portcullis-system"];
  for (const f of valueFiles) args.push("-f", f);
  for (const s of options.set ?? []) args.push("--set", s);
  if (options.includeCrds) args.push("--include-crds");
  const res = await helm(args);
  if (res.code !== 0) throw new Error(`helm ${args.join(" ")} failed (${res.code}): ${res.stderr}`);
  const docs = (loadAllYaml(res.stdout) as (Manifest | null)[]).filter((d): d is Manifest => !!d?.kind);
  return { yaml: res.stdout, docs };
}

export const find = (docs: Manifest[], kind: string, name?: string): Manifest[] =>
  docs.filter((d) => d.kind === kind && (name === undefined || d.metadata.name === name));

export function one(docs: Manifest[], kind: string, name: string): Manifest {
  const found = find(docs, kind, name);
  if (found.length !== 1)
    throw new Error(
      `expected one ${kind} ${name}, found ${found.length} among ${docs.map((d) => `${d.kind}/${d.metadata.name}`).join(", ")}`,
    );
  return found[0]!;
}

/* ---------- kubeconform schemas ---------- */

type Schema = Record<string, any>;

/** kubeconform's {{ .Group }}: the apiVersion's part before "/" ("v1" for core). */
export function schemaFileName(apiVersion: string, kind: string): string {
  const parts = apiVersion.split("/");
  return `${kind.toLowerCase()}_${parts[0]}_${parts[parts.length - 1]}.json`;
}

export const schemaLocationTemplate = (dir: string): string =>
  `${dir}/{{ .ResourceKind }}_{{ .Group }}_{{ .ResourceAPIVersion }}.json`;

/** Strict: an object schema with properties and no additionalProperties rejects unknown fields. */
function strictify(s: Schema): Schema {
  if (Array.isArray(s)) return s.map(strictify) as unknown as Schema;
  if (s === null || typeof s !== "object") return s;
  const out: Schema = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === "properties" || k === "definitions" || k === "patternProperties") {
      out[k] = Object.fromEntries(Object.entries(v as Schema).map(([pk, pv]) => [pk, strictify(pv)]));
    } else if (k.startsWith("x-kubernetes-")) {
      out[k] = v;
    } else out[k] = typeof v === "object" ? strictify(v) : v;
  }
  if (
    out.properties &&
    out.additionalProperties === undefined &&
    out["x-kubernetes-preserve-unknown-fields"] !== true
  )
    out.additionalProperties = false;
  return out;
}

const INT_OR_STRING = { oneOf: [{ type: "string" }, { type: "integer" }] };
const QUANTITY = { oneOf: [{ type: "string" }, { type: "number" }] };

function refsOf(s: unknown, into: Set<string>): void {
  if (Array.isArray(s)) for (const x of s) refsOf(x, into);
  else if (s && typeof s === "object") {
    for (const [k, v] of Object.entries(s)) {
      if (k === "$ref" && typeof v === "string") into.add(v.replace("#/definitions/", ""));
      else refsOf(v, into);
    }
  }
}

/**
 * Writes one standalone strict JSON schema per (apiVersion, kind) in `wanted`
 * from an OpenAPI v2 document: the kind's definition with every definition it
 * reaches under `definitions`. Returns the kinds not found there.
 */
export async function writeOpenApiSchemas(
  openapi: { definitions: Record<string, Schema> },
  wanted: Set<string>,
  dir: string,
): Promise<Set<string>> {
  await mkdir(dir, { recursive: true });
  const defs = openapi.definitions;
  const missing = new Set(wanted);
  for (const [name, def] of Object.entries(defs)) {
    for (const gvk of (def["x-kubernetes-group-version-kind"] ?? []) as {
      group: string;
      version: string;
      kind: string;
    }[]) {
      const apiVersion = gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;
      const key = `${apiVersion} ${gvk.kind}`;
      if (!missing.has(key)) continue;
      missing.delete(key);
      const reach = new Set<string>([name]);
      const queue = [name];
      while (queue.length) {
        const refs = new Set<string>();
        refsOf(defs[queue.pop()!], refs);
        for (const r of refs) {
          if (reach.has(r)) continue;
          reach.add(r);
          queue.push(r);
        }
      }
      const definitions: Schema = {};
      for (const r of reach) {
        if (r === "io.k8s.apimachinery.pkg.util.intstr.IntOrString") definitions[r] = INT_OR_STRING;
        else if (r === "io.k8s.apimachinery.pkg.api.resource.Quantity") definitions[r] = QUANTITY;
        else definitions[r] = strictify(defs[r]!);
      }
      const root = strictify(def);
      // apiVersion and kind are fixed for this file.
      root.properties = {
        ...root.properties,
        apiVersion: { type: "string", enum: [apiVersion] },
        kind: { type: "string", enum: [gvk.kind] },
      };
      await writeFile(
        join(dir, schemaFileName(apiVersion, gvk.kind)),
        JSON.stringify({ ...root, definitions }),
      );
    }
  }
  return missing;
}

/** Schemas for the custom resources of CRD manifests (their openAPIV3Schema), in the same layout. */
export async function writeCrdSchemas(crdFiles: string[], dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const file of crdFiles) {
    for (const crd of loadAllYaml(await readFile(file, "utf8")) as Manifest[]) {
      if (crd?.kind !== "CustomResourceDefinition") continue;
      for (const v of crd.spec.versions as { name: string; schema?: { openAPIV3Schema?: Schema } }[]) {
        const schema = strictify(
          v.schema?.openAPIV3Schema ?? { type: "object", "x-kubernetes-preserve-unknown-fields": true },
        );
        const apiVersion = `${crd.spec.group}/${v.name}`;
        schema.properties = {
          ...schema.properties,
          apiVersion: { type: "string", enum: [apiVersion] },
          kind: { type: "string", enum: [crd.spec.names.kind] },
          metadata: { type: "object" },
        };
        const name = schemaFileName(apiVersion, crd.spec.names.kind);
        await writeFile(join(dir, name), JSON.stringify(schema));
        written.push(name);
      }
    }
  }
  return written;
}
