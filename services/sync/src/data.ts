/*
 * Namespaces, the Config and SyncSets, and every kind they ask to sync:
 * mirrored into the cache so readers can build `data.inventory` and each
 * review's namespaceObject. The watched kinds follow Config/SyncSet changes:
 * watches start and stop, and a dropped kind's collection is removed.
 */
import { CONFIGS, dataCollection, NAMESPACES, namespacedKey, SYNCSETS } from "@portcullis/cache";
import type { Logger } from "@portcullis/service";
import type { CacheSink } from "./cache-sink.ts";
import {
  apiVersionOf,
  type GVK,
  gvkId,
  namespaceExcluded,
  type SyncTargets,
  syncTargets,
} from "./sync-targets.ts";
import {
  type KObj,
  nameOf,
  namespaceOf,
  type WatchEventType,
  type Watcher,
  type WatchFactory,
} from "./watch.ts";

const CONFIG_API = "config.gatekeeper.sh/v1alpha1";
const SYNCSET_API = "syncset.gatekeeper.sh/v1alpha1";
/** Gatekeeper reads only the Config named "config" in its own namespace. */
export const CONFIG_NAME = "config";

export interface DataOptions {
  sink: CacheSink;
  watch: WatchFactory;
  log: Logger;
  /** The install namespace (where the Config lives). */
  namespace: string;
  /** An unknown or failing synced kind (reported, never fatal). */
  onDataError?: (gvk: GVK, error: Error) => void;
  /** A kind the API server does not serve, once per kind: with the Config/SyncSets that ask for it. */
  onUnknownKind?: (gvk: GVK, sources: KObj[], message: string) => void;
}

export class DataController {
  readonly #o: DataOptions;
  readonly #base: Watcher[] = [];
  readonly #data = new Map<string, { gvk: GVK; watcher: Watcher }>();
  #config: KObj | undefined;
  readonly #syncSets = new Map<string, KObj>();
  #targets: SyncTargets = { gvks: new Map(), excludedNamespaces: [], problems: [] };
  #stopped = false;
  /** Unknown kinds already reported (once per kind while it stays asked for). */
  readonly #reported = new Set<string>();
  /** Serialises target changes (Config and SyncSet events arrive on two watches). */
  #retarget: Promise<void> = Promise.resolve();

  constructor(o: DataOptions) {
    this.#o = o;
  }

