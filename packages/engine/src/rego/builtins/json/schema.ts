/**
 * JSON Schema (draft 4/6/7 keywords) with the error types, fields and
 * messages of the gojsonschema fork OPA uses for json.match_schema and
 * json.verify_schema.
 */
import {
  isObject,
  isPlainObject,
  objEntries,
  type PlainObject,
  RSet,
  setOwn,
  type Value,
} from "../../value.ts";
import { goMarshal } from "../go/json.ts";
import { goURLParse } from "../go/url-parse.ts";
import { parseIP } from "../net/ipnet.ts";

export class SchemaError extends Error {}

export interface SchemaResultError {
  type: string;
  field: string;
  desc: string;
}

const TYPES = ["array", "boolean", "integer", "number", "null", "object", "string"];

type S = PlainObject | boolean;

interface Ctx {
  root: S;
}

/** Plain objects as-is; objects with non-string keys get their keys stringified. */
function asPlain(v: Value): PlainObject | undefined {
  if (isPlainObject(v)) return v;
  if (!isObject(v)) return undefined;
  const out: PlainObject = {};
  for (const [k, x] of objEntries(v)) setOwn(out, typeof k === "string" ? k : goMarshal(k), x);
  return out;
}

const isNum = (v: Value | undefined): v is number | bigint => typeof v === "number" || typeof v === "bigint";
const isInt = (v: Value) => (typeof v === "number" && Number.isInteger(v)) || typeof v === "bigint";
const runeLen = (s: string) => [...s].length;

