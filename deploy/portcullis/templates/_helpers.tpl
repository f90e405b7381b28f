{{/* Names */}}
{{- define "portcullis.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "portcullis.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Labels: include "portcullis.labels" (dict "ctx" $ "component" "sync") */}}
{{- define "portcullis.selectorLabels" -}}
app.kubernetes.io/name: {{ include "portcullis.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "portcullis.labels" -}}
{{ include "portcullis.selectorLabels" . }}
app.kubernetes.io/part-of: portcullis
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .ctx.Chart.Name .ctx.Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "portcullis.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "portcullis.webhookService" -}}
{{- printf "%s-webhook" (include "portcullis.fullname" .) -}}
{{- end -}}

{{- define "portcullis.tlsSecret" -}}
{{- printf "%s-webhook-tls" (include "portcullis.fullname" .) -}}
{{- end -}}

{{- define "portcullis.serviceAccount" -}}
{{- printf "%s-%s" (include "portcullis.fullname" .ctx) .component -}}
{{- end -}}

{{/* The namespaces the webhooks never see: the release namespace and exemptNamespaces. */}}
{{- define "portcullis.exemptNamespaces" -}}
{{- $list := list .Release.Namespace -}}
{{- range .Values.exemptNamespaces }}{{ if ne . $.Release.Namespace }}{{ $list = append $list . }}{{ end }}{{ end -}}
{{- toJson $list -}}
{{- end -}}

{{/* Redis */}}
{{- define "portcullis.redisUrl" -}}
{{- if eq .Values.redis.mode "external" -}}
{{- required "redis.external.url is required when redis.mode is external" .Values.redis.external.url -}}
{{- else -}}
{{- printf "redis://%s-redis.%s.svc:6379" (include "portcullis.fullname" .) .Release.Namespace -}}
{{- end -}}
{{- end -}}

{{- define "portcullis.redisPasswordSecret" -}}
{{- if .Values.redis.external.existingSecret -}}
{{- .Values.redis.external.existingSecret -}}
{{- else if .Values.redis.external.password -}}
{{- printf "%s-redis-auth" (include "portcullis.fullname" .) -}}
{{- end -}}
{{- end -}}

{{/* NATS */}}
{{- define "portcullis.natsUrl" -}}
{{- if eq .Values.nats.mode "external" -}}
{{- required "nats.external.url is required when nats.mode is external" .Values.nats.external.url -}}
{{- else -}}
{{- printf "nats://%s-nats.%s.svc:4222" (include "portcullis.fullname" .) .Release.Namespace -}}
{{- end -}}
{{- end -}}

{{/*
Environment shared by every service. packages/service reads flags from
PORTCULLIS_* variables; a variable a service does not know is ignored (an
unknown --flag would be fatal), so configuration goes through env.
*/}}
{{- /* include "portcullis.commonEnv" (dict "ctx" $ "passwordInUrl" false) */ -}}
{{- define "portcullis.commonEnv" -}}
{{- $c := .ctx -}}
{{- $r := $c.Values.redis.external -}}
- name: POD_NAME
  valueFrom: { fieldRef: { fieldPath: metadata.name } }
- name: POD_NAMESPACE
  valueFrom: { fieldRef: { fieldPath: metadata.namespace } }
- name: PORTCULLIS_CACHE_NAME
  value: {{ $c.Values.cacheName | quote }}
- name: PORTCULLIS_LOG_LEVEL
  value: {{ $c.Values.logLevel | quote }}
{{- $secret := include "portcullis.redisPasswordSecret" $c }}
{{- $external := eq $c.Values.redis.mode "external" }}
{{- if and $external $secret }}
- name: PORTCULLIS_REDIS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ $r.existingSecretPasswordKey | default "password" }}
{{- end }}
{{- if and $external $r.cluster }}
- name: PORTCULLIS_REDIS_CLUSTER
  value: "true"
{{- end }}
{{- if $c.Values.extraCACerts.secretName }}
# Node trusts these in addition to its public roots (Redis and NATS TLS).
- name: NODE_EXTRA_CA_CERTS
  value: /etc/portcullis/extra-ca/{{ $c.Values.extraCACerts.key }}
{{- end }}
{{- /*
audit has no --redis-password flag (yet): it gets an AUTH token inside the
URL, expanded by Kubernetes from PORTCULLIS_REDIS_PASSWORD above. The token
must then be URL-safe.
*/}}
{{- if and .passwordInUrl $external $secret (not (contains "@" $r.url)) }}
- name: PORTCULLIS_REDIS_URL
  value: {{ regexReplaceAll "^(rediss?://)" $r.url "${1}:$(PORTCULLIS_REDIS_PASSWORD)@" | quote }}
{{- else }}
- name: PORTCULLIS_REDIS_URL
  value: {{ include "portcullis.redisUrl" $c | quote }}
{{- end }}
{{- end -}}

