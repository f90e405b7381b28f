/**
 * http.send and net.lookup_ip_addr over an injected, synchronous provider.
 * The engine does no I/O: by default these builtins fail (builtins/http.ts,
 * builtins/net.ts); a host that may reach the network (the CLI's `eval`)
 * compiles with `builtins: networkBuiltins(provider)`. Services compile
 * templates without them at all (GATEKEEPER_DISABLED_BUILTINS), as
 * Gatekeeper's capabilities do.
 *
 * The request operand and the response object follow OPA's http.send:
 * method, url, headers, body (JSON-encoded) / raw_body, timeout (duration
 * string or nanoseconds, default 5s), enable_redirect, raise_error,
 * force_json_decode, force_yaml_decode, and tls_insecure_skip_verify,
 * tls_ca_cert(_file), tls_client_cert(_file), tls_client_key(_file),
 * tls_server_name. Not supported (accepted, no effect): cache, force_cache*,
 * caching_mode, cache_ignored_headers, max_retry_attempts,
 * tls_use_system_certs, the *_env_variable forms.
 */
import { type BuiltinContext, type BuiltinDef, BuiltinError } from "./builtins/builtin.ts";
import { validateHttpRequest } from "./builtins/http/request.ts";
import { BUILTINS } from "./builtins/index.ts";
import {
  isObject,
  keyOf,
  makeObject,
  NumText,
  numOf,
  objEntries,
  objGet,
  RSet,
  type Value,
} from "./value.ts";

/** Builtins Gatekeeper's Rego driver leaves out of its capabilities. */
export const GATEKEEPER_DISABLED_BUILTINS: readonly string[] = ["http.send", "net.lookup_ip_addr"];

export interface HttpRequestSpec {
  /** Upper-case, e.g. "GET". */
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  enableRedirect: boolean;
  tls: {
    insecureSkipVerify?: boolean;
    caCert?: string;
    caCertFile?: string;
    clientCert?: string;
    clientCertFile?: string;
    clientKey?: string;
    clientKeyFile?: string;
    serverName?: string;
  };
}

export type HttpResult =
  | { ok: true; status: number; statusText: string; headers: [string, string][]; body: string }
  | { ok: false; error: string; timeout?: boolean };

export type LookupResult = { ok: true; addrs: string[] } | { ok: false; error: string };

/** Synchronous network access, supplied by the host. */
export interface NetworkProvider {
  httpSend(req: HttpRequestSpec): HttpResult;
  lookupIpAddr(name: string): LookupResult;
}

const DEFAULT_TIMEOUT_MS = 5000;

function call(name: string, args: Value[], ctx: BuiltinContext): Value | undefined {
  const b = BUILTINS.get(name);
  if (!b) throw new Error(`builtin ${name} missing`);
  return b.impl(args, ctx);
}

const fail = (msg: string): never => {
  throw new BuiltinError(`http.send: ${msg}`);
};

function str(req: Value, key: string): string | undefined {
  const v = objGet(req as never, key);
  if (v === undefined) return undefined;
  if (typeof v !== "string") fail(`invalid parameter "${key}": expected a string`);
  return v as string;
}

function bool(req: Value, key: string, dflt: boolean): boolean {
  const v = objGet(req as never, key);
  if (v === undefined) return dflt;
  if (typeof v !== "boolean") fail(`invalid parameter "${key}": expected a boolean`);
  return v as boolean;
}

function timeoutMs(v: Value | undefined, ctx: BuiltinContext): number {
  if (v === undefined) return DEFAULT_TIMEOUT_MS;
  if (typeof v === "number" || typeof v === "bigint") return Math.max(0, Number(v) / 1e6);
  if (v instanceof NumText) return Math.max(0, Number(numOf(v)) / 1e6);
  if (typeof v === "string") {
    try {
      return Number(call("time.parse_duration_ns", [v], ctx)) / 1e6;
    } catch (e) {
      fail(`invalid timeout value ${JSON.stringify(v)}: ${(e as Error).message.replace(/^[\w.]+: /, "")}`);
    }
  }
  return fail(`invalid timeout value ${keyOf(v)}`);
}

/** Go's url.Error Op: "Get", "Post", ... */
const goOp = (method: string) => method.charAt(0) + method.slice(1).toLowerCase();

