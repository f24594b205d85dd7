/** Loggers of the upload layer: pino children with the shared redact paths (src/log.ts), so tokens never reach a log. */
import type { Logger } from 'pino';
import { REDACT_PATHS, fallbackLogger } from '../log.js';

export function uploadLogger(parent: Logger | undefined, component: 'upload' | 'heartbeat'): Logger {
  return (parent ?? fallbackLogger()).child({ component }, { redact: [...REDACT_PATHS] });
}
