/**
 * Go's net/url Parse (Go 1.26 rules), for uri.parse / uri.is_valid. Works on
 * a byte string (one char per UTF-8 byte), as Go does, and converts back.
 */
import { parseIP } from "../net/ipnet.ts";
import { goQuote } from "./quote.ts";

export class URLError extends Error {}

const PATH = 1;
const PATH_SEGMENT = 2;
const HOST = 4;
const ZONE = 8;
const USER_PASSWORD = 16;
const QUERY_COMPONENT = 32;
const FRAGMENT = 64;

const toBytes = (s: string) => Buffer.from(s, "utf8").toString("latin1");
const fromBytes = (s: string) => Buffer.from(s, "latin1").toString("utf8");
const q = (bytes: string) => goQuote(fromBytes(bytes));

function isAlnum(c: string): boolean {
  return (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9");
}
const isHexCh = (c: string | undefined) => c !== undefined && /^[0-9a-fA-F]$/.test(c);
const unhex = (c: string) => Number.parseInt(c, 16);

function shouldEscape(c: string, mode: number): boolean {
  if (isAlnum(c)) return false;
  if ((mode === HOST || mode === ZONE) && "!$&'()*+,;=:[]<>\"".includes(c)) return false;
  if ("-_.~".includes(c)) return false;
  if ("$&+,/:;=?@".includes(c)) {
    switch (mode) {
      case PATH:
        return c === "?";
      case PATH_SEGMENT:
        return c === "/" || c === ";" || c === "," || c === "?";
      case USER_PASSWORD:
        return c === "@" || c === "/" || c === "?" || c === ":";
      case QUERY_COMPONENT:
        return true;
      case FRAGMENT:
        return false;
    }
  }
  if (mode === FRAGMENT && "!()*".includes(c)) return false;
  return true;
}

function escapeError(s: string): URLError {
  return new URLError(`invalid URL escape ${q(s)}`);
}

function urlUnescape(s: string, mode: number): string {
  let n = 0;
  let hasPlus = false;
  for (let i = 0; i < s.length; ) {
    const c = s[i];
    if (c === "%") {
      n++;
      if (i + 2 >= s.length || !isHexCh(s[i + 1]) || !isHexCh(s[i + 2])) throw escapeError(s.slice(i, i + 3));
      const seg = s.slice(i, i + 3);
      if (mode === HOST && unhex(s[i + 1]) < 8 && seg !== "%25") throw escapeError(seg);
      if (mode === ZONE) {
        const v = String.fromCharCode((unhex(s[i + 1]) << 4) | unhex(s[i + 2]));
        if (seg !== "%25" && v !== " " && shouldEscape(v, HOST)) throw escapeError(seg);
      }
      i += 3;
    } else if (c === "+") {
      hasPlus = mode === QUERY_COMPONENT;
      i++;
    } else {
      if ((mode === HOST || mode === ZONE) && c.charCodeAt(0) < 0x80 && shouldEscape(c, mode))
        throw new URLError(`invalid character ${q(c)} in host name`);
      i++;
    }
  }
  if (n === 0 && !hasPlus) return s;
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "%") {
      out += String.fromCharCode((unhex(s[i + 1]) << 4) | unhex(s[i + 2]));
      i += 2;
    } else if (c === "+") out += mode === QUERY_COMPONENT ? " " : "+";
    else out += c;
  }
  return out;
}

function urlEscape(s: string, mode: number): string {
  let out = "";
  for (const c of s) {
    if (c === " " && mode === QUERY_COMPONENT) out += "+";
    else if (shouldEscape(c, mode)) out += `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`;
    else out += c;
  }
  return out;
}

function validOptionalPort(port: string): boolean {
  if (port === "") return true;
  if (port[0] !== ":") return false;
  for (const c of port.slice(1)) if (c < "0" || c > "9") return false;
  return true;
}

function parseHost(scheme: string, host: string): string {
  const open = host.lastIndexOf("[");
  if (open > 0) throw new URLError("invalid IP-literal");
  if (open === 0) {
    const close = host.lastIndexOf("]");
    if (close < 0) throw new URLError("missing ']' in host");
    const colonPort = host.slice(close + 1);
    if (!validOptionalPort(colonPort)) throw new URLError(`invalid port ${q(colonPort)} after host`);
    const port = urlUnescape(colonPort, HOST);
    const hostname = host.slice(1, close);
    const zone = hostname.indexOf("%25");
    const unescaped =
      zone >= 0
        ? urlUnescape(hostname.slice(0, zone), HOST) + urlUnescape(hostname.slice(zone), ZONE)
        : urlUnescape(hostname, HOST);
    const pct = unescaped.indexOf("%");
    const addr = pct >= 0 ? unescaped.slice(0, pct) : unescaped;
    if (!addr.includes(":")) {
      if (parseIP(addr)) throw new URLError("invalid IP-literal");
      throw new URLError(`invalid host: ParseAddr(${q(unescaped)}): unable to parse IP`);
    }
    if (!parseIP(addr) || (pct >= 0 && pct === unescaped.length - 1))
      throw new URLError(`invalid host: ParseAddr(${q(unescaped)}): unable to parse IP`);
    return `[${unescaped}]${port}`;
  }
  const first = host.indexOf(":");
  if (first !== -1) {
    let i = first;
    const last = host.lastIndexOf(":");
    if (last !== first && scheme !== "http" && scheme !== "https") i = last;
    const colonPort = host.slice(i);
    if (!validOptionalPort(colonPort)) throw new URLError(`invalid port ${q(colonPort)} after host`);
  }
  return urlUnescape(host, HOST);
}

