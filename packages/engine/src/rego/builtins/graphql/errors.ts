/** A GraphQL syntax or validation error at a line and column, with gqlparser's message. */

export class GqlError extends Error {
  readonly line: number;
  readonly column: number;
  /** A validation error (reported in a gqlerror.List) rather than a parse error. */
  readonly validation: boolean;
  constructor(message: string, line: number, column: number, validation = false) {
    super(message);
    this.line = line;
    this.column = column;
    this.validation = validation;
  }
}
