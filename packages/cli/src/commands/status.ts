/**
 * `portcullis status`: the ConstraintTemplates (created / errors), the
 * constraints (enforcement action, totalViolations, last audit) and, for a
 * stack that `portcullis up` runs, each service's replicas ready, as tables.
 */
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { kubeBinaries } from "@portcullis/testkit";
import { type CommandSpec, formatHelp, parseArgs, str, UsageError } from "../lib/args.ts";
import type { CliIO } from "../lib/io.ts";
import { kubectlRunner } from "../up/infra.ts";
import { defaultStateFile, type UpState } from "../up/state.ts";

export const STATUS_SPEC: CommandSpec = {
  name: "status",
  usage: "status [--kubeconfig FILE] [--state-file FILE] [-o table|json]",
  summary:
    "Shows the ConstraintTemplates (created, errors), the constraints (enforcement action, totalViolations)\n" +
    "and, when `portcullis up` is running, its services' replicas ready.",
  flags: [
    {
      name: "kubeconfig",
      type: "string",
      value: "file",
      description: "API server [default: the running `portcullis up`'s, else KUBECONFIG]",
    },
    {
      name: "state-file",
      type: "string",
      value: "file",
      description: "the state file `portcullis up` wrote",
    },
    { name: "output", short: "o", type: "string", value: "format", description: "table (default) or json" },
  ],
  examples: ["portcullis status", "portcullis status -o json"],
};

type Obj = Record<string, any>;

export interface StatusReport {
  templates: { name: string; kind: string; created: boolean; errors: string[] }[];
  constraints: {
    kind: string;
    name: string;
    enforcementAction: string;
    totalViolations: number | null;
    auditTimestamp: string | null;
  }[];
  services: { service: string; ready: number; replicas: number; pids: (number | null)[] }[] | null;
}

export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join("   ")
      .trimEnd();
  return [line(headers), ...rows.map(line)].join("\n");
}

async function readyz(port: number | undefined): Promise<boolean> {
  if (port === undefined) return false;
  try {
    const res = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2000) });
    return res.status === 200;
  } catch {
    return false;
  }
}

function readState(path: string): UpState | undefined {
  if (!existsSync(path)) return undefined;
  try {
    const state = JSON.parse(readFileSync(path, "utf8")) as UpState;
    process.kill(state.pid, 0);
    return state;
  } catch {
    return undefined;
  }
}

export async function statusCommand(argv: string[], io: CliIO): Promise<number> {
  const args = parseArgs(argv, STATUS_SPEC);
  if (args.help) {
    io.out(formatHelp(STATUS_SPEC));
    return 0;
  }
  const output = str(args.flags.output) ?? "table";
  if (output !== "table" && output !== "json")
    throw new UsageError("status", `invalid output "${output}" (table or json)`);
  const state = readState(resolve(str(args.flags["state-file"]) ?? defaultStateFile()));
  const kubeconfig = str(args.flags.kubeconfig) ?? state?.kubeconfig ?? process.env.KUBECONFIG;
  if (!kubeconfig) {
    io.err("portcullis status: no running `portcullis up` found and no --kubeconfig / KUBECONFIG");
    return 1;
  }
  let kubectlPath = state?.kubectl;
  if (!kubectlPath) {
    try {
      kubectlPath = kubeBinaries().kubectl;
    } catch {
      kubectlPath = "kubectl";
    }
  }
  const kubectl = kubectlRunner(kubectlPath, kubeconfig);
  const t = await kubectl(["get", "constrainttemplates.templates.gatekeeper.sh", "-o", "json"]);
  if (t.code !== 0) {
    io.err(`portcullis status: listing ConstraintTemplates: ${t.stderr.trim()}`);
    return 1;
  }
  const templates: StatusReport["templates"] = (JSON.parse(t.stdout).items as Obj[]).map((tpl) => ({
    name: String(tpl.metadata?.name),
    kind: String(tpl.spec?.crd?.spec?.names?.kind ?? ""),
    created: tpl.status?.created === true,
    errors: ((tpl.status?.byPod ?? []) as Obj[]).flatMap((p) =>
      ((p.errors ?? []) as Obj[]).map((e) => String(e.message ?? e.code ?? JSON.stringify(e))),
    ),
  }));
  const constraints: StatusReport["constraints"] = [];
  const kinds = templates
    .filter((x) => x.created && x.kind)
    .map((x) => `${x.kind.toLowerCase()}.constraints.gatekeeper.sh`);
  if (kinds.length > 0) {
    const c = await kubectl(["get", kinds.join(","), "-o", "json"]);
    if (c.code !== 0) io.err(`portcullis status: listing constraints: ${c.stderr.trim()}`);
    else
      for (const o of JSON.parse(c.stdout).items as Obj[])
        constraints.push({
          kind: String(o.kind),
          name: String(o.metadata?.name),
          enforcementAction: String(o.spec?.enforcementAction ?? "deny"),
          totalViolations: typeof o.status?.totalViolations === "number" ? o.status.totalViolations : null,
          auditTimestamp: o.status?.auditTimestamp ?? null,
        });
  }
  let services: StatusReport["services"] = null;
  if (state) {
    const groups = new Map<string, { ready: number; replicas: number; pids: (number | null)[] }>();
    const ready = await Promise.all(state.units.map((u) => readyz(u.healthPort)));
    state.units.forEach((u, i) => {
      const service = u.name.replace(/-\d+$/, "");
      const g = groups.get(service) ?? { ready: 0, replicas: 0, pids: [] };
      g.replicas++;
      if (ready[i]) g.ready++;
      g.pids.push(u.pid ?? null);
      groups.set(service, g);
    });
    services = [...groups].map(([service, g]) => ({ service, ...g }));
  }
  const report: StatusReport = { templates, constraints, services };
  if (output === "json") {
    io.out(JSON.stringify(report, null, 2));
    return 0;
  }
  io.out(
    table(
      ["TEMPLATE", "KIND", "CREATED", "ERRORS"],
      templates.map((x) => [x.name, x.kind, String(x.created), x.errors.length ? x.errors.join("; ") : "-"]),
    ),
  );
  io.out("");
  io.out(
    table(
      ["CONSTRAINT", "ENFORCEMENT", "TOTAL VIOLATIONS", "LAST AUDIT"],
      constraints.map((c) => [
        `${c.kind}/${c.name}`,
        c.enforcementAction,
        c.totalViolations === null ? "-" : String(c.totalViolations),
        c.auditTimestamp ?? "-",
      ]),
    ),
  );
  io.out("");
  if (services)
    io.out(
      table(
        ["SERVICE", "READY", "PIDS"],
        services.map((s) => [s.service, `${s.ready}/${s.replicas}`, s.pids.map((p) => p ?? "-").join(",")]),
      ),
    );
  else io.out("(no running `portcullis up`: replicas unknown)");
  if (state?.dashboardUrl) io.out(`\ndashboard: ${state.dashboardUrl}`);
  return 0;
}
