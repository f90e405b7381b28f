import { readdirSync, readFileSync } from "node:fs";
import type { V1CustomResourceDefinition } from "@kubernetes/client-node";
import type { KubeEnv } from "@portcullis/testkit";

/** Polls `check` until it returns a truthy value; throws with `what` after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A namespaced CRD with an open schema, group `<name>.kubetest.portcullis.dev`, version v1. */
export function testCrd(kind: string): V1CustomResourceDefinition {
  const plural = `${kind.toLowerCase()}s`;
  const group = `${kind.toLowerCase()}.kubetest.portcullis.dev`;
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      scope: "Namespaced",
      names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
      versions: [
        {
          name: "v1",
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: "object", x_kubernetes_preserve_unknown_fields: true } },
        },
      ],
    },
  };
}

/** The client URL of the harness's etcd, found from its command line (its --data-dir is under kube.dir). */
export function etcdUrl(kube: KubeEnv): string {
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    let args: string[];
    try {
      args = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    } catch {
      continue;
    }
    const dataDir = args.indexOf("--data-dir");
    const urls = args.indexOf("--listen-client-urls");
    if (dataDir >= 0 && urls >= 0 && args[dataDir + 1] === `${kube.dir}/etcd`) {
      return args[urls + 1]!.split(",")[0]!;
    }
  }
  throw new Error(`no etcd process with --data-dir ${kube.dir}/etcd`);
}

/** Compacts etcd's history up to its current revision (what kube-apiserver does every 5 min). */
export async function compactEtcd(kube: KubeEnv): Promise<number> {
  const url = etcdUrl(kube);
  const post = async (path: string, body: unknown): Promise<{ header: { revision: string } }> => {
    const res = await fetch(`${url}${path}`, { method: "POST", body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`etcd ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as { header: { revision: string } };
  };
  const { header } = await post("/v3/kv/range", { key: Buffer.from("/").toString("base64") });
  await post("/v3/kv/compaction", { revision: header.revision, physical: true });
  return Number(header.revision);
}
