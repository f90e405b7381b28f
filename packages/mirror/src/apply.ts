/*
 * How cache contents become engine state: a whole snapshot builds a fresh
 * Client; a single change is applied to a live one (one template recompiled,
 * one constraint or data object added or removed).
 */
import { type CachedObject, type Change, type Collection, parseCollection } from "@portcullis/cache";
import { Client, type ClientOptions, FrameworkError, type FrameworkErrorDetail } from "@portcullis/engine";

type Obj = Record<string, unknown>;

/** Engine-side problems with cached objects (sync accepted them; this engine did not). */
export interface ApplyProblems {
  templates: Map<string, FrameworkErrorDetail[]>;
  /** "<Kind>/<name>" -> errors. */
  constraints: Map<string, FrameworkErrorDetail[]>;
}

export function emptyProblems(): ApplyProblems {
  return { templates: new Map(), constraints: new Map() };
}

function details(e: unknown): FrameworkErrorDetail[] {
  if (e instanceof FrameworkError) return e.errors;
  return [{ code: "internal_error", message: e instanceof Error ? e.message : String(e) }];
}

export interface BuildInput {
  collections: ReadonlyMap<Collection, ReadonlyMap<string, CachedObject>>;
  clientOptions: ClientOptions;
  /** Load synced data into data.inventory. */
  data: boolean;
}

/** A Client holding everything in the snapshot: templates, then constraints, then data in one bulk load. */
export function buildClient(input: BuildInput): { client: Client; problems: ApplyProblems } {
  const client = new Client(input.clientOptions);
  const problems = emptyProblems();
  const templates = input.collections.get("templates");
  for (const name of [...(templates?.keys() ?? [])].sort()) {
    try {
      client.addTemplate(templates?.get(name)?.object);
    } catch (e) {
      problems.templates.set(name, details(e));
    }
  }
  const data: Obj[] = [];
  for (const [collection, objects] of input.collections) {
    const parsed = parseCollection(collection);
    if (parsed?.sort === "constraints") {
      for (const [name, c] of objects) addConstraint(client, problems, parsed.kind, name, c.object);
    } else if (parsed?.sort === "data" && input.data) {
      for (const o of objects.values()) data.push(o.object);
    }
  }
  if (input.data) client.replaceData(data);
  return { client, problems };
}

function addConstraint(client: Client, problems: ApplyProblems, kind: string, name: string, obj: Obj): void {
  try {
    client.addConstraint(obj);
    problems.constraints.delete(`${kind}/${name}`);
  } catch (e) {
    problems.constraints.set(`${kind}/${name}`, details(e));
  }
}

/** Applies one change to a live Client. `collections` is the snapshot with the change already applied. */
export function applyToClient(
  client: Client,
  problems: ApplyProblems,
  change: Change,
  collections: ReadonlyMap<Collection, ReadonlyMap<string, CachedObject>>,
  data: boolean,
): void {
  const parsed = parseCollection(change.collection);
  if (!parsed) return;
  switch (parsed.sort) {
    case "templates": {
      if (change.op === "delete") {
        client.removeTemplate(change.key);
        problems.templates.delete(change.key);
        return;
      }
      let kind: string;
      try {
        kind = client.addTemplate(change.object).kind;
        problems.templates.delete(change.key);
      } catch (e) {
        problems.templates.set(change.key, details(e));
        return;
      }
      // Constraints that arrived before their template compiled here get their chance now.
      for (const [name, c] of collections.get(`constraints/${kind}`) ?? []) {
        if (problems.constraints.has(`${kind}/${name}`))
          addConstraint(client, problems, kind, name, c.object);
      }
      return;
    }
    case "constraints":
      if (change.op === "delete") {
        client.removeConstraint(parsed.kind, change.key);
        problems.constraints.delete(`${parsed.kind}/${change.key}`);
      } else addConstraint(client, problems, parsed.kind, change.key, change.object);
      return;
    case "data": {
      if (!data) return;
      if (change.op === "put") {
        client.addData(change.object);
        return;
      }
      // The inventory path needs only apiVersion, kind, namespace and name, all in the collection and key.
      const slash = change.key.indexOf("/");
      const namespace = change.key.slice(0, slash);
      const name = change.key.slice(slash + 1);
      client.removeData({
        apiVersion: parsed.apiVersion,
        kind: parsed.kind,
        metadata: namespace === "" ? { name } : { name, namespace },
      });
      return;
    }
    default:
      // namespaces, configs, syncsets: read from the snapshot when needed.
      return;
  }
}
