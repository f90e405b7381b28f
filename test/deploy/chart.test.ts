/*
 * The Helm chart without an API server: helm lint, helm template for every
 * value set, and what the rendered manifests must say (pod security, probes,
 * the webhook configuration, least-privilege RBAC, TLS, CRDs = deploy/crds).
 */
import { X509Certificate } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../harness/index.ts";
import { chartDir, find, helm, type Manifest, one, render, VALUE_SETS } from "./chart.ts";

const NS = "portcullis-system";

describe("helm lint", () => {
  for (const [name, files] of Object.entries(VALUE_SETS)) {
    it(`is clean for ${name}`, async () => {
      const args = ["lint", "--strict", chartDir, ...files.flatMap((f) => ["-f", f])];
      const res = await helm(args);
      expect(res.code, res.stdout + res.stderr).toBe(0);
      expect(res.stdout).toContain("0 chart(s) failed");
      expect(res.stdout + res.stderr).not.toMatch(/\[(WARNING|ERROR)\]/);
    });
  }

  it("rejects values that break the schema", async () => {
    const res = await helm(["template", "x", chartDir, "--set", "webhook.failurePolicy=Sometimes"]);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(/failurePolicy/);
    const res2 = await helm(["template", "x", chartDir, "--set", "redis.mode=external"]);
    expect(res2.code).not.toBe(0);
    expect(res2.stderr).toMatch(/redis\.external\.url/);
  });
});

describe("the chart's CRDs", () => {
  it("are byte-identical to deploy/crds (the source of truth)", async () => {
    const src = join(repoRoot, "deploy", "crds");
    const files = (await readdir(src)).sort();
    expect((await readdir(join(chartDir, "crds"))).sort()).toEqual(files);
    for (const f of files) {
      expect(await readFile(join(chartDir, "crds", f), "utf8"), f).toBe(await readFile(join(src, f), "utf8"));
    }
  });

  it("include ConstraintTemplate v1/v1beta1/v1alpha1, Config and SyncSet", async () => {
    const { docs } = await render([], { includeCrds: true });
    const crds = find(docs, "CustomResourceDefinition");
    expect(crds.map((c) => c.metadata.name).sort()).toEqual([
      "configs.config.gatekeeper.sh",
      "constrainttemplates.templates.gatekeeper.sh",
      "syncsets.syncset.gatekeeper.sh",
    ]);
    const ct = one(crds, "CustomResourceDefinition", "constrainttemplates.templates.gatekeeper.sh");
    expect(ct.spec.versions.map((v: { name: string }) => v.name)).toEqual(["v1", "v1beta1", "v1alpha1"]);
  });
});

function podSpec(d: Manifest): any {
  return d.spec.template.spec;
}

