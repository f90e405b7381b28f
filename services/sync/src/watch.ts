/*
 * What the controllers need from an informer, kept small so the policy logic
 * does not depend on how list/watch is implemented (src/kube/informer.ts).
 */
export type KObj = Record<string, unknown> & {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; uid?: string; generation?: number; [k: string]: unknown };
};

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED";

export interface WatchHandlers {
  /** Each change, in order, one at a time (the next waits for this promise). */
  onEvent(type: WatchEventType, object: KObj): Promise<void>;
  /** After each (re)list: the complete current listing, for reconciliation. */
  onSync(listed: KObj[]): Promise<void>;
  /** A failing list/watch (e.g. 404 for an unknown kind); the watch retries by itself. */
  onError?(error: Error): void;
}

export interface WatchTarget {
  apiVersion: string;
  kind: string;
  /** Restrict to one namespace. */
  namespace?: string;
}

export interface Watcher {
  readonly target: WatchTarget;
  start(): void;
  stop(): Promise<void>;
  /** The initial list has been delivered (onSync called once). */
  hasSynced(): boolean;
  /** The current store contents. */
  list(): KObj[];
  /** Watch restarts and relists so far (metrics). */
  restarts(): number;
  /** The latest list/watch failure, if any (notFound: the kind is not served). */
  lastError(): { message: string; notFound: boolean } | undefined;
}

export type WatchFactory = (target: WatchTarget, handlers: WatchHandlers) => Watcher;

export function nameOf(o: KObj): string {
  return typeof o.metadata?.name === "string" ? o.metadata.name : "";
}

export function namespaceOf(o: KObj): string {
  return typeof o.metadata?.namespace === "string" ? o.metadata.namespace : "";
}
