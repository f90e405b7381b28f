import { isObj, type Obj } from "./objects.ts";

// Validates constraint parameters against the template's openAPIV3Schema the way the
// apiserver validates a structural CRD: type, enum, required, items, properties,
// additionalProperties, bounds. Unknown fields are tolerated (the apiserver prunes them)
// unless additionalProperties: false says otherwise.

export interface SchemaError {
  path: string;
  message: string;
}

// The JSON type as the apiserver names it in messages (every number is "number").
function jsonType(v: unknown): string {
  const t = typeName(v);
  return t === "integer" ? "number" : t;
}

function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number" || typeof v === "bigint") {
    return typeof v === "bigint" || Number.isInteger(v) ? "integer" : "number";
  }
  return typeof v;
}

function typeMatches(want: string, v: unknown): boolean {
  const got = typeName(v);
  if (want === got) return true;
  return want === "number" && got === "integer";
}

export function validateSchema(
  schema: unknown,
  value: unknown,
  path: string,
  out: SchemaError[] = [],
): SchemaError[] {
  if (!isObj(schema)) return out;
  const s = schema as Obj;
  if (value === null || value === undefined) {
    if (value === null && s.nullable !== true && typeof s.type === "string") {
      out.push({ path, message: `Invalid value: "null": ${path} in body must be of type ${s.type}: "null"` });
    }
    return out;
  }
  if (s["x-kubernetes-int-or-string"] === true) {
    if (!typeMatches("integer", value) && typeof value !== "string") {
      out.push({
        path,
        message: `Invalid value: "${typeName(value)}": ${path} in body must be of type integer or string`,
      });
    }
    return out;
  }
  if (typeof s.type === "string" && !typeMatches(s.type, value)) {
    out.push({
      path,
      message: `Invalid value: "${jsonType(value)}": ${path} in body must be of type ${s.type}: "${jsonType(value)}"`,
    });
    return out;
  }
  if (Array.isArray(s.enum) && !s.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) {
    out.push({
      path,
      message: `Unsupported value: ${JSON.stringify(value)}: supported values: ${s.enum.map((e) => JSON.stringify(e)).join(", ")}`,
    });
  }
  if (typeof value === "number") checkNumber(s, value, path, out);
  if (typeof value === "string") checkString(s, value, path, out);
  if (Array.isArray(value)) {
    if (typeof s.maxItems === "number" && value.length > s.maxItems) {
      out.push({ path, message: `Too many: ${value.length}: must have at most ${s.maxItems} items` });
    }
    if (typeof s.minItems === "number" && value.length < s.minItems) {
      out.push({
        path,
        message: `Invalid value: ${value.length}: ${path} in body should have at least ${s.minItems} items`,
      });
    }
    value.forEach((item, i) => {
      validateSchema(s.items, item, `${path}[${i}]`, out);
    });
  }
  if (isObj(value)) checkObject(s, value, path, out);
  return out;
}

function checkObject(s: Obj, value: Obj, path: string, out: SchemaError[]): void {
  const props = isObj(s.properties) ? (s.properties as Obj) : {};
  if (Array.isArray(s.required)) {
    for (const r of s.required) {
      if (typeof r === "string" && !(r in value))
        out.push({ path: `${path}.${r}`, message: `Required value` });
    }
  }
  for (const [k, v] of Object.entries(value)) {
    const p = `${path}.${k}`;
    if (k in props) validateSchema(props[k], v, p, out);
    else if (s.additionalProperties === false && !(s["x-kubernetes-preserve-unknown-fields"] === true)) {
      out.push({ path: p, message: `Forbidden: unknown field "${k}"` });
    } else if (isObj(s.additionalProperties)) validateSchema(s.additionalProperties, v, p, out);
  }
}

function checkNumber(s: Obj, v: number, path: string, out: SchemaError[]): void {
  if (typeof s.minimum === "number" && (s.exclusiveMinimum === true ? v <= s.minimum : v < s.minimum)) {
    out.push({
      path,
      message: `Invalid value: ${v}: ${path} in body should be greater than or equal to ${s.minimum}`,
    });
  }
  if (typeof s.maximum === "number" && (s.exclusiveMaximum === true ? v >= s.maximum : v > s.maximum)) {
    out.push({
      path,
      message: `Invalid value: ${v}: ${path} in body should be less than or equal to ${s.maximum}`,
    });
  }
}

function checkString(s: Obj, v: string, path: string, out: SchemaError[]): void {
  if (typeof s.maxLength === "number" && [...v].length > s.maxLength) {
    out.push({ path, message: `Too long: may not be longer than ${s.maxLength}` });
  }
  if (typeof s.minLength === "number" && [...v].length < s.minLength) {
    out.push({
      path,
      message: `Invalid value: "${v}": ${path} in body should be at least ${s.minLength} chars long`,
    });
  }
  if (typeof s.pattern === "string") {
    let re: RegExp | undefined;
    try {
      re = new RegExp(s.pattern, "u");
    } catch {
      re = undefined;
    }
    if (re && !re.test(v)) {
      out.push({ path, message: `Invalid value: "${v}": ${path} in body should match '${s.pattern}'` });
    }
  }
}