function spec(req: Value, ctx: BuiltinContext): HttpRequestSpec {
  const method = (str(req, "method") ?? "").toUpperCase();
  const url = str(req, "url") ?? "";
  const headers: Record<string, string> = {};
  const h = objGet(req as never, "headers");
  if (h !== undefined) {
    if (!isObject(h)) fail(`invalid parameter "headers": expected an object`);
    for (const [k, v] of objEntries(h as never)) {
      if (typeof k !== "string" || typeof v !== "string")
        fail(`invalid parameter "headers": expected string keys and values`);
      headers[k as string] = v as string;
    }
  }
  let body: string | undefined;
  const raw = str(req, "raw_body");
  const b = objGet(req as never, "body");
  if (raw !== undefined) body = raw;
  else if (b !== undefined) body = call("json.marshal", [b], ctx) as string;
  const tls: HttpRequestSpec["tls"] = {};
  if (bool(req, "tls_insecure_skip_verify", false)) tls.insecureSkipVerify = true;
  const tlsStrings: [string, keyof HttpRequestSpec["tls"]][] = [
    ["tls_ca_cert", "caCert"],
    ["tls_ca_cert_file", "caCertFile"],
    ["tls_client_cert", "clientCert"],
    ["tls_client_cert_file", "clientCertFile"],
    ["tls_client_key", "clientKey"],
    ["tls_client_key_file", "clientKeyFile"],
    ["tls_server_name", "serverName"],
  ];
  for (const [k, field] of tlsStrings) {
    const v = str(req, k);
    if (v !== undefined) (tls as Record<string, string>)[field] = v;
  }
  return {
    method,
    url,
    headers,
    ...(body === undefined ? {} : { body }),
    timeoutMs: timeoutMs(objGet(req as never, "timeout"), ctx),
    enableRedirect: bool(req, "enable_redirect", false),
    tls,
  };
}

function decodeBody(raw: string, contentType: string, req: Value, ctx: BuiltinContext): Value | undefined {
  const forceJson = bool(req, "force_json_decode", false);
  const forceYaml = bool(req, "force_yaml_decode", false);
  if (forceJson || /application\/json/i.test(contentType)) return call("json.unmarshal", [raw], ctx) ?? null;
  if (forceYaml || /application\/(x-)?yaml/i.test(contentType))
    return call("yaml.unmarshal", [raw], ctx) ?? null;
  return null;
}

function httpSend(p: NetworkProvider): BuiltinDef {
  return {
    name: "http.send",
    arity: 1,
    nondeterministic: true,
    impl: (a, ctx) => {
      const req = a[0] as Value;
      if (!isObject(req)) throw new BuiltinError("http.send: operand 1 must be object", "eval_type_error");
      validateHttpRequest("http.send", req, 1);
      // OPA answers identical requests once per query.
      const memo = `http.send:${keyOf(req)}`;
      const hit = ctx.cache.get(memo);
      if (hit !== undefined) return hit as Value;
      const raiseError = bool(req, "raise_error", true);
      const s = spec(req, ctx);
      const r = p.httpSend(s);
      let res: Value;
      if (!r.ok) {
        const message = r.timeout
          ? `${goOp(s.method)} ${s.url}: request timed out`
          : `${goOp(s.method)} "${s.url}": ${r.error}`;
        if (raiseError) fail(message);
        // raise_error: false turns network errors into a response with status_code 0.
        res = makeObject([
          ["status_code", 0],
          [
            "error",
            makeObject([
              ["code", "eval_http_send_network_error"],
              ["message", message],
            ]),
          ],
        ]);
      } else {
        const headers = new Map<string, string[]>();
        for (const [k, v] of r.headers) {
          const key = k.toLowerCase();
          headers.set(key, [...(headers.get(key) ?? []), v]);
        }
        const contentType = headers.get("content-type")?.[0] ?? "";
        res = makeObject([
          ["status", `${r.status}${r.statusText ? ` ${r.statusText}` : ""}`],
          ["status_code", r.status],
          ["body", decodeBody(r.body, contentType, req, ctx) ?? null],
          ["raw_body", r.body],
          ["headers", makeObject([...headers].map(([k, v]): [Value, Value] => [k, v]))],
        ]);
      }
      ctx.cache.set(memo, res);
      return res;
    },
  };
}

function lookupIpAddr(p: NetworkProvider): BuiltinDef {
  return {
    name: "net.lookup_ip_addr",
    arity: 1,
    nondeterministic: true,
    impl: (a) => {
      const name = a[0];
      if (typeof name !== "string")
        throw new BuiltinError("net.lookup_ip_addr: operand 1 must be string", "eval_type_error");
      const r = p.lookupIpAddr(name);
      if (!r.ok) throw new BuiltinError(`net.lookup_ip_addr: ${r.error}`);
      return new RSet(r.addrs);
    },
  };
}

/** http.send and net.lookup_ip_addr backed by `p`, for `compile(…, { builtins })`. */
export function networkBuiltins(p: NetworkProvider): BuiltinDef[] {
  return [httpSend(p), lookupIpAddr(p)];
}
