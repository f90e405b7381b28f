import type { FailurePolicy } from "../cel/index.ts";
import { compileCached } from "./compile-cache.ts";
import { type ParsedConstraint, parseConstraint } from "./constraint.ts";
import { celDriver } from "./drivers/cel.ts";
import type { CompiledTemplate, Driver } from "./drivers/driver.ts";
import { defaultRegoDriver } from "./drivers/rego-default.ts";
import { FrameworkError, type FrameworkErrorDetail, fail } from "./errors.ts";
import { Inventory } from "./inventory.ts";
import { KindIndex } from "./kind-index.ts";
import { type CompiledMatch, compileMatch, MatchError } from "./match.ts";
import { appliesAt, ENFORCEMENT_POINTS, type Result, toResult } from "./results.ts";
import { buildReview, type ReviewOptions } from "./review.ts";
import { type ParsedTemplate, parseTemplate } from "./template.ts";

export interface ClientOptions {
  /** Prefer K8sNativeValidation (CEL) when a template has it. Default true. */
  enableCEL?: boolean;
  /** "gator.gatekeeper.sh" (default), "validation.gatekeeper.sh", "audit.gatekeeper.sh". */
  enforcementPoint?: string;
  /** failurePolicy for K8sNativeValidation sources that omit it: Fail (default) or Ignore. */
  celFailurePolicy?: FailurePolicy;
  /**
   * Let templates call http.send and net.lookup_ip_addr (gator does). Default false, as
   * Gatekeeper's services: such a template fails to compile ("undefined function http.send").
   */
  networkBuiltins?: boolean;
}

/** A constraint that could not be evaluated for a review; the others' results still count. */
export interface ReviewError extends FrameworkErrorDetail {
  /** The constraint's kind and name. */
  kind: string;
  name: string;
}

export interface ReviewResponse {
  results: Result[];
  errors: ReviewError[];
}

export interface TemplateInfo {
  name: string;
  kind: string;
  engine: CompiledTemplate["engine"];
}

interface TemplateEntry {
  parsed: ParsedTemplate;
  compiled: CompiledTemplate;
  /** The compile cache key: same key, same compile. */
  key: string;
  /** The parameters schema as JSON: constraints are re-validated only when it changes. */
  schemaKey: string;
  /** Insertion order, so results come in the order they always have. */
  seq: number;
  constraints: Map<string, ConstraintEntry>;
}

interface ConstraintEntry {
  constraint: ParsedConstraint;
  template: TemplateEntry;
  match: CompiledMatch;
  seq: number;
}

const DEADLINE_EXCEEDED = "caller cancelled query execution (deadline exceeded)";

/** Gatekeeper's constraint framework client: templates, constraints, data, reviews. */
export class Client {
  readonly #enableCEL: boolean;
  readonly #networkBuiltins: boolean;
  readonly #point: string;
  readonly #cel: Driver;
  // Keyed by constraint kind; template names are kind.toLowerCase().
  readonly #templates = new Map<string, TemplateEntry>();
  // Only constraints acting at this enforcement point, by the kinds they match.
  readonly #index = new KindIndex<ConstraintEntry>();
  readonly #inventory = new Inventory();
  #seq = 0;

  constructor(opts: ClientOptions = {}) {
    this.#enableCEL = opts.enableCEL ?? true;
    this.#networkBuiltins = opts.networkBuiltins ?? false;
    this.#point = opts.enforcementPoint ?? ENFORCEMENT_POINTS.gator;
    this.#cel = celDriver(opts.celFailurePolicy);
  }

  /**
   * Adds or replaces a template; throws FrameworkError (code, message, location) when
   * it does not compile. Re-adding unchanged content reuses the compile and keeps its
   * constraints as they are, so an informer resync costs a parse and a hash.
   */
  addTemplate(obj: unknown): TemplateInfo {
    const parsed = parseTemplate(obj);
    const driver = this.#driverFor(parsed);
    const key = driver.cacheKey(parsed);
    const old = this.#templates.get(parsed.kind);
    const compiled = old?.key === key ? old.compiled : compileCached(driver, key, parsed);
    const schemaKey = JSON.stringify(parsed.schema ?? null);
    const info = { name: parsed.name, kind: parsed.kind, engine: compiled.engine };
    if (old !== undefined && old.key === key && old.schemaKey === schemaKey) {
      old.parsed = parsed;
      return info;
    }
    const entry: TemplateEntry = {
      parsed,
      compiled,
      key,
      schemaKey,
      seq: old?.seq ?? ++this.#seq,
      constraints: new Map(),
    };
    // Replacing a template keeps its constraints, re-validated against the new schema;
    // one that no longer validates fails the whole replacement.
    for (const [name, c] of old?.constraints ?? []) {
      const constraint = parseConstraint(c.constraint.raw, parsed.schema);
      entry.constraints.set(name, { constraint, template: entry, match: c.match, seq: c.seq });
    }
    for (const [kind, e] of this.#templates) {
      if (e.parsed.name === parsed.name && kind !== parsed.kind) this.#dropTemplate(kind, e);
    }
    if (old !== undefined) for (const c of old.constraints.values()) this.#index.delete(c);
    this.#templates.set(parsed.kind, entry);
    for (const c of entry.constraints.values()) this.#indexConstraint(c);
    return info;
  }