/** big.Float's %v (Text('g', 10)). */
function bigFloatText(v: number | bigint): string {
  const n = Number(v);
  if (Number.isInteger(n) && Math.abs(n) < 1e21) {
    const digits = String(Math.abs(n));
    if (digits.length <= 10) return String(n);
  }
  let s = n.toPrecision(10);
  if (s.includes("e")) {
    const [m, e] = s.split("e");
    const mm = m.includes(".") ? m.replace(/0+$/, "").replace(/\.$/, "") : m;
    const exp = Number(e);
    return `${mm}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  if (s.includes(".")) s = s.replace(/0+$/, "").replace(/\.$/, "");
  return s;
}

function typeOfValue(v: Value): string {
  if (v === null) return "null";
  if (isNum(v)) return isInt(v) ? "integer" : "number";
  if (typeof v === "string") return "string";
  if (typeof v === "boolean") return "boolean";
  if (Array.isArray(v) || v instanceof RSet) return "array";
  return "object";
}

function typesOf(s: PlainObject): string[] | undefined {
  const t = s.type;
  if (t === undefined) return undefined;
  return typeof t === "string" ? [t] : (t as string[]);
}

// ---- schema checks (Compile) --------------------------------------------------------

function checkSchema(s: Value, path: string[]): void {
  if (typeof s === "boolean") return;
  const o = asPlain(s);
  // gojsonschema: a root that is no schema at all is "schema is invalid"
  if (!o)
    throw new SchemaError(
      path.length === 0 ? "schema is invalid" : "Expected: Valid Schema, given: Invalid JSON",
    );
  const t = o.type;
  if (t !== undefined) {
    const list = typeof t === "string" ? [t] : Array.isArray(t) ? t : undefined;
    if (!list) throw new SchemaError("type must be of type string/array");
    const seen = new Set<string>();
    for (const x of list) {
      if (typeof x !== "string" || !TYPES.includes(x))
        throw new SchemaError(
          `has a primitive type that is NOT VALID -- given: /${typeof x === "string" ? x : goMarshal(x)}/ Expected valid values are:[${TYPES.join(" ")}]`,
        );
      if (seen.has(x)) throw new SchemaError(`${x} type is duplicated`);
      seen.add(x);
    }
  }
  for (const k of ["minimum", "maximum"])
    if (o[k] !== undefined && !isNum(o[k])) throw new SchemaError(`${k} must be of a Number`);
  for (const k of ["exclusiveMinimum", "exclusiveMaximum"]) {
    const v = o[k];
    if (v !== undefined && !isNum(v) && typeof v !== "boolean")
      throw new SchemaError(`${k} must be of a Number`);
    if (typeof v === "boolean" && o[k === "exclusiveMinimum" ? "minimum" : "maximum"] === undefined)
      throw new SchemaError(
        `${k} cannot be used without ${k === "exclusiveMinimum" ? "minimum" : "maximum"}`,
      );
  }
  if (o.multipleOf !== undefined && (!isNum(o.multipleOf) || Number(o.multipleOf) <= 0))
    throw new SchemaError("multipleOf must be strictly greater than 0");
  for (const k of ["minLength", "maxLength", "minProperties", "maxProperties", "minItems", "maxItems"]) {
    const v = o[k];
    if (v === undefined) continue;
    if (!isNum(v) || !isInt(v)) throw new SchemaError(`${k} must be of an integer`);
    if (Number(v) < 0) throw new SchemaError(`${k} must be greater than or equal to 0`);
  }
  if (isNum(o.minLength) && isNum(o.maxLength) && o.minLength > o.maxLength)
    throw new SchemaError("minLength cannot be greater than maxLength");
  if (isNum(o.minProperties) && isNum(o.maxProperties) && o.minProperties > o.maxProperties)
    throw new SchemaError("minProperties cannot be greater than maxProperties");
  if (o.pattern !== undefined) {
    if (typeof o.pattern !== "string" || !compileRegex(o.pattern))
      throw new SchemaError("pattern must be a valid regex");
  }
  if (o.uniqueItems !== undefined && typeof o.uniqueItems !== "boolean")
    throw new SchemaError("uniqueItems must be of a boolean");
  if (o.required !== undefined) {
    if (!Array.isArray(o.required)) throw new SchemaError("required must be of an array");
    if (new Set(o.required.map((x) => goMarshal(x))).size !== o.required.length)
      throw new SchemaError("required items must be unique");
  }
  if (o.enum !== undefined) {
    if (!Array.isArray(o.enum)) throw new SchemaError("enum must be of an array");
    if (new Set(o.enum.map((x) => goMarshal(x))).size !== o.enum.length)
      throw new SchemaError("enum items must be unique");
  }
  for (const k of ["properties", "patternProperties", "definitions"]) {
    const v = o[k];
    if (v === undefined) continue;
    const p = asPlain(v);
    if (!p) throw new SchemaError(`${k === "properties" ? "Properties" : k} must be of type object`);
    for (const [name, sub] of Object.entries(p)) {
      if (k === "patternProperties" && !compileRegex(name))
        throw new SchemaError(`Invalid regex pattern '${name}'`);
      checkSchema(sub, [...path, k, name]);
    }
  }
  for (const k of [
    "not",
    "if",
    "then",
    "else",
    "additionalProperties",
    "additionalItems",
    "contains",
    "propertyNames",
  ]) {
    const v = o[k];
    if (v === undefined) continue;
    if (typeof v !== "boolean" && !asPlain(v)) throw new SchemaError(`${k} must be of an object`);
    checkSchema(v, [...path, k]);
  }
  for (const k of ["allOf", "anyOf", "oneOf"]) {
    const v = o[k];
    if (v === undefined) continue;
    if (!Array.isArray(v)) throw new SchemaError(`${k} must be of an array`);
    for (let i = 0; i < v.length; i++) checkSchema(v[i], [...path, k, String(i)]);
  }
  if (o.items !== undefined) {
    if (Array.isArray(o.items))
      for (let i = 0; i < o.items.length; i++) checkSchema(o.items[i], [...path, "items", String(i)]);
    else if (typeof o.items === "boolean" || asPlain(o.items)) checkSchema(o.items, [...path, "items"]);
    else throw new SchemaError("Invalid type. Expected: Valid Schema/Array Of Schemas, given: items");
  }
  if (o.dependencies !== undefined) {
    const d = asPlain(o.dependencies);
    if (!d) throw new SchemaError("dependencies must be of type object");
    for (const v of Object.values(d)) {
      if (Array.isArray(v)) continue;
      if (typeof v !== "boolean" && !asPlain(v))
        throw new SchemaError("Dependency must be of type Schema Or Array Of Strings");
      checkSchema(v, path);
    }
  }
  if (o.$ref !== undefined && typeof o.$ref !== "string")
    throw new SchemaError("$ref must be of type string");
}

const regexCache = new Map<string, RegExp | null>();
function compileRegex(p: string): RegExp | null {
  let r = regexCache.get(p);
  if (r === undefined) {
    try {
      r = new RegExp(p, "u");
    } catch {
      r = null;
    }
    regexCache.set(p, r);
  }
  return r;
}

function resolveRef(ctx: Ctx, ref: string): S {
  if (ref === "#" || ref === "") return ctx.root;
  if (!ref.startsWith("#/")) throw new SchemaError(`Reference ${ref} must be canonical`);
  let cur: Value = ctx.root as Value;
  for (const raw of ref.slice(2).split("/")) {
    const key = decodeURIComponent(raw).replaceAll("~1", "/").replaceAll("~0", "~");
    const o = asPlain(cur);
    if (o && key in o) cur = o[key];
    else if (Array.isArray(cur) && /^\d+$/.test(key)) cur = cur[Number(key)];
    else throw new SchemaError(`Object has no key '${key}'`);
  }
  return cur as S;
}

/** Compile-time checks of a schema (json.verify_schema); throws SchemaError. */
export function compileSchema(schema: Value): S {
  checkSchema(schema, []);
  const root = (typeof schema === "boolean" ? schema : asPlain(schema)!) as S;
  // Every $ref must resolve.
  const visit = (s: Value): void => {
    const o = asPlain(s);
    if (!o) {
      if (Array.isArray(s)) s.forEach(visit);
      return;
    }
    if (typeof o.$ref === "string") resolveRef({ root }, o.$ref);
    for (const v of Object.values(o)) if (typeof v === "object" && v !== null) visit(v);
  };
  visit(schema);
  return root;
}

// ---- validation ------------------------------------------------------------------

const DESC: Record<string, (d: Record<string, string>) => string> = {
  false: () => "False always fails validation",
  required: (d) => `${d.property} is required`,
  invalid_type: (d) => `Invalid type. Expected: ${d.expected}, given: ${d.given}`,
  number_any_of: () => "Must validate at least one schema (anyOf)",
  number_one_of: () => "Must validate one and only one schema (oneOf)",
  number_all_of: () => "Must validate all the schemas (allOf)",
  number_not: () => "Must not validate the schema (not)",
  missing_dependency: (d) => `Has a dependency on ${d.dependency}`,
  const: (d) => `${d.field} does not match: ${d.allowed}`,
  enum: (d) => `${d.field} must be one of the following: ${d.allowed}`,
  array_no_additional_items: () => "No additional items allowed on array",
  array_min_items: (d) => `Array must have at least ${d.min} items`,
  array_max_items: (d) => `Array must have at most ${d.max} items`,
  unique: (d) => `${d.type} items[${d.i},${d.j}] must be unique`,
  contains: () => "At least one of the items must match",
  array_min_properties: (d) => `Must have at least ${d.min} properties`,
  array_max_properties: (d) => `Must have at most ${d.max} properties`,
  additional_property_not_allowed: (d) => `Additional property ${d.property} is not allowed`,
  invalid_property_name: (d) => `Property name of "${d.property}" does not match`,
  string_gte: (d) => `String length must be greater than or equal to ${d.min}`,
  string_lte: (d) => `String length must be less than or equal to ${d.max}`,
  pattern: (d) => `Does not match pattern '${d.pattern}'`,
  format: (d) => `Does not match format '${d.format}'`,
  multiple_of: (d) => `Must be a multiple of ${d.multiple}`,
  number_gte: (d) => `Must be greater than or equal to ${d.min}`,
  number_gt: (d) => `Must be greater than ${d.min}`,
  number_lte: (d) => `Must be less than or equal to ${d.max}`,
  number_lt: (d) => `Must be less than ${d.max}`,
  condition_then: () => 'Must validate "then" as "if" was valid',
  condition_else: () => 'Must validate "else" as "if" was not valid',
};

class Result {
  errors: SchemaResultError[] = [];
  score = 0;
  add(type: string, path: string[], details: Record<string, string> = {}): void {
    const field = path.length === 0 ? "(Root)" : path.join(".");
    this.errors.push({ type, field, desc: DESC[type]({ ...details, field }) });
    this.score -= 2;
  }
  merge(o: Result): void {
    this.errors.push(...o.errors);
    this.score += o.score;
  }
  get valid(): boolean {
    return this.errors.length === 0;
  }
}

const FORMATS: Record<string, (s: string) => boolean> = {
  "date-time": (s) =>
    /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.test(s) &&
    !Number.isNaN(Date.parse(s)),
  date: (s) => /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`)),
  time: (s) => /^\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})?$/.test(s),
  email: (s) => /^[^@\s]+@[^@\s]+$/.test(s),
  "idn-email": (s) => /^[^@\s]+@[^@\s]+$/.test(s),
  ipv4: (s) => !s.includes(":") && parseIP(s) !== undefined,
  ipv6: (s) => s.includes(":") && parseIP(s) !== undefined,
  hostname: (s) =>
    s.length <= 255 &&
    /^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*\.?$/.test(
      s,
    ),
  uuid: (s) => /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(s),
  regex: (s) => compileRegex(s) !== null,
  uri: (s) => {
    try {
      return goURLParse(s).scheme !== "";
    } catch {
      return false;
    }
  },
  "uri-reference": (s) => {
    try {
      goURLParse(s);
      return true;
    } catch {
      return false;
    }
  },
};