{{/* A writable /tmp, and the extra CA bundle (private CAs of Redis/NATS TLS). */}}
{{- define "portcullis.volumes" -}}
- name: tmp
  emptyDir: { sizeLimit: 64Mi }
{{- with .Values.extraCACerts.secretName }}
- name: extra-ca
  secret: { secretName: {{ . }} }
{{- end }}
{{- end -}}

{{- define "portcullis.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
{{- if .Values.extraCACerts.secretName }}
- name: extra-ca
  mountPath: /etc/portcullis/extra-ca
  readOnly: true
{{- end }}
{{- end -}}

{{/* Probes on the ops port: include "portcullis.probes" . */}}
{{- define "portcullis.probes" -}}
startupProbe:
  httpGet: { path: /healthz, port: health }
  periodSeconds: 2
  failureThreshold: 60
livenessProbe:
  httpGet: { path: /healthz, port: health }
  periodSeconds: 10
  timeoutSeconds: 3
  failureThreshold: 3
readinessProbe:
  httpGet: { path: /readyz, port: health }
  periodSeconds: 5
  timeoutSeconds: 3
  failureThreshold: 2
{{- end -}}

{{/* Pod-spec fields shared by the Portcullis Deployments: include "portcullis.podCommon" (dict "ctx" $ "values" .Values.sync) */}}
{{- define "portcullis.podCommon" -}}
{{- with .ctx.Values.imagePullSecrets }}
imagePullSecrets: {{ toYaml . | nindent 2 }}
{{- end }}
securityContext: {{ toYaml .ctx.Values.podSecurityContext | nindent 2 }}
{{- with .values.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
{{- with .values.nodeSelector }}
nodeSelector: {{ toYaml . | nindent 2 }}
{{- end }}
{{- with .values.tolerations }}
tolerations: {{ toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* The webhook's own settings (services/webhook/src/main.ts). */}}
{{- define "portcullis.webhookEnv" -}}
- name: PORTCULLIS_HEALTH_PORT
  value: {{ .Values.webhook.healthPort | quote }}
- name: PORTCULLIS_WEBHOOK_PORT
  value: {{ .Values.webhook.port | quote }}
- name: PORTCULLIS_TLS_CERT_FILE
  value: /etc/portcullis/tls/tls.crt
- name: PORTCULLIS_TLS_KEY_FILE
  value: /etc/portcullis/tls/tls.key
- name: PORTCULLIS_REVIEW_DEADLINE
  value: {{ printf "%vms" (sub (mul (int .Values.webhook.timeoutSeconds) 1000) 200) | quote }}
# Requests by Portcullis' own service accounts are not reviewed.
- name: PORTCULLIS_SERVICE_ACCOUNT
  value: {{ printf "system:serviceaccount:%[1]s:%[2]s-sync,system:serviceaccount:%[1]s:%[2]s-status-writer,system:serviceaccount:%[1]s:%[2]s-audit" .Release.Namespace (include "portcullis.fullname" .) | quote }}
# Namespaces that may carry the admission.gatekeeper.sh/ignore label.
- name: PORTCULLIS_EXEMPT_NAMESPACES
  value: {{ include "portcullis.exemptNamespaces" . | fromJsonArray | join "," | quote }}
{{- end -}}

{{- define "portcullis.natsEnv" -}}
- name: PORTCULLIS_NATS_URL
  value: {{ include "portcullis.natsUrl" . | quote }}
# audit reads PORTCULLIS_SUBJECT_PREFIX, the webhook PORTCULLIS_EVENTS_PREFIX.
- name: PORTCULLIS_SUBJECT_PREFIX
  value: {{ .Values.nats.subjectPrefix | quote }}
- name: PORTCULLIS_EVENTS_PREFIX
  value: {{ .Values.nats.subjectPrefix | quote }}
- name: PORTCULLIS_STREAM
  value: {{ .Values.nats.stream | quote }}
- name: PORTCULLIS_EVENTS_STREAM
  value: {{ .Values.nats.stream | quote }}
{{- end -}}
