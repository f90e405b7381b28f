/**
 * A subset of Go's text/template for strings.render_template: text, {{- -}}
 * trimming, comments, field chains, variables, if/else if/else, range (with
 * else), with, pipelines and the common functions (len, index, print,
 * printf, not, and, or, eq, ne, lt, le, gt, ge). Values print like Go's %v
 * of the JSON form OPA hands over; missing keys and null print "<undefined>".
 */
import {
  compare,
  equal,
  isObject,
  NumText,
  objEntries,
  objGet,
  RSet,
  sortedEntries,
  textOf,
  type Value,
} from "../../value.ts";
import type { BuiltinError } from "../builtin.ts";
import { builtinErr } from "../support/operands.ts";
import { goSprintf } from "./fmt.ts";

type Node =
  | { k: "text"; s: string }
  | { k: "action"; pipe: Pipe }
  | { k: "if" | "with"; pipe: Pipe; yes: Node[]; else: Node[] }
  | { k: "range"; pipe: Pipe; vars: string[]; body: Node[]; else: Node[] };

interface Pipe {
  decl: string[];
  cmds: Operand[][];
}

type Operand =
  | { k: "field"; base: "dot" | string; path: string[] }
  | { k: "lit"; v: TV }
  | { k: "fn"; name: string }
  | { k: "pipe"; pipe: Pipe };

/** Template values: Rego values plus "missing". */
type TV = Value | undefined;

class TemplateError extends Error {}

// ---- lexing -------------------------------------------------------------------

interface Tok {
  text?: string;
  action?: string;
}

function lex(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  let trimNext = false;
  while (i < src.length) {
    const open = src.indexOf("{{", i);
    let text = open < 0 ? src.slice(i) : src.slice(i, open);
    if (trimNext) text = text.replace(/^[ \t\r\n]+/, "");
    if (open < 0) {
      if (text) out.push({ text });
      break;
    }
    let start = open + 2;
    if (src.startsWith("- ", start) || src.startsWith("-\t", start) || src.startsWith("-\n", start)) {
      text = text.replace(/[ \t\r\n]+$/, "");
      start += 1;
    }
    if (text) out.push({ text });
    const close = findClose(src, start);
    if (close < 0) throw new TemplateError("template: template:1: unclosed action");
    let inner = src.slice(start, close);
    trimNext = false;
    if (/[ \t\r\n]-$/.test(inner)) {
      inner = inner.slice(0, -1);
      trimNext = true;
    }
    inner = inner.trim();
    if (!(inner.startsWith("/*") && inner.endsWith("*/"))) out.push({ action: inner });
    i = close + 2;
  }
  return out;
}

function findClose(src: string, from: number): number {
  let q: string | undefined;
  for (let i = from; i < src.length; i++) {
    const c = src[i];
    if (q) {
      if (c === "\\" && q === '"') i++;
      else if (c === q) q = undefined;
    } else if (c === '"' || c === "`" || c === "'") q = c;
    else if (c === "}" && src[i + 1] === "}") return i;
  }
  return -1;
}

function tokenizeAction(s: string): string[] {
  const toks: string[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '"' || c === "`") {
      let j = i + 1;
      while (j < s.length && s[j] !== c) j += s[j] === "\\" && c === '"' ? 2 : 1;
      toks.push(s.slice(i, j + 1));
      i = j + 1;
      continue;
    }
    if (c === "(" || c === ")" || c === "|" || c === ",") {
      toks.push(c);
      i++;
      continue;
    }
    if (s.startsWith(":=", i) || (c === "=" && s[i + 1] !== "=")) {
      toks.push(c === ":" ? ":=" : "=");
      i += c === ":" ? 2 : 1;
      continue;
    }
    let j = i;
    while (j < s.length && !/[\s()|,]/.test(s[j]) && !s.startsWith(":=", j)) j++;
    toks.push(s.slice(i, j));
    i = j;
  }
  return toks;
}

// ---- parsing ------------------------------------------------------------------

function parsePipe(toks: string[]): Pipe {
  let decl: string[] = [];
  const assign = toks.indexOf(":=");
  if (assign >= 0) {
    decl = toks.slice(0, assign).filter((t) => t !== ",");
    toks = toks.slice(assign + 1);
  }
  const cmds: Operand[][] = [];
  let cur: Operand[] = [];
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i];
    if (t === "|") {
      cmds.push(cur);
      cur = [];
    } else if (t === "(") {
      let depth = 1;
      let j = i + 1;
      for (; j < toks.length && depth > 0; j++) {
        if (toks[j] === "(") depth++;
        else if (toks[j] === ")") depth--;
      }
      cur.push({ k: "pipe", pipe: parsePipe(toks.slice(i + 1, j - 1)) });
      i = j - 1;
    } else cur.push(parseOperand(t));
  }
  if (cur.length) cmds.push(cur);
  if (cmds.length === 0) throw new TemplateError("template: template:1: missing value for command");
  return { decl, cmds };
}

