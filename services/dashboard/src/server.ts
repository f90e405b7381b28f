/*
 * The dashboard's HTTP server: server-rendered pages (every value escaped),
 * two static assets, and /events (Server-Sent Events of the live feed).
 */
import type { PolicyMirror } from "@portcullis/mirror";
import type { Logger } from "@portcullis/service";
import Fastify, { type FastifyInstance } from "fastify";
import { APP_CSS, APP_JS } from "./assets.ts";
import type { Authenticate, AuthVerdict } from "./auth.ts";
import { runsChart } from "./chart.ts";
import type { FeedEvent, LiveFeed } from "./feed.ts";
import { h, highlight, page, type Raw } from "./html.ts";
import type { RunHistory, RunPoint } from "./runs.ts";
import {
  type ConstraintView,
  constraint,
  constraints,
  filterViolations,
  findObject,
  type TemplateView,
  templates,
} from "./views.ts";

export interface DashboardOptions {
  mirror: PolicyMirror;
  feed: LiveFeed;
  /** Finished audit runs for the overview chart. */
  runs: RunHistory;
  log: Logger;
  /** Checks a request's bearer token; when set, every page but the assets needs one. */
  authenticate?: Authenticate;
}

const PAGE_SIZES = [25, 50, 100, 200];
type Q = Record<string, string | undefined>;
type Obj = Record<string, unknown>;

const rec = (v: unknown): Obj => (v && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {});
const json = (v: unknown): string => JSON.stringify(v ?? null, null, 2);
const constraintHref = (kind: string, name: string) =>
  `/constraints/${encodeURIComponent(kind)}/${encodeURIComponent(name)}`;
const templateHref = (name: string) => `/templates/${encodeURIComponent(name)}`;

function feedItem(e: FeedEvent): Raw {
  const ev = e.event;
  const what = e.source === "admission" ? `admission ${ev.decision ?? ev.enforcementAction}` : "audit";
  return h`<li class="${e.source}"><span class="tag">${what}</span> <a href="${constraintHref(ev.kind, ev.name)}">${ev.kind}/${ev.name}</a> ${ev.resourceKind} ${ev.resourceNamespace ? `${ev.resourceNamespace}/` : ""}${ev.resourceName}: ${ev.message}</li>`;
}

function overview(o: DashboardOptions): string {
  const ts = templates(o.mirror);
  const cs = constraints(o.mirror);
  const withErrors = ts.filter((t) => t.errors.length > 0).length;
  const byAction = new Map<string, number>();
  for (const c of cs) byAction.set(c.enforcementAction, (byAction.get(c.enforcementAction) ?? 0) + 1);
  const total = cs.reduce((n, c) => n + c.totalViolations, 0);
  const ranked = [...cs].sort((a, b) => b.totalViolations - a.totalViolations);
  const max = Math.max(1, ...cs.map((c) => c.totalViolations));
  const ready = o.mirror.readiness();
  return page(
    "Overview",
    h`<h1>Overview</h1>
${ready.ready ? "" : h`<p class="warn">Cache not ready: ${ready.reason ?? ""}</p>`}
<section class="cards">
<div class="card"><h2>Templates</h2><p><b id="templates-total">${ts.length}</b> total</p><p><span id="templates-ok">${ts.length - withErrors}</span> ok · <span id="templates-errors">${withErrors}</span> with errors</p></div>
<div class="card"><h2>Constraints</h2><p><b id="constraints-total">${cs.length}</b> total</p><ul id="by-action">${[...byAction].sort().map(([a, n]) => h`<li>${a}: <span data-action="${a}">${n}</span></li>`)}</ul></div>
<div class="card"><h2>Violations</h2><p><b id="violations-total">${total}</b> in the last audit</p></div>
</section>
<section><h2>Violations per audit run</h2>${runsChart(o.runs.runs())}</section>
<section><h2>Violations by constraint</h2>
<table id="by-constraint"><thead><tr><th>Constraint</th><th>Action</th><th>Violations</th><th></th></tr></thead><tbody>
${ranked.map((c) => h`<tr data-constraint="${c.kind}/${c.name}"><td><a href="${constraintHref(c.kind, c.name)}">${c.kind}/${c.name}</a></td><td>${c.enforcementAction}</td><td class="num">${c.totalViolations}</td><td><span class="bar" style="width:${Math.round((100 * c.totalViolations) / max)}%"></span></td></tr>`)}
</tbody></table></section>
<section><h2>Templates</h2><ul id="template-list">${ts.map((t) => h`<li><a href="${templateHref(t.name)}">${t.name}</a> (${t.kind})${t.errors.length ? h` <span class="err">${t.errors.length} error(s)</span>` : ""}</li>`)}</ul></section>
<section><h2>Live feed</h2><p class="muted">Latest admission violations and audit violations, as they arrive.</p>
<ul id="feed" data-live="1">${o.feed
      .recent(50)
      .reverse()
      .map((e) => feedItem(e))}</ul></section>`,
  );
}

