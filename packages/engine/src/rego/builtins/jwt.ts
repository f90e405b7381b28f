/** io.jwt.* builtins: decoding, verification (HS/RS/PS/ES/EdDSA, PEM or JWK keys) and signing. */
import { createSecretKey } from "node:crypto";
import { isObject, objEntries, objGet, plainNum, type RegoObject, type Value } from "../value.ts";
import type { BuiltinContext, BuiltinDef } from "./builtin.ts";
import { opaBase64UrlDecode } from "./go/base64.ts";
import { goMarshal, parseGoJSON, validGoJSON } from "./go/json.ts";
import {
  KeyError,
  keysFromCertOrJwk,
  signingKeyFromJwk,
  TOKEN_ALGORITHMS,
  type VerificationKey,
} from "./jwt/jwk.ts";
import { JwsError, jwsSign, jwsVerify } from "./jwt/jws.ts";
import { builtinErr, obj, str } from "./support/operands.ts";

/** A plain error inside a builtin; reported as "<builtin>: <message>". */
class JwtError extends Error {}

interface Token {
  header: string;
  payload: string;
  signature: string;
  decodedHeader?: RegoObject;
}

function decodeJWT(name: string, v: Value): Token {
  const s = str(name, [v], 0);
  if (!s.includes(".")) throw new JwtError("encoded JWT had no period separators");
  const parts = s.split(".");
  if (parts.length !== 3) throw new JwtError(`encoded JWT must have 3 sections, found ${parts.length}`);
  return { header: parts[0], payload: parts[1], signature: parts[2] };
}

function b64(s: string, what?: string): Buffer {
  try {
    return opaBase64UrlDecode(s);
  } catch (e) {
    const msg = (e as Error).message;
    throw new JwtError(what ? `${what} had invalid encoding: ${msg}` : msg);
  }
}

function extractJSONObject(s: string): RegoObject {
  let v: Value;
  try {
    v = parseGoJSON(s);
  } catch (e) {
    throw new JwtError(`invalid JSON: ${(e as Error).message}`);
  }
  if (!isObject(v)) throw new JwtError("decoded JSON type was not an Object");
  return v;
}

function decodeHeader(t: Token): RegoObject {
  const raw = b64(t.header, "JWT header").toString("utf8");
  let h: RegoObject;
  try {
    h = extractJSONObject(raw);
  } catch (e) {
    throw new JwtError(`bad JWT header: ${(e as Error).message}`);
  }
  if (objGet(h, "enc") !== undefined) throw new JwtError("JWT is a JWE object, which is not supported");
  t.decodedHeader = h;
  return h;
}

interface Header {
  alg: string;
  kid: string;
  cty: string;
  crit?: Set<string>;
  unknown: string[];
}

function parseHeader(h: RegoObject): Header {
  const out: Header = { alg: "", kid: "", cty: "", unknown: [] };
  for (const [k, v] of objEntries(h)) {
    const key = String(k);
    if (key === "alg" || key === "kid" || key === "typ" || key === "cty") {
      if (typeof v !== "string") throw new JwtError(`${key}: must be a string`);
      if (key === "alg") out.alg = v;
      else if (key === "kid") out.kid = v;
      else if (key === "cty") out.cty = v;
    } else if (key === "crit") {
      if (!Array.isArray(v)) throw new JwtError("crit: must be a list");
      out.crit = new Set(v.filter((x): x is string => typeof x === "string"));
      if (out.crit.size === 0) throw new JwtError("crit: must be a nonempty list");
    } else out.unknown.push(key);
  }
  return out;
}

function headerValid(h: Header): boolean {
  if (h.alg === "") return false;
  return !h.unknown.some((u) => h.crit?.has(u));
}

