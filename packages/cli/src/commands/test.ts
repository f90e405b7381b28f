/**
 * `portcullis test`: gator test. Templates and constraints from the given
 * manifests configure a framework client; then every object, the templates
 * and constraints included (as gator does: a constraint without
 * `match.kinds` reports them too), is added as inventory data and reviewed. Violations print in gator's formats and
 * the exit code is 1 when any deny-enforced violation (or error) occurs.
 */
import { stringify } from "yaml";
import { bool, type CommandSpec, formatHelp, parseArgs, str, strs, UsageError } from "../lib/args.ts";
import { paint } from "../lib/color.ts";
import { decide, FrameworkError, GATOR_POINT, newClient, type Result } from "../lib/engine.ts";
import { goJSON, goQuote } from "../lib/gofmt.ts";
import type { CliIO } from "../lib/io.ts";
import { groupOf, loadManifests, type Manifest, roleOf, SourceError } from "../lib/manifests.ts";

export const TEST_SPEC: CommandSpec = {
  name: "test",
  usage: "test -f <file|dir>... [-o json|yaml] [--deny-only]",
  summary:
    "test evaluates resources against policies as defined by constraint templates and constraints.\n" +
    "Exits 1 when a deny violation is found (or on errors), 0 otherwise.",
  flags: [
    {
      name: "filename",
      short: "f",
      type: "strings",
      value: "path",
      description: "a file or directory containing Kubernetes resources ('-' for stdin)",
    },
    { name: "output", short: "o", type: "string", value: "format", description: "output format: json|yaml" },
    {
      name: "deny-only",
      type: "boolean",
      description: "output only violations of deny-enforced constraints",
    },
    {
      name: "enable-k8s-native-validation",
      type: "boolean",
      default: true,
      description: "evaluate K8sNativeValidation (CEL) code when a template has it",
    },
  ],
  examples: [
    "portcullis test -f examples/",
    "portcullis test -f template.yaml -f constraint.yaml -f pod.yaml -o json",
    "cat manifests.yaml | portcullis test",
  ],
};

const TARGET = "admission.k8s.gatekeeper.sh";

export interface Violation {
  result: Result;
  object: Record<string, unknown>;
}

/** Whether a result blocks admission here: deny, or scoped with deny among its actions. */
export function isDeny(r: Result): boolean {
  return decide([r], GATOR_POINT).deny.length > 0;
}

function where(m: Manifest): string {
  return `${m.file}:${m.line}`;
}

function describe(obj: Record<string, unknown>): string {
  const md = (obj.metadata ?? {}) as Record<string, unknown>;
  const name = typeof md.name === "string" ? md.name : "";
  return `${typeof obj.kind === "string" ? obj.kind : "<no kind>"} ${JSON.stringify(name)}`;
}

function frameworkMessage(err: unknown): string {
  if (err instanceof FrameworkError && err.errors?.length) {
    return err.errors
      .map((e) => `${e.code}: ${e.message}${e.location ? ` (at ${e.location})` : ""}`)
      .join("; ");
  }
  return (err as Error)?.message ?? String(err);
}

export interface TestRun {
  violations: Violation[];
  errors: string[];
  warnings: string[];
}

/** Like gator, point out objects defined twice (both are still used). */
function duplicateWarnings(manifests: Manifest[]): string[] {
  const first = new Map<string, Manifest>();
  const out: string[] = [];
  for (const m of manifests) {
    const md = (m.obj.metadata ?? {}) as Record<string, unknown>;
    const key = JSON.stringify([m.obj.apiVersion, m.obj.kind, md.namespace ?? "", md.name]);
    const prev = first.get(key);
    if (prev === undefined) first.set(key, m);
    else out.push(`${where(m)}: ${describe(m.obj)} is already defined at ${where(prev)}`);
  }
  return out;
}

