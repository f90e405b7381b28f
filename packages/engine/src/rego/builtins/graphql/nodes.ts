/** Helpers over gqlparser-shaped AST nodes, shared by the parser, the validator and its extra rules. */
import type { Node } from "./parse.ts";

/** gqlparser's ast.ValueKind numbering (it shows in the JSON the builtins return). */
export const VALUE_KIND = {
  Variable: 0,
  Int: 1,
  Float: 2,
  String: 3,
  Block: 4,
  Boolean: 5,
  Null: 6,
  Enum: 7,
  List: 8,
  Object: 9,
};

export const list = (v: unknown): Node[] => (Array.isArray(v) ? (v as Node[]) : []);
export const str = (v: unknown): string => (typeof v === "string" ? v : "");

/** A type reference as GraphQL writes it: `[Int!]!`. */
export function typeString(t: Node | undefined): string {
  if (!t) return "";
  const inner = str(t.NamedType) !== "" ? str(t.NamedType) : `[${typeString(t.Elem as Node)}]`;
  return t.NonNull ? `${inner}!` : inner;
}

/** The named type inside any list/non-null wrapping. */
export function namedType(t: Node | undefined): string {
  if (!t) return "";
  return str(t.NamedType) !== "" ? str(t.NamedType) : namedType(t.Elem as Node);
}