function pager(base: string, q: Q, pageNo: number, pages: number): Raw {
  const link = (p: number, label: string) => {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(q)) if (v && k !== "page") params.set(k, v);
    params.set("page", String(p));
    return h`<a href="${`${base}?${params}`}" data-page="${p}">${label}</a>`;
  };
  return h`<nav class="pager">${pageNo > 1 ? link(pageNo - 1, "« prev") : ""} page <span id="page-no">${pageNo}</span> of <span id="page-count">${pages}</span> ${pageNo < pages ? link(pageNo + 1, "next »") : ""}</nav>`;
}

function constraintPage(o: DashboardOptions, c: ConstraintView, q: Q): string {
  const spec = rec(c.object.spec);
  const filter = { namespace: q.namespace, kind: q.kind, name: q.name, q: q.q };
  const matched = filterViolations(c.violations, filter);
  const size = PAGE_SIZES.includes(Number(q.size)) ? Number(q.size) : 50;
  const pages = Math.max(1, Math.ceil(matched.length / size));
  const pageNo = Math.min(pages, Math.max(1, Math.floor(Number(q.page) || 1)));
  const rows = matched.slice((pageNo - 1) * size, pageNo * size);
  const namespaces = [...new Set(c.violations.map((v) => v.namespace ?? ""))].filter(Boolean).sort();
  const kinds = [...new Set(c.violations.map((v) => v.kind ?? ""))].filter(Boolean).sort();
  const denies = o.feed
    .recent()
    .filter((e) => e.source === "admission" && e.event.kind === c.kind && e.event.name === c.name)
    .reverse()
    .slice(0, 50);
  const base = constraintHref(c.kind, c.name);
  const opt = (v: string, cur?: string) =>
    h`<option value="${v}"${v === cur ? " selected" : ""}>${v}</option>`;
  const t = templates(o.mirror).find((x) => x.kind === c.kind);
  return page(
    `${c.kind}/${c.name}`,
    h`<h1>Constraint <span id="constraint-name">${c.kind}/${c.name}</span></h1>
<p>Template: ${t ? h`<a href="${templateHref(t.name)}">${t.name}</a>` : "(missing)"} · Enforcement action: <b id="enforcement-action">${c.enforcementAction}</b>${Array.isArray(spec.scopedEnforcementActions) ? h` <code>${JSON.stringify(spec.scopedEnforcementActions)}</code>` : ""}</p>
<div class="cols"><section><h2>Match</h2><pre id="match">${json(spec.match ?? {})}</pre></section>
<section><h2>Parameters</h2><pre id="parameters">${json(spec.parameters ?? {})}</pre></section></div>
<section><h2>Violations in the last audit</h2>
<p>Total: <b id="total-violations">${c.totalViolations}</b>${c.auditTimestamp ? h` (audit at ${c.auditTimestamp})` : ""}; listed in status: ${c.violations.length}; matching the filters: <b id="matching">${matched.length}</b></p>
<form method="get" action="${base}" id="filters" class="filters">
<label>Namespace <select name="namespace"><option value="">(any)</option>${namespaces.map((n) => opt(n, q.namespace))}</select></label>
<label>Kind <select name="kind"><option value="">(any)</option>${kinds.map((k) => opt(k, q.kind))}</select></label>
<label>Name <input name="name" value="${q.name ?? ""}"></label>
<label>Message <input name="q" value="${q.q ?? ""}"></label>
<label>Per page <select name="size">${PAGE_SIZES.map((s) => opt(String(s), String(size)))}</select></label>
<button type="submit">Filter</button> <a href="${base}">clear</a></form>
<table id="violations"><thead><tr><th>Kind</th><th>Namespace</th><th>Name</th><th>Action</th><th>Message</th></tr></thead><tbody>
${rows.map((v) => h`<tr><td>${v.kind}</td><td>${v.namespace}</td><td>${v.name}</td><td>${v.enforcementAction}</td><td>${v.message}</td></tr>`)}
</tbody></table>
${pager(base, { ...filter, size: String(size) }, pageNo, pages)}</section>
<section><h2>Recent admission violations</h2><ul id="denies">${denies.length ? denies.map((e) => feedItem(e)) : h`<li class="muted">none seen recently</li>`}</ul></section>`,
  );
}

