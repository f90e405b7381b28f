/*
 * The chart against a real kube-apiserver (the harness): kubeconform with
 * schemas from this API server's OpenAPI and the CRDs; server-side dry-run of
 * every value set; then `helm install` semantics without images: the chart's
 * RBAC and webhook configuration applied for real (the dashboard value set:
 * TokenReview auth on), and sync, webhook, the audit services and the
 * dashboard run from the production tree under the chart's ServiceAccounts
 * (impersonation), admitting and denying the seed scenario and showing it.
 */
import { randomBytes, X509Certificate } from "node:crypto";
import { mkdir, mkdtemp, readFile, realpath, rename, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type KubeEnv, natsUrl, redisUrl, repoRoot, startKube, waitFor } from "../harness/index.ts";
import {
  find,
  kubeconform,
  type Manifest,
  one,
  render,
  run,
  schemaFileName,
  schemaLocationTemplate,
  VALUE_SETS,
  writeCrdSchemas,
  writeOpenApiSchemas,
} from "./chart.ts";
import {
  buildProdTree,
  containerEnv,
  impersonatingKubeconfig,
  startFromTree,
  type TreeProcess,
} from "./tree.ts";

const CERT_MANAGER_CRDS = join(import.meta.dirname, "fixtures", "cert-manager-crds.yaml");
const CRD_FILES = [
  "configs.config.gatekeeper.sh.yaml",
  "constrainttemplates.templates.gatekeeper.sh.yaml",
  "syncsets.syncset.gatekeeper.sh.yaml",
].map((f) => join(repoRoot, "deploy", "crds", f));

let kube: KubeEnv;
let work: string;
let tree: string;
let treeBuilt: Promise<void>;
const processes: TreeProcess[] = [];

beforeAll(async () => {
  work = await realpath(await mkdtemp(join(tmpdir(), "portcullis-deploy-")));
  tree = join(work, "tree");
  treeBuilt = buildProdTree(tree);
  treeBuilt.catch(() => {});
  kube = await startKube();
  const cm = await kube.kubectl(["apply", "-f", CERT_MANAGER_CRDS]);
  if (cm.code !== 0) throw new Error(cm.stderr);
  await kube.kubectl([
    "wait",
    "--for=condition=Established",
    "crd/certificates.cert-manager.io",
    "crd/issuers.cert-manager.io",
  ]);
}, 300_000);

afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop()));
  await kube?.stop();
  if (work) await rm(work, { recursive: true, force: true });
}, 60_000);

async function kubectlOk(args: string[], input?: string): Promise<string> {
  const res = await kube.kubectl(args, input !== undefined ? { input } : {});
  if (res.code !== 0) throw new Error(`kubectl ${args.join(" ")} failed: ${res.stderr}`);
  return res.stdout;
}

/** Writes a Secret's files into dir/<stamp>/ and points dir/..data at it atomically, as the kubelet does. */
async function mountSecret(
  dir: string,
  stamp: string,
  cert: { certPem: string; keyPem: string },
): Promise<void> {
  await mkdir(join(dir, stamp), { recursive: true });
  await writeFile(join(dir, stamp, "tls.crt"), cert.certPem);
  await writeFile(join(dir, stamp, "tls.key"), cert.keyPem);
  await symlink(stamp, join(dir, "..data_tmp"));
  await rename(join(dir, "..data_tmp"), join(dir, "..data"));
}

/** The serial number of the certificate a TLS server on 127.0.0.1:port presents. */
function servedSerial(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port, rejectUnauthorized: false }, () => {
      const serial = socket.getPeerCertificate().serialNumber;
      socket.end();
      resolve(serial);
    });
    socket.on("error", reject);
  });
}

