export * from "./framework/index.ts";
export type { Body, Expr, Term } from "./rego/ast.ts";
// Go's output formats, for tools that print what Go tools print (the CLI's gator/opa output).
export { goMarshalIndent } from "./rego/builtins/go/json.ts";
export { goQuote } from "./rego/builtins/go/quote.ts";
export * from "./rego/index.ts";
export { parseModule, parseQuery } from "./rego/syntax/index.ts";
export { toJSON, toJSONText } from "./rego/value.ts";
