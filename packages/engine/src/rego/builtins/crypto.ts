/** crypto.* builtins: digests, HMACs, X.509 parsing/verification and private key parsing. */
import {
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  timingSafeEqual,
} from "node:crypto";
import { normInt, objEntries, type PlainObject, plainNum, RSet, type Value } from "../value.ts";
import type { BuiltinContext, BuiltinDef } from "./builtin.ts";
import { pemDecode, pemDecodeAll } from "./crypto/pem.ts";
import {
  certificateJSON,
  certificateRequestJSON,
  splitCertificates,
  verifyChain,
  X509Error,
} from "./crypto/x509.ts";
import { Base64Error, goBase64Decode } from "./go/base64.ts";
import { builtinErr, obj, operandMsg, str, utf8 } from "./support/operands.ts";

class CryptoError extends Error {}

function wrap(name: string, f: (args: Value[], ctx: BuiltinContext) => Value): BuiltinDef["impl"] {
  return (args, ctx) => {
    try {
      return f(args, ctx);
    } catch (e) {
      if (e instanceof CryptoError || e instanceof X509Error || e instanceof Base64Error)
        throw builtinErr(name, e.message);
      throw e;
    }
  };
}

const std64 = (s: string | Buffer) => goBase64Decode(s, { url: false, padded: true });

function digest(name: string, algo: string): BuiltinDef {
  return {
    name,
    arity: 1,
    impl: (a) =>
      createHash(algo)
        .update(utf8(str(name, a, 0)))
        .digest("hex"),
  };
}

function hmac(name: string, algo: string): BuiltinDef {
  return {
    name,
    arity: 2,
    impl: (a) => {
      const msg = str(name, a, 0);
      const key = str(name, a, 1);
      return createHmac(algo, utf8(key)).update(utf8(msg)).digest("hex");
    },
  };
}

// ---- certificates ---------------------------------------------------------------

function certsFromString(input: string): Buffer[] {
  let der: Buffer;
  if (input.startsWith("-----BEGIN")) der = derFromPem(input);
  else {
    const bytes = std64(input);
    der = bytes.subarray(0, 10).toString("latin1").startsWith("-----BEGIN")
      ? derFromPem(bytes.toString("latin1"))
      : bytes;
  }
  return splitCertificates(der);
}

function derFromPem(text: string): Buffer {
  const parts: Buffer[] = [];
  for (;;) {
    const { block, rest } = pemDecode(text);
    if (!block) break;
    if (block.type !== "CERTIFICATE")
      throw new CryptoError(`PEM block type is '${block.type}', expected CERTIFICATE`);
    parts.push(block.bytes);
    text = rest;
  }
  return Buffer.concat(parts);
}

function parseCertificates(args: Value[]): Value {
  return certsFromString(str("crypto.x509.parse_certificates", args, 0)).map(certificateJSON);
}

const KEY_USAGES: Record<string, number> = {
  KeyUsageAny: 0,
  KeyUsageServerAuth: 1,
  KeyUsageClientAuth: 2,
  KeyUsageCodeSigning: 3,
  KeyUsageEmailProtection: 4,
  KeyUsageIPSECEndSystem: 5,
  KeyUsageIPSECTunnel: 6,
  KeyUsageIPSECUser: 7,
  KeyUsageTimeStamping: 8,
  KeyUsageOCSPSigning: 9,
  KeyUsageMicrosoftServerGatedCrypto: 10,
  KeyUsageNetscapeServerGatedCrypto: 11,
  KeyUsageMicrosoftCommercialCodeSigning: 12,
  KeyUsageMicrosoftKernelCodeSigning: 13,
};

