export { natsServer, natsUrl, redisUrl, serviceUrl } from "./env.ts";
export type { KubectlResult, KubeEnv, KubeTimings } from "./kube.ts";
export { startKube } from "./kube.ts";
export { type KubeBinaries, kubeBinaries, pinnedKubeVersion, repoRoot } from "./kube-binaries.ts";
export {
  installCrds,
  loadCrds,
  projectCrdDir,
  waitForCrdEstablished,
  waitForCrdReady,
  waitForCrdWatchable,
} from "./kube-crds.ts";
export type { CertAndKey } from "./kube-pki.ts";
export type { RegisteredWebhook, ValidatingWebhookOptions } from "./kube-webhook.ts";
export * from "./redis-cluster.ts";
export * from "./service-process.ts";
