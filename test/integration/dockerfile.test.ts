/**
 * The Dockerfile (issue 14 item 4), checked without a Docker engine (none exists here, and no
 * daemonless OCI builder is in the registries this machine reaches). Statically: multi-stage, a
 * pinned Node 22 base, production dependencies only, a numeric non-root USER, a HEALTHCHECK on
 * /readyz, no key or token in ENV/ARG, a .dockerignore that keeps local state and env files out.
 * By replay (test/support/dockerfile.ts): every COPY and RUN of every stage is executed in a temp
 * root, then the runtime stage's ENTRYPOINT + CMD is started with the image's ENV, as the image's
 * USER when this test runs as root, and must answer /readyz with 200, pass its own HEALTHCHECK and
 * stop cleanly on SIGTERM, with no devDependency installed.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import {
  chmod,
  chown,
  copyFile,
  mkdir,
  mkdtemp,
  readFile,
  readdir,
  realpath,
  rm,
  stat,
  symlink,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import {
  dockerignore,
  envPairs,
  parseDockerfile,
  replay,
  type ReplayedStage,
} from '../support/dockerfile.js';
import { waitFor } from '../support/wait.js';

const REPO = join(import.meta.dirname, '../..');
const df = parseDockerfile(readFileSync(join(REPO, 'Dockerfile'), 'utf8'));
const runtimeStage = df.stages.at(-1)!;
const steps = (op: string) => runtimeStage.steps.filter((s) => s.op === op);

interface LockEntry {
  version?: string;
  dev?: boolean;
  optional?: boolean;
}
const lockPackages = (file: string) =>
  (JSON.parse(readFileSync(file, 'utf8')) as { packages: Record<string, LockEntry> }).packages;

test('the Dockerfile: multi-stage on a pinned Node 22, production deps only, non-root, /readyz healthcheck, no secrets', () => {
  assert.ok(df.stages.length >= 2, 'a build stage and a runtime stage');
  for (const s of df.stages) {
    assert.match(s.from, /^node:22[\w.-]*(@sha256:[0-9a-f]{64})?$/, `${s.name}: FROM ${s.from}`);
  }
  const build = df.stages[0]!.steps.filter((s) => s.op === 'RUN').map((s) => s.args);
  assert.ok(build.some((c) => /^npm ci\b/.test(c) && !c.includes('--omit=dev')));
  assert.ok(build.includes('npm run build'));
  assert.ok(steps('RUN').some((s) => /^npm ci\b.*--omit=dev/.test(s.args)));
  // The runtime takes only the lockfile pair from the context; code comes compiled from the build.
  const fromContext = steps('COPY').filter((s) => !s.flags.from);
  assert.deepEqual(
    fromContext.map((s) => s.args),
    ['package.json package-lock.json ./'],
  );

  const user = steps('USER').at(-1)?.args ?? '';
  assert.match(user, /^[1-9]\d*(:\d+)?$/, 'numeric non-root uid, so runAsNonRoot can verify it');
  const hc = steps('HEALTHCHECK').at(-1);
  assert.ok(hc?.exec?.join(' ').includes('/readyz'), 'HEALTHCHECK probes /readyz');

  const env = Object.assign({}, df.args, ...steps('ENV').map((s) => envPairs(s.args)));
  for (const [k, v] of Object.entries(env)) {
    assert.doesNotMatch(k, /KEY|TOKEN|SECRET|PASSW|CREDENTIAL|DATABASE_URL/i, `ENV/ARG ${k}`);
    assert.doesNotMatch(String(v), /^[A-Za-z0-9+/_-]{32,}={0,2}$/, `${k} looks like key material`);
  }
  assert.ok(env.TOURNIQUET_DATA_DIR?.startsWith(steps('VOLUME')[0]?.args ?? '\0'), 'data dir on the volume');
});

test('.dockerignore keeps local state, keys, env files, node_modules and git out of the context', () => {
  const ignored = dockerignore(readFileSync(join(REPO, '.dockerignore'), 'utf8'));
  for (const p of [
    '.tourniquet/keys.json',
    '.tourniquet.audit-anchors.jsonl',
    'src/.tourniquet/x',
    '.env',
    '.env.production',
    'node_modules/zod/package.json',
    '.git/HEAD',
    'test/unit/a.test.ts',
    'schemas/json/trigger.json',
  ]) {
    assert.equal(ignored(p), true, p);
  }
  for (const p of [
    'package.json',
    'package-lock.json',
    'src/main.ts',
    'schemas/config.ts',
    'handlers/index.ts',
  ]) {
    assert.equal(ignored(p), false, p);
  }
});

/** True when `dir`/node_modules holds exactly the lockfile's packages (npm's hidden lockfile). */
function installedMatchesLock(dir: string): boolean {
  const hiddenFile = join(dir, 'node_modules/.package-lock.json');
  if (!existsSync(hiddenFile)) return false;
  const lock = lockPackages(join(dir, 'package-lock.json'));
  const hidden = lockPackages(hiddenFile);
  for (const [path, p] of Object.entries(lock)) {
    if (path !== '' && !p.optional && hidden[path]?.version !== p.version) return false;
  }
  return Object.entries(hidden).every(([path, p]) => lock[path]?.version === p.version);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.once('error', reject);
  });
}

