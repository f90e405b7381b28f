/**
 * json.patch: RFC 6902 operations applied the way OPA's edit tree applies
 * them (sets are content-addressed, "-" appends, leading zeros rejected),
 * with OPA's error messages. Values are immutable: each edit rebuilds the
 * spine from the root to the edited container.
 */
import {
  equal,
  isObject,
  makeObject,
  objEntries,
  objGet,
  type RegoObject,
  RSet,
  typeName,
  type Value,
} from "../../value.ts";
import { BuiltinError } from "../builtin.ts";
import { goTypeName, termString } from "../support/termstring.ts";
import { parsePath } from "./paths.ts";

class PatchError extends Error {}

function fail(msg: string): never {
  throw new PatchError(msg);
}

/** OPA's toIndex: numbers must be integers; strings are "-" or decimal without leading zeros. */
function toIndex(len: number, key: Value): number {
  if (typeof key === "number") {
    if (!Number.isInteger(key)) fail("invalid number type for indexing");
    return key;
  }
  if (typeof key === "bigint") return Number(key);
  if (typeof key === "string") {
    if (key === "-") return len;
    if (!/^[+-]?\d+$/.test(key)) fail("invalid string for indexing");
    if (key !== "0" && key.startsWith("0")) fail("leading zeros are not allowed in JSON paths");
    return Number.parseInt(key, 10);
  }
  return fail("invalid type for indexing");
}

function objectWith(o: RegoObject, k: Value, v: Value | undefined): RegoObject {
  const entries: [Value, Value][] = [];
  let replaced = false;
  for (const [ek, ev] of objEntries(o)) {
    if (equal(ek, k)) {
      replaced = true;
      if (v !== undefined) entries.push([k, v]);
    } else entries.push([ek, ev]);
  }
  if (!replaced && v !== undefined) entries.push([k, v]);
  return makeObject(entries);
}

/** The child at `key`, as Unfold would find it, or an error naming the container. */
function child(node: Value, key: Value): Value {
  if (node instanceof RSet) {
    if (!node.has(key)) fail(`path ${termString(key)} does not exist in set term ${termString(node)}`);
    return key;
  }
  if (Array.isArray(node)) {
    const idx = toIndex(node.length, key);
    if (idx < 0 || idx >= node.length) fail(`path ${idx} does not exist in array term ${termString(node)}`);
    return node[idx];
  }
  if (isObject(node)) {
    const v = objGet(node, key);
    if (v === undefined) fail(`path ${termString(key)} does not exist in object term ${termString(node)}`);
    return v;
  }
  return fail(
    `expected composite type for path ${termString(key)}, found value: ${termString(node)} (type: ${goTypeName(node)})`,
  );
}

/** Replace the child at `key` (which exists) with `v`. */
function withChild(node: Value, key: Value, v: Value): Value {
  if (node instanceof RSet) {
    const out = new RSet();
    for (const m of node) out.add(equal(m, key) ? v : m);
    return out;
  }
  if (Array.isArray(node)) {
    const out = node.slice();
    out[toIndex(node.length, key)] = v;
    return out;
  }
  return objectWith(node as RegoObject, key, v);
}

function insert(node: Value, key: Value, v: Value): Value {
  if (node instanceof RSet) {
    if (!equal(key, v))
      fail(`set key ${termString(key)} does not equal value to be inserted ${termString(v)}`);
    return new RSet([...node, v]);
  }
  if (Array.isArray(node)) {
    const idx = toIndex(node.length, key);
    if (idx < 0 || idx > node.length) fail("index for array insertion out of bounds");
    return [...node.slice(0, idx), v, ...node.slice(idx)];
  }
  if (isObject(node)) return objectWith(node, key, v);
  return fail(`expected composite type, found value: ${termString(node)} (type: ${goTypeName(node)})`);
}

