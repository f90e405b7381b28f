/**
 * `portcullis rego test`: opa test. Compiles every .rego file under the
 * given paths together, then evaluates each `test_*` rule of every package
 * as `data.<pkg>.test_<name>`; a test passes when it is defined and not
 * false. `todo_test_*` rules are reported as skipped.
 */
import { type CommandSpec, formatHelp, parseArgs, str, UsageError } from "../lib/args.ts";
import { paint } from "../lib/color.ts";
import {
  compileParsed,
  type Module,
  type Policy,
  parseModule,
  RegoError,
  type RegoErrorDetail,
  type Value,
} from "../lib/engine.ts";
import { goDuration } from "../lib/gofmt.ts";
import type { CliIO } from "../lib/io.ts";
import { SourceError } from "../lib/manifests.ts";
import { type Loaded, loadPolicySources } from "../lib/policy-files.ts";

export const REGO_TEST_SPEC: CommandSpec = {
  name: "rego test",
  usage: "rego test <path>... [--run <regex>] [--v1]",
  summary:
    "Runs the test_* rules of the Rego files under the given paths (like opa test -v);\n" +
    ".json/.yaml files there are loaded as data (dir/a/data.json at data.a).\n" +
    "Files are Rego v0 unless they `import rego.v1` or --v1 is given. Exits 1 on any failure or error.",
  flags: [
    {
      name: "run",
      short: "r",
      type: "string",
      value: "regex",
      description: "run only tests whose full name (data.pkg.test_x) matches",
    },
    { name: "v1", type: "boolean", description: "parse every file as Rego v1" },
    { name: "timeout", type: "string", value: "seconds", description: "time limit per test (default 30)" },
  ],
  examples: ["portcullis rego test policies/", "portcullis rego test src/ --run 'allowedrepos'"],
};

export type TestStatus = "PASS" | "FAIL" | "ERROR" | "SKIPPED";

export interface TestCase {
  /** data.<pkg>.<rule> */
  name: string;
  file: string;
  row: number;
  status: TestStatus;
  durationNs: bigint;
  error?: string;
  printed: string[];
}

