/**
 * Let V8 switch a RegExp to its linear-time engine after excessive
 * backtracking, as Go's RE2 never backtracks. The fallback only exists for
 * RegExps without the u and i flags, which is why regex.* and glob.match keep
 * a non-u twin for surrogate-free input. Imported for its side effect.
 */
import { setFlagsFromString } from "node:v8";

try {
  setFlagsFromString("--enable-experimental-regexp-engine-on-excessive-backtracks");
} catch {
  // not fatal: matching stays correct, only unbounded in pathological cases
}
