/*
 * Dedupe message ids (JetStream `Nats-Msg-Id`): the same violation published
 * twice within the stream's duplicate window is stored once. That makes
 * publish retries and re-run audit chunks (a worker dies mid-chunk and the
 * job is retried) safe. The message is hashed so ids stay short and free
 * of arbitrary text.
 */
import { createHash } from "node:crypto";

/** First 16 hex digits of the message's SHA-256: plenty to tell messages of one object apart. */
export function messageHash(message: string): string {
  return createHash("sha256").update(message).digest("hex").slice(0, 16);
}

/** `audit:<runId>:<constraintKind>/<constraintName>:<objectUid>:<hash(message)>` */
export function auditMsgId(
  runId: string,
  constraintKind: string,
  constraintName: string,
  objectUid: string,
  message: string,
): string {
  return `audit:${runId}:${constraintKind}/${constraintName}:${objectUid}:${messageHash(message)}`;
}

/** `admission:<requestUid>:<constraintKind>/<constraintName>:<hash(message)>` */
export function admissionMsgId(
  requestUid: string,
  constraintKind: string,
  constraintName: string,
  message: string,
): string {
  return `admission:${requestUid}:${constraintKind}/${constraintName}:${messageHash(message)}`;
}
