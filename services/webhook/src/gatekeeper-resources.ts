/*
 * Gatekeeper's webhook also guards its own resources: a ConstraintTemplate
 * that does not compile, or a constraint whose parameters do not fit its
 * template's schema (or whose match cannot be compiled), is rejected at
 * admission with 422 instead of being accepted and failing later in status.
 * Same checks the engine makes when loading them, run on a scratch Client so
 * the serving one is never touched.
 */
import {
  Client,
  compileMatch,
  FrameworkError,
  type ParsedTemplate,
  parseConstraint,
  parseTemplate,
} from "@portcullis/engine";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === "string" ? v : "");

export interface Rejection {
  code: number;
  message: string;
}

export class GatekeeperResourceValidator {
  readonly #enableCEL: boolean;
  readonly #templates: () => Obj[];
  // Parsed templates by object identity: the cache hands out the same object until it changes.
  #parsed = new WeakMap<Obj, ParsedTemplate | null>();

  constructor(o: { enableCEL: boolean; templates: () => Obj[] }) {
    this.#enableCEL = o.enableCEL;
    this.#templates = o.templates;
  }

  /** undefined when the request is not about a Gatekeeper resource, or it is valid. */
  check(request: Obj): Rejection | undefined {
    const kind = isObj(request.kind) ? request.kind : {};
    const group = str(kind.group);
    if (group !== "templates.gatekeeper.sh" && group !== "constraints.gatekeeper.sh") return undefined;
    if (request.operation === "DELETE") return undefined;
    const obj = request.object;
    if (!isObj(obj)) return undefined;
    const name = str(request.name) || str(isObj(obj.metadata) ? obj.metadata.name : undefined);
    if (name.length > 63)
      return {
        code: 500,
        message: `resource cannot have metadata.name larger than 63 char; length: ${name.length}`,
      };
    try {
      if (group === "templates.gatekeeper.sh") {
        if (kind.kind !== "ConstraintTemplate") return undefined;
        new Client({ enableCEL: this.#enableCEL }).addTemplate(obj);
        return undefined;
      }
      const template = this.#templateFor(str(kind.kind));
      // No template: the API server would not serve the constraint kind at all.
      if (template === undefined) return undefined;
      const parsed = parseConstraint(obj, template.schema);
      compileMatch(parsed.match);
      return undefined;
    } catch (e) {
      return {
        code: 422,
        message: e instanceof FrameworkError || e instanceof Error ? e.message : String(e),
      };
    }
  }

  #templateFor(kind: string): ParsedTemplate | undefined {
    for (const t of this.#templates()) {
      let p = this.#parsed.get(t);
      if (p === undefined) {
        try {
          p = parseTemplate(t);
        } catch {
          p = null;
        }
        this.#parsed.set(t, p);
      }
      if (p?.kind === kind) return p;
    }
    return undefined;
  }
}