describe("kubeconform", () => {
  it("passes every rendered manifest of every value set (strict, local schemas, CRDs by their schemas)", async () => {
    const dir = join(work, "schemas");
    const rendered: Record<string, { yaml: string; docs: Manifest[] }> = {};
    for (const [name, files] of Object.entries(VALUE_SETS))
      rendered[name] = await render(files, { includeCrds: true });
    const crdSchemas = await writeCrdSchemas([...CRD_FILES, CERT_MANAGER_CRDS], dir);
    const wanted = new Set<string>();
    for (const { docs } of Object.values(rendered))
      for (const d of docs)
        if (!crdSchemas.includes(schemaFileName(d.apiVersion, d.kind)))
          wanted.add(`${d.apiVersion} ${d.kind}`);
    const openapi = JSON.parse(await kubectlOk(["get", "--raw", "/openapi/v2"]));
    const missing = await writeOpenApiSchemas(openapi, wanted, dir);
    expect([...missing]).toEqual([]);

    for (const [name, { yaml, docs }] of Object.entries(rendered)) {
      const file = join(work, `${name}.yaml`);
      await writeFile(file, yaml);
      const version = kube.version.replace(/^v/, "");
      const res = await kubeconform([
        "-strict",
        "-summary",
        "-output",
        "json",
        "-kubernetes-version",
        version,
        "-schema-location",
        schemaLocationTemplate(dir),
        file,
      ]);
      const out = JSON.parse(res.stdout || "{}");
      expect(res.code, `${name}: ${res.stdout}${res.stderr}`).toBe(0);
      expect(out.summary, name).toMatchObject({ valid: docs.length, invalid: 0, errors: 0, skipped: 0 });
    }

    // The schemas are strict: an unknown field in a Deployment and a bad enum in a ConstraintTemplate fail.
    const bad = join(work, "bad.yaml");
    await writeFile(
      bad,
      rendered.defaults!.yaml.replace("revisionHistoryLimit: 5", "revisionHistoryLimit: 5\n  replica: 2") +
        "\n---\napiVersion: config.gatekeeper.sh/v1alpha1\nkind: Config\nmetadata: {name: config}\nspec: {sync: {syncOnly: [{group: '', version: v1, kind: Pod, extra: 1}]}}\n",
    );
    const res = await kubeconform([
      "-strict",
      "-summary",
      "-output",
      "json",
      "-schema-location",
      schemaLocationTemplate(dir),
      bad,
    ]);
    expect(res.code).not.toBe(0);
    expect(JSON.parse(res.stdout).summary.invalid).toBe(2);
  }, 120_000);
});

describe("server-side dry-run", () => {
  for (const name of Object.keys(VALUE_SETS)) {
    it(`accepts every manifest of ${name}`, async () => {
      const ns = await kube.createNamespace({ prefix: `dry-${name.slice(0, 10)}` });
      const { yaml, docs } = await render(VALUE_SETS[name]!, { namespace: ns, includeCrds: true });
      const res = await kube.kubectl(
        [
          "apply",
          "--server-side",
          "--force-conflicts",
          "--dry-run=server",
          "--field-manager",
          "helm",
          "-o",
          "name",
          "-f",
          "-",
        ],
        { input: yaml },
      );
      expect(res.code, res.stderr).toBe(0);
      expect(res.stdout.trim().split("\n").length).toBe(docs.length);
      expect(res.stderr).not.toMatch(/[Ww]arning/);
    }, 60_000);
  }
});

