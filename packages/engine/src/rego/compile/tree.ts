/**
 * The rule tree: rules hung at the node of their ref's ground (string) prefix.
 * `data.a.b := 1` is a value rule at a.b; `a.b[x] := 1` a value rule at a.b
 * with key terms [x] (a partial object); `a.b contains x` a multi-value rule.
 */
import type { Location, Rule } from "../ast.ts";
import type { Value } from "../value.ts";
import type { IRBody, IRTerm } from "./ir.ts";

export interface CompiledRule {
  id: number;
  /** value: complete / partial object; multi: partial set; function */
  kind: "value" | "multi" | "function";
  node: RNode;
  /** ref terms beyond the node (partial rules) */
  keys: IRTerm[];
  /** the value (value/function rules) or the set member (multi) */
  value: IRTerm;
  args?: IRTerm[];
  body: IRBody;
  nslots: number;
  slotNames: string[];
  isDefault: boolean;
  else?: CompiledRule;
  loc: Location;
  file: string;
  ast: Rule;
  /** eval/ caches its plan here */
  plan?: unknown;
}

export interface RNode {
  path: string[];
  /** path joined by \0 (for `with data...` masks) */
  key: string;
  children: Map<string, RNode>;
  /** value rules with no keys (complete rules) */
  complete: CompiledRule[];
  defaults: CompiledRule[];
  /** rules with keys, and multi-value rules */
  partial: CompiledRule[];
  funcs: CompiledRule[];
  /** true when this node or a descendant has rules or is a package (virtual) */
  hasRules: boolean;
  /** a package path: defined (at least `{}`) even with no rules */
  isPackage?: boolean;
  /** eval/ caches per-node plans here */
  plan?: unknown;
  /** constant value for a rule set that is fully constant (fast path) */
  constValue?: Value;
}

export function newNode(path: string[]): RNode {
  return {
    path,
    key: path.join("\0"),
    children: new Map(),
    complete: [],
    defaults: [],
    partial: [],
    funcs: [],
    hasRules: false,
  };
}

export function nodeAt(root: RNode, path: string[], create: boolean): RNode | undefined {
  let n = root;
  for (let i = 0; i < path.length; i++) {
    const p = path[i];
    let c = n.children.get(p);
    if (!c) {
      if (!create) return undefined;
      c = newNode([...n.path, p]);
      n.children.set(p, c);
    }
    n = c;
  }
  return n;
}

export function ownRules(n: RNode): boolean {
  return n.complete.length > 0 || n.defaults.length > 0 || n.partial.length > 0 || n.funcs.length > 0;
}

/** Mark nodes that have rules at or below them. */
export function markRules(n: RNode): boolean {
  let has = ownRules(n) || !!n.isPackage;
  for (const c of n.children.values()) if (markRules(c)) has = true;
  n.hasRules = has;
  return has;
}
