export { Backoff, type BackoffOptions, sleep } from "./backoff.ts";
export {
  apiVersionPath,
  collectionPath,
  type ResolvedResource,
  ResourceResolver,
  type ResourceResolverOptions,
  splitApiVersion,
} from "./discovery.ts";
export { getJson, isExpired, KubeApiError, type KubeStatus, type Query, streamJsonLines } from "./http.ts";
export {
  type ErrorPhase,
  type EventSource,
  Informer,
  type InformerError,
  type InformerEvent,
  type InformerOptions,
  type InformerStats,
  type KubeObject,
  objectKey,
  type SyncInfo,
} from "./informer.ts";
export { defaultIdentity, LeaderElector, type LeaderElectorOptions, type StopReason } from "./leader.ts";