describe("install semantics: chart RBAC and webhook configuration, services from the production tree", () => {
  let ns: string;
  let docs: Manifest[];
  const suffix = randomBytes(3).toString("hex");
  const cacheName = `deploy-${suffix}`;
  const prefix = `deploy${suffix}`;
  const stream = `DEPLOY_${suffix.toUpperCase()}`;
  const kubeconfigs: Record<string, string> = {};

  /** The rendered Deployment's args and env, pointed at the test's Redis, NATS, ports and API server. */
  function serviceEnv(
    deployment: string,
    extra: Record<string, string> = {},
  ): { args: string[]; env: Record<string, string> } {
    const d = one(docs, "Deployment", deployment);
    const env = containerEnv(d, { name: `${deployment}-0`, namespace: ns });
    Object.assign(env, {
      PORTCULLIS_REDIS_URL: redisUrl(),
      PORTCULLIS_CACHE_NAME: cacheName,
      PORTCULLIS_HEALTH_PORT: "0",
      PORTCULLIS_HEALTH_ADDR: "127.0.0.1",
      PORTCULLIS_LOG_LEVEL: "debug",
      ...extra,
    });
    if (env.PORTCULLIS_NATS_URL)
      Object.assign(env, {
        PORTCULLIS_NATS_URL: natsUrl(),
        PORTCULLIS_SUBJECT_PREFIX: prefix,
        PORTCULLIS_EVENTS_PREFIX: prefix,
        PORTCULLIS_STREAM: stream,
        PORTCULLIS_EVENTS_STREAM: stream,
      });
    return { args: d.spec.template.spec.containers[0].args, env };
  }

  async function start(
    deployment: string,
    sa: string | undefined,
    extra: Record<string, string> = {},
  ): Promise<TreeProcess> {
    const { args, env } = serviceEnv(deployment, extra);
    if (sa) env.KUBECONFIG = kubeconfigs[sa]!;
    const p = await startFromTree(tree, deployment, args, env);
    processes.push(p);
    return p;
  }

  beforeAll(async () => {
    ns = await kube.createNamespace({ prefix: "portcullis-sys" });
    // The dashboard value set: the defaults plus the dashboard's auth RBAC and Ingress.
    ({ docs } = await render(VALUE_SETS.dashboard!, { namespace: ns }));
    // What `helm install` creates that the API server can act on without images.
    const applied = docs.filter((d) =>
      [
        "ServiceAccount",
        "ClusterRole",
        "ClusterRoleBinding",
        "Role",
        "RoleBinding",
        "Secret",
        "Service",
      ].includes(d.kind),
    );
    await kubectlOk(
      ["apply", "--server-side", "--field-manager", "helm", "-f", "-"],
      applied.map((d) => JSON.stringify(d)).join("\n"),
    );
    for (const sa of find(docs, "ServiceAccount"))
      kubeconfigs[sa.metadata.name] = await impersonatingKubeconfig(
        kube.kubeconfigPath,
        ns,
        sa.metadata.name,
      );
    await treeBuilt;
  }, 300_000);

  it("the production tree has no dev dependencies and no workspace links", async () => {
    for (const svc of ["sync", "webhook", "audit", "dashboard"]) {
      const pkg = JSON.parse(await readFile(join(tree, svc, "package.json"), "utf8"));
      expect(pkg.devDependencies ?? {}).toEqual({});
      for (const dev of ["vitest", "typescript", "@biomejs", "@portcullis/testkit", "playwright-core"])
        await expect(readFile(join(tree, svc, "node_modules", dev, "package.json"))).rejects.toThrow();
      const engine = await readFile(
        join(tree, svc, "node_modules", "@portcullis", "engine", "package.json"),
        "utf8",
      );
      expect(JSON.parse(engine).name).toBe("@portcullis/engine");
    }
    // Every symlink stays inside the tree (nothing points back into the workspace).
    const links = await run("find", [tree, "-type", "l", "-lname", "/*"]);
    expect(links.stdout.split("\n").filter((l) => l && !l.startsWith(tree))).toEqual([]);
    for (const svc of ["sync", "webhook", "audit", "dashboard"])
      expect(await realpath(join(tree, svc, "node_modules", "@portcullis", "engine"))).toMatch(
        new RegExp(`^${tree}/`),
      );
    const usage = await startFromTree(tree, "bogus", ["no-such-service"], {}).catch((e: Error) => e.message);
    expect(usage).toMatch(/one of sync, webhook, audit-scheduler, audit-worker, status-writer, dashboard/);
  });

  it("each service loads its engine from the compile cache the image build primed", async () => {
    for (const svc of ["sync", "webhook", "audit-worker", "dashboard"]) {
      // --help: the entrypoint loads the engine before the service parses its flags
      const res = await run(process.execPath, [join(tree, "entrypoint.mjs"), svc, "--help"], 60_000, {
        NODE_DEBUG_NATIVE: "COMPILE_CACHE",
      });
      const dir = svc === "audit-worker" ? "audit" : svc;
      const engineFiles = new Set(
        [...res.stderr.matchAll(/V8 code cache for ESM (\S+) was (\w+)/g)]
          .filter((m) => m[1].includes(`/${dir}/node_modules/`) && m[1].includes("/@portcullis/engine/src/"))
          .map((m) => `${m[2]} ${m[1].replace(/.*\/engine\/src\//, "")}`),
      );
      expect(
        [...engineFiles].filter((f) => !f.startsWith("accepted ")),
        svc,
      ).toEqual([]);
      expect(engineFiles.has("accepted index.ts"), `${svc}: ${res.stderr.slice(0, 2000)}`).toBe(true);
      expect(engineFiles.size, svc).toBeGreaterThan(100);
    }
  });

  it("refuses what the chart did not grant (least privilege)", async () => {
    const can = async (sa: string, verb: string, resource: string, namespace = ns): Promise<string> =>
      (
        await kube.kubectl([
          "--kubeconfig",
          kubeconfigs[sa]!,
          "auth",
          "can-i",
          verb,
          resource,
          "-n",
          namespace,
        ])
      ).stdout.trim();
    const sync = "portcullis-sync";
    expect(await can(sync, "watch", "constrainttemplates.templates.gatekeeper.sh")).toBe("yes");
    expect(await can(sync, "create", "leases.coordination.k8s.io")).toBe("yes");
    expect(await can(sync, "create", "leases.coordination.k8s.io", "default")).toBe("no");
    expect(await can(sync, "delete", "secrets")).toBe("no");
    expect(await can(sync, "create", "pods")).toBe("no");
    expect(await can(sync, "delete", "constrainttemplates.templates.gatekeeper.sh")).toBe("no");
    expect(await can("portcullis-webhook", "get", "namespaces")).toBe("no");
    expect(await can("portcullis-webhook", "list", "secrets")).toBe("no");
    expect(await can("portcullis-audit-worker", "list", "pods")).toBe("no");
    expect(await can("portcullis-status-writer", "list", "secrets")).toBe("no");
    expect(await can("portcullis-audit", "update", "secrets")).toBe("no");
    expect(await can("portcullis-dashboard", "create", "tokenreviews.authentication.k8s.io")).toBe("yes");
    expect(await can("portcullis-dashboard", "list", "pods")).toBe("no");
    expect(await can("portcullis-dashboard", "get", "secrets")).toBe("no");
    // And a real request is refused by the API server.
    const del = await kube.kubectl([
      "--kubeconfig",
      kubeconfigs[sync]!,
      "-n",
      ns,
      "delete",
      "secret",
      "portcullis-webhook-tls",
    ]);
    expect(del.code).not.toBe(0);
    expect(del.stderr).toMatch(
      /forbidden: User "system:serviceaccount:[^"]+:portcullis-sync" cannot delete resource "secrets"/,
    );
  });

  it("sync, webhook and audit run under the chart's ServiceAccounts and enforce the seed scenario", async () => {
    const syncs = [
      await start("portcullis-sync", "portcullis-sync"),
      await start("portcullis-sync", "portcullis-sync"),
    ];
    // The Secret volume as the kubelet lays it out: tls.crt -> ..data/tls.crt, ..data -> a timestamped dir.
    const tlsDir = join(work, "tls");
    await mountSecret(tlsDir, "..2026_01", await kube.issueServingCert());
    const certFile = join(tlsDir, "tls.crt");
    const keyFile = join(tlsDir, "tls.key");
    await symlink(join("..data", "tls.crt"), certFile);
    await symlink(join("..data", "tls.key"), keyFile);
    // No kubeconfig: the chart gives the webhook no API access.
    const webhook = await start("portcullis-webhook", undefined, {
      PORTCULLIS_WEBHOOK_PORT: "0",
      PORTCULLIS_WEBHOOK_ADDR: "127.0.0.1",
      PORTCULLIS_TLS_CERT_FILE: certFile,
      PORTCULLIS_TLS_KEY_FILE: keyFile,
    });
    const port = Number(webhook.started.port);
    expect(port).toBeGreaterThan(0);

    // The chart's webhook configuration, pointed at the local process (no Service routing here).
    const vwc = structuredClone(
      one(docs, "ValidatingWebhookConfiguration", "portcullis-validating-webhook-configuration"),
    );
    for (const w of vwc.webhooks) {
      w.clientConfig = {
        url: `https://127.0.0.1:${port}${w.clientConfig.service.path}`,
        caBundle: Buffer.from(kube.ca.certPem).toString("base64"),
      };
    }
    await kubectlOk(["apply", "--server-side", "--field-manager", "helm", "-f", "-"], JSON.stringify(vwc));

    await waitFor(
      "a sync leader",
      async () => {
        for (const s of syncs)
          if ((await s.get("/metrics")).body.includes("portcullis_sync_is_leader 1")) return true;
        return false;
      },
      30_000,
    );
    await waitFor("webhook /readyz", async () => (await webhook.get("/readyz")).status === 200, 30_000);

    await kubectlOk(["apply", "-f", join(repoRoot, "examples", "required-labels", "template.yaml")]);
    await waitFor(
      "the K8sRequiredLabels CRD",
      async () =>
        (await kube.kubectl(["get", "crd", "k8srequiredlabels.constraints.gatekeeper.sh"])).code === 0,
      30_000,
    );
    await kubectlOk([
      "wait",
      "--for=condition=Established",
      "crd/k8srequiredlabels.constraints.gatekeeper.sh",
    ]);
    const constraint = {
      apiVersion: "constraints.gatekeeper.sh/v1beta1",
      kind: "K8sRequiredLabels",
      metadata: { name: "ns-must-have-gk" },
      spec: {
        match: { kinds: [{ apiGroups: [""], kinds: ["Namespace"] }] },
        parameters: { labels: ["gatekeeper"] },
      },
    };
    await waitFor(
      "the constraint to be accepted",
      async () =>
        (await kube.kubectl(["apply", "-f", "-"], { input: JSON.stringify(constraint) })).code === 0,
      30_000,
    );

    const expected = `admission webhook "validation.gatekeeper.sh" denied the request: [ns-must-have-gk] you must provide labels: {"gatekeeper"}`;
    const denied = await waitFor(
      "the webhook to deny a namespace without the gatekeeper label",
      async () => {
        const res = await kube.kubectl(["create", "namespace", `no-label-${suffix}`]);
        return res.code !== 0 && res.stderr.includes("ns-must-have-gk") ? res.stderr : false;
      },
      30_000,
      250,
    );
    expect(denied).toContain(expected);
    // Admitted with the label.
    await kubectlOk(
      ["apply", "-f", "-"],
      JSON.stringify({
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name: `gk-${suffix}`, labels: { gatekeeper: "yes" } },
      }),
    );
    // The release namespace is exempt: updating it without the label is allowed.
    await kubectlOk(["label", "namespace", ns, `touched=${suffix}`]);
    // check-ignore-label: nobody opts a namespace out by labelling it.
    const ignore = await kube.kubectl(["create", "-f", "-"], {
      input: JSON.stringify({
        apiVersion: "v1",
        kind: "Namespace",
        metadata: {
          name: `ign-${suffix}`,
          labels: { "admission.gatekeeper.sh/ignore": "yes", gatekeeper: "yes" },
        },
      }),
    });
    expect(ignore.code).not.toBe(0);
    expect(ignore.stderr).toContain(
      `admission webhook "check-ignore-label.gatekeeper.sh" denied the request`,
    );

    // sync wrote the template's status under its ServiceAccount.
    const ct = JSON.parse(await kubectlOk(["get", "constrainttemplate", "k8srequiredlabels", "-o", "json"]));
    expect(ct.status?.created).toBe(true);

    // Audit: scheduler, workers and status writer as the chart runs them; the constraint's status gets the violations.
    await start("portcullis-status-writer", "portcullis-status-writer");
    await start("portcullis-audit-worker", undefined);
    await start("portcullis-audit-scheduler", "portcullis-audit", {
      PORTCULLIS_AUDIT_RUN_NOW: "true",
      PORTCULLIS_AUDIT_INTERVAL: "5s",
    });
    const status = await waitFor(
      "the audit to write the constraint's status",
      async () => {
        const c = JSON.parse(await kubectlOk(["get", "k8srequiredlabels", "ns-must-have-gk", "-o", "json"]));
        return c.status?.auditTimestamp && c.status.totalViolations > 0 ? c.status : false;
      },
      60_000,
      500,
    );
    expect(
      status.violations.some(
        (v: { message: string }) => v.message === 'you must provide labels: {"gatekeeper"}',
      ),
    ).toBe(true);

    // The dashboard as the chart runs it (auth on): TokenReviews under its ServiceAccount.
    const dashboard = await start("portcullis-dashboard", "portcullis-dashboard", {
      PORTCULLIS_DASHBOARD_PORT: "0",
      PORTCULLIS_DASHBOARD_ADDR: "127.0.0.1",
    });
    const page = `http://127.0.0.1:${Number(dashboard.started.port)}/`;
    await waitFor("dashboard /readyz", async () => (await dashboard.get("/readyz")).status === 200, 30_000);
    expect((await fetch(page)).status).toBe(401);
    expect((await fetch(page, { headers: { authorization: "Bearer nope" } })).status).toBe(401);
    const token = (await kubectlOk(["-n", ns, "create", "token", "portcullis-webhook"])).trim();
    const html = await waitFor(
      "the dashboard to show the audited constraint",
      async () => {
        const res = await fetch(page, { headers: { authorization: `Bearer ${token}` } });
        const body = await res.text();
        return res.status === 200 && new RegExp(`id="violations-total">${status.totalViolations}<`).test(body)
          ? body
          : false;
      },
      30_000,
      500,
    );
    expect(html).toContain('data-constraint="K8sRequiredLabels/ns-must-have-gk"');
    for (const p of processes)
      expect(
        p.logs.filter((l) => /forbidden/i.test(JSON.stringify(l))),
        p.name,
      ).toEqual([]);

    // Certificate rotation as the kubelet does it (cert-manager renewal, or a new generated Secret):
    // the ..data symlink is swapped atomically; the webhook serves the new certificate without a restart.
    const rotated = await kube.issueServingCert();
    await mountSecret(tlsDir, "..2026_02", rotated);
    const serial = new X509Certificate(rotated.certPem).serialNumber;
    await waitFor(
      "the webhook to serve the rotated certificate",
      async () => (await servedSerial(port)) === serial,
      30_000,
      250,
    );
    const after = await kube.kubectl(["create", "namespace", `no-label-2-${suffix}`]);
    expect(after.stderr).toContain(expected);
    expect(webhook.child.exitCode).toBeNull();
  }, 180_000);
});
