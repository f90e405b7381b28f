export interface FrameworkErrorDetail {
  code: string;
  message: string;
  location?: string;
}

/** Rejection of a template, constraint or review, with Gatekeeper-like error codes. */
export class FrameworkError extends Error {
  errors: FrameworkErrorDetail[];
  constructor(errors: FrameworkErrorDetail[] | FrameworkErrorDetail) {
    const list = Array.isArray(errors) ? errors : [errors];
    super(
      list
        .map((e) => (e.location ? `${e.location}: ${e.code}: ${e.message}` : `${e.code}: ${e.message}`))
        .join("\n"),
    );
    this.name = "FrameworkError";
    this.errors = list;
  }
}

export function fail(code: string, message: string, location?: string): never {
  throw new FrameworkError(location === undefined ? { code, message } : { code, message, location });
}
