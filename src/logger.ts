/**
 * pino with redaction on by default. Nothing in the codebase logs raw events; redaction is the
 * second line of defence for fields that could hold a secret if someone adds one by mistake.
 */
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

export const REDACT_PATHS = [
  'token',
  'secret',
  'sealed',
  'password',
  'clientSecret',
  'authorization',
  '*.token',
  '*.secret',
  '*.sealed',
  '*.password',
  '*.clientSecret',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers["x-tourniquet-token"]',
  'subject.token',
  '*.subject.token',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { service: 'tourniquet' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination ?? pino.destination(2),
  );
}
