/**
 * YAML the way OPA does it (sigs.k8s.io/yaml over go-yaml v3):
 *  - marshal: JSON-shaped values, keys sorted, 2-space indentation with
 *    indented sequences, go-yaml's scalar style choice (plain, then single
 *    quotes, double quotes for strings that would resolve to another type),
 *    literal blocks for multi-line strings, Go's %g for floats;
 *  - unmarshal: the `yaml` package parses (failsafe schema, so every scalar
 *    is a string) and plain scalars are resolved with go-yaml v3's rules.
 */
import type { Alias, Document, Node } from "yaml";
import { lazyRequire } from "../../../lazy-require.ts";
import {
  NumText,
  normInt,
  numOf,
  type PlainObject,
  RSet,
  setOwn,
  sortedEntries,
  type Value,
} from "../../value.ts";
import { goMarshal } from "./json.ts";

// The YAML parser loads with the first yaml.* unmarshal, not with the engine.
const yaml = lazyRequire<typeof import("yaml")>(import.meta.url, "yaml");

export class GoYAMLError extends Error {}

// ---- Go float formatting ------------------------------------------------------

/** strconv.FormatFloat(f, 'g', -1, 64). */
export function goFormatG(f: number): string {
  if (Number.isNaN(f)) return "NaN";
  if (!Number.isFinite(f)) return f > 0 ? "+Inf" : "-Inf";
  if (f === 0) return Object.is(f, -0) ? "-0" : "0";
  const [mant, expS] = f.toExponential().split("e");
  const exp = Number(expS);
  const neg = mant.startsWith("-");
  const digits = mant.replace(/^-/, "").replace(".", "");
  let out: string;
  if (exp < -4 || exp >= 6) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exp).toString().padStart(2, "0");
    out = `${m}e${exp < 0 ? "-" : "+"}${e}`;
  } else if (exp < 0) out = `0.${"0".repeat(-exp - 1)}${digits}`;
  else if (digits.length <= exp + 1) out = digits + "0".repeat(exp + 1 - digits.length);
  else out = `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
  return neg ? `-${out}` : out;
}

// ---- scalar resolution (go-yaml v3 resolve) -------------------------------------

const RESOLVE_MAP: Record<string, "bool" | "null" | "float"> = {};
for (const s of ["true", "True", "TRUE", "false", "False", "FALSE"]) RESOLVE_MAP[s] = "bool";
for (const s of ["", "~", "null", "Null", "NULL"]) RESOLVE_MAP[s] = "null";
for (const s of [
  ".nan",
  ".NaN",
  ".NAN",
  ".inf",
  ".Inf",
  ".INF",
  "+.inf",
  "+.Inf",
  "+.INF",
  "-.inf",
  "-.Inf",
  "-.INF",
])
  RESOLVE_MAP[s] = "float";

const YAML_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const OLD_BOOL = new Set([
  "y",
  "Y",
  "yes",
  "Yes",
  "YES",
  "on",
  "On",
  "ON",
  "n",
  "N",
  "no",
  "No",
  "NO",
  "off",
  "Off",
  "OFF",
]);
const BASE60 = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/;
const TIMESTAMP =
  /^\d{4}-\d{1,2}-\d{1,2}(?:(?:[Tt]|[ \t]+)\d{1,2}:\d{2}:\d{2}(?:\.\d*)?(?:[ \t]*(?:Z|[-+]\d{1,2}(?::?\d{2})?))?)?$/;

const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;

/** Go's strconv.ParseInt(s, 0, 64) / ParseUint syntax (underscores already removed): the value or undefined. */
function goParseInt(s: string): bigint | undefined {
  const m = /^([-+]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (!m) return undefined;
  let body = m[2];
  let v: bigint;
  if (/^0[oO]/.test(body)) body = `0o${body.slice(2)}`;
  else if (/^0[0-7]+$/.test(body)) body = `0o${body.slice(1)}`;
  try {
    v = BigInt(body);
  } catch {
    return undefined;
  }
  if (m[1] === "-") v = -v;
  if (v < INT64_MIN || v > UINT64_MAX) return undefined;
  if (m[1] === "-" && v < INT64_MIN) return undefined;
  return v;
}

type Resolved = { kind: "str"; v: string } | { kind: "value"; v: Value } | { kind: "float"; v: number };

/** Resolve a plain scalar like go-yaml v3 (timestamps stay strings for interface{} targets). */
export function resolvePlain(s: string): Resolved {
  const hit = RESOLVE_MAP[s];
  if (hit === "bool") return { kind: "value", v: s[0] === "t" || s[0] === "T" };
  if (hit === "null") return { kind: "value", v: null };
  if (hit === "float") {
    const v =
      s.includes("nan") || s.includes("NaN") || s.includes("NAN")
        ? Number.NaN
        : s.startsWith("-")
          ? -Infinity
          : Infinity;
    return { kind: "float", v };
  }
  const c = s[0];
  if (c === "+" || c === "-" || c === "." || (c >= "0" && c <= "9")) {
    const plain = s.replaceAll("_", "");
    const i = goParseInt(plain);
    if (i !== undefined) return { kind: "value", v: normInt(i) };
    // Go's ParseFloat fails out of range, and the scalar stays a string.
    if (YAML_FLOAT.test(plain) && Number.isFinite(Number(plain))) return { kind: "float", v: Number(plain) };
  }
  return { kind: "str", v: s };
}

// ---- unmarshal -------------------------------------------------------------------

function translateError(e: {
  code: string;
  message: string;
  linePos?: [{ line: number; col: number }, ...unknown[]];
}): string {
  const line = e.linePos?.[0]?.line ?? 1;
  const first = e.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
  const at = (msg: string, always = true) =>
    always || line > 1 ? `yaml: line ${line}: ${msg}` : `yaml: ${msg}`;
  if (e.code === "MISSING_CHAR" && /Flow sequence/.test(first)) return at("did not find expected ',' or ']'");
  if (e.code === "BAD_INDENT" && /Flow sequence/.test(first)) return at("did not find expected ',' or ']'");
  if (e.code === "MISSING_CHAR" && /Flow map/.test(first)) return at("did not find expected ',' or '}'");
  if (e.code === "MISSING_CHAR" && /quote/.test(first)) return "yaml: found unexpected end of stream";
  if (e.code === "BLOCK_AS_IMPLICIT_KEY") return at("mapping values are not allowed in this context", false);
  if (e.code === "TAB_AS_INDENT") return "yaml: found character that cannot start any token";
  return at(first.charAt(0).toLowerCase() + first.slice(1));
}

function toValue(node: unknown, doc: Document, depth: number): Value {
  if (depth > 10000) throw new GoYAMLError("yaml: exceeded max depth");
  if (node === null || node === undefined) return null;
  if (yaml().isAlias(node)) {
    const name = (node as Alias).source;
    // go-yaml's scanner: an alias name is letters, digits, '_' and '-'
    if (!/^[A-Za-z0-9_-]+$/.test(name))
      throw new GoYAMLError("yaml: did not find expected alphabetic or numeric character");
    const target = (node as Alias).resolve(doc);
    if (target === undefined) throw new GoYAMLError(`yaml: unknown anchor '${name}' referenced`);
    return toValue(target, doc, depth + 1);
  }
  if (yaml().isScalar(node)) {
    let raw = String(node.value ?? "");
    // a block scalar that runs to the end of input has no line break there (go-yaml); the yaml package adds one
    if (
      (node.type === "BLOCK_LITERAL" || node.type === "BLOCK_FOLDED") &&
      raw.endsWith("\n") &&
      node.range &&
      node.range[1] >= sourceText.length &&
      !sourceText.endsWith("\n")
    )
      raw = raw.slice(0, -1);
    const tag = node.tag;
    if (tag === "tag:yaml.org,2002:str") return raw;
    if (tag === "tag:yaml.org,2002:binary")
      return Buffer.from(raw.replace(/\s+/g, ""), "base64").toString("utf8");
    if (node.type !== "PLAIN" && (tag === undefined || tag === "!")) return raw;
    const r = resolvePlain(raw);
    if (r.kind === "float") {
      if (!Number.isFinite(r.v))
        throw new GoYAMLError(
          `json: unsupported value: ${Number.isNaN(r.v) ? "NaN" : r.v > 0 ? "+Inf" : "-Inf"}`,
        );
      return r.v === 0 ? 0 : r.v;
    }
    return r.v;
  }
  if (yaml().isSeq(node)) return node.items.map((x) => toValue(x, doc, depth + 1));
  if (yaml().isMap(node)) {
    const out: PlainObject = {};
    const merges: PlainObject[] = [];
    for (const pair of node.items) {
      const k = pair.key as Node | null;
      if (yaml().isScalar(k) && k.type === "PLAIN" && k.value === "<<" && k.tag === undefined) {
        const src = toValue(pair.value, doc, depth + 1);
        for (const m of Array.isArray(src) ? src : [src])
          if (m !== null && typeof m === "object" && !Array.isArray(m)) merges.push(m as PlainObject);
        continue;
      }
      const kv = toValue(k, doc, depth + 1);
      setOwn(out, mapKey(kv, pair.value, doc), toValue(pair.value, doc, depth + 1));
    }
    if (merges.length === 0) return out;
    // Explicit keys win over merged ones; earlier merge sources win over later ones.
    const merged: PlainObject = {};
    for (const m of merges.reverse()) for (const [k, v] of Object.entries(m)) setOwn(merged, k, v);
    for (const [k, v] of Object.entries(out)) setOwn(merged, k, v);
    return merged;
  }
  return null;
}

/** sigs.k8s.io/yaml turns scalar keys into JSON object keys. */
function mapKey(k: Value, value: unknown, doc: Document): string {
  if (typeof k === "string") return k;
  if (typeof k === "boolean") return String(k);
  if (typeof k === "number") return Number.isInteger(k) ? String(k) : goFormatG(k);
  if (typeof k === "bigint") return k.toString();
  if (k instanceof NumText) return mapKey(numOf(k), value, doc);
  if (k === null) {
    const v = toValue(value as Node, doc, 0);
    throw new GoYAMLError(`unsupported map key of type: %!s(<nil>), key: <nil>, value: ${goMarshal(v)}`);
  }
  throw new GoYAMLError(`yaml: invalid map key: ${goMarshal(k)}`);
}

/** yaml.Unmarshal: the first document (null when there is none). */
/** The text being unmarshalled (toValue needs it for block scalars at end of input). */
let sourceText = "";

/**
 * go-yaml's scanner skips a tab only where no token may start: a tab that
 * opens a line outside flow collections (or follows a block `-`/`?`) is
 * "found character that cannot start any token", unless it continues a plain
 * scalar — then only a tab left of that scalar's block indentation errs. The
 * `yaml` package reads those tabs as blank space, so they are checked here.
 */
function checkTabs(src: string): void {
  const Y = yaml();
  let offset = 0;
  let flow = 0;
  let blocks = false; // a block indicator seen: plain scalars are inside a collection
  let last: "none" | "plain" | "other" = "none";
  let lastLineIndent = 0;
  let prev = "";
  const lineOf = (at: number) => src.slice(0, at).split("\n").length;
  const at = (n: number, msg: string) => (n > 1 ? `yaml: line ${n}: ${msg}` : `yaml: ${msg}`);
  let marker = false; // the previous token was the lexer's scalar marker: this one is the scalar's text
  for (const tok of new Y.Lexer().lex(src)) {
    const type: string | null = marker ? "text" : Y.CST.tokenType(tok);
    const start = offset;
    // the lexer's mode markers (doc-mode, scalar, flow-error-end) are no source text
    if (!/^[\x00-\x08\x0b\x0c\x0e-\x1f]$/.test(tok)) offset += tok.length;
    marker = type === "scalar";
    if (type === "scalar" || type === "doc-mode") continue;
    if (type === "space" && flow === 0 && tok.includes("\t")) {
      const lineStart = start === 0 || src[start - 1] === "\n";
      const tab = start + tok.indexOf("\t");
      const col = tab - (src.lastIndexOf("\n", tab - 1) + 1);
      if (lineStart && last === "plain") {
        if (blocks && col < lastLineIndent + 1)
          throw new GoYAMLError(at(lineOf(tab), "found a tab character that violates indentation"));
      } else if (lineStart || prev === "seq-item-ind" || prev === "explicit-key-ind")
        throw new GoYAMLError(at(lineOf(tab), "found character that cannot start any token"));
    }
    if (type === "flow-map-start" || type === "flow-seq-start") flow++;
    else if ((type === "flow-map-end" || type === "flow-seq-end") && flow > 0) flow--;
    if (flow === 0 && (type === "map-value-ind" || type === "seq-item-ind" || type === "explicit-key-ind"))
      blocks = true;
    if (type === "text" && prev !== "block-scalar-header") {
      last = "plain";
      const ls = src.lastIndexOf("\n", start - 1) + 1;
      lastLineIndent = /^ */.exec(src.slice(ls))![0].length;
    } else if (type !== "space" && type !== "newline") last = "other";
    if (type !== "space" && type !== "newline") prev = type ?? "";
  }
}

export function goYAMLUnmarshal(src: string): Value {
  sourceText = src;
  if (src.includes("\t")) checkTabs(src);
  // go-yaml v3 knows YAML 1.1 only
  const directive = /^%YAML[ \t]+(\S+)/m.exec(src);
  if (directive && directive[1] !== "1.1") throw new GoYAMLError("yaml: found incompatible YAML document");
  // a leading % opens a directive; go-yaml knows only %YAML and %TAG
  if (/^%/.test(src) && !/^%(YAML|TAG)[ \t]/.test(src))
    throw new GoYAMLError("yaml: found unknown directive name");
  const docs = yaml().parseAllDocuments(src, { schema: "failsafe", uniqueKeys: false, strict: false });
  const list = Array.isArray(docs) ? docs : [];
  if (!Array.isArray(docs)) {
    const errs = (docs as { errors?: unknown[] }).errors;
    if (errs?.length) throw new GoYAMLError(translateError(errs[0] as never));
  }
  for (const d of list) if (d.errors.length) throw new GoYAMLError(translateError(d.errors[0] as never));
  if (list.length === 0) return null;
  return toValue(list[0].contents, list[0], 0);
}

// ---- marshal ---------------------------------------------------------------------

/** go-yaml's is_printable (4-byte UTF-8 sequences, i.e. astral code points, are not). */
function isPrintable(cp: number): boolean {
  return (
    cp === 0x0a ||
    (cp >= 0x20 && cp <= 0x7e) ||
    (cp >= 0xa0 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd && cp !== 0xfeff)
  );
}

interface Analysis {
  blockPlain: boolean;
  singleQuoted: boolean;
  block: boolean;
  special: boolean;
}

/** go-yaml's analyze_scalar, reduced to what block-context emission needs. */
function analyze(s: string): Analysis {
  if (s === "") return { blockPlain: true, singleQuoted: true, block: false, special: false };
  const cps = [...s].map((c) => c.codePointAt(0)!);
  let blockIndicators = s.startsWith("---") || s.startsWith("...");
  let special = false;
  let tabs = false;
  let lineBreaks = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  let prevSpace = false;
  let prevBreak = false;
  let precededByWS = true;
  const isBreak = (c: number) => c === 0x0a || c === 0x0d || c === 0x85 || c === 0x2028 || c === 0x2029;
  const isBlank = (c: number | undefined) => c === undefined || c === 0x20 || c === 0x09 || isBreak(c);
  for (let i = 0; i < cps.length; i++) {
    const c = cps[i];
    const followedByWS = isBlank(cps[i + 1]);
    const ch = String.fromCodePoint(c);
    if (i === 0) {
      if ("#,[]{}&*!|>'\"%@`".includes(ch)) blockIndicators = true;
      if ((ch === "?" || ch === ":") && followedByWS) blockIndicators = true;
      if (ch === "-" && followedByWS) blockIndicators = true;
    } else {
      if (ch === ":" && followedByWS) blockIndicators = true;
      if (ch === "#" && precededByWS) blockIndicators = true;
    }
    // go-yaml v3 lets tabs into literal blocks but not into plain or single-quoted scalars
    if (c === 0x09) tabs = true;
    else if (!isPrintable(c) || c === 0xfeff) special = true;
    if (isBreak(c)) lineBreaks = true;
    if (c === 0x20) {
      if (i === 0) leadingSpace = true;
      if (i === cps.length - 1) trailingSpace = true;
      if (prevBreak) breakSpace = true;
      prevSpace = true;
      prevBreak = false;
    } else if (isBreak(c)) {
      if (i === 0) leadingBreak = true;
      if (i === cps.length - 1) trailingBreak = true;
      if (prevSpace) spaceBreak = true;
      prevBreak = true;
      prevSpace = false;
    } else {
      prevSpace = false;
      prevBreak = false;
    }
    precededByWS = isBlank(c) && c !== undefined;
  }
  let blockPlain = true;
  let singleQuoted = true;
  let block = true;
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) blockPlain = false;
  if (trailingSpace) block = false;
  if (breakSpace) {
    blockPlain = false;
    singleQuoted = false;
  }
  if (tabs) {
    blockPlain = false;
    singleQuoted = false;
  }
  if (spaceBreak || special) {
    blockPlain = false;
    singleQuoted = false;
    block = false;
  }
  if (lineBreaks) blockPlain = false;
  if (blockIndicators) blockPlain = false;
  return { blockPlain, singleQuoted, block, special };
}