function parseOperand(t: string): Operand {
  if (t === ".") return { k: "field", base: "dot", path: [] };
  if (t.startsWith(".")) return { k: "field", base: "dot", path: t.slice(1).split(".") };
  if (t.startsWith("$")) {
    const [v, ...path] = t.split(".");
    return { k: "field", base: v, path };
  }
  if (t.startsWith('"')) {
    try {
      return { k: "lit", v: JSON.parse(t) as string };
    } catch {
      throw new TemplateError(`template: template:1: invalid syntax: ${t}`);
    }
  }
  if (t.startsWith("`")) return { k: "lit", v: t.slice(1, -1) };
  if (t === "true" || t === "false") return { k: "lit", v: t === "true" };
  if (t === "nil") return { k: "lit", v: null };
  if (/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(t)) return { k: "lit", v: Number(t) };
  if (FUNCS[t]) return { k: "fn", name: t };
  throw new TemplateError(`template: template:1: function "${t}" not defined`);
}

function parse(toks: Tok[]): Node[] {
  let pos = 0;
  const block = (stop: Set<string>): { nodes: Node[]; end: string } => {
    const nodes: Node[] = [];
    while (pos < toks.length) {
      const t = toks[pos++];
      if (t.text !== undefined) {
        nodes.push({ k: "text", s: t.text });
        continue;
      }
      const words = tokenizeAction(t.action ?? "");
      const kw = words[0];
      if (kw === "end" || kw === "else") {
        if (!stop.has(kw)) throw new TemplateError(`template: template:1: unexpected {{${kw}}}`);
        pos--;
        return { nodes, end: kw };
      }
      if (kw === "if" || kw === "with") {
        nodes.push(conditional(kw, words.slice(1)));
        continue;
      }
      if (kw === "range") {
        const rest = words.slice(1);
        const pipe = parsePipe(rest);
        const body = block(new Set(["end", "else"]));
        let els: Node[] = [];
        if (toks[pos++]?.action?.startsWith("else")) {
          els = block(new Set(["end"])).nodes;
          pos++;
        }
        nodes.push({
          k: "range",
          pipe: { decl: [], cmds: pipe.cmds },
          vars: pipe.decl,
          body: body.nodes,
          else: els,
        });
        continue;
      }
      nodes.push({ k: "action", pipe: parsePipe(words) });
    }
    if (stop.size) throw new TemplateError("template: template:1: unexpected EOF");
    return { nodes, end: "" };
  };
  const conditional = (kw: "if" | "with", words: string[]): Node => {
    const pipe = parsePipe(words);
    const then = block(new Set(["end", "else"]));
    const endTok = tokenizeAction(toks[pos++].action ?? "");
    let els: Node[] = [];
    if (endTok[0] === "else") {
      if (endTok[1] === "if" || endTok[1] === "with")
        els = [conditional(endTok[1] as "if" | "with", endTok.slice(2))];
      else {
        els = block(new Set(["end"])).nodes;
        pos++;
      }
    }
    return { k: kw, pipe, yes: then.nodes, else: els };
  };
  return block(new Set()).nodes;
}

// ---- execution ----------------------------------------------------------------

function truthy(v: TV): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === 0n || v === "") return false;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof RSet) return v.size > 0;
  if (isObject(v)) return [...objEntries(v)].length > 0;
  return true;
}

/** Go's %v of the JSON-converted value. */
function show(v: TV, top: boolean): string {
  if (v === undefined || v === null) return top ? "<undefined>" : "<nil>";
  if (typeof v === "string") return v;
  if (typeof v === "boolean" || typeof v === "number" || typeof v === "bigint") return String(v);
  if (v instanceof NumText) return textOf(v);
  if (Array.isArray(v)) return `[${v.map((x) => show(x, false)).join(" ")}]`;
  if (v instanceof RSet)
    return `[${v
      .sorted()
      .map((x) => show(x, false))
      .join(" ")}]`;
  return `map[${sortedEntries(v)
    .map(([k, x]) => `${show(k, false)}:${show(x, false)}`)
    .join(" ")}]`;
}

type Fn = (args: TV[]) => TV;

const cmpFn =
  (pred: (c: number) => boolean): Fn =>
  ([a, b]) =>
    pred(compare(a ?? null, b ?? null));

