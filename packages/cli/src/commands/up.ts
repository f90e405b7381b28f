/**
 * `portcullis up`: the whole system on one machine. Starts what it is not
 * given (kube-apiserver + etcd as the test harness builds them, redis-server,
 * nats-server -js), then sync x2 (leader election), webhook x2 behind one
 * address (a TCP round-robin, see up/proxy.ts) registered as the
 * ValidatingWebhookConfiguration, the audit scheduler, 2 workers, the
 * status writer and the dashboard, each a child process with prefixed log
 * lines. Applies the
 * policies in the -f folders, prints `portcullis: ready` once every /readyz
 * is 200, and on SIGINT/SIGTERM stops everything it started.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import {
  detachChildren,
  freePort,
  type KubeEnv,
  kubeBinaries,
  type RedisServer,
  registerValidatingWebhook,
  repoRoot,
  serviceMain,
  startKube,
  startRedisServer,
} from "@portcullis/testkit";
import { bool, type CommandSpec, formatHelp, parseArgs, str, strs, UsageError } from "../lib/args.ts";
import type { CliIO } from "../lib/io.ts";
import { kubectlRunner, loadPolicyManifests, type Nats, startNats } from "../up/infra.ts";
import { type RoundRobin, startRoundRobin } from "../up/proxy.ts";
import { defaultStateFile, type UpState } from "../up/state.ts";
import { type Print, serviceUnit, type Unit } from "../up/supervisor.ts";

export const UP_SPEC: CommandSpec = {
  name: "up",
  usage:
    "up [--kubeconfig FILE] [--redis URL] [--nats URL] [-f DIR]... [--no-examples] [--dashboard-port PORT]",
  summary:
    "Runs the whole system on this machine: a local kube-apiserver + etcd, redis-server and nats-server -js\n" +
    "(unless given), sync x2, webhook x2, audit scheduler + 2 workers + status writer, the dashboard.\n" +
    "Applies the policy resources (CRDs, ConstraintTemplates, constraints, Config, SyncSet) of the -f\n" +
    "folders, prints the dashboard's URL and `portcullis: ready` when every service is ready, and stops\n" +
    "everything on Ctrl-C or SIGTERM.",
  flags: [
    {
      name: "kubeconfig",
      type: "string",
      value: "file",
      description: "use this API server (it must reach webhooks on 127.0.0.1) instead of starting one",
    },
    { name: "redis", type: "string", value: "url", description: "use this Redis instead of starting one" },
    {
      name: "nats",
      type: "string",
      value: "url",
      description: "use this NATS (JetStream) instead of starting one",
    },
    {
      name: "filename",
      short: "f",
      type: "strings",
      value: "dir",
      description: "folder (or file) of policies to apply [default examples/]",
    },
    {
      name: "no-examples",
      type: "boolean",
      description: "apply no policies (ignores the examples/ default)",
    },
    {
      name: "audit-interval",
      type: "string",
      value: "duration",
      description: "time between audit runs [default 60s]",
    },
    {
      name: "audit-chunk-hold",
      type: "string",
      value: "duration",
      description: "fault injection for tests: workers hold each chunk this long (audit --chunk-hold)",
    },
    {
      name: "state-file",
      type: "string",
      value: "file",
      description:
        "where pids, ports and the kubeconfig are written for `portcullis status` [default .cache/up/state.json]",
    },
    {
      name: "dashboard-port",
      type: "string",
      value: "port",
      description: "the dashboard's port on 127.0.0.1 [default: a free one, kept across restarts]",
    },
    { name: "log-level", type: "string", value: "level", description: "services' log level [default info]" },
  ],
  examples: [
    "npm start",
    "portcullis up -f my-policies/ --audit-interval 20s",
    "portcullis up --no-examples",
  ],
};

const INSTALL_NS = "portcullis-system";
const CACHE_NAME = "portcullis";
const WEBHOOK = "validation.gatekeeper.sh";
const LABEL_WEBHOOK = "check-ignore-label.gatekeeper.sh";
const SERVICE_USER = `system:serviceaccount:${INSTALL_NS}:portcullis`;

/** Builds kube-apiserver, kubectl and etcd into .cache/kube the first time, showing the build's output. */
async function ensureKubeBinaries(print: Print): Promise<void> {
  try {
    kubeBinaries();
    return;
  } catch (e) {
    print(`[setup-kube] ${(e as Error).message.split(";")[0]}`);
    print("[setup-kube] building kube-apiserver, kubectl and etcd (the first time takes several minutes)...");
  }
  await new Promise<void>((res, rej) => {
    const child = spawn("bash", [join(repoRoot, "scripts", "setup-kube.sh")], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    const started = Date.now();
    const tick = setInterval(
      () => print(`[setup-kube] still building (${Math.round((Date.now() - started) / 1000)}s)`),
      15_000,
    );
    for (const s of [child.stdout, child.stderr])
      s.setEncoding("utf8").on("data", (d: string) => {
        for (const l of d.split("\n")) if (l.trim()) print(`[setup-kube] ${l}`);
      });
    child.on("error", rej);
    child.on("close", (code) => {
      clearInterval(tick);
      if (code === 0) res();
      else rej(new Error(`scripts/setup-kube.sh exited ${code}`));
    });
  });
  kubeBinaries(); // throws with what is still missing
}

async function waitUntilTrue(
  what: string,
  fn: () => Promise<boolean>,
  timeoutMs: number,
  stop: () => boolean,
) {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (!stop()) {
    try {
      if (await fn()) return;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error("stopping");
}

export async function upCommand(argv: string[], io: CliIO): Promise<number> {
  const args = parseArgs(argv, UP_SPEC);
  if (args.help) {
    io.out(formatHelp(UP_SPEC));
    return 0;
  }
  if (args.positionals.length > 0) throw new UsageError("up", `unexpected argument "${args.positionals[0]}"`);
  const auditInterval = str(args.flags["audit-interval"]) ?? "60s";
  const logLevel = str(args.flags["log-level"]) ?? "info";
  const chunkHold = str(args.flags["audit-chunk-hold"]);
  const dashboardPortFlag = str(args.flags["dashboard-port"]);
  const dashboardPortGiven = dashboardPortFlag === undefined ? 0 : Number(dashboardPortFlag);
  if (!Number.isInteger(dashboardPortGiven) || dashboardPortGiven < 0 || dashboardPortGiven > 65535)
    throw new UsageError("up", `--dashboard-port: not a port: "${dashboardPortFlag}"`);
  const policyPaths = bool(args.flags["no-examples"])
    ? []
    : strs(args.flags.filename).length > 0
      ? strs(args.flags.filename).map((p) => resolve(p))
      : [join(repoRoot, "examples")];
  const stateFile = resolve(str(args.flags["state-file"]) ?? defaultStateFile());
  if (existsSync(stateFile)) {
    try {
      const old = JSON.parse(readFileSync(stateFile, "utf8")) as UpState;
      process.kill(old.pid, 0);
      io.err(
        `portcullis up: another one is running (pid ${old.pid}, ${stateFile}); stop it or pass --state-file`,
      );
      return 1;
    } catch {}
  }

  const print: Print = (line) => io.out(line);
  // A terminal's Ctrl-C then reaches only this process, which stops the children in order.
  detachChildren(true);
  const started = Date.now();
  let stopping = false;
  const units: Unit[] = [];
  const cleanups: (() => Promise<void>)[] = []; // infrastructure, stopped in reverse order after the units
  let removeWebhooks: (() => Promise<void>)[] = [];
  let done!: (code: number) => void;
  const finished = new Promise<number>((r) => (done = r));

  const shutdown = async (why: string, code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    print(`portcullis: stopping (${why})`);
    const bounded = (p: Promise<unknown>) =>
      Promise.race([p.catch(() => {}), new Promise((r) => setTimeout(r, 5000))]);
    await Promise.all(removeWebhooks.map((r) => bounded(r())));
    await Promise.all(units.map((u) => u.stop().catch(() => {})));
    for (const c of cleanups.reverse())
      await c().catch((e) => print(`portcullis: cleanup: ${(e as Error).message}`));
    await rm(stateFile, { force: true });
    print("portcullis: stopped");
    done(code);
  };
  const onSignal = (sig: string) => () => {
    if (stopping) {
      print(`portcullis: ${sig} again, exiting now`);
      process.exit(130);
    }
    void shutdown(sig, 0);
  };
  const onInt = onSignal("SIGINT");
  const onTerm = onSignal("SIGTERM");
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onTerm);

  const work = await mkdtemp(join(tmpdir(), "portcullis-up-"));
  cleanups.push(() => rm(work, { recursive: true, force: true }));

  const startup = async (): Promise<void> => {
    // Kubernetes
    let adminKubeconfig: string;
    let serviceKubeconfig: string;
    let kubectlPath: string;
    let caPem: string;
    let serving: { certPath: string; keyPath: string };
    let kube: KubeEnv | undefined;
    const given = str(args.flags.kubeconfig);
    const redisGiven = str(args.flags.redis);
    const natsGiven = str(args.flags.nats);
    // The API server, Redis and NATS start side by side.
    const redisP: Promise<RedisServer | undefined> = redisGiven
      ? Promise.resolve(undefined)
      : startRedisServer();
    const natsP: Promise<Nats | undefined> = natsGiven ? Promise.resolve(undefined) : startNats(work, print);
    const track = <T extends { stop(): Promise<void> } | undefined>(p: Promise<T>): Promise<T> =>
      p.then((v) => {
        if (v) cleanups.push(() => v.stop());
        return v;
      });
    const infra = Promise.all([track(redisP), track(natsP)]);
    infra.catch(() => {});
    if (given) {
      adminKubeconfig = serviceKubeconfig = resolve(given);
      try {
        kubectlPath = kubeBinaries().kubectl;
      } catch {
        kubectlPath = "kubectl";
      }
      const kc = new KubeConfig();
      kc.loadFromFile(adminKubeconfig);
      const { createTestCa } = await import("@portcullis/testkit");
      const pki = join(work, "pki");
      await mkdir(pki);
      const ca = await createTestCa(pki);
      caPem = ca.certPem;
      serving = await ca.issue({
        name: "webhook",
        commonName: "portcullis-webhook",
        usage: "server",
        ips: ["127.0.0.1"],
        dnsNames: ["localhost"],
      });
      const kubectl = kubectlRunner(kubectlPath, adminKubeconfig);
      const crds = await kubectl(["apply", "-f", join(repoRoot, "deploy", "crds")]);
      if (crds.code !== 0) throw new Error(`installing the CRDs: ${crds.stderr}`);
    } else {
      await ensureKubeBinaries(print);
      if (stopping) return;
      print("[kube] starting etcd and kube-apiserver...");
      kube = await startKube();
      cleanups.push(() => kube!.stop());
      if (stopping) return;
      print(
        `[kube] kube-apiserver ${kube.version} on ${kube.server} (etcd ${kube.etcdVersion}, ready in ${Math.round(kube.timings.totalMs)} ms; logs in ${kube.dir})`,
      );
      adminKubeconfig = kube.kubeconfigPath;
      kubectlPath = kubeBinaries().kubectl;
      caPem = kube.ca.certPem;
      serving = await kube.issueServingCert();
      // The services run as the chart's ServiceAccount would (the webhook lets that user through unreviewed).
      serviceKubeconfig = (await kube.userKubeConfig(SERVICE_USER, ["system:masters"])).kubeconfigPath;
    }
    const [redis, nats] = await infra;
    const redisUrl = redisGiven ?? redis!.url;
    const natsUrl = natsGiven ?? nats!.url;
    if (redis) print(`[redis] redis-server on ${redisUrl} (log ${redis.process.logPath})`);
    const kubectl = kubectlRunner(kubectlPath, adminKubeconfig);
    const ns = await kubectl(["create", "namespace", INSTALL_NS]);
    if (ns.code !== 0 && !/AlreadyExists/.test(ns.stderr))
      throw new Error(`creating ${INSTALL_NS}: ${ns.stderr}`);
    if (stopping) return;

    // Services
    const common = ["--health-addr", "127.0.0.1", "--health-port", "0", "--log-level", logLevel];
    const state = (): UpState => ({
      pid: process.pid,
      kubeconfig: adminKubeconfig,
      kubectl: kubectlPath,
      redisUrl,
      natsUrl,
      webhookPort: proxy?.port,
      dashboardUrl,
      natsPid: nats?.pid(),
      units: units.map((u) => u.info()),
    });
    const writeState = (): void => {
      void mkdir(dirname(stateFile), { recursive: true })
        .then(() => writeFile(stateFile, `${JSON.stringify(state(), null, 2)}\n`))
        .catch(() => {});
    };
    let proxy: RoundRobin | undefined;
    let dashboardUrl: string | undefined;
    const add = (name: string, service: string, flags: string[]): Unit => {
      const u = serviceUnit({
        name,
        main: serviceMain(service),
        args: [...flags, ...common],
        print,
        onChange: writeState,
        startTimeoutMs: 60_000,
      });
      units.push(u);
      return u;
    };
    // A fixed port, so a restarted dashboard keeps the URL printed below. Started first: the
    // probed port is free now, but another unit binding port 0 could take it before a later start.
    const dashboardPort = dashboardPortGiven || (await freePort());
    dashboardUrl = `http://127.0.0.1:${dashboardPort}/`;
    // biome-ignore format: flag list
    add("dashboard", "dashboard", [
      "--redis-url", redisUrl, "--cache-name", CACHE_NAME, "--nats-url", natsUrl,
      "--addr", "127.0.0.1", "--port", String(dashboardPort),
    ]);
    for (const n of [0, 1])
      // biome-ignore format: flag list
      add(`sync-${n}`, "sync", [
        "--kubeconfig", serviceKubeconfig, "--redis-url", redisUrl, "--cache-name", CACHE_NAME,
        "--namespace", INSTALL_NS, // identity: <host>-<pid>, so a restarted replica is a new candidate
        "--lease-duration", "6s", "--renew-deadline", "4s", "--retry-period", "1s",
      ]);
    const webhooks = [0, 1].map((n) =>
      // biome-ignore format: flag list
      add(`webhook-${n}`, "webhook", [
        "--redis-url", redisUrl, "--cache-name", CACHE_NAME, "--nats-url", natsUrl,
        "--tls-cert-file", serving.certPath, "--tls-key-file", serving.keyPath,
        "--addr", "127.0.0.1", "--port", "0", "--namespace", INSTALL_NS,
        "--exempt-namespace", `${INSTALL_NS},kube-system`,
      ]),
    );
    // biome-ignore format: flag list
    const audit = ["--kubeconfig", serviceKubeconfig, "--redis-url", redisUrl, "--cache-name", CACHE_NAME, "--nats-url", natsUrl];
    add("audit-scheduler", "audit", [
      "--role",
      "audit-scheduler",
      ...audit,
      "--audit-interval",
      auditInterval,
    ]);
    for (const n of [0, 1])
      add(`audit-worker-${n}`, "audit", [
        "--role",
        "audit-worker",
        ...audit,
        "--lock-duration",
        "10s",
        "--stalled-interval",
        "5s",
        ...(chunkHold ? ["--chunk-hold", chunkHold] : []),
      ]);
    add("status-writer", "audit", ["--role", "status-writer", ...audit]);
    await Promise.all(units.map((u) => u.started));
    if (stopping) return;

    // One address for both webhook replicas, registered once they have loaded the cache.
    proxy = await startRoundRobin(() => webhooks.map((w) => w.info().port));
    const p = proxy;
    cleanups.push(() => p.close());
    await waitUntilTrue(
      "the webhooks' /readyz",
      async () => (await Promise.all(webhooks.map((w) => w.ready()))).every(Boolean),
      60_000,
      () => stopping,
    );
    const url = (path: string) => `https://127.0.0.1:${p.port}${path}`;
    const kc = new KubeConfig();
    kc.loadFromFile(adminKubeconfig);
    const exempt = {
      key: "kubernetes.io/metadata.name",
      operator: "NotIn",
      values: [INSTALL_NS, "kube-system"],
    };
    const main = await registerValidatingWebhook(kc, {
      name: WEBHOOK,
      url: url("/v1/admit"),
      caBundlePem: caPem,
      rules: [
        {
          apiGroups: ["*"],
          apiVersions: ["*"],
          operations: ["CREATE", "UPDATE"],
          resources: ["*"],
          scope: "*",
        },
      ],
      namespaceSelector: {
        matchExpressions: [{ key: "admission.gatekeeper.sh/ignore", operator: "DoesNotExist" }, exempt],
      },
      failurePolicy: "Fail",
      timeoutSeconds: 5,
    });
    const label = await registerValidatingWebhook(kc, {
      name: LABEL_WEBHOOK,
      url: url("/v1/admitlabel"),
      caBundlePem: caPem,
      rules: [
        {
          apiGroups: [""],
          apiVersions: ["*"],
          operations: ["CREATE", "UPDATE"],
          resources: ["namespaces"],
          scope: "*",
        },
      ],
      namespaceSelector: {
        matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "NotIn", values: [INSTALL_NS] }],
      },
      failurePolicy: "Fail",
      timeoutSeconds: 5,
    });
    // Left behind on a cluster we did not start, a failurePolicy: Fail webhook would block it.
    if (given) removeWebhooks = [main.remove, label.remove];
    print(
      `[webhook] ValidatingWebhookConfigurations ${WEBHOOK} and ${LABEL_WEBHOOK} -> ${url("/v1/admit")} (round-robin over webhook-0 and webhook-1)`,
    );
    writeState();

    // Policies
    if (policyPaths.length > 0) await applyPolicies(policyPaths, kubectl, print, () => stopping);
    if (stopping) return;

    await waitUntilTrue(
      "every service's /readyz",
      async () => (await Promise.all(units.map((u) => u.ready()))).every(Boolean),
      120_000,
      () => stopping,
    );
    writeState();
    print("");
    print(`export KUBECONFIG=${adminKubeconfig}`);
    print(`export PATH=${dirname(kubectlPath)}:$PATH   # kubectl ${kubectlPath}`);
    print(
      `# ${units.length} services, Redis ${redisUrl}, NATS ${natsUrl}; \`portcullis status\` for templates and constraints`,
    );
    print(`dashboard: ${dashboardUrl}`);
    print(`portcullis: ready (${((Date.now() - started) / 1000).toFixed(1)}s)`);
  };

  startup().catch((e) => {
    if (stopping) return;
    print(`portcullis: up failed: ${(e as Error).stack ?? String(e)}`);
    void shutdown("error", 1);
  });
  const code = await finished;
  process.off("SIGINT", onInt);
  process.off("SIGTERM", onTerm);
  return code;
}

