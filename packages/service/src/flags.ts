/*
 * Flags with environment fallbacks: `--redis-url=…` or PORTCULLIS_REDIS_URL.
 * Flags win over env, env over defaults; unknown flags are an error, so a
 * typo in a Deployment fails loudly instead of being ignored.
 */
import { parseArgs } from "node:util";

export interface FlagSpec {
  /** Environment variable consulted when the flag is absent. */
  env?: string;
  default?: string;
  /** Boolean flags take no value (`--flag`, `--no-flag`; env "true"/"false"). */
  boolean?: boolean;
  help: string;
}

export type FlagValues<S extends Record<string, FlagSpec>> = {
  [K in keyof S]: S[K]["boolean"] extends true ? boolean : string | undefined;
};

export class FlagError extends Error {}

export function usage(program: string, specs: Record<string, FlagSpec>): string {
  const lines = [`usage: ${program} [flags]`, ""];
  for (const [name, s] of Object.entries(specs)) {
    const env = s.env ? ` (env ${s.env})` : "";
    const def = s.default !== undefined ? ` [default ${s.default}]` : "";
    lines.push(`  --${name}${s.boolean ? "" : "=…"}  ${s.help}${env}${def}`);
  }
  return lines.join("\n");
}

export function parseFlags<S extends Record<string, FlagSpec>>(
  specs: S,
  argv: string[] = process.argv.slice(2),
  env: NodeJS.ProcessEnv = process.env,
): FlagValues<S> {
  const options: Record<string, { type: "string" | "boolean" }> = {};
  for (const [name, s] of Object.entries(specs)) {
    options[name] = { type: s.boolean ? "boolean" : "string" };
    if (s.boolean) options[`no-${name}`] = { type: "boolean" };
  }
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false }));
  } catch (e) {
    throw new FlagError((e as Error).message);
  }
  const out: Record<string, string | boolean | undefined> = {};
  for (const [name, s] of Object.entries(specs)) {
    const fromEnv = s.env !== undefined ? env[s.env] : undefined;
    if (s.boolean) {
      if (values[`no-${name}`] === true) out[name] = false;
      else if (values[name] === true) out[name] = true;
      else if (fromEnv !== undefined && fromEnv !== "") {
        if (!/^(true|false|1|0)$/i.test(fromEnv))
          throw new FlagError(`${s.env}=${fromEnv}: expected true or false`);
        out[name] = /^(true|1)$/i.test(fromEnv);
      } else out[name] = s.default === "true";
    } else {
      const v = values[name];
      out[name] = typeof v === "string" ? v : fromEnv !== undefined && fromEnv !== "" ? fromEnv : s.default;
    }
  }
  return out as FlagValues<S>;
}

/** A positive integer flag value, or a FlagError naming the flag. */
export function intFlag(name: string, v: string | undefined, min = 0): number {
  const n = Number(v);
  if (v === undefined || !Number.isInteger(n) || n < min)
    throw new FlagError(`--${name}=${v ?? ""}: expected an integer >= ${min}`);
  return n;
}

/** A duration such as "500ms", "15s", "2m" or plain seconds; returns ms. */
export function durationFlag(name: string, v: string | undefined): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(v ?? "");
  if (!m) throw new FlagError(`--${name}=${v ?? ""}: expected a duration like 500ms, 15s, 2m`);
  const n = Number(m[1]);
  const unit = m[2] ?? "s";
  return Math.round(n * (unit === "ms" ? 1 : unit === "s" ? 1000 : unit === "m" ? 60_000 : 3_600_000));
}
