export {
  type AdmissionEventOptions,
  type AdmissionRequestLike,
  type AuditEventOptions,
  admissionEvent,
  auditEvent,
  type ResultLike,
} from "./build.ts";
export { connectNats, natsOptions } from "./connect.ts";
export { admissionMsgId, auditMsgId, messageHash } from "./ids.ts";
export { type DropReason, EventPublisher, type PublisherOptions } from "./publisher.ts";
export { DEFAULT_STREAM, ensureStream, type StreamOptions, streamConfig } from "./stream.ts";
export { DEFAULT_PREFIX, type Subjects, subjects, subjectToken } from "./subjects.ts";
export type * from "./types.ts";

/** Decodes an event payload (JSON) from a message. */
export function decodeEvent<T = import("./types.ts").ViolationEvent>(data: Uint8Array | string): T {
  return JSON.parse(typeof data === "string" ? data : new TextDecoder().decode(data)) as T;
}
