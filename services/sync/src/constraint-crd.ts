/*
 * The CustomResourceDefinition of the constraint kind a ConstraintTemplate
 * defines, shaped as Gatekeeper makes it, so `kubectl get constraints`,
 * printer columns and parameter validation by the API server all work.
 */
export const CONSTRAINTS_GROUP = "constraints.gatekeeper.sh";
export const CONSTRAINT_VERSIONS = ["v1beta1", "v1alpha1", "v1"] as const;
export const STORAGE_VERSION = "v1beta1";
/** Marks CRDs this controller owns (Gatekeeper uses the same label). */
export const CONSTRAINT_LABEL = "gatekeeper.sh/constraint";

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function constraintCrdName(kind: string): string {
  return `${kind.toLowerCase()}.${CONSTRAINTS_GROUP}`;
}

const stringArray = { type: "array", items: { type: "string" } };

/** spec.match as Gatekeeper declares it; label selectors are kept open. */
const matchSchema: Obj = {
  type: "object",
  properties: {
    kinds: {
      type: "array",
      items: { type: "object", properties: { apiGroups: stringArray, kinds: stringArray } },
    },
    scope: { type: "string" },
    namespaces: stringArray,
    excludedNamespaces: stringArray,
    name: { type: "string" },
    source: { type: "string" },
    labelSelector: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
    namespaceSelector: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
  },
  "x-kubernetes-preserve-unknown-fields": true,
};

const scopedActionsSchema: Obj = {
  type: "array",
  items: {
    type: "object",
    properties: {
      action: { type: "string" },
      enforcementPoints: {
        type: "array",
        items: { type: "object", properties: { name: { type: "string" } } },
      },
    },
  },
};

/**
 * The parameters schema: the template's openAPIV3Schema. A template without
 * one (or with legacySchema: true, as v1beta1 templates default to) accepts
 * any parameters, as in Gatekeeper.
 */
export function parametersSchema(template: Obj): Obj {
  const validation = (template.spec as Obj | undefined)?.crd as Obj | undefined;
  const v = (validation?.spec as Obj | undefined)?.validation as Obj | undefined;
  const schema = v?.openAPIV3Schema;
  const legacy = v?.legacySchema === true;
  if (!isObj(schema)) return { "x-kubernetes-preserve-unknown-fields": true };
  const out: Obj = structuredClone(schema);
  if (out.type === undefined) out.type = "object";
  if (legacy) out["x-kubernetes-preserve-unknown-fields"] = true;
  return out;
}

export interface ConstraintCrdInput {
  kind: string;
  template: Obj;
}

export function buildConstraintCrd({ kind, template }: ConstraintCrdInput): Obj {
  const plural = kind.toLowerCase();
  const names = (((template.spec as Obj | undefined)?.crd as Obj | undefined)?.spec as Obj | undefined)
    ?.names as Obj | undefined;
  const shortNames = Array.isArray(names?.shortNames)
    ? names.shortNames.filter((s): s is string => typeof s === "string")
    : [];
  const schema: Obj = {
    openAPIV3Schema: {
      type: "object",
      properties: {
        apiVersion: { type: "string" },
        kind: { type: "string" },
        metadata: {
          type: "object",
          // Constraint names become label values in events; keep them DNS labels.
          properties: { name: { type: "string", maxLength: 63 } },
        },
        spec: {
          type: "object",
          properties: {
            enforcementAction: { type: "string" },
            scopedEnforcementActions: scopedActionsSchema,
            match: matchSchema,
            parameters: parametersSchema(template),
          },
        },
        status: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
      },
    },
  };
  const meta = template.metadata as Obj | undefined;
  const ownerReferences =
    typeof meta?.uid === "string" && typeof meta.name === "string"
      ? [
          {
            apiVersion: String(template.apiVersion ?? "templates.gatekeeper.sh/v1"),
            kind: "ConstraintTemplate",
            name: meta.name,
            uid: meta.uid,
          },
        ]
      : undefined;
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: {
      name: constraintCrdName(kind),
      labels: { [CONSTRAINT_LABEL]: "yes", "app.kubernetes.io/managed-by": "portcullis" },
      ...(ownerReferences ? { ownerReferences } : {}),
    },
    spec: {
      group: CONSTRAINTS_GROUP,
      scope: "Cluster",
      names: {
        kind,
        listKind: `${kind}List`,
        plural,
        singular: plural,
        categories: ["constraint", "constraints"],
        ...(shortNames.length > 0 ? { shortNames } : {}),
      },
      versions: CONSTRAINT_VERSIONS.map((name) => ({
        name,
        served: true,
        storage: name === STORAGE_VERSION,
        schema,
        subresources: { status: {} },
        additionalPrinterColumns: [
          { name: "enforcement-action", type: "string", jsonPath: ".spec.enforcementAction" },
          { name: "total-violations", type: "integer", jsonPath: ".status.totalViolations" },
        ],
      })),
    },
  };
}
