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
  | 'MBX_SIM_BIND'
  /** Discovery: a target or exclusion that is not a CIDR block, range, address or host name. */
  | 'MBX_TARGET_INVALID'
  /** Discovery: more addresses than the limit, without --force. */
  | 'MBX_TARGET_TOO_LARGE'
  /** Discovery: a target names a credential set that is not defined. */
  | 'MBX_CREDENTIAL_UNKNOWN'
  /** A configuration value that cannot be used (discovery credentials, --config file). */
  | 'MBX_CONFIG_INVALID'
  /** The outbox database failed its integrity check (it is moved aside and replaced). */
  | 'MBX_STORE_CORRUPT'
  /** The database was written by a newer meterbox; this version refuses to touch it. */
  | 'MBX_STORE_SCHEMA_NEWER'
  | 'MBX_STORE_MIGRATION'
  /** SQLITE_FULL: the disk (or the database's page limit) is full. */
  | 'MBX_STORE_FULL'
  /** The database file or its directory cannot be written. */
  | 'MBX_STORE_READONLY'
  | 'MBX_STORE_BUSY'
  | 'MBX_STORE_IO'
  | 'MBX_STORE_NOT_FOUND';

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
