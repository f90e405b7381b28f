/** JWS signing and verification primitives over node:crypto (RS*, PS*, ES*, HS*, EdDSA). */
import { constants, createHmac, type KeyObject, sign, timingSafeEqual, verify } from "node:crypto";

const HASH: Record<string, string> = { "256": "sha256", "384": "sha384", "512": "sha512" };
const CURVE_BYTES: Record<string, number> = { prime256v1: 32, secp384r1: 48, secp521r1: 66 };

export class JwsError extends Error {}

function family(alg: string): [string, string | null] {
  if (alg === "EdDSA") return ["Ed", null];
  const fam = alg.slice(0, 2);
  const hash = HASH[alg.slice(2)];
  if (!hash || !["RS", "PS", "ES", "HS"].includes(fam))
    throw new JwsError(`unsupported signature algorithm "${alg}"`);
  return [fam, hash];
}

function requireType(key: KeyObject, fam: string): void {
  const t = key.type === "secret" ? "secret" : key.asymmetricKeyType;
  const ok =
    (fam === "HS" && t === "secret") ||
    ((fam === "RS" || fam === "PS") && (t === "rsa" || t === "rsa-pss")) ||
    (fam === "ES" && t === "ec") ||
    (fam === "Ed" && t === "ed25519");
  if (!ok) throw new JwsError("incorrect public key type");
}

/** Signature bytes for `data` under `alg`. */
export function jwsSign(key: KeyObject, alg: string, data: Buffer): Buffer {
  const [fam, hash] = family(alg);
  requireType(key, fam);
  switch (fam) {
    case "HS":
      return createHmac(hash!, key.export()).update(data).digest();
    case "RS":
      return sign(hash, data, { key, padding: constants.RSA_PKCS1_PADDING });
    case "PS":
      return sign(hash, data, {
        key,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
      });
    case "ES":
      return sign(hash, data, { key, dsaEncoding: "ieee-p1363" });
    default:
      return sign(null, data, key);
  }
}

/** Does `sig` verify? Throws JwsError when the key cannot be used for `alg`. */
export function jwsVerify(key: KeyObject, alg: string, data: Buffer, sig: Buffer): boolean {
  const [fam, hash] = family(alg);
  requireType(key, fam);
  try {
    switch (fam) {
      case "HS": {
        const mac = createHmac(hash!, key.export()).update(data).digest();
        return mac.length === sig.length && timingSafeEqual(mac, sig);
      }
      case "RS":
        return verify(hash, data, { key, padding: constants.RSA_PKCS1_PADDING }, sig);
      case "PS":
        return verify(
          hash,
          data,
          { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO },
          sig,
        );
      case "ES": {
        // Go splits r||s in half whatever the length; node wants each padded to the curve size.
        const size = CURVE_BYTES[String(key.asymmetricKeyDetails?.namedCurve)] ?? sig.length / 2;
        const half = Math.floor(sig.length / 2);
        const r = sig.subarray(0, half);
        const s = sig.subarray(half);
        const pad = (b: Buffer) => {
          const t = b.subarray(
            Math.max(
              0,
              b.findIndex((x) => x !== 0),
            ),
          );
          if (t.length > size) return undefined;
          return Buffer.concat([Buffer.alloc(size - t.length), t]);
        };
        const pr = pad(r);
        const ps = pad(s);
        if (!pr || !ps) return false;
        return verify(hash, data, { key, dsaEncoding: "ieee-p1363" }, Buffer.concat([pr, ps]));
      }
      default:
        return verify(null, data, key, sig);
    }
  } catch {
    return false;
  }
}

/** HMAC with a raw secret (verify_hs*). */
export function hmacBytes(hash: string, secret: Buffer, data: Buffer): Buffer {
  return createHmac(hash, secret).update(data).digest();
}