describe("rendered with the defaults", async () => {
  const { docs } = await render([]);
  const deployments = find(docs, "Deployment");

  it("has sync (2), webhook (3), audit scheduler, workers, status writer and the dashboard", () => {
    const replicas = Object.fromEntries(deployments.map((d) => [d.metadata.name, d.spec.replicas]));
    expect(replicas).toEqual({
      "portcullis-sync": 2,
      "portcullis-webhook": 3,
      "portcullis-audit-scheduler": 1,
      "portcullis-audit-worker": 2,
      "portcullis-status-writer": 1,
      "portcullis-dashboard": 1,
    });
    expect(deployments.map((d) => podSpec(d).containers[0].args[0]).sort()).toEqual([
      "audit-scheduler",
      "audit-worker",
      "dashboard",
      "status-writer",
      "sync",
      "webhook",
    ]);
  });

  it("runs every container non-root, read-only, no capabilities, seccomp RuntimeDefault, with resources and probes", () => {
    const workloads = [...deployments, ...find(docs, "StatefulSet")];
    expect(workloads.length).toBe(8);
    for (const w of workloads) {
      const spec = podSpec(w);
      expect(spec.securityContext.runAsNonRoot, w.metadata.name).toBe(true);
      expect(spec.securityContext.seccompProfile.type).toBe("RuntimeDefault");
      for (const c of spec.containers) {
        const sc = c.securityContext;
        expect(sc.readOnlyRootFilesystem, `${w.metadata.name}/${c.name}`).toBe(true);
        expect(sc.allowPrivilegeEscalation).toBe(false);
        expect(sc.capabilities.drop).toEqual(["ALL"]);
        expect(sc.seccompProfile.type).toBe("RuntimeDefault");
        expect(c.resources.requests.memory).toBeTruthy();
        expect(c.resources.limits.memory).toBeTruthy();
        expect(c.readinessProbe).toBeTruthy();
        expect(c.livenessProbe).toBeTruthy();
      }
    }
    for (const d of deployments) {
      const c = podSpec(d).containers[0];
      expect(c.livenessProbe.httpGet.path).toBe("/healthz");
      expect(c.readinessProbe.httpGet.path).toBe("/readyz");
    }
  });

  it("gives the webhook system-cluster-critical, a PDB and zone spread", () => {
    const w = one(docs, "Deployment", "portcullis-webhook");
    expect(podSpec(w).priorityClassName).toBe("system-cluster-critical");
    expect(podSpec(w).topologySpreadConstraints[0].topologyKey).toBe("topology.kubernetes.io/zone");
    expect(podSpec(w).hostNetwork).toBeUndefined();
    expect(one(docs, "PodDisruptionBudget", "portcullis-webhook").spec.minAvailable).toBe(1);
    expect(find(docs, "HorizontalPodAutoscaler")).toEqual([]);
  });

  it("configures the validating webhook like Gatekeeper's", () => {
    const vwc = one(docs, "ValidatingWebhookConfiguration", "portcullis-validating-webhook-configuration");
    const [main, label] = vwc.webhooks;
    expect(main.name).toBe("validation.gatekeeper.sh");
    expect(main.failurePolicy).toBe("Ignore");
    expect(main.timeoutSeconds).toBe(3);
    expect(main.rules[0].operations).toEqual(["CREATE", "UPDATE"]);
    expect(main.clientConfig.service).toEqual({
      name: "portcullis-webhook",
      namespace: NS,
      path: "/v1/admit",
      port: 443,
    });
    expect(main.namespaceSelector.matchExpressions).toEqual([
      { key: "admission.gatekeeper.sh/ignore", operator: "DoesNotExist" },
      { key: "kubernetes.io/metadata.name", operator: "NotIn", values: [NS, "kube-system"] },
    ]);
    expect(label.name).toBe("check-ignore-label.gatekeeper.sh");
    expect(label.clientConfig.service.path).toBe("/v1/admitlabel");
    expect(label.rules[0].resources).toEqual(["namespaces"]);
  });

  it("generates a CA and a serving certificate for the webhook Service, the CA in caBundle", () => {
    const secret = one(docs, "Secret", "portcullis-webhook-tls");
    const ca = new X509Certificate(Buffer.from(secret.data["ca.crt"], "base64"));
    const cert = new X509Certificate(Buffer.from(secret.data["tls.crt"], "base64"));
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.subjectAltName).toContain(`DNS:portcullis-webhook.${NS}.svc`);
    expect(ca.ca).toBe(true);
    const vwc = one(docs, "ValidatingWebhookConfiguration", "portcullis-validating-webhook-configuration");
    for (const w of vwc.webhooks) expect(w.clientConfig.caBundle).toBe(secret.data["ca.crt"]);
    // The webhook mounts the Secret as a directory, so rotated files appear in place.
    const mount = podSpec(one(docs, "Deployment", "portcullis-webhook")).containers[0].volumeMounts.find(
      (m: { name: string }) => m.name === "tls",
    );
    expect(mount.subPath).toBeUndefined();
  });

  it("grants no wildcard verbs, and never more than read on Secrets", () => {
    const rules = [...find(docs, "ClusterRole"), ...find(docs, "Role")].flatMap((r) =>
      (r.rules as { apiGroups: string[]; resources: string[]; verbs: string[] }[]).map((rule) => ({
        role: r.metadata.name,
        ...rule,
      })),
    );
    expect(rules.length).toBeGreaterThan(5);
    for (const rule of rules) {
      expect(rule.verbs, rule.role).not.toContain("*");
      const coversSecrets =
        (rule.apiGroups.includes("") || rule.apiGroups.includes("*")) &&
        (rule.resources.includes("secrets") || rule.resources.includes("*"));
      if (coversSecrets)
        expect(
          rule.verbs.every((v) => ["get", "list", "watch"].includes(v)),
          JSON.stringify(rule),
        ).toBe(true);
    }
    // The webhook, the audit workers and the dashboard (auth off) have no API access at all.
    for (const d of ["portcullis-webhook", "portcullis-audit-worker", "portcullis-dashboard"])
      expect(podSpec(one(docs, "Deployment", d)).automountServiceAccountToken).toBe(false);
    const bound = [...find(docs, "ClusterRoleBinding"), ...find(docs, "RoleBinding")].flatMap((b) =>
      b.subjects.map((s: { name: string }) => s.name),
    );
    expect(bound).not.toContain("portcullis-webhook");
    expect(bound).not.toContain("portcullis-audit-worker");
    expect(bound).not.toContain("portcullis-dashboard");
  });

  it("serves the dashboard on a ClusterIP Service, no auth, no Ingress", () => {
    const svc = one(docs, "Service", "portcullis-dashboard");
    expect(svc.spec.type).toBe("ClusterIP");
    expect(svc.spec.ports).toEqual([{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }]);
    expect(svc.spec.selector["app.kubernetes.io/component"]).toBe("dashboard");
    const c = podSpec(one(docs, "Deployment", "portcullis-dashboard")).containers[0];
    expect(c.ports).toContainEqual({ name: "http", containerPort: 8080, protocol: "TCP" });
    const env = Object.fromEntries((c.env as any[]).map((e) => [e.name, e.value]));
    expect(env).toMatchObject({
      PORTCULLIS_DASHBOARD_PORT: "8080",
      PORTCULLIS_NATS_URL: `nats://portcullis-nats.${NS}.svc:4222`,
      PORTCULLIS_EVENTS_STREAM: "PORTCULLIS_VIOLATIONS",
    });
    expect(env.PORTCULLIS_DASHBOARD_AUTH).toBeUndefined();
    expect(find(docs, "Ingress")).toEqual([]);
    expect(find(docs, "ClusterRole", "portcullis-dashboard")).toEqual([]);
  });

  it("bundles Redis and NATS as single-node StatefulSets with volumes", () => {
    for (const name of ["portcullis-redis", "portcullis-nats"]) {
      const s = one(docs, "StatefulSet", name);
      expect(s.spec.replicas).toBe(1);
      expect(s.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBeTruthy();
    }
    const env = podSpec(one(docs, "Deployment", "portcullis-sync")).containers[0].env;
    expect(env).toContainEqual({
      name: "PORTCULLIS_REDIS_URL",
      value: `redis://portcullis-redis.${NS}.svc:6379`,
    });
  });
});

