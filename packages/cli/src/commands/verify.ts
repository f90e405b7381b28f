/**
 * `portcullis verify`: runs gator Suite files (test.gatekeeper.sh/v1alpha1) and checks
 * their assertions, with gator's output (ok/FAIL per suite, `-v` RUN/PASS/FAIL/SKIP
 * lines) and exit codes (0 all pass, 1 any failure, 2 usage), plus a closing
 * `N passed, M failed` line counting cases.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { dirname, extname, join, resolve } from "node:path";
import { type CommandSpec, formatHelp, parseArgs, str, UsageError } from "../lib/args.ts";
import { paint } from "../lib/color.ts";
import { type Client, FrameworkError, newClient } from "../lib/engine.ts";
import type { CliIO } from "../lib/io.ts";
import { parseYamlDocuments, SourceError } from "../lib/yaml.ts";

const SPEC: CommandSpec = {
  name: "verify",
  usage: "verify path... [--run regex] [flags]",
  summary:
    "Run gator Suite files (test.gatekeeper.sh/v1alpha1). A path may be a suite file, a directory\n" +
    "(its suites) or end in /... (every suite below it).",
  flags: [
    {
      name: "run",
      short: "r",
      type: "string",
      value: "regex",
      description: "run only tests/cases whose names match",
    },
    { name: "verbose", short: "v", type: "boolean", description: "print extended test output" },
    {
      name: "enable-k8s-native-validation",
      type: "boolean",
      default: true,
      description: "prefer K8sNativeValidation (CEL) code when a template has it",
    },
    { name: "rego-only", type: "boolean", description: "evaluate templates with Rego only (CEL disabled)" },
    {
      name: "default-k8s-native-validation-failure-policy",
      type: "string",
      value: "policy",
      description:
        "Fail (default) or Ignore: what a CEL evaluation error means for K8sNativeValidation code that sets no failurePolicy (Fail: a violation; Ignore: none)",
    },
    {
      name: "trace",
      short: "t",
      type: "boolean",
      description: "accepted for gator compatibility (no effect)",
    },
  ],
  examples: [
    "portcullis verify library/...",
    "portcullis verify suite.yaml --run 'must-have-owner//'",
    "portcullis verify library/... --rego-only",
  ],
};

type Obj = Record<string, unknown>;

interface Assertion {
  violations?: unknown;
  message?: unknown;
}

interface SuiteCase {
  name?: string;
  object?: string;
  inventory?: string[];
  assertions?: Assertion[];
  skip?: boolean;
}

interface SuiteTest {
  name?: string;
  template?: string;
  constraint?: string;
  cases?: SuiteCase[];
  skip?: boolean;
}

/** gator's --run: "re" matches tests or cases; "testRe//caseRe" matches each separately. */
export class RunFilter {
  readonly #test?: RegExp;
  readonly #case?: RegExp;
  readonly #single: boolean = true;
  constructor(run: string | undefined) {
    if (run === undefined || run === "") return;
    const parts = run.split("//");
    try {
      if (parts.length === 1) {
        this.#test = new RegExp(parts[0], "u");
        this.#case = this.#test;
      } else if (parts.length === 2) {
        this.#single = false;
        if (parts[0] !== "") this.#test = new RegExp(parts[0], "u");
        if (parts[1] !== "") this.#case = new RegExp(parts[1], "u");
      } else {
        throw new UsageError("verify", `invalid --run ${JSON.stringify(run)}: at most one "//" separator`);
      }
    } catch (e) {
      if (e instanceof UsageError) throw e;
      throw new UsageError("verify", `invalid --run regex: ${(e as Error).message}`);
    }
  }
  matchesTest(t: SuiteTest): boolean {
    if (this.#test === undefined) return true;
    if (this.#test.test(t.name ?? "")) return true;
    return this.#single && (t.cases ?? []).some((c) => this.#test!.test(c.name ?? ""));
  }
  matchesCase(testName: string, caseName: string): boolean {
    if (this.#single) {
      return this.#test === undefined || this.#test.test(testName) || this.#test.test(caseName);
    }
    return (
      (this.#test === undefined || this.#test.test(testName)) &&
      (this.#case === undefined || this.#case.test(caseName))
    );
  }
}

class CaseError extends Error {}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(3)}s`;
}

/** Suite files named by a path argument. */
async function suitePaths(arg: string): Promise<string[]> {
  const recursive = arg === "..." || arg.endsWith("/...");
  const root = recursive ? arg.slice(0, -3) || "." : arg;
  let st: Awaited<ReturnType<typeof stat>>;
  try {
    st = await stat(root);
  } catch {
    throw new SourceError(root, "no such file or directory");
  }
  if (!st.isDirectory()) return [root];
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (recursive) await walk(p);
      } else if ([".yaml", ".yml"].includes(extname(e.name).toLowerCase()) && (await isSuite(p))) {
        out.push(p);
      }
    }
  };
  await walk(root);
  return out;
}

async function isSuite(file: string): Promise<boolean> {
  const text = await readFile(file, "utf8");
  if (!/kind:\s*["']?Suite\b/.test(text)) return false;
  try {
    return parseYamlDocuments(text, file).some((d) => isSuiteObj(d.value));
  } catch {
    return false;
  }
}

function isSuiteObj(v: unknown): boolean {
  const o = v as Obj | null;
  return (
    o !== null &&
    typeof o === "object" &&
    o.kind === "Suite" &&
    String(o.apiVersion).startsWith("test.gatekeeper.sh/")
  );
}

async function readObjects(file: string): Promise<Obj[]> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    // Go's *PathError wording, as gator prints it.
    const code = (e as NodeJS.ErrnoException).code;
    throw new CaseError(
      `open ${file}: ${code === "ENOENT" ? "no such file or directory" : (e as Error).message}`,
    );
  }
  const out: Obj[] = [];
  for (const d of parseYamlDocuments(text, file)) {
    const v = d.value;
    if (v === null || typeof v !== "object" || Array.isArray(v)) {
      throw new CaseError(`${file}: document is not a Kubernetes object`);
    }
    out.push(v as Obj);
  }
  return out;
}

async function readOne(file: string, what: string): Promise<Obj> {
  let objs: Obj[];
  try {
    objs = await readObjects(file);
  } catch (e) {
    throw new CaseError(`reading ${what} from ${JSON.stringify(file)}: ${(e as Error).message}`);
  }
  if (objs.length !== 1) {
    throw new CaseError(
      `${what} file must contain exactly one object: ${JSON.stringify(file)} defines ${objs.length} objects`,
    );
  }
  return objs[0];
}

function errorText(e: unknown): string {
  if (e instanceof FrameworkError)
    return e.errors.map((x) => (x.location ? `${x.location}: ${x.message}` : x.message)).join("\n");
  return (e as Error).message ?? String(e);
}

/** Checks one assertion against the results' messages; returns a failure text or undefined. */
export function checkAssertion(a: Assertion, messages: string[]): string | undefined {
  let re: RegExp | undefined;
  if (a.message !== undefined && a.message !== null) {
    try {
      re = new RegExp(String(a.message), "u");
    } catch (e) {
      return `invalid message regex ${JSON.stringify(a.message)}: ${(e as Error).message}`;
    }
  }
  const count = re === undefined ? messages.length : messages.filter((m) => re.test(m)).length;
  const containing = re === undefined ? "" : ` containing ${JSON.stringify(String(a.message))}`;
  // gator lists the messages sorted.
  const got = `got messages [${[...messages].sort().join(" ")}]`;
  const v = a.violations;
  let want: "some" | "none" | number;
  if (v === undefined || v === null || v === true || v === "yes") want = "some";
  else if (v === false || v === "no") want = "none";
  else if (typeof v === "number" && Number.isInteger(v) && v >= 0) want = v;
  else
    return `invalid yaml: assertion.violation, if set, must be a nonnegative integer, "yes", or "no": ${got}`;
  if (want === "some" && count > 0) return undefined;
  if (want === "none" && count === 0) return undefined;
  if (typeof want === "number" && count === want) return undefined;
  const wanted = want === "some" ? "at least 1" : want === "none" ? "none" : `exactly ${want}`;
  return `unexpected number of violations: got ${count} violations${containing} but want ${wanted}: ${got}`;
}

interface VerifyOptions {
  enableCEL: boolean;
  celFailurePolicy: "Fail" | "Ignore";
  filter: RunFilter;
  verbose: boolean;
}

interface Counts {
  passed: number;
  failed: number;
}

/** The object under review: plain object, or an AdmissionReview's request. */
function reviewArgs(obj: Obj): [unknown, { admissionRequest?: boolean }] {
  if (obj.kind === "AdmissionReview" && String(obj.apiVersion).startsWith("admission.k8s.io/")) {
    const req = obj.request;
    if (req === null || typeof req !== "object") throw new CaseError("AdmissionReview has no request");
    return [req, { admissionRequest: true }];
  }
  return [obj, {}];
}

async function runCase(client: Client, c: SuiteCase, base: string): Promise<void> {
  if (typeof c.object !== "string" || c.object === "")
    throw new CaseError("invalid Case: must define object");
  if (!Array.isArray(c.assertions) || c.assertions.length === 0) {
    throw new CaseError("invalid Case: assertions must be non-empty");
  }
  const obj = await readOne(resolve(base, c.object), "object");
  const inventory: Obj[] = [];
  for (const f of c.inventory ?? []) inventory.push(...(await readObjects(resolve(base, f))));
  try {
    for (const o of inventory) {
      try {
        client.addData(o);
      } catch (e) {
        throw new CaseError(`adding inventory: ${errorText(e)}`);
      }
    }
    const [target, opts] = reviewArgs(obj);
    let messages: string[];
    try {
      const { results, errors } = client.review(target, opts);
      // Like gator, a case with any failing constraint fails with the error.
      if (errors.length > 0) throw new FrameworkError(errors);
      messages = results.map((r) => r.msg);
    } catch (e) {
      throw new CaseError(errorText(e));
    }
    // Like gator, report the first assertion that does not hold.
    for (const a of c.assertions ?? []) {
      const problem = checkAssertion(a, messages);
      if (problem !== undefined) throw new CaseError(problem);
    }
  } finally {
    for (const o of inventory) client.removeData(o);
  }
}

async function runTest(
  t: SuiteTest,
  base: string,
  opts: VerifyOptions,
  lines: string[],
  counts: Counts,
): Promise<boolean> {
  const name = t.name ?? "";
  const started = performance.now();
  const caseLines: string[] = [];
  let failed = false;
  let setupError: string | undefined;
  const cases = t.cases ?? [];
  if (opts.verbose) lines.push(`=== RUN   ${name}`);
  const client = newClient({ enableCEL: opts.enableCEL, celFailurePolicy: opts.celFailurePolicy });
  try {
    if (typeof t.template !== "string" || t.template === "")
      throw new CaseError("invalid Suite: missing template");
    if (typeof t.constraint !== "string" || t.constraint === "")
      throw new CaseError("invalid Suite: missing constraint");
    const template = await readOne(resolve(base, t.template), "ConstraintTemplate").catch((e) => {
      throw new CaseError((e as Error).message);
    });
    try {
      client.addTemplate(template);
    } catch (e) {
      throw new CaseError(`adding template: ${errorText(e)}`);
    }
    const constraint = await readOne(resolve(base, t.constraint), "Constraint");
    try {
      client.addConstraint(constraint);
    } catch (e) {
      throw new CaseError(`adding constraint: ${errorText(e)}`);
    }
  } catch (e) {
    setupError = e instanceof CaseError || e instanceof SourceError ? e.message : String(e);
  }

  if (setupError === undefined) {
    for (const c of cases) {
      const cname = c.name ?? "";
      if (c.skip === true || !opts.filter.matchesCase(name, cname)) {
        if (opts.verbose) caseLines.push(`    === SKIP  ${cname}`);
        continue;
      }
      if (opts.verbose) caseLines.push(`    === RUN   ${cname}`);
      const t0 = performance.now();
      let problem: string | undefined;
      try {
        await runCase(client, c, base);
      } catch (e) {
        if (e instanceof CaseError || e instanceof SourceError) problem = e.message;
        else problem = `internal error: ${(e as Error).stack ?? e}`;
      }
      const took = seconds(performance.now() - t0);
      if (problem === undefined) {
        counts.passed++;
        if (opts.verbose) caseLines.push(`    --- PASS: ${cname}\t(${took})`);
      } else {
        counts.failed++;
        failed = true;
        caseLines.push(`    --- FAIL: ${cname}\t(${took})`);
        for (const l of problem.split("\n")) caseLines.push(`        ${l}`);
      }
    }
  } else {
    failed = true;
    counts.failed +=
      cases.filter((c) => c.skip !== true && opts.filter.matchesCase(name, c.name ?? "")).length || 1;
  }
  const took = seconds(performance.now() - started);
  lines.push(...caseLines);
  if (failed) {
    lines.push(`--- FAIL: ${name}\t(${took})`);
    if (setupError !== undefined) for (const l of setupError.split("\n")) lines.push(`  ${l}`);
  } else if (opts.verbose) lines.push(`--- PASS: ${name}\t(${took})`);
  return !failed;
}

async function runSuite(file: string, opts: VerifyOptions, io: CliIO, counts: Counts): Promise<boolean> {
  const started = performance.now();
  const lines: string[] = [];
  let ok = true;
  let suite: Obj | undefined;
  try {
    suite = parseYamlDocuments(await readFile(file, "utf8"), file)
      .map((d) => d.value as Obj)
      .find(isSuiteObj);
    if (suite === undefined) throw new SourceError(file, "not a test.gatekeeper.sh Suite");
  } catch (e) {
    lines.push(`  ${(e as Error).message}`);
    ok = false;
    counts.failed++;
  }
  const base = dirname(file);
  for (const t of (suite?.tests as SuiteTest[] | undefined) ?? []) {
    if (t.skip === true || !opts.filter.matchesTest(t)) {
      if (opts.verbose) lines.push(`=== SKIP  ${t.name ?? ""}`);
      continue;
    }
    if (!(await runTest(t, base, opts, lines, counts))) ok = false;
  }
  const p = paint(io.color);
  for (const l of lines)
    io.out(l.replace(/--- (FAIL|PASS)/, (m, w) => (w === "FAIL" ? p.red(m) : p.green(m))));
  io.out(`${ok ? "ok" : p.red("FAIL")}\t${file}\t${seconds(performance.now() - started)}`);
  return ok;
}

export async function verifyCommand(argv: string[], io: CliIO): Promise<number> {
  const args = parseArgs(argv, SPEC);
  if (args.help) {
    io.out(formatHelp(SPEC));
    return 0;
  }
  if (args.positionals.length === 0) throw new UsageError("verify", "requires a path argument");
  const enableCEL = args.flags["enable-k8s-native-validation"] !== false && args.flags["rego-only"] !== true;
  const policy = str(args.flags["default-k8s-native-validation-failure-policy"]);
  if (policy !== undefined && policy !== "Fail" && policy !== "Ignore") {
    throw new UsageError(
      "verify",
      `invalid failure policy ${JSON.stringify(policy)}: allowed values are Fail or Ignore`,
    );
  }
  const opts: VerifyOptions = {
    enableCEL,
    celFailurePolicy: policy === "Ignore" ? "Ignore" : "Fail",
    filter: new RunFilter(str(args.flags.run)),
    verbose: args.flags.verbose === true,
  };
  const counts: Counts = { passed: 0, failed: 0 };
  let ok = true;
  for (const arg of args.positionals) {
    let files: string[];
    try {
      files = await suitePaths(arg);
    } catch (e) {
      io.err(`listing test files: ${(e as Error).message}`);
      ok = false;
      continue;
    }
    for (const f of files) if (!(await runSuite(f, opts, io, counts))) ok = false;
  }
  io.out(ok ? "PASS" : "FAIL");
  io.out(`${counts.passed} passed, ${counts.failed} failed`);
  if (!ok) io.err("Error: FAIL");
  return ok ? 0 : 1;
}
