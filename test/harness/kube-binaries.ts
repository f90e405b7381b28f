import { execFileSync } from "node:child_process";
import { accessSync, constants, readFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (test/harness/ is two levels down). */
export const repoRoot: string = fileURLToPath(new URL("../..", import.meta.url));

export interface KubeBinaries {
  /** The pinned Kubernetes version, e.g. "v1.36.3". */
  version: string;
  kubeApiserver: string;
  kubectl: string;
  etcd: string;
  /** From `etcd --version`, e.g. "3.6.8" (built) or "3.4.23" (Debian's etcd-server). */
  etcdVersion: string;
}

const isExecutable = (path: string): boolean => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/**
 * The pinned version lives in one place, scripts/setup-kube.sh (which builds
 * it); reading it from there keeps the harness from looking for a stale one.
 */
export function pinnedKubeVersion(): string {
  const script = join(repoRoot, "scripts", "setup-kube.sh");
  const match = /^KUBE_VERSION="(v[^"]+)"/m.exec(readFileSync(script, "utf8"));
  if (!match) throw new Error(`could not find KUBE_VERSION="v..." in ${script}`);
  return match[1]!;
}

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir && isExecutable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

function etcdVersionOf(etcd: string): string {
  const out = execFileSync(etcd, ["--version"], { encoding: "utf8" });
  const match = /etcd Version: (\S+)/.exec(out);
  if (!match) throw new Error(`could not read the version from \`${etcd} --version\`: ${out}`);
  return match[1]!;
}

/**
 * Finds kube-apiserver, kubectl and etcd built by scripts/setup-kube.sh into
 * .cache/kube/<version>/; for etcd, PORTCULLIS_ETCD comes first and an etcd on
 * PATH (Debian's etcd-server) is the fallback. Throws an
 * Error naming exactly what is missing and how to get it: the tests that need
 * an API server must fail with that message, not skip.
 */
export function kubeBinaries(): KubeBinaries {
  const version = pinnedKubeVersion();
  const cache = process.env.PORTCULLIS_CACHE || join(repoRoot, ".cache");
  const dir = join(cache, "kube", version);
  const kubeApiserver = join(dir, "kube-apiserver");
  const kubectl = join(dir, "kubectl");
  const builtEtcd = join(dir, "etcd");
  const etcd = process.env.PORTCULLIS_ETCD || (isExecutable(builtEtcd) ? builtEtcd : findOnPath("etcd"));
  const missing: string[] = [];
  if (!isExecutable(kubeApiserver)) missing.push(`kube-apiserver ${version} (expected at ${kubeApiserver})`);
  if (!isExecutable(kubectl)) missing.push(`kubectl ${version} (expected at ${kubectl})`);
  const howToBuild =
    "build them with `bash scripts/setup-kube.sh` (needs Go >= 1.26 on PATH and the Go module proxy; " +
    "the first build takes several minutes, later runs reuse .cache/kube)";
  if (missing.length > 0 && etcd === undefined) {
    throw new Error(
      `Kubernetes test binaries missing: ${missing.join(", ")}; ${howToBuild}. ` +
        "That also builds the missing etcd (or install Debian's etcd-server: `apt-get install etcd-server`).",
    );
  }
  if (missing.length > 0)
    throw new Error(`Kubernetes test binaries missing: ${missing.join(", ")}; ${howToBuild}.`);
  if (etcd === undefined) {
    throw new Error(
      `etcd not found at ${builtEtcd} nor on PATH: build it with \`bash scripts/setup-kube.sh\` (needs Go), ` +
        "install Debian's etcd-server (`apt-get install etcd-server`), or point PORTCULLIS_ETCD at an etcd binary.",
    );
  }
  return { version, kubeApiserver, kubectl, etcd, etcdVersion: etcdVersionOf(etcd) };
}
