/**
 * The shipped provider-family definitions, by name (the config's `family`). One file each.
 */
import type { FamilyDefinition } from '../../../schemas/providers/family.js';
import atlassian from './atlassian.js';
import buildkite from './buildkite.js';
import cloudflare from './cloudflare.js';
import datadog from './datadog.js';
import digitalocean from './digitalocean.js';
import doppler from './doppler.js';
import gitlab from './gitlab.js';
import heroku from './heroku.js';
import huggingface from './huggingface.js';
import npm from './npm.js';
import pagerduty from './pagerduty.js';
import sendgrid from './sendgrid.js';
import twilio from './twilio.js';
import vercel from './vercel.js';

const LIST: readonly FamilyDefinition[] = [
  gitlab,
  huggingface,
  npm,
  cloudflare,
  digitalocean,
  heroku,
  vercel,
  doppler,
  buildkite,
  datadog,
  pagerduty,
  atlassian,
  twilio,
  sendgrid,
];

export const FAMILIES: Readonly<Record<string, FamilyDefinition>> = Object.freeze(
  Object.fromEntries(LIST.map((d) => [d.name, d])),
);
