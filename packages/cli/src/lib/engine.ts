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
  type HttpRequestSpec,
  type HttpResult,
  type LookupResult,
  type Module,
  type NetworkProvider,
  networkBuiltins,
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

/**
 * A framework client for the gator commands; the engine's own Rego driver is the default.
 * As in gator, templates may call http.send and net.lookup_ip_addr (the services' clients
 * refuse such templates; here the calls fail when evaluated, the engine doing no I/O).
 */
export function newClient(
  opts: { enableCEL?: boolean; enforcementPoint?: string; celFailurePolicy?: "Fail" | "Ignore" } = {},
): Client {
  return new Client({ ...opts, networkBuiltins: true });
}
