/**
 * X.509 certificates and CSRs rendered as the JSON of Go's x509.Certificate /
 * x509.CertificateRequest (the shape OPA returns), parsed with a small DER
 * reader; signatures are checked with node:crypto.
 */
import { createPublicKey, type KeyObject, X509Certificate } from "node:crypto";
import { normInt, type PlainObject, type Value } from "../../value.ts";
import { goURLParse, URLError } from "../go/url-parse.ts";
import { ipString } from "../net/ipnet.ts";
import {
  bigIntOf,
  children,
  content,
  DerError,
  oidArcs,
  raw,
  readTlv,
  stringOf,
  type Tlv,
  timeOf,
} from "./der.ts";

export class X509Error extends Error {}

const b64 = (b: Buffer) => b.toString("base64");
const oidStr = (arcs: number[]) => arcs.join(".");

const SIG_ALGS: Record<string, number> = {
  "1.2.840.113549.1.1.2": 1,
  "1.2.840.113549.1.1.4": 2,
  "1.2.840.113549.1.1.5": 3,
  "1.2.840.113549.1.1.11": 4,
  "1.2.840.113549.1.1.12": 5,
  "1.2.840.113549.1.1.13": 6,
  "1.2.840.10040.4.3": 7,
  "2.16.840.1.101.3.4.3.2": 8,
  "1.2.840.10045.4.1": 9,
  "1.2.840.10045.4.3.2": 10,
  "1.2.840.10045.4.3.3": 11,
  "1.2.840.10045.4.3.4": 12,
  "1.3.101.112": 16,
};
const PSS_HASH: Record<string, number> = {
  "2.16.840.1.101.3.4.2.1": 13,
  "2.16.840.1.101.3.4.2.2": 14,
  "2.16.840.1.101.3.4.2.3": 15,
};
const PK_ALGS: Record<string, number> = {
  "1.2.840.113549.1.1.1": 1,
  "1.2.840.10040.4.1": 2,
  "1.2.840.10045.2.1": 3,
  "1.3.101.112": 4,
};
const EXT_KEY_USAGE: Record<string, number> = {
  "2.5.29.37.0": 0,
  "1.3.6.1.5.5.7.3.1": 1,
  "1.3.6.1.5.5.7.3.2": 2,
  "1.3.6.1.5.5.7.3.3": 3,
  "1.3.6.1.5.5.7.3.4": 4,
  "1.3.6.1.5.5.7.3.5": 5,
  "1.3.6.1.5.5.7.3.6": 6,
  "1.3.6.1.5.5.7.3.7": 7,
  "1.3.6.1.5.5.7.3.8": 8,
  "1.3.6.1.5.5.7.3.9": 9,
  "1.3.6.1.4.1.311.10.3.3": 10,
  "2.16.840.1.113730.4.1": 11,
  "1.3.6.1.4.1.311.2.1.22": 12,
  "1.3.6.1.4.1.311.61.1.1": 13,
};
const NAME_FIELDS: Record<string, string> = {
  "2.5.4.6": "Country",
  "2.5.4.10": "Organization",
  "2.5.4.11": "OrganizationalUnit",
  "2.5.4.7": "Locality",
  "2.5.4.8": "Province",
  "2.5.4.9": "StreetAddress",
  "2.5.4.17": "PostalCode",
};

function signatureAlgorithm(algId: Tlv): number {
  const [oid, params] = children(algId);
  const s = oidStr(oidArcs(oid));
  if (s === "1.2.840.113549.1.1.10") {
    // RSASSA-PSS: the hash is in the parameters ([0] hashAlgorithm).
    try {
      const hashAlg = children(params).find((c) => c.cls === 2 && c.tag === 0);
      if (!hashAlg) return 0;
      const hashOid = oidStr(oidArcs(children(children(hashAlg)[0])[0]));
      return PSS_HASH[hashOid] ?? 0;
    } catch {
      return 0;
    }
  }
  return SIG_ALGS[s] ?? 0;
}

