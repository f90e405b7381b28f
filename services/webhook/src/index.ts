export {
  Admitter,
  type AdmitterOptions,
  BadRequest,
  decisionOf,
  type Outcome,
  type PolicySource,
  parseReview,
} from "./admission.ts";
export { ViolationSink } from "./events.ts";
export { GatekeeperResourceValidator, type Rejection } from "./gatekeeper-resources.ts";
export { webhookMetrics } from "./metrics.ts";
export { configExclusions, IGNORE_LABEL, NamespaceGlobs } from "./namespaces.ts";
export { buildServer } from "./server.ts";
export { parseTlsMinVersion, readTls, watchCertificate } from "./tls.ts";
