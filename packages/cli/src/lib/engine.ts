/** The one place the CLI reaches into @portcullis/engine. */
import { Client, ENFORCEMENT_POINTS } from "@portcullis/engine";

export {
  type Body,
  Client,
  compile,
  compileParsed,
  decide,
  type Expr,
  FrameworkError,
  goMarshalIndent,
  goQuote,
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

/** The enforcement point the CLI's clients evaluate at (gator's). */
export const GATOR_POINT = ENFORCEMENT_POINTS.gator;

/** A framework client; the engine's own Rego driver is the default. */
export function newClient(opts: { enableCEL?: boolean; enforcementPoint?: string } = {}): Client {
  return new Client(opts);
}
