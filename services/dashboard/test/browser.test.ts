/*
 * The dashboard in a real headless Chromium (Debian's `chromium`, driven by
 * playwright-core; no browser download): each page renders the right
 * numbers, a new admission deny appears in the live feed within 2 s, the
 * filters narrow the violation list, the object lookup returns the right
 * constraints; the chart of violations per audit run shows the summaries
 * in the stream and redraws when a run finishes. Screenshots go to a
 * folder the test prints.
 */
import { randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstream } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { CacheWriter, connectRedis, constraintsCollection, type RedisClient } from "@portcullis/cache";
import { ensureStream, subjects } from "@portcullis/events";
import {
  libraryYaml,
  natsServer,
  natsUrl,
  redisUrl,
  type ServiceProcess,
  serviceMain,
  startService,
  waitFor,
} from "@portcullis/testkit";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";

const CHROMIUM = "/usr/bin/chromium";
const template = libraryYaml("general", "requiredlabels", "template.yaml");
const id = randomUUID().slice(0, 8);
const cacheName = `dashboard-browser-${id}`;
const prefix = `dashb${id}`;
const stream = `DASHB_${id}`;
const shots = mkdtempSync(join(tmpdir(), "portcullis-dashboard-screenshots-"));
const profile = mkdtempSync(join(tmpdir(), "portcullis-chromium-profile-"));

const constraintObj = (name: string, action: string, n: number) => ({
  apiVersion: "constraints.gatekeeper.sh/v1beta1",
  kind: "K8sRequiredLabels",
  metadata: { name },
  spec: {
    enforcementAction: action,
    match: { kinds: [{ apiGroups: [""], kinds: ["Pod"] }] },
    parameters: { labels: [{ key: "owner" }] },
  },
  status: {
    totalViolations: n,
    violations: Array.from({ length: n }, (_, j) => ({
      message: j % 10 === 0 ? `special <b>case</b> ${j}` : `you must provide labels: {"owner"} ${j}`,
      enforcementAction: action,
      version: "v1",
      kind: "Pod",
      namespace: j % 2 ? "team-b" : "team-a",
      name: `pod-${j}`,
    })),
  },
});

/** Run summaries as the audit worker publishes them (services/audit/src/worker.ts finalize). */
const summary = (i: number, owners: number, warn: number) => ({
  eventType: "audit_finished",
  id: `run-${id}-${i}`,
  scope: "audit",
  startedAt: new Date(Date.now() - (10 - i) * 60_000).toISOString(),
  finishedAt: new Date(Date.now() - (10 - i) * 60_000 + 5_000).toISOString(),
  totals: { "K8sRequiredLabels/owners": owners, "K8sRequiredLabels/owners-warn": warn },
  byAction: { deny: owners, warn },
  objectsAudited: 300,
  errors: 0,
  chunks: 1,
});
const earlier = [summary(1, 200, 10), summary(2, 230, 9), summary(3, 240, 7)];

