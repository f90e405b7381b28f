/* The state file `portcullis up` writes (and removes when it stops) for `portcullis status` and scripts. */
import { join } from "node:path";
import { repoRoot } from "@portcullis/testkit";
import type { UnitInfo } from "./supervisor.ts";

export interface UpState {
  /** The `portcullis up` process. */
  pid: number;
  kubeconfig: string;
  kubectl: string;
  redisUrl: string;
  natsUrl: string;
  /** The round-robin address the ValidatingWebhookConfiguration points at. */
  webhookPort: number | undefined;
  /** The dashboard, http://127.0.0.1:<port>/ */
  dashboardUrl: string | undefined;
  /** nats-server, when up started it. */
  natsPid: number | undefined;
  units: UnitInfo[];
}

export function defaultStateFile(): string {
  return (
    process.env.PORTCULLIS_UP_STATE ??
    join(process.env.PORTCULLIS_CACHE || join(repoRoot, ".cache"), "up", "state.json")
  );
}
