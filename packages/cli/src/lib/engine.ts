/**
 * The one place the CLI reaches into @portcullis/engine. The root export
 * carries the Rego and framework APIs; the parser entry points and value
 * serialisers are imported from their modules until the root exports them.
 */
import { Client, compile, setRegoEngine } from "@portcullis/engine";
import { toJSON } from "../../../engine/src/rego/value.ts";

export {
  Client,
  compile,
  compileParsed,
  FrameworkError,
  type Module,
  type Policy,
  RegoError,
  type RegoErrorDetail,
  type Result,
  type Value,
} from "@portcullis/engine";
export type { Body, Expr, Term } from "../../../engine/src/rego/ast.ts";
export { parseModule, parseQuery } from "../../../engine/src/rego/syntax/index.ts";
export { toJSON, toJSONText } from "../../../engine/src/rego/value.ts";

let registered = false;

/** A framework client with the Rego driver wired to this engine. */
export function newClient(opts: { enableCEL?: boolean; enforcementPoint?: string } = {}): Client {
  if (!registered) {
    setRegoEngine({ compile, toJSON: (v) => toJSON(v as Parameters<typeof toJSON>[0]) });
    registered = true;
  }
  return new Client(opts);
}
