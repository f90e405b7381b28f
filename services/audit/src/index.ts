/* @portcullis/audit: the audit's pieces, for tests and embedding (main.ts runs them as a service). */
export * from "./events.ts";
export { discoverKinds, listPages } from "./lister.ts";
export * from "./queues.ts";
export { AuditScheduler, newRunId } from "./scheduler.ts";
export { excludedFor, namespaceExcluded } from "./scope.ts";
export { type StatusViolation, StatusWriter } from "./status-writer.ts";
export { AuditWorker } from "./worker.ts";
