/**
 * Logging conventions every layer shares (pino, JSON): ONE list of the places a secret can sit in
 * a logged object, which every logger redacts, and the root logger a module falls back to when
 * its caller gives none. Secrets that appear elsewhere in a line (an error message quoting a
 * proxy URL) are masked by value in the daemon's stream (config/redact.ts SecretMasker).
 */
import { pino, type Logger } from 'pino';

/** pino `redact` paths: tokens, HTTP authorization headers (as axios and node:http carry them), SNMP secrets, proxy credentials, config objects. */
export const REDACT_PATHS: readonly string[] = [
  'token',
  '*.token',
  'tokens',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'headers.Authorization',
  '*.headers.authorization',
  '*.headers.Authorization',
  'req.headers.authorization',
  'config.headers.Authorization',
  'community',
  '*.community',
  'authKey',
  '*.authKey',
  'privKey',
  '*.privKey',
  'proxy',
  '*.proxy',
  'password',
  '*.password',
  'config.provider.token',
  'config.provider.proxy',
  'config.credentials[*].community',
  'config.credentials[*].authKey',
  'config.credentials[*].privKey',
  'credentials[*].community',
  'credentials[*].authKey',
  'credentials[*].privKey',
  'credentials[*].credentials.community',
  'credentials[*].credentials.authKey',
  'credentials[*].credentials.privKey',
];

/** The root logger of a module whose caller gave none: JSON on stderr at $METERBOX_LOG_LEVEL (default info), secrets redacted. */
export function fallbackLogger(): Logger {
  return pino({ level: process.env.METERBOX_LOG_LEVEL ?? 'info', redact: [...REDACT_PATHS] }, pino.destination(2));
}
