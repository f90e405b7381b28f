import { describe, expect, it } from "vitest";
import { builtins } from "../../src/rego/builtins/providers.ts";
import { caller, expectErr } from "./ext-harness.ts";

const call = caller(builtins);
const TS = 1451311705000000000n;
const cfg = { aws_access_key: "AK", aws_secret_access_key: "SK", aws_service: "s3", aws_region: "us-east-1" };

describe("providers.aws.sign_req (values checked against opa 1.22)", () => {
  it("signs S3 requests with session tokens and JSON bodies", () => {
    const req = {
      method: "get",
      url: "http://example.com/a b?x=1",
      headers: { "User-Agent": "x", Foo: "bar" },
      body: { a: [1] },
    };
    expect(call("providers.aws.sign_req", req, { ...cfg, aws_session_token: "TOK" }, TS)).toEqual({
      ...req,
      headers: {
        Authorization:
          "AWS4-HMAC-SHA256 Credential=AK/20151228/us-east-1/s3/aws4_request,SignedHeaders=foo;host;x-amz-content-sha256;x-amz-date;x-amz-security-token,Signature=0142c37442564ce80a95e10d2e2941816e49c9ff4dfcd2517594bca65daa6b78",
        Foo: "bar",
        "User-Agent": "x",
        host: "example.com",
        "x-amz-content-sha256": "ff5464c34287e9ec505b9f76573a4cb0bd408c96c6537b458fdd993fc7c615ce",
        "x-amz-date": "20151228T140825Z",
        "x-amz-security-token": "TOK",
      },
    });
  });
  it("supports unsigned payloads for other services", () => {
    const req = { method: "POST", url: "https://svc.example.com/p", raw_body: "hello" };
    const out = call(
      "providers.aws.sign_req",
      req,
      { ...cfg, aws_service: "execute-api", aws_region: "eu-west-1", disable_payload_signing: true },
      TS,
    );
    expect(out).toEqual({
      ...req,
      headers: {
        Authorization:
          "AWS4-HMAC-SHA256 Credential=AK/20151228/eu-west-1/execute-api/aws4_request,SignedHeaders=host;x-amz-date,Signature=215df9090d6681d36ef34e7b1cc64766428d5dc524ab48267bf8c6a072762a31",
        host: "svc.example.com",
        "x-amz-date": "20151228T140825Z",
      },
    });
  });
  it("validates operands like OPA", () => {
    const req = { method: "get", url: "http://example.com" };
    expectErr(
      () => call("providers.aws.sign_req", {}, cfg, TS),
      "eval_type_error",
      'providers.aws.sign_req: operand 1 missing required request parameters(s): {"method", "url"}',
    );
    expectErr(
      () => call("providers.aws.sign_req", req, { example: "x" }, TS),
      "eval_type_error",
      'operand 2 missing required AWS config parameters(s): {"aws_access_key", "aws_region", "aws_secret_access_key", "aws_service"}',
    );
    expectErr(
      () => call("providers.aws.sign_req", req, { ...cfg, disable_payload_signing: "yes" }, TS),
      "eval_type_error",
      "operand 2 invalid value for 'disable_payload_signing' in AWS config",
    );
    expectErr(
      () => call("providers.aws.sign_req", req, cfg, 1.5),
      "eval_type_error",
      "operand 3 could not convert time_ns value into a unix timestamp",
    );
  });
});
