import { describe, expect, test } from "vitest";
import { cli, FIXTURES } from "./helpers.ts";

/** What opa eval -f json prints (checked against opa 1.x), minus indentation. */
async function evalJSON(...argv: string[]): Promise<{ code: number; doc: unknown }> {
  const r = await cli("eval", ...argv);
  expect(r.stderr).toBe("");
  return { code: r.code, doc: JSON.parse(r.stdout) };
}

const expr = (value: unknown, text: string, col = 1, row = 1) => ({ value, text, location: { row, col } });

describe("portcullis eval", () => {
  test("bindings for each solution", async () => {
    const { code, doc } = await evalJSON("x := [1,2][i]");
    expect(code).toBe(0);
    expect(doc).toEqual({
      result: [
        { expressions: [expr(true, "x := [1,2][i]")], bindings: { i: 0, x: 1 } },
        { expressions: [expr(true, "x := [1,2][i]")], bindings: { i: 1, x: 2 } },
      ],
    });
  });

  test("captured expression values, sets as sorted arrays, column locations", async () => {
    expect((await evalJSON("1+2")).doc).toEqual({ result: [{ expressions: [expr(3, "1+2")] }] });
    expect((await evalJSON("1 == 2")).doc).toEqual({ result: [{ expressions: [expr(false, "1 == 2")] }] });
    expect((await evalJSON("x := 1; x + 1")).doc).toEqual({
      result: [{ expressions: [expr(true, "x := 1"), expr(2, "x + 1", 9)], bindings: { x: 1 } }],
    });
    expect((await evalJSON('y := {"a": {2, 1}}')).doc).toEqual({
      result: [{ expressions: [expr(true, 'y := {"a": {2, 1}}')], bindings: { y: { a: [1, 2] } } }],
    });
  });

  test("undefined prints {}", async () => {
    expect(await evalJSON("x := 1; x == 2")).toEqual({ code: 0, doc: {} });
    expect(await evalJSON("[false][_]")).toEqual({ code: 0, doc: {} });
  });

  test("-d modules and -i input (v0 with --v0)", async () => {
    const d = ["-d", `${FIXTURES}/rego/authz.rego`, "--v0"];
    const { doc } = await evalJSON(...d, "-i", `${FIXTURES}/eval/input.yaml`, "data.authz.allow");
    expect(doc).toEqual({ result: [{ expressions: [expr(true, "data.authz.allow")] }] });
    const w = await evalJSON(...d, 'data.authz.allow with input as {"user": "bob"}');
    expect(w.doc).toEqual({
      result: [{ expressions: [expr(false, 'data.authz.allow with input as {"user": "bob"}')] }],
    });
  });

  test("data files mount at their directory", async () => {
    const { doc } = await evalJSON("-d", `${FIXTURES}/eval`, "data.teams.owners");
    expect(doc).toEqual({ result: [{ expressions: [expr(["alice", "bob"], "data.teams.owners")] }] });
  });

  test("errors carry code and location; exit 1", async () => {
    const r = await cli("eval", "x := 1 +");
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.errors[0]).toMatchObject({ code: "rego_parse_error", location: { file: "", row: 1 } });
    const u = await cli("eval", "y");
    expect(u.code).toBe(1);
    expect(JSON.parse(u.stdout).errors[0]).toEqual({
      message: "var y is unsafe",
      code: "rego_unsafe_var_error",
      location: { file: "", row: 1, col: 1 },
    });
  });
});
