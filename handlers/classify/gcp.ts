/**
 * A leaked Google Cloud service-account key file: JSON with `"type": "service_account"`, a
 * `private_key_id` (40 hex digits) and a `client_email`. Scanners print it as is, on one line, or
 * with its PEM newlines turned into real ones by normalisation (normalise.ts), so the parse is
 * tolerant of raw newlines inside strings. Pure; shared by the classifier and the gcp_iam adapter.
 */
export interface ServiceAccountKeyRef {
  clientEmail: string;
  privateKeyId: string;
  /** From `project_id`, else from the account's email (`…@<project>.iam.gserviceaccount.com`). */
  project: string | undefined;
}

export function serviceAccountKeyRef(value: string): ServiceAccountKeyRef | undefined {
  const v = value.trim();
  if (!v.startsWith('{') || !v.includes('service_account')) return undefined;
  const parsed = parse(v) ?? parse(v.replace(/\n/g, '\\n'));
  if (!parsed || parsed.type !== 'service_account') return undefined;
  const { private_key_id: keyId, client_email: email, project_id: projectId } = parsed;
  if (typeof keyId !== 'string' || !/^[0-9a-f]{40}$/.test(keyId)) return undefined;
  if (typeof email !== 'string' || !/^[^@\s]+@[^@\s]+$/.test(email)) return undefined;
  const fromEmail = /@([a-z][a-z0-9-]{4,28}[a-z0-9])\.iam\.gserviceaccount\.com$/.exec(email)?.[1];
  return {
    clientEmail: email,
    privateKeyId: keyId,
    project: typeof projectId === 'string' && projectId !== '' ? projectId : fromEmail,
  };
}

function parse(v: string): Record<string, unknown> | undefined {
  try {
    const o: unknown = JSON.parse(v);
    return o && typeof o === 'object' ? (o as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
