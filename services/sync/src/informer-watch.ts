/* The controllers' WatchFactory, backed by kube/informer.ts. */
import type { KubeConfig } from "@kubernetes/client-node";
import type { ResourceResolver } from "./kube/discovery.ts";
import { Informer, type InformerError } from "./kube/informer.ts";
import type { KObj, Watcher, WatchFactory, WatchHandlers, WatchTarget } from "./watch.ts";

export interface InformerWatchOptions {
  kubeConfig: KubeConfig;
  resolver: ResourceResolver;
  resyncPeriodMs?: number;
  /** Resources whose plural and scope are known (skips discovery, which lags new CRDs). */
  known?: (t: WatchTarget) => { plural: string; namespaced: boolean } | undefined;
  onWatchError?: (t: WatchTarget, e: InformerError) => void;
}

export class WatchError extends Error {
  readonly info: InformerError;
  constructor(info: InformerError) {
    super(`${info.phase}: ${info.message}`);
    this.name = "WatchError";
    this.info = info;
  }
}

export function informerWatchFactory(o: InformerWatchOptions): WatchFactory {
  return (target: WatchTarget, h: WatchHandlers): Watcher => {
    const known = o.known?.(target);
    const informer = new Informer<KObj>({
      kubeConfig: o.kubeConfig,
      apiVersion: target.apiVersion,
      kind: target.kind,
      ...(known ? known : {}),
      ...(target.namespace ? { namespace: target.namespace } : {}),
      resolver: o.resolver,
      ...(o.resyncPeriodMs !== undefined ? { resyncPeriodMs: o.resyncPeriodMs } : {}),
      onEvent: (e) => h.onEvent(e.type, e.object),
      onSync: (objects) => h.onSync(objects),
      onError: (e) => {
        o.onWatchError?.(target, e);
        h.onError?.(new WatchError(e));
      },
    });
    return {
      target,
      start: () => informer.start(),
      stop: () => informer.stop(),
      hasSynced: () => informer.hasSynced(),
      list: () => informer.list(),
      restarts: () => {
        const s = informer.stats();
        return s.watchRestarts + s.relists;
      },
      lastError: () => informer.lastError,
    };
  };
}
