/**
 * `portcullis` command-line entry: dispatches to one module per subcommand.
 * Exit codes: 0 success, 1 violations/failures/errors, 2 usage errors.
 */
import { evalCommand } from "./commands/eval.ts";
import { eventsCommand } from "./commands/events.ts";
import { regoTestCommand } from "./commands/rego-test.ts";
import { statusCommand } from "./commands/status.ts";
import { testCommand } from "./commands/test.ts";
import { upCommand } from "./commands/up.ts";
import { verifyCommand } from "./commands/verify.ts";
import { UsageError } from "./lib/args.ts";
import { type CliIO, processIO } from "./lib/io.ts";

interface Command {
  summary: string;
  run(argv: string[], io: CliIO): Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  test: {
    summary: "review Kubernetes objects against templates and constraints (like gator test)",
    run: testCommand,
  },
  verify: {
    summary: "run gator Suite files (test.gatekeeper.sh/v1alpha1) and check their assertions",
    run: verifyCommand,
  },
  rego: { summary: "Rego tools: `rego test` runs test_* rules (like opa test)", run: regoCommand },
  eval: {
    summary: "evaluate a Rego query against policies and input (like opa eval -f json)",
    run: evalCommand,
  },
  events: {
    summary: "tail the violation event stream (admission and audit events, NATS JetStream)",
    run: eventsCommand,
  },
  up: {
    summary: "run the whole system locally (API server, Redis, NATS, every service); Ctrl-C stops it",
    run: upCommand,
  },
  status: {
    summary: "templates, constraints (enforcement, totalViolations) and the replicas `up` runs",
    run: statusCommand,
  },
};

const REGO_SUBCOMMANDS: Record<string, Command> = {
  test: { summary: "run the test_* rules of Rego files (like opa test)", run: regoTestCommand },
};

function overview(name: string, summary: string, commands: Record<string, Command>): string {
  const width = Math.max(...Object.keys(commands).map((k) => k.length)) + 3;
  const rows = Object.entries(commands).map(([k, c]) => `  ${k.padEnd(width)}${c.summary}`);
  return (
    `${summary}\n\nUsage:\n  ${name} <command> [flags]\n\nCommands:\n${rows.join("\n")}\n\n` +
    `Run '${name} <command> --help' for a command's flags.\n`
  );
}

async function regoCommand(argv: string[], io: CliIO): Promise<number> {
  return dispatch("portcullis rego", "Rego policy tools.", REGO_SUBCOMMANDS, argv, io);
}

async function dispatch(
  name: string,
  summary: string,
  commands: Record<string, Command>,
  argv: string[],
  io: CliIO,
): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === "-h" || sub === "--help" || sub === "help") {
    const text = overview(name, summary, commands);
    if (sub === undefined) {
      io.err(text);
      return 2;
    }
    io.out(text);
    return 0;
  }
  const cmd = Object.hasOwn(commands, sub) ? commands[sub] : undefined;
  if (cmd === undefined) {
    io.err(`Error: unknown command "${sub}" for "${name}"\nRun '${name} --help' for usage.`);
    return 2;
  }
  return cmd.run(rest, io);
}

/** Runs the CLI; returns the process exit code. */
export async function run(argv: string[], io: CliIO = processIO()): Promise<number> {
  if (argv[0] === "--version" || argv[0] === "-v") {
    io.out("portcullis 0.1.0");
    return 0;
  }
  try {
    return await dispatch(
      "portcullis",
      "Portcullis: Kubernetes policy tooling compatible with OPA Gatekeeper.",
      COMMANDS,
      argv,
      io,
    );
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`Error: ${err.message}\nRun 'portcullis ${err.command} --help' for usage.`);
      return 2;
    }
    io.err(`portcullis: ${(err as Error)?.stack ?? String(err)}`);
    return 1;
  }
}

if (import.meta.main) {
  process.exitCode = await run(process.argv.slice(2));
}
