/** JSON Web Keys and PEM keys/certificates as node:crypto KeyObjects (for io.jwt.*). */
import {
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  type KeyObject,
  X509Certificate,
} from "node:crypto";
import { pemDecode } from "../crypto/pem.ts";
import { goBase64Decode } from "../go/base64.ts";
import { parseGoJSON } from "../go/json.ts";

export class KeyError extends Error {}

export interface VerificationKey {
  alg: string;
  kid: string;
  key: KeyObject;
}

export const TOKEN_ALGORITHMS = new Set([
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "HS256",
  "HS384",
  "HS512",
  "EdDSA",
]);

type Jwk = Record<string, unknown>;

function parseJwkJSON(src: string): Jwk[] {
  let v: unknown;
  try {
    v = parseGoJSON(src);
  } catch (e) {
    throw new KeyError(`failed to unmarshal JSON into key hint: ${(e as Error).message}`);
  }
  if (v === null || typeof v !== "object" || Array.isArray(v))
    throw new KeyError("invalid JWK: not an object");
  const o = v as Jwk;
  if (Array.isArray(o.keys)) return o.keys as Jwk[];
  return [o];
}

/** A KeyObject for a JWK: secret for "oct", otherwise public (or private when `priv` and "d" is present). */
export function keyFromJwk(jwk: Jwk, priv: boolean): KeyObject {
  const kty = jwk.kty;
  if (kty === "oct") {
    if (typeof jwk.k !== "string") throw new KeyError("invalid oct key: missing k");
    // jwx picks the alphabet from the text ('+' or '/' → standard) and padding from a trailing '=',
    // then decodes strictly: "c2VjcmV0=" is rejected, "c2Vj+mV0" accepted
    const k = jwk.k;
    let bytes: Buffer;
    try {
      bytes = goBase64Decode(k, { url: !/[+/]/.test(k), padded: k.endsWith("=") });
    } catch {
      throw new KeyError("failed to decode value for key k: expected base64 encoded []byte (string)");
    }
    if (bytes.length === 0) throw new KeyError('jwk.SymmetricKey: missing "k" field');
    return createSecretKey(bytes);
  }
  if (kty !== "RSA" && kty !== "EC" && kty !== "OKP")
    throw new KeyError(`invalid key type from JSON (${String(kty)})`);
  try {
    const clean: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(jwk)) if (typeof v === "string") clean[k] = v;
    if (priv && typeof jwk.d === "string") return createPrivateKey({ key: clean as never, format: "jwk" });
    if (typeof jwk.d === "string")
      return createPublicKey(createPrivateKey({ key: clean as never, format: "jwk" }));
    return createPublicKey({ key: clean as never, format: "jwk" });
  } catch (e) {
    throw new KeyError(`failed to parse key: ${(e as Error).message}`);
  }
}

/** OPA's parseKeysFromCertOrJWK. */
export function keysFromCertOrJwk(src: string): VerificationKey[] {
  const { block, rest } = pemDecode(src);
  if (block) {
    if (rest.length > 0) throw new KeyError("extra data after a PEM certificate block");
    if (block.type === "CERTIFICATE") {
      try {
        return [{ alg: "", kid: "", key: new X509Certificate(block.bytes).publicKey }];
      } catch (e) {
        throw new KeyError(`failed to parse a PEM certificate: ${(e as Error).message}`);
      }
    }
    if (block.type === "PUBLIC KEY") {
      try {
        return [
          { alg: "", kid: "", key: createPublicKey({ key: block.bytes, format: "der", type: "spki" }) },
        ];
      } catch (e) {
        throw new KeyError(`failed to parse a PEM public key: ${(e as Error).message}`);
      }
    }
    throw new KeyError("failed to extract a Key from the PEM certificate");
  }
  let jwks: Jwk[];
  try {
    jwks = parseJwkJSON(src);
  } catch (e) {
    throw new KeyError(`failed to parse a JWK key (set): ${(e as Error).message}`);
  }
  const out: VerificationKey[] = [];
  for (const k of jwks) {
    const alg = typeof k.alg === "string" ? k.alg : "";
    if (alg !== "" && !TOKEN_ALGORITHMS.has(alg)) continue;
    let key: KeyObject;
    try {
      key = keyFromJwk(k, false);
    } catch (e) {
      throw new KeyError(`failed to parse a JWK key (set): ${(e as Error).message}`);
    }
    out.push({ alg, kid: typeof k.kid === "string" ? k.kid : "", key });
  }
  return out;
}

/** The first key of a JWK (set), for signing. */
export function signingKeyFromJwk(src: string): KeyObject {
  const keys = parseJwkJSON(src);
  if (keys.length === 0) throw new KeyError("no keys found in JWK set");
  return keyFromJwk(keys[0], true);
}
