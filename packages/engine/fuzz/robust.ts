/**
 * Robustness fuzzer (issue 13): random bytes, mutated gatekeeper-library
 * modules and mutated inputs through parse → compile → eval. A crash is any
 * exception that is not a RegoError with a location, an eval_internal_error
 * (an internal JS error or stack overflow turned into one), or a hang (parse +
 * compile over HANG_MS, or evaluation past its deadline without stopping).
 *
 *   pnpm fuzz:robust [--n N] [--seed S] [--trace] [--watchdog-ms MS]
 *
 * Deterministic for a seed: input i comes from its own generator seeded by
 * (seed, i), so it can be made again. Crashing inputs go to a folder it prints.
 * Last line: `inputs=<n> crashes=<n> seed=<s>`.
 *
 * The inputs run in a worker thread; the main thread is a watchdog. A true
 * hang (an input that never returns, so no in-process timer fires) shows as no
 * progress for WATCHDOG_MS: the watchdog saves that input as a crash, stops the
 * worker and starts a new one at the next input.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { parse as parseYaml } from "yaml";
import { libraryDir } from "../../../test/harness/corpus.ts";
import { mulberry32 } from "../../../test/harness/random.ts";
import { compile, parseModule, RegoError, type Value } from "../src/index.ts";

const HANG_MS = 2000;
const EVAL_MS = 1000;
/** No progress for this long is a hang: well past what a slow but finishing input takes (HANG_MS + EVAL_MS + HANG_MS). */
const WATCHDOG_MS = arg("watchdog-ms", 15_000);
const LIBRARY = libraryDir;

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}
const N = arg("n", 1_000_000);
const SEED = arg("seed", 1);
const TRACE = process.argv.includes("--trace");
/** For the watchdog's own test: input HANG_AT never returns. */
const HANG_AT = arg("hang-at", -1);

// Re-seeded for every input (inputRandom), so input i can be made again on its own.
let rand = mulberry32(SEED);
function inputRandom(i: number): void {
  rand = mulberry32((Math.imul(SEED, 0x9e3779b1) ^ Math.imul(i + 1, 0x85ebca6b)) >>> 0);
}
const int = (n: number): number => Math.floor(rand() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];

function findTemplates(dir: string, out: string[]): string[] {
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) findTemplates(p, out);
    else if (e === "template.yaml") out.push(p);
  }
  return out;
}

function loadModules(): string[] {
  const mods: string[] = [];
  let files: string[] = [];
  try {
    files = findTemplates(LIBRARY, []).sort();
  } catch {
    console.log(`no library at ${LIBRARY}; random modules only`);
  }
  for (const f of files) {
    try {
      const doc = parseYaml(readFileSync(f, "utf8"));
      for (const t of doc?.spec?.targets ?? []) {
        if (typeof t.rego === "string") mods.push(t.rego);
        for (const l of t.libs ?? []) if (typeof l === "string") mods.push(l);
      }
    } catch {
      // not a template we can read
    }
  }
  return mods;
}

const TOKENS = [
  "[",
  "]",
  "{",
  "}",
  "(",
  ")",
  ",",
  ":",
  ";",
  "|",
  ".",
  "=",
  ":=",
  "==",
  "!=",
  "<",
  ">",
  "+",
  "-",
  "*",
  "/",
  "%",
  "&",
  " ",
  "\n",
  "\t",
  '"',
  "`",
  "x",
  "input",
  "data",
  "some",
  "every",
  "in",
  "not",
  "with",
  "as",
  "if",
  "contains",
  "else",
  "default",
  "package p",
  "import rego.v1",
  "import future.keywords",
  "_",
  "1",
  "0.5",
  "-1",
  "1e309",
  '"s"',
  "true",
  "null",
  "count(",
  "sprintf(",
  "object.get(",
  "walk(",
  "[x | x := ",
  "{k: v | ",
  "#",
  "\\",
  "\u00e9",
  "\u0000",
  '$"{x}"',
  "$`",
  "`raw`",
  "p[x]",
  "f(x) := ",
  "x.y[",
  "numbers.range(1, 100000)",
  "9999999999999999999999",
];
const DEEP = [
  "[",
  "(",
  "{",
  '{"a":',
  "[x | x := ",
  "{x | x := ",
  '{"k": x | x := ',
  "abs(",
  "-",
  "a[",
  "not ",
];

function randomBytes(): string {
  const len = int(64);
  let s = "";
  for (let i = 0; i < len; i++) s += String.fromCharCode(rand() < 0.8 ? 32 + int(95) : int(256));
  return s;
}

function randomTokens(): string {
  const len = 1 + int(40);
  let s = "package p\n";
  for (let i = 0; i < len; i++) s += pick(TOKENS);
  return s;
}

