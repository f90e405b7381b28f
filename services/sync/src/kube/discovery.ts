/*
 * (apiVersion, kind) → plural + scope through API discovery
 * (`/api/v1`, `/apis/<group>/<version>`), cached per group/version. CRDs
 * come and go, so a miss (unknown group/version or kind) is re-asked after
 * `missRefreshMs`, hits expire after `ttlMs`, and invalidate() drops entries.
 */
import type { KubeConfig } from "@kubernetes/client-node";
import { getJson, KubeApiError } from "./http.ts";

export interface ResolvedResource {
  /** "v1" or "<group>/<version>". */
  apiVersion: string;
  /** "" for the core group. */
  group: string;
  version: string;
  kind: string;
  /** Resource name used in URLs, e.g. "configmaps". */
  plural: string;
  namespaced: boolean;
  verbs: string[];
}

export interface ResourceResolverOptions {
  /** How long a fetched group/version listing is trusted (default 5 min). */
  ttlMs?: number;
  /** A kind or group/version that was missing is re-fetched after this long (default 1 s). */
  missRefreshMs?: number;
}

interface ApiResourceList {
  groupVersion?: string;
  resources?: { name: string; kind: string; namespaced: boolean; verbs?: string[] }[];
}

interface Entry {
  fetchedAt: number;
  /** undefined: the group/version is not served (404). */
  resources: ResolvedResource[] | undefined;
}

export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf("/");
  return slash < 0
    ? { group: "", version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** "/api/v1" for the core group, "/apis/<group>/<version>" otherwise. */
export function apiVersionPath(apiVersion: string): string {
  return splitApiVersion(apiVersion).group === "" ? `/api/${apiVersion}` : `/apis/${apiVersion}`;
}

/** The collection URL of a resource, across all namespaces unless `namespace` is given (namespaced only). */
export function collectionPath(
  resource: { apiVersion: string; plural: string; namespaced: boolean },
  namespace?: string,
): string {
  const base = apiVersionPath(resource.apiVersion);
  return resource.namespaced && namespace
    ? `${base}/namespaces/${encodeURIComponent(namespace)}/${resource.plural}`
    : `${base}/${resource.plural}`;
}

export class ResourceResolver {
  private readonly kc: KubeConfig;
  private readonly ttlMs: number;
  private readonly missRefreshMs: number;
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<Entry>>();

  constructor(kc: KubeConfig, options: ResourceResolverOptions = {}) {
    this.kc = kc;
    this.ttlMs = options.ttlMs ?? 5 * 60_000;
    this.missRefreshMs = options.missRefreshMs ?? 1000;
  }

  /**
   * The resource serving `kind` in `apiVersion`, or undefined when the API
   * server does not serve it (no such group/version, or no such kind in it).
   * Throws only when discovery itself fails (network, 5xx, 403).
   */
  async resolve(apiVersion: string, kind: string): Promise<ResolvedResource | undefined> {
    let entry = await this.entry(apiVersion, false);
    let found = entry.resources?.find((r) => r.kind === kind);
    if (!found && performance.now() - entry.fetchedAt >= this.missRefreshMs) {
      // A CRD may have been added to a group/version we listed earlier.
      entry = await this.entry(apiVersion, true);
      found = entry.resources?.find((r) => r.kind === kind);
    }
    return found;
  }

  /** Every top-level resource (no subresources) of a group/version; undefined if it is not served. */
  async resources(apiVersion: string): Promise<ResolvedResource[] | undefined> {
    return (await this.entry(apiVersion, false)).resources;
  }

  /** Forgets one group/version, or everything. */
  invalidate(apiVersion?: string): void {
    if (apiVersion === undefined) this.entries.clear();
    else this.entries.delete(apiVersion);
  }

  private async entry(apiVersion: string, force: boolean): Promise<Entry> {
    const cached = this.entries.get(apiVersion);
    const now = performance.now();
    if (cached && !force) {
      const age = now - cached.fetchedAt;
      if (cached.resources ? age < this.ttlMs : age < this.missRefreshMs) return cached;
    }
    let pending = this.inflight.get(apiVersion);
    if (!pending) {
      // Shared by concurrent callers, so it carries no caller's AbortSignal (getJson times out instead).
      pending = this.fetch(apiVersion).finally(() => this.inflight.delete(apiVersion));
      this.inflight.set(apiVersion, pending);
    }
    const entry = await pending;
    this.entries.set(apiVersion, entry);
    return entry;
  }

  private async fetch(apiVersion: string): Promise<Entry> {
    const { group, version } = splitApiVersion(apiVersion);
    try {
      const list = await getJson<ApiResourceList>(
        this.kc,
        apiVersionPath(apiVersion),
        {},
        { timeoutMs: 30_000 },
      );
      const resources = (list.resources ?? [])
        .filter((r) => !r.name.includes("/"))
        .map((r) => ({
          apiVersion,
          group,
          version,
          kind: r.kind,
          plural: r.name,
          namespaced: r.namespaced,
          verbs: r.verbs ?? [],
        }));
      return { fetchedAt: performance.now(), resources };
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) {
        return { fetchedAt: performance.now(), resources: undefined };
      }
      throw error;
    }
  }
}