const DQ_ESC: Record<number, string> = {
  0: "\\0",
  7: "\\a",
  8: "\\b",
  9: "\\t",
  10: "\\n",
  11: "\\v",
  12: "\\f",
  13: "\\r",
  27: "\\e",
  34: '\\"',
  92: "\\\\",
  133: "\\N",
  160: "\\_",
  8232: "\\L",
  8233: "\\P",
};

function doubleQuoted(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    const esc = DQ_ESC[c];
    if (esc && (c !== 0xa0 || !isPrintable(c))) out += esc;
    else if (!isPrintable(c) || c === 0xfeff) {
      const hex = c.toString(16).toUpperCase();
      out +=
        c <= 0xff
          ? `\\x${hex.padStart(2, "0")}`
          : c <= 0xffff
            ? `\\u${hex.padStart(4, "0")}`
            : `\\U${hex.padStart(8, "0")}`;
    } else out += ch;
  }
  return `${out}"`;
}

/** Chooses go-yaml's style for a string scalar; `indent` is the block indentation of its content. */
function stringScalar(s: string, indent: number, simpleKey: boolean): string {
  // OPA marshals to JSON and re-parses it as YAML, where a raw NEL is a line break that folds.
  if (s.includes("\u0085"))
    s = s.replace(/[ \t]*(\u0085+)[ \t]*/g, (_, br: string) =>
      br.length === 1 ? " " : "\n".repeat(br.length - 1),
    );
  const r = resolvePlain(s);
  const canPlain = r.kind === "str" && !BASE60.test(s) && !OLD_BOOL.has(s) && !TIMESTAMP.test(s);
  const a = analyze(s);
  if (s.includes("\n") && !simpleKey) {
    if (a.block) return literal(s, indent);
    return doubleQuoted(s);
  }
  if (canPlain && a.blockPlain && !(s === "" && simpleKey)) return s;
  if (canPlain && a.singleQuoted && !s.includes("\n")) return `'${s.replaceAll("'", "''")}'`;
  return doubleQuoted(s);
}

