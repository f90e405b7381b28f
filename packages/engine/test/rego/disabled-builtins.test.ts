/**
 * compile(…, { disabledBuiltins }): OPA's capabilities without those
 * builtins — a call is "undefined function" at compile time, located at the
 * call — and the framework compiles templates that way for
 * GATEKEEPER_DISABLED_BUILTINS, while plain compile keeps them.
 */
import { describe, expect, it } from "vitest";
import { compile, GATEKEEPER_DISABLED_BUILTINS, RegoError } from "../../src/index.ts";

const src =
  'package p\n\nx := http.send({"method": "get", "url": "http://127.0.0.1:1"})\ny := net.lookup_ip_addr("a")\nz := count([1])\n';

describe("disabledBuiltins", () => {
  it("refuses the calls with OPA's error and location", () => {
    let err: unknown;
    try {
      compile([{ file: "p.rego", source: src }], { disabledBuiltins: GATEKEEPER_DISABLED_BUILTINS });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RegoError);
    expect(
      (err as RegoError).errors.map((e) => [e.code, e.message, e.location?.row, e.location?.col]),
    ).toEqual([
      ["rego_type_error", "undefined function http.send", 3, 6],
      ["rego_type_error", "undefined function net.lookup_ip_addr", 4, 6],
    ]);
  });

  it("leaves the other builtins, and every builtin without the option", () => {
    const ok = compile([{ file: "p.rego", source: "package p\n\nz := count([1])\n" }], {
      disabledBuiltins: GATEKEEPER_DISABLED_BUILTINS,
    });
    expect(ok.prepare("v := data.p.z").eval()).toEqual([{ v: 1 }]);
    expect(() => compile([{ file: "p.rego", source: src }])).not.toThrow();
  });
});
