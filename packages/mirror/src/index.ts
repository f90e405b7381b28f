/* @portcullis/mirror: an engine Client kept current from the cache (see policy-mirror.ts). */
export { type ApplyProblems, applyToClient, buildClient } from "./apply.ts";
export {
  type MirrorChange,
  type MirrorStats,
  PolicyMirror,
  type PolicyMirrorOptions,
} from "./policy-mirror.ts";
