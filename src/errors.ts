/**
 * Every failure meterbox reports carries a stable code (MBX_…), so installers,
 * logs and the provider can match on it, plus the host / OID / config path involved.
 */
export type ErrorCode =
  | 'MBX_USAGE'
  | 'MBX_SNMP_TIMEOUT'
  | 'MBX_SNMP_AUTH'
  | 'MBX_SNMP_NO_SUCH'
  | 'MBX_SNMP_MALFORMED'
  | 'MBX_SNMP_TOO_BIG'
  | 'MBX_SNMP_ERROR'
  | 'MBX_NOT_A_PRINTER'
  | 'MBX_SNMPREC_INVALID'
  | 'MBX_SIM_BIND';

export interface ErrorContext {
  host?: string;
  oid?: string;
  path?: string;
  [key: string]: unknown;
}

export class MeterboxError extends Error {
  override readonly name = 'MeterboxError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly context: ErrorContext = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isMeterboxError(err: unknown, code?: ErrorCode): err is MeterboxError {
  return err instanceof MeterboxError && (code === undefined || err.code === code);
}
