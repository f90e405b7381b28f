import type { BuiltinDef } from "./builtin.ts";

export const builtins: BuiltinDef[] = [];
