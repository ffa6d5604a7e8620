/**
 * The discoverer conformance suite for the AWS discoverers (IAM users and keys, Secrets Manager
 * secrets): the real @aws-sdk clients against moto; refusals are real AccessDenied answers from a
 * proxy in front of moto. Without moto the tests skip locally and fail in CI.
 */
import assert from 'node:assert/strict';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createAwsIamDiscoverer, createAwsSecretsDiscoverer } from '../../src/discovery/aws.js';
import { awsTestConnection, getMoto, startFaultProxy } from '../support/moto.js';
import { unique } from '../support/asserts.js';
import { discoveryConformance } from './discovery-suite.js';

const denied = { kind: 'error', status: 403, code: 'AccessDenied', message: 'not authorized' } as const;

discoveryConformance('aws_iam', async (t) => {
  const moto = await getMoto(t);
  if (!moto) return undefined;
  const iam = new IAMClient({ ...awsTestConnection(moto.url), maxAttempts: 1 });
  const userName = unique('disc-user');
  await iam.send(new CreateUserCommand({ UserName: userName }));
  const key = await iam.send(new CreateAccessKeyCommand({ UserName: userName }));
  assert.ok(key.AccessKey?.SecretAccessKey);
  const proxy = await startFaultProxy(moto.url);
  proxy.failNext(10_000, denied, 'ListAccessKeys');
  return {
    type: 'aws',
    discoverer: createAwsIamDiscoverer({ type: 'aws_iam', name: 'aws-iam', ...awsTestConnection(moto.url) }),
    refused: createAwsIamDiscoverer({ type: 'aws_iam', name: 'aws-iam', ...awsTestConnection(proxy.url) }),
    secrets: [key.AccessKey.SecretAccessKey],
    close: () => proxy.close(),
  };
});

discoveryConformance('aws_secrets', async (t) => {
  const moto = await getMoto(t);
  if (!moto) return undefined;
  const sm = new SecretsManagerClient({ ...awsTestConnection(moto.url), maxAttempts: 1 });
  const value = `PLANTED-${unique('secret-value')}`;
  await sm.send(new CreateSecretCommand({ Name: unique('disc-secret'), SecretString: value }));
  const proxy = await startFaultProxy(moto.url);
  proxy.failNext(10_000, denied, 'ListSecrets');
  const conn = (url: string) => ({ type: 'aws_secrets' as const, name: 'aws-sm', ...awsTestConnection(url) });
  return {
    type: 'aws',
    discoverer: createAwsSecretsDiscoverer(conn(moto.url)),
    refused: createAwsSecretsDiscoverer(conn(proxy.url)),
    secrets: [value],
    close: () => proxy.close(),
  };
});
