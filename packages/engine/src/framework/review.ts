import { fail } from "./errors.ts";
import type { Inventory } from "./inventory.ts";
import type { Matchable } from "./match.ts";
import { type GVK, get, gvkOf, isObj, type Obj, str } from "./objects.ts";

export type Source = "Original" | "Generated" | "All";

export interface ReviewOptions {
  /** obj is an AdmissionRequest (object/oldObject/operation/userInfo...) instead of a plain object. */
  admissionRequest?: boolean;
  /** The Namespace object for namespaced reviews; looked up in the inventory when omitted. */
  namespace?: unknown;
  source?: Source;
  /** Absolute time (Date.now() ms) after which Rego evaluation is abandoned (eval_cancel_error). */
  deadline?: number;
}

/** One thing under review: the Rego `input.review`, plus what matching and CEL need. */
export interface Review extends Matchable {
  operation: string;
  /** input.review: the AdmissionRequest fields plus namespaceObject. */
  request: Obj;
  /** Per-review caches drivers may fill (e.g. converted CEL values). */
  cache: Map<string, unknown>;
  deadline?: number;
}

function gvkFromRequest(kind: unknown): GVK {
  return { group: str(get(kind, "group")), version: str(get(kind, "version")), kind: str(get(kind, "kind")) };
}

export function buildReview(obj: unknown, opts: ReviewOptions, inventory: Inventory): Review {
  if (!isObj(obj)) fail("invalid_review", "object under review must be an object");
  // Field set and defaults as gator presents them to Rego (Go's AdmissionRequest JSON).
  const base: Obj = {
    uid: "",
    kind: { group: "", version: "", kind: "" },
    resource: { group: "", version: "", resource: "" },
    operation: "",
    userInfo: {},
    object: null,
    oldObject: null,
    options: null,
  };
  let request: Obj;
  if (opts.admissionRequest) {
    request = { ...base, ...obj };
    for (const k of ["uid", "operation"]) if (typeof request[k] !== "string") request[k] = "";
    if (!isObj(request.userInfo)) request.userInfo = {};
    // Gatekeeper reviews the old object on DELETE.
    if (str(request.operation) === "DELETE" && !isObj(request.object))
      request.object = request.oldObject ?? null;
    request.kind = gvkFromRequest(request.kind);
  } else {
    const gvk = gvkOf(obj);
    const name = str(get(obj, "metadata", "name"));
    const namespace = str(get(obj, "metadata", "namespace"));
    request = { ...base, kind: { group: gvk.group, version: gvk.version, kind: gvk.kind }, object: obj };
    if (name !== "") request.name = name;
    if (namespace !== "") request.namespace = namespace;
  }
  const k = request.kind as GVK;
  const gvk: GVK = { group: k.group, version: k.version, kind: k.kind };
  const primary = isObj(request.object) ? request.object : request.oldObject;
  const name = str(request.name) || str(get(primary, "metadata", "name"));
  const namespace = str(request.namespace) || str(get(primary, "metadata", "namespace"));

  // Gator looks the namespace up in the inventory: for a Namespace, its own entry.
  const isNs = gvk.group === "" && gvk.kind === "Namespace";
  let namespaceObject: unknown = opts.namespace;
  if (namespaceObject === undefined) {
    const nsName = isNs ? name : namespace;
    if (nsName !== "") namespaceObject = inventory.namespace(nsName);
  }
  request.namespaceObject = isObj(namespaceObject) ? namespaceObject : {};
  return {
    gvk,
    name,
    namespace: isNs ? "" : namespace,
    object: request.object,
    oldObject: request.oldObject,
    namespaceObject: isObj(namespaceObject) ? namespaceObject : undefined,
    namespaceSupplied: isObj(opts.namespace),
    source: opts.source ?? "Original",
    operation: str(request.operation),
    request,
    cache: new Map(),
    ...(opts.deadline !== undefined ? { deadline: opts.deadline } : {}),
  };
}
