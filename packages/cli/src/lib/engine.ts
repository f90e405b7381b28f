/** The one place the CLI reaches into @portcullis/engine. */
import { Client } from "@portcullis/engine";

export {
  type Body,
  Client,
  compile,
  compileParsed,
  type Expr,
  FrameworkError,
  type Module,
  type Policy,
  parseModule,
  parseQuery,
  RegoError,
  type RegoErrorDetail,
  type Result,
  type Term,
  toJSON,
  toJSONText,
  type Value,
} from "@portcullis/engine";

/** A framework client; the engine's own Rego driver is the default. */
export function newClient(opts: { enableCEL?: boolean; enforcementPoint?: string } = {}): Client {
  return new Client(opts);
}
