// Runs gatekeeper-library suites straight through the framework Client (no CLI),
// so engine tests can check every case of the library in a given mode.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { libraryDir } from "@portcullis/testkit";
import { parseAllDocuments } from "yaml";
import { Client, FrameworkError } from "../../src/framework/index.ts";

export const LIBRARY = libraryDir;

export function suiteFiles(dir = LIBRARY): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((e) => {
      const p = join(dir, e);
      return statSync(p).isDirectory() ? suiteFiles(p) : e === "suite.yaml" ? [p] : [];
    });
}

export function readDocs(file: string): Record<string, unknown>[] {
  return parseAllDocuments(readFileSync(file, "utf8"))
    .map((d) => d.toJS() as Record<string, unknown>)
    .filter((d) => d !== null && d !== undefined);
}

export interface CaseOutcome {
  suite: string;
  test: string;
  case: string;
  engine?: string;
  ok: boolean;
  problem?: string;
}

function wantOk(violations: unknown, count: number): boolean {
  if (violations === undefined || violations === true || violations === "yes") return count > 0;
  if (violations === false || violations === "no") return count === 0;
  return count === violations;
}

/** Every case's outcome; templates that fail to load make their cases fail. */
export function runSuite(file: string, enableCEL: boolean): CaseOutcome[] {
  const suite = readDocs(file)[0] as { tests: any[] };
  const base = dirname(file);
  const out: CaseOutcome[] = [];
  for (const t of suite.tests) {
    const client = new Client({ enableCEL });
    let setup: string | undefined;
    let kind = "";
    try {
      const template = readDocs(join(base, t.template))[0];
      client.addTemplate(template);
      const constraint = readDocs(join(base, t.constraint))[0];
      kind = String(constraint.kind);
      client.addConstraint(constraint);
    } catch (e) {
      setup = (e as Error).message;
    }
    for (const c of t.cases ?? []) {
      const row: CaseOutcome = {
        suite: file,
        test: t.name,
        case: c.name,
        engine: client.engineFor(kind),
        ok: false,
      };
      out.push(row);
      if (setup !== undefined) {
        row.problem = setup;
        continue;
      }
      const inventory = (c.inventory ?? []).flatMap((f: string) => readDocs(join(base, f)));
      for (const o of inventory) client.addData(o);
      try {
        const obj = readDocs(join(base, c.object))[0];
        const admission = obj.kind === "AdmissionReview";
        const { results, errors } = client.review(admission ? obj.request : obj, {
          admissionRequest: admission,
        });
        if (errors.length > 0) throw new FrameworkError(errors);
        const msgs = results.map((r) => r.msg);
        const bad = (c.assertions ?? []).filter((a: { violations?: unknown; message?: string }) => {
          const n =
            a.message === undefined ? msgs.length : msgs.filter((m) => new RegExp(a.message!).test(m)).length;
          return !wantOk(a.violations, n);
        });
        row.ok = bad.length === 0;
        if (!row.ok)
          row.problem = `assertions ${JSON.stringify(bad)} failed; messages ${JSON.stringify(msgs)}`;
      } catch (e) {
        row.problem = (e as Error).message;
      } finally {
        for (const o of inventory) client.removeData(o);
      }
    }
  }
  return out;
}
