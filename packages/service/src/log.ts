/*
 * JSON logs, one object per line on stdout: what log shippers on EKS
 * (Fluent Bit, CloudWatch) parse without configuration.
 */
export type Level = "debug" | "info" | "warn" | "error";
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export interface LoggerOptions {
  level?: Level;
  /** Where lines go; stdout by default (tests capture them). */
  write?: (line: string) => void;
}

export function parseLevel(s: string | undefined): Level {
  const l = (s ?? "info").toLowerCase();
  if (l === "debug" || l === "info" || l === "warn" || l === "error") return l;
  throw new Error(`unknown log level ${JSON.stringify(s)} (debug, info, warn, error)`);
}

/** Errors do not serialise with JSON.stringify; keep their message and stack. */
function plain(v: unknown): unknown {
  if (v instanceof Error) return { message: v.message, name: v.name, ...(v.stack ? { stack: v.stack } : {}) };
  return v;
}

export function createLogger(base: Record<string, unknown>, opts: LoggerOptions = {}): Logger {
  const min = ORDER[opts.level ?? "info"];
  const write = opts.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const emit = (level: Level, msg: string, fields?: Record<string, unknown>): void => {
    if (ORDER[level] < min) return;
    const rec: Record<string, unknown> = { time: new Date().toISOString(), level, ...base, msg };
    if (fields) for (const [k, v] of Object.entries(fields)) rec[k] = plain(v);
    let line: string;
    try {
      line = JSON.stringify(rec);
    } catch {
      line = JSON.stringify({ time: rec.time, level, ...base, msg, note: "fields not serialisable" });
    }
    write(line);
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    child: (fields) => createLogger({ ...base, ...fields }, opts),
  };
}