/** gator test over loaded manifests: configure a client, add every object (policies too) as data, review each. */
export function runTest(manifests: Manifest[], opts: { enableCEL: boolean }): TestRun {
  const client = newClient({ enableCEL: opts.enableCEL });
  const errors: string[] = [];
  const objects: Manifest[] = [];
  // gator defaults enforcementAction into the constraint object it was given, and then reviews that object.
  const asReviewed = new Map<Manifest, Manifest>();
  for (const role of ["template", "constraint"] as const) {
    for (const m of manifests) {
      if (roleOf(m.obj) !== role) continue;
      try {
        if (role === "template") client.addTemplate(m.obj);
        else {
          client.addConstraint(m.obj);
          asReviewed.set(m, { ...m, obj: withDefaultAction(m.obj) });
        }
      } catch (err) {
        errors.push(`${where(m)}: adding ${role} ${describe(m.obj)}: ${frameworkMessage(err)}`);
      }
    }
  }
  for (const given of manifests) {
    const m = asReviewed.get(given) ?? given;
    // gator test passes over AdmissionReview documents (gator verify is where they are used).
    if (m.obj.kind === "AdmissionReview" && groupOf(m.obj.apiVersion) === "admission.k8s.io") continue;
    try {
      client.addData(m.obj);
      objects.push(m);
    } catch (err) {
      errors.push(`${where(m)}: adding data ${describe(m.obj)}: ${frameworkMessage(err)}`);
    }
  }
  const violations: Violation[] = [];
  const namespaceFor = gatorNamespaces(objects);
  for (const m of objects) {
    try {
      const namespace = namespaceFor(m.obj);
      const { results, errors: failed } = client.review(m.obj, namespace === undefined ? {} : { namespace });
      // As gator does, an object with any failing constraint reports the error alone.
      if (failed.length > 0) throw new FrameworkError(failed);
      results.sort((a, b) => cmp(a.name, b.name) || cmp(a.kind, b.kind));
      for (const result of results) violations.push({ result, object: m.obj });
    } catch (err) {
      errors.push(`${where(m)}: reviewing ${describe(m.obj)}: ${frameworkMessage(err)}`);
    }
  }
  // gator's order: by enforcement action, then message; otherwise objects in input order,
  // each object's results by constraint.
  violations.sort(
    (a, b) => cmp(a.result.enforcementAction, b.result.enforcementAction) || cmp(a.result.msg, b.result.msg),
  );
  return { violations, errors, warnings: duplicateWarnings(manifests) };
}

/** A constraint with `spec` and no `spec.enforcementAction` gets "deny", as Gatekeeper stores it. */
function withDefaultAction(obj: Record<string, unknown>): Record<string, unknown> {
  const spec = obj.spec;
  if (spec === null || typeof spec !== "object" || Array.isArray(spec)) return obj;
  if ((spec as Record<string, unknown>).enforcementAction !== undefined) return obj;
  return { ...obj, spec: { ...spec, enforcementAction: "deny" } };
}

/**
 * gator test's namespace for an object: an empty Namespace when the object
 * names none (so `namespaces`/`namespaceSelector` criteria see "" and no
 * labels, and `scope: Cluster` does not match), the Namespace among the
 * inputs with its name, a bare "default", or none (then the data is searched).
 */