function sources(t: TemplateView): Raw[] {
  const targets = rec(t.object.spec).targets;
  const out: Raw[] = [];
  for (const target of Array.isArray(targets) ? targets : []) {
    const tg = rec(target);
    if (typeof tg.rego === "string")
      out.push(h`<h3>Rego (${tg.target})</h3><pre class="code rego">${highlight(tg.rego, "rego")}</pre>`);
    for (const [i, lib] of (Array.isArray(tg.libs) ? tg.libs : []).entries())
      if (typeof lib === "string")
        out.push(h`<h3>Rego lib ${i + 1}</h3><pre class="code rego">${highlight(lib, "rego")}</pre>`);
    for (const code of Array.isArray(tg.code) ? tg.code : []) {
      const c = rec(code);
      const src = rec(c.source);
      if (c.engine === "Rego" && typeof src.rego === "string")
        out.push(h`<h3>Rego (code)</h3><pre class="code rego">${highlight(src.rego, "rego")}</pre>`);
      else if (c.engine === "K8sNativeValidation") {
        const lines: string[] = [];
        for (const v of Array.isArray(src.variables) ? src.variables : [])
          lines.push(`// variable ${rec(v).name}\n${rec(v).expression}`);
        for (const v of Array.isArray(src.validations) ? src.validations : []) {
          const r = rec(v);
          lines.push(
            `// validation${r.message ? ` (message: ${r.message})` : ""}${r.messageExpression ? `\n// messageExpression: ${r.messageExpression}` : ""}\n${r.expression}`,
          );
        }
        out.push(
          h`<h3>CEL (K8sNativeValidation)</h3><pre class="code cel">${highlight(lines.join("\n\n"), "cel")}</pre>`,
        );
      } else out.push(h`<h3>${String(c.engine)}</h3><pre>${json(c.source)}</pre>`);
    }
  }
  return out;
}

function templatePage(o: DashboardOptions, t: TemplateView): string {
  const schema = rec(rec(rec(rec(t.object.spec).crd).spec).validation).openAPIV3Schema;
  const users = constraints(o.mirror, t.kind || undefined).filter((c) => c.kind === t.kind);
  return page(
    t.name,
    h`<h1>Template <span id="template-name">${t.name}</span></h1><p>Constraint kind: <b>${t.kind}</b></p>
<section><h2>Status errors</h2>${t.errors.length ? h`<ul id="template-errors">${t.errors.map((e) => h`<li class="err"><code>${e.code}</code> ${e.message}${e.location ? h` <span class="loc">at ${e.location}</span>` : ""}</li>`)}</ul>` : h`<p id="template-errors" class="ok">none</p>`}</section>
<section><h2>Source</h2>${sources(t)}</section>
<section><h2>Parameter schema</h2><pre id="schema">${json(schema ?? {})}</pre></section>
<section><h2>Constraints using it</h2><ul id="template-constraints">${users.map((c) => h`<li><a href="${constraintHref(c.kind, c.name)}">${c.name}</a> (${c.enforcementAction}, ${c.totalViolations} violations)</li>`)}</ul></section>`,
  );
}

function lookupPage(o: DashboardOptions, q: Q): string {
  const kind = q.kind?.trim() ?? "";
  const ns = q.namespace?.trim() ?? "";
  const name = q.name?.trim() ?? "";
  let result: Raw = h``;
  if (kind && name) {
    const obj = findObject(o.mirror, kind, ns, name);
    if (!obj)
      result = h`<p id="lookup-result" class="warn">${kind} ${ns ? `${ns}/` : ""}${name} is not in the cache (only kinds sync replicates can be looked up).</p>`;
    else {
      const meta = rec(obj.metadata);
      const nsName = typeof meta.namespace === "string" ? meta.namespace : "";
      const t0 = performance.now();
      const r = o.mirror.client.review(obj, nsName ? { namespace: o.mirror.namespace(nsName) } : {});
      const ms = performance.now() - t0;
      result = h`<section id="lookup-result"><h2>${r.results.length} violation(s)</h2><p class="muted">evaluated in ${ms.toFixed(1)} ms against the cached object</p>
<table><thead><tr><th>Constraint</th><th>Action</th><th>Message</th></tr></thead><tbody>${r.results.map((x) => h`<tr data-constraint="${x.kind}/${x.name}"><td><a href="${constraintHref(x.kind, x.name)}">${x.kind}/${x.name}</a></td><td>${x.enforcementAction}</td><td>${x.msg}</td></tr>`)}</tbody></table>
${r.errors.length ? h`<h3>Errors</h3><ul>${r.errors.map((e) => h`<li class="err">${JSON.stringify(e)}</li>`)}</ul>` : ""}
<details><summary>Cached object</summary><pre>${json(obj)}</pre></details></section>`;
    }
  }
  return page(
    "Object lookup",
    h`<h1>Object lookup</h1><form method="get" action="/lookup" id="lookup" class="filters">
<label>Kind <input name="kind" value="${kind}" placeholder="Pod"></label>
<label>Namespace <input name="namespace" value="${ns}" placeholder="(cluster-scoped)"></label>
<label>Name <input name="name" value="${name}"></label><button type="submit">Evaluate</button></form>${result}`,
  );
}

