/*
 * A real Kubernetes API server for tests (what Go's envtest does): etcd and
 * kube-apiserver, built by scripts/setup-kube.sh, on loopback ports with a
 * throwaway CA, admin client-cert auth, RBAC, and the project's CRDs.
 *
 *   let kube: KubeEnv;
 *   beforeAll(async () => { kube = await startKube(); }, 180_000);
 *   afterAll(() => kube?.stop());
 *   it("...", async () => { const ns = await kube.createNamespace(); ... });
 *
 * No controller-manager or scheduler runs: nothing garbage-collects, deletes
 * a namespace's contents (namespaces stay Terminating), creates
 * ServiceAccounts or schedules Pods. Set PORTCULLIS_KEEP_KUBE=1 to keep the
 * temp dir (logs, kubeconfig) after stop().
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { type KubeBinaries, kubeBinaries } from "./kube-binaries.ts";
import { installCrds, loadCrds } from "./kube-crds.ts";
import { type CertAndKey, createTestCa, type TestCa, writeServiceAccountKeys } from "./kube-pki.ts";
import { freePort, loopbackEnv, type ManagedProcess, startProcess, waitUntil } from "./kube-process.ts";
import {
  type RegisteredWebhook,
  registerValidatingWebhook,
  type ValidatingWebhookOptions,
} from "./kube-webhook.ts";

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface KubeTimings {
  /** etcd spawned until /health answers. */
  etcdMs: number;
  /** kube-apiserver spawned until /readyz is ok. */
  apiserverMs: number;
  /** The project's CRDs created until all are Established. */
  crdsMs: number;
  /** startKube() called until it resolves. */
  totalMs: number;
}

export interface KubeEnv {
  /** Kubernetes version of the API server, e.g. "v1.36.3". */
  version: string;
  /** etcd's version, e.g. "3.6.8". */
  etcdVersion: string;
  /** "https://127.0.0.1:<port>" */
  server: string;
  /** A kubeconfig for the admin user (client certificate, group system:masters). */
  kubeconfigPath: string;
  kubeConfig: KubeConfig;
  /** The CA behind the API server's serving cert, its client certs, and issueServingCert(). */
  ca: CertAndKey;
  /** The temp dir holding etcd data, certs, kubeconfigs and logs (removed by stop()). */
  dir: string;
  timings: KubeTimings;
  /** Runs the built kubectl against this API server; never throws on a non-zero exit. */
  kubectl(args: string[], options?: { input?: string; timeoutMs?: number }): Promise<KubectlResult>;
  /** Creates a fresh uniquely named namespace and returns its name. */
  createNamespace(options?: { prefix?: string; labels?: Record<string, string> }): Promise<string>;
  /** Registers a ValidatingWebhookConfiguration and waits until the API server calls it. */
  registerValidatingWebhook(options: ValidatingWebhookOptions): Promise<RegisteredWebhook>;
  /** A serving cert from the harness CA (default SAN IP:127.0.0.1, DNS:localhost), for local webhooks. */
  issueServingCert(options?: { ips?: string[]; dnsNames?: string[] }): Promise<CertAndKey>;
  /** A kubeconfig for another user (client cert with O=groups), to test RBAC. */
  userKubeConfig(
    user: string,
    groups?: string[],
  ): Promise<{ kubeconfigPath: string; kubeConfig: KubeConfig }>;
  /** Kills kube-apiserver and etcd and removes `dir` (kept if PORTCULLIS_KEEP_KUBE=1). Idempotent. */
  stop(): Promise<void>;
}

/* tmpfs when there is one: etcd fsyncs every write, and on a real disk that
 * dominates the API server's startup and every test's latency. */
function baseTmpDir(): string {
  if (process.env.PORTCULLIS_KUBE_TMPDIR) return process.env.PORTCULLIS_KUBE_TMPDIR;
  return existsSync("/dev/shm") ? "/dev/shm" : tmpdir();
}

/**
 * kube-apiserver only asks etcd >= 3.4.31 (3.5.13) for watch progress, so an
 * older etcd such as Debian's 3.4.23 must volunteer it: otherwise a watch
 * cache whose resource sees no writes never learns etcd's newer revision, and
 * a watch without a resourceVersion fails after 3s with 504 "Too large
 * resource version". The etcd built by setup-kube.sh (3.6) needs nothing.
 */