function validate(ctx: Ctx, schema: S, v: Value, path: string[]): Result {
  const r = new Result();
  run(ctx, schema, v, path, r);
  return r;
}

function run(ctx: Ctx, schema: S, v: Value, path: string[], r: Result): void {
  if (typeof schema === "boolean") {
    if (!schema) r.add("false", path);
    return;
  }
  if (typeof schema.$ref === "string") {
    run(ctx, resolveRef(ctx, schema.$ref), v, path, r);
    return;
  }
  const types = typesOf(schema);
  const given = typeOfValue(v);
  if (types) {
    const ok = types.includes(given) || (given === "integer" && types.includes("number"));
    if (!ok) {
      r.add("invalid_type", path, {
        expected: types.length === 1 ? types[0] : `[${types.join(",")}]`,
        given,
      });
      return;
    }
  }
  validateCombinators(ctx, schema, v, path, r);
  if (isNum(v)) validateNumber(schema, v, path, r);
  if (Array.isArray(v) || v instanceof RSet)
    validateArray(ctx, schema, Array.isArray(v) ? v : v.sorted(), path, r);
  const obj =
    v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof RSet) ? asPlain(v) : undefined;
  if (obj) validateObject(ctx, schema, obj, path, r);
  validateCommon(schema, v, path, r);
  if (typeof v === "string") validateString(schema, v, path, r);
  if (obj) {
    const props = asPlain(schema.properties ?? {}) ?? {};
    for (const name of Object.keys(props).sort())
      if (Object.hasOwn(obj, name)) r.merge(validate(ctx, props[name] as S, obj[name], [...path, name]));
  }
  r.score++;
}

