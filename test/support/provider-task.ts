/**
 * The task an adapter is handed in the contract tests: a fresh task id per call, and the task of a
 * credential a discoverer listed (the discovery tests' round trip: what it finds, the adapter kills).
 */
import type { DiscoveredCredential } from '../../src/discovery/port.js';
import type { ProviderTask } from '../../src/providers/port.js';

let seq = 0;
export const taskOf = (fields: Omit<ProviderTask, 'taskId' | 'credentialId'>): ProviderTask => ({
  taskId: `t${++seq}`,
  credentialId: `c${seq}`,
  ...fields,
});

export const taskFor = (c: DiscoveredCredential, action: ProviderTask['action']): ProviderTask =>
  taskOf({ action, credentialKind: c.kind, providerId: c.providerId });
