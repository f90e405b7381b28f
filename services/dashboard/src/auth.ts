/*
 * Optional bearer-token auth: a token is checked with a TokenReview. A
 * missing or unauthenticated token is 401; an authenticated user who is not
 * in --auth-users / --auth-groups (when either is given) is 403. Verdicts are
 * cached for a minute so a page load is one review at most; a failed review
 * (API server unreachable) is not cached.
 */
import type { KubeRest } from "@portcullis/kube";

export type AuthVerdict = { ok: true; user: string } | { ok: false; status: 401 | 403; reason: string };

export type Authenticate = (token: string) => Promise<AuthVerdict>;

interface TokenReviewStatus {
  authenticated?: boolean;
  error?: string;
  user?: { username?: string; groups?: string[] };
}

export function tokenReviewAuth(
  rest: KubeRest,
  o: { users?: string[]; groups?: string[]; ttlMs?: number } = {},
): Authenticate {
  const cache = new Map<string, { verdict: AuthVerdict; until: number }>();
  const ttl = o.ttlMs ?? 60_000;
  const users = new Set(o.users ?? []);
  const groups = new Set(o.groups ?? []);
  return async (token) => {
    const hit = cache.get(token);
    if (hit && hit.until > Date.now()) return hit.verdict;
    const r = await rest.request<{ status?: TokenReviewStatus }>(
      "POST",
      "/apis/authentication.k8s.io/v1/tokenreviews",
      {
        body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenReview", spec: { token } },
        timeoutMs: 5000,
      },
    );
    const s = r.status ?? {};
    const user = s.user?.username ?? "";
    let verdict: AuthVerdict;
    if (s.authenticated !== true) verdict = { ok: false, status: 401, reason: "the token is not valid" };
    else if (
      (users.size > 0 || groups.size > 0) &&
      !users.has(user) &&
      !(s.user?.groups ?? []).some((g) => groups.has(g))
    )
      verdict = { ok: false, status: 403, reason: `user ${JSON.stringify(user)} may not view the dashboard` };
    else verdict = { ok: true, user };
    if (cache.size > 1000) cache.clear();
    cache.set(token, { verdict, until: Date.now() + ttl });
    return verdict;
  };
}
