/*
 * Admission violations out of the response path: each deny/warn/dryrun
 * result becomes an AdmissionViolationEvent enqueued on the (bounded,
 * never-blocking) publisher, and with --log-denies a log line in the shape
 * of Gatekeeper's "denied admission" log.
 */
import type { Result } from "@portcullis/engine";
import { admissionEvent, admissionMsgId, type EventPublisher, type Subjects } from "@portcullis/events";
import type { Logger } from "@portcullis/service";
import { decisionOf } from "./admission.ts";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === "string" ? v : "");

export interface ViolationSinkOptions {
  publisher?: EventPublisher;
  subjects: Subjects;
  log: Logger;
  logDenies: boolean;
  onViolation?: (decision: string) => void;
}

export class ViolationSink {
  readonly #o: ViolationSinkOptions;

  constructor(o: ViolationSinkOptions) {
    this.#o = o;
  }

  record(results: Result[], request: Obj): void {
    const now = new Date();
    const uid = str(request.uid);
    for (const r of results) {
      const decision = decisionOf(r);
      if (decision === undefined) continue;
      this.#o.onViolation?.(decision);
      if (this.#o.logDenies) this.#logDeny(r, request, decision);
      if (this.#o.publisher === undefined) continue;
      const ev = admissionEvent(r, request, { decision, timestamp: now });
      this.#o.publisher.enqueue(
        this.#o.subjects.admission(r.kind, r.name),
        ev,
        admissionMsgId(uid, r.kind, r.name, r.msg),
      );
    }
  }

  #logDeny(r: Result, request: Obj, decision: string): void {
    const kind = isObj(request.kind) ? request.kind : {};
    const obj = isObj(request.object) ? request.object : isObj(request.oldObject) ? request.oldObject : {};
    const meta = isObj(obj.metadata) ? obj.metadata : {};
    const apiVersion = str(r.constraint.apiVersion);
    const slash = apiVersion.lastIndexOf("/");
    this.#o.log.info(`denied admission: ${r.msg}`, {
      process: "admission",
      event_type: "violation",
      details: r.details,
      constraint_name: r.name,
      constraint_group: slash < 0 ? "" : apiVersion.slice(0, slash),
      constraint_api_version: slash < 0 ? apiVersion : apiVersion.slice(slash + 1),
      constraint_kind: r.kind,
      constraint_action: r.enforcementAction,
      constraint_enforcement_actions: r.scopedEnforcementActions,
      decision,
      resource_group: str(kind.group),
      resource_api_version: str(kind.version),
      resource_kind: str(kind.kind),
      resource_namespace: str(request.namespace),
      resource_name: str(request.name) || str(meta.name),
      request_username: isObj(request.userInfo) ? str(request.userInfo.username) : "",
      request_uid: str(request.uid),
    });
  }
}
