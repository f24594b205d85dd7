/** Loggers of the upload layer: pino children with redaction, so tokens never reach a log. */
import { pino, type Logger } from 'pino';

/** Paths pino replaces with [Redacted] (headers as axios and node:http carry them, and option objects). */
export const redactPaths = [
  'token',
  'password',
  '*.token',
  '*.password',
  'headers.authorization',
  'headers.Authorization',
  '*.headers.authorization',
  '*.headers.Authorization',
  'config.headers.Authorization',
  'proxy.password',
  'opts.token',
];

export function uploadLogger(parent: Logger | undefined, component: 'upload' | 'heartbeat'): Logger {
  const base = parent ?? pino({ level: process.env.METERBOX_LOG_LEVEL ?? 'info', redact: redactPaths }, pino.destination(2));
  return base.child({ component }, { redact: redactPaths });
}