function literal(s: string, indent: number): string {
  let chomp = "-";
  if (s.endsWith("\n")) chomp = s.endsWith("\n\n") || s === "\n" ? "+" : "";
  const indicator = s.startsWith(" ") || s.startsWith("\n") ? "2" : "";
  const pad = " ".repeat(indent);
  const body = chomp === "-" ? s : s.replace(/\n$/, "");
  const lines = body.split("\n").map((l) => (l === "" ? "" : pad + l));
  return `|${indicator}${chomp}\n${lines.join("\n")}`;
}

function numberScalar(v: number | bigint): string {
  if (typeof v === "bigint") {
    if (v >= INT64_MIN && v <= UINT64_MAX) return v.toString();
    return goFormatG(Number(v));
  }
  if (Number.isInteger(v) && v >= -(2 ** 63) && v < 2 ** 64)
    return Object.is(v, -0) ? "-0" : BigInt(v).toString();
  return goFormatG(v);
}

function scalarText(v: Value, indent: number, simpleKey = false): string | undefined {
  switch (typeof v) {
    case "string":
      return stringScalar(v, indent, simpleKey);
    case "number":
    case "bigint":
      return numberScalar(v);
    case "boolean":
      return String(v);
  }
  if (v === null) return "null";
  // OPA marshals YAML from Go values: a number is its float64 (1.0 is 1)
  if (v instanceof NumText) return numberScalar(numOf(v));
  if (Array.isArray(v) && v.length === 0) return "[]";
  if (v instanceof RSet && v.size === 0) return "[]";
  if (typeof v === "object" && !Array.isArray(v) && !(v instanceof RSet) && sortedEntries(v).length === 0)
    return "{}";
  return undefined;
}