/** pkix.Name from an RDNSequence. */
function name(t: Tlv): PlainObject {
  const out: PlainObject = {
    Country: null,
    Organization: null,
    OrganizationalUnit: null,
    Locality: null,
    Province: null,
    StreetAddress: null,
    PostalCode: null,
    SerialNumber: "",
    CommonName: "",
    Names: null,
    ExtraNames: null,
  };
  const names: Value[] = [];
  for (const rdn of children(t))
    for (const atv of children(rdn)) {
      const [typ, val] = children(atv);
      const arcs = oidArcs(typ);
      const v = stringOf(val);
      names.push({ Type: arcs, Value: v });
      const key = oidStr(arcs);
      if (key === "2.5.4.3") out.CommonName = v;
      else if (key === "2.5.4.5") out.SerialNumber = v;
      else if (NAME_FIELDS[key]) {
        const f = NAME_FIELDS[key];
        out[f] = [...((out[f] as Value[] | null) ?? []), v];
      }
    }
  out.Names = names.length ? names : null;
  return out;
}

function publicKey(spki: Tlv): { alg: number; key: Value } {
  const [algId, bits] = children(spki);
  const [oid, params] = children(algId);
  const alg = PK_ALGS[oidStr(oidArcs(oid))] ?? 0;
  const keyBytes = content(bits).subarray(1);
  try {
    if (alg === 1) {
      const [n, e] = children(readTlv(keyBytes, 0));
      return { alg, key: { N: normInt(bigIntOf(n)), E: normInt(bigIntOf(e)) } };
    }
    if (alg === 3 && keyBytes[0] === 4) {
      const size = (keyBytes.length - 1) / 2;
      const x = BigInt(`0x${keyBytes.subarray(1, 1 + size).toString("hex")}`);
      const y = BigInt(`0x${keyBytes.subarray(1 + size).toString("hex")}`);
      void params;
      return { alg, key: { Curve: {}, X: normInt(x), Y: normInt(y) } };
    }
    if (alg === 4) return { alg, key: b64(keyBytes) };
  } catch {
    return { alg, key: null };
  }
  return { alg, key: null };
}

interface GeneralNames {
  dns: string[];
  email: string[];
  ip: string[];
  uri: string[];
}

function generalNames(seq: Tlv): GeneralNames {
  const out: GeneralNames = { dns: [], email: [], ip: [], uri: [] };
  for (const g of children(seq)) {
    if (g.cls !== 2) continue;
    const b = content(g);
    if (g.tag === 1) out.email.push(b.toString("latin1"));
    else if (g.tag === 2) out.dns.push(b.toString("latin1"));
    else if (g.tag === 6) out.uri.push(b.toString("latin1"));
    else if (g.tag === 7 && (b.length === 4 || b.length === 16)) out.ip.push(ipString(Uint8Array.from(b)));
  }
  return out;
}

/** Go's url.URL as JSON. */
function urlJSON(s: string): Value {
  try {
    const u = goURLParse(s);
    return {
      Scheme: u.scheme,
      Opaque: u.opaque,
      User: null,
      Host: u.host,
      Path: u.path,
      RawPath: u.rawPath,
      OmitHost: false,
      ForceQuery: false,
      RawQuery: u.rawQuery,
      Fragment: u.fragment,
      RawFragment: "",
    };
  } catch (e) {
    if (e instanceof URLError)
      throw new X509Error(`x509: cannot parse URI ${JSON.stringify(s)}: ${e.message}`);
    throw e;
  }
}

const orNull = <T>(xs: T[]): T[] | null => (xs.length ? xs : null);