  start(): void {
    const ns = this.#watchSimple({ apiVersion: "v1", kind: "Namespace" }, NAMESPACES, (o) => nameOf(o));
    const config = this.#o.watch(
      { apiVersion: CONFIG_API, kind: "Config", namespace: this.#o.namespace },
      {
        onEvent: async (type, obj) => {
          if (nameOf(obj) !== CONFIG_NAME) return;
          this.#config = type === "DELETED" ? undefined : obj;
          await this.#writeSimple(CONFIGS, namespacedKey(namespaceOf(obj), nameOf(obj)), type, obj);
          await this.#queueRetarget();
        },
        onSync: async (listed) => {
          const own = listed.filter((o) => nameOf(o) === CONFIG_NAME);
          this.#config = own[0];
          await this.#o.sink.reconcile(
            CONFIGS,
            new Map(own.map((o) => [namespacedKey(namespaceOf(o), nameOf(o)), o])),
          );
          await this.#queueRetarget();
        },
        onError: (e) => this.#o.log.warn("Config watch failing", { err: e.message }),
      },
    );
    const syncSets = this.#o.watch(
      { apiVersion: SYNCSET_API, kind: "SyncSet" },
      {
        onEvent: async (type, obj) => {
          if (type === "DELETED") this.#syncSets.delete(nameOf(obj));
          else this.#syncSets.set(nameOf(obj), obj);
          await this.#writeSimple(SYNCSETS, nameOf(obj), type, obj);
          await this.#queueRetarget();
        },
        onSync: async (listed) => {
          this.#syncSets.clear();
          for (const o of listed) this.#syncSets.set(nameOf(o), o);
          await this.#o.sink.reconcile(SYNCSETS, new Map(listed.map((o) => [nameOf(o), o])));
          await this.#queueRetarget();
        },
        onError: (e) => this.#o.log.warn("SyncSet watch failing", { err: e.message }),
      },
    );
    this.#base.push(ns, config, syncSets);
    for (const w of this.#base) w.start();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all(
      [...this.#base, ...[...this.#data.values()].map((d) => d.watcher)].map((w) => w.stop()),
    );
  }

  /** Every watch has delivered its first listing; a kind the API server does not serve counts as settled. */
  synced(): boolean {
    if (!this.#base.every((w) => w.hasSynced())) return false;
    return [...this.#data.values()].every((d) => d.watcher.hasSynced() || d.watcher.lastError()?.notFound);
  }

  /** Synced kinds the API server does not serve (reported, not fatal). */
  unknownKinds(): string[] {
    return [...this.#data]
      .filter(([, d]) => !d.watcher.hasSynced() && d.watcher.lastError()?.notFound)
      .map(([id]) => id);
  }

  watchers(): Watcher[] {
    return [...this.#base, ...[...this.#data.values()].map((d) => d.watcher)];
  }

  /** The kinds currently synced (by "apiVersion/Kind"). */
  syncedKinds(): string[] {
    return [...this.#data.keys()];
  }

  #watchSimple(
    target: { apiVersion: string; kind: string },
    collection: string,
    key: (o: KObj) => string,
  ): Watcher {
    return this.#o.watch(target, {
      onEvent: (type, obj) => this.#writeSimple(collection, key(obj), type, obj),
      onSync: (listed) => this.#o.sink.reconcile(collection, new Map(listed.map((o) => [key(o), o]))),
      onError: (e) => this.#o.log.warn("watch failing", { kind: target.kind, err: e.message }),
    });
  }

  async #writeSimple(collection: string, key: string, type: WatchEventType, obj: KObj): Promise<void> {
    if (this.#stopped) return;
    if (type === "DELETED") await this.#o.sink.delete(collection, key);
    else await this.#o.sink.put(collection, key, obj);
  }

  #queueRetarget(): Promise<void> {
    this.#retarget = this.#retarget
      .then(() => this.#applyTargets())
      .catch((e: unknown) => {
        this.#o.log.error("changing synced kinds failed", { err: e });
      });
    return this.#retarget;
  }

  async #applyTargets(): Promise<void> {
    if (this.#stopped) return;
    const next = syncTargets(this.#config, this.#syncSets.values());
    for (const p of next.problems) this.#o.log.warn("sync configuration problem", { problem: p });
    const exclusionsChanged =
      JSON.stringify(next.excludedNamespaces) !== JSON.stringify(this.#targets.excludedNamespaces);
    this.#targets = next;
    for (const [id, d] of [...this.#data]) {
      if (next.gvks.has(id)) continue;
      this.#data.delete(id);
      this.#reported.delete(id);
      await d.watcher.stop();
      await this.#o.sink.drop(dataCollection(apiVersionOf(d.gvk), d.gvk.kind));
      this.#o.log.info("stopped syncing", { kind: id });
    }
    if (exclusionsChanged) {
      // Objects newly excluded leave the cache, newly included ones enter it.
      for (const d of this.#data.values()) {
        if (d.watcher.hasSynced()) await this.#reconcileData(d.gvk, d.watcher.list());
      }
    }
    for (const [id, gvk] of next.gvks) {
      if (this.#data.has(id)) continue;
      this.#data.set(id, { gvk, watcher: this.#watchData(gvk) });
      this.#o.log.info("syncing", { kind: id });
    }
  }

  #watchData(gvk: GVK): Watcher {
    const apiVersion = apiVersionOf(gvk);
    const collection = dataCollection(apiVersion, gvk.kind);
    const w = this.#o.watch(
      { apiVersion, kind: gvk.kind },
      {
        onEvent: async (type, obj) => {
          if (this.#stopped) return;
          const key = namespacedKey(namespaceOf(obj), nameOf(obj));
          if (type === "DELETED" || namespaceExcluded(this.#targets.excludedNamespaces, namespaceOf(obj)))
            await this.#o.sink.delete(collection, key);
          else await this.#o.sink.put(collection, key, obj);
        },
        onSync: (listed) => this.#reconcileData(gvk, listed),
        onError: (e) => {
          this.#o.onDataError?.(gvk, e);
          if (w.lastError()?.notFound && !this.#reported.has(gvkId(gvk))) {
            this.#reported.add(gvkId(gvk));
            this.#o.onUnknownKind?.(gvk, this.#sourcesOf(gvk), e.message);
          }
        },
      },
    );
    w.start();
    return w;
  }

  /** The Config and SyncSets that ask for a kind. */
  #sourcesOf(gvk: GVK): KObj[] {
    const id = gvkId(gvk);
    const out: KObj[] = [];
    if (this.#config && syncTargets(this.#config, []).gvks.has(id)) out.push(this.#config);
    for (const s of this.#syncSets.values()) if (syncTargets(undefined, [s]).gvks.has(id)) out.push(s);
    return out;
  }

  async #reconcileData(gvk: GVK, listed: KObj[]): Promise<void> {
    const entries = new Map<string, KObj>();
    for (const o of listed) {
      if (namespaceExcluded(this.#targets.excludedNamespaces, namespaceOf(o))) continue;
      entries.set(namespacedKey(namespaceOf(o), nameOf(o)), o);
    }
    await this.#o.sink.reconcile(dataCollection(apiVersionOf(gvk), gvk.kind), entries);
  }
}
