export * from "./framework/index.ts";
export type { Body, Expr, Term } from "./rego/ast.ts";
export * from "./rego/index.ts";
export { parseModule, parseQuery } from "./rego/syntax/index.ts";
export { toJSON, toJSONText } from "./rego/value.ts";
