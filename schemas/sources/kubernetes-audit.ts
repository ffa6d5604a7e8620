/**
 * Kubernetes audit events (`audit.k8s.io/v1`), one `Event` or the `EventList` batches that the audit
 * webhook backend posts. Acted on: `delete` of core `serviceaccounts`, `namespaces` or `secrets` at
 * stage `ResponseComplete` with a 2xx response code; every other event is ignored.
 *
 * Workload names (as the inventory must record them):
 *   serviceaccount → `k8s:serviceaccount:<namespace>/<name>`
 *   namespace      → `k8s:namespace:<name>`
 *   secret         → `k8s:secret:<namespace>/<name>`
 * Audit events do not name the cluster; run one source per cluster if names collide across clusters.
 */
import { z } from 'zod';
import { MAX_BATCH_RECORDS, Label, OpenMap, TimeText } from './common.js';

export const K8S_RESOURCES_ACTED_ON = ['serviceaccounts', 'namespaces', 'secrets'] as const;

export const K8sAuditEvent = z.looseObject({
  apiVersion: z.string().max(100).nullish(),
  kind: z.literal('Event').nullish(),
  auditID: z.string().regex(/^[A-Za-z0-9-]{1,100}$/, 'a UUID'),
  /** RequestReceived | ResponseStarted | ResponseComplete | Panic. */
  stage: Label,
  requestURI: z.string().max(2000).nullish(),
  verb: Label,
  user: z.looseObject({ username: z.string().max(300).nullish() }).nullish(),
  userAgent: z.string().max(500).nullish(),
  objectRef: z
    .looseObject({
      resource: z.string().max(100).nullish(),
      subresource: z.string().max(100).nullish(),
      namespace: z.string().max(253).nullish(),
      name: z.string().max(253).nullish(),
      uid: z.string().max(100).nullish(),
      apiGroup: z.string().max(253).nullish(),
    })
    .nullish(),
  responseStatus: z.looseObject({ code: z.number().int().nullish() }).nullish(),
  requestReceivedTimestamp: TimeText.nullish(),
  stageTimestamp: TimeText.nullish(),
  annotations: OpenMap.nullish(),
});
export type K8sAuditEvent = z.infer<typeof K8sAuditEvent>;

export const K8sAuditEventList = z.looseObject({
  kind: z.literal('EventList'),
  apiVersion: z.string().max(100).nullish(),
  items: z.array(z.unknown()).max(MAX_BATCH_RECORDS),
});
