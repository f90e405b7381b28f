/** JSON paths as json.filter / json.remove / json.patch take them, and the path trees they build. */
import { keyOf, RSet, typeName, type Value } from "../../value.ts";
import { BuiltinError } from "../builtin.ts";

/** A path tree: null marks a selected leaf (everything below it). */
export type PathTree = null | Map<string, [Value, PathTree]>;

/** One path: "/a/b~1c" (leading slashes trimmed, ~1 and ~0 unescaped) or an array of segments. */
export function parsePath(name: string, p: Value): Value[] {
  if (typeof p === "string") {
    if (p === "") return [];
    return p
      .replace(/^\/+/, "")
      .split("/")
      .map((s) => s.replaceAll("~1", "/").replaceAll("~0", "~"));
  }
  if (Array.isArray(p)) return p;
  throw new BuiltinError(
    `${name}: operand 2 must be one of {set, array} containing string paths or array of path segments but got ${typeName(p)}`,
    "eval_type_error",
  );
}

/** The list operand: an array or set of paths. */
export function parsePaths(name: string, v: Value): Value[][] {
  let items: Value[];
  if (Array.isArray(v)) items = v;
  else if (v instanceof RSet) items = v.sorted();
  else
    throw new BuiltinError(
      `${name}: operand 2 must be one of {set, array} but got ${typeName(v)}`,
      "eval_type_error",
    );
  return items.map((p) => parsePath(name, p));
}

/** Merge paths into a tree; a shorter path subsumes longer ones below it. */
export function pathsToTree(paths: Value[][]): Map<string, [Value, PathTree]> {
  const root = new Map<string, [Value, PathTree]>();
  for (const path of paths) {
    if (path.length === 0) continue;
    let node = root;
    let done = false;
    for (let i = 0; i < path.length - 1; i++) {
      const k = keyOf(path[i]);
      const child = node.get(k);
      if (!child) {
        const next = new Map<string, [Value, PathTree]>();
        node.set(k, [path[i], next]);
        node = next;
        continue;
      }
      if (child[1] === null) {
        done = true;
        break;
      }
      node = child[1];
    }
    if (!done) {
      const last = path[path.length - 1];
      node.set(keyOf(last), [last, null]);
    }
  }
  return root;
}
