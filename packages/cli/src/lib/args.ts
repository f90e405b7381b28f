/**
 * Command-line flag parsing in the style of the Go tools Portcullis mirrors
 * (gator, opa): `--flag value`, `--flag=value`, `-f value`, `-fvalue`,
 * boolean `--flag` / `--flag=false`, repeatable flags, and `--` to end flags.
 * node:util's parseArgs cannot express `--bool=false`, hence this module.
 */

export type FlagType = "boolean" | "string" | "strings";

export interface FlagSpec {
  name: string;
  short?: string;
  type: FlagType;
  description: string;
  /** Placeholder for the value in help output, e.g. "file". */
  value?: string;
  default?: boolean | string;
}

export interface CommandSpec {
  /** Full command path, e.g. "rego test". */
  name: string;
  usage: string;
  summary: string;
  flags: FlagSpec[];
  examples?: string[];
}

export type FlagValues = Record<string, boolean | string | string[] | undefined>;

export interface ParsedArgs {
  flags: FlagValues;
  positionals: string[];
  help: boolean;
}

/** Bad invocation: the CLI prints the message plus a pointer to --help and exits 2. */
export class UsageError extends Error {
  readonly command: string;
  constructor(command: string, message: string) {
    super(message);
    this.command = command;
  }
}

const TRUE = new Set(["true", "1", "t", "T", "TRUE", "True"]);
const FALSE = new Set(["false", "0", "f", "F", "FALSE", "False"]);

export function parseArgs(argv: string[], spec: CommandSpec): ParsedArgs {
  const flags: FlagValues = {};
  for (const f of spec.flags) {
    if (f.type === "strings") flags[f.name] = [];
    else if (f.default !== undefined) flags[f.name] = f.default;
  }
  const positionals: string[] = [];
  let help = false;

  const byName = new Map(spec.flags.map((f) => [f.name, f]));
  const byShort = new Map(spec.flags.filter((f) => f.short).map((f) => [f.short!, f]));

  const set = (f: FlagSpec, raw: string | undefined, shown: string) => {
    if (f.type === "boolean") {
      if (raw === undefined) flags[f.name] = true;
      else if (TRUE.has(raw)) flags[f.name] = true;
      else if (FALSE.has(raw)) flags[f.name] = false;
      else throw new UsageError(spec.name, `invalid boolean value "${raw}" for ${shown}`);
      return;
    }
    if (raw === undefined) throw new UsageError(spec.name, `flag needs an argument: ${shown}`);
    if (f.type === "strings") (flags[f.name] as string[]).push(raw);
    else flags[f.name] = raw;
  };

  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (a === "-h" || a === "--help") {
      help = true;
      continue;
    }
    if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      const f = byName.get(name);
      if (!f) throw new UsageError(spec.name, `unknown flag: --${name}`);
      let raw = eq < 0 ? undefined : a.slice(eq + 1);
      if (raw === undefined && f.type !== "boolean") raw = argv[++i];
      set(f, raw, `--${name}`);
      continue;
    }
    if (a.startsWith("-") && a.length > 1) {
      const f = byShort.get(a[1]);
      if (!f) throw new UsageError(spec.name, `unknown shorthand flag: '${a[1]}' in ${a}`);
      let raw: string | undefined;
      if (a.length > 2) raw = a[2] === "=" ? a.slice(3) : a.slice(2);
      else if (f.type !== "boolean") raw = argv[++i];
      set(f, raw, `-${a[1]}`);
      continue;
    }
    positionals.push(a);
  }
  return { flags, positionals, help };
}

/** Help text for one command: usage, summary, flags aligned in a column, examples. */
export function formatHelp(spec: CommandSpec): string {
  const rows = [
    ...spec.flags.map((f) => {
      const short = f.short ? `-${f.short}, ` : "    ";
      const value = f.type === "boolean" ? "" : ` ${f.value ?? "string"}`;
      const def = f.type === "boolean" && f.default === true ? " (default true)" : "";
      const rep = f.type === "strings" ? " (repeatable)" : "";
      return [`  ${short}--${f.name}${value}`, `${f.description}${rep}${def}`];
    }),
    ["  -h, --help", `help for ${spec.name}`],
  ];
  const width = Math.max(...rows.map((r) => r[0].length)) + 3;
  let s = `${spec.summary}\n\nUsage:\n  portcullis ${spec.usage}\n\nFlags:\n`;
  for (const [l, r] of rows) s += `${l.padEnd(width)}${r}\n`;
  if (spec.examples?.length) s += `\nExamples:\n${spec.examples.map((e) => `  ${e}`).join("\n")}\n`;
  return s;
}

export const str = (v: FlagValues[string]): string | undefined => (typeof v === "string" ? v : undefined);
export const strs = (v: FlagValues[string]): string[] => (Array.isArray(v) ? v : []);
export const bool = (v: FlagValues[string]): boolean => v === true;
