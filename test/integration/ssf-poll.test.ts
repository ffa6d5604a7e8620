/**
 * OpenID SSF poll delivery (RFC 8936) against a FAKE transmitter (a local HTTP server written from
 * the RFC: it hands out queued SETs, drops the acknowledged ones, records setErrs).
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, it } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { IntakeConfig } from '../../schemas/intake.js';
import { startSsfPoller } from '../../src/intake/ssf-poll.js';
import { createRuntime, type Runtime } from '../../src/main.js';
import { localOps } from '../../src/ops/local.js';
import { captureLogger, tempDir, testConfig } from '../support/runtime.js';

const ISS = 'https://idp.acme.example/';
const AUD = 'https://tourniquet.acme.example/ssf';
let server: Server;
let url: string;
let runtime: Runtime;
let dir: Awaited<ReturnType<typeof tempDir>>;
const queue = new Map<string, string>();
const requests: { auth?: string; body: { ack?: string[]; setErrs?: Record<string, { err: string }> } }[] = [];

before(async () => {
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (d: Buffer) => (raw += d.toString()));
    req.on('end', () => {
      const body = JSON.parse(raw) as (typeof requests)[number]['body'];
      requests.push({ auth: req.headers.authorization, body });
      if (req.headers.authorization !== 'Bearer poll-token') {
        res.writeHead(401).end();
        return;
      }
      for (const jti of body.ack ?? []) queue.delete(jti);
      for (const jti of Object.keys(body.setErrs ?? {})) queue.delete(jti);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ sets: Object.fromEntries(queue), moreAvailable: false }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/poll`;
  dir = await tempDir();
  runtime = await createRuntime(testConfig({ dataDir: dir.path }), { logger: captureLogger().logger });
  await runtime.startWorkers();
});
after(async () => {
  await runtime.stop();
  await new Promise((r) => server.close(r));
  await dir.remove();
});

it('polls SETs, accepts valid ones durably, acknowledges them, and reports bad ones in setErrs', async () => {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const other = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' };
  const sign = (jti: string, key = privateKey) =>
    new SignJWT({
      jti,
      sub_id: { format: 'email', email: `${jti}@acme.example` },
      events: {
        'https://schemas.openid.net/secevent/risc/event-type/account-disabled': { reason: 'hijacking' },
      },
    })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'secevent+jwt' })
      .setIssuer(ISS)
      .setAudience(AUD)
      .setIssuedAt()
      .sign(key);
  queue.set('set-1', await sign('set-1'));
  queue.set('set-2', await sign('set-2'));
  queue.set('forged', await sign('forged', other.privateKey));

  const intake = IntakeConfig.parse({
    ssf: { issuer: ISS, audience: AUD, jwks: { keys: [jwk] }, poll: { url, token: 'poll-token' } },
  });
  const poller = startSsfPoller(intake, localOps(runtime.deps), runtime.deps.logger, { autostart: false });
  const first = await poller.pollOnce();
  assert.deepEqual(first, { received: 3, accepted: 2, rejected: 1, moreAvailable: false });
  await runtime.idle();
  const people = (await runtime.deps.store.listTriggers({})).map((t) =>
    t.kind === 'offboarding' ? t.subject.person : '',
  );
  assert.deepEqual(people.sort(), ['set-1@acme.example', 'set-2@acme.example']);

  const second = await poller.pollOnce();
  const sent = requests.at(-1)!;
  assert.equal(sent.auth, 'Bearer poll-token');
  assert.deepEqual(sent.body.ack?.sort(), ['set-1', 'set-2']);
  assert.ok(sent.body.setErrs?.forged, 'the forged SET is reported back');
  assert.equal(second.received, 0, 'acknowledged and rejected SETs are not delivered again');
  await poller.stop();
});
