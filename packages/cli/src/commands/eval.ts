/**
 * `portcullis eval`: opa eval -f json. Loads Rego modules and data files,
 * evaluates one query and prints OPA's JSON result document:
 * {"result":[{"expressions":[{"value","text","location"}],"bindings":{}}]}.
 *
 * Like OPA, the value of an expression that is a bare term or a call is
 * captured (`1 + 2` shows 3, `x == 1` shows true/false); for that the query
 * is rewritten to bind each such expression to a generated variable.
 */
import { readFile } from "node:fs/promises";
import { bool, type CommandSpec, formatHelp, parseArgs, str, strs, UsageError } from "../lib/args.ts";
import {
  type Body,
  compile,
  type Expr,
  type NetworkProvider,
  networkBuiltins,
  type Policy,
  parseQuery,
  RegoError,
  type RegoErrorDetail,
  type Term,
  toJSONText,
  type Value,
} from "../lib/engine.ts";
import type { CliIO } from "../lib/io.ts";
import { indentJSON } from "../lib/json-text.ts";
import { nodeNetworkProvider } from "../lib/network.ts";
import { type Loaded, loadPolicySources, parseDataFile } from "../lib/policy-files.ts";
import { type Segment, splitQuery, splitWith } from "../lib/rego-text.ts";
import { SourceError } from "../lib/yaml.ts";

export const EVAL_SPEC: CommandSpec = {
  name: "eval",
  usage: "eval [-d <file|dir>]... [-i <input.json|yaml>] [--v0] <query>",
  summary:
    "Evaluates a Rego query and prints the result as JSON (like opa eval -f json).\n" +
    "-d loads .rego modules and .json/.yaml data files (a data file in dir/a/b is mounted at data.a.b).\n" +
    "http.send and net.lookup_ip_addr reach the network, as in opa eval (templates in the services\n" +
    "cannot use them: Gatekeeper's capabilities leave them out). http.send does not cache or retry.",
  flags: [
    {
      name: "data",
      short: "d",
      type: "strings",
      value: "path",
      description: "Rego or data file or directory",
    },
    {
      name: "input",
      short: "i",
      type: "string",
      value: "file",
      description: "input document (JSON or YAML)",
    },
    { name: "v0", type: "boolean", description: "parse modules and the query as Rego v0" },
    { name: "v0-compatible", type: "boolean", description: "same as --v0 (opa's spelling)" },
    { name: "strict-builtin-errors", type: "boolean", description: "treat builtin errors as fatal" },
    { name: "format", short: "f", type: "string", value: "json", description: "output format (only json)" },
  ],
  examples: [
    "portcullis eval -d policy.rego -i input.json 'data.example.allow'",
    "portcullis eval 'x := [1, 2][i]'",
    `portcullis eval 'http.send({"method": "get", "url": "http://127.0.0.1:8080/healthz"}).status_code'`,
  ],
};

const CAPTURE = (i: number) => `__portcullis_expr_${i}__`;

function opName(op: Term): string | undefined {
  if (op.type === "var") return op.name;
  if (op.type === "ref" && op.head.type === "var" && op.path.every((p) => p.type === "string")) {
    return [op.head.name, ...op.path.map((p) => (p as { value: string }).value)].join(".");
  }
  return undefined;
}

/** Whether OPA would capture this expression's value (bare terms and calls other than `=`/`:=`). */
function capturable(e: Expr): "term" | "call" | undefined {
  if (e.negated) return undefined;
  if (e.kind.type === "term") return "term";
  if (e.kind.type === "call") {
    const name = opName(e.kind.op);
    return name === "eq" || name === "assign" ? undefined : "call";
  }
  return undefined;
}

/** Whether a query iterates (a ref with a variable operand, or `some ... in`). */
function iterates(body: Body): boolean {
  let found = false;
  const visit = (x: unknown): void => {
    if (found || x === null || typeof x !== "object") return;
    if (Array.isArray(x)) {
      for (const e of x) visit(e);
      return;
    }
    const o = x as Record<string, unknown>;
    if (o.type === "somein") found = true;
    if (o.type === "ref" && Array.isArray(o.path) && o.path.some((p) => (p as Term).type === "var"))
      found = true;
    for (const [k, v] of Object.entries(o)) if (k !== "loc") visit(v);
  };
  visit(body);
  return found;
}

export interface EvalOutcome {
  /** The JSON document opa eval -f json prints. */
  document: string;
  ok: boolean;
}

function errorDocument(errors: RegoErrorDetail[]): EvalOutcome {
  const list = errors.map((e) => ({
    message: e.message,
    code: e.code,
    ...(e.location ? { location: { file: e.location.file, row: e.location.row, col: e.location.col } } : {}),
  }));
  return { document: indentJSON(JSON.stringify({ errors: list })), ok: false };
}

/** Prepares the query with value captures, falling back to fewer captures if the rewrite does not compile. */
function prepareCaptured(
  policy: Policy,
  query: string,
  body: Body,
  segs: Segment[] | undefined,
  version: 0 | 1,
) {
  const kinds = body.map(capturable);
  const attempt = (allow: (k: "term" | "call") => boolean) => {
    const captured = new Set<number>();
    const placed: Placed[] = [];
    let row = 1;
    const lines = body.map((_, i) => {
      const seg = segs![i];
      const k = kinds[i];
      let line = seg.text;
      let prefix = 0;
      if (k !== undefined && allow(k)) {
        captured.add(i);
        const { core, withs } = splitWith(seg.text);
        prefix = `${CAPTURE(i)} = (`.length;
        line = `${CAPTURE(i)} = (${core})${withs ? ` ${withs}` : ""}`;
      }
      placed.push({ row, prefix, seg });
      row += line.split("\n").length;
      return line;
    });
    const prepared = policy.prepare(lines.join("\n"), { regoVersion: version });
    return { prepared, captured, placed };
  };
  if (segs !== undefined) {
    for (const allow of [() => true, (k: string) => k === "term"]) {
      try {
        return attempt(allow);
      } catch (err) {
        if (!(err instanceof RegoError)) throw err;
      }
    }
  }
  return {
    prepared: policy.prepare(query, { regoVersion: version }),
    captured: new Set<number>(),
    placed: undefined,
  };
}