describe("rendered with the other value sets", () => {
  it("external: ElastiCache URL and AUTH token from a Secret, NATS over TLS, NetworkPolicies, no bundled stores", async () => {
    const { docs } = await render(VALUE_SETS.external!);
    expect(find(docs, "StatefulSet")).toEqual([]);
    const env = podSpec(one(docs, "Deployment", "portcullis-sync")).containers[0].env as any[];
    expect(env).toContainEqual({
      name: "PORTCULLIS_REDIS_PASSWORD",
      valueFrom: { secretKeyRef: { name: "portcullis-elasticache-auth", key: "auth-token" } },
    });
    expect(env.find((e) => e.name === "PORTCULLIS_REDIS_URL").value).toMatch(/^rediss:\/\/master\./);
    expect(env).toContainEqual({ name: "NODE_EXTRA_CA_CERTS", value: "/etc/portcullis/extra-ca/ca.crt" });
    const audit = podSpec(one(docs, "Deployment", "portcullis-audit-worker")).containers[0].env as any[];
    expect(audit.find((e) => e.name === "PORTCULLIS_NATS_URL").value).toMatch(/^tls:\/\//);
    expect(audit.find((e) => e.name === "PORTCULLIS_REDIS_URL").value).toBe(
      "rediss://:$(PORTCULLIS_REDIS_PASSWORD)@master.portcullis.abcdef.use1.cache.amazonaws.com:6379",
    );
    expect(find(docs, "NetworkPolicy").length).toBe(2);
  });

  it("cert-manager: Certificate + CA injection instead of a generated Secret; DELETE and CONNECT", async () => {
    const { docs } = await render(VALUE_SETS["cert-manager"]!);
    expect(find(docs, "Secret", "portcullis-webhook-tls")).toEqual([]);
    const cert = one(docs, "Certificate", "portcullis-webhook");
    expect(cert.spec.secretName).toBe("portcullis-webhook-tls");
    const vwc = one(docs, "ValidatingWebhookConfiguration", "portcullis-validating-webhook-configuration");
    expect(vwc.metadata.annotations?.["cert-manager.io/inject-ca-from"]).toBe(`${NS}/portcullis-webhook`);
    expect(vwc.webhooks[0].clientConfig.caBundle).toBeUndefined();
    expect(vwc.webhooks[0].rules[0].operations).toEqual(["CREATE", "UPDATE", "DELETE", "CONNECT"]);
    expect(vwc.webhooks[0].rules[0].resources).toContain("pods/exec");
    expect(vwc.webhooks[0].failurePolicy).toBe("Fail");
  });

  it("dashboard: TokenReview auth with only `create tokenreviews`, an Ingress with class, host and TLS", async () => {
    const { docs } = await render(VALUE_SETS.dashboard!);
    const d = one(docs, "Deployment", "portcullis-dashboard");
    expect(d.spec.replicas).toBe(2);
    expect(podSpec(d).automountServiceAccountToken).toBe(true);
    expect(podSpec(d).serviceAccountName).toBe("portcullis-dashboard");
    expect(podSpec(d).containers[0].env).toContainEqual({ name: "PORTCULLIS_DASHBOARD_AUTH", value: "true" });
    expect(one(docs, "ClusterRole", "portcullis-dashboard").rules).toEqual([
      { apiGroups: ["authentication.k8s.io"], resources: ["tokenreviews"], verbs: ["create"] },
    ]);
    const binding = one(docs, "ClusterRoleBinding", "portcullis-dashboard");
    expect(binding.subjects).toEqual([
      { kind: "ServiceAccount", name: "portcullis-dashboard", namespace: NS },
    ]);
    const ing = one(docs, "Ingress", "portcullis-dashboard");
    expect(ing.spec.ingressClassName).toBe("nginx");
    expect(ing.spec.tls).toEqual([
      { secretName: "portcullis-dashboard-tls", hosts: ["portcullis.example.com"] },
    ]);
    expect(ing.spec.rules[0].host).toBe("portcullis.example.com");
    expect(ing.spec.rules[0].http.paths[0].backend.service).toEqual({
      name: "portcullis-dashboard",
      port: { name: "http" },
    });
    expect(one(docs, "Service", "portcullis-dashboard").spec.ports[0].port).toBe(8080);
    // Users and groups narrow who gets in.
    const narrowed = await render(VALUE_SETS.dashboard!, {
      set: ["dashboard.auth.users={alice,bob}", "dashboard.auth.groups={platform}"],
    });
    const env = podSpec(one(narrowed.docs, "Deployment", "portcullis-dashboard")).containers[0].env;
    expect(env).toContainEqual({ name: "PORTCULLIS_DASHBOARD_AUTH_USERS", value: "alice,bob" });
    expect(env).toContainEqual({ name: "PORTCULLIS_DASHBOARD_AUTH_GROUPS", value: "platform" });
    const off = await helm(["template", "x", chartDir, "--set", "dashboard.enabled=false"]);
    expect(off.code, off.stderr).toBe(0);
    expect(off.stdout).not.toMatch(/component: dashboard/);
  });

  it("hpa-hostnetwork: HPA instead of fixed replicas, host network on the chosen port", async () => {
    const { docs } = await render(VALUE_SETS["hpa-hostnetwork"]!);
    const w = one(docs, "Deployment", "portcullis-webhook");
    expect(w.spec.replicas).toBeUndefined();
    expect(podSpec(w).hostNetwork).toBe(true);
    expect(podSpec(w).dnsPolicy).toBe("ClusterFirstWithHostNet");
    expect(podSpec(w).containers[0].ports).toContainEqual({
      name: "https",
      containerPort: 9443,
      protocol: "TCP",
    });
    expect(podSpec(w).containers[0].env).toContainEqual({ name: "PORTCULLIS_WEBHOOK_PORT", value: "9443" });
    const hpa = one(docs, "HorizontalPodAutoscaler", "portcullis-webhook");
    expect(hpa.spec).toMatchObject({ minReplicas: 3, maxReplicas: 12 });
    expect(one(docs, "Deployment", "portcullis-audit-worker").spec.replicas).toBe(6);
  });
});
