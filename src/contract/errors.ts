/**
 * Every failure meterbox reports carries a stable code (MBX_…), so installers,
 * logs and the provider can match on it, plus the host / OID / config path involved.
 * Part of src/contract/: the vocabulary every layer shares, importing nothing.
 *
 * Every code is in one list; docs/errors.md gives each its meaning and remedy (test/unit/errors-doc.test.ts
 * fails when the two differ), as it does for the receiver's codes below and the event kinds (events.ts).
 */
export const ERROR_CODES = [
  'MBX_USAGE',
  'MBX_SNMP_TIMEOUT',
  'MBX_SNMP_AUTH',
  'MBX_SNMP_NO_SUCH',
  'MBX_SNMP_MALFORMED',
  'MBX_SNMP_TOO_BIG',
  'MBX_SNMP_ERROR',
  'MBX_NOT_A_PRINTER',
  'MBX_SNMPREC_INVALID',
  'MBX_SIM_BIND',
  /** Discovery: a target or exclusion that is not a CIDR block, range, address or host name. */
  'MBX_TARGET_INVALID',
  /** Discovery: more addresses than the limit, without --force. */
  'MBX_TARGET_TOO_LARGE',
  /** Discovery: a target names a credential set that is not defined. */
  'MBX_CREDENTIAL_UNKNOWN',
  /** A configuration value that cannot be used (discovery credentials, --config file). */
  'MBX_CONFIG_INVALID',
  /** The outbox database failed its integrity check (it is moved aside and replaced). */
  'MBX_STORE_CORRUPT',
  /** The database was written by a newer meterbox; this version refuses to touch it. */
  'MBX_STORE_SCHEMA_NEWER',
  'MBX_STORE_MIGRATION',
  /** SQLITE_FULL: the disk (or the database's page limit) is full. */
  'MBX_STORE_FULL',
  /** The database file or its directory cannot be written. */
  'MBX_STORE_READONLY',
  'MBX_STORE_BUSY',
  'MBX_STORE_IO',
  'MBX_STORE_NOT_FOUND',
  /** Upload/heartbeat options that cannot work (not https, no token, unreadable token/CA/cert file). */
  'MBX_UPLOAD_CONFIG',
  /** The provider could not be reached: refused, reset, DNS, unreachable. Retried with backoff. */
  'MBX_UPLOAD_NETWORK',
  /** No answer within the timeout. Retried with backoff. */
  'MBX_UPLOAD_TIMEOUT',
  /** The provider answered 5xx. Retried with backoff (honouring Retry-After). */
  'MBX_UPLOAD_SERVER',
  /** The provider answered 429. Retried after Retry-After. */
  'MBX_UPLOAD_RATE_LIMITED',
  /** 401/403: the token is wrong, revoked or not for this agent id. Uploads stop until the config changes or a heartbeat succeeds. */
  'MBX_UPLOAD_AUTH',
  /** Another 4xx: the batch is quarantined (set aside as rejected) with the provider's reason. */
  'MBX_UPLOAD_REJECTED',
  /** 413 for a single reading: it is quarantined; larger batches are split first. */
  'MBX_UPLOAD_TOO_LARGE',
  /** A 2xx answer that is not a receipt we can use. Retried with backoff. */
  'MBX_UPLOAD_PROTOCOL',
  /** The server certificate is not signed by a trusted CA (system CAs + caFile). */
  'MBX_TLS_UNTRUSTED',
  /** A certificate in the chain is expired or not yet valid (check the box's clock too). */
  'MBX_TLS_EXPIRED',
  /** The server certificate is not for the host name in the URL. */
  'MBX_TLS_HOSTNAME',
  /** The provider refused our mTLS client certificate, or it cannot be loaded. */
  'MBX_TLS_CLIENT_CERT',
  /** Another TLS failure (protocol version below 1.2, handshake failure). */
  'MBX_TLS_HANDSHAKE',
  /** The proxy answered 407: proxy credentials missing or wrong. */
  'MBX_PROXY_AUTH',
  /** The proxy could not be reached or refused the CONNECT (other than 407). */
  'MBX_PROXY_FAILED',
  /** Receiver: the tokens file is missing or malformed. */
  'MBX_RECEIVER_TOKENS',
  /** Receiver: the certificate/key cannot be loaded. */
  'MBX_RECEIVER_TLS',
  /** Receiver: cannot listen on the address. */
  'MBX_RECEIVER_BIND',
  /** Receiver: its database cannot be opened, migrated or reached. */
  'MBX_RECEIVER_DB',
  /** Receiver: options that cannot work together (fault injection without an admin token, reusePort on an old Node). */
  'MBX_RECEIVER_CONFIG',
  /** Receiver `--workers N`: a worker exited before it listened; the others are stopped. */
  'MBX_RECEIVER_START',
  /** `meterbox run`: the health endpoint cannot listen on the configured host:port (in use, no such address). */
  'MBX_DAEMON_HEALTH_BIND',
  /** Billing: readings out of time order, a device's readings not grouped, or a period that cannot be measured. */
  'MBX_BILLING_INPUT',
  /** A signed document from the provider (remote config, update manifest) that is not well-formed. */
  'MBX_REMOTE_MALFORMED',
  /** Its signature does not verify with any pinned key (tampered, or signed by another key), or no key is pinned. */
  'MBX_REMOTE_SIGNATURE',
  /** Its version is not newer than the last one this box took (a replay). */
  'MBX_REMOTE_REPLAYED',
  /** Past its expiresAt. */
  'MBX_REMOTE_EXPIRED',
  /** Signed for another agent id. */
  'MBX_REMOTE_WRONG_AGENT',
  /** A remote config that sets what only the local file may set, or that the loader refuses. */
  'MBX_REMOTE_CONFIG_INVALID',
  /** After a remote config was applied the box did not become healthy in the window: the last known-good one is back. */
  'MBX_REMOTE_ROLLED_BACK',
  /** Self-update: the download failed, or the file is not the announced size or SHA-256. */
  'MBX_UPDATE_DOWNLOAD',
  /** Self-update: the helper could not install the package, or the new version was not healthy and the previous one is back. */
  'MBX_UPDATE_FAILED',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Failures counted by code (a poll cycle's, the heartbeat's recentErrors). */
export type ErrorCounts = Partial<Record<ErrorCode, number>>;

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

/**
 * The receiver's answer to a request it refuses: `{ "error": { "code", "message" } }` with one of
 * these codes (docs/provider-api.yaml, components.schemas.Error, lists them too). The uploader classifies the HTTP status, not
 * the code; the code is for the provider's logs and for people.
 */
export const RECEIVER_ERROR_CODES = [
  'no-token',
  'bad-token',
  'forbidden',
  'agent-mismatch',
  'rate-limited',
  'busy',
  'too-large',
  'unsupported-encoding',
  'bad-gzip',
  'bad-json',
  'invalid-request',
  'invalid-heartbeat',
  'bad-query',
  'bad-agent',
  'bad-command',
  'not-found',
  /** A download's Range header asks for bytes the package does not have (416). */
  'bad-range',
  'unknown-device',
  'ambiguous-device',
  'store-unavailable',
  'internal',
  /** Test fault injection (the admin /faults route): a failure the test asked for. */
  'injected',
] as const;
export type ReceiverErrorCode = (typeof RECEIVER_ERROR_CODES)[number];
