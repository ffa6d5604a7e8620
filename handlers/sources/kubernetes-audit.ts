/**
 * Kubernetes audit events → decommission triggers for successful deletes of core ServiceAccounts,
 * Namespaces and Secrets (workload naming in schemas/sources/kubernetes-audit.ts).
 * Id: `k8s-audit:<auditID>`; only the ResponseComplete stage is acted on, so one request is one trigger.
 */
import {
  K8S_RESOURCES_ACTED_ON,
  K8sAuditEvent,
  K8sAuditEventList,
} from '../../schemas/sources/kubernetes-audit.js';
import { evidence, opt } from './evidence.js';
import { decodeJson } from './input.js';
import { issuesFromZod, Outcome, parseRecord, reject, type NormalizeResult, type Path } from './result.js';
import { isoTime } from './time.js';

export const K8S_AUDIT_SOURCE = 'kubernetes.audit';

type Resource = (typeof K8S_RESOURCES_ACTED_ON)[number];

function workloadName(resource: Resource, namespace: string | undefined, name: string): string | undefined {
  if (resource === 'namespaces') return `k8s:namespace:${name}`;
  if (!namespace) return undefined;
  return resource === 'serviceaccounts'
    ? `k8s:serviceaccount:${namespace}/${name}`
    : `k8s:secret:${namespace}/${name}`;
}

function normalizeOne(outcome: Outcome, value: unknown, at: Path): void {
  const e = parseRecord(outcome, K8sAuditEvent, value, at);
  if (!e) return;
  const ref = e.objectRef;
  const resource = ref?.resource ?? '';
  const code = e.responseStatus?.code;
  const acted =
    e.verb === 'delete' &&
    e.stage === 'ResponseComplete' &&
    (K8S_RESOURCES_ACTED_ON as readonly string[]).includes(resource) &&
    !ref?.subresource &&
    !ref?.apiGroup &&
    typeof code === 'number' &&
    code >= 200 &&
    code < 300;
  if (!acted || !ref?.name) {
    outcome.ignore('not a completed, successful delete of a core serviceaccount, namespace or secret');
    return;
  }
  const workload = workloadName(resource as Resource, opt(ref.namespace), ref.name);
  if (!workload) {
    outcome.skipAt([...at, 'objectRef', 'namespace'], 'required for namespaced resources');
    return;
  }
  outcome.add(
    {
      kind: 'decommission',
      id: `k8s-audit:${e.auditID}`,
      source: K8S_AUDIT_SOURCE,
      occurredAt: isoTime(e.stageTimestamp) ?? isoTime(e.requestReceivedTimestamp),
      subject: { workload },
      evidence: evidence({
        resource,
        namespace: opt(ref.namespace),
        name: ref.name,
        uid: opt(ref.uid),
        user: opt(e.user?.username),
        userAgent: opt(e.userAgent),
        requestURI: opt(e.requestURI),
        responseCode: code,
      }),
    },
    at,
  );
}

export function normalizeKubernetesAudit(raw: unknown): NormalizeResult {
  const decoded = decodeJson(raw);
  if (!decoded.ok) return decoded.result;
  const v = decoded.value;
  const outcome = new Outcome();
  const isList = v !== null && typeof v === 'object' && (v as { kind?: unknown }).kind === 'EventList';
  if (isList) {
    const list = K8sAuditEventList.safeParse(v);
    if (!list.success) return reject('INVALID_SHAPE', issuesFromZod(list.error));
    list.data.items.forEach((item, i) => normalizeOne(outcome, item, ['items', i]));
  } else {
    normalizeOne(outcome, v, []);
  }
  return outcome.result();
}