export interface RegoTestRun {
  cases: TestCase[];
  /** Load or compile errors; when present no test ran. */
  errors: string[];
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `data.a["b-c"].d`: the ref OPA prints and a query can evaluate. */
export function dataRef(path: string[]): string {
  return `data${path.map((s) => (IDENT.test(s) ? `.${s}` : `[${JSON.stringify(s)}]`)).join("")}`;
}

export function moduleVersion(source: string, forceV1: boolean): 0 | 1 {
  return forceV1 || /^\s*import\s+rego\.v1\b/m.test(source) ? 1 : 0;
}

function formatErrors(errors: RegoErrorDetail[]): string[] {
  return errors.map((e) => {
    const at = e.location ? `${e.location.file}:${e.location.row}: ` : "";
    return `${at}${e.code}: ${e.message}`;
  });
}

/**
 * Several definitions of one test rule (in one file, or the same package in
 * two files) would merge into a single rule that passes when any of them
 * does. Like opa test, give the second and later ones their own names,
 * `test_x#01`, `test_x#02`, ..., so that each runs and reports separately.
 */
export function renameDuplicateTests(modules: Module[]): void {
  const seen = new Map<string, number>();
  for (const m of modules) {
    for (const r of m.rules) {
      const first = r.head.ref[0];
      if (r.isDefault || r.head.ref.length !== 1 || first?.type !== "string" || r.head.kind === "function")
        continue;
      if (!first.value.startsWith("test_") && !first.value.startsWith("todo_test_")) continue;
      const key = `${m.package.join("\0")}\0${first.value}`;
      const n = seen.get(key);
      seen.set(key, (n ?? 0) + 1);
      if (n !== undefined) r.head.ref = [{ ...first, value: `${first.value}#${String(n).padStart(2, "0")}` }];
    }
  }
}

/** Compiles the files and runs the tests; pure apart from reading the files. */
export async function runRegoTests(
  paths: string[],
  opts: { run?: RegExp; v1?: boolean; timeoutMs?: number } = {},
): Promise<RegoTestRun> {
  let loaded: Loaded;
  try {
    loaded = await loadPolicySources(paths, (src) => moduleVersion(src, !!opts.v1));
  } catch (err) {
    if (err instanceof SourceError) return { cases: [], errors: [err.message] };
    throw err;
  }
  const { modules, data } = loaded;
  if (modules.length === 0) return { cases: [], errors: [`no .rego files found under ${paths.join(", ")}`] };

  // Parse every file first so that all syntax errors are reported together.
  const parsed: Module[] = [];
  const errors: RegoErrorDetail[] = [];
  for (const m of modules) {
    try {
      parsed.push(parseModule(m.source, m.file, { regoVersion: m.regoVersion }));
    } catch (err) {
      if (!(err instanceof RegoError)) throw err;
      errors.push(...err.errors);
    }
  }
  if (errors.length > 0) return { cases: [], errors: formatErrors(errors) };
  renameDuplicateTests(parsed);

  let policy: Policy;
  try {
    policy = compileParsed(parsed);
  } catch (err) {
    if (err instanceof RegoError) return { cases: [], errors: formatErrors(err.errors) };
    throw err;
  }

  const cases: TestCase[] = [];
  const seen = new Set<string>();
  const timeoutMs = opts.timeoutMs ?? 30_000;
  for (const rule of policy.rules()) {
    const todo = rule.name.startsWith("todo_test_");
    if (!(rule.name.startsWith("test_") || todo) || rule.kind === "function") continue;
    // OPA prints dotted names (test_x#01 included); the query needs a proper ref.
    const name = ["data", ...rule.path, rule.name].join(".");
    if (seen.has(name)) continue;
    seen.add(name);
    if (opts.run && !opts.run.test(name)) continue;
    const c: TestCase = {
      name,
      file: rule.loc.file,
      row: rule.loc.row,
      status: "SKIPPED",
      durationNs: 0n,
      printed: [],
    };
    cases.push(c);
    if (todo) continue;
    const start = process.hrtime.bigint();
    try {
      const rows = policy
        .prepare(dataRef([...rule.path, rule.name]))
        .eval({ data: data as Value, deadline: Date.now() + timeoutMs, print: (l) => c.printed.push(l) });
      c.status = rows.length > 0 ? "PASS" : "FAIL";
    } catch (err) {
      if (!(err instanceof RegoError)) throw err;
      c.status = "ERROR";
      c.error = formatErrors(err.errors).join("\n");
    }
    c.durationNs = process.hrtime.bigint() - start;
  }
  return { cases, errors: [] };
}

const RULE = "-".repeat(80);

/** opa test -v style report; the last line is `N passed, M failed` (errors count as failed). */
export function formatReport(run: RegoTestRun, color = false): string[] {
  const p = paint(color);
  const tint = (s: TestStatus) => (s === "PASS" ? p.green(s) : s === "SKIPPED" ? p.yellow(s) : p.red(s));
  const lines: string[] = [];
  let file: string | undefined;
  for (const c of run.cases) {
    if (c.file !== file) {
      if (file !== undefined) lines.push("");
      file = c.file;
      lines.push(`${c.file}:`);
    }
    const dur = c.status === "SKIPPED" ? "" : ` (${goDuration(c.durationNs)})`;
    lines.push(`${c.name}: ${tint(c.status)}${dur}`);
  }
  const failed = run.cases.filter((c) => c.status === "FAIL" || c.status === "ERROR");
  if (failed.length > 0) {
    lines.push(RULE, "FAILURES", RULE);
    for (const c of failed) {
      lines.push(`${c.name}: ${tint(c.status)} (${goDuration(c.durationNs)})`, `  ${c.file}:${c.row}`);
      if (c.error) for (const l of c.error.split("\n")) lines.push(`  ${l}`);
      for (const l of c.printed) lines.push(`  ${l}`);
      lines.push("");
    }
  }
  const total = run.cases.length;
  const count = (s: TestStatus) => run.cases.filter((c) => c.status === s).length;
  lines.push(RULE);
  for (const s of ["PASS", "FAIL", "ERROR", "SKIPPED"] as const) {
    const n = count(s);
    if (n > 0 || s === "PASS") lines.push(`${tint(s)}: ${n}/${total}`);
  }
  lines.push(`${count("PASS")} passed, ${failed.length} failed`);
  return lines;
}

export async function regoTestCommand(argv: string[], io: CliIO): Promise<number> {
  const args = parseArgs(argv, REGO_TEST_SPEC);
  if (args.help) {
    io.out(formatHelp(REGO_TEST_SPEC));
    return 0;
  }
  if (args.positionals.length === 0) throw new UsageError("rego test", "give at least one file or directory");
  let run: RegExp | undefined;
  const pattern = str(args.flags.run);
  if (pattern !== undefined) {
    try {
      run = new RegExp(pattern);
    } catch (err) {
      throw new UsageError("rego test", `invalid --run regex: ${(err as Error).message}`);
    }
  }
  const timeout = str(args.flags.timeout);
  const timeoutS = timeout === undefined ? 30 : Number(timeout);
  if (!(timeoutS > 0)) throw new UsageError("rego test", `invalid --timeout "${timeout}": want seconds > 0`);

  const result = await runRegoTests(args.positionals, {
    run,
    v1: args.flags.v1 === true,
    timeoutMs: timeoutS * 1000,
  });
  if (result.errors.length > 0) {
    for (const e of result.errors) io.err(e);
    io.err(
      `portcullis rego test: ${result.errors.length} error${result.errors.length === 1 ? "" : "s"}; no tests ran`,
    );
    return 1;
  }
  if (result.cases.length === 0) {
    io.err(`portcullis rego test: no test rules (test_*) found${run ? ` matching ${run}` : ""}`);
    return 1;
  }
  io.out(formatReport(result, io.color).join("\n"));
  return result.cases.some((c) => c.status === "FAIL" || c.status === "ERROR") ? 1 : 0;
}
