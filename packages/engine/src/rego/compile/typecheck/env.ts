/**
 * The type checker's environments, after OPA's TypeEnv: a tree of the types
 * of `data` documents (rules' types, inserted as rules are checked; `with`
 * modifiers add layers over it) and, per body, the types inferred for its
 * variables, chained to the enclosing body's.
 */
import { keyOf, type Value } from "../../value.ts";
import {
  ANY,
  type DynamicProp,
  isEmptyCollection,
  objectOf,
  or,
  STR,
  type StaticProp,
  select,
  type T,
  type Type,
  typeOfValue,
  values,
} from "./types.ts";

export class TypeNode {
  value: T;
  readonly children = new Map<string, { key: Value; node: TypeNode }>();

  child(key: Value): TypeNode | undefined {
    return this.children.get(keyOf(key))?.node;
  }

  private childOrNew(key: Value): TypeNode {
    const k = keyOf(key);
    let c = this.children.get(k);
    if (!c) {
      c = { key, node: new TypeNode() };
      this.children.set(k, c);
    }
    return c.node;
  }

  get leaf(): boolean {
    return this.value !== undefined;
  }

  /** Sets the type at path, replacing what was there. */
  put(path: Value[], t: T): void {
    let n: TypeNode = this;
    for (let i = 0; i < path.length; i++) {
      const k = path[i];
      n = n.childOrNew(k);
    }
    n.value = t;
  }

  /** Adds a rule's type at path, merging with other definitions (OPA's typeTreeNode.Insert). */
  insert(path: Value[], t: Type): void {
    let n: TypeNode = this;
    for (let i = 0; i < path.length; i++) {
      const c = n.childOrNew(path[i]);
      if (c.value?.k === "object" && i + 1 < path.length)
        c.value = insertIntoObject(c.value, path.slice(i + 1), t);
      n = c;
    }
    n.value = mergeTypes(n.value, t);
    if (t.k === "object" && n.children.size > 0 && n.value?.k === "object") {
      let cv: Type = n.value;
      for (const [p, lt] of n.leaves()) if (cv.k === "object") cv = insertIntoObject(cv, p, lt);
      n.value = cv;
    }
  }

  private leaves(prefix: Value[] = [], out: [Value[], Type][] = []): [Value[], Type][] {
    for (const { key, node } of this.children.values()) {
      const p = [...prefix, key];
      if (node.value) out.push([p, node.value]);
      else node.leaves(p, out);
    }
    return out;
  }

  /** The type of the whole subtree: a leaf's type, or an object of the children's. */
  extent(): Type {
    if (this.value) return this.value;
    const stat: StaticProp[] = [];
    for (const { key, node } of this.children.values())
      if (typeof key === "string" || typeof key === "number" || typeof key === "boolean")
        stat.push({ key, value: node.extent() });
    // base documents may add any other keys
    return objectOf(stat, { key: STR, value: ANY });
  }
}

function insertIntoObject(o: Type & { k: "object" }, path: Value[], t: Type): Type & { k: "object" } {
  if (path.length === 0) return o;
  const key = typeOfValue(path[0]);
  const v: T =
    path.length === 1 ? t : insertIntoObject(objectOf([]) as Type & { k: "object" }, path.slice(1), t);
  const dyn: DynamicProp = o.dynamic
    ? { key: or(o.dynamic.key, key), value: or(o.dynamic.value, v) }
    : { key, value: v };
  return objectOf(o.static, dyn) as Type & { k: "object" };
}

/** Merges another definition's type into a rule's (OPA's mergeTypes). */
export function mergeTypes(a: T, b: T): T {
  if (!a) return b;
  if (!b) return a;
  if (a.k === "object") {
    if (b.k === "object" && a.static.length === 0 && b.static.length === 0) {
      if (!a.dynamic) return b;
      if (!b.dynamic) return a;
      return objectOf([], {
        key: or(a.dynamic.key, b.dynamic.key),
        value: mergeTypes(a.dynamic.value, b.dynamic.value),
      });
    }
    if (b.k === "any" && a.static.length === 0 && a.dynamic) {
      const i = b.of.findIndex((m) => m.k === "object" && m.static.length === 0 && m.dynamic);
      if (i >= 0) {
        // OPA widens that member in place; types here are shared, so copy
        const m = b.of[i] as Type & { k: "object" };
        const d = m.dynamic as DynamicProp;
        const widened = objectOf([], { key: or(d.key, a.dynamic.key), value: or(d.value, a.dynamic.value) });
        return { k: "any", of: b.of.map((x, j) => (j === i ? widened : x)) };
      }
    }
  } else if (a.k === "set" && b.k === "set") return { k: "set", of: or(a.of, b.of) };
  else if (a.k === "any" && b.k !== "any") return mergeTypes(b, a);
  return or(a, b);
}

/** A ref operand as the tree sees it: a constant key, or something that ranges over keys. */
export type PathElem = { const: true; v: Value; scalar: boolean } | { const: false };

/** The type at a ref's path below a type (OPA's selectRef). */
export function selectPath(t: T, path: PathElem[]): T {
  let cur = t;
  for (let i = 0; i < path.length; i++) {
    const p = path[i];
    if (!cur) return undefined;
    if (!p.const || !p.scalar) {
      if (isEmptyCollection(cur)) return ANY;
      cur = values(cur);
    } else cur = select(cur, p.v);
  }
  return cur;
}

/**
 * Looks a data path up in a stack of trees, innermost first (`with` layers,
 * then the rules' tree); a miss in one falls back to the next, and a miss in
 * the last is a base document: any.
 */
export function lookupData(trees: TypeNode[], path: PathElem[], i = 0): T {
  const root = trees[i];
  if (!root) return ANY;
  const fallback = () => lookupData(trees, path, i + 1);
  let node = root;
  for (let j = 0; j <= path.length; j++) {
    if (j === path.length) return node.extent();
    const p = path[j];
    if (node.leaf) {
      if (node.children.size > 0 && p.const) {
        const c = node.child(p.v);
        if (c) {
          node = c;
          continue;
        }
      }
      return selectPath(node.value, path.slice(j));
    }
    if (!p.const) return selectPath(node.extent(), path.slice(j));
    const c = node.child(p.v);
    if (!c) return fallback();
    node = c;
  }
  return fallback();
}

/** Variable types of one body, chained to the enclosing ones. */
export class Env {
  /** Bumped by every `put` anywhere: lets the checker reuse a comprehension's result while no var type changed. */
  static version = 0;
  private readonly vars = new Map<number, T>();
  readonly parent: Env | undefined;
  /** `with` layers over the data tree, innermost first (shared by nested bodies) */
  readonly dataLayers: TypeNode[];
  /** where inferred var types go: a `with` environment records into its enclosing body's */
  private readonly owner: Env;

  constructor(parent?: Env, dataLayers?: TypeNode[], sharesVars = false) {
    this.parent = parent;
    this.dataLayers = dataLayers ?? parent?.dataLayers ?? [];
    this.owner = sharesVars && parent ? parent.owner : this;
  }

  /** The var's type; `found` tells an untyped var from one typed nil. */
  lookup(id: number): { found: boolean; t: T } {
    for (let e: Env | undefined = this; e; e = e.parent)
      if (e.vars.has(id)) return { found: true, t: e.vars.get(id) };
    return { found: false, t: undefined };
  }

  get(id: number): T {
    return this.lookup(id).t;
  }

  put(id: number, t: T): void {
    Env.version++;
    this.owner.vars.set(id, t);
  }
}