function verifyCertificates(name: string, args: Value[], ctx: BuiltinContext, withOptions: boolean): Value {
  const input = str(name, args, 0);
  const options = withOptions ? obj(name, args, 1) : undefined;
  let ders: Buffer[];
  try {
    ders = certsFromString(input);
  } catch (e) {
    if (e instanceof CryptoError || e instanceof X509Error || e instanceof Base64Error) return [false, []];
    throw e;
  }
  // no certificate at all ("") fails to parse in OPA: unverified, not an operand error
  if (ders.length === 0) return [false, []];
  const opts = {
    currentTimeMs: Number(ctx.nowNs / 1_000_000n),
    dnsName: undefined as string | undefined,
    keyUsages: [] as number[],
  };
  if (options)
    for (const [k, v] of objEntries(options)) {
      if (typeof k !== "string") continue;
      switch (k) {
        case "DNSName":
          if (typeof v !== "string") throw new CryptoError("'DNSName' should be a string");
          opts.dnsName = v.replace(/^"+|"+$/g, "");
          break;
        case "CurrentTime": {
          const t = plainNum(v);
          if (typeof t !== "number" && typeof t !== "bigint")
            throw new CryptoError("'CurrentTime' should be a number");
          if (typeof t === "number" && !Number.isInteger(t))
            throw new CryptoError("'CurrentTime' should be a valid int64 number");
          opts.currentTimeMs = Number(BigInt(t) / 1_000_000n);
          break;
        }
        case "MaxConstraintComparisons":
          if (typeof v !== "number" && typeof v !== "bigint")
            throw new CryptoError("'MaxConstraintComparisons' should be a number");
          break;
        case "KeyUsages": {
          if (!Array.isArray(v) && !(v instanceof RSet))
            throw new CryptoError("'KeyUsages' should be an Array or Set");
          const invalid: string[] = [];
          for (const u of Array.isArray(v) ? v : v.sorted()) {
            if (typeof u !== "string") continue;
            const s = u.replace(/^"+|"+$/g, "");
            if (s in KEY_USAGES) opts.keyUsages.push(KEY_USAGES[s]);
            else invalid.push(s);
          }
          if (invalid.length)
            throw new CryptoError(`invalid entries for 'KeyUsages' found: [${invalid.join(" ")}]`);
          break;
        }
        default:
          throw new CryptoError("invalid key option");
      }
    }
  if (ders.length < 2)
    throw operandMsg(name, 1, "must supply at least two certificates to be able to verify");
  let chain: Buffer[] | undefined;
  try {
    chain = verifyChain(ders, opts);
  } catch (e) {
    if (e instanceof X509Error) return [false, []];
    throw e;
  }
  if (!chain) return [false, []];
  const out = chain.map(certificateJSON);
  return [true, withOptions ? out.map(withoutUriStrings) : out];
}

function parseCertificateRequest(args: Value[]): Value {
  const input = str("crypto.x509.parse_certificate_request", args, 0);
  let bytes: Buffer = Buffer.from(input, "latin1");
  if (!input.startsWith("-----BEGIN CERTIFICATE REQUEST-----")) bytes = std64(input);
  const { block } = pemDecode(bytes.toString("latin1"));
  if (block && block.type !== "CERTIFICATE REQUEST")
    throw new CryptoError("invalid PEM-encoded certificate signing request");
  if (block) bytes = block.bytes;
  return certificateRequestJSON(bytes);
}

// ---- private keys -----------------------------------------------------------------

const big64 = (s: unknown) =>
  normInt(BigInt(`0x${Buffer.from(String(s), "base64url").toString("hex") || "0"}`));

/** Go's JSON for a crypto.PrivateKey (rsa.PrivateKey, ecdsa.PrivateKey, ed25519.PrivateKey). */
function privateKeyJSON(k: KeyObject): Value {
  const jwk = k.export({ format: "jwk" }) as Record<string, string>;
  if (jwk.kty === "RSA")
    return {
      N: big64(jwk.n),
      E: big64(jwk.e),
      D: big64(jwk.d),
      Primes: [big64(jwk.p), big64(jwk.q)],
      Precomputed: { Dp: big64(jwk.dp), Dq: big64(jwk.dq), Qinv: big64(jwk.qi), CRTValues: [] },
    };
  if (jwk.kty === "EC") return { Curve: {}, X: big64(jwk.x), Y: big64(jwk.y), D: big64(jwk.d) };
  if (jwk.kty === "OKP")
    return Buffer.concat([Buffer.from(jwk.d, "base64url"), Buffer.from(jwk.x, "base64url")]).toString(
      "base64",
    );
  return null;
}

function privateKeysFromPem(data: string): KeyObject[] {
  try {
    data = std64(data).toString("latin1");
  } catch {
    /* not base64: use as is */
  }
  const keys: KeyObject[] = [];
  for (const block of pemDecodeAll(data)) {
    let k: KeyObject;
    try {
      if (block.type === "RSA PRIVATE KEY")
        k = createPrivateKey({ key: block.bytes, format: "der", type: "pkcs1" });
      else if (block.type === "PRIVATE KEY")
        k = createPrivateKey({ key: block.bytes, format: "der", type: "pkcs8" });
      else if (block.type === "EC PRIVATE KEY")
        k = createPrivateKey({ key: block.bytes, format: "der", type: "sec1" });
      else continue;
    } catch (e) {
      throw new CryptoError(`x509: failed to parse private key: ${(e as Error).message}`);
    }
    keys.push(k);
  }
  return keys;
}

function parseRsaPrivateKey(args: Value[]): Value {
  let input = str("crypto.x509.parse_rsa_private_key", args, 0);
  if (input === "") throw new CryptoError("input PEM data was empty");
  if (!input.startsWith("-----BEGIN")) input = std64(input).toString("latin1");
  const keys = privateKeysFromPem(input);
  if (keys.length === 0) return null;
  const jwk = keys[0].export({ format: "jwk" }) as Record<string, string>;
  const out: PlainObject = {};
  for (const [k, v] of Object.entries(jwk)) out[k] = v;
  return out;
}

