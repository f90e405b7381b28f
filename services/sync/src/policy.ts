/*
 * ConstraintTemplates and constraints: compile each template with the
 * engine, keep its constraint CRD in step, report status as Gatekeeper does,
 * and mirror only what compiles / validates into the cache (a broken update
 * leaves the last good version in place for the webhook and audit).
 */
import { constraintsCollection, TEMPLATES } from "@portcullis/cache";
import { Client, FrameworkError } from "@portcullis/engine";
import { KubeApiError, type KubeRest, resourcePath } from "@portcullis/kube";
import type { Logger } from "@portcullis/service";
import type { CacheSink } from "./cache-sink.ts";
import {
  buildConstraintCrd,
  CONSTRAINT_LABEL,
  CONSTRAINTS_GROUP,
  STORAGE_VERSION,
} from "./constraint-crd.ts";
import {
  constraintStatus,
  type StatusError,
  statusErrors,
  statusUpToDate,
  templateStatus,
} from "./status.ts";
import { traced } from "./tracing.ts";
import { type KObj, nameOf, type WatchEventType, type Watcher, type WatchFactory } from "./watch.ts";

const TEMPLATE_API = "templates.gatekeeper.sh/v1";
const CRD_API = "apiextensions.k8s.io/v1";

export interface PolicyOptions {
  rest: KubeRest;
  sink: CacheSink;
  watch: WatchFactory;
  log: Logger;
  /** byPod id in status. */
  statusId: string;
  onTemplateCompiled?: (name: string, ok: boolean) => void;
}

interface TemplateState {
  kind: string;
  /** The last version that compiled (what the cache holds). */
  good?: KObj;
  constraints?: Watcher;
}

export class PolicyController {
  readonly #o: PolicyOptions;
  readonly #engine = new Client();
  readonly #templates = new Map<string, TemplateState>();
  #templateWatch: Watcher | undefined;
  #stopped = false;

  constructor(o: PolicyOptions) {
    this.#o = o;
  }