function remove(node: Value, key: Value): Value {
  if (node instanceof RSet) {
    if (!node.has(key)) fail(`cannot delete child key ${termString(key)} that does not exist`);
    return new RSet([...node].filter((m) => !equal(m, key)));
  }
  if (Array.isArray(node)) {
    const idx = toIndex(node.length, key);
    if (idx < 0 || idx > node.length - 1) fail("index for array delete out of bounds");
    return [...node.slice(0, idx), ...node.slice(idx + 1)];
  }
  if (isObject(node)) {
    if (objGet(node, key) === undefined)
      fail(`cannot delete child key ${termString(key)} that does not exist`);
    return objectWith(node, key, undefined);
  }
  return fail(`expected composite type, found value: ${termString(node)} (type: ${goTypeName(node)})`);
}

/** Apply `edit` to the container at path[:-1], rebuilding the way up. */
function editAt(root: Value, path: Value[], edit: (container: Value, last: Value) => Value): Value {
  const rec = (node: Value, i: number): Value => {
    if (i === path.length - 1) return edit(node, path[i]);
    const next = child(node, path[i]);
    return withChild(node, path[i], rec(next, i + 1));
  };
  return rec(root, 0);
}

function renderAt(root: Value, path: Value[]): Value {
  let node = root;
  for (const k of path) node = child(node, k);
  return node;
}

const DELETED = Symbol("deleted");
type Doc = Value | typeof DELETED;

function need(op: RegoObject, attr: string): Value {
  const v = objGet(op, attr);
  if (v === undefined) fail(`missing required attribute '${attr}'`);
  return v;
}

function liveDoc(doc: Doc, what: "insert" | "delete" | "unfold"): Value {
  if (doc !== DELETED) return doc;
  if (what === "unfold") return fail("nil value encountered where composite value was expected");
  return fail(`deleted node encountered during ${what} operation`);
}

function insertAtPath(doc: Doc, path: Value[], v: Value): Value {
  if (path.length === 0) return v;
  return editAt(liveDoc(doc, "unfold"), path, (c, k) => insert(c, k, v));
}

function deleteAtPath(doc: Doc, path: Value[]): Doc {
  if (path.length === 0) {
    liveDoc(doc, "delete");
    return DELETED;
  }
  return editAt(liveDoc(doc, "unfold"), path, (c, k) => remove(c, k));
}

/** Returns the patched document, or undefined when the root was removed. Throws BuiltinError. */
export function applyPatch(source: Value, ops: Value[]): Value | undefined {
  let doc: Doc = source;
  try {
    for (const op of ops) {
      if (!isObject(op))
        fail("must be an array of JSON-Patch objects, but at least one element is not an object");
      if (objGet(op, "path") === undefined) fail("missing required attribute 'path'");
      const opName = need(op, "op");
      if (typeof opName !== "string") fail(`attribute 'op' must be a string but found: ${typeName(opName)}`);
      const path = parsePath("json.patch", objGet(op, "path")!);
      switch (opName) {
        case "add":
          doc = insertAtPath(doc, path, need(op, "value"));
          break;
        case "remove":
          doc = deleteAtPath(doc, path);
          break;
        case "replace": {
          doc = deleteAtPath(doc, path);
          doc = insertAtPath(doc, path, need(op, "value"));
          break;
        }
        case "move": {
          const from = parsePath("json.patch", need(op, "from"));
          const chunk = renderAt(liveDoc(doc, "unfold"), from);
          doc = deleteAtPath(doc, from);
          doc = insertAtPath(doc, path, chunk);
          break;
        }
        case "copy": {
          const from = parsePath("json.patch", need(op, "from"));
          doc = insertAtPath(doc, path, renderAt(liveDoc(doc, "unfold"), from));
          break;
        }
        case "test": {
          const chunk = renderAt(liveDoc(doc, "unfold"), path);
          const want = need(op, "value");
          if (!equal(chunk, want))
            fail(
              `value from EditTree != patch value.\n\nExpected: ${termString(want)}\n\nFound: ${termString(chunk)}`,
            );
          break;
        }
        default:
          fail(`unrecognized op: '${opName}'`);
      }
    }
  } catch (e) {
    if (e instanceof PatchError) throw new BuiltinError(`json.patch: ${e.message}`, "eval_builtin_error");
    throw e;
  }
  return doc === DELETED ? undefined : doc;
}
