/**
 * Operand checks shared by the encoding/json/time/crypto/net/... builtins.
 * Messages follow OPA's runtime form: "<name>: operand N must be T but got U".
 */
import {
  isObject,
  type Num,
  NumText,
  numOf,
  type RegoObject,
  RSet,
  typeName,
  type Value,
} from "../../value.ts";
import { BuiltinError } from "../builtin.ts";
import { goBytesToString } from "../go/utf8.ts";

/** OPA's operand type error; several expected types read "one of {a, b}". */
export function operandErr(name: string, pos: number, got: Value, ...expected: string[]): BuiltinError {
  const want = expected.length === 1 ? expected[0] : `one of {${expected.join(", ")}}`;
  return new BuiltinError(
    `${name}: operand ${pos} must be ${want} but got ${typeName(got)}`,
    "eval_type_error",
  );
}

export function typeErr(name: string, message: string): BuiltinError {
  return new BuiltinError(`${name}: ${message}`, "eval_type_error");
}

export function builtinErr(name: string, message: string): BuiltinError {
  return new BuiltinError(`${name}: ${message}`, "eval_builtin_error");
}

export function str(name: string, args: Value[], i: number): string {
  const v = args[i];
  if (typeof v !== "string") throw operandErr(name, i + 1, v, "string");
  return v;
}

/** A number operand as the engine's number (a NumText's nearest double or bigint). */
export function num(name: string, args: Value[], i: number): Num {
  const v = args[i];
  if (typeof v === "number" || typeof v === "bigint") return v;
  if (v instanceof NumText) return numOf(v);
  throw operandErr(name, i + 1, v, "number");
}

/** A number operand as given: a NumText keeps its text (for builtins that compute on OPA's exact value). */
export function numOrText(name: string, args: Value[], i: number): Num | NumText {
  const v = args[i];
  if (typeof v === "number" || typeof v === "bigint" || v instanceof NumText) return v;
  throw operandErr(name, i + 1, v, "number");
}

export function obj(name: string, args: Value[], i: number): RegoObject {
  const v = args[i];
  if (!isObject(v)) throw operandErr(name, i + 1, v, "object");
  return v;
}

export function arr(name: string, args: Value[], i: number): Value[] {
  const v = args[i];
  if (!Array.isArray(v)) throw operandErr(name, i + 1, v, "array");
  return v;
}

export function bool(name: string, args: Value[], i: number): boolean {
  const v = args[i];
  if (typeof v !== "boolean") throw operandErr(name, i + 1, v, "boolean");
  return v;
}

/** Members of an array or set (sets in term order), or a type error naming both. */
export function arrayOrSet(name: string, args: Value[], i: number): Value[] {
  const v = args[i];
  if (Array.isArray(v)) return v;
  if (v instanceof RSet) return v.sorted();
  throw operandErr(name, i + 1, v, "set", "array");
}

/** Go-style conversion of a byte buffer to a string: invalid UTF-8 becomes U+FFFD. */
/** Decoded bytes as OPA shows them: each byte of an invalid UTF-8 sequence is one U+FFFD. */
export function bytesToString(b: Uint8Array): string {
  return goBytesToString(b);
}

export function utf8(s: string): Buffer {
  return Buffer.from(s, "utf8");
}

/** OPA's NewOperandErr: "<name>: operand N <free text>" (an eval_type_error). */
export function operandMsg(name: string, pos: number, msg: string): BuiltinError {
  return new BuiltinError(`${name}: operand ${pos} ${msg}`, "eval_type_error");
}
