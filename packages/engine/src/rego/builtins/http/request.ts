/** The http.send request operand checks OPA applies (also used by providers.aws.sign_req). */
import { objEntries, objGet, type RegoObject, RSet, type Value } from "../../value.ts";
import { operandMsg } from "../support/operands.ts";
import { termString } from "../support/termstring.ts";

export const HTTP_REQUEST_KEYS = new Set([
  "method",
  "url",
  "body",
  "enable_redirect",
  "force_json_decode",
  "force_yaml_decode",
  "headers",
  "raw_body",
  "tls_use_system_certs",
  "tls_ca_cert",
  "tls_ca_cert_file",
  "tls_ca_cert_env_variable",
  "tls_client_cert",
  "tls_client_cert_file",
  "tls_client_cert_env_variable",
  "tls_client_key",
  "tls_client_key_file",
  "tls_client_key_env_variable",
  "tls_insecure_skip_verify",
  "tls_server_name",
  "timeout",
  "cache",
  "force_cache",
  "force_cache_duration_seconds",
  "raise_error",
  "caching_mode",
  "max_retry_attempts",
  "cache_ignored_headers",
]);

/** OPA's validateHTTPRequestOperand: unknown keys, then missing "method"/"url". */
export function validateHttpRequest(name: string, req: RegoObject, pos: number): void {
  const keys: Value[] = [...objEntries(req)].map(([k]) => k);
  const bad = keys.filter((k) => typeof k !== "string" || !HTTP_REQUEST_KEYS.has(k));
  if (bad.length) throw operandMsg(name, pos, `invalid request parameters(s): ${termString(new RSet(bad))}`);
  const missing = ["method", "url"].filter((k) => objGet(req, k) === undefined);
  if (missing.length)
    throw operandMsg(name, pos, `missing required request parameters(s): ${termString(new RSet(missing))}`);
}
