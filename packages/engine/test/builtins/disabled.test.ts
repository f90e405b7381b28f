import { describe, expect, it } from "vitest";
import { builtins as http } from "../../src/rego/builtins/http.ts";
import { builtins as opa } from "../../src/rego/builtins/opa.ts";
import { caller, expectErr } from "./ext-harness.ts";

describe("http.send (disabled) and opa.runtime", () => {
  const send = caller(http);
  it("checks the request like OPA, then refuses with a halting error", () => {
    expectErr(
      () => send("http.send", { bad_key: "x", method: "get", url: "http://127.0.0.1" }),
      "eval_type_error",
      'http.send: operand 1 invalid request parameters(s): {"bad_key"}',
    );
    expectErr(
      () => send("http.send", { method: "get" }),
      "eval_type_error",
      'missing required request parameters(s): {"url"}',
    );
    let err: unknown;
    try {
      send("http.send", { method: "get", url: "http://127.0.0.1" });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: "eval_builtin_error", halt: true });
    expect((err as Error).message).toContain("network access is disabled");
  });
  it("opa.runtime is empty without runtime information", () => {
    expect(caller(opa)("opa.runtime")).toEqual({});
  });
});
