export * from "./corpus.ts";
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
// Building blocks `portcullis up` (packages/cli) shares with the tests.
export { createTestCa, type TestCa } from "./kube-pki.ts";
export {
  detachChildren,
  freePort,
  loopbackEnv,
  type ManagedProcess,
  startProcess,
  waitUntil,
} from "./kube-process.ts";
export type { RegisteredWebhook, ValidatingWebhookOptions } from "./kube-webhook.ts";
export { registerValidatingWebhook } from "./kube-webhook.ts";
export * from "./random.ts";
export * from "./redis-cluster.ts";
export * from "./reference-tools.ts";
export * from "./service-process.ts";