export function buildServer(o: DashboardOptions): FastifyInstance {
  const app = Fastify({ logger: false, return503OnClosing: true });
  const html = "text/html; charset=utf-8";
  const streams = new Set<() => void>();
  if (o.authenticate) {
    const auth = o.authenticate;
    app.addHook("onRequest", async (req, reply) => {
      if (req.url.startsWith("/static/")) return;
      const m = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? "");
      const token = m?.[1]?.trim();
      if (!token) {
        await reply.code(401).header("www-authenticate", "Bearer").send("a bearer token is required\n");
        return;
      }
      let verdict: AuthVerdict;
      try {
        verdict = await auth(token);
      } catch (e) {
        o.log.warn("auth: TokenReview failed", { err: String(e) });
        await reply.code(503).send("could not review the token, try again\n");
        return;
      }
      if (verdict.ok) return;
      if (verdict.status === 401) reply.header("www-authenticate", 'Bearer error="invalid_token"');
      await reply.code(verdict.status).send(`${verdict.reason}\n`);
    });
  }
  app.addHook("onSend", async (_req, reply) => {
    reply.header("x-content-type-options", "nosniff");
    reply.header(
      "content-security-policy",
      "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'",
    );
  });
  app.get("/static/app.css", (_r, reply) => reply.type("text/css; charset=utf-8").send(APP_CSS));
  app.get("/static/app.js", (_r, reply) => reply.type("text/javascript; charset=utf-8").send(APP_JS));
  app.get("/", (_r, reply) => reply.type(html).send(overview(o)));
  app.get<{ Params: { kind: string; name: string }; Querystring: Q }>(
    "/constraints/:kind/:name",
    (req, reply) => {
      const c = constraint(o.mirror, req.params.kind, req.params.name);
      if (!c)
        return reply
          .code(404)
          .type(html)
          .send(page("Not found", h`<h1>No constraint ${req.params.kind}/${req.params.name}</h1>`));
      return reply.type(html).send(constraintPage(o, c, req.query));
    },
  );
  app.get<{ Params: { name: string } }>("/templates/:name", (req, reply) => {
    const t = templates(o.mirror).find((x) => x.name === req.params.name);
    if (!t)
      return reply
        .code(404)
        .type(html)
        .send(page("Not found", h`<h1>No template ${req.params.name}</h1>`));
    return reply.type(html).send(templatePage(o, t));
  });
  // The chart alone, for the page script to swap in when a run finishes.
  app.get("/fragments/runs-chart", (_r, reply) => reply.type(html).send(runsChart(o.runs.runs()).html));
  app.get<{ Querystring: Q }>("/lookup", (req, reply) => reply.type(html).send(lookupPage(o, req.query)));
  app.get("/events", (req, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    const send = (e: FeedEvent) =>
      res.write(
        `id: ${e.seq}\nevent: violation\ndata: ${JSON.stringify({ source: e.source, ...e.event })}\n\n`,
      );
    const sendRun = (r: RunPoint) =>
      res.write(
        `event: run\ndata: ${JSON.stringify({ id: r.id, total: r.total, finishedAt: r.finishedAt })}\n\n`,
      );
    res.write(": connected\n\n");
    const unsubscribe = o.feed.subscribe(send);
    const unsubscribeRuns = o.runs.subscribe(sendRun);
    const ping = setInterval(() => res.write(": ping\n\n"), 15_000);
    const close = () => {
      clearInterval(ping);
      unsubscribe();
      unsubscribeRuns();
    };
    const end = () => {
      close();
      res.end();
    };
    streams.add(end);
    req.raw.on("close", () => {
      streams.delete(end);
      close();
    });
  });
  // Open event streams would hold the server's close forever: end them first.
  app.addHook("preClose", async () => {
    for (const end of streams) end();
    streams.clear();
  });
  return app;
}
