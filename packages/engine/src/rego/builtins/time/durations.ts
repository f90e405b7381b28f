/** time.ParseDuration, plus OPA's d/w/y extension, and Go's Duration.String. */

import { NS } from "./calendar.ts";
import { GoTimeError } from "./errors.ts";
import { isDigitAt, quote } from "./layouts.ts";

const UNITS: Record<string, bigint> = {
  ns: 1n,
  us: 1000n,
  µs: 1000n,
  μs: 1000n,
  ms: 1_000_000n,
  s: NS,
  m: 60n * NS,
  h: 3600n * NS,
};

const LIMIT = 1n << 63n;

/** time.ParseDuration. */
export function parseGoDuration(orig: string): bigint {
  const invalid = () => new GoTimeError(`time: invalid duration ${quote(orig)}`);
  let s = orig;
  let neg = false;
  if (s !== "" && (s[0] === "-" || s[0] === "+")) {
    neg = s[0] === "-";
    s = s.slice(1);
  }
  if (s === "0") return 0n;
  if (s === "") throw invalid();
  let d = 0n;
  while (s !== "") {
    if (!(s[0] === "." || isDigitAt(s, 0))) throw invalid();
    let i = 0;
    let v = 0n;
    while (isDigitAt(s, i)) {
      v = v * 10n + BigInt(s.charCodeAt(i) - 48);
      if (v >= LIMIT) throw invalid();
      i++;
    }
    const pre = i > 0;
    s = s.slice(i);
    let f = 0n;
    let scale = 1;
    let post = false;
    if (s[0] === ".") {
      s = s.slice(1);
      let j = 0;
      let overflow = false;
      while (isDigitAt(s, j)) {
        if (!overflow) {
          const nf = f * 10n + BigInt(s.charCodeAt(j) - 48);
          if (nf >= LIMIT) overflow = true;
          else {
            f = nf;
            scale *= 10;
          }
        }
        j++;
      }
      post = j > 0;
      s = s.slice(j);
    }
    if (!pre && !post) throw invalid();
    let u = 0;
    while (u < s.length && !(s[u] === "." || isDigitAt(s, u))) u++;
    if (u === 0) throw new GoTimeError(`time: missing unit in duration ${quote(orig)}`);
    const unitName = s.slice(0, u);
    s = s.slice(u);
    const unit = UNITS[unitName];
    if (unit === undefined)
      throw new GoTimeError(`time: unknown unit ${quote(unitName)} in duration ${quote(orig)}`);
    if (v > LIMIT / unit) throw invalid();
    v *= unit;
    if (f > 0n) {
      v += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)));
      if (v > LIMIT) throw invalid();
    }
    d += v;
    if (d > LIMIT) throw invalid();
  }
  if (neg) return -d;
  if (d > LIMIT - 1n) throw invalid();
  return d;
}

const COEFF: Record<string, number> = { d: 24, w: 7 * 24, y: 365 * 24 };

/** strconv.FormatFloat(f, 'f', -1, 64). */
function formatFloatF(f: number): string {
  if (Number.isInteger(f) && Math.abs(f) < 1e21) return BigInt(f).toString();
  const s = String(f);
  if (!/e/.test(s)) return s;
  const [m, e] = s.split("e");
  const exp = Number(e);
  const neg = m.startsWith("-");
  const digits = m.replace("-", "").replace(".", "");
  const intLen = 1 + exp;
  let out: string;
  if (intLen <= 0) out = `0.${"0".repeat(-intLen)}${digits}`;
  else if (intLen >= digits.length) out = digits + "0".repeat(intLen - digits.length);
  else out = `${digits.slice(0, intLen)}.${digits.slice(intLen)}`;
  return neg ? `-${out}` : out;
}

/** OPA's parse_duration_ns: Go durations plus d (24h), w (7d) and y (365d) units. */
export function parseExtendedDuration(s: string): bigint {
  if (s === "") throw new GoTimeError(`time: invalid duration ${quote(s)}`);
  if (!/[dwy]/.test(s)) return parseGoDuration(s);
  const m = /^([-+]?)((?:[0-9.]+(?:ms|us|µs|ns|[a-z]))+)$/.exec(s);
  if (!m) throw new GoTimeError(`time: invalid duration ${quote(s)}`);
  let rewritten = m[1];
  for (const seg of m[2].matchAll(/([0-9.]+)(ms|us|µs|ns|[a-z])/g)) {
    const coeff = COEFF[seg[2]];
    if (coeff === undefined) {
      rewritten += seg[1] + seg[2];
      continue;
    }
    if (!/^(\d+\.?\d*|\.\d+)$/.test(seg[1])) throw new GoTimeError(`time: invalid duration ${quote(s)}`);
    rewritten += `${formatFloatF(Number(seg[1]) * coeff)}h`;
  }
  try {
    return parseGoDuration(rewritten);
  } catch (e) {
    if (!(e instanceof GoTimeError)) throw e;
    const msg = e.message;
    const i = msg.lastIndexOf(" ");
    throw new GoTimeError(`${i >= 0 ? msg.slice(0, i) : msg} ${quote(s)}`);
  }
}
