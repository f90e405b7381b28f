/*
 * The admission decision, as Gatekeeper's validation handler makes it:
 * AdmissionReview in, AdmissionReview out (uid echoed), deny as
 * `allowed: false` + 403 + "[constraint] message" lines, warn as allowed +
 * `warnings` (code 299), dryrun allowed and only recorded. Pure apart from
 * the policy source it reads: no I/O, so it is tested without a server.
 */
import { actionsOf, type Client, decide, ENFORCEMENT_POINTS, type Result } from "@portcullis/engine";
import type { GatekeeperResourceValidator } from "./gatekeeper-resources.ts";
import { configExclusions, IGNORE_LABEL, type NamespaceGlobs } from "./namespaces.ts";
import { span } from "./tracing.ts";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === "string" ? v : "");

/** What the webhook reads its policy from (a PolicyMirror in production). */
export interface PolicySource {
  readonly client: Client;
  namespace(name: string): Obj | undefined;
  config(): Obj | undefined;
}

export const ADMISSION_API_VERSIONS = new Set(["admission.k8s.io/v1", "admission.k8s.io/v1beta1"]);

/** Input the webhook cannot act on: answered with HTTP 400 and the reason. */
export class BadRequest extends Error {}

export interface ParsedReview {
  apiVersion: string;
  request: Obj;
  uid: string;
}

export function parseReview(body: unknown): ParsedReview {
  if (!isObj(body)) throw new BadRequest("request body must be a JSON object (an AdmissionReview)");
  const apiVersion = body.apiVersion;
  if (typeof apiVersion !== "string" || !ADMISSION_API_VERSIONS.has(apiVersion))
    throw new BadRequest(
      `unsupported apiVersion ${JSON.stringify(apiVersion ?? null)}: expected admission.k8s.io/v1`,
    );
  if (body.kind !== "AdmissionReview")
    throw new BadRequest(`unsupported kind ${JSON.stringify(body.kind ?? null)}: expected AdmissionReview`);
  const request = body.request;
  if (!isObj(request)) throw new BadRequest("AdmissionReview has no request");
  if (typeof request.uid !== "string" || request.uid === "")
    throw new BadRequest("AdmissionReview request has no uid");
  if (!isObj(request.kind) || typeof request.kind.kind !== "string")
    throw new BadRequest("AdmissionReview request has no kind");
  return { apiVersion, request, uid: request.uid };
}

/** metav1.Status as Go serialises it (metadata is always present). */
export interface Status {
  metadata: Record<string, never>;
  message?: string;
  reason?: string;
  code: number;
}

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  status?: Status;
  warnings?: string[];
}

export interface AdmissionReviewOut {
  kind: "AdmissionReview";
  apiVersion: string;
  response: AdmissionResponse;
}

/** Gatekeeper's request outcome labels (admission_status). */
export type AdmissionStatus = "allow" | "deny" | "error" | "unknown";

export interface Outcome {
  /** HTTP status: 200, except 400 for bad input and 500 past the deadline (failurePolicy applies). */
  httpStatus: number;
  body: AdmissionReviewOut | { error: string };
  status: AdmissionStatus;
  dryRun: boolean;
  /** Violations to record (events, logs), with what was done about each. */
  violations?: { results: Result[]; request: Obj };
}

export function allowed(uid: string, apiVersion: string, message?: string): AdmissionReviewOut {
  const status: Status = { metadata: {}, code: 200 };
  if (message) status.message = message;
  return { kind: "AdmissionReview", apiVersion, response: { uid, allowed: true, status } };
}

export function denied(uid: string, apiVersion: string, message: string, code = 403): AdmissionReviewOut {
  const status: Status = { metadata: {}, message, code };
  if (code === 403) status.reason = "Forbidden";
  return { kind: "AdmissionReview", apiVersion, response: { uid, allowed: false, status } };
}

/** controller-runtime's admission.Errored: not allowed, the error's code and message. */
export function errored(uid: string, apiVersion: string, code: number, message: string): AdmissionReviewOut {
  return {
    kind: "AdmissionReview",
    apiVersion,
    response: { uid, allowed: false, status: { metadata: {}, message, code } },
  };
}

export interface AdmitterOptions {
  policy: PolicySource;
  /** Usernames whose requests are allowed unreviewed (Portcullis' own service accounts). */
  serviceAccounts?: string[];
  /** Namespaces allowed to carry the ignore label. */
  exempt: NamespaceGlobs;
  /** Total time budget of one review, ms. */
  deadlineMs: number;
  /** Rejects invalid ConstraintTemplates and constraints (422), as Gatekeeper's webhook. */
  resources?: GatekeeperResourceValidator;
}

const DEADLINE_CODE = "eval_cancel_error";

export class Admitter {
  readonly #o: AdmitterOptions;
  readonly #serviceAccounts: Set<string>;
  // Config exclusions, rebuilt only when the cached Config object changes.
  #configSeen: unknown = null;
  #excluded: NamespaceGlobs | undefined;

  constructor(o: AdmitterOptions) {
    this.#o = o;
    this.#serviceAccounts = new Set(o.serviceAccounts ?? []);
  }

