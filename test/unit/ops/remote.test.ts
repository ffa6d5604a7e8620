/**
 * The CLI's remote operations when something other than the service answers (a proxy's HTML error
 * page): a classified error with a code, never a JSON SyntaxError.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { isTourniquetError } from '../../../src/errors.js';
import { remoteOps } from '../../../src/ops/remote.js';

describe('remote operations', () => {
  let server: Server;
  let url: string;
  let answer: { status: number; type: string; body: string };

  before(async () => {
    server = createServer((_req, res) => {
      res.writeHead(answer.status, { 'content-type': answer.type });
      res.end(answer.body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  const failure = async (fn: () => Promise<unknown>) => {
    const e = await fn().then(
      () => assert.fail('expected an error'),
      (x: unknown) => x,
    );
    assert.ok(isTourniquetError(e), `not a TourniquetError: ${String(e)}`);
    return e;
  };

  it('a proxy 502 page is SERVICE_UNREACHABLE, retriable', async () => {
    answer = { status: 502, type: 'text/html', body: '<html><body>Bad Gateway</body></html>' };
    const e = await failure(() => remoteOps(url, 't').listPlans({}));
    assert.equal(e.code, 'SERVICE_UNREACHABLE');
    assert.equal(e.retriable, true);
  });

  it('a 200 that is not JSON is INTERNAL, not a SyntaxError', async () => {
    answer = { status: 200, type: 'text/html', body: '<html>sign in to the proxy</html>' };
    const e = await failure(() => remoteOps(url, 't').listPlans({}));
    assert.equal(e.code, 'INTERNAL');
  });

  it("the service's own error body keeps its code", async () => {
    answer = {
      status: 403,
      type: 'application/json',
      body: JSON.stringify({ error: 'FORBIDDEN', message: 'this needs the responder role' }),
    };
    const e = await failure(() => remoteOps(url, 't').listPlans({}));
    assert.equal(e.code, 'FORBIDDEN');
  });
});