function applyExtensions(out: PlainObject, exts: Tlv | undefined): void {
  const list: Value[] = [];
  const unhandled: Value[] = [];
  const handled = new Set([
    "2.5.29.15",
    "2.5.29.19",
    "2.5.29.17",
    "2.5.29.35",
    "2.5.29.37",
    "2.5.29.14",
    "2.5.29.32",
    "2.5.29.31",
    "1.3.6.1.5.5.7.1.1",
    "2.5.29.30",
  ]);
  let extKeyUsage: number[] = [];
  const unknownEku: Value[] = [];
  if (exts) {
    for (const ext of children(children(exts)[0])) {
      const parts = children(ext);
      const arcs = oidArcs(parts[0]);
      let critical = false;
      let valueT = parts[1];
      if (parts.length === 3) {
        critical = content(parts[1])[0] !== 0;
        valueT = parts[2];
      }
      const value = content(valueT);
      list.push({ Id: arcs, Critical: critical, Value: b64(value) });
      const id = oidStr(arcs);
      if (critical && !handled.has(id)) unhandled.push(arcs);
      const inner = () => readTlv(value, 0);
      switch (id) {
        case "2.5.29.15": {
          const bits = content(inner());
          let ku = 0;
          for (let i = 0; i < (bits.length - 1) * 8 && i < 9; i++)
            if (bits[1 + (i >> 3)] & (0x80 >> (i & 7))) ku |= 1 << i;
          out.KeyUsage = ku;
          break;
        }
        case "2.5.29.19": {
          out.BasicConstraintsValid = true;
          out.MaxPathLen = -1;
          for (const c of children(inner())) {
            if (c.tag === 1) out.IsCA = content(c)[0] !== 0;
            if (c.tag === 2) {
              const n = Number(bigIntOf(c));
              out.MaxPathLen = n;
              out.MaxPathLenZero = n === 0;
            }
          }
          break;
        }
        case "2.5.29.17": {
          const g = generalNames(inner());
          out.DNSNames = orNull(g.dns);
          out.EmailAddresses = orNull(g.email);
          out.IPAddresses = orNull(g.ip);
          out.URIs = g.uri.length ? g.uri.map(urlJSON) : null;
          out.URIStrings = orNull(g.uri);
          break;
        }
        case "2.5.29.14":
          out.SubjectKeyId = b64(content(inner()));
          break;
        case "2.5.29.35": {
          const kid = children(inner()).find((c) => c.cls === 2 && c.tag === 0);
          if (kid) out.AuthorityKeyId = b64(content(kid));
          break;
        }
        case "2.5.29.37":
          for (const o of children(inner())) {
            const a = oidArcs(o);
            const k = EXT_KEY_USAGE[oidStr(a)];
            if (k === undefined) unknownEku.push(a);
            else extKeyUsage.push(k);
          }
          break;
        case "1.3.6.1.5.5.7.1.1":
          for (const ad of children(inner())) {
            const [m, loc] = children(ad);
            if (loc.cls !== 2 || loc.tag !== 6) continue;
            const url = content(loc).toString("latin1");
            const method = oidStr(oidArcs(m));
            if (method === "1.3.6.1.5.5.7.48.1")
              out.OCSPServer = [...((out.OCSPServer as Value[] | null) ?? []), url];
            if (method === "1.3.6.1.5.5.7.48.2")
              out.IssuingCertificateURL = [...((out.IssuingCertificateURL as Value[] | null) ?? []), url];
          }
          break;
        case "2.5.29.31": {
          const urls: string[] = [];
          for (const dp of children(inner())) {
            const dpName = children(dp).find((c) => c.cls === 2 && c.tag === 0);
            if (!dpName) continue;
            const full = children(dpName).find((c) => c.cls === 2 && c.tag === 0);
            if (full) urls.push(...generalNames(full).uri);
          }
          out.CRLDistributionPoints = orNull(urls);
          break;
        }
        case "2.5.29.32": {
          const ids = children(inner()).map((pi) => oidArcs(children(pi)[0]));
          out.PolicyIdentifiers = orNull(ids);
          out.Policies = orNull(ids.map(oidStr));
          break;
        }
      }
    }
  }
  out.Extensions = orNull(list);
  out.UnhandledCriticalExtensions = orNull(unhandled);
  out.ExtKeyUsage = orNull(extKeyUsage);
  out.UnknownExtKeyUsage = orNull(unknownEku);
  extKeyUsage = [];
}

