import { noteDataCopy, noteDataEdit } from "../rego/eval/data-revisions.ts";
import type { Value } from "../rego/value.ts";
import { get, isObj, type Obj, str } from "./objects.ts";

// data.inventory as Gatekeeper lays it out:
//   cluster[groupVersion][Kind][name]
//   namespace[ns][groupVersion][Kind][name]
//
// Evaluators may cache facts about a value by identity (e.g. sorted keys), so a tree
// that has been handed out is never mutated: changes copy the nodes on their path
// (copy-on-write). Nodes created since the last hand-out are still private and are
// updated in place, so a burst of changes copies each node at most once. Each copy and
// each change is reported to the engine (noteDataCopy / noteDataEdit), which carries its
// indexes over data.inventory from one tree to the next instead of rebuilding them.
export class Inventory {
  #root: Obj = { cluster: {}, namespace: {} };
  #fresh = new WeakSet<Obj>();

  /** The current data.inventory document; treat as immutable. */
  get root(): Obj {
    this.#fresh = new WeakSet();
    return this.#root;
  }

  #path(obj: unknown): string[] | undefined {
    const gv = str(get(obj, "apiVersion"));
    const kind = str(get(obj, "kind"));
    const name = str(get(obj, "metadata", "name"));
    if (gv === "" || kind === "" || name === "") return undefined;
    const ns = str(get(obj, "metadata", "namespace"));
    return ns === "" ? ["cluster", gv, kind, name] : ["namespace", ns, gv, kind, name];
  }

  #own(node: Obj | undefined): Obj {
    if (node !== undefined && this.#fresh.has(node)) return node;
    const copy: Obj = node === undefined ? {} : { ...node };
    if (node !== undefined) noteDataCopy(copy, node);
    this.#fresh.add(copy);
    return copy;
  }

  /** Reports that the object at `path` went from `before` to `after`, to every node on the path. */
  #noteEdit(chain: Obj[], path: string[], before: unknown, after: unknown): void {
    for (let i = 0; i < chain.length; i++)
      noteDataEdit(chain[i], path, i, before as Value | undefined, after as Value | undefined);
  }

  /** Returns false when the object lacks apiVersion, kind or name. */
  add(obj: unknown): boolean {
    const path = this.#path(obj);
    if (path === undefined) return false;
    this.#root = this.#own(this.#root);
    let cur = this.#root;
    const chain: Obj[] = [cur];
    for (const p of path.slice(0, -1)) {
      const next = this.#own(isObj(cur[p]) ? cur[p] : undefined);
      cur[p] = next;
      cur = next;
      chain.push(cur);
    }
    const last = path[path.length - 1];
    this.#noteEdit(chain, path, Object.hasOwn(cur, last) ? cur[last] : undefined, obj);
    cur[last] = obj;
    return true;
  }

  /**
   * Replaces the whole inventory in one pass: a new tree built in place (nothing is
   * copied per object) and swapped in. Later duplicates win, as with add().
   */
  replaceAll(objects: Iterable<unknown>): { loaded: number; rejected: number } {
    const fresh = new WeakSet<Obj>();
    const node = (): Obj => {
      const n: Obj = {};
      fresh.add(n);
      return n;
    };
    const root = node();
    root.cluster = node();
    root.namespace = node();
    let loaded = 0;
    let rejected = 0;
    for (const obj of objects) {
      const path = this.#path(obj);
      if (path === undefined) {
        rejected++;
        continue;
      }
      let cur = root;
      for (let i = 0; i < path.length - 1; i++) {
        const next = cur[path[i]];
        cur = isObj(next) ? next : (cur[path[i]] = node());
      }
      cur[path[path.length - 1]] = obj;
      loaded++;
    }
    this.#root = root;
    // Not handed out yet: later adds may still update these nodes in place.
    this.#fresh = fresh;
    return { loaded, rejected };
  }

  remove(obj: unknown): void {
    const path = this.#path(obj);
    if (path === undefined) return;
    // Check presence first so removing an absent object copies nothing.
    let probe: unknown = this.#root;
    for (const p of path) {
      if (!isObj(probe) || !(p in probe)) return;
      probe = probe[p];
    }
    this.#root = this.#own(this.#root);
    const chain: Obj[] = [this.#root];
    for (const p of path.slice(0, -1)) {
      const next = this.#own(chain[chain.length - 1][p] as Obj);
      chain[chain.length - 1][p] = next;
      chain.push(next);
    }
    const last = path[path.length - 1];
    this.#noteEdit(chain, path, chain[chain.length - 1][last], undefined);
    delete chain[chain.length - 1][last];
    // Prune emptied levels (never the cluster/namespace roots).
    for (let i = chain.length - 1; i >= 2; i--) {
      if (Object.keys(chain[i]).length === 0) delete chain[i - 1][path[i - 1]];
    }
  }

  namespace(name: string): Obj | undefined {
    const ns = get(this.#root.cluster, "v1", "Namespace", name);
    return isObj(ns) ? ns : undefined;
  }

  clear(): void {
    this.#root = { cluster: {}, namespace: {} };
  }
}