function validateCombinators(ctx: Ctx, s: PlainObject, v: Value, path: string[], r: Result): void {
  const list = (k: string) => (Array.isArray(s[k]) ? (s[k] as S[]) : []);
  const anyOf = list("anyOf");
  if (anyOf.length) {
    let best: Result | undefined;
    let ok = false;
    for (const sub of anyOf) {
      const res = validate(ctx, sub, v, path);
      if (res.valid) {
        ok = true;
        break;
      }
      if (!best || res.score > best.score) best = res;
    }
    if (!ok) {
      r.add("number_any_of", path);
      if (best) r.merge(best);
    }
  }
  const oneOf = list("oneOf");
  if (oneOf.length) {
    let n = 0;
    let best: Result | undefined;
    for (const sub of oneOf) {
      const res = validate(ctx, sub, v, path);
      if (res.valid) n++;
      else if (n === 0 && (!best || res.score > best.score)) best = res;
    }
    if (n !== 1) {
      r.add("number_one_of", path);
      if (n === 0 && best) r.merge(best);
    }
  }
  const allOf = list("allOf");
  if (allOf.length) {
    let n = 0;
    for (const sub of allOf) {
      const res = validate(ctx, sub, v, path);
      if (res.valid) n++;
      r.merge(res);
    }
    if (n !== allOf.length) r.add("number_all_of", path);
  }
  if (s.not !== undefined && validate(ctx, s.not as S, v, path).valid) r.add("number_not", path);
  const deps = asPlain(s.dependencies ?? null);
  const obj =
    v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof RSet) ? asPlain(v) : undefined;
  if (deps && obj)
    for (const key of Object.keys(obj)) {
      const d = deps[key];
      if (d === undefined) continue;
      if (Array.isArray(d)) {
        for (const dep of d)
          if (typeof dep === "string" && !Object.hasOwn(obj, dep))
            r.add("missing_dependency", path, { dependency: dep });
      } else run(ctx, d as S, v, path, r);
    }
  if (s.if !== undefined) {
    const ifOk = validate(ctx, s.if as S, v, path).valid;
    if (ifOk && s.then !== undefined) {
      const t = validate(ctx, s.then as S, v, path);
      if (!t.valid) {
        r.add("condition_then", path);
        r.merge(t);
      }
    }
    if (!ifOk && s.else !== undefined) {
      const e = validate(ctx, s.else as S, v, path);
      if (!e.valid) {
        r.add("condition_else", path);
        r.merge(e);
      }
    }
  }
  r.score++;
}