/** Go's x509.Certificate JSON for one DER certificate (with OPA's URIStrings). */
export function certificateJSON(der: Buffer): PlainObject {
  try {
    const cert = readTlv(der, 0);
    const [tbs, sigAlg, sig] = children(cert);
    const f = children(tbs);
    let i = 0;
    let version = 0;
    if (f[0].cls === 2 && f[0].tag === 0) {
      version = Number(bigIntOf(children(f[0])[0]));
      i++;
    }
    const serial = f[i++];
    i++; // signature algorithm (inner copy)
    const issuer = f[i++];
    const validity = children(f[i++]);
    const subject = f[i++];
    const spki = f[i++];
    const exts = f.slice(i).find((c) => c.cls === 2 && c.tag === 3);
    const pk = publicKey(spki);
    const out: PlainObject = {
      Raw: b64(raw(cert)),
      RawTBSCertificate: b64(raw(tbs)),
      RawSubjectPublicKeyInfo: b64(raw(spki)),
      RawSubject: b64(raw(subject)),
      RawIssuer: b64(raw(issuer)),
      Signature: b64(content(sig).subarray(1)),
      SignatureAlgorithm: signatureAlgorithm(sigAlg),
      PublicKeyAlgorithm: pk.alg,
      PublicKey: pk.key,
      Version: version + 1,
      SerialNumber: normInt(bigIntOf(serial)),
      Issuer: name(issuer),
      Subject: name(subject),
      NotBefore: timeOf(validity[0]),
      NotAfter: timeOf(validity[1]),
      KeyUsage: 0,
      Extensions: null,
      ExtraExtensions: null,
      UnhandledCriticalExtensions: null,
      ExtKeyUsage: null,
      UnknownExtKeyUsage: null,
      BasicConstraintsValid: false,
      IsCA: false,
      MaxPathLen: 0,
      MaxPathLenZero: false,
      SubjectKeyId: null,
      AuthorityKeyId: null,
      OCSPServer: null,
      IssuingCertificateURL: null,
      DNSNames: null,
      EmailAddresses: null,
      IPAddresses: null,
      URIs: null,
      PermittedDNSDomainsCritical: false,
      PermittedDNSDomains: null,
      ExcludedDNSDomains: null,
      PermittedIPRanges: null,
      ExcludedIPRanges: null,
      PermittedEmailAddresses: null,
      ExcludedEmailAddresses: null,
      PermittedURIDomains: null,
      ExcludedURIDomains: null,
      CRLDistributionPoints: null,
      PolicyIdentifiers: null,
      Policies: null,
      InhibitAnyPolicy: 0,
      InhibitAnyPolicyZero: false,
      InhibitPolicyMapping: 0,
      InhibitPolicyMappingZero: false,
      RequireExplicitPolicy: 0,
      RequireExplicitPolicyZero: false,
      PolicyMappings: null,
      URIStrings: null,
    };
    applyExtensions(out, exts);
    return out;
  } catch (e) {
    if (e instanceof DerError || e instanceof TypeError) throw new X509Error(`x509: malformed certificate`);
    throw e;
  }
}

/** x509.ParseCertificates: concatenated DER certificates. */
export function splitCertificates(der: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let p = 0;
  while (p < der.length) {
    let t: Tlv;
    try {
      t = readTlv(der, p);
    } catch {
      throw new X509Error("x509: malformed certificate");
    }
    out.push(der.subarray(t.start, t.end));
    p = t.end;
  }
  return out;
}

