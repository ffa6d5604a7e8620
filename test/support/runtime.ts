/** Builds configs and runtimes for tests, with a logger whose output the test can search. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Config } from '../../schemas/config.js';
import { createLogger, type Logger } from '../../src/logger.js';
import type { Runtime } from '../../src/main.js';
import { localOps } from '../../src/ops/local.js';
import type { OAuthServer } from './oauth-server.js';

export interface CapturedLogger {
  logger: Logger;
  text(): string;
}

export function captureLogger(level = 'debug'): CapturedLogger {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  return { logger: createLogger(level, stream), text: () => chunks.join('') };
}

export async function tempDir(prefix = 'tq-test-'): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

export function oauthProviderConfig(server: OAuthServer, name = 'oauth-main') {
  return {
    type: 'oauth' as const,
    name,
    revocationEndpoint: server.revocationEndpoint,
    introspectionEndpoint: server.introspectionEndpoint,
    clientId: server.client.id,
    clientSecret: server.client.secret,
    introspectionClient: { clientId: server.rs.id, clientSecret: server.rs.secret },
    propagationMs: 2000,
  };
}

export function testConfig(overrides: Record<string, unknown>): Config {
  return Config.parse({ logLevel: 'debug', ...overrides });
}

/**
 * One leak of one OAuth token: the token (minted unless given) is imported as credential `id` at
 * `provider`, then reported leaked. Returns the token and the trigger id.
 */
export async function leakOAuthToken(
  runtime: Runtime,
  server: OAuthServer,
  provider: string,
  id: string,
  token?: string,
): Promise<{ token: string; triggerId: string }> {
  const value = token ?? (await server.mint());
  const ops = localOps(runtime.deps);
  await ops.importInventory([{ id, provider, kind: 'oauth.access_token', secret: value }], 'test');
  const res = await ops.ingest([{ kind: 'leak', source: 'test', subject: { token: value } }]);
  return { token: value, triggerId: res.accepted[0]!.id };
}
