/** Runs `tourniquet start` as a child process (for crash and CLI tests) and talks to its API. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export const BIN = join(import.meta.dirname, '../../bin/tourniquet.js');

/**
 * The environment for a child tourniquet: this process's, minus the variables that would switch it
 * to production adapters (CI exports KAFKA_BROKERS and TEST_DATABASE_URL for the tests that want
 * them), plus what the test passes explicitly.
 */
export function childEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) {
    if (k === 'KAFKA_BROKERS' || k === 'DATABASE_URL' || k.startsWith('TOURNIQUET_')) delete env[k];
  }
  return { ...env, ...extra };
}

export interface ServiceProcess {
  child: ChildProcess;
  url: string;
  token: string;
  api<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  exited: Promise<number | null>;
}

export async function startServiceProcess(env: NodeJS.ProcessEnv, dataDir: string): Promise<ServiceProcess> {
  const child = spawn(process.execPath, [BIN, 'start'], {
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('listening on')) resolve();
    });
    void exited.then((c) => reject(new Error(`service exited ${c}: ${stderr}`)));
  });
  const info = JSON.parse(await readFile(join(dataDir, 'server.json'), 'utf8')) as {
    url: string;
    token: string;
  };
  return {
    child,
    url: info.url,
    token: info.token,
    exited,
    async api<T>(method: string, path: string, body?: unknown) {
      const res = await fetch(new URL(path, info.url), {
        method,
        headers: {
          authorization: `Bearer ${info.token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.status, body: (await res.json()) as T };
    },
  };
}