const FUNCS: Record<string, Fn> = {
  len: ([v]) => {
    if (typeof v === "string") return Buffer.byteLength(v);
    if (Array.isArray(v)) return v.length;
    if (v instanceof RSet) return v.size;
    if (isObject(v)) return [...objEntries(v)].length;
    throw new TemplateError("error calling len: len of type invalid");
  },
  index: ([v, ...ks]) => {
    let cur = v;
    for (const k of ks) {
      if (Array.isArray(cur) && typeof k === "number") cur = cur[k];
      else if (isObject(cur) && k !== undefined) cur = objGet(cur, k);
      else return undefined;
    }
    return cur;
  },
  print: (args) => args.map((a) => show(a, false)).join(""),
  println: (args) => `${args.map((a) => show(a, false)).join(" ")}\n`,
  printf: ([f, ...rest]) =>
    goSprintf(
      String(f),
      rest.map((x) => x ?? null),
    ),
  not: ([v]) => !truthy(v),
  and: (args) => args.find((a) => !truthy(a)) ?? args[args.length - 1],
  or: (args) => args.find((a) => truthy(a)) ?? args[args.length - 1],
  eq: ([a, ...bs]) => bs.some((b) => equal(a ?? null, b ?? null)),
  ne: ([a, b]) => !equal(a ?? null, b ?? null),
  lt: cmpFn((c) => c < 0),
  le: cmpFn((c) => c <= 0),
  gt: cmpFn((c) => c > 0),
  ge: cmpFn((c) => c >= 0),
};

class Exec {
  out = "";
  vars: Map<string, TV>[] = [];
  constructor(root: TV) {
    this.vars.push(new Map([["$", root]]));
  }
  lookup(name: string): TV {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i].has(name)) return this.vars[i].get(name);
    throw new TemplateError(`template: template:1: undefined variable "${name}"`);
  }
  operand(o: Operand, dot: TV, final: TV | undefined, hasFinal: boolean): TV {
    switch (o.k) {
      case "lit":
        return o.v;
      case "pipe":
        return this.pipe(o.pipe, dot);
      case "fn":
        return FUNCS[o.name](hasFinal ? [final] : []);
      case "field": {
        let cur = o.base === "dot" ? dot : this.lookup(o.base);
        for (const p of o.path) {
          if (cur === undefined || cur === null) return undefined;
          if (!isObject(cur))
            throw new TemplateError(`template: template:1: can't evaluate field ${p} in type ${typeof cur}`);
          cur = objGet(cur, p);
        }
        return cur;
      }
    }
  }
  pipe(p: Pipe, dot: TV): TV {
    let val: TV;
    let has = false;
    for (const cmd of p.cmds) {
      const head = cmd[0];
      if (head.k === "fn") {
        const args = cmd.slice(1).map((o) => this.operand(o, dot, undefined, false));
        if (has) args.push(val);
        val = FUNCS[head.name](args);
      } else val = this.operand(head, dot, val, has);
      has = true;
    }
    if (p.decl.length) this.vars[this.vars.length - 1].set(p.decl[0], val);
    return val;
  }
  run(nodes: Node[], dot: TV): void {
    for (const n of nodes) {
      switch (n.k) {
        case "text":
          this.out += n.s;
          break;
        case "action": {
          const v = this.pipe(n.pipe, dot);
          if (!n.pipe.decl.length) this.out += show(v, true);
          break;
        }
        case "if":
        case "with": {
          const v = this.pipe(n.pipe, dot);
          this.scoped(() => {
            if (truthy(v)) this.run(n.yes, n.k === "with" ? v : dot);
            else this.run(n.else, dot);
          });
          break;
        }
        case "range": {
          const v = this.pipe(n.pipe, dot);
          let items: [TV, TV][] = [];
          if (Array.isArray(v)) items = v.map((x, i) => [i, x]);
          else if (v instanceof RSet) items = v.sorted().map((x, i) => [i, x]);
          else if (isObject(v)) items = sortedEntries(v);
          else if (v !== undefined && v !== null)
            throw new TemplateError(`template: template:1: range can't iterate over ${show(v, false)}`);
          if (items.length === 0) {
            this.scoped(() => this.run(n.else, dot));
            break;
          }
          for (const [k, x] of items) {
            this.scoped(() => {
              const top = this.vars[this.vars.length - 1];
              if (n.vars.length === 1) top.set(n.vars[0], x);
              else if (n.vars.length === 2) {
                top.set(n.vars[0], k);
                top.set(n.vars[1], x);
              }
              this.run(n.body, x);
            });
          }
          break;
        }
      }
    }
  }
  scoped(f: () => void): void {
    this.vars.push(new Map());
    try {
      f();
    } finally {
      this.vars.pop();
    }
  }
}

export function renderTemplate(name: string, src: string, vars: Value): string {
  try {
    const nodes = parse(lex(src));
    const ex = new Exec(vars);
    ex.run(nodes, vars);
    return ex.out;
  } catch (e) {
    if (e instanceof TemplateError) throw builtinErr(name, e.message) as BuiltinError;
    throw e;
  }
}
