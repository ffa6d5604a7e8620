/**
 * Who can read a secret, from its resource policy: the AWS principals of every Allow statement whose
 * actions include GetSecretValue (or a wildcard that covers it). An IAM user ARN becomes the user
 * name (what a person's `identities` entry holds); other principals (roles, accounts) stay ARNs.
 */
import { z } from 'zod';

const OneOrMany = z.union([z.string(), z.array(z.string())]).optional();
const Statement = z
  .object({
    Effect: z.string().optional(),
    Action: OneOrMany,
    Principal: z.union([z.literal('*'), z.looseObject({ AWS: OneOrMany })]).optional(),
  })
  .loose();
const Policy = z.looseObject({
  Statement: z.union([z.array(Statement), Statement.transform((st) => [st])]).default([]),
});

const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : [v].flat());
const readsValue = (a: string): boolean =>
  ['*', 'secretsmanager:*', 'secretsmanager:getsecretvalue', 'secretsmanager:get*'].includes(a.toLowerCase());

export function policyReaders(policy: string | undefined): string[] {
  if (!policy) return [];
  let doc: unknown;
  try {
    doc = JSON.parse(policy);
  } catch {
    return [];
  }
  const parsed = Policy.safeParse(doc);
  if (!parsed.success) return [];
  const out = new Set<string>();
  for (const st of parsed.data.Statement) {
    if (st.Effect !== 'Allow' || !list(st.Action).some(readsValue)) continue;
    const p = st.Principal;
    const principals = p === '*' ? ['*'] : list(p?.AWS);
    for (const arn of principals) {
      const user = /^arn:aws[\w-]*:iam::\d{12}:user\/(?:.*\/)?([^/]+)$/.exec(arn);
      out.add((user?.[1] ?? arn).slice(0, 200));
    }
  }
  return [...out].sort();
}
