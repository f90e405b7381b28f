export {
  Client,
  type ClientOptions,
  type ReviewError,
  type ReviewResponse,
  type TemplateInfo,
} from "./client.ts";
export { type CompileCacheStats, compileCacheStats } from "./compile-cache.ts";
export { configExcludedNamespaces, namespaceExcluded } from "./config.ts";
export { type ParsedConstraint, parseConstraint } from "./constraint.ts";
export type { CompiledTemplate, Driver, Violation } from "./drivers/driver.ts";
export type { RegoEngine, RegoQuery } from "./drivers/rego.ts";
export { setRegoEngine } from "./drivers/rego-default.ts";
export { FrameworkError, type FrameworkErrorDetail } from "./errors.ts";
export { Inventory } from "./inventory.ts";
export {
  type CompiledMatch,
  compileMatch,
  type KindKey,
  type Matchable,
  MatchError,
  matches,
  selectorMatches,
  wildcardMatch,
} from "./match.ts";
export {
  actionsOf,
  type Decision,
  decide,
  denyMessage,
  ENFORCEMENT_POINTS,
  type Result,
} from "./results.ts";
export { buildReview, type Review, type ReviewOptions, type Source } from "./review.ts";
export { type SchemaError, validateSchema } from "./schema.ts";
export { type ParsedTemplate, parseTemplate, TARGET_NAME } from "./template.ts";
