/*
 * How objects and changes are spelled in Redis:
 *   hash field value  {"r":<rev>,"o":<object JSON>}
 *   stream entry      id <rev>-0, fields e <epoch> op put|delete c <collection> k <key> [o <object JSON>]
 */
import type { CachedObject, Change, Collection } from "./types.ts";

type KObject = Record<string, unknown>;

/** A copy of the object without metadata.managedFields (the object itself is not modified). */
export function stripManagedFields(object: KObject): KObject {
  const metadata = object.metadata;
  if (metadata === null || typeof metadata !== "object" || Array.isArray(metadata)) return object;
  if (!("managedFields" in metadata)) return object;
  const { managedFields: _dropped, ...rest } = metadata as KObject;
  return { ...object, metadata: rest };
}

/** The JSON stored for an object: what the writer compares to decide "unchanged". */
export function encodeObject(object: KObject): string {
  return JSON.stringify(stripManagedFields(object));
}

export function decodeHashValue(value: string): CachedObject {
  const parsed = JSON.parse(value) as { r: number; o: KObject };
  return { revision: parsed.r, object: parsed.o };
}

/** The object JSON inside a stored hash value, without parsing it. */
export function storedObjectJson(value: string): string | undefined {
  const at = value.indexOf(',"o":');
  return at < 0 ? undefined : value.slice(at + 5, -1);
}

/** Revision of a stream entry id `<rev>-0`. */
export function revisionOfId(id: string): number {
  const dash = id.indexOf("-");
  return Number(dash < 0 ? id : id.slice(0, dash));
}

export interface StreamEntry {
  /** The epoch the entry was written in. */
  epoch: string;
  change: Change;
}

/** Decodes one entry as XRANGE / XREAD return it: [id, [field, value, ...]]. */
export function decodeEntry(id: string, fields: string[]): StreamEntry {
  let epoch = "";
  let op = "";
  let collection: Collection = "";
  let key = "";
  let json: string | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const value = fields[i + 1];
    switch (fields[i]) {
      case "e":
        epoch = value;
        break;
      case "op":
        op = value;
        break;
      case "c":
        collection = value;
        break;
      case "k":
        key = value;
        break;
      case "o":
        json = value;
        break;
    }
  }
  const revision = revisionOfId(id);
  if (op === "put" && json !== undefined) {
    return { epoch, change: { op: "put", revision, collection, key, object: JSON.parse(json) as KObject } };
  }
  if (op === "delete") return { epoch, change: { op: "delete", revision, collection, key } };
  throw new Error(`cache stream entry ${id} is malformed (op ${JSON.stringify(op)})`);
}
