/**
 * http.send and net.lookup_ip_addr in `portcullis eval`, side by side with
 * `opa eval` (.cache/bin/opa) against a loopback HTTP server (a child
 * process): the same result documents for JSON/text/YAML bodies, headers,
 * redirects, raise_error, timeouts and lookups of literal IPs and
 * localhost. And the services' side: the framework compiles templates
 * without these builtins, as Gatekeeper does (gator, and so the CLI's test
 * and verify, keep them).
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { Client, FrameworkError } from "@portcullis/engine";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { cli, FIXTURES, ROOT } from "./helpers.ts";

const OPA = join(ROOT, ".cache/bin/opa");
let server: ChildProcess;
let base: string;

beforeAll(async () => {
  server = spawn(process.execPath, [join(FIXTURES, "eval", "http-server.mjs")], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const port = await new Promise<string>((resolve, reject) => {
    server.stdout!.once("data", (d: Buffer) => resolve(d.toString().trim()));
    server.once("exit", (code) => reject(new Error(`the test HTTP server exited (${code})`)));
  });
  base = `http://127.0.0.1:${port}`;
});

afterAll(() => {
  server?.kill();
});

function opa(args: string[]): { code: number; stdout: string } {
  if (!existsSync(OPA))
    throw new Error(`reference opa not found at ${OPA}: run \`bash scripts/setup.sh\` (needs Go)`);
  try {
    return { code: 0, stdout: execFileSync(OPA, ["eval", "-f", "json", ...args], { encoding: "utf8" }) };
  } catch (e) {
    const err = e as { status?: number; stdout?: string };
    return { code: err.status ?? -1, stdout: String(err.stdout ?? "") };
  }
}

/** Both evaluate; the documents must be equal (error stack traces aside: portcullis has none). */
async function same(query: string, flags: string[] = []): Promise<unknown> {
  const want = opa([...flags, query]);
  const got = await cli("eval", ...flags, query);
  const strip = (d: { errors?: Record<string, unknown>[] }) => {
    for (const e of d.errors ?? []) delete e.stack_trace;
    return d;
  };
  const doc = strip(JSON.parse(got.stdout));
  expect(doc, query).toEqual(strip(JSON.parse(want.stdout)));
  // opa exits 2 on errors, portcullis eval 1: both fail.
  expect(got.code === 0, query).toBe(want.code === 0);
  return doc;
}

const send = (req: Record<string, unknown>) => `http.send(${JSON.stringify(req)})`;

describe("http.send in portcullis eval, as opa eval", () => {
  test("a JSON answer: body decoded, raw_body, status, headers grouped under lower-case names", async () => {
    const doc = (await same(
      send({ method: "post", url: `${base}/json`, body: { a: [1, 2] }, headers: { "X-Test": "yes" } }),
    )) as { result: { expressions: { value: Record<string, unknown> }[] }[] };
    const res = doc.result[0]!.expressions[0]!.value;
    expect(res.status_code).toBe(200);
    expect(res.body).toEqual({ method: "POST", body: '{"a":[1,2]}', test: "yes" });
    expect((res.headers as Record<string, string[]>)["x-multi"]).toEqual(["a", "b"]);
  });

  test("text is not decoded unless forced; YAML is; raw_body is sent as is", async () => {
    await same(send({ method: "get", url: `${base}/text` }));
    await same(send({ method: "get", url: `${base}/text`, force_json_decode: true }));
    await same(send({ method: "get", url: `${base}/yaml` }));
    await same(send({ method: "put", url: `${base}/json`, raw_body: "hello" }));
    await same(send({ method: "get", url: `${base}/missing` }));
  });

  test("redirects only with enable_redirect", async () => {
    await same(send({ method: "get", url: `${base}/redirect` }));
    await same(send({ method: "get", url: `${base}/redirect`, enable_redirect: true }));
  });

  test("errors: undefined, or raised under --strict-builtin-errors; raise_error false answers status_code 0", async () => {
    const refused = send({ method: "get", url: "http://127.0.0.1:1/x" });
    await same(refused);
    const strict = (await same(refused, ["--strict-builtin-errors"])) as { errors: { message: string }[] };
    expect(strict.errors[0]!.message).toBe(
      'http.send: Get "http://127.0.0.1:1/x": dial tcp 127.0.0.1:1: connect: connection refused',
    );
    await same(send({ method: "get", url: "http://127.0.0.1:1/x", raise_error: false }));
    await same(send({ method: "get", url: `${base}/slow`, timeout: "300ms" }), ["--strict-builtin-errors"]);
    await same(send({ method: "get", url: `${base}/slow`, timeout: 300_000_000 }), [
      "--strict-builtin-errors",
    ]);
    await same(send({ method: "get", url: base, timeout: "soon" }), ["--strict-builtin-errors"]);
    await same(send({ method: "get", url: base, bad: 1 }), ["--strict-builtin-errors"]);
  }, 20_000);

  test("one request per distinct call within a query", async () => {
    await same(
      `a := ${send({ method: "post", url: `${base}/json`, raw_body: "1" })}; b := ${send({ method: "post", url: `${base}/json`, raw_body: "1" })}; a == b`,
    );
  });
});

describe("net.lookup_ip_addr in portcullis eval, as opa eval", () => {
  test("literal IPs and localhost", async () => {
    await same(
      'x := net.lookup_ip_addr("10.1.2.3"); y := net.lookup_ip_addr("::1"); z := net.lookup_ip_addr("localhost")',
    );
  });

  test("a name that does not resolve: undefined, or an error under --strict-builtin-errors", async () => {
    await same('net.lookup_ip_addr("no-such-host.invalid")');
    const got = await cli("eval", "--strict-builtin-errors", 'net.lookup_ip_addr("no-such-host.invalid")');
    expect(got.code).toBe(1);
    expect(JSON.parse(got.stdout).errors[0]).toMatchObject({
      code: "eval_builtin_error",
      message: expect.stringMatching(/^net\.lookup_ip_addr: lookup no-such-host\.invalid.*no such host$/),
    });
  });
});

describe("the services' framework: network builtins are not in the capabilities", () => {
  const template = (rego: string) => ({
    apiVersion: "templates.gatekeeper.sh/v1",
    kind: "ConstraintTemplate",
    metadata: { name: "k8scallsout" },
    spec: {
      crd: { spec: { names: { kind: "K8sCallsOut" } } },
      targets: [{ target: "admission.k8s.gatekeeper.sh", rego }],
    },
  });

  for (const [call, fn] of [
    [`http.send({"method": "get", "url": "http://127.0.0.1:1"})`, "http.send"],
    [`net.lookup_ip_addr("localhost")`, "net.lookup_ip_addr"],
  ] as const) {
    test(`a template calling ${fn} fails to compile with OPA's "undefined function"`, () => {
      const rego = `package k8scallsout\nviolation[{"msg": "x"}] {\n  r := ${call}\n  r\n}\n`;
      let err: unknown;
      try {
        new Client().addTemplate(template(rego));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(FrameworkError);
      expect((err as FrameworkError).errors).toEqual([
        { code: "rego_type_error", message: `undefined function ${fn}`, location: "template:3:8" },
      ]); // gator's client (the CLI's test and verify) keeps them, as gator does.
      expect(() => new Client({ networkBuiltins: true }).addTemplate(template(rego))).not.toThrow();
    });
  }
});
