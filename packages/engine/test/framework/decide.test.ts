import { describe, expect, test } from "vitest";
import { actionsOf, Client, decide, ENFORCEMENT_POINTS, type Result } from "../../src/framework/index.ts";
import { constraint, pod, regoTemplate } from "./helpers.ts";

const { webhook, audit, gator } = ENFORCEMENT_POINTS;

const scoped = (name: string, actions: [string, string[]][]) =>
  constraint(name, {
    enforcementAction: "scoped",
    scopedEnforcementActions: actions.map(([action, points]) => ({
      action,
      enforcementPoints: points.map((p) => ({ name: p })),
    })),
  });

/** Results of an always-violating template for these constraints, reviewed at a point. */
function resultsAt(point: string, constraints: unknown[]): Result[] {
  const c = new Client({ enforcementPoint: point });
  c.addTemplate(regoTemplate('package k8sdemo\nviolation[{"msg": "bad"}] { true }'));
  for (const k of constraints) c.addConstraint(k);
  const { results, errors } = c.review(pod("p"));
  expect(errors).toEqual([]);
  return results;
}

const CONSTRAINTS = [
  constraint("d"),
  constraint("w", { enforcementAction: "warn" }),
  constraint("r", { enforcementAction: "dryrun" }),
  scoped("s-deny-webhook-warn-audit", [
    ["deny", [webhook]],
    ["warn", [audit]],
  ]),
  scoped("s-all-points", [["Warn", ["*"]]]),
  scoped("s-two-at-webhook", [
    ["deny", [webhook, audit]],
    ["dryrun", [webhook]],
  ]),
  scoped("s-elsewhere", [["deny", ["other.example.com"]]]),
];

describe("decide", () => {
  test("deny, warn and dryrun at the webhook", () => {
    const d = decide(resultsAt(webhook, CONSTRAINTS), webhook);
    expect(d.deny).toEqual(["[d] bad", "[s-deny-webhook-warn-audit] bad", "[s-two-at-webhook] bad"]);
    expect(d.warn).toEqual(["[w] bad", "[s-all-points] bad"]);
    expect(d.dryrun.map((r) => r.name)).toEqual(["r", "s-two-at-webhook"]);
  });

  test("scoped actions follow the enforcement point", () => {
    const d = decide(resultsAt(audit, CONSTRAINTS), audit);
    expect(d.deny).toEqual(["[d] bad", "[s-two-at-webhook] bad"]);
    expect(d.warn).toEqual(["[w] bad", "[s-deny-webhook-warn-audit] bad", "[s-all-points] bad"]);
    expect(d.dryrun.map((r) => r.name)).toEqual(["r"]);
    // gator: the scoped constraints without a gator action are not even evaluated.
    const g = decide(resultsAt(gator, CONSTRAINTS), gator);
    expect(g.deny).toEqual(["[d] bad"]);
    expect(g.warn).toEqual(["[w] bad", "[s-all-points] bad"]);
  });

  test("the point given wins over the point the results were computed at", () => {
    const results = resultsAt(webhook, CONSTRAINTS);
    const d = decide(results, audit);
    expect(d.deny).toEqual(["[d] bad", "[s-two-at-webhook] bad"]);
    expect(d.warn).toContain("[s-deny-webhook-warn-audit] bad");
    const s = results.find((r) => r.name === "s-two-at-webhook")!;
    expect(actionsOf(s, webhook)).toEqual(["deny", "dryrun"]);
    expect(actionsOf(s, audit)).toEqual(["deny"]);
    expect(actionsOf(s, gator)).toEqual([]);
  });

  test("nothing to enforce", () => {
    expect(decide([], webhook)).toEqual({ deny: [], warn: [], dryrun: [] });
  });
});
