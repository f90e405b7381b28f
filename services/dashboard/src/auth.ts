/*
 * Optional bearer-token auth: a token is accepted when a TokenReview says
 * it is authenticated (and, with --auth-users, names one of those users).
 * Answers are cached for a minute so a page load is one review at most.
 */
import type { KubeRest } from "@portcullis/kube";

export function tokenReviewAuth(
  rest: KubeRest,
  o: { users?: string[]; ttlMs?: number } = {},
): (token: string) => Promise<boolean> {
  const cache = new Map<string, { ok: boolean; until: number }>();
  const ttl = o.ttlMs ?? 60_000;
  return async (token) => {
    const hit = cache.get(token);
    if (hit && hit.until > Date.now()) return hit.ok;
    const r = await rest.request<{ status?: { authenticated?: boolean; user?: { username?: string } } }>(
      "POST",
      "/apis/authentication.k8s.io/v1/tokenreviews",
      {
        body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenReview", spec: { token } },
        timeoutMs: 5000,
      },
    );
    const user = r.status?.user?.username ?? "";
    const ok = r.status?.authenticated === true && (!o.users?.length || o.users.includes(user));
    if (cache.size > 1000) cache.clear();
    cache.set(token, { ok, until: Date.now() + ttl });
    return ok;
  };
}