async function applyPolicies(
  paths: string[],
  kubectl: ReturnType<typeof kubectlRunner>,
  print: Print,
  stopping: () => boolean,
): Promise<void> {
  const m = await loadPolicyManifests(paths);
  const apply = async (yaml: string[], what: string): Promise<void> => {
    if (yaml.length === 0) return;
    // Retried: a constraint is refused until its template's CRD exists and the webhook knows the template.
    await waitUntilTrue(
      what,
      async () => {
        const r = await kubectl(["apply", "-f", "-"], yaml.join("\n---\n"));
        if (r.code !== 0) throw new Error(r.stderr.trim());
        for (const l of r.stdout.trim().split("\n")) if (l) print(`[apply] ${l}`);
        return true;
      },
      90_000,
      stopping,
    );
  };
  await apply(m.crds, "CRDs to apply");
  await apply(
    m.templates.map((t) => t.yaml),
    "ConstraintTemplates to apply",
  );
  for (const { kind } of m.templates) {
    if (!kind) continue;
    const crd = `${kind.toLowerCase()}.constraints.gatekeeper.sh`;
    await waitUntilTrue(
      `crd/${crd} (created by sync)`,
      async () =>
        (await kubectl(["wait", "--for", "condition=Established", "--timeout", "5s", `crd/${crd}`])).code ===
        0,
      90_000,
      stopping,
    );
  }
  await apply(m.rest, "constraints to apply");
  if (m.skipped.length > 0)
    print(
      `[apply] skipped ${m.skipped.length} non-policy documents (gator suites and sample objects), e.g. ${m.skipped[0]}`,
    );
}
