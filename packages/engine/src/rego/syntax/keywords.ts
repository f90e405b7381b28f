/**
 * Rego's keywords: those of every version, the future keywords that v0 turns
 * on by import (always on in v1), and OPA's experimental logic operators.
 */

/** Keywords in every Rego version. */
export const BASE_KEYWORDS = new Set([
  "package",
  "import",
  "as",
  "default",
  "else",
  "not",
  "some",
  "with",
  "null",
  "true",
  "false",
]);

/** Keywords that v0 needs `future.keywords` / `rego.v1` for; always on in v1. */
export const FUTURE_KEYWORDS = ["contains", "every", "if", "in"];

/** Experimental keywords (OPA's logic operators); only enabled one by one. */
export const EXPERIMENTAL_KEYWORDS = ["and", "or", "not"];

/**
 * Every word that can be a keyword in some module. The lexer marks identifier
 * tokens spelled so, and the parser looks only those up in the keywords
 * currently enabled: one Set lookup per identifier when lexing instead of
 * several per token while parsing.
 */
export const KEYWORD_SPELLINGS: ReadonlySet<string> = new Set([
  ...BASE_KEYWORDS,
  ...FUTURE_KEYWORDS,
  ...EXPERIMENTAL_KEYWORDS,
]);
