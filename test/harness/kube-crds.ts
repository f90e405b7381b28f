import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import {
  ApiextensionsV1Api,
  type KubeConfig,
  loadAllYaml,
  type V1CustomResourceDefinition,
  Watch,
} from "@kubernetes/client-node";
import { repoRoot } from "./kube-binaries.ts";
import { waitUntil } from "./kube-process.ts";

/** The project's CRDs (ConstraintTemplate, Config, SyncSet), installed into every test API server. */
export const projectCrdDir: string = join(repoRoot, "deploy", "crds");

export async function loadCrds(dir: string = projectCrdDir): Promise<V1CustomResourceDefinition[]> {
  const files = (await readdir(dir)).filter((f) => /\.ya?ml$/.test(f)).sort();
  const crds: V1CustomResourceDefinition[] = [];
  for (const file of files) {
    for (const doc of loadAllYaml(await readFile(join(dir, file), "utf8"))) {
      if (doc?.kind === "CustomResourceDefinition") crds.push(doc as V1CustomResourceDefinition);
    }
  }
  return crds;
}

/** Waits until the API server reports the CRD Established (it then serves the new resource). */
export async function waitForCrdEstablished(kc: KubeConfig, name: string, timeoutMs = 30_000): Promise<void> {
  const api = kc.makeApiClient(ApiextensionsV1Api);
  await waitUntil(
    `CustomResourceDefinition ${name} to be Established`,
    async () => {
      const crd = await api.readCustomResourceDefinition({ name });
      const conditions = crd.status?.conditions ?? [];
      const failed = conditions.find((c) => c.type === "NamesAccepted" && c.status === "False");
      if (failed) throw new Error(`CRD ${name} names not accepted: ${failed.message}`);
      return conditions.some((c) => c.type === "Established" && c.status === "True") ? true : undefined;
    },
    { timeoutMs, intervalMs: 50 },
  );
}

/**
 * Waits until a watch on the CRD's resource is accepted. For a moment after
 * Established, the API server's watch cache for a new resource is still
 * initializing and answers watches with 429 Too Many Requests ("storage is
 * (re)initializing"); client-node's Watch reports that as an error and
 * ListWatch/makeInformer stop on it, so services under test must retry, but
 * the harness should not hand them a server in that state.
 */
export async function waitForCrdWatchable(kc: KubeConfig, name: string, timeoutMs = 30_000): Promise<void> {
  const crd = await kc.makeApiClient(ApiextensionsV1Api).readCustomResourceDefinition({ name });
  const version = (crd.spec.versions.find((v) => v.storage) ?? crd.spec.versions[0])!.name;
  const path = `/apis/${crd.spec.group}/${version}/${crd.spec.names.plural}`;
  const watch = new Watch(kc);
  await waitUntil(
    `a watch on ${path} to be accepted`,
    async () => {
      let failure: unknown;
      // On a non-200 answer watch() calls done(err) before it resolves.
      const controller = await watch.watch(
        path,
        { timeoutSeconds: 1 },
        () => {},
        (err) => (failure ??= err),
      );
      controller.abort();
      if (failure) throw failure;
      return true;
    },
    { timeoutMs, intervalMs: 100 },
  );
}

/** Established, and watches on it are accepted: what a controller needs. */
export async function waitForCrdReady(kc: KubeConfig, name: string, timeoutMs = 30_000): Promise<void> {
  await waitForCrdEstablished(kc, name, timeoutMs);
  await waitForCrdWatchable(kc, name, timeoutMs);
}

/** Creates the CRDs (all at once) and waits for every one to be ready (Established and watchable). */
export async function installCrds(kc: KubeConfig, crds: V1CustomResourceDefinition[]): Promise<void> {
  const api = kc.makeApiClient(ApiextensionsV1Api);
  await Promise.all(crds.map((body) => api.createCustomResourceDefinition({ body })));
  await Promise.all(crds.map((crd) => waitForCrdReady(kc, crd.metadata!.name!)));
}
