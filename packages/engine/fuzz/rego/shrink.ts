/**
 * Shrinks a disagreement: drops rule blocks, then single lines, then input
 * and data fields, keeping each cut only while both sides still fail the
 * same way (same outcome classes) and still disagree.
 */
import type { Value } from "../../src/rego/value.ts";
import type { Program } from "./gen/program.ts";

const MAX_TRIES = 600;

export async function shrink(p: Program, stillBad: (p: Program) => Promise<boolean>): Promise<Program> {
  let best = p;
  let tries = 0;
  const attempt = async (cand: Program): Promise<boolean> => {
    if (tries++ > MAX_TRIES) return false;
    if (await stillBad(cand)) {
      best = cand;
      return true;
    }
    return false;
  };
  const withModule = (q: Program, i: number, source: string): Program => ({
    ...q,
    modules: q.modules.map((m, j) => (j === i ? { ...m, source } : m)),
  });
  for (let progress = true; progress && tries <= MAX_TRIES; ) {
    progress = false;
    for (let i = 0; i < best.modules.length; i++) {
      // whole blocks (rules, separated by blank lines), from the end
      let blocks = best.modules[i].source.split("\n\n");
      for (let b = blocks.length - 1; b >= 1; b--) {
        const cand = [...blocks.slice(0, b), ...blocks.slice(b + 1)];
        if (await attempt(withModule(best, i, cand.join("\n\n")))) {
          blocks = cand;
          progress = true;
        }
      }
      // single lines
      let lines = best.modules[i].source.split("\n");
      for (let l = lines.length - 1; l >= 1; l--) {
        if (lines[l].trim() === "") continue;
        const cand = [...lines.slice(0, l), ...lines.slice(l + 1)];
        if (await attempt(withModule(best, i, cand.join("\n")))) {
          lines = cand;
          progress = true;
        }
      }
    }
    if (best.strictBuiltinErrors && (await attempt({ ...best, strictBuiltinErrors: false }))) progress = true;
    for (const which of ["input", "data"] as const) {
      const doc = best[which];
      if (doc === undefined || doc === null || typeof doc !== "object" || Array.isArray(doc)) continue;
      const inner =
        which === "data"
          ? ((doc as Record<string, Value>).d as Record<string, Value>)
          : (doc as Record<string, Value>);
      if (!inner || typeof inner !== "object" || Array.isArray(inner)) continue;
      for (const k of Object.keys(inner)) {
        const { [k]: _, ...rest } = inner;
        const next = which === "data" ? { d: rest } : rest;
        if (await attempt({ ...best, [which]: next })) progress = true;
      }
    }
  }
  return best;
}
