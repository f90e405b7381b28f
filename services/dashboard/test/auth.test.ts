/*
 * --auth-token-review against a real kube-apiserver: the dashboard (a
 * process) reviews tokens as a user holding only what the Helm chart grants
 * it (create tokenreviews), and real ServiceAccount tokens come from the
 * TokenRequest API (`kubectl create token`). No token and a garbage token
 * are 401, a real token is 200, a real token of a user outside
 * --auth-users/--auth-groups is 403.
 */
import { randomUUID } from "node:crypto";
import {
  type KubeEnv,
  redisUrl,
  type ServiceProcess,
  serviceMain,
  startKube,
  startService,
} from "@portcullis/testkit";
import { afterAll, beforeAll, expect, it } from "vitest";

let kube: KubeEnv;
const dashboards: ServiceProcess[] = [];
let ns: string;
const tokens: Record<string, string> = {};

const RBAC = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: dashboard-auth-test }
rules:
  - apiGroups: [authentication.k8s.io]
    resources: [tokenreviews]
    verbs: [create]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: dashboard-auth-test }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: dashboard-auth-test }
subjects:
  - { apiGroup: rbac.authorization.k8s.io, kind: User, name: dashboard-reviewer }
`;

async function kubectl(args: string[], input?: string): Promise<string> {
  const r = await kube.kubectl(args, input === undefined ? {} : { input });
  if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${r.stderr}`);
  return r.stdout.trim();
}

async function startDashboard(extra: string[]): Promise<string> {
  const reviewer = await kube.userKubeConfig("dashboard-reviewer");
  // biome-ignore format: flag list
  const args = [
    "--redis-url", redisUrl(), "--cache-name", `dashboard-auth-${randomUUID().slice(0, 8)}`,
    "--addr", "127.0.0.1", "--port", "0", "--health-addr", "127.0.0.1", "--health-port", "0",
    "--auth-token-review", "--kubeconfig", reviewer.kubeconfigPath, ...extra,
  ];
  const d = await startService({ main: serviceMain("dashboard"), args, identity: "dashboard-auth" });
  dashboards.push(d);
  return `http://127.0.0.1:${Number(d.logs.find((l) => l.msg === "started")?.port)}`;
}

const get = async (url: string, token?: string) => {
  const res = await fetch(url, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: await res.text() };
};

beforeAll(async () => {
  kube = await startKube();
  ns = await kube.createNamespace({ prefix: "dash-auth" });
  await kubectl(["apply", "-f", "-"], RBAC);
  for (const sa of ["viewer", "intruder"]) {
    await kubectl(["-n", ns, "create", "serviceaccount", sa]);
    tokens[sa] = await kubectl(["-n", ns, "create", "token", sa, "--duration", "10m"]);
  }
}, 180_000);

afterAll(async () => {
  for (const d of dashboards) await d.stop();
  await kube?.stop();
});

it("any authenticated user: no token 401, garbage 401, a ServiceAccount token 200", async () => {
  const base = await startDashboard([]);
  const none = await get(`${base}/`);
  expect(none.status).toBe(401);
  expect(none.body).toContain("bearer token is required");
  const garbage = await get(`${base}/`, "not-a-token");
  expect(garbage.status).toBe(401);
  // A well-formed JWT signed by nobody the API server trusts.
  const forged = `${tokens.viewer!.split(".").slice(0, 2).join(".")}.c2lnbmF0dXJl`;
  expect((await get(`${base}/`, forged)).status).toBe(401);
  const ok = await get(`${base}/`, tokens.viewer);
  expect(ok.status).toBe(200);
  expect(ok.body).toContain('id="templates-total"');
  expect((await get(`${base}/lookup`, tokens.viewer)).status).toBe(200);
  // The static assets need no token (the login-less shell of the page).
  expect((await get(`${base}/static/app.css`)).status).toBe(200);
}, 60_000);

it("--auth-users / --auth-groups: another valid user is 403", async () => {
  const viewer = `system:serviceaccount:${ns}:viewer`;
  const base = await startDashboard(["--auth-users", viewer]);
  expect((await get(`${base}/`, tokens.viewer)).status).toBe(200);
  const other = await get(`${base}/`, tokens.intruder);
  expect(other.status).toBe(403);
  expect(other.body).toContain(`system:serviceaccount:${ns}:intruder`);
  expect((await get(`${base}/`, "garbage")).status).toBe(401);
  // Every ServiceAccount of the namespace is in the group system:serviceaccounts:<ns>.
  const byGroup = await startDashboard(["--auth-groups", `system:serviceaccounts:${ns}`]);
  expect((await get(`${byGroup}/`, tokens.intruder)).status).toBe(200);
  const otherGroup = await startDashboard(["--auth-groups", "system:serviceaccounts:elsewhere"]);
  expect((await get(`${otherGroup}/`, tokens.viewer)).status).toBe(403);
}, 60_000);
