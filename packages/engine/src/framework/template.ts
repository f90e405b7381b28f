import type { CelSource } from "../cel/index.ts";
import { fail } from "./errors.ts";
import { get, isObj, type Obj, str } from "./objects.ts";

export const TARGET_NAME = "admission.k8s.gatekeeper.sh";

export interface RegoSource {
  rego: string;
  libs: string[];
  version: 0 | 1;
}

export interface ParsedTemplate {
  name: string;
  /** The constraint kind this template defines. */
  kind: string;
  schema: unknown;
  rego?: RegoSource;
  cel?: CelSource;
  raw: Obj;
}

/** Structural checks of a ConstraintTemplate (templates.gatekeeper.sh v1/v1beta1/v1alpha1). */
export function parseTemplate(obj: unknown): ParsedTemplate {
  if (!isObj(obj)) fail("invalid_template", "ConstraintTemplate must be an object");
  const apiVersion = str(obj.apiVersion);
  if (!apiVersion.startsWith("templates.gatekeeper.sh/") || obj.kind !== "ConstraintTemplate") {
    fail(
      "invalid_template",
      `expected templates.gatekeeper.sh ConstraintTemplate, got ${apiVersion || "<none>"} ${str(obj.kind) || "<none>"}`,
    );
  }
  const name = str(get(obj, "metadata", "name"));
  if (name === "") fail("invalid_template", "ConstraintTemplate has no metadata.name", "metadata.name");
  const kind = str(get(obj, "spec", "crd", "spec", "names", "kind"));
  if (kind === "")
    fail("missing_kind", "ConstraintTemplate has no spec.crd.spec.names.kind", "spec.crd.spec.names.kind");
  if (kind.toLowerCase() !== name) {
    fail(
      "invalid_template",
      `the ConstraintTemplate's name ${JSON.stringify(name)} is not equal to the lowercase of CRD's Kind: ${JSON.stringify(kind.toLowerCase())}`,
      "metadata.name",
    );
  }
  const targets = get(obj, "spec", "targets");
  if (!Array.isArray(targets) || targets.length !== 1) {
    fail("invalid_template", "expected exactly 1 item in spec.targets", "spec.targets");
  }
  const target = targets[0];
  if (str(get(target, "target")) !== TARGET_NAME) {
    fail(
      "invalid_template",
      `target ${JSON.stringify(str(get(target, "target")))} is not recognized`,
      "spec.targets[0].target",
    );
  }

  const schema = get(obj, "spec", "crd", "spec", "validation", "openAPIV3Schema");
  const t: ParsedTemplate = { name, kind, schema, raw: obj };

  const legacy = get(target, "rego");
  if (typeof legacy === "string" && legacy !== "") {
    t.rego = { rego: legacy, libs: stringList(get(target, "libs"), "spec.targets[0].libs"), version: 0 };
  }
  const code = get(target, "code");
  if (code !== undefined && !Array.isArray(code))
    fail("invalid_template", "code must be a list", "spec.targets[0].code");
  (code ?? []).forEach((c: unknown, i: number) => {
    const loc = `spec.targets[0].code[${i}]`;
    const engine = str(get(c, "engine"));
    const source = get(c, "source");
    if (engine === "Rego") {
      // The legacy `rego` field takes precedence over a code[] Rego entry.
      if (t.rego !== undefined) return;
      const rego = get(source, "rego");
      if (typeof rego !== "string")
        fail("invalid_template", "Rego source requires source.rego", `${loc}.source.rego`);
      const v = str(get(source, "version"));
      if (v !== "" && v !== "v0" && v !== "v1") {
        fail("invalid_template", `unsupported Rego version ${JSON.stringify(v)}`, `${loc}.source.version`);
      }
      t.rego = {
        rego,
        libs: stringList(get(source, "libs"), `${loc}.source.libs`),
        version: v === "v1" ? 1 : 0,
      };
    } else if (engine === "K8sNativeValidation") {
      t.cel = parseCelSource(source, loc);
    }
  });
  return t;
}

function stringList(v: unknown, loc: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== "string"))
    fail("invalid_template", "expected a list of strings", loc);
  return v as string[];
}

function parseCelSource(source: unknown, loc: string): CelSource {
  if (!isObj(source))
    fail("invalid_template", "K8sNativeValidation requires a source object", `${loc}.source`);
  const list = (key: string): Obj[] => {
    const v = source[key];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v) || v.some((x) => !isObj(x)))
      fail("invalid_template", `${key} must be a list`, `${loc}.source.${key}`);
    return v as Obj[];
  };
  const validations = list("validations").map((v, i) => {
    if (typeof v.expression !== "string") {
      fail(
        "invalid_template",
        "validation requires an expression",
        `${loc}.source.validations[${i}].expression`,
      );
    }
    return {
      expression: v.expression,
      ...(typeof v.message === "string" ? { message: v.message } : {}),
      ...(typeof v.messageExpression === "string" ? { messageExpression: v.messageExpression } : {}),
    };
  });
  const named = (key: string) =>
    list(key).map((v, i) => {
      if (typeof v.name !== "string" || typeof v.expression !== "string") {
        fail("invalid_template", `${key} entries need name and expression`, `${loc}.source.${key}[${i}]`);
      }
      return { name: v.name, expression: v.expression };
    });
  const policy = source.failurePolicy;
  if (policy !== undefined && policy !== null && policy !== "Fail" && policy !== "Ignore") {
    fail(
      "invalid_template",
      `failurePolicy must be Fail or Ignore, got ${JSON.stringify(policy)}`,
      `${loc}.source.failurePolicy`,
    );
  }
  return {
    validations,
    variables: named("variables"),
    matchConditions: named("matchConditions"),
    ...(policy === "Fail" || policy === "Ignore" ? { failurePolicy: policy } : {}),
  };
}
