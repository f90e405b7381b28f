// `variables.<name>` as cel-go evaluates it: each variable runs the first time an
// expression actually reads it (so a variable used only inside a map() over an empty
// list never runs), then is cached for the rest of the review.
// cel-es reads bindings through Map#get, so a Map subclass gives us the hook.

export class VariableError extends Error {}

export class LazyVariables extends Map<string, unknown> {
  readonly #compute: (name: string) => unknown;
  readonly #names: ReadonlySet<string>;
  readonly #errors = new Map<string, VariableError>();
  readonly #running = new Set<string>();

  /** compute returns the value or throws; names are all declared variables. */
  constructor(names: ReadonlySet<string>, compute: (name: string) => unknown) {
    super();
    this.#names = names;
    this.#compute = compute;
  }

  override get(name: string): unknown {
    if (super.has(name)) return super.get(name);
    const failed = this.#errors.get(name);
    if (failed !== undefined) throw failed;
    if (!this.#names.has(name)) return undefined;
    if (this.#running.has(name)) throw new VariableError(`variables.${name} refers to itself`);
    this.#running.add(name);
    try {
      const v = this.#compute(name);
      super.set(name, v);
      return v;
    } catch (e) {
      const err =
        e instanceof VariableError ? e : new VariableError(`variables.${name}: ${(e as Error).message}`);
      this.#errors.set(name, err);
      throw err;
    } finally {
      this.#running.delete(name);
    }
  }

  override has(name: string): boolean {
    return this.#names.has(name);
  }

  override keys(): MapIterator<string> {
    return this.#names.values();
  }
}