function entriesOf(v: Value): [string, Value][] {
  const out = sortedEntries(v as never).map(
    ([k, x]) => [typeof k === "string" ? k : goMarshal(k), x] as [string, Value],
  );
  return out.sort((a, b) => (a[0] === b[0] ? 0 : yamlKeyLess(a[0], b[0]) ? -1 : 1));
}

const isLetter = (c: string) => {
  const x = c.charCodeAt(0);
  if (x < 0x80) return (x >= 0x41 && x <= 0x5a) || (x >= 0x61 && x <= 0x7a);
  return /\p{L}/u.test(c);
};
const isDigitRune = (c: string) => {
  const x = c.charCodeAt(0);
  if (x < 0x80) return x >= 0x30 && x <= 0x39;
  return /\p{Nd}/u.test(c);
};

/** go-yaml v3's map key order: letters after other runes, digit runs compared numerically. */
export function yamlKeyLess(a: string, b: string): boolean {
  const ar = [...a];
  const br = [...b];
  let digits = false;
  for (let i = 0; i < ar.length && i < br.length; i++) {
    if (ar[i] === br[i]) {
      digits = isDigitRune(ar[i]);
      continue;
    }
    const al = isLetter(ar[i]);
    const bl = isLetter(br[i]);
    if (al && bl) return ar[i].codePointAt(0)! < br[i].codePointAt(0)!;
    if (al || bl) return digits ? al : bl;
    let an = 0n;
    let bn = 0n;
    if (ar[i] === "0" || br[i] === "0") {
      for (let j = i - 1; j >= 0 && isDigitRune(ar[j]); j--) {
        if (ar[j] !== "0") {
          an = 1n;
          bn = 1n;
          break;
        }
      }
    }
    let ai = i;
    let bi = i;
    for (; ai < ar.length && isDigitRune(ar[ai]); ai++) an = an * 10n + BigInt(ar[ai].codePointAt(0)! - 48);
    for (; bi < br.length && isDigitRune(br[bi]); bi++) bn = bn * 10n + BigInt(br[bi].codePointAt(0)! - 48);
    if (an !== bn) return an < bn;
    if (ai !== bi) return ai < bi;
    return ar[i].codePointAt(0)! < br[i].codePointAt(0)!;
  }
  return ar.length < br.length;
}