let redis: RedisClient;
let nc: NatsConnection;
let dash: ServiceProcess;
let browser: BrowserContext;
let page: Page;
let base: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `${CHROMIUM} is missing: the browser test needs Debian's chromium — run scripts/setup.sh as root (it installs it) or apt-get install chromium`,
    );
  redis = connectRedis(redisUrl());
  const writer = new CacheWriter(redis, { cluster: cacheName });
  await writer.init();
  await writer.apply([
    { op: "put", collection: "templates", key: "k8srequiredlabels", object: template },
    {
      op: "put",
      collection: constraintsCollection("K8sRequiredLabels"),
      key: "owners",
      object: constraintObj("owners", "deny", 240),
    },
    {
      op: "put",
      collection: constraintsCollection("K8sRequiredLabels"),
      key: "owners-warn",
      object: constraintObj("owners-warn", "warn", 7),
    },
    {
      op: "put",
      collection: "namespaces",
      key: "team-a",
      object: { apiVersion: "v1", kind: "Namespace", metadata: { name: "team-a" } },
    },
    {
      op: "put",
      collection: "data/v1/Pod",
      key: "team-a/unowned",
      object: {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "unowned", namespace: "team-a" },
        spec: { containers: [] },
      },
    },
  ]);
  await writer.markComplete();
  nc = await connect({ servers: natsServer() });
  // The stream exists before the dashboard (which would create it) so the runs are history.
  await ensureStream(nc, { name: stream, prefix });
  for (const r of earlier) await jetstream(nc).publish(subjects(prefix).auditRuns, JSON.stringify(r));
  // biome-ignore format: flag list
  const args = [
    "--redis-url", redisUrl(), "--cache-name", cacheName, "--nats-url", natsUrl(),
    "--events-prefix", prefix, "--events-stream", stream,
    "--addr", "127.0.0.1", "--port", "0", "--health-addr", "127.0.0.1", "--health-port", "0",
  ];
  dash = await startService({ main: serviceMain("dashboard"), args, identity: "dashboard-browser" });
  base = `http://127.0.0.1:${Number(dash.logs.find((l) => l.msg === "started")?.port)}`;
  await waitFor("ready", async () => (await dash.readyz()).status === 200, 20_000);
  await waitFor("feed", () => dash.logs.some((l) => String(l.msg).startsWith("feed: consuming")), 10_000);
  // A fresh profile (--user-data-dir) per run.
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    // biome-ignore format: flag list
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
  });
  page = browser.pages()[0] ?? (await browser.newPage());
  console.log(`dashboard screenshots: ${shots}`);
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await dash?.stop();
  await nc?.close();
  redis?.disconnect();
  rmSync(profile, { recursive: true, force: true });
});

it("overview renders the numbers; a new admission deny appears in the live feed within 2 s", async () => {
  const t0 = performance.now();
  await page.goto(`${base}/`, { waitUntil: "load" });
  const loadMs = performance.now() - t0;
  expect(await page.textContent("#templates-ok")).toBe("1");
  expect(await page.textContent("#constraints-total")).toBe("2");
  expect(await page.textContent("#violations-total")).toBe("247");
  expect(await page.textContent('[data-action="warn"]')).toBe("1");
  // The SSE connection is open before we publish.
  await page.waitForTimeout(300);
  const event = {
    id: "req-browser",
    eventType: "violation_admission",
    kind: "K8sRequiredLabels",
    name: "owners",
    message: "missing required label <owner>",
    enforcementAction: "deny",
    resourceKind: "Pod",
    resourceNamespace: "team-a",
    resourceName: "brand-new-pod",
    decision: "deny",
    timestamp: new Date().toISOString(),
  };
  const sent = performance.now();
  await jetstream(nc).publish(
    subjects(prefix).admission("K8sRequiredLabels", "owners"),
    JSON.stringify(event),
  );
  await page.waitForSelector("#feed li.admission >> text=brand-new-pod", { timeout: 2000 });
  const feedMs = performance.now() - sent;
  // Text, not markup: the "<owner>" arrives as text.
  expect(await page.textContent("#feed li:first-child")).toContain("missing required label <owner>");
  expect(await page.locator("#feed li:first-child b").count()).toBe(0);
  await page.screenshot({ path: join(shots, "overview.png"), fullPage: true });
  console.log(`overview load ${loadMs.toFixed(0)} ms; live deny shown ${feedMs.toFixed(0)} ms after publish`);
  expect(feedMs).toBeLessThan(2000);
});

