/**
 * The type checker's errors, worded as OPA words them: a first line
 * (`count: invalid argument(s)`, `match error`, `undefined ref: x.y`) and
 * detail lines showing what was found and what was wanted.
 */
import type { Location } from "../../ast.ts";
import type { Value } from "../../value.ts";
import type { TypeNode } from "./env.ts";
import { type CTerm, render } from "./flatten.ts";
import { sprint, type T } from "./types.ts";

export interface TypeErr {
  message: string;
  location: Location | undefined;
  details: string[];
  /** caused by an untyped operand: dropped when a ref or closure error explains it */
  nilCause?: boolean;
}

export function childKeys(n: TypeNode): Value[] {
  return [...n.children.values()].map((c) => c.key).sort((a, b) => (String(a) < String(b) ? -1 : 1));
}

export function oneOf(t: T): Value[] {
  if (t?.k === "object") return t.static.map((p) => p.key);
  if (t?.k === "any") return [...new Set(t.of.flatMap(oneOf))];
  return [];
}

/** `undefined ref` for a key the value can't have (OPA's RefErrInvalid). */
export function refInvalid(
  ref: CTerm & { c: "ref" },
  pos: number,
  have: T,
  want: T,
  choices: Value[],
): TypeErr {
  const text = render(ref);
  const pad = " ".repeat(pos === 0 ? 0 : refPrefix(ref, pos).length + 1);
  const at = pos === 0 ? ref.head : ref.path[pos - 1];
  const details = [
    text,
    `${pad}^`,
    have ? `${pad}have (type): ${sprint(have)}` : `${pad}have: ${render(at)}`,
  ];
  if (choices.length)
    details.push(`${pad}want (one of): [${choices.map((c) => render({ c: "const", v: c })).join(" ")}]`);
  else if (!want) details.push(`${pad}want (one of): []`);
  else details.push(`${pad}want (type): ${sprint(want)}`);
  return { message: `undefined ref: ${text}`, location: refLoc(ref), details };
}

/** `undefined ref` into a value that has no members (OPA's RefErrUnsupported). */
export function refUnsupported(ref: CTerm & { c: "ref" }, pos: number, have: T): TypeErr {
  const text = render(ref);
  return {
    message: `undefined ref: ${text}`,
    location: refLoc(ref),
    details: [text, "^".repeat(refPrefix(ref, pos + 1).length), `have: ${sprint(have)}`],
  };
}

function refPrefix(ref: CTerm & { c: "ref" }, n: number): string {
  return render({ ...ref, path: ref.path.slice(0, Math.max(0, n - 1)) });
}

function refLoc(ref: CTerm & { c: "ref" }): Location | undefined {
  return ref.loc.row ? ref.loc : undefined;
}
