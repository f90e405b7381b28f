/** providers.aws.sign_req: AWS Signature Version 4 request signing, as OPA computes it. */
import { createHash, createHmac } from "node:crypto";
import {
  compareStrings,
  isObject,
  makeObject,
  objEntries,
  objGet,
  plainNum,
  type RegoObject,
  RSet,
  type Value,
} from "../value.ts";
import type { BuiltinDef } from "./builtin.ts";
import { goMarshal } from "./go/json.ts";
import { escapedPath, goURLParse, URLError } from "./go/url-parse.ts";
import { validateHttpRequest } from "./http/request.ts";
import { builtinErr, obj, operandErr, operandMsg } from "./support/operands.ts";
import { termString } from "./support/termstring.ts";
import { formatTime } from "./time/layouts.ts";
import { UTC } from "./time/zones.ts";

const NAME = "providers.aws.sign_req";

const AWS_KEYS = ["aws_access_key", "aws_region", "aws_secret_access_key", "aws_service"];
const IGNORED = new Set(["authorization", "user-agent", "x-amzn-trace-id"]);

const setText = (items: Value[]) => termString(new RSet(items));
const strOf = (v: Value | undefined) => (typeof v === "string" ? v : "");
const hmac = (key: Buffer | string, msg: string) => createHmac("sha256", key).update(msg, "utf8").digest();

function signReq(args: Value[]): Value {
  const req = obj(NAME, args, 0);
  // OPA reports the config operand as "operand 1" too.
  if (!isObject(args[1])) throw operandErr(NAME, 1, args[1], "object");
  const cfg = args[1];
  const missing = AWS_KEYS.filter((k) => objGet(cfg, k) === undefined);
  if (missing.length)
    throw operandMsg(NAME, 2, `missing required AWS config parameters(s): ${setText(missing)}`);
  const invalid = AWS_KEYS.filter((k) => typeof objGet(cfg, k) !== "string");
  if (invalid.length)
    throw operandMsg(NAME, 2, `invalid values for required AWS config parameters(s): ${setText(invalid)}`);
  const service = strOf(objGet(cfg, "aws_service"));
  const accessKey = strOf(objGet(cfg, "aws_access_key"));
  const secretKey = strOf(objGet(cfg, "aws_secret_access_key"));
  const region = strOf(objGet(cfg, "aws_region"));
  const token = strOf(objGet(cfg, "aws_session_token"));
  const ts = plainNum(args[2]);
  if (typeof ts !== "number" && typeof ts !== "bigint") throw operandErr(NAME, 1, ts, "number");
  if (typeof ts === "number" && !Number.isInteger(ts))
    throw operandMsg(NAME, 3, "could not convert time_ns value into a unix timestamp");
  const ns = BigInt(ts);
  if (ns < -(2n ** 63n) || ns >= 2n ** 63n)
    throw operandMsg(NAME, 3, "could not convert time_ns value into a unix timestamp");

  validateHttpRequest(NAME, req, 1);
  let headers: RegoObject = {};
  const h = objGet(req, "headers");
  if (h !== undefined) {
    if (!isObject(h)) throw operandErr(NAME, 0, h, "object");
    headers = h;
  }
  const badVals = ["method", "url"].filter((k) => typeof objGet(req, k) !== "string");
  if (badVals.length)
    throw operandMsg(NAME, 1, `invalid values for required request parameters(s): ${setText(badVals)}`);
  let url: ReturnType<typeof goURLParse>;
  try {
    url = goURLParse(objGet(req, "url") as string);
  } catch (e) {
    if (e instanceof URLError) throw builtinErr(NAME, e.message);
    throw e;
  }
  const method = objGet(req, "method") as string;
  const rawBody = objGet(req, "raw_body");
  const jsonBody = objGet(req, "body");
  const body = rawBody !== undefined ? strOf(rawBody) : jsonBody !== undefined ? goMarshal(jsonBody) : "";

  let disablePayloadSigning = false;
  const dps = objGet(cfg, "disable_payload_signing");
  if (dps !== undefined) {
    if (typeof dps !== "boolean")
      throw operandMsg(NAME, 2, "invalid value for 'disable_payload_signing' in AWS config");
    disablePayloadSigning = dps;
  }

  // SigV4 (OPA's internal/providers/aws SignV4).
  const contentSha = disablePayloadSigning
    ? "UNSIGNED-PAYLOAD"
    : createHash("sha256").update(body, "utf8").digest("hex");
  const date = formatTime(ns, UTC, "20060102");
  const stamp = formatTime(ns, UTC, "20060102T150405Z");
  const awsHeaders = new Map<string, string>([
    ["host", url.host],
    ["x-amz-date", stamp],
  ]);
  if (service === "s3" || service === "glacier") awsHeaders.set("x-amz-content-sha256", contentSha);
  if (token !== "") awsHeaders.set("x-amz-security-token", token);
  const toSign = new Map<string, string>(awsHeaders);
  const original: [string, string][] = [];
  for (const [k, v] of objEntries(headers)) {
    const ks = strOf(k);
    original.push([ks, strOf(v)]);
    const lower = ks.toLowerCase();
    if (!IGNORED.has(lower)) toSign.set(lower, strOf(v));
  }
  const ordered = [...toSign.keys()].sort(compareStrings);
  let canonical = `${method}\n${escapedPath(url)}\n${url.rawQuery}\n`;
  for (const k of ordered) canonical += `${k}:${toSign.get(k)}\n`;
  const signedHeaders = ordered.join(";");
  canonical += `\n${signedHeaders}\n${contentSha}`;
  const scope = `${date}/${region}/${service}/aws4_request`;
  const strToSign = `AWS4-HMAC-SHA256\n${stamp}\n${scope}\n${createHash("sha256").update(canonical, "utf8").digest("hex")}`;
  let key = hmac(`AWS4${secretKey}`, date);
  key = hmac(key, region);
  key = hmac(key, service);
  key = hmac(key, "aws4_request");
  const signature = hmac(key, strToSign).toString("hex");
  const auth = `AWS4-HMAC-SHA256 Credential=${accessKey}/${scope},SignedHeaders=${signedHeaders},Signature=${signature}`;

  const outHeaders: [Value, Value][] = [...original, ["Authorization", auth], ...awsHeaders];
  const out: [Value, Value][] = [...objEntries(req)].filter(([k]) => k !== "headers");
  out.push(["headers", makeObject(outHeaders)]);
  return makeObject(out);
}

export const builtins: BuiltinDef[] = [{ name: NAME, arity: 3, impl: signReq }];
