/*
 * The overview's chart of violations per audit run, drawn server-side as
 * inline SVG (no script, no CDN): one bar per run, stacked by constraint
 * (the constraints with the most violations get a colour each, the rest are
 * "other"), every bar carrying its numbers as data-* attributes and a
 * <title> tooltip.
 */
import { h, type Raw } from "./html.ts";
import type { RunPoint } from "./runs.ts";

const COLOURS = ["#2f5bd3", "#d9822b", "#1b7f3b", "#b3261e", "#7a2bb5", "#0f8b8d"];
const OTHER = "#9aa1b1";
const W = 720;
const H = 180;
const PAD = { left: 48, right: 8, top: 10, bottom: 28 };

const time = (iso: string): string => {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? "" : d.toISOString().slice(11, 16);
};

/** A "nice" axis maximum ≥ n: 1, 2, 2.5 or 5 × a power of ten. */
export function niceMax(n: number): number {
  if (n <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(n));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= n) return m * p;
  return 10 * p;
}

export function runsChart(runs: RunPoint[]): Raw {
  if (runs.length === 0)
    return h`<div id="runs-chart" data-runs="0"><p class="muted">No audit run finished in the history window yet.</p></div>`;
  const weight = new Map<string, number>();
  for (const r of runs)
    for (const [k, v] of Object.entries(r.totals)) weight.set(k, (weight.get(k) ?? 0) + v);
  const named = [...weight]
    .filter(([, v]) => v > 0)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, COLOURS.length)
    .map(([k]) => k);
  const colour = new Map(named.map((k, i) => [k, COLOURS[i] ?? OTHER]));
  const top = niceMax(Math.max(...runs.map((r) => r.total)));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const slot = plotW / runs.length;
  const barW = Math.max(2, Math.min(40, slot * 0.7));
  const y = (v: number) => PAD.top + plotH - (plotH * v) / top;
  const labelEvery = Math.max(1, Math.ceil(runs.length / 8));
  const bars = runs.map((r, i) => {
    const x = PAD.left + i * slot + (slot - barW) / 2;
    let base = 0;
    const segments: Raw[] = [];
    const parts: [string, number][] = named.map((k) => [k, r.totals[k] ?? 0]);
    parts.push(["other", r.total - parts.reduce((n, [, v]) => n + v, 0)]);
    for (const [k, v] of parts) {
      if (v <= 0) continue;
      segments.push(
        h`<rect class="seg" data-constraint="${k}" data-value="${v}" x="${x.toFixed(1)}" y="${y(base + v).toFixed(1)}" width="${barW.toFixed(1)}" height="${(y(base) - y(base + v)).toFixed(1)}" fill="${colour.get(k) ?? OTHER}"></rect>`,
      );
      base += v;
    }
    const tip = `${r.finishedAt} (${r.scope || "audit"}): ${r.total} violations, ${r.objectsAudited} objects${r.errors ? `, ${r.errors} errors` : ""}`;
    const label =
      i % labelEvery === 0 || i === runs.length - 1
        ? h`<text x="${(x + barW / 2).toFixed(1)}" y="${H - PAD.bottom + 14}" text-anchor="middle" class="tick">${time(r.finishedAt)}</text>`
        : "";
    return h`<g class="run" data-run="${r.id}" data-total="${r.total}" data-finished="${r.finishedAt}"><title>${tip}</title>${segments}<rect class="hit" x="${x.toFixed(1)}" y="${PAD.top}" width="${barW.toFixed(1)}" height="${plotH}" fill="transparent"></rect>${label}</g>`;
  });
  const legend = [
    ...named,
    ...(runs.some((r) => r.total > named.reduce((n, k) => n + (r.totals[k] ?? 0), 0)) ? ["other"] : []),
  ];
  const last = runs[runs.length - 1];
  return h`<div id="runs-chart" data-runs="${runs.length}">
<svg viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="Violations per audit run (last ${runs.length})" xmlns="http://www.w3.org/2000/svg">
<line x1="${PAD.left}" y1="${PAD.top + plotH}" x2="${W - PAD.right}" y2="${PAD.top + plotH}" class="axis"></line>
<line x1="${PAD.left}" y1="${PAD.top}" x2="${W - PAD.right}" y2="${PAD.top}" class="grid"></line>
<text x="${PAD.left - 6}" y="${PAD.top + 4}" text-anchor="end" class="tick" id="runs-chart-max">${top}</text>
<text x="${PAD.left - 6}" y="${PAD.top + plotH + 4}" text-anchor="end" class="tick">0</text>
${bars}
</svg>
<p class="legend">${legend.map((k) => h`<span><i style="background:${colour.get(k) ?? OTHER}"></i>${k}</span>`)}</p>
${last ? h`<p class="muted">Last run ${last.finishedAt}: <b id="runs-last-total">${last.total}</b> violations in ${last.objectsAudited} objects.</p>` : ""}
</div>`;
}
