import { describe, expect, it } from "vitest";
import { cacheKeys } from "../src/index.ts";

describe("cacheKeys", () => {
  it("puts every key of an install under one hash tag", () => {
    const k = cacheKeys({ cluster: "prod-eu" });
    expect(k.tag).toBe("{portcullis:prod-eu}");
    expect([k.epoch, k.rev, k.collections, k.stream, k.fence, k.collection("data/v1/Pod")]).toEqual([
      "{portcullis:prod-eu}:epoch",
      "{portcullis:prod-eu}:rev",
      "{portcullis:prod-eu}:collections",
      "{portcullis:prod-eu}:stream",
      "{portcullis:prod-eu}:fence",
      "{portcullis:prod-eu}:c:data/v1/Pod",
    ]);
    expect(cacheKeys().tag).toBe("{portcullis:default}");
    expect(cacheKeys({ prefix: "pc", cluster: "x" }).rev).toBe("{pc:x}:rev");
  });

  it("rejects names that would break the hash tag", () => {
    expect(() => cacheKeys({ cluster: "a}b" })).toThrow(/must be non-empty and contain no/);
    expect(() => cacheKeys({ cluster: "" })).toThrow(/must be non-empty/);
    expect(() => cacheKeys({ prefix: "{x" })).toThrow(/prefix/);
  });
});