/** Where one expression of the original query sits in the rewritten one. */
interface Placed {
  row: number;
  prefix: number;
  seg: Segment;
}

/** A location in the rewritten query, back in the query as the user wrote it (as OPA reports it). */
function originalLocation(placed: Placed[], loc: { row: number; col: number }): { row: number; col: number } {
  const p = placed.findLast((x) => x.row <= loc.row);
  if (!p) return loc;
  const dr = loc.row - p.row;
  if (dr > 0) return { row: p.seg.row + dr, col: loc.col };
  return { row: p.seg.row, col: p.seg.col + Math.max(0, loc.col - 1 - p.prefix) };
}

export function evaluate(
  loaded: Loaded,
  query: string,
  opts: {
    input?: unknown;
    regoVersion: 0 | 1;
    strictBuiltinErrors?: boolean;
    /** Backs http.send and net.lookup_ip_addr; without it they fail as in the engine. */
    network?: NetworkProvider;
  },
): EvalOutcome {
  try {
    const policy = compile(loaded.modules, {
      regoVersion: opts.regoVersion,
      ...(opts.network ? { builtins: networkBuiltins(opts.network) } : {}),
    });
    const body = parseQuery(query, { regoVersion: opts.regoVersion });
    const split = splitQuery(query);
    const segs = split.length === body.length ? split : undefined;
    const { prepared, captured, placed } = prepareCaptured(policy, query, body, segs, opts.regoVersion);
    let rows: Record<string, Value>[];
    try {
      rows = prepared.eval({
        input: opts.input as Value | undefined,
        data: loaded.data as Value,
        strictBuiltinErrors: opts.strictBuiltinErrors,
      });
    } catch (err) {
      // Errors located in the query point at the rewritten text; move them back.
      if (err instanceof RegoError && placed)
        for (const e of err.errors)
          if (e.location && e.location.file === "")
            Object.assign(e.location, originalLocation(placed, e.location));
      throw err;
    }
    // A captured `false` fails the query unless it is the query's only, non-iterating expression.
    const check = body.length > 1 || iterates(body);
    const results: string[] = [];
    for (const row of rows) {
      if (check && [...captured].some((i) => row[CAPTURE(i)] === false)) continue;
      const exprs = body.map((e, i) => {
        const value = captured.has(i) ? toJSONText(row[CAPTURE(i)]) : "true";
        const text = JSON.stringify(segs ? segs[i].text : (e.loc.text ?? ""));
        const loc = `{"row":${segs ? segs[i].row : e.loc.row},"col":${segs ? segs[i].col : e.loc.col}}`;
        return `{"value":${value},"text":${text},"location":${loc}}`;
      });
      const names = Object.keys(row)
        .filter((k) => !k.startsWith("__portcullis_expr_"))
        .sort();
      let res = `{"expressions":[${exprs.join(",")}]`;
      if (names.length > 0) {
        res += `,"bindings":{${names.map((k) => `${JSON.stringify(k)}:${toJSONText(row[k])}`).join(",")}}`;
      }
      results.push(`${res}}`);
    }
    const doc = results.length === 0 ? "{}" : `{"result":[${results.join(",")}]}`;
    return { document: indentJSON(doc), ok: true };
  } catch (err) {
    if (err instanceof RegoError) return errorDocument(err.errors);
    throw err;
  }
}

export async function evalCommand(argv: string[], io: CliIO): Promise<number> {
  const args = parseArgs(argv, EVAL_SPEC);
  if (args.help) {
    io.out(formatHelp(EVAL_SPEC));
    return 0;
  }
  const format = str(args.flags.format);
  if (format !== undefined && format !== "json")
    throw new UsageError("eval", `unsupported --format "${format}": only json`);
  if (args.positionals.length !== 1) throw new UsageError("eval", "give exactly one query");
  const regoVersion = bool(args.flags.v0) || bool(args.flags["v0-compatible"]) ? 0 : 1;

  let loaded: Loaded;
  let input: unknown;
  try {
    loaded = await loadPolicySources(strs(args.flags.data), () => regoVersion);
    const inputFile = str(args.flags.input);
    if (inputFile !== undefined) {
      const text = await readFile(inputFile, "utf8").catch((err: Error) => {
        throw new SourceError(inputFile, err.message);
      });
      input = parseDataFile(text, inputFile);
    }
  } catch (err) {
    if (err instanceof SourceError) {
      io.err(`portcullis eval: ${err.message}`);
      return 1;
    }
    throw err;
  }
  const network = nodeNetworkProvider();
  const outcome = evaluate(loaded, args.positionals[0], {
    input,
    regoVersion,
    strictBuiltinErrors: bool(args.flags["strict-builtin-errors"]),
    network,
  });
  network.close();
  io.out(outcome.document);
  return outcome.ok ? 0 : 1;
}