  #driverFor(parsed: ParsedTemplate): Driver {
    if (parsed.cel !== undefined && (this.#enableCEL || parsed.rego === undefined)) {
      if (!this.#enableCEL)
        fail("no_driver", "template only has K8sNativeValidation code and CEL is disabled");
      return this.#cel;
    }
    if (parsed.rego !== undefined) {
      const rego = defaultRegoDriver({ networkBuiltins: this.#networkBuiltins });
      if (rego === undefined) fail("no_driver", "the Rego engine is not available");
      return rego;
    }
    fail(
      "no_driver",
      "template has no code for a supported engine (Rego or K8sNativeValidation)",
      "spec.targets[0]",
    );
  }

  removeTemplate(name: string): void {
    for (const [kind, e] of this.#templates) if (e.parsed.name === name) this.#dropTemplate(kind, e);
  }

  #dropTemplate(kind: string, e: TemplateEntry): void {
    for (const c of e.constraints.values()) this.#index.delete(c);
    this.#templates.delete(kind);
  }

  hasTemplate(kind: string): boolean {
    return this.#templates.has(kind);
  }

  /** The constraint kinds templates define, sorted. */
  templateKinds(): string[] {
    return [...this.#templates.keys()].sort(cmp);
  }

  /** Adds or replaces a constraint; its spec.match is compiled here, once. */
  addConstraint(obj: unknown): void {
    const kind = typeof (obj as { kind?: unknown })?.kind === "string" ? (obj as { kind: string }).kind : "";
    const template = this.#templates.get(kind);
    if (template === undefined) {
      fail("missing_template", `no ConstraintTemplate defines constraint kind ${JSON.stringify(kind)}`);
    }
    const constraint = parseConstraint(obj, template.parsed.schema);
    const old = template.constraints.get(constraint.name);
    if (old !== undefined) this.#index.delete(old);
    const entry: ConstraintEntry = {
      constraint,
      template,
      match: compileMatch(constraint.match),
      seq: old?.seq ?? ++this.#seq,
    };
    template.constraints.set(constraint.name, entry);
    this.#indexConstraint(entry);
  }

  #indexConstraint(c: ConstraintEntry): void {
    // A constraint with no action at this point is never evaluated here.
    if (appliesAt(c.constraint, this.#point)) this.#index.add(c, c.match.kinds);
  }

  removeConstraint(kind: string, name: string): void {
    const template = this.#templates.get(kind);
    const c = template?.constraints.get(name);
    if (c === undefined) return;
    this.#index.delete(c);
    template!.constraints.delete(name);
  }

  addData(obj: unknown): void {
    if (!this.#inventory.add(obj))
      fail("invalid_data", "data object needs apiVersion, kind and metadata.name");
  }

  removeData(obj: unknown): void {
    this.#inventory.remove(obj);
  }

  /**
   * Replaces all of data.inventory with these objects in one pass (e.g. a snapshot
   * load). Objects without apiVersion, kind or metadata.name are skipped and counted.
   */
  replaceData(objects: Iterable<unknown>): { loaded: number; rejected: number } {
    return this.#inventory.replaceAll(objects);
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

  /**
   * Evaluates every constraint that matches the object. A constraint that fails to
   * evaluate (compile-time surprises, builtin errors under strict mode, the deadline)
   * adds to errors and the others still report; an undecidable match is a result, as
   * in Gatekeeper. Throws FrameworkError only when the object itself is unusable.
   */
  review(obj: unknown, opts: ReviewOptions = {}): ReviewResponse {
    const review = buildReview(obj, opts, this.#inventory);
    const inventory = this.#inventory.root;
    const results: Result[] = [];
    const errors: ReviewError[] = [];
    const candidates = this.#index.lookup(review.gvk.group, review.gvk.kind);
    if (candidates.length > 1) candidates.sort(bySeq);
    for (const entry of candidates) {
      const c = entry.constraint;
      try {
        if (!entry.match.rest(review)) continue;
        // Checked between constraints too: many quick ones can outlast a deadline that
        // no single evaluation reaches.
        if (review.deadline !== undefined && Date.now() > review.deadline)
          fail("eval_cancel_error", DEADLINE_EXCEEDED);
        for (const v of entry.template.compiled.evaluate(review, c, inventory)) {
          results.push(toResult(c, v, this.#point));
        }
      } catch (e) {
        if (e instanceof MatchError) {
          const msg = `unable to match constraints: error matching the requested object: ${review.name} :failed to run Match criteria: ${e.message}`;
          results.push(toResult(c, { msg }, this.#point));
        } else {
          const details: FrameworkErrorDetail[] =
            e instanceof FrameworkError
              ? e.errors
              : [{ code: "internal_error", message: e instanceof Error ? e.message : String(e) }];
          for (const d of details) errors.push({ ...d, kind: c.kind, name: c.name });
        }
      }
    }
    return { results, errors };
  }
}

function bySeq(a: ConstraintEntry, b: ConstraintEntry): number {
  return a.template.seq - b.template.seq || a.seq - b.seq;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
