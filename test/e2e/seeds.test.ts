/*
 * The seed scenarios end to end, against the stack `portcullis up` starts
 * (started once for the file: a real kube-apiserver + etcd, Redis, NATS,
 * sync x2, webhook x2, audit): required labels (deny, admit, audit status
 * and one NATS event per run), allowed repos, a custom kind, dryrun -> warn
 * -> deny within 2 s; faults (a webhook replica and the sync leader killed
 * -9); the dashboard (its numbers against kubectl's, the audit-run chart in
 * Chromium against the run summaries on NATS); and Ctrl-C leaving no
 * process or listening port behind.
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot, waitFor } from "../harness/index.ts";
import { alive, processesMentioning, type Stack, startStack, tcpOpen } from "./stack.ts";

let stack: Stack;

beforeAll(async () => {
  stack = await startStack(["--no-examples", "--audit-interval", "4s", "--audit-chunk-hold", "2s"]);
}, 300_000);

afterAll(async () => {
  await stack?.cleanup();
}, 60_000);

const DENIED = 'admission webhook "validation.gatekeeper.sh" denied the request:';

async function apply(yaml: string): Promise<void> {
  const r = await stack.kubectl(["apply", "-f", "-"], yaml);
  if (r.code !== 0) throw new Error(`kubectl apply: ${r.stderr}`);
}

/** A template, then (once sync has made its CRD and the webhook knows it) a constraint. */
async function applyPolicy(template: string, constraint: string, crd: string): Promise<void> {
  await apply(template);
  await waitFor(`crd/${crd}`, async () => (await stack.kubectl(["get", "crd", crd])).code === 0, 60_000, 200);
  await waitFor(
    "constraint accepted",
    async () => (await stack.kubectl(["apply", "-f", "-"], constraint)).code === 0,
    60_000,
    300,
  );
}

const requiredLabels = (action = "deny") => `
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sRequiredLabels
metadata: { name: ns-must-have-gk }
spec:
  enforcementAction: ${action}
  match: { kinds: [{ apiGroups: [""], kinds: ["Namespace"] }] }
  parameters: { labels: ["gatekeeper"] }
`;

