// Small accessors for untyped Kubernetes objects.
export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

export function get(v: unknown, ...path: string[]): unknown {
  let cur = v;
  for (const p of path) {
    if (!isObj(cur)) return undefined;
    cur = cur[p];
  }
  return cur;
}

export function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}

export interface GVK {
  group: string;
  version: string;
  kind: string;
}

export function gvkOf(obj: unknown): GVK {
  const apiVersion = str(get(obj, "apiVersion"));
  const slash = apiVersion.indexOf("/");
  return {
    group: slash < 0 ? "" : apiVersion.slice(0, slash),
    version: slash < 0 ? apiVersion : apiVersion.slice(slash + 1),
    kind: str(get(obj, "kind")),
  };
}

export function labelsOf(obj: unknown): Record<string, string> {
  const l = get(obj, "metadata", "labels");
  return isObj(l) ? (l as Record<string, string>) : {};
}