function validUserinfo(s: string): boolean {
  for (const c of fromBytes(s)) {
    if (isAlnum(c)) continue;
    if ("-._:~!$&'()*+,;=%@".includes(c)) continue;
    return false;
  }
  return true;
}

export interface GoURL {
  scheme: string;
  opaque: string;
  host: string;
  path: string;
  rawPath: string;
  rawQuery: string;
  fragment: string;
}

function getScheme(raw: string): [string, string] {
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if ((c >= "a" && c <= "z") || (c >= "A" && c <= "Z")) continue;
    if ((c >= "0" && c <= "9") || c === "+" || c === "-" || c === ".") {
      if (i === 0) return ["", raw];
      continue;
    }
    if (c === ":") {
      if (i === 0) throw new URLError("missing protocol scheme");
      return [raw.slice(0, i), raw.slice(i + 1)];
    }
    return ["", raw];
  }
  return ["", raw];
}

function parseBytes(raw: string): GoURL {
  const u: GoURL = { scheme: "", opaque: "", host: "", path: "", rawPath: "", rawQuery: "", fragment: "" };
  for (let i = 0; i < raw.length; i++) {
    const b = raw.charCodeAt(i);
    if (b < 0x20 || b === 0x7f) throw new URLError("net/url: invalid control character in URL");
  }
  if (raw === "*") {
    u.path = "*";
    return u;
  }
  let rest: string;
  [u.scheme, rest] = getScheme(raw);
  u.scheme = u.scheme.toLowerCase();
  if (rest.endsWith("?") && rest.split("?").length === 2) rest = rest.slice(0, -1);
  else {
    const qi = rest.indexOf("?");
    if (qi >= 0) {
      u.rawQuery = rest.slice(qi + 1);
      rest = rest.slice(0, qi);
    }
  }
  if (!rest.startsWith("/")) {
    if (u.scheme !== "") {
      u.opaque = rest;
      return u;
    }
    const seg = rest.split("/")[0];
    if (seg.includes(":")) throw new URLError("first path segment in URL cannot contain colon");
  }
  if ((u.scheme !== "" || !rest.startsWith("///")) && rest.startsWith("//")) {
    let authority = rest.slice(2);
    rest = "";
    const slash = authority.indexOf("/");
    if (slash >= 0) {
      rest = authority.slice(slash);
      authority = authority.slice(0, slash);
    }
    const at = authority.lastIndexOf("@");
    u.host = parseHost(u.scheme, at < 0 ? authority : authority.slice(at + 1));
    if (at >= 0) {
      const userinfo = authority.slice(0, at);
      if (!validUserinfo(userinfo)) throw new URLError("net/url: invalid userinfo");
      for (const part of userinfo.split(":").slice(0, 2)) urlUnescape(part, USER_PASSWORD);
    }
  }
  u.path = urlUnescape(rest, PATH);
  u.rawPath = urlEscape(u.path, PATH) === rest ? "" : rest;
  return u;
}

/** url.Parse; errors read `parse "<url>": <reason>`. Strings in the result are UTF-8 again. */
export function goURLParse(input: string): GoURL {
  const raw = toBytes(input);
  const hash = raw.indexOf("#");
  const u = hash >= 0 ? raw.slice(0, hash) : raw;
  const frag = hash >= 0 ? raw.slice(hash + 1) : "";
  let url: GoURL;
  try {
    url = parseBytes(u);
  } catch (e) {
    if (e instanceof URLError) throw new URLError(`parse ${q(u)}: ${e.message}`);
    throw e;
  }
  if (frag !== "") {
    try {
      url.fragment = urlUnescape(frag, FRAGMENT);
    } catch (e) {
      if (e instanceof URLError) throw new URLError(`parse ${q(raw)}: ${e.message}`);
      throw e;
    }
  }
  const out = {} as GoURL;
  for (const [k, v] of Object.entries(url)) (out as unknown as Record<string, string>)[k] = fromBytes(v);
  return out;
}

/** URL.Hostname() and URL.Port(). */
export function splitHostPort(hostPort: string): [string, string] {
  let host = hostPort;
  let port = "";
  const colon = host.lastIndexOf(":");
  if (colon !== -1 && validOptionalPort(host.slice(colon))) {
    port = host.slice(colon + 1);
    host = host.slice(0, colon);
  }
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  return [host, port];
}

function validEncoded(s: string, mode: number): boolean {
  for (const c of s) {
    if ("!$&'()*+,;=:@[]%".includes(c)) continue;
    if (shouldEscape(c, mode)) return false;
  }
  return true;
}

/** URL.EscapedPath(). */
export function escapedPath(u: GoURL): string {
  const rawPath = toBytes(u.rawPath);
  const path = toBytes(u.path);
  if (rawPath !== "" && validEncoded(rawPath, PATH)) {
    try {
      if (urlUnescape(rawPath, PATH) === path) return fromBytes(rawPath);
    } catch {
      /* fall through to escaping the path */
    }
  }
  if (path === "*") return "*";
  return fromBytes(urlEscape(path, PATH));
}
