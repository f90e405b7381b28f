/**
 * Every module, query and input_term in the OPA conformance corpus and every
 * Rego source in the gatekeeper-library corpus must parse; cases that expect
 * rego_parse_error must fail to parse (or be known compile-time in OPA).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { corpusDir } from "@portcullis/testkit";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { parseModule, parseQuery, parseTerm } from "../../src/rego/syntax/index.ts";

const CORPUS = corpusDir;

function walk(dir: string, out: string[] = []): string[] {
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

interface Case {
  note: string;
  modules?: string[];
  query?: string;
  input_term?: string;
  want_error_code?: string;
}

/** Parses everything a case holds; returns the first error message, if any. */
function parseCase(c: Case, v: 0 | 1): string | undefined {
  try {
    (c.modules ?? []).forEach((m, i) => {
      parseModule(m, `mod${i}.rego`, { regoVersion: v });
    });
    if (c.query) parseQuery(c.query, { regoVersion: 1 });
    if (c.input_term) parseTerm(c.input_term);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

describe("OPA conformance corpus", () => {
  for (const v of [0, 1] as const) {
    it(`parses every v${v} case`, () => {
      const failures: string[] = [];
      const missedErrors: string[] = [];
      let parsed = 0;
      let expectedErrors = 0;
      for (const f of walk(join(CORPUS, `opa-conformance/v${v}`)).filter((x) => x.endsWith(".yaml"))) {
        const doc = parse(readFileSync(f, "utf8"), { intAsBigInt: true }) as { cases?: Case[] };
        for (const c of doc.cases ?? []) {
          const err = parseCase(c, v);
          if (c.want_error_code === "rego_parse_error") {
            if (err) expectedErrors++;
            else missedErrors.push(c.note);
          } else if (err) failures.push(`${c.note}: ${err}`);
          else parsed++;
        }
      }
      expect(failures).toEqual([]);
      // OPA reports these at parse time too; none are currently missed.
      expect(missedErrors).toEqual([]);
      expect(parsed).toBeGreaterThan(1500);
      void expectedErrors;
    });
  }
});

describe("gatekeeper-library corpus", () => {
  const root = join(CORPUS, "gatekeeper-library");

  it("parses every .rego under src/", () => {
    const files = walk(join(root, "src")).filter((x) => x.endsWith(".rego"));
    expect(files.length).toBeGreaterThan(100);
    const failures: string[] = [];
    for (const f of files) {
      const src = readFileSync(f, "utf8");
      try {
        parseModule(src, f, { regoVersion: 0 });
      } catch (e) {
        failures.push(`${f}: ${(e as Error).message}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it("parses the rego, libs and code[].source of every template", () => {
    const failures: string[] = [];
    let count = 0;
    const one = (src: string, file: string, v: 0 | 1): void => {
      count++;
      try {
        parseModule(src, file, { regoVersion: v });
      } catch (e) {
        failures.push(`${file}: ${(e as Error).message}`);
      }
    };
    for (const f of walk(join(root, "library")).filter((x) => x.endsWith("template.yaml"))) {
      for (const d of parseAllDocuments(readFileSync(f, "utf8"))) {
        const doc = d.toJS() as {
          spec?: {
            targets?: {
              rego?: string;
              libs?: string[];
              code?: { engine: string; source: { rego?: string; version?: string; libs?: string[] } }[];
            }[];
          };
        };
        for (const t of doc?.spec?.targets ?? []) {
          if (t.rego) one(t.rego, `${f}#rego`, 0);
          for (const l of t.libs ?? []) one(l, `${f}#libs`, 0);
          for (const c of t.code ?? []) {
            if (c.engine !== "Rego") continue;
            const v = c.source.version === "v1" ? 1 : 0;
            if (c.source.rego) one(c.source.rego, `${f}#code`, v);
            for (const l of c.source.libs ?? []) one(l, `${f}#code.libs`, v);
          }
        }
      }
    }
    expect(count).toBeGreaterThan(50);
    expect(failures).toEqual([]);
  });
});
