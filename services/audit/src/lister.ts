/*
 * Listing from the API server for an audit run: discovery of listable kinds
 * (preferred versions, no subresources), then each kind in pages of
 * auditChunkSize with limit/continue. An expired continue token (410 Gone)
 * means the list snapshot is gone: the kind is listed again from the start.
 */
import { KubeApiError, type KubeRest } from "@portcullis/kube";

type Obj = Record<string, unknown>;

export interface ApiKind {
  apiVersion: string;
  group: string;
  kind: string;
  plural: string;
  namespaced: boolean;
}

interface ResourceList {
  resources?: { name: string; kind: string; namespaced: boolean; verbs?: string[] }[];
}

/** Every listable kind the API server serves, at its group's preferred version. */
export async function discoverKinds(rest: KubeRest): Promise<ApiKind[]> {
  const out: ApiKind[] = [];
  const add = (apiVersion: string, list: ResourceList): void => {
    const slash = apiVersion.indexOf("/");
    const group = slash < 0 ? "" : apiVersion.slice(0, slash);
    for (const r of list.resources ?? []) {
      if (r.name.includes("/") || !(r.verbs ?? []).includes("list")) continue;
      out.push({ apiVersion, group, kind: r.kind, plural: r.name, namespaced: r.namespaced });
    }
  };
  add("v1", await rest.get<ResourceList>("/api/v1"));
  const groups = await rest.get<{ groups?: { preferredVersion?: { groupVersion: string } }[] }>("/apis");
  for (const g of groups.groups ?? []) {
    const gv = g.preferredVersion?.groupVersion;
    if (!gv) continue;
    try {
      add(gv, await rest.get<ResourceList>(`/apis/${gv}`));
    } catch (e) {
      // An aggregated API that is down must not stop the audit of everything else.
      if (!(e instanceof KubeApiError) || e.status !== 503) throw e;
    }
  }
  return out;
}

export interface ListPagesOptions {
  limit: number;
  /** Called with each page; a relist after 410 calls onRestart first so pages can be discarded. */
  onPage: (items: Obj[], page: number) => Promise<void>;
  onRestart: (reason: string) => Promise<void>;
  maxRestarts?: number;
}

/** Lists one kind (all namespaces) in pages; returns the number of objects. */
export async function listPages(rest: KubeRest, k: ApiKind, o: ListPagesOptions): Promise<number> {
  const base = k.group === "" ? `/api/${k.apiVersion}/${k.plural}` : `/apis/${k.apiVersion}/${k.plural}`;
  for (let attempt = 0; ; attempt++) {
    let cont: string | undefined;
    let page = 0;
    let count = 0;
    try {
      do {
        const query: Record<string, string> = { limit: String(o.limit) };
        if (cont) query.continue = cont;
        const list = await rest.get<{ items?: Obj[]; metadata?: { continue?: string } }>(base, query);
        const items = (list.items ?? []).map((i) => ({ apiVersion: k.apiVersion, kind: k.kind, ...i }));
        if (items.length > 0) await o.onPage(items, page++);
        count += items.length;
        cont = list.metadata?.continue || undefined;
      } while (cont);
      return count;
    } catch (e) {
      if (e instanceof KubeApiError && e.status === 410 && attempt < (o.maxRestarts ?? 5)) {
        await o.onRestart(`continue token expired: ${e.message}`);
        continue;
      }
      throw e;
    }
  }
}
