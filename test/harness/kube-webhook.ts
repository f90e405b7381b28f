import { randomBytes } from "node:crypto";
import {
  AdmissionregistrationV1Api,
  CoreV1Api,
  type KubeConfig,
  type V1LabelSelector,
  type V1RuleWithOperations,
  type V1ValidatingWebhook,
} from "@kubernetes/client-node";
import { waitUntil } from "./kube-process.ts";

export interface ValidatingWebhookOptions {
  /** Webhook name, a fully qualified name with at least three segments ("deny.portcullis.test");
   *  also used as the ValidatingWebhookConfiguration's name. */
  name: string;
  /** Where the API server sends AdmissionReviews, e.g. "https://127.0.0.1:<port>/validate". */
  url: string;
  /** PEM of the CA that signed the webhook's serving certificate (e.g. KubeEnv.ca.certPem). */
  caBundlePem: string;
  rules: V1RuleWithOperations[];
  namespaceSelector?: V1LabelSelector;
  objectSelector?: V1LabelSelector;
  /** Defaults to "Fail", like Gatekeeper's validating webhook. */
  failurePolicy?: "Fail" | "Ignore";
  timeoutSeconds?: number;
}

export interface RegisteredWebhook {
  configName: string;
  /** Deletes the ValidatingWebhookConfiguration. */
  remove(): Promise<void>;
}

const PROBE_LABEL = "portcullis.test/webhook-probe";

/**
 * Registers a ValidatingWebhookConfiguration and returns once the API server
 * is actually calling it. The API server loads webhook configurations through
 * an informer, so a request made right after the create can slip past the new
 * webhook. To know when it is live, the configuration carries a second,
 * "probe" webhook that only matches ConfigMaps carrying a one-off label and
 * points at a closed port: once a dry-run create of such a ConfigMap fails
 * calling the probe, the whole configuration (the real webhook too) is loaded.
 */
export async function registerValidatingWebhook(
  kc: KubeConfig,
  options: ValidatingWebhookOptions,
): Promise<RegisteredWebhook> {
  const caBundle = Buffer.from(options.caBundlePem).toString("base64");
  const token = randomBytes(6).toString("hex");
  const probeName = `probe-${token}.${options.name}`;
  const webhook: V1ValidatingWebhook = {
    name: options.name,
    admissionReviewVersions: ["v1"],
    sideEffects: "None",
    clientConfig: { url: options.url, caBundle },
    rules: options.rules,
    failurePolicy: options.failurePolicy ?? "Fail",
    timeoutSeconds: options.timeoutSeconds ?? 10,
    ...(options.namespaceSelector ? { namespaceSelector: options.namespaceSelector } : {}),
    ...(options.objectSelector ? { objectSelector: options.objectSelector } : {}),
  };
  const probe: V1ValidatingWebhook = {
    name: probeName,
    admissionReviewVersions: ["v1"],
    sideEffects: "None",
    // Port 1 on loopback: nothing listens, so the call fails at once.
    clientConfig: { url: "https://127.0.0.1:1/portcullis-webhook-probe", caBundle },
    rules: [{ apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE"], resources: ["configmaps"] }],
    objectSelector: { matchLabels: { [PROBE_LABEL]: token } },
    failurePolicy: "Fail",
    timeoutSeconds: 2,
  };
  const admission = kc.makeApiClient(AdmissionregistrationV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  const configName = options.name;
  await admission.createValidatingWebhookConfiguration({
    body: { metadata: { name: configName }, webhooks: [webhook, probe] },
  });

  await waitUntil(
    `ValidatingWebhookConfiguration ${configName} to be in effect`,
    async () => {
      try {
        await core.createNamespacedConfigMap({
          namespace: "default",
          dryRun: "All",
          body: { metadata: { generateName: "webhook-probe-", labels: { [PROBE_LABEL]: token } } },
        });
        return undefined; // admitted: the API server has not loaded the configuration yet
      } catch (error) {
        const text = `${String(error)} ${JSON.stringify((error as { body?: unknown }).body ?? "")}`;
        if (text.includes(probeName)) return true;
        throw error;
      }
    },
    { timeoutMs: 30_000, intervalMs: 50 },
  );

  return {
    configName,
    remove: async () => {
      await admission.deleteValidatingWebhookConfiguration({ name: configName });
    },
  };
}
