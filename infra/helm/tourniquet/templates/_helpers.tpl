{{/* Names and labels. */}}
{{- define "tourniquet.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "tourniquet.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "tourniquet.selectorLabels" -}}
app.kubernetes.io/name: {{ include "tourniquet.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "tourniquet.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "tourniquet.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "tourniquet.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "tourniquet.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "tourniquet.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/* Production mode: Kafka or PostgreSQL configured (several processes share one state). */}}
{{- define "tourniquet.production" -}}
{{- if or .Values.kafka.brokers .Values.database.existingSecret -}}true{{- end -}}
{{- end -}}

{{/*
Refuses values that would put secrets in a ConfigMap or split state between replicas. The service
itself refuses Kafka/PostgreSQL without keys (INVALID_CONFIG); failing at render time says so
before anything is deployed.
*/}}
{{- define "tourniquet.validate" -}}
{{- if hasKey .Values.config "keys" -}}
{{- fail "config.keys: key material never goes in values or a ConfigMap; set keys.existingSecret" -}}
{{- end -}}
{{- if hasKey .Values.config "databaseUrl" -}}
{{- fail "config.databaseUrl: the URL holds a password; set database.existingSecret" -}}
{{- end -}}
{{- if and (include "tourniquet.production" .) (not .Values.keys.existingSecret) -}}
{{- fail "keys.existingSecret is required with kafka.brokers or database.existingSecret (every replica must share the keys)" -}}
{{- end -}}
{{- if and (gt (int .Values.replicaCount) 1) (not (and .Values.kafka.brokers .Values.database.existingSecret)) -}}
{{- fail "replicaCount > 1 needs kafka.brokers and database.existingSecret: the embedded store and log belong to one process" -}}
{{- end -}}
{{- if and (gt (int .Values.replicaCount) 1) .Values.persistence.enabled -}}
{{- fail "replicaCount > 1 with persistence.enabled: replicas cannot share one data volume; set persistence.enabled=false (Kafka and PostgreSQL keep the state)" -}}
{{- end -}}
{{- end -}}

{{/* The environment shared by the service container and the topics init container. */}}
{{- define "tourniquet.env" -}}
- name: TOURNIQUET_CONFIG
  value: /etc/tourniquet/config.yaml
{{- if .Values.policy }}
- name: TOURNIQUET_POLICY
  value: /etc/tourniquet/policy.yaml
{{- end }}
- name: TOURNIQUET_DATA_DIR
  value: /var/lib/tourniquet/data
- name: XDG_CACHE_HOME
  value: /var/lib/tourniquet/cache
- name: TOURNIQUET_HTTP_HOST
  value: "0.0.0.0"
- name: TOURNIQUET_HTTP_PORT
  value: {{ .Values.http.port | quote }}
{{- with .Values.kafka.brokers }}
- name: KAFKA_BROKERS
  value: {{ join "," . | quote }}
{{- end }}
{{- with .Values.database.existingSecret }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: {{ $.Values.database.secretKey }}
{{- end }}
{{- if .Values.keys.existingSecret }}
{{- range $k, $env := dict "fingerprint" "TOURNIQUET_FINGERPRINT_KEY" "seal" "TOURNIQUET_SEAL_KEY" "audit" "TOURNIQUET_AUDIT_KEY" "anchor" "TOURNIQUET_ANCHOR_KEY" }}
- name: {{ $env }}
  valueFrom:
    secretKeyRef:
      name: {{ $.Values.keys.existingSecret }}
      key: {{ index $.Values.keys.secretKeys $k }}
{{- end }}
{{- end }}
{{- with .Values.adminToken.existingSecret }}
- name: TOURNIQUET_ADMIN_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: {{ $.Values.adminToken.secretKey }}
{{- end }}
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}
