/**
 * Public types of the uploader and the heartbeat (the agent side of the provider protocol).
 * Wire types (what goes over HTTP) live in protocol.ts; these are the options and results the
 * daemon sees.
 */
import type { Logger } from 'pino';
import type { ErrorCounts, MeterboxError } from '../contract/errors.js';
import type { ReadingVersion } from '../contract/reading.js';
import type { DeliveryRecord } from '../store/deliveries.js';
import type { StoreEvent, StoredEvent } from '../store/events.js';
import type { Receipt } from '../store/policy.js';
import type { OutboxCounts, OutboxItem } from '../store/readings.js';
import type { ReceiptResult } from '../store/store.js';
import type { BackoffPolicy } from './backoff.js';
import type { HeartbeatCommandName, SignedDocumentKind, WireCycleSummary, WireHealth, WireRemote } from './protocol.js';

/**
 * What the uploader and the heartbeat need of the outbox, and nothing more: the open store, or
 * none while the outbox is failing. The daemon's Outbox (store/outbox.ts) is one; a Store opened
 * by hand is `{ current: store }`.
 */
export interface OutboxSource {
  readonly current: DeliveryStore | undefined;
}

/** The part of an open Store (store/store.ts) that delivery uses. */
export interface DeliveryStore {
  /** The database file: errors name it, and its directory's free space goes into the heartbeat. */
  readonly path: string;
  readonly readings: { nextBatch(limits: { maxCount: number; maxBytes: number }): OutboxItem[]; counts(): OutboxCounts };
  readonly events: { add(e: StoreEvent): void; unreported(limit: number): StoredEvent[]; markReported(seqs: readonly number[]): void };
  readonly deliveries: { record(d: DeliveryRecord): void };
  /** A receipt (or a quarantine) applied in one transaction with its audit row. */
  applyReceipt(receipt: Receipt, delivery?: DeliveryRecord): ReceiptResult;
  recordAttemptFailure(ids: readonly string[], error: string, delivery?: DeliveryRecord): void;
  /** After each receipt, so the WAL stays small. */
  checkpoint(): number;
}

/** An HTTP(S) proxy reached with CONNECT; credentials here win over those in the URL. */
export interface ProxyOptions {
  /** `http://proxy.example:3128` (or `https://…` for a TLS proxy). */
  url: string;
  username?: string;
  password?: string;
}

/** How the agent reaches the provider: shared by the uploader and the heartbeat. */
export interface ConnectionOptions {
  /** Provider base URL, `https://provider.example` (paths `/v1/...` are appended). Must be https. */
  url: string;
  agentId: string;
  /** Bearer token. Give this or `tokenFile`. */
  token?: string;
  /** File holding the bearer token (trimmed); re-read before every request, so rotation needs no restart. */
  tokenFile?: string;
  /** Extra CA bundle (PEM) trusted in addition to the system CAs, e.g. a TLS-inspecting proxy's CA. */
  caFile?: string;
  /** mTLS client certificate (PEM); needs `clientKey`. */
  clientCert?: string;
  /** mTLS client key (PEM). */
  clientKey?: string;
  /**
   * Proxy. `undefined`: use HTTPS_PROXY / https_proxy (and NO_PROXY) from the environment;
   * `null`: never use a proxy; an object: this proxy.
   */
  proxy?: ProxyOptions | null;
  /** Per-request timeout (connect + response), ms. Default 30 000. */
  timeoutMs?: number;
  /** pino logger; a child with `component: 'upload'` / `'heartbeat'` is made from it. Tokens are redacted. */
  logger?: Logger;
  /** Clock, for tests. */
  now?: () => Date;
}

export interface UploaderOptions extends ConnectionOptions {
  /** Where batches come from and receipts go; asked for its current store at each drain. */
  store: OutboxSource;
  /** Batch bounds: readings per request and uncompressed JSON bytes of the readings. Default 500 / 4 MiB. */
  batch?: { maxCount: number; maxBytes: number };
  /** Retry policy for network errors, timeouts, 5xx and 429. */
  backoff?: Partial<BackoffPolicy>;
  /** Most batches one `drainOnce` sends (0: until the outbox is empty). Default 0. */
  maxBatchesPerDrain?: number;
  /** Random source in [0, 1) for jitter (tests). */
  random?: () => number;
  /** The Reading version the provider accepts (docs/provider-api.yaml); older versions get Readings cut to theirs. Default: the current one. */
  readingVersion?: ReadingVersion;
}