function deep(): string {
  const open = pick(DEEP);
  const d = pick([10, 100, 199, 200, 201, 999, 1000, 1001, 2000, 5000]);
  const close =
    open === "-" || open === "not "
      ? ""
      : open.includes("(")
        ? ")"
        : open.includes("[")
          ? "]"
          : open === "("
            ? ")"
            : "}";
  const head = rand() < 0.5 ? "x := " : "x if ";
  // `] + 1` closers make the parser backtrack at every level
  const tail = rand() < 0.3 && close ? pick([" + 1", " | 1", ", 2"]) : "";
  const depth = tail ? Math.min(d, 60) : d;
  return `package p\n${head}${open.repeat(depth)}1${(close + tail).repeat(depth)}\n`;
}

function mutate(src: string): string {
  let s = src;
  const k = 1 + int(4);
  for (let i = 0; i < k; i++) {
    const at = int(s.length + 1);
    switch (int(6)) {
      case 0: // delete a span
        s = s.slice(0, at) + s.slice(at + int(20));
        break;
      case 1: // insert a token
        s = s.slice(0, at) + pick(TOKENS) + s.slice(at);
        break;
      case 2: // replace a byte
        s = s.slice(0, at) + String.fromCharCode(int(128)) + s.slice(at + 1);
        break;
      case 3: {
        // duplicate a span
        const len = int(60);
        s = s.slice(0, at) + s.slice(at, at + len) + s.slice(at, at + len) + s.slice(at + len);
        break;
      }
      case 4: {
        // swap lines
        const lines = s.split("\n");
        const a = int(lines.length);
        const b = int(lines.length);
        [lines[a], lines[b]] = [lines[b], lines[a]];
        s = lines.join("\n");
        break;
      }
      default: // truncate
        s = s.slice(0, at);
    }
  }
  return s;
}

function randomValue(depth: number): Value {
  const r = int(depth > 4 ? 5 : 8);
  switch (r) {
    case 0:
      return null;
    case 1:
      return rand() < 0.5;
    case 2:
      return pick([0, -1, 1.5, 1e308, 2 ** 53 + 1, -0]);
    case 3:
      return pick(["", "a", "é", "x".repeat(int(100)), "1", "true", "kube-system", "*"]);
    case 4:
      return pick(["v1", "Pod", "containers", "name", "image", "labels"]);
    case 5:
      return Array.from({ length: int(4) }, () => randomValue(depth + 1));
    default: {
      const o: Record<string, Value> = {};
      for (let i = int(5); i > 0; i--)
        o[
          pick([
            "kind",
            "metadata",
            "spec",
            "name",
            "labels",
            "containers",
            "image",
            "parameters",
            "review",
            "object",
            "x",
          ])
        ] = randomValue(depth + 1);
      return o;
    }
  }
}

function deepValue(): Value {
  let v: Value = 1;
  const d = pick([100, 1000, 5000]);
  for (let i = 0; i < d; i++) v = rand() < 0.5 ? [v] : { a: v };
  return v;
}

type Outcome = { crash?: string };

function located(e: unknown): boolean {
  return e instanceof RegoError && e.errors.length > 0 && e.errors.every((d) => d.location !== undefined);
}

function classify(e: unknown, stage: string): Outcome {
  if (e instanceof RegoError) {
    if (e.errors.some((d) => d.code === "eval_internal_error")) return { crash: `${stage}: ${e.message}` };
    if (stage !== "eval" && !located(e)) return { crash: `${stage}: unlocated ${e.message}` };
    return {};
  }
  const err = e as Error;
  return { crash: `${stage}: ${err?.name ?? "?"}: ${err?.message ?? String(e)}\n${err?.stack ?? ""}` };
}

const QUERIES = ["data.p", "data.p.x", "data.p.violation", "data"];

function runOne(src: string, input: Value | undefined): Outcome {
  const t0 = performance.now();
  let stage = "parse";
  try {
    const mod = parseModule(src, "fuzz.rego", { regoVersion: rand() < 0.8 ? 1 : 0 });
    stage = "compile";
    const policy = compile([{ file: "fuzz.rego", source: src, regoVersion: mod.regoVersion }]);
    const ms = performance.now() - t0;
    if (ms > HANG_MS) return { crash: `hang: parse+compile took ${ms.toFixed(0)} ms` };
    stage = "eval";
    const pkg = mod.package.join(".");
    const q = policy.prepare(pick(QUERIES).replace("data.p", pkg ? `data.${pkg}` : "data"));
    const e0 = performance.now();
    let evalErr: unknown;
    try {
      q.eval({ input, deadline: Date.now() + EVAL_MS, maxSteps: 200_000 });
    } catch (e) {
      evalErr = e;
    }
    const ems = performance.now() - e0;
    if (ems > EVAL_MS + HANG_MS)
      return { crash: `hang: eval ran ${ems.toFixed(0)} ms past a ${EVAL_MS} ms deadline` };
    if (evalErr !== undefined) return classify(evalErr, "eval");
    return {};
  } catch (e) {
    const ms = performance.now() - t0;
    if (stage !== "eval" && ms > HANG_MS)
      return { crash: `hang: ${stage} took ${ms.toFixed(0)} ms before failing` };
    return classify(e, stage);
  }
}

