import { createPublicKey, generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { builtins } from "../../src/rego/builtins/jwt.ts";
import type { Value } from "../../src/rego/value.ts";
import { caller, expectErr, makeCtx } from "./ext-harness.ts";
import { EC_CERT, EC_KEY } from "./x509-fixtures.ts";

const NOW_S = 1_700_000_000;
const call = caller(builtins, makeCtx(BigInt(NOW_S) * 1_000_000_000n));
const oct = { kty: "oct", k: Buffer.from("secret").toString("base64url") };
// RFC 7515 appendix A.1 (HS256).
const RFC_JWK = `{"kty":"oct","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"}`;

describe("io.jwt.decode", () => {
  it("decodes header, payload and hex signature", () => {
    const tok = call(
      "io.jwt.encode_sign",
      { alg: "HS256", typ: "JWT" },
      { iss: "opa", sub: "0" },
      oct,
    ) as string;
    const [h, p, sig] = call("io.jwt.decode", tok) as [Value, Value, string];
    expect(h).toEqual({ alg: "HS256", typ: "JWT" });
    expect(p).toEqual({ iss: "opa", sub: "0" });
    expect(sig).toBe(Buffer.from(tok.split(".")[2], "base64url").toString("hex"));
  });
  it("reports OPA's errors", () => {
    expectErr(
      () => call("io.jwt.decode", "abc"),
      "eval_builtin_error",
      "io.jwt.decode: encoded JWT had no period separators",
    );
    expectErr(
      () => call("io.jwt.decode", "a.b"),
      "eval_builtin_error",
      "encoded JWT must have 3 sections, found 2",
    );
    expectErr(
      () => call("io.jwt.decode", "eyJ!.e30.e30"),
      "eval_builtin_error",
      "JWT header had invalid encoding: illegal base64",
    );
    const jwe = `${Buffer.from('{"alg":"RSA1_5","enc":"A128GCM"}').toString("base64url")}.e30.`;
    expectErr(
      () => call("io.jwt.decode", jwe),
      "eval_builtin_error",
      "JWT is a JWE object, which is not supported",
    );
  });
});

describe("signing and verification", () => {
  it("matches RFC 7515 for HS256 raw signing", () => {
    const tok = call(
      "io.jwt.encode_sign_raw",
      `{"typ":"JWT",\r\n "alg":"HS256"}`,
      `{"iss":"joe",\r\n "exp":1300819380,\r\n "http://example.com/is_root":true}`,
      RFC_JWK,
    );
    expect(tok).toBe(
      "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
    );
  });
  it("rejects bad headers and payloads", () => {
    expectErr(
      () => call("io.jwt.encode_sign_raw", "{}", "{}", RFC_JWK),
      "eval_builtin_error",
      `missing or invalid 'alg' header: jwsbb: header "alg" not found`,
    );
    expectErr(
      () => call("io.jwt.encode_sign_raw", `{"typ:"JWT"}`, "{}", RFC_JWK),
      "eval_builtin_error",
      "missing or invalid 'alg' header: cannot parse JSON",
    );
    expectErr(
      () => call("io.jwt.encode_sign_raw", `{"alg":"dummy"}`, "{}", RFC_JWK),
      "eval_builtin_error",
      "unknown JWS algorithm: dummy",
    );
    expectErr(
      () => call("io.jwt.encode_sign_raw", `{"alg":"HS256"}`, "", RFC_JWK),
      "eval_builtin_error",
      "type is JWT but payload is not JSON",
    );
    expect(call("io.jwt.encode_sign_raw", `{"typ":"text/plain","alg":"HS256"}`, "e", RFC_JWK)).toMatch(
      /\.ZQ\./,
    );
  });
  it("round-trips every algorithm family", () => {
    const cases: [string, ReturnType<typeof generateKeyPairSync>][] = [
      ["RS256", generateKeyPairSync("rsa", { modulusLength: 2048 })],
      ["PS384", generateKeyPairSync("rsa", { modulusLength: 2048 })],
      ["ES256", generateKeyPairSync("ec", { namedCurve: "P-256" })],
      ["ES512", generateKeyPairSync("ec", { namedCurve: "P-521" })],
      ["EdDSA", generateKeyPairSync("ed25519")],
    ];
    for (const [alg, { privateKey, publicKey }] of cases) {
      const jwk = privateKey.export({ format: "jwk" }) as Record<string, Value>;
      const tok = call("io.jwt.encode_sign", { alg }, { sub: "x" }, jwk) as string;
      const pem = publicKey.export({ format: "pem", type: "spki" }) as string;
      const pubJwk = JSON.stringify(createPublicKey(privateKey).export({ format: "jwk" }));
      const fn = `io.jwt.verify_${alg.toLowerCase()}`;
      expect(call(fn, tok, pem)).toBe(true);
      expect(call(fn, tok, pubJwk)).toBe(true);
      expect(call(fn, tok, JSON.stringify({ keys: [{ ...JSON.parse(pubJwk), alg: "HS256" }] }))).toBe(false);
      const tampered = `${tok.slice(0, -4)}AAAA`;
      expect(call(fn, tampered, pem)).toBe(false);
    }
  });
  it("verifies with certificates and HMAC secrets", () => {
    const tok = call("io.jwt.encode_sign", { alg: "HS512" }, { a: 1 }, oct) as string;
    expect(call("io.jwt.verify_hs512", tok, "secret")).toBe(true);
    expect(call("io.jwt.verify_hs512", tok, "wrong")).toBe(false);
    expectErr(
      () => call("io.jwt.verify_es256", tok, `${EC_CERT}x`),
      "eval_builtin_error",
      "extra data after a PEM certificate block",
    );
    expectErr(
      () => call("io.jwt.verify_es256", tok, EC_KEY),
      "eval_builtin_error",
      "failed to extract a Key from the PEM certificate",
    );
  });
});

describe("io.jwt.decode_verify", () => {
  const sign = (payload: Record<string, Value>, header: Record<string, Value> = { alg: "HS256" }) =>
    call("io.jwt.encode_sign", header, payload, oct) as string;
  it("checks signature, alg, iss, aud, exp and nbf", () => {
    const ok = call(
      "io.jwt.decode_verify",
      sign({ iss: "me", aud: "you", exp: NOW_S + 10, nbf: NOW_S - 10 }),
      {
        secret: "secret",
        iss: "me",
        aud: "you",
      },
    ) as Value[];
    expect(ok[0]).toBe(true);
    expect(ok[2]).toEqual({ iss: "me", aud: "you", exp: NOW_S + 10, nbf: NOW_S - 10 });
    const no = [false, {}, {}];
    expect(call("io.jwt.decode_verify", sign({}), { secret: "wrong" })).toEqual(no);
    expect(call("io.jwt.decode_verify", sign({}), { secret: "secret", alg: "RS256" })).toEqual(no);
    expect(call("io.jwt.decode_verify", sign({ iss: "x" }), { secret: "secret", iss: "me" })).toEqual(no);
    expect(
      (call("io.jwt.decode_verify", sign({ aud: ["a", "b"] }), { secret: "secret", aud: "b" }) as Value[])[0],
    ).toBe(true);
    expect(call("io.jwt.decode_verify", sign({ aud: "a" }), { secret: "secret" })).toEqual(no);
    expect(call("io.jwt.decode_verify", sign({ exp: NOW_S }), { secret: "secret" })).toEqual(no);
    expect(call("io.jwt.decode_verify", sign({ nbf: NOW_S + 1 }), { secret: "secret" })).toEqual(no);
    expect(
      (
        call("io.jwt.decode_verify", sign({ exp: 100 }), {
          secret: "secret",
          time: 99_000_000_000,
        }) as Value[]
      )[0],
    ).toBe(true);
    expect(
      call("io.jwt.decode_verify", sign({}, { alg: "HS256", crit: ["x"], x: 1 }), { secret: "secret" }),
    ).toEqual(no);
  });
  it("reports constraint errors", () => {
    expectErr(() => call("io.jwt.decode_verify", sign({}), {}), "eval_builtin_error", "no key constraint");
    expectErr(
      () => call("io.jwt.decode_verify", sign({}), { secret: "a", cert: EC_CERT }),
      "eval_builtin_error",
      "duplicate key constraints",
    );
    expectErr(
      () => call("io.jwt.decode_verify", sign({}), { secret: "a", foo: 1 }),
      "eval_builtin_error",
      "unknown token validation constraint: foo",
    );
    expectErr(
      () => call("io.jwt.decode_verify", sign({ nbf: "x" }), { secret: "secret" }),
      "eval_builtin_error",
      "nbf value must be a number",
    );
  });
});