function etcdCompatFlags(version: string): string[] {
  const [major = 0, minor = 0, patch = 0] = version.split(".").map((n) => Number.parseInt(n, 10));
  const old =
    major < 3 || (major === 3 && (minor < 4 || (minor === 4 && patch < 31) || (minor === 5 && patch < 13)));
  return old ? ["--experimental-watch-progress-notify-interval", "100ms"] : [];
}

const SERVICE_CIDR = "10.0.0.0/24";
const SERVICE_IP = "10.0.0.1"; // the `kubernetes` Service: first IP of SERVICE_CIDR

interface Tls {
  ca: string;
  cert: string;
  key: string;
}

function httpsGet(url: string, tls: Tls): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ...tls, timeout: 2000 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on("error", reject);
    req.end();
  });
}

function kubeconfigJson(server: string, ca: CertAndKey, user: string, client: CertAndKey): string {
  const b64 = (pem: string): string => Buffer.from(pem).toString("base64");
  return JSON.stringify(
    {
      apiVersion: "v1",
      kind: "Config",
      clusters: [
        { name: "portcullis-test", cluster: { server, "certificate-authority-data": b64(ca.certPem) } },
      ],
      users: [
        {
          name: user,
          user: { "client-certificate-data": b64(client.certPem), "client-key-data": b64(client.keyPem) },
        },
      ],
      contexts: [{ name: "portcullis-test", context: { cluster: "portcullis-test", user } }],
      "current-context": "portcullis-test",
    },
    null,
    2,
  );
}

function runKubectl(
  bins: KubeBinaries,
  baseArgs: string[],
  args: string[],
  options: { input?: string; timeoutMs?: number },
): Promise<KubectlResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(bins.kubectl, [...baseArgs, ...args], {
      env: loopbackEnv(),
      timeout: options.timeoutMs ?? 60_000,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code, signal) =>
      resolve({
        code: code ?? 128,
        stdout,
        stderr: signal ? `${stderr}\n(kubectl killed by ${signal})` : stderr,
      }),
    );
    child.stdin.end(options.input ?? "");
  });
}

/**
 * Starts etcd and kube-apiserver on free loopback ports in a fresh temp dir,
 * waits for /readyz, installs the project's CRDs from deploy/crds/ and waits
 * for them to be Established. Share one per test file (beforeAll/afterAll)
 * and give each test its own namespace (createNamespace()). Throws, naming
 * what is missing, if the binaries are not built: tests must not skip.
 */
export async function startKube(): Promise<KubeEnv> {
  // freePort() closes its probe socket before etcd/kube-apiserver bind, so
  // another process (another test file's API server) can take the port in
  // between; that failure is retried on new ports.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startKubeOnce();
    } catch (error) {
      if (attempt >= 3 || !/address already in use/.test(String(error))) throw error;
    }
  }
}