function decode(args: Value[]): Value {
  let t = decodeJWT("io.jwt.decode", args[0]);
  for (;;) {
    const header = decodeHeader(t);
    let payload = b64(t.payload, "JWT payload").toString("utf8");
    const cty = objGet(header, "cty");
    if (cty === "JWT") {
      payload = payload.replace(/^["']+|["']+$/g, "");
      t = decodeJWT("io.jwt.decode", payload);
      continue;
    }
    const p = extractJSONObject(payload);
    const sig = b64(t.signature, "JWT signature");
    return [header, p, sig.toString("hex")];
  }
}

const plaintext = (t: Token) => Buffer.from(`${t.header}.${t.payload}`, "utf8");

/** verify_rs*, ps*, es*, eddsa: any matching key verifies. */
function verifyWithKeys(name: string, alg: string, args: Value[]): boolean {
  const t = decodeJWT(name, args[0]);
  const keys = keysOrThrow(str(name, args, 1));
  const sig = b64(t.signature);
  const header = parseHeader(decodeHeader(t));
  const check = (k: VerificationKey) => {
    try {
      return jwsVerify(k.key, alg, plaintext(t), sig);
    } catch (e) {
      if (e instanceof JwsError) return false;
      throw e;
    }
  };
  if (header.kid !== "") {
    const k = keys.find((x) => x.kid === header.kid);
    if (k) return check(k);
  }
  for (const k of keys) {
    if (k.alg !== "" && k.alg !== header.alg) continue;
    if (check(k)) return true;
  }
  return false;
}

function keysOrThrow(src: string): VerificationKey[] {
  try {
    return keysFromCertOrJwk(src);
  } catch (e) {
    if (e instanceof KeyError) throw new JwtError(e.message);
    throw e;
  }
}

function verifyHS(name: string, alg: string, args: Value[]): boolean {
  const jwt = str(name, args, 0);
  const secret = str(name, args, 1);
  const t = decodeJWT(name, jwt);
  const sig = b64(t.signature);
  return jwsVerify(createSecretKey(Buffer.from(secret, "utf8")), alg, plaintext(t), sig);
}

// ---- decode_verify -----------------------------------------------------------

interface Constraints {
  keys?: VerificationKey[];
  secret: string;
  alg: string;
  iss: string;
  aud: string;
  time: number;
}

function timeFromValue(x: Value): number {
  const v = plainNum(x);
  if (typeof v !== "number" && typeof v !== "bigint")
    throw new JwtError("token time constraint: must be a number");
  const f = Number(v);
  if (f < 0) throw new JwtError("token time constraint: must not be negative");
  return f;
}

function parseConstraints(o: RegoObject, ctx: BuiltinContext): Constraints {
  const c: Constraints = { secret: "", alg: "", iss: "", aud: "", time: -1 };
  for (const [k, v] of objEntries(o)) {
    const key = String(k);
    switch (key) {
      case "cert":
        if (typeof v !== "string") throw new JwtError("cert constraint: must be a string");
        c.keys = keysOrThrow(v);
        break;
      case "secret":
      case "alg":
      case "iss":
      case "aud":
        if (typeof v !== "string") throw new JwtError(`${key} constraint: must be a string`);
        c[key] = v;
        break;
      case "time":
        c.time = timeFromValue(v);
        break;
      default:
        throw new JwtError(`unknown token validation constraint: ${key}`);
    }
  }
  if (c.time === -1) c.time = Number(ctx.nowNs);
  const n = (c.keys ? 1 : 0) + (c.secret !== "" ? 1 : 0);
  if (n > 1) throw new JwtError("duplicate key constraints");
  if (n < 1) throw new JwtError("no key constraint");
  return c;
}

function constraintsVerify(c: Constraints, h: Header, t: Token, sig: Buffer): boolean {
  const data = plaintext(t);
  const tryKey = (k: VerificationKey) => {
    try {
      return jwsVerify(k.key, h.alg, data, sig);
    } catch (e) {
      if (e instanceof JwsError) return false;
      throw e;
    }
  };
  if (c.keys) {
    if (h.kid !== "") {
      const k = c.keys.find((x) => x.kid === h.kid);
      if (k) return tryKey(k);
    }
    return c.keys.some((k) => (k.alg === "" || k.alg === h.alg) && tryKey(k));
  }
  if (!TOKEN_ALGORITHMS.has(h.alg)) return false;
  return tryKey({ alg: "", kid: "", key: createSecretKey(Buffer.from(c.secret, "utf8")) });
}

function decodeVerify(args: Value[], ctx: BuiltinContext): Value {
  const name = "io.jwt.decode_verify";
  const unverified: Value = [false, {}, {}];
  const c = parseConstraints(obj(name, args, 1), ctx);
  let a: Value = args[0];
  let t: Token;
  let payloadText: string;
  for (;;) {
    t = decodeJWT(name, a);
    const h = parseHeader(decodeHeader(t));
    if (!headerValid(h)) return unverified;
    if (c.alg !== "" && c.alg !== h.alg) return unverified;
    const sig = b64(t.signature);
    if (!constraintsVerify(c, h, t, sig)) return unverified;
    payloadText = b64(t.payload, "JWT payload").toString("utf8");
    if (h.cty.toLowerCase() === "jwt") {
      a = payloadText;
      continue;
    }
    break;
  }
  const payload = extractJSONObject(payloadText);
  if (c.iss !== "") {
    const iss = objGet(payload, "iss");
    if (iss !== c.iss) return unverified;
  }
  const aud = objGet(payload, "aud");
  if (aud !== undefined) {
    const ok = typeof aud === "string" ? aud === c.aud : Array.isArray(aud) && aud.some((x) => x === c.aud);
    if (!ok) return unverified;
  } else if (c.aud !== "") return unverified;
  const now = c.time / 1e9;
  const exp = plainNum(objGet(payload, "exp"));
  if (exp !== undefined) {
    if (typeof exp !== "number" && typeof exp !== "bigint") throw new JwtError("exp value must be a number");
    if (now >= Number(exp)) return unverified;
  }
  const nbf = plainNum(objGet(payload, "nbf"));
  if (nbf !== undefined) {
    if (typeof nbf !== "number" && typeof nbf !== "bigint") throw new JwtError("nbf value must be a number");
    if (now < Number(nbf)) return unverified;
  }
  return [true, t.decodedHeader!, payload];
}

// ---- signing -------------------------------------------------------------------

/** jwsbb's header lookup: invalid JSON is "cannot parse JSON", a non-object has no "alg". */
function headerAlg(headers: string): string {
  const fail = (msg: string) => new JwtError(`missing or invalid 'alg' header: ${msg}`);
  let h: Value;
  try {
    h = parseGoJSON(headers);
  } catch (e) {
    if (/^\s*[[{"tfn]/.test(headers)) throw fail(`cannot parse JSON: ${(e as Error).message}`);
    throw fail('jwsbb: header "alg" not found');
  }
  const alg = isObject(h) ? objGet(h, "alg") : undefined;
  if (alg === undefined) throw fail('jwsbb: header "alg" not found');
  if (typeof alg !== "string") throw fail(`value doesn't contain string; it contains ${typeof alg}`);
  return alg;
}

function encodeSign(headers: string, payload: string, jwk: string): string {
  let key: ReturnType<typeof signingKeyFromJwk>;
  try {
    key = signingKeyFromJwk(jwk);
  } catch (e) {
    if (e instanceof KeyError) throw new JwtError(e.message);
    throw e;
  }
  const alg = headerAlg(headers);
  if (!TOKEN_ALGORITHMS.has(alg)) throw new JwtError(`unknown JWS algorithm: ${alg}`);
  let typ: Value | undefined;
  try {
    const h = parseGoJSON(headers);
    typ = isObject(h) ? objGet(h, "typ") : undefined;
  } catch {
    typ = undefined;
  }
  if ((typeof typ !== "string" || typ === "JWT") && !validGoJSON(payload))
    throw new JwtError("type is JWT but payload is not JSON");
  const input = `${Buffer.from(headers, "utf8").toString("base64url")}.${Buffer.from(payload, "utf8").toString("base64url")}`;
  let sig: Buffer;
  try {
    sig = jwsSign(key, alg, Buffer.from(input, "utf8"));
  } catch (e) {
    if (e instanceof JwsError) throw new JwtError(`failed to sign payload: ${e.message}`);
    throw e;
  }
  return `${input}.${sig.toString("base64url")}`;
}

function wrap(name: string, f: (args: Value[], ctx: BuiltinContext) => Value): BuiltinDef["impl"] {
  return (args, ctx) => {
    try {
      return f(args, ctx);
    } catch (e) {
      if (e instanceof JwtError) throw builtinErr(name, e.message);
      throw e;
    }
  };
}

const verifiers: BuiltinDef[] = [];
for (const alg of [...TOKEN_ALGORITHMS].filter((a) => !a.startsWith("HS"))) {
  const name = `io.jwt.verify_${alg.toLowerCase()}`;
  verifiers.push({ name, arity: 2, impl: wrap(name, (a) => verifyWithKeys(name, alg, a)) });
}
for (const alg of ["HS256", "HS384", "HS512"]) {
  const name = `io.jwt.verify_${alg.toLowerCase()}`;
  verifiers.push({ name, arity: 2, impl: wrap(name, (a) => verifyHS(name, alg, a)) });
}

export const builtins: BuiltinDef[] = [
  { name: "io.jwt.decode", arity: 1, impl: wrap("io.jwt.decode", decode) },
  // Depends on the evaluation time when no "time" constraint is given.
  {
    name: "io.jwt.decode_verify",
    arity: 2,
    nondeterministic: true,
    impl: wrap("io.jwt.decode_verify", decodeVerify),
  },
  {
    name: "io.jwt.encode_sign",
    arity: 3,
    nondeterministic: true,
    impl: wrap("io.jwt.encode_sign", (a) => {
      const h = obj("io.jwt.encode_sign", a, 0);
      const p = obj("io.jwt.encode_sign", a, 1);
      const k = obj("io.jwt.encode_sign", a, 2);
      return encodeSign(goMarshal(h), goMarshal(p), goMarshal(k));
    }),
  },
  {
    name: "io.jwt.encode_sign_raw",
    arity: 3,
    nondeterministic: true,
    impl: wrap("io.jwt.encode_sign_raw", (a) => {
      const jwk = str("io.jwt.encode_sign_raw", a, 2);
      return encodeSign(str("io.jwt.encode_sign_raw", a, 0), str("io.jwt.encode_sign_raw", a, 1), jwk);
    }),
  },
  ...verifiers,
];
