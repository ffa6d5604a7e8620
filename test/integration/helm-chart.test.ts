/**
 * The Helm chart (infra/helm/tourniquet), rendered by a real Helm (v4.3.2, built from the Go module
 * proxy by infra/helm/install.sh; CI passes HELM_BIN). `helm lint` and `helm template` with the
 * default values (embedded mode) and a production-like file (Kafka + PostgreSQL, three replicas);
 * the manifests are parsed and checked: probes on the service's real health endpoints, non-root
 * and read-only, keys and DATABASE_URL only by Secret reference, the config mounted where
 * TOURNIQUET_CONFIG points and accepted by the service's own config loader, the data volume where
 * the image keeps its state, PDB and ServiceMonitor selecting the pods. Values that would put key
 * material in a ConfigMap, or split state between replicas, fail the render.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { loadConfig } from '../../src/config.js';
import { parseDockerfile } from '../support/dockerfile.js';
import { unavailable } from '../support/services.js';

const REPO = join(import.meta.dirname, '../..');
const CHART = join(REPO, 'infra/helm/tourniquet');
const PROD = join(CHART, 'ci/production-values.yaml');
/** Where infra/helm/install.sh puts the binary by default. */
const HELM = process.env.HELM_BIN ?? join(REPO, '.helm/helm');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}
function helm(args: string[]): Promise<Run> {
  return new Promise((resolve) =>
    execFile(HELM, args, { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

function haveHelm(t: TestContext): boolean {
  if (existsSync(HELM)) return true;
  unavailable(t, 'helm not built (run infra/helm/install.sh)');
  return false;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- rendered manifests are untyped YAML */
type Manifest = Record<string, any>;

async function render(...args: string[]): Promise<Manifest[]> {
  const r = await helm(['template', 'rel', CHART, ...args]);
  assert.equal(r.code, 0, r.stderr);
  return parseAllDocuments(r.stdout)
    .map((d) => d.toJS() as Manifest | null)
    .filter((m): m is Manifest => m !== null);
}

const one = (ms: Manifest[], kind: string): Manifest => {
  const found = ms.filter((m) => m.kind === kind);
  assert.equal(found.length, 1, `one ${kind}`);
  return found[0]!;
};

type EnvVar = { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } };

/** The container's env, with each Secret reference resolved to a stand-in (as the kubelet would). */
function resolvedEnv(env: EnvVar[]): Record<string, string> {
  return Object.fromEntries(
    env.map((e) => [
      e.name,
      e.value ?? `from-secret:${e.valueFrom!.secretKeyRef!.name}/${e.valueFrom!.secretKeyRef!.key}`,
    ]),
  );
}

const image = parseDockerfile(readFileSync(join(REPO, 'Dockerfile'), 'utf8')).stages.at(-1)!;
const imageVolume = image.steps.find((s) => s.op === 'VOLUME')!.args;

/** Checks every install must pass; returns the service container and the loaded config. */
async function checkCommon(ms: Manifest[]) {
  const dep = one(ms, 'Deployment');
  const pod = dep.spec.template.spec;
  const podLabels = dep.spec.template.metadata.labels;
  const c = pod.containers.find((x: Manifest) => x.name === 'tourniquet');
  const port = c.ports.find((p: Manifest) => p.name === 'http').containerPort;
  assert.deepEqual(c.livenessProbe.httpGet, { path: '/healthz', port: 'http' });
  assert.deepEqual(c.readinessProbe.httpGet, { path: '/readyz', port: 'http' });
  assert.equal(c.startupProbe.httpGet.path, '/healthz');
  assert.equal(pod.securityContext.runAsNonRoot, true);
  assert.ok(pod.securityContext.runAsUser > 0);
  assert.equal(pod.automountServiceAccountToken, false);
  for (const ctr of [...pod.containers, ...(pod.initContainers ?? [])]) {
    assert.equal(ctr.securityContext.readOnlyRootFilesystem, true, ctr.name);
    assert.equal(ctr.securityContext.allowPrivilegeEscalation, false, ctr.name);
    assert.deepEqual(ctr.securityContext.capabilities.drop, ['ALL'], ctr.name);
  }
  assert.ok(c.resources.requests.memory && c.resources.limits.memory);

  const env = resolvedEnv(c.env);
  assert.equal(env.TOURNIQUET_HTTP_PORT, String(port));
  const mounts = new Map<string, Manifest>(c.volumeMounts.map((m: Manifest) => [m.name, m]));
  const cm = one(ms, 'ConfigMap');
  const configVolume = pod.volumes.find((v: Manifest) => v.configMap?.name === cm.metadata.name);
  assert.ok(configVolume, 'the ConfigMap is a volume');
  assert.equal(mounts.get(configVolume.name)?.mountPath, dirname(env.TOURNIQUET_CONFIG!));
  assert.equal(mounts.get('data')?.mountPath, imageVolume, 'the data volume is where the image keeps state');
  assert.ok(env.TOURNIQUET_DATA_DIR!.startsWith(`${imageVolume}/`));
  for (const m of c.volumeMounts)
    assert.ok(
      pod.volumes.some((v: Manifest) => v.name === m.name),
      m.name,
    );

  // Nothing secret is in the manifests: no Secret object, no literal value of a secret variable.
  assert.equal(
    ms.some((m) => m.kind === 'Secret'),
    false,
  );
  for (const e of c.env as EnvVar[]) {
    if (/KEY|TOKEN|SECRET|PASSWORD|DATABASE_URL/.test(e.name)) assert.ok(e.valueFrom?.secretKeyRef, e.name);
  }
  // The service's own loader accepts the mounted config with the pod's environment.
  const dir = await mkdtemp(join(tmpdir(), 'helm-config-'));
  try {
    const file = join(dir, 'config.yaml');
    await writeFile(file, cm.data['config.yaml']);
    assert.doesNotMatch(cm.data['config.yaml'], /^\s*(keys|databaseUrl):/m);
    const config = await loadConfig({
      ...env,
      TOURNIQUET_CONFIG: file,
      TOURNIQUET_DATA_DIR: join(dir, 'data'),
    });
    assert.equal(config.http.port, port);
    assert.equal(config.http.host, '0.0.0.0');

    const svc = one(ms, 'Service');
    assert.deepEqual(svc.spec.selector, pick(podLabels, Object.keys(svc.spec.selector)));
    assert.equal(svc.spec.ports[0].targetPort, 'http');
    const pdb = one(ms, 'PodDisruptionBudget');
    assert.deepEqual(
      pdb.spec.selector.matchLabels,
      pick(podLabels, Object.keys(pdb.spec.selector.matchLabels)),
    );
    return { dep, pod, c, env, config, svc };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function pick(o: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  assert.ok(keys.length > 0);
  return Object.fromEntries(keys.map((k) => [k, o[k]]));
}

test('helm lint passes with the default and the production-like values', async (t) => {
  if (!haveHelm(t)) return;
  for (const args of [[], ['-f', PROD]]) {
    const r = await helm(['lint', '--strict', CHART, ...args]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
  }
});

test('default values: embedded mode, one replica on a kept volume, probes, non-root, no ServiceMonitor', async (t) => {
  if (!haveHelm(t)) return;
  const ms = await render();
  const { dep, pod, c, config } = await checkCommon(ms);
  assert.equal(dep.spec.replicas, 1);
  assert.equal(dep.spec.strategy.type, 'Recreate', 'one owner of the data dir at a time');
  const pvc = one(ms, 'PersistentVolumeClaim');
  assert.equal(pvc.metadata.annotations['helm.sh/resource-policy'], 'keep');
  assert.equal(
    pod.volumes.find((v: Manifest) => v.name === 'data').persistentVolumeClaim.claimName,
    pvc.metadata.name,
  );
  assert.equal(config.kafka, undefined);
  assert.equal(config.databaseUrl, undefined);
  assert.equal(pod.initContainers, undefined);
  assert.equal(
    c.env.some((e: EnvVar) => e.name.endsWith('_KEY')),
    false,
  );
  assert.equal(
    ms.some((m) => m.kind === 'ServiceMonitor'),
    false,
  );
});

test('production values: Kafka + PostgreSQL, keys and DATABASE_URL from Secrets, topics init, ServiceMonitor on /metrics', async (t) => {
  if (!haveHelm(t)) return;
  const ms = await render('-f', PROD);
  const { dep, pod, c, env, config, svc } = await checkCommon(ms);
  assert.equal(dep.spec.replicas, 3);
  assert.equal(
    ms.some((m) => m.kind === 'PersistentVolumeClaim'),
    false,
  );
  assert.deepEqual(pod.volumes.find((v: Manifest) => v.name === 'data').emptyDir, {});
  assert.match(c.image, /@sha256:[0-9a-f]{64}$/);

  const refs = new Map<string, { name: string; key: string }>(
    (c.env as EnvVar[])
      .filter((e) => e.valueFrom?.secretKeyRef)
      .map((e) => [e.name, e.valueFrom!.secretKeyRef!]),
  );
  for (const [k, key] of Object.entries({
    FINGERPRINT: 'fingerprint',
    SEAL: 'seal',
    AUDIT: 'audit',
    ANCHOR: 'anchor',
  })) {
    assert.deepEqual(refs.get(`TOURNIQUET_${k}_KEY`), { name: 'tourniquet-keys', key });
  }
  assert.deepEqual(refs.get('DATABASE_URL'), { name: 'tourniquet-database', key: 'DATABASE_URL' });
  assert.deepEqual(refs.get('TOURNIQUET_ADMIN_TOKEN'), { name: 'tourniquet-keys', key: 'admin-token' });
  assert.deepEqual(refs.get('GITHUB_TOKEN'), { name: 'tourniquet-providers', key: 'github-token' });

  // What the service makes of it: production adapters, every key named by its env variable.
  assert.equal(config.kafka?.brokers.length, 3);
  assert.equal(config.databaseUrl, env.DATABASE_URL);
  for (const k of ['fingerprint', 'seal', 'audit', 'anchor'] as const) {
    assert.deepEqual(config.keys[k], { env: `TOURNIQUET_${k.toUpperCase()}_KEY` });
  }
  assert.equal(config.audit.anchorFile, false);
  assert.equal(config.providers[0]?.type, 'github');
  assert.match(config.tracing.otlpEndpoint ?? '', /\/v1\/traces$/);

  const init = pod.initContainers.find((x: Manifest) => x.name === 'topics');
  assert.deepEqual(init.args, ['topics', 'create']);
  assert.deepEqual(init.env, c.env, 'the init container sees the same config');

  const sm = one(ms, 'ServiceMonitor');
  assert.equal(sm.apiVersion, 'monitoring.coreos.com/v1');
  assert.deepEqual(sm.spec.endpoints[0], {
    port: 'http',
    path: '/metrics',
    interval: '30s',
    scrapeTimeout: '10s',
  });
  assert.deepEqual(
    sm.spec.selector.matchLabels,
    pick(svc.metadata.labels, Object.keys(sm.spec.selector.matchLabels)),
  );
  assert.equal(sm.metadata.labels.release, 'prometheus');
});

test('values that would put key material in a ConfigMap or split state fail the render', async (t) => {
  if (!haveHelm(t)) return;
  const planted = 'UExBTlRFRC1rZXktbWF0ZXJpYWwtMzItYnl0ZXMhISE=';
  const cases: [string[], RegExp][] = [
    [['--set', `config.keys.seal=${planted}`], /config\.keys/],
    [['--set', 'config.databaseUrl=postgres://u:pw@db/t'], /config\.databaseUrl/],
    [['--set', 'kafka.brokers={k:9092}'], /keys\.existingSecret/],
    [['--set', 'replicaCount=2', '--set', 'persistence.enabled=false'], /replicaCount/],
    [['-f', PROD, '--set', 'persistence.enabled=true'], /persistence\.enabled/],
  ];
  for (const [args, field] of cases) {
    const r = await helm(['template', 'rel', CHART, ...args]);
    assert.notEqual(r.code, 0, args.join(' '));
    assert.match(r.stderr, field, args.join(' '));
    assert.equal(r.stdout.includes(planted) || r.stderr.includes(planted), false);
  }
});