const modules = loadModules();

/** Input i of this seed: the same source and input every time it is made. */
function inputAt(i: number): { src: string; input: Value | undefined } {
  inputRandom(i);
  const r = rand();
  let src: string;
  let input: Value | undefined;
  if (r < 0.55) src = randomBytes();
  else if (r < 0.8) src = randomTokens();
  else if (r < 0.8005) src = deep();
  else if (modules.length === 0) src = randomTokens();
  else if (r < 0.95) src = mutate(pick(modules));
  else {
    src = pick(modules);
    input = rand() < 0.002 ? deepValue() : { review: randomValue(0), parameters: randomValue(0) };
  }
  return { src, input };
}

const outDir = join(tmpdir(), `portcullis-fuzz-robust-${SEED}`);

function saveCrash(i: number, src: string, input: Value | undefined, crash: string): void {
  mkdirSync(outDir, { recursive: true });
  const base = join(outDir, `crash-${i}`);
  writeFileSync(`${base}.rego`, src);
  writeFileSync(`${base}.txt`, `${crash}\n`);
  if (input !== undefined) writeFileSync(`${base}.input.json`, JSON.stringify(input));
}

/** Worker → watchdog messages. */
type Report = { crash: { i: number; text: string } } | { progress: string } | { done: number };

/** The worker: runs inputs [start, N), publishing the one it is on in `current`. */
function work(start: number, current: Int32Array): void {
  const post = (m: Report) => parentPort?.postMessage(m);
  const t0 = Date.now();
  for (let i = start; i < N; i++) {
    Atomics.store(current, 0, i);
    const { src, input } = inputAt(i);
    if (TRACE) {
      // belt and braces for a hang that takes the whole process down
      mkdirSync(outDir, { recursive: true });
      writeFileSync(join(outDir, "current.rego"), `# input ${i}\n${src}`);
    }
    if (i === HANG_AT) for (;;);
    const out = runOne(src, input);
    if (out.crash) {
      saveCrash(i, src, input, out.crash);
      post({ crash: { i, text: out.crash } });
    }
    if ((i + 1) % 50_000 === 0)
      post({ progress: `${i + 1}/${N} inputs, ${((Date.now() - t0) / 1000).toFixed(0)} s` });
  }
  post({ done: N - start });
}

/** The watchdog: runs workers until every input ran; an input without progress for WATCHDOG_MS is a hang. */
async function watch(): Promise<void> {
  console.log(`fuzz:robust seed=${SEED} n=${N} library modules=${modules.length} crashes → ${outDir}`);
  let crashes = 0;
  let inputs = 0;
  const report = (i: number, text: string): void => {
    crashes++;
    if (crashes <= 20) console.log(`crash #${crashes} at input ${i}: ${text.split("\n")[0]}`);
  };
  let start = 0;
  while (start < N) {
    // -1 until the worker starts its first input: loading it is not progress to time.
    const current = new Int32Array(new SharedArrayBuffer(4));
    Atomics.store(current, 0, -1);
    const worker = new Worker(new URL(import.meta.url), {
      workerData: { start, current },
      argv: process.argv.slice(2),
    });
    const next = await new Promise<number>((resolve, reject) => {
      let seen = -1;
      let since = Date.now();
      let finished = false;
      /** The worker stopped on input `at` (a hang or a dead worker): a crash; the next worker starts after it. */
      const lost = (at: number, text: string): void => {
        finished = true;
        clearInterval(timer);
        const { src, input } = inputAt(at);
        saveCrash(at, src, input, text);
        report(at, text);
        inputs += at - start + 1;
        void worker.terminate().then(() => resolve(at + 1));
      };
      const timer = setInterval(() => {
        const at = Atomics.load(current, 0);
        if (at !== seen) {
          seen = at;
          since = Date.now();
          return;
        }
        if (at >= 0 && Date.now() - since >= WATCHDOG_MS)
          lost(at, `hang: no progress for ${WATCHDOG_MS} ms (watchdog)`);
      }, 250);
      worker.on("exit", (code) => {
        const at = Atomics.load(current, 0);
        if (!finished && at >= 0) lost(at, `crash: the worker exited (code ${code}) during this input`);
      });
      worker.on("message", (m: Report) => {
        if ("crash" in m) report(m.crash.i, m.crash.text);
        else if ("progress" in m) console.log(`${m.progress}, ${crashes} crashes`);
        else {
          finished = true;
          clearInterval(timer);
          inputs += m.done;
          resolve(N);
        }
      });
      worker.on("error", (e) => {
        if (finished) return;
        finished = true;
        clearInterval(timer);
        reject(e);
      });
    });
    start = next;
  }
  console.log(`inputs=${inputs} crashes=${crashes} seed=${SEED}`);
}

if (isMainThread) await watch();
else work(workerData.start as number, workerData.current as Int32Array);
