/**
 * Output conventions of the Go tools we stand in for, so that scripts that
 * parse gator/opa output keep working: Go's %q string quoting and
 * encoding/json (map keys sorted, <, >, & escaped) — both the engine's own,
 * the ones its builtins use — and time.Duration's String form.
 */
import { goMarshalIndent, goQuote, type Value } from "./engine.ts";

export { goQuote };

/**
 * encoding/json's MarshalIndent(v, "", indent) for plain JSON data. Objects are
 * treated as Go maps (keys sorted by bytes) unless listed in `fixedOrder`,
 * mirroring Go structs whose fields keep declaration order.
 */
export function goJSON(
  v: unknown,
  indent = "    ",
  fixedOrder: (o: object) => boolean = () => false,
): string {
  return goMarshalIndent((v ?? null) as Value, "", indent, fixedOrder);
}

/** time.Duration.String() for a duration in nanoseconds: "850ns", "1.234567ms", "2.5s". */
export function goDuration(ns: bigint | number): string {
  const n = typeof ns === "bigint" ? Number(ns) : ns;
  if (n === 0) return "0s";
  if (n < 1e3) return `${n}ns`;
  const trim = (s: string) => s.replace(/\.?0+$/, "");
  if (n < 1e6) return `${trim((n / 1e3).toFixed(3))}µs`;
  if (n < 1e9) return `${trim((n / 1e6).toFixed(6))}ms`;
  const h = Math.floor(n / 3.6e12);
  const m = Math.floor((n % 3.6e12) / 6e10);
  const s = `${trim(((n % 6e10) / 1e9).toFixed(9)) || "0"}s`;
  return h > 0 ? `${h}h${m}m${s}` : m > 0 ? `${m}m${s}` : s;
}