  #configExcluded(ns: string): boolean {
    const config = this.#o.policy.config();
    if (config !== this.#configSeen) {
      this.#configSeen = config;
      this.#excluded = config === undefined ? undefined : configExclusions(config, "webhook");
    }
    return this.#excluded !== undefined && !this.#excluded.empty && this.#excluded.matches(ns);
  }

  /** /v1/admit. `startedAt` is when the request arrived: the deadline counts from it. */
  admit(body: unknown, startedAt: number = Date.now()): Outcome {
    const { apiVersion, request, uid } = span("admission.parse", {}, () => parseReview(body));
    const dryRun = request.dryRun === true;
    const out = (b: AdmissionReviewOut, status: AdmissionStatus): Outcome => ({
      httpStatus: 200,
      body: b,
      status,
      dryRun,
    });
    const user = isObj(request.userInfo) ? str(request.userInfo.username) : "";
    if (this.#serviceAccounts.has(user))
      return out(allowed(uid, apiVersion, "Portcullis does not self-manage"), "allow");

    const operation = str(request.operation);
    if (operation === "DELETE" && !isObj(request.oldObject) && !isObj(request.object))
      return out(
        denied(
          uid,
          apiVersion,
          "For admission webhooks registered for DELETE operations, please use Kubernetes v1.15.0+.",
          500,
        ),
        "error",
      );

    const rejection = this.#o.resources?.check(request);
    if (rejection !== undefined)
      return out(errored(uid, apiVersion, rejection.code, rejection.message), "error");

    const kind = request.kind as Obj;
    const isNamespace = str(kind.group) === "" && kind.kind === "Namespace";
    const obj = isObj(request.object) ? request.object : isObj(request.oldObject) ? request.oldObject : {};
    const meta = isObj(obj.metadata) ? obj.metadata : {};
    const nsName = isNamespace
      ? str(request.name) || str(meta.name)
      : str(request.namespace) || str(meta.namespace);

    let nsObject: Obj | undefined;
    const matched = span("admission.match", { "k8s.namespace.name": nsName }, () => {
      if (nsName === "") return true;
      if (this.#configExcluded(nsName)) return false;
      nsObject = isNamespace ? obj : this.#o.policy.namespace(nsName);
      // The ignore label counts only on exempt namespaces (/v1/admitlabel keeps it off the rest),
      // as the webhook configuration's namespaceSelector would skip them.
      const labels = isObj(nsObject?.metadata) ? (nsObject.metadata as Obj).labels : undefined;
      if (isObj(labels) && IGNORE_LABEL in labels && this.#o.exempt.matches(nsName)) return false;
      return true;
    });
    if (!matched)
      return out(allowed(uid, apiVersion, "Namespace is set to be ignored by Gatekeeper config"), "allow");

    const client = this.#o.policy.client;
    const deadline = startedAt + this.#o.deadlineMs;
    const { results, errors } = span(
      "admission.evaluate",
      { "k8s.resource.kind": str(kind.kind), "admission.operation": operation },
      () =>
        client.review(request, {
          admissionRequest: true,
          ...(!isNamespace && nsObject !== undefined ? { namespace: nsObject } : {}),
          deadline,
        }),
    );
    if (errors.length > 0) {
      if (errors.some((e) => e.code === DEADLINE_CODE) || Date.now() > deadline) {
        // An HTTP error, not an AdmissionReview: the API server then applies the webhook's failurePolicy.
        return {
          httpStatus: 500,
          body: { error: `review of ${uid} exceeded the ${this.#o.deadlineMs} ms deadline` },
          status: "error",
          dryRun,
          ...(results.length > 0 ? { violations: { results, request } } : {}),
        };
      }
      const message = errors.map((e) => `[${e.name}] ${e.code}: ${e.message}`).join("\n");
      return {
        ...out(errored(uid, apiVersion, 500, message), "error"),
        ...(results.length > 0 ? { violations: { results, request } } : {}),
      };
    }
    if (results.length === 0) return out(allowed(uid, apiVersion), "allow");

    const d = decide(results, ENFORCEMENT_POINTS.webhook);
    const violations = { results, request };
    if (d.deny.length > 0) {
      const b = denied(uid, apiVersion, d.deny.join("\n"));
      if (d.warn.length > 0) b.response.warnings = d.warn;
      return { ...out(b, "deny"), violations };
    }
    const b = allowed(uid, apiVersion);
    if (d.warn.length > 0) {
      b.response.warnings = d.warn;
      (b.response.status as Status).code = 299;
    }
    return { ...out(b, "allow"), violations };
  }

  /** /v1/admitlabel: only exempt namespaces may carry the ignore label. */
  admitLabel(body: unknown): Outcome {
    const { apiVersion, request, uid } = parseReview(body);
    const dryRun = request.dryRun === true;
    const out = (b: AdmissionReviewOut, status: AdmissionStatus): Outcome => ({
      httpStatus: 200,
      body: b,
      status,
      dryRun,
    });
    if (request.operation === "DELETE")
      return out(allowed(uid, apiVersion, "Delete is always allowed"), "allow");
    const kind = request.kind as Obj;
    if (str(kind.group) !== "" || kind.kind !== "Namespace")
      return out(allowed(uid, apiVersion, "Not a namespace"), "allow");
    if (!isObj(request.object))
      return out(errored(uid, apiVersion, 500, "while deserializing resource: no object"), "error");
    const meta = isObj(request.object.metadata) ? request.object.metadata : {};
    const name = str(meta.name);
    if (this.#o.exempt.matches(name))
      return out(allowed(uid, apiVersion, `Namespace ${name} is allowed to set ${IGNORE_LABEL}`), "allow");
    if (isObj(meta.labels) && IGNORE_LABEL in meta.labels)
      return out(denied(uid, apiVersion, `Only exempt namespace can have the ${IGNORE_LABEL} label`), "deny");
    return out(allowed(uid, apiVersion, `Namespace is not setting the ${IGNORE_LABEL} label`), "allow");
  }
}

/** What each result's constraint did at the webhook: its strongest action. */
export function decisionOf(r: Result): "deny" | "warn" | "dryrun" | undefined {
  const actions = actionsOf(r, ENFORCEMENT_POINTS.webhook);
  if (actions.includes("deny")) return "deny";
  if (actions.includes("warn")) return "warn";
  if (actions.includes("dryrun")) return "dryrun";
  return undefined;
}
