/*
 * HTML helpers: every dynamic string goes through escapeHtml (via the h``
 * tagged template, which escapes interpolations unless they are Raw).
 */
export class Raw {
  readonly html: string;
  constructor(html: string) {
    this.html = html;
  }
  toString(): string {
    return this.html;
  }
}

export function escapeHtml(s: unknown): string {
  return String(s ?? "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

function part(v: unknown): string {
  if (v instanceof Raw) return v.html;
  if (Array.isArray(v)) return v.map(part).join("");
  if (v === undefined || v === null || v === false) return "";
  return escapeHtml(v);
}

/** Tagged template: interpolations are escaped; Raw values and arrays of them are not. */
export function h(strings: TemplateStringsArray, ...values: unknown[]): Raw {
  let out = strings[0] ?? "";
  for (let i = 0; i < values.length; i++) out += part(values[i]) + (strings[i + 1] ?? "");
  return new Raw(out);
}

export function page(title: string, body: Raw): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Portcullis</title><link rel="stylesheet" href="/static/app.css"></head>
<body><header><a class="brand" href="/">Portcullis</a><nav><a href="/">Overview</a><a href="/lookup">Object lookup</a></nav></header>
<main>${body.html}</main><script src="/static/app.js"></script></body></html>`;
}

const REGO_KEYWORDS =
  /^(package|import|default|not|some|every|in|if|contains|else|with|as|true|false|null|input|data)$/;
const CEL_KEYWORDS =
  /^(true|false|null|in|has|all|exists|exists_one|map|filter|size|object|variables|params)$/;

/**
 * A small highlighter for Rego and CEL: comments, strings, numbers, keywords.
 * Tokens are escaped one by one, so the markup is never built from raw source.
 */
export function highlight(src: string, lang: "rego" | "cel"): Raw {
  const re =
    /(#[^\n]*|\/\/[^\n]*)|("(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|`[^`]*`)|(\b\d+(?:\.\d+)?\b)|([A-Za-z_][A-Za-z0-9_]*)/g;
  const kw = lang === "rego" ? REGO_KEYWORDS : CEL_KEYWORDS;
  let out = "";
  let last = 0;
  for (let m = re.exec(src); m; m = re.exec(src)) {
    out += escapeHtml(src.slice(last, m.index));
    const [tok, comment, str, num, ident] = m;
    if (comment !== undefined && (lang === "rego" ? comment.startsWith("#") : comment.startsWith("//")))
      out += `<span class="c">${escapeHtml(tok)}</span>`;
    else if (comment !== undefined) out += escapeHtml(tok);
    else if (str !== undefined) out += `<span class="s">${escapeHtml(tok)}</span>`;
    else if (num !== undefined) out += `<span class="n">${escapeHtml(tok)}</span>`;
    else if (ident !== undefined && kw.test(ident)) out += `<span class="k">${escapeHtml(tok)}</span>`;
    else out += escapeHtml(tok);
    last = m.index + tok.length;
  }
  out += escapeHtml(src.slice(last));
  return new Raw(out);
}