describe("seed: required labels", () => {
  it("denies test-opa with Gatekeeper's message, admits it labelled; audit lists an existing namespace, one NATS event per run", async () => {
    // Exists before the policy: only the audit can find it.
    const pre = await stack.kubectl(["create", "namespace", "legacy-unlabelled"]);
    expect(pre.code, pre.stderr).toBe(0);
    await applyPolicy(
      readFileSync(join(repoRoot, "examples", "required-labels", "template.yaml"), "utf8"),
      requiredLabels(),
      "k8srequiredlabels.constraints.gatekeeper.sh",
    );
    const denied = await waitFor(
      "test-opa denied",
      async () => {
        const r = await stack.kubectl(["create", "namespace", "test-opa"]);
        return r.code !== 0 ? r : undefined;
      },
      30_000,
      200,
    );
    expect(denied.stderr.trim()).toBe(
      `Error from server (Forbidden): ${DENIED} [ns-must-have-gk] you must provide labels: {"gatekeeper"}`,
    );
    const labelled = await stack.kubectl(
      ["apply", "-f", "-"],
      "apiVersion: v1\nkind: Namespace\nmetadata: { name: test-opa, labels: { gatekeeper: enabled } }\n",
    );
    expect(labelled.code, labelled.stderr).toBe(0);

    // The audit (every 4 s) finds the namespace that predates the constraint.
    const status = await waitFor(
      "legacy-unlabelled in status.violations",
      async () => {
        const r = await stack.kubectl(["get", "k8srequiredlabels", "ns-must-have-gk", "-o", "json"]);
        const s = JSON.parse(r.stdout).status;
        return s?.violations?.some((v: { name: string }) => v.name === "legacy-unlabelled") ? s : undefined;
      },
      90_000,
      500,
    );
    expect(status.violations).toContainEqual({
      enforcementAction: "deny",
      group: "",
      version: "v1",
      kind: "Namespace",
      name: "legacy-unlabelled",
      message: 'you must provide labels: {"gatekeeper"}',
    });
    expect(status.violations.some((v: { name: string }) => v.name === "test-opa")).toBe(false);

    // On the event stream: exactly one event for it per audit run.
    const nc = await connect({ servers: stack.state().natsUrl.replace(/^nats:\/\//, "") });
    try {
      const subject = "portcullis.violations.audit.K8sRequiredLabels.ns-must-have-gk";
      const consumer = await jetstream(nc).consumers.get("PORTCULLIS_VIOLATIONS", {
        filter_subjects: subject,
        deliver_policy: DeliverPolicy.All,
      });
      const perRun = new Map<string, number>();
      for (;;) {
        const m = await consumer.next({ expires: 2000 });
        if (!m) break;
        const e = m.json<{ id: string; resourceName: string }>();
        if (e.resourceName === "legacy-unlabelled") perRun.set(e.id, (perRun.get(e.id) ?? 0) + 1);
      }
      expect(perRun.size).toBeGreaterThanOrEqual(1);
      expect([...new Set(perRun.values())]).toEqual([1]);
    } finally {
      await nc.close();
    }

    // Off again: later tests create namespaces freely.
    expect((await stack.kubectl(["delete", "k8srequiredlabels", "ns-must-have-gk"])).code).toBe(0);
    await waitFor(
      "namespaces admitted again",
      async () => (await stack.kubectl(["create", "namespace", "x-probe", "--dry-run=server"])).code === 0,
      30_000,
      200,
    );
  }, 240_000);
});

// examples/allowed-repos checks Pods; the seed's constraint is on Deployments, so the template looks in both.
const ALLOWED_REPOS_TEMPLATE = `
apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata: { name: k8sallowedrepos }
spec:
  crd:
    spec:
      names: { kind: K8sAllowedRepos }
      validation:
        openAPIV3Schema:
          type: object
          properties:
            repos: { type: array, items: { type: string } }
  targets:
    - target: admission.k8s.gatekeeper.sh
      rego: |
        package k8sallowedrepos

        containers[c] { c := input.review.object.spec.containers[_] }
        containers[c] { c := input.review.object.spec.template.spec.containers[_] }

        violation[{"msg": msg}] {
          c := containers[_]
          not startswith_any(c.image, input.parameters.repos)
          msg := sprintf("container <%v> has an invalid image repo <%v>, allowed repos are %v", [c.name, c.image, input.parameters.repos])
        }

        startswith_any(image, repos) { startswith(image, repos[_]) }
`;

const allowedRepos = (action: string) => `
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sAllowedRepos
metadata: { name: repos-in-prod }
spec:
  enforcementAction: ${action}
  match:
    kinds: [{ apiGroups: ["apps"], kinds: ["Deployment"] }]
    namespaces: ["prod-apps"]
  parameters:
    repos: ["xxx.dkr.ecr.ca-central-1.amazonaws.com/", "docker.io/bitnami/"]
`;

const REPO_MESSAGE =
  '[repos-in-prod] container <nginx> has an invalid image repo <munta/nginx>, allowed repos are ["xxx.dkr.ecr.ca-central-1.amazonaws.com/", "docker.io/bitnami/"]';

const createDeployment = (ns: string, dryRun = true) =>
  stack.kubectl([
    "create",
    "deployment",
    "nginx",
    "--image",
    "munta/nginx",
    "-n",
    ns,
    ...(dryRun ? ["--dry-run=server"] : []),
  ]);

describe("seed: allowed repos", () => {
  it("denies a Deployment with munta/nginx in the constrained namespace and admits it in another", async () => {
    for (const ns of ["prod-apps", "other-apps"])
      expect((await stack.kubectl(["create", "namespace", ns])).code).toBe(0);
    await applyPolicy(
      ALLOWED_REPOS_TEMPLATE,
      allowedRepos("deny"),
      "k8sallowedrepos.constraints.gatekeeper.sh",
    );
    const denied = await waitFor(
      "deny in prod-apps",
      async () => {
        const r = await createDeployment("prod-apps", false);
        return r.code !== 0 ? r : undefined;
      },
      30_000,
      200,
    );
    expect(denied.stderr).toContain(`${DENIED} ${REPO_MESSAGE}`);
    const other = await createDeployment("other-apps", false);
    expect(other.code, other.stderr).toBe(0);
    expect(other.stderr).toBe("");
  }, 120_000);

  it("dryrun -> warn -> deny: each switch changes kubectl's outcome within 2 s", async () => {
    const outcome = async (): Promise<string> => {
      const r = await createDeployment("prod-apps");
      if (r.code !== 0) return r.stderr.includes(REPO_MESSAGE) ? "deny" : `error: ${r.stderr}`;
      return r.stderr.includes(`Warning: ${REPO_MESSAGE}`) ? "warn" : "allow";
    };
    expect(await outcome()).toBe("deny");
    for (const [action, expected] of [
      ["dryrun", "allow"],
      ["warn", "warn"],
      ["deny", "deny"],
    ] as const) {
      await apply(allowedRepos(action));
      const t0 = Date.now();
      let seen = await outcome();
      while (seen !== expected && Date.now() - t0 < 5000) seen = await outcome();
      const elapsed = Date.now() - t0;
      expect(seen, `${action}`).toBe(expected);
      expect(elapsed, `${action} took ${elapsed} ms`).toBeLessThan(2000);
    }
  }, 60_000);
});

describe("seed: custom kind", () => {
  it("a CRD the API server does not know natively (authentication.istio.io Policy), a template requiring STRICT mTLS peers", async () => {
    await apply(`
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: { name: policies.authentication.istio.io }
spec:
  group: authentication.istio.io
  scope: Namespaced
  names: { kind: Policy, plural: policies, singular: policy, listKind: PolicyList }
  versions:
    - name: v1alpha1
      served: true
      storage: true
      schema:
        openAPIV3Schema: { type: object, x-kubernetes-preserve-unknown-fields: true }
`);
    expect(
      (
        await stack.kubectl([
          "wait",
          "--for",
          "condition=Established",
          "crd/policies.authentication.istio.io",
        ])
      ).code,
    ).toBe(0);
    await applyPolicy(
      `
apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata: { name: istiostrictmtls }
spec:
  crd: { spec: { names: { kind: IstioStrictMTLS } } }
  targets:
    - target: admission.k8s.gatekeeper.sh
      rego: |
        package istiostrictmtls

        strict { input.review.object.spec.peers[_].mtls.mode == "STRICT" }

        violation[{"msg": msg}] {
          not strict
          msg := sprintf("Policy <%v> must require STRICT mTLS from its peers", [input.review.object.metadata.name])
        }
`,
      `
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: IstioStrictMTLS
metadata: { name: mesh-strict }
spec:
  match: { kinds: [{ apiGroups: ["authentication.istio.io"], kinds: ["Policy"] }] }
`,
      "istiostrictmtls.constraints.gatekeeper.sh",
    );
    const policy = (name: string, mode: string) => `
apiVersion: authentication.istio.io/v1alpha1
kind: Policy
metadata: { name: ${name}, namespace: default }
spec:
  peers: [{ mtls: { mode: ${mode} } }]
`;
    const denied = await waitFor(
      "permissive Policy denied",
      async () => {
        const r = await stack.kubectl(["apply", "-f", "-"], policy("permissive", "PERMISSIVE"));
        return r.code !== 0 ? r : undefined;
      },
      30_000,
      200,
    );
    expect(denied.stderr).toContain(
      `${DENIED} [mesh-strict] Policy <permissive> must require STRICT mTLS from its peers`,
    );
    const strict = await stack.kubectl(["apply", "-f", "-"], policy("strict", "STRICT"));
    expect(strict.code, strict.stderr).toBe(0);
  }, 120_000);
});

describe("faults", () => {
  it("kill -9 a webhook replica: the other answers, kubectl sees no error; it is restarted", async () => {
    const victim = stack.unit("webhook-0");
    process.kill(victim.pid!, "SIGKILL");
    for (let i = 0; i < 10; i++) {
      const r = await createDeployment("prod-apps");
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(`${DENIED} ${REPO_MESSAGE}`);
    }
    await waitFor(
      "webhook-0 restarted",
      () => {
        const u = stack.unit("webhook-0");
        return u.pid !== undefined && u.pid !== victim.pid && u.restarts === 1;
      },
      60_000,
      200,
    );
  }, 120_000);

  it("kill -9 the sync leader: the standby takes the Lease and keeps syncing", async () => {
    const holder = async () =>
      (
        await stack.kubectl([
          "get",
          "lease",
          "portcullis-sync",
          "-n",
          "portcullis-system",
          "-o",
          "jsonpath={.spec.holderIdentity}",
        ])
      ).stdout;
    // Identities are sync's default, <host>-<pid>: a restarted replica is a new candidate, as a new pod is.
    const syncPids = () => [stack.unit("sync-0").pid, stack.unit("sync-1").pid];
    const pidOf = (identity: string) => Number(identity.split("-").pop());
    const leader = await holder();
    const leaderPid = pidOf(leader);
    expect(syncPids()).toContain(leaderPid);
    const standbyPid = syncPids().find((p) => p !== leaderPid)!;
    process.kill(leaderPid, "SIGKILL");
    const next = await waitFor(
      "a new leader",
      async () => {
        const h = await holder();
        return h && h !== leader ? h : undefined;
      },
      30_000,
      200,
    );
    // The standby that was waiting wins (the killed one's replacement starts a second later, behind it).
    expect(pidOf(next)).toBe(standbyPid);
    // The new leader syncs: a new template gets its constraint CRD and is enforced.
    await applyPolicy(
      readFileSync(join(repoRoot, "examples", "mtls-strict", "template.yaml"), "utf8"),
      "apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: PeerAuthenticationStrictMTLS\nmetadata: { name: strict }\nspec: { match: { kinds: [{ apiGroups: [security.istio.io], kinds: [PeerAuthentication] }] } }\n",
      "peerauthenticationstrictmtls.constraints.gatekeeper.sh",
    );
    const t = await stack.kubectl([
      "get",
      "constrainttemplate",
      "peerauthenticationstrictmtls",
      "-o",
      "json",
    ]);
    expect(JSON.parse(t.stdout).status?.created).toBe(true);
  }, 120_000);
});

describe("faults: audit", () => {
  it("kill -9 an audit worker mid-run: the run's totals are still exact", async () => {
    await apply(allowedRepos("dryrun"));
    for (const name of ["a", "b", "c"]) {
      const r = await waitFor(
        `deployment ${name} admitted (dryrun)`,
        async () => {
          const res = await stack.kubectl([
            "create",
            "deployment",
            name,
            "--image",
            "munta/nginx",
            "-n",
            "prod-apps",
          ]);
          return res.code === 0 ? res : undefined;
        },
        10_000,
        200,
      );
      expect(r.code).toBe(0);
    }
    // The next run: kill the worker that has just published this chunk's events and holds it (2 s) unfinished.
    // If the kill lands just after the chunk completed (the log line was read late on a busy
    // machine), the run finishes before the worker's exit shows: that run proves nothing, try the next.
    let auditId = "";
    for (let attempt = 1; ; attempt++) {
      const seen = stack.output().length;
      const [, id, worker] = await waitFor(
        "a worker publishing the run's violations",
        () =>
          /\[(audit-worker-\d)\] info violation_audited \{"audit_id":"([^"]+)"[^\n]*prod-apps/.exec(
            stack.output().slice(seen),
          ) ?? undefined,
        30_000,
        20,
      ).then((m) => [m[0], m[2]!, m[1]!] as const);
      const restarts = stack.unit(worker).restarts;
      process.kill(stack.unit(worker).pid!, "SIGKILL");
      const finished = await waitFor(
        `run ${id} finished`,
        () => new RegExp(`audit_finished \\{"audit_id":"${id}"[^\n]*`).exec(stack.output().slice(seen))?.[0],
        90_000,
        200,
      );
      expect(finished).toMatch(/"errors":0/);
      const after = stack.output().slice(seen);
      const exitedAt = after.indexOf(`[${worker}] exited`);
      if (exitedAt > -1 && exitedAt < after.indexOf(finished)) {
        auditId = id;
        break;
      }
      expect(attempt, "the kill never landed mid-run").toBeLessThan(3);
      await waitFor(`${worker} restarted`, () => stack.unit(worker).restarts > restarts, 30_000, 200);
    }
    // The run's own summary on the stream: its totals are exact despite the kill.
    const nc = await connect({ servers: stack.state().natsUrl.replace(/^nats:\/\//, "") });
    let summary: { startedAt: string; totals: Record<string, number> } | undefined;
    try {
      const consumer = await jetstream(nc).consumers.get("PORTCULLIS_VIOLATIONS", {
        filter_subjects: "portcullis.audit.runs",
        deliver_policy: DeliverPolicy.All,
      });
      for (;;) {
        const m = await consumer.next({ expires: 2000 });
        if (!m) break;
        const s = m.json<{ id: string; startedAt: string; totals: Record<string, number> }>();
        if (s.id === auditId) summary = s;
      }
    } finally {
      await nc.close();
    }
    expect(summary, `run ${auditId}'s summary on portcullis.audit.runs`).toBeDefined();
    expect(summary!.totals["K8sAllowedRepos/repos-in-prod"]).toBe(3);
    // The status shows that run, or a later one when a later run (every 4 s, not held up by the
    // killed chunk's redelivery) finished first: the writer then skips the older summary on purpose.
    const status = await waitFor(
      "status of that run or a later one",
      async () => {
        const r = await stack.kubectl(["get", "k8sallowedrepos", "repos-in-prod", "-o", "json"]);
        const st = JSON.parse(r.stdout).status;
        const at = Date.parse(st?.auditTimestamp ?? "");
        // Whole seconds: runs are 4 s apart, and a timestamp kept to the second still matches.
        return at >= Math.floor(Date.parse(summary!.startedAt) / 1000) * 1000 ? st : undefined;
      },
      30_000,
      300,
    );
    expect(status.totalViolations).toBe(3);
    expect(status.violations.map((v: { name: string }) => v.name).sort()).toEqual(["a", "b", "c"]);
  }, 150_000);

  it("kill -9 NATS during an audit run: a durable subscriber gets every event of the run exactly once", async () => {
    // The three dryrun Deployments of the previous test violate repos-in-prod on every run.
    const subject = "portcullis.violations.audit.K8sAllowedRepos.repos-in-prod";
    const durable = `e2e-nats-restart-${Date.now()}`;
    const connectNats = () => connect({ servers: stack.state().natsUrl.replace(/^nats:\/\//, "") });
    let nc = await connectNats();
    const jsm = await jetstreamManager(nc);
    await jsm.consumers.add("PORTCULLIS_VIOLATIONS", {
      durable_name: durable,
      filter_subject: subject,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.New,
    });
    await nc.close();

    // The next run publishing for prod-apps: NATS dies under it (up restarts it on the same port and store).
    const seen = stack.output().length;
    const auditId = await waitFor(
      "a run publishing prod-apps violations",
      () =>
        /info violation_audited \{"audit_id":"([^"]+)"[^\n]*prod-apps/.exec(stack.output().slice(seen))?.[1],
      30_000,
      20,
    );
    const natsPid = stack.state().natsPid!;
    process.kill(natsPid, "SIGKILL");
    await waitFor(
      "NATS restarted",
      () => /\[nats\] exited[\s\S]*\[nats\] nats-server -js on/.test(stack.output().slice(seen)),
      20_000,
      100,
    );
    const finished = await waitFor(
      `run ${auditId} finished`,
      () =>
        new RegExp(`audit_finished \\{"audit_id":"${auditId}"[^\n]*`).exec(stack.output().slice(seen))?.[0],
      90_000,
      200,
    );
    expect(finished).toMatch(/"errors":0/);

    // The durable consumer, read after the restart: that run's events, each once.
    nc = await connectNats();
    try {
      const consumer = await jetstream(nc).consumers.get("PORTCULLIS_VIOLATIONS", durable);
      const names: string[] = [];
      for (;;) {
        const m = await consumer.next({ expires: 2000 });
        if (!m) break;
        const e = m.json<{ id: string; resourceName: string }>();
        if (e.id === auditId) names.push(e.resourceName);
        m.ack();
      }
      expect(names.sort()).toEqual(["a", "b", "c"]);
    } finally {
      await nc.close();
    }
  }, 180_000);
});

describe("portcullis status", () => {
  it("lists templates, constraints with enforcement action and totalViolations, replicas ready", async () => {
    const { spawnSync } = await import("node:child_process");
    await waitFor(
      "every replica ready again",
      async () => {
        const r = spawnSync(
          process.execPath,
          [
            join(repoRoot, "packages", "cli", "src", "main.ts"),
            "status",
            "--state-file",
            stack.stateFile,
            "-o",
            "json",
          ],
          { encoding: "utf8" },
        );
        const s = JSON.parse(r.stdout);
        return s.services.every((x: { ready: number; replicas: number }) => x.ready === x.replicas);
      },
      60_000,
      1000,
    );
    const r = spawnSync(
      process.execPath,
      [join(repoRoot, "packages", "cli", "src", "main.ts"), "status", "--state-file", stack.stateFile],
      { encoding: "utf8" },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^k8sallowedrepos\s+K8sAllowedRepos\s+true\s+-$/m);
    expect(r.stdout).toMatch(/^K8sAllowedRepos\/repos-in-prod\s+dryrun\s+3\s+\S+$/m);
    expect(r.stdout).toMatch(/^webhook\s+2\/2\s/m);
    expect(r.stdout).toMatch(/^sync\s+2\/2\s/m);
    expect(r.stdout).toMatch(/^audit-worker\s+2\/2\s/m);
  }, 90_000);
});

describe("dashboard", () => {
  const dashboardUrl = (): string => {
    const printed = /^dashboard: (http:\/\/127\.0\.0\.1:\d+\/)$/m.exec(stack.output())?.[1];
    expect(printed).toBe(stack.state().dashboardUrl);
    return printed!;
  };

  it("portcullis up prints its URL; / shows the cluster's templates, constraints and violations; /readyz is ready", async () => {
    const base = dashboardUrl();
    const ready = await fetch(`http://127.0.0.1:${stack.unit("dashboard").healthPort}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.text()).toMatch(/revision \d+/);
    // What kubectl says, against what the page says (the audit keeps running: retried until they agree).
    const kube = async () => {
      const t = JSON.parse((await stack.kubectl(["get", "constrainttemplates", "-o", "json"])).stdout).items;
      const kinds = t.map(
        (x: { spec: { crd: { spec: { names: { kind: string } } } } }) =>
          `${x.spec.crd.spec.names.kind.toLowerCase()}.constraints.gatekeeper.sh`,
      );
      const c = JSON.parse((await stack.kubectl(["get", kinds.join(","), "-o", "json"])).stdout).items;
      const violations = c.reduce(
        (n: number, x: { status?: { totalViolations?: number } }) => n + (x.status?.totalViolations ?? 0),
        0,
      );
      return { templates: t.length, constraints: c.length, violations };
    };
    const page = async () => {
      const html = await (await fetch(base)).text();
      const num = (id: string) => Number(new RegExp(`id="${id}">(\\d+)<`).exec(html)?.[1]);
      return {
        templates: num("templates-total"),
        constraints: num("constraints-total"),
        violations: num("violations-total"),
      };
    };
    const seen = await waitFor(
      "the dashboard's numbers to match kubectl's",
      async () => {
        const [k, p] = [await kube(), await page()];
        return JSON.stringify(k) === JSON.stringify(p) ? p : undefined;
      },
      30_000,
      500,
    );
    expect(seen.templates).toBeGreaterThanOrEqual(2);
    expect(seen.constraints).toBeGreaterThanOrEqual(1);
    expect(seen.violations).toBeGreaterThanOrEqual(3); // repos-in-prod's three Deployments
  }, 60_000);

  it("in Chromium, the chart shows the latest audit runs with the totals of their NATS summaries", async () => {
    const CHROMIUM = "/usr/bin/chromium";
    if (!existsSync(CHROMIUM))
      throw new Error(`${CHROMIUM} is missing: run scripts/setup.sh as root (it installs Debian's chromium)`);
    const profile = await mkdtemp(join(tmpdir(), "portcullis-e2e-chromium-"));
    const browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
      ],
    });
    const nc = await connect({ servers: stack.state().natsUrl.replace(/^nats:\/\//, "") });
    try {
      const page = browser.pages()[0] ?? (await browser.newPage());
      await page.goto(dashboardUrl());
      const bars = await page
        .locator("#runs-chart g.run")
        .evaluateAll((gs) =>
          gs.map((g) => ({ id: g.getAttribute("data-run"), total: Number(g.getAttribute("data-total")) })),
        );
      // Every run of the audit (every 4 s) is on the stream; the chart shows the latest 30 up to the one it drew last.
      const consumer = await jetstream(nc).consumers.get("PORTCULLIS_VIOLATIONS", {
        filter_subjects: "portcullis.audit.runs",
        deliver_policy: DeliverPolicy.All,
      });
      const runs: { id: string; total: number }[] = [];
      for (;;) {
        const m = await consumer.next({ expires: 2000 });
        if (!m) break;
        const r = m.json<{ id: string; totals: Record<string, number> }>();
        runs.push({ id: r.id, total: Object.values(r.totals).reduce((a, b) => a + b, 0) });
      }
      expect(runs.length).toBeGreaterThanOrEqual(2);
      const upTo = runs.findIndex((r) => r.id === bars.at(-1)?.id);
      expect(upTo).toBeGreaterThanOrEqual(0);
      const expected = runs.slice(Math.max(0, upTo + 1 - 30), upTo + 1);
      expect(bars).toEqual(expected);
      expect(await page.getAttribute("#runs-chart", "data-runs")).toBe(String(expected.length));
      // Some run saw violations (the legacy namespace, repos-in-prod's Deployments).
      expect(runs.some((r) => r.total > 0)).toBe(true);
    } finally {
      await nc.close();
      await browser.close();
      await rm(profile, { recursive: true, force: true });
    }
  }, 60_000);
});

describe("Ctrl-C", () => {
  it("stops everything: no child process, no listening port, no state file", async () => {
    const state = stack.state();
    const kubeDir = dirname(stack.kubeconfig);
    const server = readFileSync(stack.kubeconfig, "utf8").match(
      /"server": "https:\/\/127\.0\.0\.1:(\d+)"/,
    )![1]!;
    const pids = [...state.units.map((u) => u.pid), state.natsPid].filter(
      (p): p is number => p !== undefined,
    );
    const ports = [
      ...state.units.flatMap((u) => [u.healthPort, u.port]),
      state.webhookPort,
      Number(server),
      Number(new URL(state.redisUrl).port),
      Number(new URL(state.natsUrl).port),
    ].filter((p): p is number => p !== undefined);
    expect(pids.length).toBe(10); // sync x2, webhook x2, audit scheduler, workers x2, status writer, dashboard, nats
    expect(processesMentioning(kubeDir).length).toBeGreaterThanOrEqual(2); // etcd, kube-apiserver
    for (const p of ports) expect(await tcpOpen(p), `port ${p} open before`).toBe(true);

    const t0 = Date.now();
    expect(await stack.interrupt()).toBe(0);
    expect(Date.now() - t0).toBeLessThan(30_000);
    expect(stack.output()).toMatch(/^portcullis: stopped$/m);
    expect(pids.filter(alive)).toEqual([]);
    expect(processesMentioning(kubeDir)).toEqual([]);
    expect(
      processesMentioning(join(repoRoot, "services")).filter((p) =>
        readFileSync(`/proc/${p}/cmdline`, "utf8").includes(stack.stateFile),
      ),
    ).toEqual([]);
    const open: number[] = [];
    for (const p of ports) if (await tcpOpen(p)) open.push(p);
    expect(open).toEqual([]);
    expect(() => stack.state()).toThrow();
  }, 60_000);
});
