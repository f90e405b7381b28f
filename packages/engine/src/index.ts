export * from "./framework/index.ts";
export * from "./rego/index.ts";
