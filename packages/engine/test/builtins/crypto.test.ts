import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { builtins } from "../../src/rego/builtins/crypto.ts";
import type { RegoObject, Value } from "../../src/rego/value.ts";
import { caller, expectErr, makeCtx } from "./ext-harness.ts";
import { CA_CERT, EC_CERT, EC_KEY, LEAF_CERT, LEAF_CSR } from "./x509-fixtures.ts";

const call = caller(builtins, makeCtx(BigInt(Date.parse("2030-01-01T00:00:00Z")) * 1_000_000n));
const get = (v: Value | undefined, ...path: (string | number)[]): Value | undefined =>
  path.reduce<Value | undefined>(
    (acc, k) => (acc === undefined ? undefined : (acc as Record<string, Value>)[k as never]),
    v,
  );

describe("digests and HMACs", () => {
  it("hashes UTF-8 bytes", () => {
    expect(call("crypto.md5", "hello")).toBe("5d41402abc4b2a76b9719d911017c592");
    expect(call("crypto.sha1", "hello")).toBe("aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d");
    expect(call("crypto.sha256", "é")).toBe(
      "4a99557e4033c3539de2eb65472017cad5f9557f7a0625a09f1c3f6e2ba69c4c",
    );
    expect(call("crypto.sha256", "hello")).toBe(
      "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
    );
  });
  it("computes and compares HMACs", () => {
    expect(call("crypto.hmac.sha256", "hello", "key")).toBe(
      "9307b3b915efb5171ff14d8cb55fbcc798c6c0ef1456d66ded1a6aa723a58b7b",
    );
    expect(call("crypto.hmac.md5", "hello", "key")).toBe("04130747afca4d79e32e87cf2104f087");
    expect(call("crypto.hmac.equal", "abc", "abc")).toBe(true);
    expect(call("crypto.hmac.equal", "abc", "abd")).toBe(false);
    expectErr(
      () => call("crypto.hmac.sha1", "x", 1),
      "eval_type_error",
      "crypto.hmac.sha1: operand 2 must be string but got number",
    );
  });
});

describe("crypto.x509", () => {
  it("parses certificates into Go's x509.Certificate shape", () => {
    const [c] = call("crypto.x509.parse_certificates", EC_CERT) as Value[];
    expect(get(c, "Subject", "CommonName")).toBe("test.portcullis.local");
    expect(get(c, "Subject", "Organization")).toEqual(["Portcullis"]);
    expect(get(c, "DNSNames")).toEqual(["test.portcullis.local"]);
    expect(get(c, "URIStrings")).toEqual(["spiffe://portcullis/test"]);
    expect(get(c, "IPAddresses")).toEqual(["10.0.0.1"]);
    expect(get(c, "PublicKeyAlgorithm")).toBe(3);
    expect(get(c, "SignatureAlgorithm")).toBe(10);
    expect(get(c, "IsCA")).toBe(true);
    expect(get(c, "MaxPathLen")).toBe(-1);
    expect(get(c, "Version")).toBe(3);
    expect(get(c, "NotAfter")).toMatch(/^2126-/);
    // base64 DER works too
    const b64 = Buffer.from(EC_CERT).toString("base64");
    expect(get((call("crypto.x509.parse_certificates", b64) as Value[])[0], "Subject", "CommonName")).toBe(
      "test.portcullis.local",
    );
    expectErr(
      () => call("crypto.x509.parse_certificates", "not base64!"),
      "eval_builtin_error",
      "illegal base64",
    );
  });
  it("verifies chains root-first and returns them leaf-first", () => {
    const [ok, chain] = call("crypto.x509.parse_and_verify_certificates", CA_CERT + LEAF_CERT) as [
      boolean,
      Value[],
    ];
    expect(ok).toBe(true);
    expect(chain.map((c) => get(c, "Subject", "CommonName"))).toEqual([
      "leaf.portcullis.local",
      "Portcullis Test CA",
    ]);
    expect(call("crypto.x509.parse_and_verify_certificates", EC_CERT + LEAF_CERT)).toEqual([false, []]);
    const opts = (o: Record<string, Value>) =>
      (call("crypto.x509.parse_and_verify_certificates_with_options", CA_CERT + LEAF_CERT, o) as Value[])[0];
    expect(opts({ DNSName: "leaf.portcullis.local" })).toBe(true);
    expect(opts({ DNSName: "other.example" })).toBe(false);
    expect(opts({ KeyUsages: ["KeyUsageClientAuth"] })).toBe(false);
    expect(opts({ CurrentTime: 0 })).toBe(false);
    expectErr(
      () => opts({ KeyUsages: ["Nope"] }),
      "eval_builtin_error",
      "invalid entries for 'KeyUsages' found: [Nope]",
    );
  });
  it("parses CSRs and key pairs", () => {
    const csr = call("crypto.x509.parse_certificate_request", LEAF_CSR);
    expect(get(csr, "Subject", "CommonName")).toBe("leaf.portcullis.local");
    expectErr(
      () => call("crypto.x509.parse_certificate_request", "YmFkc3RyaW5n"),
      "eval_builtin_error",
      "asn1: structure error",
    );
    const kp = call("crypto.x509.parse_keypair", EC_CERT, EC_KEY);
    expect(get(kp, "Leaf", "Subject", "CommonName")).toBe("test.portcullis.local");
    expect((get(kp, "Certificate") as string[])[0]).toMatch(/^MII/);
    const other = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({
      format: "pem",
      type: "pkcs8",
    }) as string;
    expectErr(
      () => call("crypto.x509.parse_keypair", EC_CERT, other),
      "eval_builtin_error",
      "private key does not match public key",
    );
  });
  it("parses private keys", () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 1024 });
    const pem = privateKey.export({ format: "pem", type: "pkcs1" }) as string;
    const jwk = call("crypto.x509.parse_rsa_private_key", pem) as RegoObject;
    expect(get(jwk, "kty")).toBe("RSA");
    expect(get(jwk, "n")).toBe(privateKey.export({ format: "jwk" }).n);
    const keys = call("crypto.parse_private_keys", pem + EC_KEY) as Value[];
    expect(keys).toHaveLength(2);
    expect(get(keys[0], "E")).toBe(65537);
    expect(Object.keys(keys[1] as object).sort()).toEqual(["Curve", "D", "X", "Y"]);
    expect(call("crypto.parse_private_keys", "")).toBe(null);
    expect(call("crypto.parse_private_keys", "nothing here")).toEqual([]);
  });
});