/** Go's x509.CertificateRequest JSON. */
export function certificateRequestJSON(der: Buffer): PlainObject {
  let csr: Tlv;
  if (der.length > 0 && der[0] !== 0x30) {
    // Go checks the tag before the length.
    const b = der[0];
    csr = {
      cls: b >> 6,
      constructed: (b & 0x20) !== 0,
      tag: b & 0x1f,
      start: 0,
      contentStart: 2,
      end: 2 + (der[1] ?? 0),
      buf: der,
    };
  } else
    try {
      csr = readTlv(der, 0);
    } catch (e) {
      throw new X509Error((e as Error).message);
    }
  if (csr.cls !== 0 || csr.tag !== 16)
    throw new X509Error(
      `asn1: structure error: tags don't match (16 vs {class:${csr.cls} tag:${csr.tag} length:${csr.end - csr.contentStart} isCompound:${csr.constructed}}) {optional:false explicit:false application:false private:false defaultValue:<nil> tag:<nil> stringType:0 timeType:0 set:false omitEmpty:false} certificateRequest @2`,
    );
  try {
    const [info, sigAlg, sig] = children(csr);
    const [version, subject, spki, attrs] = children(info);
    const pk = publicKey(spki);
    const out: PlainObject = {
      Raw: b64(raw(csr)),
      RawTBSCertificateRequest: b64(raw(info)),
      RawSubjectPublicKeyInfo: b64(raw(spki)),
      RawSubject: b64(raw(subject)),
      Version: Number(bigIntOf(version)),
      Signature: b64(content(sig).subarray(1)),
      SignatureAlgorithm: signatureAlgorithm(sigAlg),
      PublicKeyAlgorithm: pk.alg,
      PublicKey: pk.key,
      Subject: name(subject),
      Attributes: null,
      Extensions: null,
      ExtraExtensions: null,
      DNSNames: null,
      EmailAddresses: null,
      IPAddresses: null,
      URIs: null,
    };
    // extensionRequest attribute (1.2.840.113549.1.9.14) carries the extensions.
    if (attrs)
      for (const a of children(attrs)) {
        const [oid, set] = children(a);
        if (oidStr(oidArcs(oid)) !== "1.2.840.113549.1.9.14") continue;
        const seq = children(set)[0];
        const tmp: PlainObject = {};
        applyExtensions(tmp, { ...seq, cls: 2, tag: 3, contentStart: seq.start, end: seq.end } as Tlv);
        out.Extensions = tmp.Extensions ?? null;
        for (const k of ["DNSNames", "EmailAddresses", "IPAddresses", "URIs"])
          if (tmp[k] !== undefined) out[k] = tmp[k];
      }
    return out;
  } catch (e) {
    if (e instanceof DerError || e instanceof TypeError)
      throw new X509Error("x509: malformed certificate request");
    throw e;
  }
}

// ---- chain verification ------------------------------------------------------------

export interface VerifyOptions {
  dnsName?: string;
  currentTimeMs: number;
  keyUsages?: number[];
}

/**
 * OPA's verifyX509CertificateChain: certs[0] is the root, the last is the
 * leaf, the rest intermediates. Returns the chain leaf-first, or undefined.
 */
export function verifyChain(ders: Buffer[], opts: VerifyOptions): Buffer[] | undefined {
  if (ders.length < 2)
    throw new X509Error("operand 1 must supply at least two certificates to be able to verify");
  const certs = ders.map((d) => new X509Certificate(d));
  const root = certs[0];
  const leaf = certs[certs.length - 1];
  const inter = certs.slice(1, -1);
  const valid = (c: X509Certificate) =>
    Date.parse(c.validFrom) <= opts.currentTimeMs && opts.currentTimeMs <= Date.parse(c.validTo);
  const issues = (parent: X509Certificate, child: X509Certificate) => {
    try {
      return child.checkIssued(parent) && child.verify(parent.publicKey);
    } catch {
      return false;
    }
  };
  if (!valid(leaf)) return undefined;
  if (opts.dnsName && leaf.checkHost(opts.dnsName) === undefined) return undefined;
  const wanted = opts.keyUsages?.length ? opts.keyUsages : [1];
  if (!wanted.includes(0)) {
    const eku = (leaf.keyUsage ?? []).map((o) => EXT_KEY_USAGE[o]);
    if (eku.length && !eku.includes(0) && !eku.some((k) => wanted.includes(k))) return undefined;
  }
  // Depth-first search from the leaf through intermediates to the root.
  const search = (cur: X509Certificate, chain: number[]): number[] | undefined => {
    if (issues(root, cur) && (cur !== root || chain.length === 0)) return [...chain, 0];
    for (let j = 0; j < inter.length; j++) {
      const idx = j + 1;
      if (chain.includes(idx)) continue;
      const c = inter[j];
      if (!c.ca || !valid(c) || !issues(c, cur)) continue;
      const r = search(c, [...chain, idx]);
      if (r) return r;
    }
    return undefined;
  };
  if (leaf === root) return [ders[0]];
  const path = search(leaf, []);
  if (!path) return undefined;
  return [ders[ders.length - 1], ...path.map((i) => ders[i])];
}

export function publicKeyObject(der: Buffer): KeyObject {
  return createPublicKey({ key: der, format: "der", type: "spki" });
}
