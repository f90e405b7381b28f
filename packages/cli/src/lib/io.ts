/** The streams a command writes to, injectable so tests can capture output. */
export interface CliIO {
  /** Writes to stdout; a trailing newline is added when `s` lacks one. */
  out(s: string): void;
  /** Writes to stderr; a trailing newline is added when `s` lacks one. */
  err(s: string): void;
  /** Whether ANSI colour may be used on stdout. */
  color: boolean;
  /** Reads all of stdin (for `-f -`); absent in contexts without one. */
  readStdin?: () => Promise<string>;
}

/**
 * Colour only for a terminal, and never when NO_COLOR is set (https://no-color.org);
 * FORCE_COLOR lets a wrapper that pipes the output (like scripts/demo.sh) keep it.
 */
export function shouldColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "0" && env.FORCE_COLOR !== "false") return true;
  return stream.isTTY === true;
}

function line(s: string): string {
  return s.endsWith("\n") ? s : `${s}\n`;
}

export function processIO(): CliIO {
  return {
    out: (s) => process.stdout.write(line(s)),
    err: (s) => process.stderr.write(line(s)),
    color: shouldColor(process.stdout, process.env),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      return Buffer.concat(chunks).toString("utf8");
    },
  };
}

/** An IO that records everything, for tests and for embedding. */
export function bufferIO(color = false): CliIO & { stdout: string; stderr: string } {
  const io = {
    stdout: "",
    stderr: "",
    color,
    out(s: string) {
      io.stdout += line(s);
    },
    err(s: string) {
      io.stderr += line(s);
    },
  };
  return io;
}
