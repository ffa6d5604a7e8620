/** Identifiers in triggers refuse control characters with a field error (issue 12). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TriggerInput } from '../../schemas/trigger.js';

const paths = (raw: unknown) => {
  const r = TriggerInput.safeParse(raw);
  return r.success ? [] : r.error.issues.map((i) => i.path.join('.'));
};

test('control characters in people, workloads and key ids are field errors', () => {
  for (const bad of ['a\u0000b', 'line\nbreak', 'del\u007f', 'c1\u0085', 'rlo\u202Eevil', 'lone\ud800']) {
    assert.deepEqual(paths({ kind: 'offboarding', subject: { person: bad } }), ['subject.person']);
    assert.deepEqual(paths({ kind: 'offboarding', subject: { person: 'ok@x', aliases: [bad] } }), [
      'subject.aliases.0',
    ]);
    assert.deepEqual(paths({ kind: 'decommission', subject: { workload: bad } }), ['subject.workload']);
    assert.deepEqual(paths({ kind: 'leak', subject: { providerKeyId: bad } }), ['subject.providerKeyId']);
    assert.deepEqual(paths({ kind: 'leak', subject: { credentialId: bad } }), ['subject.credentialId']);
  }
  assert.deepEqual(
    paths({ kind: 'offboarding', source: 'hr', subject: { person: 'Zoë Ünal@example.com' } }),
    [],
  );
  assert.deepEqual(
    paths({
      kind: 'offboarding',
      subject: { person: 'a@x' },
      evidence: { note: 'multi\nline', nul: 'x\u0000' },
    }),
    ['evidence.nul'],
  );
});