it("constraint page: the filters narrow the violation list, paging moves through it", async () => {
  await page.goto(`${base}/constraints/K8sRequiredLabels/owners`);
  expect(await page.textContent("#total-violations")).toBe("240");
  expect(await page.locator("#violations tbody tr").count()).toBe(50);
  expect(await page.textContent("#page-count")).toBe("5");
  await page.screenshot({ path: join(shots, "constraint.png"), fullPage: true });
  await Promise.all([page.waitForURL(/page=2/), page.click(".pager a >> text=next")]);
  expect(await page.textContent("#page-no")).toBe("2");
  expect(await page.locator("#violations tbody tr").first().textContent()).toContain("pod-50");
  await page.selectOption('#filters select[name="namespace"]', "team-a");
  await page.fill('#filters input[name="q"]', "special");
  await Promise.all([page.waitForURL(/q=special/), page.click('#filters button[type="submit"]')]);
  expect(await page.textContent("#matching")).toBe("24");
  const rows = page.locator("#violations tbody tr");
  expect(await rows.count()).toBe(24);
  for (const t of await rows.allTextContents()) {
    expect(t).toContain("team-a");
    expect(t).toContain("special <b>case</b>");
  }
  await page.screenshot({ path: join(shots, "constraint-filtered.png"), fullPage: true });
  // The deny published above is listed as a recent admission violation of this constraint.
  expect(await page.textContent("#denies")).toContain("brand-new-pod");
});

it("template page and object lookup", async () => {
  await page.goto(`${base}/templates/k8srequiredlabels`);
  expect(await page.locator("pre.code .k").count()).toBeGreaterThan(0);
  expect(await page.locator("#template-constraints li").count()).toBe(2);
  await page.screenshot({ path: join(shots, "template.png"), fullPage: true });
  await page.goto(`${base}/lookup`);
  await page.fill('#lookup input[name="kind"]', "Pod");
  await page.fill('#lookup input[name="namespace"]', "team-a");
  await page.fill('#lookup input[name="name"]', "unowned");
  await Promise.all([page.waitForURL(/name=unowned/), page.click('#lookup button[type="submit"]')]);
  const hit = await page
    .locator("#lookup-result tr[data-constraint]")
    .evaluateAll((rs) => [...new Set(rs.map((r) => r.getAttribute("data-constraint")))].sort());
  expect(hit).toEqual(["K8sRequiredLabels/owners", "K8sRequiredLabels/owners-warn"]);
  await page.screenshot({ path: join(shots, "lookup.png"), fullPage: true });
});

it("the chart shows the runs in the stream, and redraws when a run finishes", async () => {
  await page.goto(`${base}/`);
  await page.waitForSelector("#runs-chart svg");
  const bars = () =>
    page
      .locator("#runs-chart g.run")
      .evaluateAll((gs) => gs.map((g) => [g.getAttribute("data-run"), Number(g.getAttribute("data-total"))]));
  expect(await page.getAttribute("#runs-chart", "data-runs")).toBe("3");
  expect(await bars()).toEqual(
    earlier.map((r) => [
      r.id,
      r.totals["K8sRequiredLabels/owners"] + r.totals["K8sRequiredLabels/owners-warn"],
    ]),
  );
  // Stacked by constraint: the last run's segments are its per-constraint totals.
  const segs = await page
    .locator(`#runs-chart g.run[data-run="run-${id}-3"] rect.seg`)
    .evaluateAll((rs) =>
      Object.fromEntries(
        rs.map((r) => [r.getAttribute("data-constraint"), Number(r.getAttribute("data-value"))]),
      ),
    );
  expect(segs).toEqual({ "K8sRequiredLabels/owners": 240, "K8sRequiredLabels/owners-warn": 7 });
  expect(await page.textContent("#runs-chart-max")).toBe("250");
  await page.waitForTimeout(300); // the SSE connection is open
  const next = summary(4, 12, 3);
  await jetstream(nc).publish(subjects(prefix).auditRuns, JSON.stringify(next));
  await page.waitForSelector(`#runs-chart g.run[data-run="run-${id}-4"]`, { timeout: 2000 });
  expect(await page.getAttribute("#runs-chart", "data-runs")).toBe("4");
  expect((await bars()).at(-1)).toEqual([next.id, 15]);
  expect(await page.textContent("#runs-last-total")).toBe("15");
  await page.screenshot({ path: join(shots, "overview-chart.png"), fullPage: true });
});
