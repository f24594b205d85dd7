/** Exit codes of the CLI; documented in the README and stable for scripts. */
import type { ErrorCode } from '../contract/errors.js';

export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  noAnswer: 3,
  notAPrinter: 4,
  auth: 5,
  /** The configuration file is invalid (sysexits EX_CONFIG; systemd shows it as status=78/CONFIG). The unit does not restart on it. */
  config: 78,
  /** Interrupted by SIGINT (128 + 2), after printing what was done so far. */
  interrupted: 130,
  /** Stopped by SIGTERM (128 + 15), after printing what was done so far. */
  terminated: 143,
} as const;

export function exitCodeFor(code: ErrorCode): number {
  switch (code) {
    case 'MBX_USAGE':
    case 'MBX_TARGET_INVALID':
    case 'MBX_TARGET_TOO_LARGE':
    case 'MBX_CREDENTIAL_UNKNOWN':
    case 'MBX_UPLOAD_CONFIG':
    case 'MBX_RECEIVER_TOKENS':
    case 'MBX_RECEIVER_TLS':
      return EXIT.usage;
    case 'MBX_CONFIG_INVALID':
      return EXIT.config;
    case 'MBX_SNMP_TIMEOUT':
      return EXIT.noAnswer;
    case 'MBX_NOT_A_PRINTER':
      return EXIT.notAPrinter;
    case 'MBX_SNMP_AUTH':
      return EXIT.auth;
    default:
      return EXIT.failure;
  }
}
