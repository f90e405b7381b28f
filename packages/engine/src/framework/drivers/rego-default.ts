import { compileParsed } from "../../rego/index.ts";
import { toJSON, type Value } from "../../rego/value.ts";
import type { Driver } from "./driver.ts";
import { type RegoEngine, regoDriver } from "./rego.ts";

const builtin: RegoEngine = {
  compileParsed: (modules) => compileParsed(modules),
  toJSON: (v) => toJSON(v as Value),
};

let driver: Driver | undefined;

/** Swap the Rego engine (tests, embedding); undefined restores the built-in one. */
export function setRegoEngine(e: RegoEngine | undefined): void {
  driver = regoDriver(e ?? builtin);
}

export function defaultRegoDriver(): Driver {
  driver ??= regoDriver(builtin);
  return driver;
}