function gatorNamespaces(objects: Manifest[]): (obj: Record<string, unknown>) => unknown {
  const byName = new Map<string, unknown>();
  for (const m of objects) {
    if (m.obj.kind !== "Namespace" || groupOf(m.obj.apiVersion) !== "") continue;
    const name = (m.obj.metadata as Record<string, unknown> | undefined)?.name;
    if (typeof name === "string" && !byName.has(name)) byName.set(name, m.obj);
  }
  return (obj) => {
    const ns = (obj.metadata as Record<string, unknown> | undefined)?.namespace;
    if (typeof ns !== "string" || ns === "") return { apiVersion: "v1", kind: "Namespace", metadata: {} };
    if (byName.has(ns)) return byName.get(ns);
    return ns === "default"
      ? { apiVersion: "v1", kind: "Namespace", metadata: { name: "default" } }
      : undefined;
  };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** gator's human line: `<apiVersion>/<Kind> [<ns>/]<name>: ["<constraint>"] Message: "<msg>"`. */
export function humanLine(v: Violation, color = false): string {
  const p = paint(color);
  const obj = v.object;
  const md = (obj.metadata ?? {}) as Record<string, unknown>;
  const ns = typeof md.namespace === "string" && md.namespace !== "" ? `${md.namespace}/` : "";
  const ref = `${obj.apiVersion}/${obj.kind} ${ns}${md.name}`;
  const action = v.result.enforcementAction;
  const tint = isDeny(v.result) ? p.red : action === "warn" ? p.yellow : p.cyan;
  return `${p.bold(ref)}: [${tint(goQuote(v.result.name))}] Message: ${goQuote(v.result.msg)}`;
}

/** The constraint as Gatekeeper stores it: enforcementAction defaulted into spec. */
function storedConstraint(r: Result): Record<string, unknown> {
  const c = r.constraint;
  const spec = (c.spec ?? {}) as Record<string, unknown>;
  if (spec.enforcementAction !== undefined) return c;
  return { ...c, spec: { ...spec, enforcementAction: r.enforcementAction } };
}

/** gator's `-o json` document (GatorResult fields in declaration order). */
export function jsonOutput(vs: Violation[]): string {
  if (vs.length === 0) return "null";
  const structs = new WeakSet<object>();
  const rows = vs.map((v) => {
    const metadata = { details: v.result.details ?? {} };
    const row: Record<string, unknown> = {
      target: TARGET,
      msg: v.result.msg,
      metadata,
      constraint: storedConstraint(v.result),
      enforcementAction: v.result.enforcementAction,
    };
    if (v.result.scopedEnforcementActions?.length) row.scopedActions = v.result.scopedEnforcementActions;
    row.violatingObject = v.object;
    row.trace = null;
    structs.add(row);
    structs.add(metadata);
    return row;
  });
  return goJSON(rows, "    ", (o) => structs.has(o));
}

/** Go marshals maps with sorted keys; applied to the Kubernetes objects inside YAML output. */
function sortedKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortedKeys);
  if (v === null || typeof v !== "object") return v;
  const o = v as Record<string, unknown>;
  return Object.fromEntries(
    Object.keys(o)
      .sort()
      .map((k) => [k, sortedKeys(o[k])]),
  );
}

/** gator's `-o yaml` document (it nests the framework result under `result`, fields lower-cased). */
export function yamlOutput(vs: Violation[]): string {
  const rows = vs.map((v) => ({
    result: {
      target: TARGET,
      msg: v.result.msg,
      metadata: { details: sortedKeys(v.result.details ?? {}) },
      constraint: { object: sortedKeys(storedConstraint(v.result)) },
      enforcementaction: v.result.enforcementAction,
      scopedenforcementactions: v.result.scopedEnforcementActions ?? [],
    },
    violatingObject: sortedKeys(v.object),
    trace: null,
  }));
  return stringify(rows, { lineWidth: 0, indent: 4, indentSeq: true });
}

export async function testCommand(argv: string[], io: CliIO): Promise<number> {
  const args = parseArgs(argv, TEST_SPEC);
  if (args.help) {
    io.out(formatHelp(TEST_SPEC));
    return 0;
  }
  const output = str(args.flags.output)?.toLowerCase();
  if (output !== undefined && output !== "json" && output !== "yaml" && output !== "") {
    throw new UsageError("test", `unknown output format "${output}": use json or yaml`);
  }
  // Positional paths are accepted as if given with -f.
  let files = [...strs(args.flags.filename), ...args.positionals];
  if (files.length === 0) {
    if (io.readStdin === undefined || process.stdin.isTTY) {
      throw new UsageError("test", "no input: give manifests with -f <file|dir> or on stdin");
    }
    files = ["-"];
  }

  let manifests: Manifest[];
  try {
    manifests = await loadManifests(files, { readStdin: io.readStdin });
  } catch (err) {
    if (err instanceof SourceError) {
      io.err(`portcullis test: ${err.message}`);
      return 1;
    }
    throw err;
  }

  const { violations, errors, warnings } = runTest(manifests, {
    enableCEL: args.flags["enable-k8s-native-validation"] !== false,
  });
  const shown = bool(args.flags["deny-only"]) ? violations.filter((v) => isDeny(v.result)) : violations;

  if (output === "json") io.out(jsonOutput(shown));
  else if (output === "yaml") io.out(yamlOutput(shown));
  else for (const v of shown) io.out(humanLine(v, io.color));

  for (const w of warnings) io.err(`portcullis test: warning: ${w}`);
  for (const e of errors) io.err(`portcullis test: ${e}`);
  return errors.length > 0 || shown.some((v) => isDeny(v.result)) ? 1 : 0;
}