function validateCommon(s: PlainObject, v: Value, path: string[], r: Result): void {
  const text = goMarshal(v);
  if (s.const !== undefined && goMarshal(s.const) !== text)
    r.add("const", path, { allowed: goMarshal(s.const) });
  if (Array.isArray(s.enum)) {
    const allowed = s.enum.map((x) => goMarshal(x));
    if (!allowed.includes(text)) r.add("enum", path, { allowed: allowed.join(", ") });
  }
  if (typeof s.format === "string" && typeof v === "string") {
    const check = FORMATS[s.format];
    if (check && !check(v)) r.add("format", path, { format: s.format });
  }
  r.score++;
}

function validateString(s: PlainObject, v: string, path: string[], r: Result): void {
  if (isNum(s.minLength) && runeLen(v) < Number(s.minLength))
    r.add("string_gte", path, { min: String(s.minLength) });
  if (isNum(s.maxLength) && runeLen(v) > Number(s.maxLength))
    r.add("string_lte", path, { max: String(s.maxLength) });
  if (typeof s.pattern === "string") {
    const re = compileRegex(s.pattern);
    if (re && !re.test(v)) r.add("pattern", path, { pattern: s.pattern });
  }
  r.score++;
}

function validateNumber(s: PlainObject, v: number | bigint, path: string[], r: Result): void {
  const n = Number(v);
  if (isNum(s.multipleOf)) {
    const q = n / Number(s.multipleOf);
    if (!Number.isInteger(Number(q.toPrecision(15))))
      r.add("multiple_of", path, { multiple: bigFloatText(s.multipleOf) });
  }
  const exMax = s.exclusiveMaximum;
  const exMin = s.exclusiveMinimum;
  if (isNum(s.maximum)) {
    if (exMax === true ? n >= Number(s.maximum) : n > Number(s.maximum))
      r.add(exMax === true ? "number_lt" : "number_lte", path, { max: bigFloatText(s.maximum) });
  }
  if (isNum(exMax) && n >= Number(exMax)) r.add("number_lt", path, { max: bigFloatText(exMax) });
  if (isNum(s.minimum)) {
    if (exMin === true ? n <= Number(s.minimum) : n < Number(s.minimum))
      r.add(exMin === true ? "number_gt" : "number_gte", path, { min: bigFloatText(s.minimum) });
  }
  if (isNum(exMin) && n <= Number(exMin)) r.add("number_gt", path, { min: bigFloatText(exMin) });
  r.score++;
}