function parsePrivateKeys(args: Value[]): Value {
  const input = str("crypto.parse_private_keys", args, 0);
  if (input === "") return null;
  return privateKeysFromPem(input).map(privateKeyJSON);
}

function parseKeypair(args: Value[]): Value {
  const name = "crypto.x509.parse_keypair";
  let cert = str(name, args, 0);
  let key = str(name, args, 1);
  if (!cert.startsWith("-----BEGIN ")) cert = std64(cert).toString("latin1");
  if (!key.startsWith("-----BEGIN ")) key = std64(key).toString("latin1");
  const certBlocks = pemDecodeAll(cert.startsWith("-----BEGIN ") ? cert : toPem("CERTIFICATE", cert));
  const ders = certBlocks.filter((b) => b.type === "CERTIFICATE").map((b) => b.bytes);
  if (ders.length === 0) throw new CryptoError("tls: failed to find any PEM data in certificate input");
  const keys = privateKeysFromPem(key.startsWith("-----BEGIN") ? key : toPem("PRIVATE KEY", key));
  if (keys.length === 0) throw new CryptoError("tls: failed to find any PEM data in key input");
  const leaf = certificateJSON(ders[0]);
  const pub = createPublicKey(keys[0]).export({ format: "der", type: "spki" });
  const fromCert = Buffer.from(String(leaf.RawSubjectPublicKeyInfo), "base64");
  if (!timingSafeEqualLen(pub, fromCert)) throw new CryptoError("tls: private key does not match public key");
  return {
    Certificate: ders.map((d) => d.toString("base64")),
    PrivateKey: privateKeyJSON(keys[0]),
    SupportedSignatureAlgorithms: null,
    OCSPStaple: null,
    SignedCertificateTimestamps: null,
    Leaf: withoutUriStrings(leaf),
  };
}

/** URIStrings is OPA's addition to x509.Certificate; some outputs are the plain Go struct. */
function withoutUriStrings(c: PlainObject): PlainObject {
  const { URIStrings: _drop, ...rest } = c;
  return rest;
}

function toPem(type: string, bytes: string): string {
  const b64 = Buffer.from(bytes, "latin1")
    .toString("base64")
    .replace(/(.{64})/g, "$1\n");
  return `-----BEGIN ${type}-----\n${b64}\n-----END ${type}-----\n`;
}

function timingSafeEqualLen(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

export const builtins: BuiltinDef[] = [
  digest("crypto.md5", "md5"),
  digest("crypto.sha1", "sha1"),
  digest("crypto.sha256", "sha256"),
  hmac("crypto.hmac.md5", "md5"),
  hmac("crypto.hmac.sha1", "sha1"),
  hmac("crypto.hmac.sha256", "sha256"),
  hmac("crypto.hmac.sha512", "sha512"),
  {
    name: "crypto.hmac.equal",
    arity: 2,
    impl: (a) => {
      const x = utf8(str("crypto.hmac.equal", a, 0));
      const y = utf8(str("crypto.hmac.equal", a, 1));
      return timingSafeEqualLen(x, y);
    },
  },
  {
    name: "crypto.x509.parse_certificates",
    arity: 1,
    impl: wrap("crypto.x509.parse_certificates", parseCertificates),
  },
  {
    name: "crypto.x509.parse_and_verify_certificates",
    arity: 1,
    impl: wrap("crypto.x509.parse_and_verify_certificates", (a, ctx) =>
      verifyCertificates("crypto.x509.parse_and_verify_certificates", a, ctx, false),
    ),
  },
  {
    name: "crypto.x509.parse_and_verify_certificates_with_options",
    arity: 2,
    impl: wrap("crypto.x509.parse_and_verify_certificates_with_options", (a, ctx) =>
      verifyCertificates("crypto.x509.parse_and_verify_certificates_with_options", a, ctx, true),
    ),
  },
  {
    name: "crypto.x509.parse_certificate_request",
    arity: 1,
    impl: wrap("crypto.x509.parse_certificate_request", parseCertificateRequest),
  },
  { name: "crypto.x509.parse_keypair", arity: 2, impl: wrap("crypto.x509.parse_keypair", parseKeypair) },
  {
    name: "crypto.x509.parse_rsa_private_key",
    arity: 1,
    impl: wrap("crypto.x509.parse_rsa_private_key", parseRsaPrivateKey),
  },
  { name: "crypto.parse_private_keys", arity: 1, impl: wrap("crypto.parse_private_keys", parsePrivateKeys) },
];