/** yaml.Marshal output (always newline-terminated); a top-level block scalar is indented by 2, go-yaml's best indent. */
export function goYAMLMarshal(v: Value): string {
  const scalar = scalarText(v, 2);
  if (scalar !== undefined) return `${scalar}\n`;
  const out: string[] = [];
  emitNode(v, 0, out, "");
  return `${out.join("\n")}\n`;
}

/**
 * Emit a collection. `lead` is text that must prefix the first line (a
 * "- " chain for nested sequence items), or "" when the node starts on a fresh line.
 */
function emitNode(v: Value, indent: number, out: string[], lead: string): void {
  const pad = " ".repeat(indent);
  const firstPrefix = lead === "" ? pad : lead;
  if (Array.isArray(v) || v instanceof RSet) {
    const items = Array.isArray(v) ? v : v.sorted();
    items.forEach((item, i) => {
      const head = `${i === 0 ? firstPrefix : pad}- `;
      const sc = scalarText(item, indent + 2);
      if (sc !== undefined) out.push(head + sc);
      else emitNode(item, indent + 2, out, head);
    });
    return;
  }
  entriesOf(v).forEach(([k, x], i) => {
    const head = `${i === 0 ? firstPrefix : pad}${stringScalar(k, indent, true)}:`;
    const sc = scalarText(x, indent + 2);
    if (sc !== undefined) out.push(`${head} ${sc}`);
    else {
      out.push(head);
      emitNode(x, indent + 2, out, "");
    }
  });
}
