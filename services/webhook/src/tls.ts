/*
 * The serving certificate from files, reloaded when they change on disk, so
 * cert-manager (or a Secret volume's symlink swap) rotates it without a
 * restart. Both the files and their directory are watched (a Secret update
 * replaces the ..data symlink, which a watch on the file alone misses), with
 * a slow poll as a fallback for filesystems without events.
 */
import { type FSWatcher, readFileSync, watch } from "node:fs";
import { dirname } from "node:path";
import type { SecureContextOptions } from "node:tls";

export type TlsMinVersion = "TLSv1.2" | "TLSv1.3";

export function parseTlsMinVersion(v: string | undefined): TlsMinVersion {
  const s = (v ?? "1.3").replace(/^TLSv?/i, "");
  if (s === "1.3") return "TLSv1.3";
  if (s === "1.2") return "TLSv1.2";
  throw new Error(`--tls-min-version=${v}: expected 1.2 or 1.3`);
}

export interface TlsFiles {
  certFile: string;
  keyFile: string;
  minVersion: TlsMinVersion;
}

export function readTls(f: TlsFiles): SecureContextOptions & { minVersion: TlsMinVersion } {
  return { cert: readFileSync(f.certFile), key: readFileSync(f.keyFile), minVersion: f.minVersion };
}

export interface CertWatcher {
  close(): void;
}

/**
 * Calls apply() with the new key pair whenever the files' content changes
 * (debounced; a half-written pair that fails to load is retried on the next event or poll).
 */
export function watchCertificate(
  f: TlsFiles,
  apply: (ctx: SecureContextOptions) => void,
  hooks: { onReload?: () => void; onError?: (e: unknown) => void; pollMs?: number } = {},
): CertWatcher {
  let last = fingerprint(f);
  let timer: NodeJS.Timeout | undefined;
  const check = (): void => {
    timer = undefined;
    const now = fingerprint(f);
    if (now === undefined || now === last) return;
    try {
      const ctx = readTls(f);
      apply(ctx);
      last = now;
      hooks.onReload?.();
    } catch (e) {
      hooks.onError?.(e);
    }
  };
  const soon = (): void => {
    if (timer === undefined) timer = setTimeout(check, 100);
  };
  const watchers: FSWatcher[] = [];
  for (const p of new Set([f.certFile, f.keyFile, dirname(f.certFile), dirname(f.keyFile)])) {
    try {
      const w = watch(p, { persistent: false }, soon);
      w.on("error", () => {});
      watchers.push(w);
    } catch {
      // The poll below still notices.
    }
  }
  const poll = setInterval(check, hooks.pollMs ?? 10_000);
  poll.unref();
  return {
    close: () => {
      for (const w of watchers) w.close();
      clearInterval(poll);
      clearTimeout(timer);
    },
  };
}

function fingerprint(f: TlsFiles): string | undefined {
  try {
    return `${readFileSync(f.certFile, "utf8")}\n${readFileSync(f.keyFile, "utf8")}`;
  } catch {
    return undefined;
  }
}
