import type { FailurePolicy } from "../cel/index.ts";
import { type ParsedConstraint, parseConstraint } from "./constraint.ts";
import { celDriver } from "./drivers/cel.ts";
import type { CompiledTemplate, Driver } from "./drivers/driver.ts";
import { defaultRegoDriver } from "./drivers/rego-default.ts";
import { FrameworkError, fail } from "./errors.ts";
import { Inventory } from "./inventory.ts";
import { MatchError, matches } from "./match.ts";
import { appliesAt, type Result, toResult } from "./results.ts";
import { buildReview, type ReviewOptions } from "./review.ts";
import { type ParsedTemplate, parseTemplate } from "./template.ts";

export interface ClientOptions {
  /** Prefer K8sNativeValidation (CEL) when a template has it. Default true. */
  enableCEL?: boolean;
  /** "gator.gatekeeper.sh" (default), "validation.gatekeeper.sh", "audit.gatekeeper.sh". */
  enforcementPoint?: string;
  /** failurePolicy for K8sNativeValidation sources that omit it: Fail (default) or Ignore. */
  celFailurePolicy?: FailurePolicy;
}

interface TemplateEntry {
  parsed: ParsedTemplate;
  compiled: CompiledTemplate;
  constraints: Map<string, ParsedConstraint>;
}

/** Gatekeeper's constraint framework client: templates, constraints, data, reviews. */
export class Client {
  readonly #enableCEL: boolean;
  readonly #point: string;
  readonly #cel: Driver;
  // Keyed by constraint kind; template names are kind.toLowerCase().
  readonly #templates = new Map<string, TemplateEntry>();
  readonly #inventory = new Inventory();

  constructor(opts: ClientOptions = {}) {
    this.#enableCEL = opts.enableCEL ?? true;
    this.#point = opts.enforcementPoint ?? "gator.gatekeeper.sh";
    this.#cel = celDriver(opts.celFailurePolicy);
  }

  addTemplate(obj: unknown): void {
    const parsed = parseTemplate(obj);
    let compiled: CompiledTemplate;
    if (parsed.cel !== undefined && (this.#enableCEL || parsed.rego === undefined)) {
      if (!this.#enableCEL)
        fail("no_driver", "template only has K8sNativeValidation code and CEL is disabled");
      compiled = this.#cel.compile(parsed);
    } else if (parsed.rego !== undefined) {
      const rego = defaultRegoDriver();
      if (rego === undefined) fail("no_driver", "the Rego engine is not available");
      compiled = rego.compile(parsed);
    } else {
      fail(
        "no_driver",
        "template has no code for a supported engine (Rego or K8sNativeValidation)",
        "spec.targets[0]",
      );
    }
    const old = this.#templates.get(parsed.kind);
    // Replacing a template keeps its constraints, re-validated against the new schema.
    const constraints = new Map<string, ParsedConstraint>();
    for (const [name, c] of old?.constraints ?? [])
      constraints.set(name, parseConstraint(c.raw, parsed.schema));
    for (const [kind, e] of this.#templates) {
      if (e.parsed.name === parsed.name && kind !== parsed.kind) this.#templates.delete(kind);
    }
    this.#templates.set(parsed.kind, { parsed, compiled, constraints });
  }

  removeTemplate(name: string): void {
    for (const [kind, e] of this.#templates) if (e.parsed.name === name) this.#templates.delete(kind);
  }

  addConstraint(obj: unknown): void {
    const kind = typeof (obj as { kind?: unknown })?.kind === "string" ? (obj as { kind: string }).kind : "";
    const entry = this.#templates.get(kind);
    if (entry === undefined) {
      fail("missing_template", `no ConstraintTemplate defines constraint kind ${JSON.stringify(kind)}`);
    }
    const c = parseConstraint(obj, entry.parsed.schema);
    entry.constraints.set(c.name, c);
  }

  removeConstraint(kind: string, name: string): void {
    this.#templates.get(kind)?.constraints.delete(name);
  }

  addData(obj: unknown): void {
    if (!this.#inventory.add(obj))
      fail("invalid_data", "data object needs apiVersion, kind and metadata.name");
  }

  removeData(obj: unknown): void {
    this.#inventory.remove(obj);
  }

  /** The live data.inventory document (for tooling). */
  inventory(): unknown {
    return this.#inventory.root;
  }

  templates(): string[] {
    return [...this.#templates.values()].map((e) => e.parsed.name).sort();
  }

  constraints(): { kind: string; name: string }[] {
    const out: { kind: string; name: string }[] = [];
    for (const [kind, e] of this.#templates)
      for (const name of e.constraints.keys()) out.push({ kind, name });
    return out.sort((a, b) => (a.kind === b.kind ? cmp(a.name, b.name) : cmp(a.kind, b.kind)));
  }

  /** Which engine evaluates a template kind ("Rego" | "K8sNativeValidation"). */
  engineFor(kind: string): string | undefined {
    return this.#templates.get(kind)?.compiled.engine;
  }

  review(obj: unknown, opts: ReviewOptions = {}): Result[] {
    const review = buildReview(obj, opts, this.#inventory);
    const inventory = this.#inventory.root;
    const results: Result[] = [];
    const errors: FrameworkError[] = [];
    for (const entry of this.#templates.values()) {
      for (const c of entry.constraints.values()) {
        if (!appliesAt(c, this.#point)) continue;
        try {
          if (!matches(c.match, review)) continue;
          for (const v of entry.compiled.evaluate(review, c, inventory)) {
            results.push(toResult(c, v, this.#point));
          }
        } catch (e) {
          // Gatekeeper reports an undecidable match as a result, so it is never silently allowed.
          if (e instanceof MatchError) {
            const msg = `unable to match constraints: error matching the requested object: ${review.name} :failed to run Match criteria: ${e.message}`;
            results.push(toResult(c, { msg }, this.#point));
          } else if (e instanceof FrameworkError) errors.push(e);
          else throw e;
        }
      }
    }
    if (errors.length > 0) throw new FrameworkError(errors.flatMap((e) => e.errors));
    return results;
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
