import { compileParsed } from "../../rego/index.ts";
import { GATEKEEPER_DISABLED_BUILTINS } from "../../rego/network.ts";
import { toJSON, type Value } from "../../rego/value.ts";
import type { Driver } from "./driver.ts";
import { type RegoEngine, regoDriver } from "./rego.ts";

const toJSONValue = (v: unknown) => toJSON(v as Value);
// Gatekeeper's driver compiles templates without network builtins: a template
// calling http.send fails with "undefined function http.send". gator keeps them.
const gatekeeper: RegoEngine = {
  compileParsed: (modules) => compileParsed(modules, { disabledBuiltins: GATEKEEPER_DISABLED_BUILTINS }),
  toJSON: toJSONValue,
};
const full: RegoEngine = { compileParsed: (modules) => compileParsed(modules), toJSON: toJSONValue };

let custom: Driver | undefined;
const drivers = new Map<RegoEngine, Driver>();

/** Swap the Rego engine (tests, embedding); undefined restores the built-in one. */
export function setRegoEngine(e: RegoEngine | undefined): void {
  custom = e ? regoDriver(e) : undefined;
}

/** The Rego driver; `networkBuiltins` keeps http.send and net.lookup_ip_addr in the capabilities. */
export function defaultRegoDriver(opts: { networkBuiltins?: boolean } = {}): Driver {
  if (custom) return custom;
  const engine = opts.networkBuiltins ? full : gatekeeper;
  let d = drivers.get(engine);
  if (!d) drivers.set(engine, (d = regoDriver(engine)));
  return d;
}