async function startKubeOnce(): Promise<KubeEnv> {
  const started = performance.now();
  const bins = kubeBinaries();
  const dir = await mkdtemp(join(baseTmpDir(), "portcullis-kube-"));
  const processes: ManagedProcess[] = [];
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    // API server first, so it does not spend its shutdown retrying a dead etcd.
    for (const p of [...processes].reverse()) await p.stop();
    if (process.env.PORTCULLIS_KEEP_KUBE !== "1") await rm(dir, { recursive: true, force: true });
  };

  try {
    const [etcdPort, etcdPeerPort, apiPort] = await Promise.all([freePort(), freePort(), freePort()]);
    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    const peerUrl = `http://127.0.0.1:${etcdPeerPort}`;
    const etcdStarted = performance.now();
    // biome-ignore format: flag list
    const etcd = startProcess("etcd", bins.etcd, [
      "--name", "portcullis", "--data-dir", join(dir, "etcd"),
      "--listen-client-urls", etcdUrl, "--advertise-client-urls", etcdUrl,
      "--listen-peer-urls", peerUrl, "--initial-advertise-peer-urls", peerUrl,
      "--initial-cluster", `portcullis=${peerUrl}`,
      "--logger", "zap", "--log-level", "warn",
      ...etcdCompatFlags(bins.etcdVersion),
    ], join(dir, "etcd.log"));
    processes.push(etcd);

    // Certificates are made while etcd starts.
    const pki = join(dir, "pki");
    await mkdir(pki);
    const ca: TestCa = await createTestCa(pki);
    const [serving, admin, sa] = await Promise.all([
      ca.issue({
        name: "apiserver",
        commonName: "kube-apiserver",
        usage: "server",
        ips: ["127.0.0.1", SERVICE_IP],
        dnsNames: ["localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc"],
      }),
      ca.issue({
        name: "admin",
        commonName: "portcullis-admin",
        organizations: ["system:masters"],
        usage: "client",
      }),
      writeServiceAccountKeys(pki),
    ]);

    await waitUntil(
      `etcd ${etcdUrl}/health`,
      async () => {
        const res = await fetch(`${etcdUrl}/health`);
        return res.ok && ((await res.json()) as { health?: string }).health === "true" ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 50, process: etcd },
    );
    const etcdMs = performance.now() - etcdStarted;

    const server = `https://127.0.0.1:${apiPort}`;
    const apiStarted = performance.now();
    // biome-ignore format: flag list
    const apiserver = startProcess("kube-apiserver", bins.kubeApiserver, [
      "--etcd-servers", etcdUrl,
      "--bind-address", "127.0.0.1", "--advertise-address", "127.0.0.1", "--secure-port", String(apiPort),
      "--cert-dir", pki,
      "--tls-cert-file", serving.certPath, "--tls-private-key-file", serving.keyPath,
      "--client-ca-file", ca.certPath,
      "--service-cluster-ip-range", SERVICE_CIDR,
      "--service-account-issuer", "https://kubernetes.default.svc",
      "--service-account-key-file", sa.publicKeyPath,
      "--service-account-signing-key-file", sa.privateKeyPath,
      "--authorization-mode", "RBAC",
      "--allow-privileged=true",
      // No controller-manager runs, so no namespace gets a `default`
      // ServiceAccount; the ServiceAccount admission plugin would then reject
      // every Pod. Tests create Pods as plain objects, so it is switched off.
      "--disable-admission-plugins", "ServiceAccount",
      "--profiling=false",
    ], join(dir, "kube-apiserver.log"));
    processes.push(apiserver);

    const tls: Tls = { ca: ca.certPem, cert: admin.certPem, key: admin.keyPem };
    await waitUntil(
      `kube-apiserver ${server}/readyz`,
      async () => {
        const res = await httpsGet(`${server}/readyz`, tls);
        if (res.status === 200) return true;
        throw new Error(`/readyz ${res.status}: ${res.body.slice(0, 2000)}`);
      },
      { timeoutMs: 90_000, intervalMs: 100, process: apiserver },
    );
    const apiserverMs = performance.now() - apiStarted;

    const kubeconfigPath = join(dir, "kubeconfig");
    await writeFile(kubeconfigPath, kubeconfigJson(server, ca, "portcullis-admin", admin), { mode: 0o600 });
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(kubeconfigPath);

    const crdsStarted = performance.now();
    await installCrds(kubeConfig, await loadCrds());
    const crdsMs = performance.now() - crdsStarted;

    const core = kubeConfig.makeApiClient(CoreV1Api);
    let namespaces = 0;
    // A private discovery cache: kubectl's default in ~/.kube/cache would be
    // shared across API servers that reuse ports.
    const kubectlBase = ["--kubeconfig", kubeconfigPath, "--cache-dir", join(dir, "kubectl-cache")];
    let users = 0;

    return {
      version: bins.version,
      etcdVersion: bins.etcdVersion,
      server,
      kubeconfigPath,
      kubeConfig,
      ca,
      dir,
      timings: { etcdMs, apiserverMs, crdsMs, totalMs: performance.now() - started },
      kubectl: (args, options = {}) => runKubectl(bins, kubectlBase, args, options),
      createNamespace: async (options = {}) => {
        const name = `${options.prefix ?? "test"}-${++namespaces}-${randomBytes(3).toString("hex")}`;
        await core.createNamespace({ body: { metadata: { name, labels: options.labels ?? {} } } });
        return name;
      },
      registerValidatingWebhook: (options) => registerValidatingWebhook(kubeConfig, options),
      issueServingCert: (options = {}) =>
        ca.issue({
          name: `serving-${randomBytes(4).toString("hex")}`,
          commonName: "portcullis-test-webhook",
          usage: "server",
          ips: options.ips ?? ["127.0.0.1"],
          dnsNames: options.dnsNames ?? ["localhost"],
        }),
      userKubeConfig: async (user, groups = []) => {
        const client = await ca.issue({
          name: `user-${++users}`,
          commonName: user,
          organizations: groups,
          usage: "client",
        });
        const path = join(dir, `kubeconfig-user-${users}`);
        await writeFile(path, kubeconfigJson(server, ca, user, client), { mode: 0o600 });
        const kc = new KubeConfig();
        kc.loadFromFile(path);
        return { kubeconfigPath: path, kubeConfig: kc };
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