/** The host's Node stands in for the base image's /usr/local/bin/node. */
async function installBaseNode(rt: ReplayedStage, uid: number | undefined): Promise<string> {
  const node = join(rt.root, 'usr/local/bin/node');
  await mkdir(dirname(node), { recursive: true });
  await copyFile(process.execPath, node);
  await mkdir(join(rt.root, 'home/node'), { recursive: true });
  if (uid !== undefined) await chown(join(rt.root, 'home/node'), uid, uid);
  return node;
}

test('the image build replays without Docker; its CMD serves /readyz as the image user with production deps only', async () => {
  const workspace = await mkdtemp(join(tmpdir(), 'tourniquet-image-'));
  await chmod(workspace, 0o755); // the image user must reach the runtime root through it
  const hostEnv: NodeJS.ProcessEnv = {
    ...process.env,
    npm_config_prefer_offline: 'true',
    npm_config_update_notifier: 'false',
  };
  for (const k of Object.keys(hostEnv)) {
    if (/^(TOURNIQUET_|KAFKA_BROKERS$|DATABASE_URL$|NODE_OPTIONS$)/.test(k)) delete hostEnv[k];
  }
  try {
    const stages = await replay(df, {
      context: REPO,
      workspace,
      hostEnv,
      // The build stage's full `npm ci` would rewrite 600 MB that CI's own `npm ci` of this
      // lockfile just installed: when the checkout holds exactly the lockfile's packages, link it.
      // The runtime stage's `npm ci --omit=dev` always runs for real.
      substitute: async (cmd, cwd) => {
        if (!/^npm ci\b/.test(cmd) || cmd.includes('--omit=dev') || !installedMatchesLock(REPO)) return false;
        await symlink(await realpath(join(REPO, 'node_modules')), join(cwd, 'node_modules'));
        return true;
      },
    });
    const rt = stages.get(runtimeStage.name)!;
    const app = join(rt.root, rt.workdir);

    // Production dependencies only, and nothing above the image that Node could resolve from.
    const devOnly = Object.entries(lockPackages(join(REPO, 'package-lock.json')))
      .filter(([path, p]) => p.dev && path.startsWith('node_modules/'))
      .map(([path]) => path);
    assert.ok(devOnly.length > 50, 'the lockfile has dev-only packages to leave out');
    assert.deepEqual(
      devOnly.filter((p) => existsSync(join(app, p))),
      [],
    );
    for (const p of ['typescript', 'eslint', 'prettier', 'tsx', 'zod', 'fastify']) {
      const expected = p !== 'typescript' && p !== 'eslint' && p !== 'prettier';
      assert.equal(existsSync(join(app, 'node_modules', p)), expected, p);
    }
    for (let d = dirname(rt.root); d !== dirname(d); d = dirname(d)) {
      assert.equal(existsSync(join(d, 'node_modules')), false, `${d}/node_modules`);
    }
    assert.deepEqual((await readdir(app)).sort(), [
      'dist',
      'node_modules',
      'package-lock.json',
      'package.json',
    ]);

    const asRoot = process.getuid?.() === 0;
    const [uidText, gidText] = (rt.user ?? '').split(':');
    const ids = asRoot ? { uid: Number(uidText), gid: Number(gidText ?? uidText) } : {};
    const node = await installBaseNode(rt, ids.uid);
    const port = await freePort();
    const env = {
      ...rt.env,
      PATH: `${dirname(node)}:/usr/bin:/bin`,
      HOME: join(rt.root, 'home/node'),
      TOURNIQUET_HTTP_PORT: String(port), // as `docker run -e`: a port free on this machine
    };
    const argv = [...(rt.entrypoint ?? []), ...(rt.cmd ?? [])].map((a) => (a === 'node' ? node : a));
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: app,
      env,
      ...ids,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (d: Buffer) => (output = (output + d.toString()).slice(-8000));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    try {
      await waitFor(
        '/readyz 200 from the image CMD',
        async () => {
          if (child.exitCode !== null) throw new Error(`CMD exited ${child.exitCode}:\n${output}`);
          return fetch(`http://127.0.0.1:${port}/readyz`).then(
            (r) => r.status,
            () => 0,
          );
        },
        (s) => s === 200,
        180_000,
        250,
      );
      if (asRoot) {
        const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
        assert.match(status, new RegExp(`^Uid:\\s+${ids.uid}\\s`, 'm'), 'runs as the image USER');
      }
      // The state went to the volume, privately.
      const dataDir = rt.env.TOURNIQUET_DATA_DIR!;
      assert.equal((await stat(dataDir)).mode & 0o777, 0o700);

      const hc = rt.healthcheck!.map((a) => (a === 'node' ? node : a));
      const hcExit = await new Promise<number | null>((resolve) =>
        spawn(hc[0]!, hc.slice(1), { cwd: app, env, ...ids, stdio: 'ignore' }).once('exit', resolve),
      );
      assert.equal(hcExit, 0, 'the HEALTHCHECK passes against the running service');
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0, `graceful stop on SIGTERM:\n${output}`);
  } finally {
    await rm(workspace, { recursive: true, force: true });
  }
});
