/* @portcullis/kube: the small Kubernetes REST client the services share (CRDs, status patches, lists, events). */
export { KubeApiError, KubeRest, MERGE_PATCH, type RequestOptions, resourcePath } from "./rest.ts";
