// Builders for framework tests: templates, constraints and objects.

export function regoTemplate(
  rego: string,
  opts: { kind?: string; name?: string; libs?: string[]; schema?: unknown } = {},
) {
  const kind = opts.kind ?? "K8sDemo";
  return {
    apiVersion: "templates.gatekeeper.sh/v1",
    kind: "ConstraintTemplate",
    metadata: { name: opts.name ?? kind.toLowerCase() },
    spec: {
      crd: { spec: { names: { kind }, validation: { openAPIV3Schema: opts.schema ?? { type: "object" } } } },
      targets: [{ target: "admission.k8s.gatekeeper.sh", rego, ...(opts.libs ? { libs: opts.libs } : {}) }],
    },
  };
}

export function celTemplate(kind: string, validations: { expression: string; message?: string }[]) {
  return {
    apiVersion: "templates.gatekeeper.sh/v1",
    kind: "ConstraintTemplate",
    metadata: { name: kind.toLowerCase() },
    spec: {
      crd: { spec: { names: { kind } } },
      targets: [
        {
          target: "admission.k8s.gatekeeper.sh",
          code: [{ engine: "K8sNativeValidation", source: { validations } }],
        },
      ],
    },
  };
}

export function constraint(name: string, spec: Record<string, unknown> = {}, kind = "K8sDemo") {
  return { apiVersion: "constraints.gatekeeper.sh/v1beta1", kind, metadata: { name }, spec };
}

export const pod = (name: string, ns = "default", labels: Record<string, string> = {}) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: ns, labels },
});

export const namespace = (name: string, labels: Record<string, string> = {}) => ({
  apiVersion: "v1",
  kind: "Namespace",
  metadata: { name, labels },
});