function validateArray(ctx: Ctx, s: PlainObject, v: Value[], path: string[], r: Result): void {
  const items = s.items;
  if (items !== undefined && !Array.isArray(items)) {
    for (let i = 0; i < v.length; i++) r.merge(validate(ctx, items as S, v[i], [...path, String(i)]));
  } else if (Array.isArray(items) && items.length > 0) {
    for (let i = 0; i < items.length && i < v.length; i++)
      r.merge(validate(ctx, items[i] as S, v[i], [...path, String(i)]));
    if (items.length < v.length) {
      const add = s.additionalItems;
      if (add === false) r.add("array_no_additional_items", path);
      else if (add !== undefined && add !== true)
        for (let i = items.length; i < v.length; i++)
          r.merge(validate(ctx, add as S, v[i], [...path, String(i)]));
    }
  }
  if (isNum(s.minItems) && v.length < Number(s.minItems))
    r.add("array_min_items", path, { min: String(s.minItems) });
  if (isNum(s.maxItems) && v.length > Number(s.maxItems))
    r.add("array_max_items", path, { max: String(s.maxItems) });
  if (s.uniqueItems === true) {
    const seen = new Map<string, number>();
    v.forEach((x, j) => {
      const k = goMarshal(x);
      const i = seen.get(k);
      if (i !== undefined) r.add("unique", path, { type: "array", i: String(i), j: String(j) });
      seen.set(k, j);
    });
  }
  if (s.contains !== undefined) {
    let ok = false;
    let best: Result | undefined;
    for (let i = 0; i < v.length; i++) {
      const res = validate(ctx, s.contains as S, v[i], [...path, String(i)]);
      if (res.valid) {
        ok = true;
        break;
      }
      if (!best || res.score > best.score) best = res;
    }
    if (!ok) {
      r.add("contains", path);
      if (best) r.merge(best);
    }
  }
  r.score++;
}

function validateObject(ctx: Ctx, s: PlainObject, v: PlainObject, path: string[], r: Result): void {
  const n = Object.keys(v).length;
  if (isNum(s.minProperties) && n < Number(s.minProperties))
    r.add("array_min_properties", path, { min: String(s.minProperties) });
  if (isNum(s.maxProperties) && n > Number(s.maxProperties))
    r.add("array_max_properties", path, { max: String(s.maxProperties) });
  if (Array.isArray(s.required))
    for (const p of s.required) {
      if (typeof p !== "string") continue;
      if (Object.hasOwn(v, p)) r.score++;
      else r.add("required", path, { property: p });
    }
  const props = asPlain(s.properties ?? {}) ?? {};
  const patterns = asPlain(s.patternProperties ?? {}) ?? {};
  for (const key of Object.keys(v).sort()) {
    let matched = false;
    for (const [pat, sub] of Object.entries(patterns)) {
      const re = compileRegex(pat);
      if (re?.test(key)) {
        matched = true;
        r.merge(validate(ctx, sub as S, v[key], [...path, key]));
      }
    }
    if (matched) r.score++;
    if (Object.hasOwn(props, key) || matched) continue;
    const ap = s.additionalProperties;
    if (ap === false) r.add("additional_property_not_allowed", path, { property: key });
    else if (ap !== undefined && ap !== true) r.merge(validate(ctx, ap as S, v[key], [...path, key]));
  }
  if (s.propertyNames !== undefined)
    for (const key of Object.keys(v)) {
      const res = validate(ctx, s.propertyNames as S, key, path);
      if (!res.valid) {
        r.add("invalid_property_name", path, { property: key });
        r.merge(res);
      }
    }
  r.score++;
}

/** Validate a document against a compiled schema: gojsonschema's result errors, in order. */
export function validateDocument(schema: S, doc: Value): SchemaResultError[] {
  return validate({ root: schema }, schema, doc, []).errors;
}