  start(): void {
    this.#templateWatch = this.#o.watch(
      { apiVersion: TEMPLATE_API, kind: "ConstraintTemplate" },
      {
        onEvent: (type, obj) => this.#onTemplate(type, obj),
        onSync: (listed) => this.#onTemplateSync(listed),
        onError: (e) => this.#o.log.warn("ConstraintTemplate watch failing", { err: e.message }),
      },
    );
    this.#templateWatch.start();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    const watchers = [this.#templateWatch, ...[...this.#templates.values()].map((t) => t.constraints)];
    await Promise.all(watchers.map((w) => w?.stop()));
  }

  /** Every watch has delivered its first listing. */
  synced(): boolean {
    if (!this.#templateWatch?.hasSynced()) return false;
    for (const t of this.#templates.values()) if (t.constraints && !t.constraints.hasSynced()) return false;
    return true;
  }

  watchers(): Watcher[] {
    const out: Watcher[] = [];
    if (this.#templateWatch) out.push(this.#templateWatch);
    for (const t of this.#templates.values()) if (t.constraints) out.push(t.constraints);
    return out;
  }

  templateCount(): { ok: number; failed: number } {
    let ok = 0;
    let failed = 0;
    for (const t of this.#templates.values()) t.good ? ok++ : failed++;
    return { ok, failed };
  }

  async #onTemplate(type: WatchEventType, obj: KObj): Promise<void> {
    if (this.#stopped) return;
    const name = nameOf(obj);
    if (type === "DELETED") return this.#removeTemplate(name);
    await this.#applyTemplate(obj);
  }

  async #onTemplateSync(listed: KObj[]): Promise<void> {
    const names = new Set(listed.map(nameOf));
    for (const name of [...this.#templates.keys()]) if (!names.has(name)) await this.#removeTemplate(name);
    // Templates seen before this listing are (re)applied by their events; the
    // cache collection is made exactly the set of good templates.
    const good = new Map<string, KObj>();
    for (const [name, t] of this.#templates) if (t.good && names.has(name)) good.set(name, t.good);
    await this.#o.sink.reconcile(TEMPLATES, good);
  }

  #applyTemplate(obj: KObj): Promise<void> {
    return traced("sync.template.apply", { "portcullis.template": nameOf(obj) }, () =>
      this.#applyTemplateNow(obj),
    );
  }

  async #applyTemplateNow(obj: KObj): Promise<void> {
    const name = nameOf(obj);
    let compiledKind: string;
    try {
      compiledKind = this.#engine.addTemplate(obj).kind;
    } catch (e) {
      if (!(e instanceof FrameworkError)) throw e;
      this.#o.log.warn("ConstraintTemplate does not compile", { template: name, errors: e.errors });
      this.#o.onTemplateCompiled?.(name, false);
      if (!this.#templates.has(name)) this.#templates.set(name, { kind: "" });
      const prev = this.#templates.get(name);
      // The CRD (if any) belongs to the last good version and stays.
      await this.#patchTemplateStatus(obj, prev?.good !== undefined, statusErrors(e.errors));
      return;
    }
    this.#o.onTemplateCompiled?.(name, true);
    const prev = this.#templates.get(name);
    if (prev?.good && prev.kind !== compiledKind) {
      // The template now defines another kind: the old kind goes away.
      await this.#retireKind(prev);
    }
    try {
      await this.#ensureCrd(compiledKind, obj);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.#o.log.warn("constraint CRD rejected", { template: name, err: message });
      await this.#patchTemplateStatus(obj, false, [{ code: "create_error", message }]);
      return;
    }
    const state: TemplateState = {
      kind: compiledKind,
      good: obj,
      constraints: prev?.kind === compiledKind ? prev.constraints : undefined,
    };
    this.#templates.set(name, state);
    await this.#o.sink.put(TEMPLATES, name, obj);
    if (!state.constraints) state.constraints = this.#watchConstraints(compiledKind);
    await this.#patchTemplateStatus(obj, true, []);
  }

  async #removeTemplate(name: string): Promise<void> {
    const t = this.#templates.get(name);
    this.#templates.delete(name);
    this.#engine.removeTemplate(name);
    if (t?.good) await this.#retireKind(t);
    await this.#o.sink.delete(TEMPLATES, name);
  }

  /** Stops a kind's constraint watch, removes its constraints from the cache and deletes its CRD. */
  async #retireKind(t: TemplateState): Promise<void> {
    await t.constraints?.stop();
    t.constraints = undefined;
    await this.#o.sink.drop(constraintsCollection(t.kind));
    const path = resourcePath(
      CRD_API,
      "customresourcedefinitions",
      `${t.kind.toLowerCase()}.${CONSTRAINTS_GROUP}`,
    );
    const crd = await this.#o.rest.find<KObj>(path);
    const labels = (crd?.metadata?.labels ?? {}) as Record<string, string>;
    if (crd && labels[CONSTRAINT_LABEL] === "yes") await this.#o.rest.remove(path);
  }

  async #ensureCrd(kind: string, template: KObj): Promise<void> {
    const desired = buildConstraintCrd({ kind, template });
    const name = String((desired.metadata as KObj).name);
    const path = resourcePath(CRD_API, "customresourcedefinitions", name);
    const current = await this.#o.rest.find<KObj>(path);
    if (!current) {
      await this.#o.rest.create(resourcePath(CRD_API, "customresourcedefinitions"), desired);
    } else if (
      !covers(current.spec, desired.spec) ||
      !covers(current.metadata?.labels, (desired.metadata as KObj).labels)
    ) {
      await this.#o.rest.replace(path, {
        ...desired,
        metadata: { ...(desired.metadata as KObj), resourceVersion: current.metadata?.resourceVersion },
      });
    }
    await this.#waitEstablished(path);
  }

  async #waitEstablished(path: string): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const crd = await this.#o.rest.get<KObj>(path);
      const conditions = ((crd.status as KObj | undefined)?.conditions ?? []) as KObj[];
      const names = conditions.find((c) => c.type === "NamesAccepted");
      if (names?.status === "False")
        throw new Error(`constraint CRD names not accepted: ${String(names.message)}`);
      if (conditions.some((c) => c.type === "Established" && c.status === "True")) return;
      if (Date.now() > deadline) throw new Error(`constraint CRD ${path} not Established after 30 s`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async #patchTemplateStatus(obj: KObj, created: boolean, errors: StatusError[]): Promise<void> {
    const status = templateStatus(obj, this.#o.statusId, created, errors);
    if (statusUpToDate(obj, status)) return;
    const path = `${resourcePath(TEMPLATE_API, "constrainttemplates", nameOf(obj))}/status`;
    await this.#patchStatus(path, status);
  }

  async #patchStatus(path: string, status: Record<string, unknown>): Promise<void> {
    try {
      await this.#o.rest.mergePatch(path, { status });
    } catch (e) {
      // Gone meanwhile: its delete event follows.
      if (e instanceof KubeApiError && e.status === 404) return;
      this.#o.log.warn("status patch failed", { path, err: e instanceof Error ? e.message : String(e) });
    }
  }

  #watchConstraints(kind: string): Watcher {
    const collection = constraintsCollection(kind);
    const w = this.#o.watch(
      { apiVersion: `${CONSTRAINTS_GROUP}/${STORAGE_VERSION}`, kind },
      {
        onEvent: (type, obj) => this.#onConstraint(kind, type, obj),
        onSync: async (listed) => {
          const valid = new Map<string, KObj>();
          for (const c of listed) if (this.#validate(c).length === 0) valid.set(nameOf(c), c);
          await this.#o.sink.reconcile(collection, valid);
        },
        onError: (e) => this.#o.log.warn("constraint watch failing", { kind, err: e.message }),
      },
    );
    w.start();
    return w;
  }

  #validate(obj: KObj): StatusError[] {
    try {
      this.#engine.addConstraint(obj);
      return [];
    } catch (e) {
      if (e instanceof FrameworkError) return statusErrors(e.errors);
      throw e;
    }
  }

  async #onConstraint(kind: string, type: WatchEventType, obj: KObj): Promise<void> {
    if (this.#stopped) return;
    const collection = constraintsCollection(kind);
    const name = nameOf(obj);
    if (type === "DELETED") {
      this.#engine.removeConstraint(kind, name);
      await this.#o.sink.delete(collection, name);
      return;
    }
    const errors = this.#validate(obj);
    if (errors.length === 0) await this.#o.sink.put(collection, name, obj);
    else {
      this.#o.log.warn("constraint rejected", { kind, name, errors });
      this.#engine.removeConstraint(kind, name);
      await this.#o.sink.delete(collection, name);
    }
    const status = constraintStatus(obj, this.#o.statusId, errors);
    if (!statusUpToDate(obj, status)) {
      const path = `${resourcePath(`${CONSTRAINTS_GROUP}/${STORAGE_VERSION}`, kind.toLowerCase(), name)}/status`;
      await this.#patchStatus(path, status);
    }
  }
}

/**
 * Whether `actual` has every field `desired` sets, with equal values (the
 * API server adds defaults, which are not differences).
 */
export function covers(actual: unknown, desired: unknown): boolean {
  if (Array.isArray(desired)) {
    return (
      Array.isArray(actual) &&
      actual.length === desired.length &&
      desired.every((d, i) => covers(actual[i], d))
    );
  }
  if (desired !== null && typeof desired === "object") {
    if (actual === null || typeof actual !== "object" || Array.isArray(actual)) return false;
    const a = actual as Record<string, unknown>;
    return Object.entries(desired as Record<string, unknown>).every(([k, v]) => covers(a[k], v));
  }
  return actual === desired;
}