/** Why `drainOnce` stopped. */
export type DrainStop =
  /** Nothing pending (any more). */
  | 'empty'
  /** `maxBatchesPerDrain` reached; more is pending. */
  | 'limit'
  /** A retryable failure: see `retryAt`. */
  | 'retry'
  /** Called before `retryAt` of an earlier failure; nothing was sent. */
  | 'backoff'
  /** 401/403: uploads are stopped until the config changes or a heartbeat succeeds. */
  | 'auth'
  /** No open store (the outbox is failing); nothing was sent. */
  | 'no-store';

export interface UploadResult {
  stop: DrainStop;
  /** Requests answered with a receipt. */
  batches: number;
  /** Readings the provider accepted or already had (now `delivered`). */
  delivered: number;
  /** Readings the provider rejected individually (kept aside with its reason). */
  rejected: number;
  /** Readings set aside because their whole batch got a non-retryable 4xx. */
  quarantined: number;
  /** gzip bytes sent in requests that got an answer. */
  bytesSent: number;
  /** The error that stopped the drain (stop = retry | auth), with an MBX_UPLOAD_* / MBX_TLS_* / MBX_PROXY_* code. */
  error?: MeterboxError;
  /** When the next attempt may go out (stop = retry | backoff). */
  retryAt?: Date;
}

/** Where uploads stand, for status and the health endpoint. */
export interface UploaderState {
  /** Set while 401/403 blocks uploads. */
  authBlocked?: { since: string; status: number; message: string };
  /** Consecutive retryable failures. */
  failures: number;
  retryAt?: string;
  lastError?: { code: string; message: string; at: string };
  lastSuccessAt?: string;
}

/** Last poll or discovery cycle, as the daemon summarises it (the wire's CycleSummary). */
export type CycleSummary = WireCycleSummary;

/**
 * What the daemon knows about itself for one heartbeat. Outbox depth, data-loss event counts
 * and disk free are filled in from the store by `Heartbeat.sendOnce` when a store is configured
 * and the field is absent.
 */
export interface HeartbeatSnapshot {
  version: string;
  uptimeSeconds: number;
  deviceCount: number;
  lastPoll?: CycleSummary;
  lastDiscovery?: CycleSummary;
  /** Errors by MBX_ code since the last heartbeat (or in a recent window): MBX_* codes only. */
  recentErrors?: ErrorCounts;
  outbox?: { depth: number; oldestPendingAgeSeconds?: number; rejected?: number };
  diskFreeBytes?: number;
  /** What the outbox may still need on its filesystem (store/disk.ts). */
  diskNeedBytes?: number;
  /** ok / degraded / unhealthy with the reasons, as /healthz says it. */
  health?: WireHealth;
  /** Extra fields the daemon wants to show the provider (upload state, …). */
  extra?: Record<string, unknown>;
  /** The outcome of the last remote configuration and update (src/remote/state.ts). */
  remote?: WireRemote;
}

export interface HeartbeatOptions extends ConnectionOptions {
  /** For outbox depth, data-loss events (marked reported after a successful heartbeat) and disk free. */
  store?: OutboxSource;
  /** Directory whose filesystem's free space is reported (default: the store's directory). */
  diskPath?: string;
  /**
   * Told when the provider asks for an allow-listed command. Not awaited by the heartbeat; the
   * command's id is acknowledged once the returned promise resolves (a rejection is logged, and
   * the provider sends the command again).
   */
  onCommand?: (command: HeartbeatCommandName, meta: { id?: string }) => void | Promise<void>;
  /**
   * Told about a signed document in the answer (`config`, `update`), unverified: the daemon checks
   * it (src/remote). Called after the commands, synchronously; it must not throw.
   */
  onDocument?: (kind: SignedDocumentKind, document: unknown) => void;
  /** An uploader whose 401/403 block or backoff a successful heartbeat lifts (it returns whether uploads were waiting). */
  uploader?: { heartbeatSucceeded(): boolean | void };
}

export interface HeartbeatResult {
  ok: boolean;
  status?: number;
  /** Allow-listed commands delivered to `onCommand`. */
  commands: HeartbeatCommandName[];
  /** Commands not on the allow-list (logged, not executed). */
  ignored: string[];
  /** Data-loss / store events this heartbeat carried (now marked reported). */
  eventsReported: number;
  /** Command ids this heartbeat acknowledged. */
  acked?: number;
  /** The provider's clock minus ours, ms (when it sent one). */
  clockSkewMs?: number;
  /** Signed documents the answer carried (handed to `onDocument`). */
  documents?: SignedDocumentKind[];
  /** Uploads were blocked or backing off and may run now: the provider is back. */
  uploadsResumed?: boolean;
  error?: MeterboxError;
}
