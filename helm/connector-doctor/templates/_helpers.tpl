{{/* Chart name, overridable. */}}
{{- define "connector-doctor.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name: <release>-connector-doctor (or the release name when it already contains the chart name).
The portal backend reaches the API at http://<fullname>.<namespace>.svc:8080.
*/}}
{{- define "connector-doctor.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "connector-doctor.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "connector-doctor.labels" -}}
helm.sh/chart: {{ include "connector-doctor.chart" . }}
{{ include "connector-doctor.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Selector labels: stable across upgrades (a Deployment's selector is immutable). */}}
{{- define "connector-doctor.selectorLabels" -}}
app.kubernetes.io/name: {{ include "connector-doctor.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "connector-doctor.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "connector-doctor.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Name of the Secret holding api-tokens and cache-key-secret. */}}
{{- define "connector-doctor.secretName" -}}
{{- default (include "connector-doctor.fullname" .) .Values.secrets.existingSecret }}
{{- end }}

{{/* "true" when the chart must create its own Secret (values given inline). */}}
{{- define "connector-doctor.createSecret" -}}
{{- if or (not .Values.secrets.existingSecret) (and .Values.redis.url (not .Values.redis.existingSecret)) }}true{{ end }}
{{- end }}

{{/*
Seconds of a duration setting in the service's syntax (500ms, 25s, 2m, 1h; no unit = seconds),
rounded up; the schema guarantees the syntax.
*/}}
{{- define "connector-doctor.seconds" -}}
{{- $text := toString . | trim }}
{{- $number := regexFind "^[0-9]+" $text }}
{{- $unit := trimPrefix $number $text }}
{{- $n := int64 $number }}
{{- if eq $unit "ms" }}{{ div (add $n 999) 1000 }}
{{- else if eq $unit "m" }}{{ mul $n 60 }}
{{- else if eq $unit "h" }}{{ mul $n 3600 }}
{{- else }}{{ $n }}
{{- end }}
{{- end }}

{{/*
The grace period must outlast the diagnosis deadline and the drain timeout, or the kubelet kills a pod
while it still answers a diagnosis (the caller then gets a reset connection instead of a result).
*/}}
{{- define "connector-doctor.checkGracePeriod" -}}
{{- $grace := int64 .Values.terminationGracePeriodSeconds }}
{{- $deadline := include "connector-doctor.seconds" .Values.config.diagnosisDeadline | int64 }}
{{- $drain := include "connector-doctor.seconds" .Values.config.shutdownTimeout | int64 }}
{{- if le $grace $deadline }}
{{- fail (printf "terminationGracePeriodSeconds (%d) must be longer than config.diagnosisDeadline (%ds)" $grace $deadline) }}
{{- end }}
{{- if le $grace $drain }}
{{- fail (printf "terminationGracePeriodSeconds (%d) must be longer than config.shutdownTimeout (%ds)" $grace $drain) }}
{{- end }}
{{- end }}
