import { readdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import {
  CoreV1Api,
  CustomObjectsApi,
  type KubernetesListObject,
  type KubernetesObject,
  makeInformer,
  Watch,
} from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type KubeEnv, repoRoot, startKube, waitForCrdReady } from "../harness/index.ts";

// A made-up namespaced CRD, unrelated to the project's own.
const group = "example.portcullis.test";
const version = "v1";
const plural = "widgets";

interface Widget extends KubernetesObject {
  spec?: { size?: number; color?: string };
}

let env: KubeEnv;

beforeAll(async () => {
  env = await startKube();
  const t = env.timings;
  console.info(
    `[kube] ${env.version} (etcd ${env.etcdVersion}) at ${env.server}: etcd ${t.etcdMs.toFixed(0)}ms, apiserver /readyz ${t.apiserverMs.toFixed(0)}ms, ` +
      `CRDs ${t.crdsMs.toFixed(0)}ms, total ${t.totalMs.toFixed(0)}ms`,
  );
}, 180_000);

afterAll(async () => {
  await env?.stop();
});

describe("a real kube-apiserver", () => {
  it("runs the pinned version and serves the project's CRDs", async () => {
    const version = await env.kubectl(["version", "-o", "json"]);
    expect(version.code, version.stderr).toBe(0);
    const parsed = JSON.parse(version.stdout) as { serverVersion: { gitVersion: string } };
    expect(parsed.serverVersion.gitVersion).toBe(env.version);

    const crds = await env.kubectl(["get", "crd", "-o", "name"]);
    expect(crds.code, crds.stderr).toBe(0);
    expect(crds.stdout.split("\n")).toEqual(
      expect.arrayContaining([
        "customresourcedefinition.apiextensions.k8s.io/constrainttemplates.templates.gatekeeper.sh",
        "customresourcedefinition.apiextensions.k8s.io/configs.config.gatekeeper.sh",
        "customresourcedefinition.apiextensions.k8s.io/syncsets.syncset.gatekeeper.sh",
      ]),
    );
    // RBAC is on: a user with no bindings is refused.
    const nobody = await env.userKubeConfig("portcullis-nobody", ["portcullis:testers"]);
    await expect(nobody.kubeConfig.makeApiClient(CoreV1Api).listNamespace()).rejects.toMatchObject({
      code: 403,
    });

    // ConstraintTemplate is served at all three versions.
    for (const v of ["v1", "v1beta1", "v1alpha1"]) {
      const list = await env.kubectl([
        "get",
        `constrainttemplates.${v}.templates.gatekeeper.sh`,
        "-o",
        "json",
      ]);
      expect(list.code, list.stderr).toBe(0);
    }
  });

  it("creates a CRD and a custom object, and watches it change", async () => {
    const crdName = `${plural}.${group}`;
    const apply = await env.kubectl(["apply", "-f", "-"], {
      input: JSON.stringify({
        apiVersion: "apiextensions.k8s.io/v1",
        kind: "CustomResourceDefinition",
        metadata: { name: crdName },
        spec: {
          group,
          scope: "Namespaced",
          names: { kind: "Widget", listKind: "WidgetList", plural, singular: "widget" },
          versions: [
            {
              name: version,
              served: true,
              storage: true,
              schema: {
                openAPIV3Schema: {
                  type: "object",
                  properties: {
                    spec: {
                      type: "object",
                      properties: { size: { type: "integer" }, color: { type: "string" } },
                    },
                  },
                },
              },
            },
          ],
        },
      }),
    });
    expect(apply.code, apply.stderr).toBe(0);
    // Established is not enough for a raw watch: right after it the API server
    // answers watches on the new resource with 429 until its watch cache is up.
    await waitForCrdReady(env.kubeConfig, crdName);

    const namespace = await env.createNamespace();
    const custom = env.kubeConfig.makeApiClient(CustomObjectsApi);
    const path = `/apis/${group}/${version}/namespaces/${namespace}/${plural}`;

    // The informer (list + watch, as sync will use it) ...
    const informerEvents: Array<[string, string | undefined, number | undefined]> = [];
    const informer = makeInformer<Widget>(
      env.kubeConfig,
      path,
      () =>
        custom.listNamespacedCustomObject({ group, version, namespace, plural }) as Promise<
          KubernetesListObject<Widget>
        >,
    );
    informer.on("add", (o) => informerEvents.push(["ADDED", o.metadata?.name, o.spec?.size]));
    informer.on("update", (o) => informerEvents.push(["MODIFIED", o.metadata?.name, o.spec?.size]));
    // ... and a raw watch, which names the event types the API server sends.
    const watchEvents: Array<[string, string | undefined, number | undefined]> = [];
    const watch = await new Watch(env.kubeConfig).watch(
      path,
      {},
      (phase, obj: Widget) => watchEvents.push([phase, obj.metadata?.name, obj.spec?.size]),
      (err) => {
        if (err) watchEvents.push(["ERROR", String(err), undefined]);
      },
    );
    await informer.start();
    try {
      await custom.createNamespacedCustomObject({
        group,
        version,
        namespace,
        plural,
        body: {
          apiVersion: `${group}/${version}`,
          kind: "Widget",
          metadata: { name: "w1" },
          spec: { size: 1, color: "blue" },
        },
      });
      await vi.waitFor(() => expect(informerEvents).toContainEqual(["ADDED", "w1", 1]), { timeout: 10_000 });

      await custom.patchNamespacedCustomObject({
        group,
        version,
        namespace,
        plural,
        name: "w1",
        body: [{ op: "replace", path: "/spec/size", value: 2 }],
      });
      await vi.waitFor(() => expect(informerEvents).toContainEqual(["MODIFIED", "w1", 2]), {
        timeout: 10_000,
      });
      expect(informerEvents).toEqual([
        ["ADDED", "w1", 1],
        ["MODIFIED", "w1", 2],
      ]);
      await vi.waitFor(() => expect(watchEvents).toHaveLength(2), { timeout: 10_000 });
      expect(watchEvents).toEqual([
        ["ADDED", "w1", 1],
        ["MODIFIED", "w1", 2],
      ]);
    } finally {
      await informer.stop();
      watch.abort();
    }

    const get = await env.kubectl(["get", plural, "-n", namespace, "-o", "json"]);
    expect(get.code, get.stderr).toBe(0);
    const list = JSON.parse(get.stdout) as { items: Widget[] };
    expect(list.items.map((w) => [w.metadata?.name, w.spec])).toEqual([["w1", { size: 2, color: "blue" }]]);
  });

  it("keeps every field of the gatekeeper-library templates, at v1, v1beta1 and v1alpha1", async () => {
    // The shared corpus next to the repository (see DESIGN.md).
    const library = resolve(repoRoot, "../shared/corpus/gatekeeper-library/library");
    const files: string[] = [];
    for (const category of await readdir(library, { withFileTypes: true })) {
      if (!category.isDirectory()) continue;
      for (const policy of await readdir(join(library, category.name), { withFileTypes: true })) {
        if (policy.isDirectory()) files.push(join(library, category.name, policy.name, "template.yaml"));
      }
    }
    expect(files.length).toBeGreaterThan(30);
    // kubectl parses the YAML (Go's YAML parser, like a user's `kubectl apply`;
    // some library files trip stricter JS parsers). Client-side dry run gives
    // the objects as sent, before the API server prunes unknown fields.
    const fileArgs = files.flatMap((f) => ["-f", f]);
    const parsed = await env.kubectl(["create", "--dry-run=client", "-o", "json", ...fileArgs]);
    expect(parsed.code, parsed.stderr).toBe(0);
    // One indented JSON document per object: only their own braces start a line.
    const sent = parsed.stdout
      .split(/^(?=\{$)/m)
      .map((doc) => JSON.parse(doc) as { metadata: { name: string }; spec: unknown });
    expect(sent).toHaveLength(files.length);
    const created = await env.kubectl(["create", ...fileArgs]);
    expect(created.code, created.stderr).toBe(0);

    const custom = env.kubeConfig.makeApiClient(CustomObjectsApi);
    const group = "templates.gatekeeper.sh";
    const plural = "constrainttemplates";
    try {
      for (const template of sent) {
        for (const version of ["v1", "v1beta1", "v1alpha1"]) {
          const name = template.metadata.name;
          const stored = (await custom.getClusterCustomObject({ group, version, plural, name })) as {
            spec: unknown;
          };
          expect(stored.spec, `${name} read at ${version}`).toEqual(template.spec);
        }
      }
    } finally {
      await env.kubectl(["delete", "--wait=false", ...fileArgs]);
    }
  });
});
