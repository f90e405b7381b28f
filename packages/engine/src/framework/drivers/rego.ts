import type { Module } from "../../rego/ast.ts";
import { RegoError } from "../../rego/errors.ts";
import { parseModule } from "../../rego/syntax/index.ts";
import { contentHash } from "../compile-cache.ts";
import type { ParsedConstraint } from "../constraint.ts";
import { FrameworkError, type FrameworkErrorDetail, fail } from "../errors.ts";
import { get, isObj, str } from "../objects.ts";
import type { Review } from "../review.ts";
import type { ParsedTemplate } from "../template.ts";
import { disallowedDataRefs } from "./data-refs.ts";
import type { CompiledTemplate, Driver, Violation } from "./driver.ts";

/**
 * The slice of the Rego engine's public API this driver needs (rego/index.ts). The
 * driver parses a template once (it checks the ASTs itself), so the engine compiles
 * parsed modules.
 */
export interface RegoEngine {
  compileParsed(modules: Module[]): { prepare(query: string): RegoQuery };
  toJSON(v: unknown): unknown;
}
export interface RegoQuery {
  eval(opts?: {
    input?: unknown;
    data?: unknown;
    strictBuiltinErrors?: boolean;
    deadline?: number;
  }): Record<string, unknown>[];
}

function regoErrors(e: RegoError, prefix = ""): FrameworkError {
  return new FrameworkError(
    e.errors.map(
      (x): FrameworkErrorDetail => ({
        code: x.code,
        message: prefix + x.message,
        ...(x.location ? { location: `${x.location.file}:${x.location.row}:${x.location.col}` } : {}),
      }),
    ),
  );
}

function parse(source: string, file: string, version: 0 | 1): Module {
  try {
    return parseModule(source, file, { regoVersion: version });
  } catch (e) {
    if (e instanceof RegoError) throw regoErrors(e);
    throw e;
  }
}

function pathRef(pkg: string[]): string {
  return `data${pkg.map((s) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(s) ? `.${s}` : `[${JSON.stringify(s)}]`)).join("")}`;
}

class RegoTemplate implements CompiledTemplate {
  readonly engine = "Rego" as const;
  readonly #query: RegoQuery;
  readonly #engine: RegoEngine;
  constructor(engine: RegoEngine, query: RegoQuery) {
    this.#engine = engine;
    this.#query = query;
  }
  evaluate(review: Review, constraint: ParsedConstraint, inventory: unknown): Violation[] {
    const input = { review: review.request, parameters: constraint.parameters ?? {} };
    let rows: Record<string, unknown>[];
    try {
      rows = this.#query.eval({
        input,
        data: { inventory },
        ...(review.deadline !== undefined ? { deadline: review.deadline } : {}),
      });
    } catch (e) {
      if (e instanceof RegoError) throw regoErrors(e);
      throw e;
    }
    return rows.map((row) => {
      const r = this.#engine.toJSON(row.r);
      const msg = get(r, "msg");
      const v: Violation = {
        msg: typeof msg === "string" ? msg : msg === undefined ? "" : JSON.stringify(msg),
      };
      if (isObj(r) && "details" in r) v.details = r.details;
      return v;
    });
  }
}

// Cache keys name the engine instance, so swapping engines (setRegoEngine) never
// returns another engine's compile.
const engineIds = new WeakMap<RegoEngine, number>();
let nextEngineId = 0;

/** Compiles a template's Rego (plus libs, data.lib.*) once; evaluates data.<pkg>.violation[r]. */
export function regoDriver(engine: RegoEngine): Driver {
  let id = engineIds.get(engine);
  if (id === undefined) engineIds.set(engine, (id = nextEngineId++));
  const prefix = `rego#${id}:`;
  return {
    engine: "Rego",
    // The package, rules and libs are all in the sources; the schema is not compiled.
    cacheKey: (t) =>
      prefix + contentHash(t.rego === undefined ? null : [t.rego.rego, t.rego.libs, t.rego.version]),
    compile(t: ParsedTemplate): CompiledTemplate {
      const src = t.rego;
      if (src === undefined) fail("invalid_template", "template has no Rego source");
      const main = parse(src.rego, "template", src.version);
      const head = (r: Module["rules"][number]) => r.head.ref[0];
      if (
        !main.rules.some(
          (r) => head(r)?.type === "string" && str((head(r) as { value: string }).value) === "violation",
        )
      ) {
        fail("invalid_rego", "invalid module: missing required rules: [violation]", "template");
      }
      const libs = src.libs.map((l, i) => parse(l, `libs[${i}]`, src.version));
      for (const lib of libs) {
        if (lib.package[0] !== "lib") {
          fail(
            "invalid_lib",
            `invalid lib prefix: path ${pathRef(lib.package)} not found in lib prefixes`,
            lib.file,
          );
        }
      }
      const refErrors: FrameworkErrorDetail[] = [];
      for (const m of [main, ...libs]) {
        const bad = disallowedDataRefs(m);
        if (bad.length > 0) {
          refErrors.push({
            code: "invalid_data_references",
            message: `check refs failed on module {${m.file}}: disallowed ref ${bad.join(", ")}`,
            location: m.file,
          });
        }
      }
      if (refErrors.length > 0) throw new FrameworkError(refErrors);
      try {
        const policy = engine.compileParsed([main, ...libs]);
        return new RegoTemplate(engine, policy.prepare(`${pathRef(main.package)}.violation[r]`));
      } catch (e) {
        if (e instanceof RegoError) throw regoErrors(e);
        throw e;
      }
    },
  };
}
