/** graph.reachable and graph.reachable_paths over {node: array|set of neighbours}. */
import { objGet, type RegoObject, RSet, type Value } from "../value.ts";
import type { BuiltinDef } from "./builtin.ts";
import { obj, operandErr } from "./support/operands.ts";

function vertices(v: Value | undefined): Iterable<Value> {
  if (Array.isArray(v)) return v;
  if (v instanceof RSet) return v.values();
  return [];
}

function edgeCount(v: Value): number {
  return Array.isArray(v) ? v.length : v instanceof RSet ? v.size : 0;
}

function initial(name: string, v: Value): Value[] {
  if (Array.isArray(v)) return v;
  if (v instanceof RSet) return [...v.values()];
  throw operandErr(name, 2, v, "{array, set}");
}

function pathBuilder(graph: RegoObject, root: Value, path: Value[], out: RSet, reached: RSet): void {
  const edges = objGet(graph, root);
  if (edges === undefined) {
    out.add(path);
    return;
  }
  const here = [...path, root];
  if (edgeCount(edges) === 0) {
    out.add(here);
    return;
  }
  const seen = new RSet(reached.values()).add(root);
  for (const n of vertices(edges)) {
    if (seen.has(n)) out.add(here);
    else pathBuilder(graph, n, here, out, seen);
  }
}

export const builtins: BuiltinDef[] = [
  {
    name: "graph.reachable",
    arity: 2,
    impl: (a) => {
      const graph = obj("graph.reachable", a, 0);
      const queue = [...initial("graph.reachable", a[1])];
      const reached = new RSet();
      for (let i = 0; i < queue.length; i++) {
        const node = queue[i];
        const edges = objGet(graph, node);
        if (edges === undefined) continue;
        for (const n of vertices(edges)) if (!reached.has(n)) queue.push(n);
        reached.add(node);
        // Guard against unbounded re-queuing in dense cyclic graphs.
        if (queue.length > 4 * (reached.size + 1) * (reached.size + 1) + 1024) {
          const rest = queue.slice(i + 1).filter((x) => !reached.has(x));
          queue.length = i + 1;
          queue.push(...rest);
        }
      }
      return reached;
    },
  },
  {
    name: "graph.reachable_paths",
    arity: 2,
    impl: (a) => {
      const graph = obj("graph.reachable_paths", a, 0);
      const out = new RSet();
      for (const node of initial("graph.reachable_paths", a[1])) {
        const edges = objGet(graph, node);
        if (edges === undefined) continue;
        if (edgeCount(edges) >= 1) {
          for (const n of vertices(edges)) pathBuilder(graph, n, [node], out, new RSet([node]));
        } else out.add([node]);
      }
      return out;
    },
  },
];
