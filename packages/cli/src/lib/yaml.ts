/**
 * YAML the way Kubernetes tooling reads it. Gatekeeper and gator go through
 * sigs.k8s.io/yaml (go-yaml v2), which is YAML 1.2 JSON-compatible except that
 * the YAML 1.1 booleans (yes/no/on/off/y/n) are booleans; so a suite's
 * `violations: yes` means true. Timestamps stay strings, as they do there.
 */
import { type DocumentOptions, type ParseOptions, parseAllDocuments, type SchemaOptions } from "yaml";

const BOOL_11 = /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;

const yaml11Bool = {
  tag: "tag:yaml.org,2002:bool",
  default: true,
  test: BOOL_11,
  resolve: (s: string) => /^(?:y|Y|yes|Yes|YES|true|True|TRUE|on|On|ON)$/.test(s),
};

export const YAML_OPTIONS: ParseOptions & DocumentOptions & SchemaOptions = {
  schema: "core",
  customTags: (tags) => [yaml11Bool, ...tags],
  // Kubernetes objects routinely share anchors nowhere; keep the default alias guard.
  uniqueKeys: false,
};

export interface YamlDoc {
  value: unknown;
  /** 1-based line where the document starts. */
  line: number;
}

/** A syntax error with a 1-based position inside the named file. */
export class SourceError extends Error {
  readonly file: string;
  readonly line?: number;
  readonly col?: number;
  constructor(file: string, message: string, line?: number, col?: number) {
    super(`${file}${line ? `:${line}${col ? `:${col}` : ""}` : ""}: ${message}`);
    this.file = file;
    this.line = line;
    this.col = col;
  }
}

function lineOf(src: string, offset: number): { line: number; col: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < src.length; i++) {
    if (src.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  return { line, col: offset - start + 1 };
}

/**
 * go-yaml accepts continuation lines of a quoted scalar indented no deeper
 * than its key (the gatekeeper-library has such templates); the YAML spec and
 * the `yaml` package do not. Indenting those lines further changes nothing in
 * the value (line folding drops leading whitespace), so retry with that.
 */
export function relaxQuotedIndentation(src: string): string {
  const lines = src.split("\n");
  const opener = /^(\s*)(?:- +)*(?:[^\s#'"][^#]*?:[ \t]+|- +)(["'])/;
  for (let i = 0; i < lines.length; i++) {
    const m = opener.exec(lines[i]);
    if (!m) continue;
    const keyIndent = m[1].length;
    const quote = m[2];
    let state = closesAt(lines[i], m[0].length, quote);
    while (state === "open" && i + 1 < lines.length) {
      i++;
      const indent = lines[i].length - lines[i].trimStart().length;
      if (lines[i].trim() !== "" && indent <= keyIndent)
        lines[i] = " ".repeat(keyIndent + 2 - indent) + lines[i];
      state = closesAt(lines[i], 0, quote);
    }
  }
  return lines.join("\n");
}

function closesAt(line: string, from: number, quote: string): "closed" | "open" {
  for (let j = from; j < line.length; j++) {
    const c = line[j];
    if (quote === '"' && c === "\\") j++;
    else if (c === quote) {
      if (quote === "'" && line[j + 1] === "'") j++;
      else return "closed";
    }
  }
  return "open";
}

function documentsOf(src: string) {
  const docs = parseAllDocuments(src, YAML_OPTIONS);
  return Array.isArray(docs) ? docs : [];
}

/** All documents of a (multi-document) YAML stream; empty documents are dropped. */
export function parseYamlDocuments(src: string, file: string): YamlDoc[] {
  let list = documentsOf(src);
  if (list.some((d) => d.errors.length > 0)) {
    const relaxed = relaxQuotedIndentation(src);
    if (relaxed !== src) {
      const retry = documentsOf(relaxed);
      if (retry.every((d) => d.errors.length === 0)) list = retry;
    }
  }
  const out: YamlDoc[] = [];
  for (const d of list) {
    const e = d.errors[0];
    if (e) {
      const pos = e.linePos?.[0];
      // The library's message repeats the position and a code excerpt; keep the first line.
      const msg = e.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
      throw new SourceError(file, `YAML error: ${msg}`, pos?.line, pos?.col);
    }
    const value = d.toJS({ maxAliasCount: 1000 });
    if (value === null || value === undefined) continue;
    // Point at the content, not at the `---` marker or leading comments.
    const start = d.contents?.range?.[0] ?? d.range?.[0] ?? 0;
    out.push({ value, line: lineOf(src, start).line });
  }
  return out;
}

/** JSON with the error position OPA/gator users expect (V8's messages rarely carry one). */
export function parseJson(src: string, file: string): unknown {
  try {
    return JSON.parse(src);
  } catch (err) {
    const msg = (err as Error).message;
    const m = /position (\d+)/.exec(msg);
    const pos = m ? lineOf(src, Number(m[1])) : findJsonErrorPosition(src);
    const clean = msg
      .replace(/ in JSON at position \d+.*$/, "")
      .replace(/, "[\s\S]*" is not valid JSON$/, "");
    throw new SourceError(file, `JSON error: ${clean}`, pos?.line, pos?.col);
  }
}

/** Locates the first byte where the text stops being a JSON prefix (for messages only). */
function findJsonErrorPosition(src: string): { line: number; col: number } | undefined {
  let lo = 0;
  let hi = src.length;
  // JSON.parse on a prefix fails either "unexpected end" (prefix is fine so far) or elsewhere.
  const isPrefixOk = (n: number) => {
    try {
      JSON.parse(src.slice(0, n));
      return true;
    } catch (e) {
      return /end of JSON input|Unterminated|Expected .* after/.test((e as Error).message);
    }
  };
  if (isPrefixOk(hi)) return undefined;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (isPrefixOk(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lineOf(src, lo);
}
