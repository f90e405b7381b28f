import { describe, expect, test } from "vitest";
import { type CommandSpec, formatHelp, parseArgs, UsageError } from "../src/lib/args.ts";

const SPEC: CommandSpec = {
  name: "demo",
  usage: "demo [flags]",
  summary: "a demo command",
  flags: [
    { name: "filename", short: "f", type: "strings", description: "files" },
    { name: "output", short: "o", type: "string", description: "format" },
    { name: "deny-only", type: "boolean", description: "deny only" },
    { name: "native", type: "boolean", default: true, description: "native validation" },
  ],
};

describe("parseArgs", () => {
  test("long, short, attached and repeated flags", () => {
    const a = parseArgs(
      ["-f", "a.yaml", "--filename=b.yaml", "-fc.yaml", "--output", "json", "x", "--deny-only"],
      SPEC,
    );
    expect(a.flags.filename).toEqual(["a.yaml", "b.yaml", "c.yaml"]);
    expect(a.flags.output).toBe("json");
    expect(a.flags["deny-only"]).toBe(true);
    expect(a.flags.native).toBe(true);
    expect(a.positionals).toEqual(["x"]);
    expect(a.help).toBe(false);
  });

  test("booleans take =false and =true but never the next argument", () => {
    const a = parseArgs(["--native=false", "--deny-only", "pos"], SPEC);
    expect(a.flags.native).toBe(false);
    expect(a.flags["deny-only"]).toBe(true);
    expect(a.positionals).toEqual(["pos"]);
  });

  test("-o=yaml and -- ends flags", () => {
    const a = parseArgs(["-o=yaml", "--", "--not-a-flag", "-f"], SPEC);
    expect(a.flags.output).toBe("yaml");
    expect(a.positionals).toEqual(["--not-a-flag", "-f"]);
  });

  test("help anywhere", () => {
    expect(parseArgs(["-f", "x", "--help"], SPEC).help).toBe(true);
    expect(parseArgs(["-h"], SPEC).help).toBe(true);
  });

  test.each([
    [["--nope"], "unknown flag: --nope"],
    [["-z"], "unknown shorthand flag: 'z' in -z"],
    [["-f"], "flag needs an argument: -f"],
    [["--output"], "flag needs an argument: --output"],
    [["--native=maybe"], 'invalid boolean value "maybe" for --native'],
  ])("usage error for %j", (argv, message) => {
    expect(() => parseArgs(argv, SPEC)).toThrow(UsageError);
    expect(() => parseArgs(argv, SPEC)).toThrow(message);
  });

  test("help text lists every flag and its default", () => {
    const h = formatHelp(SPEC);
    expect(h).toContain("Usage:\n  portcullis demo [flags]");
    expect(h).toMatch(/-f, --filename string\s+files \(repeatable\)/);
    expect(h).toMatch(/--native\s+native validation \(default true\)/);
    expect(h).toMatch(/-h, --help\s+help for demo/);
  });
});
