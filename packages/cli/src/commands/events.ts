/**
 * `portcullis events`: tails the violation event stream (NATS JetStream):
 * admission and audit violations, audit run summaries and errors, one JSON
 * object per line. An ephemeral ordered consumer: nothing is acknowledged
 * and nothing is left behind on the server.
 */
import { DeliverPolicy, jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { type CommandSpec, formatHelp, parseArgs, UsageError } from "../lib/args.ts";
import type { CliIO } from "../lib/io.ts";

export const EVENTS_SPEC: CommandSpec = {
  name: "events",
  usage:
    "events [--nats-url <url>] [--stream <name>] [--subject <subject>] [--since <duration|time>] [--count <n>]",
  summary:
    "Tails the Portcullis event stream (admission and audit violations, audit run summaries) as JSON lines.\n" +
    "Without --since only new events are shown; --since 10m (or an RFC 3339 time, or 'all') replays from then.",
  flags: [
    { name: "nats-url", type: "string", value: "url", description: "NATS server (env PORTCULLIS_NATS_URL)" },
    {
      name: "stream",
      type: "string",
      value: "name",
      description: "JetStream stream [default PORTCULLIS_VIOLATIONS]",
    },
    {
      name: "subject",
      type: "string",
      value: "subject",
      description: "subject filter [default portcullis.>], e.g. portcullis.violations.audit.>",
    },
    {
      name: "since",
      type: "string",
      value: "when",
      description: "replay from a duration ago (30s, 10m, 2h), a time, or all",
    },
    { name: "count", type: "string", value: "n", description: "exit after n events" },
    {
      name: "timeout",
      type: "string",
      value: "duration",
      description: "exit after this long without an event",
    },
  ],
  examples: [
    "portcullis events",
    "portcullis events --subject 'portcullis.violations.audit.>' --since 1h",
    "portcullis events --subject portcullis.audit.runs --since all --count 1",
  ],
};

function durationMs(s: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(s);
  if (!m) throw new UsageError("events", `invalid duration "${s}" for --${flag} (e.g. 30s, 10m, 2h)`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[
    m[2] as "ms" | "s" | "m" | "h" | "d"
  ];
  return Number(m[1]) * unit;
}

/** --since: "all", a duration ago, or a time. */
export function sinceStart(since: string, now = Date.now()): Date | "all" {
  if (since === "all") return "all";
  if (/^\d/.test(since) && !/[-T:]/.test(since)) return new Date(now - durationMs(since, "since"));
  const t = Date.parse(since);
  if (Number.isNaN(t))
    throw new UsageError("events", `invalid --since "${since}": a duration, an RFC 3339 time or all`);
  return new Date(t);
}

export async function eventsCommand(argv: string[], io: CliIO): Promise<number> {
  const args = parseArgs(argv, EVENTS_SPEC);
  if (args.help) {
    io.out(formatHelp(EVENTS_SPEC));
    return 0;
  }
  const f = args.flags;
  const url =
    (f["nats-url"] as string | undefined) ?? process.env.PORTCULLIS_NATS_URL ?? "nats://127.0.0.1:4222";
  const stream = (f.stream as string | undefined) ?? "PORTCULLIS_VIOLATIONS";
  const subject = (f.subject as string | undefined) ?? "portcullis.>";
  const since = f.since as string | undefined;
  const start = since === undefined ? undefined : sinceStart(since);
  const count = f.count === undefined ? Infinity : Number(f.count);
  if (!(count > 0)) throw new UsageError("events", `invalid --count "${String(f.count)}"`);
  const idleMs = f.timeout === undefined ? undefined : durationMs(String(f.timeout), "timeout");

  const nc = await connect({ servers: url.split(",").map((s) => s.trim().replace(/^nats:\/\//, "")) });
  try {
    const consumer = await jetstream(nc).consumers.get(stream, {
      filter_subjects: subject,
      ...(start === undefined
        ? { deliver_policy: DeliverPolicy.New }
        : start === "all"
          ? { deliver_policy: DeliverPolicy.All }
          : { deliver_policy: DeliverPolicy.StartTime, opt_start_time: start.toISOString() }),
    });
    const messages = await consumer.consume();
    let idle: NodeJS.Timeout | undefined;
    const arm = (): void => {
      if (idleMs === undefined) return;
      clearTimeout(idle);
      idle = setTimeout(() => void messages.stop(), idleMs);
    };
    const stop = (): void => void messages.stop();
    process.once("SIGINT", stop);
    arm();
    let n = 0;
    for await (const m of messages) {
      let body: unknown;
      try {
        body = m.json();
      } catch {
        body = m.string();
      }
      io.out(
        JSON.stringify({
          subject: m.subject,
          seq: m.seq,
          time: new Date(Number(m.timestampNanos / 1_000_000n)).toISOString(),
          event: body,
        }),
      );
      arm();
      if (++n >= count) break;
    }
    clearTimeout(idle);
    process.off("SIGINT", stop);
    return 0;
  } finally {
    await nc.close();
  }
}
