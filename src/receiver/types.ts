/** Public types of the reference receiver. */
import type { Logger } from 'pino';
import type { BillingContractInput } from '../billing/index.js';
import type { OutgoingCommand, ReceiverStore } from './store/types.js';

/** A provider token's role: `read` lists agents, devices, readings and events; `admin` also queues commands and drives fault injection. */
export type ProviderRole = 'read' | 'admin';

/**
 * Token entries, as in the `--tokens` file: `"<agentId>": "<token>"` for an agent, or
 * `"<name>": { "role": "read" | "admin", "token": "<token>" }` for a provider token. A token is
 * written plain or as `sha256:<64 hex>` (its SHA-256), so the file need not hold the secret.
 */
export type TokenEntries = Record<string, string | { role: ProviderRole; token: string }>;

/** Who a request's bearer token belongs to. */
export type Principal = { kind: 'agent'; agentId: string; tokenId: string } | { kind: 'provider'; name: string; role: ProviderRole; tokenId: string };

export interface ReceiverLimits {
  /** Request bodies being decompressed at once; more wait briefly, then get 429 (default: 2 × CPUs, at least 4). */
  maxConcurrentDecompressions?: number;
  /** Body bytes (received plus decompressed) held by all requests at once; beyond it, 429 (default 64 MiB). */
  maxInflightBytes?: number;
  /** Requests per agent per minute (readings and heartbeats together); beyond it, 429 until the window ends. 0: no limit (default 600). */
  agentRequestsPerMinute?: number;
  /** Largest request body accepted, bytes after decompression (default 16 MiB); larger → 413. */
  maxBodyBytes?: number;
}

export interface WebhookOptions {
  /** POST target for `agent.stale` and `agent.recovered` alerts (JSON). http or https. */
  url: string;
  /** When given, each POST carries `X-Meterbox-Signature: sha256=<HMAC-SHA256 of the body>`. */
  secret?: string;
  /** Extra CA (PEM text) trusted for an https webhook. */
  ca?: string;
  /** Per-attempt timeout, ms (default 10 000). */
  timeoutMs?: number;
}

export interface ReceiverOptions {
  /** Address to listen on; default 127.0.0.1. */
  host?: string;
  /** Port; 0 (default) picks a free one (see `url`). */
  port?: number;
  /** Share the port with other receiver processes (SO_REUSEPORT; needs Node 22.12 or later). */
  reusePort?: boolean;
  /** The store: a SQLite file path, or a `postgres://` URL. Give this or `dbPath`. */
  db?: string;
  /** A SQLite file (created when missing); `db` wins when both are given. */
  dbPath?: string;
  /** Pool size per node for PostgreSQL (default 10). */
  poolSize?: number;
  /** Token entries (see TokenEntries). Tokens made with `meterbox receiver token add` live in the database and work too. */
  tokens?: TokenEntries;
  /** JSON file of TokenEntries; re-read when a token is not found. */
  tokensFile?: string;
  /** PEM certificate and key; without them a self-signed pair for `host` (+ localhost, 127.0.0.1) is generated. */
  cert?: string;
  key?: string;
  /** With cert/key given as file paths instead of PEM text. */
  certFile?: string;
  keyFile?: string;
  /** Require and verify client certificates against this CA (PEM text), for mTLS tests. */
  clientCa?: string;
  /** An agent is `stale` after this many seconds without a heartbeat (default 900). */
  staleAfterSeconds?: number;
  /** How often this node looks for stale agents, expired commands and due alerts, ms (default: a quarter of staleAfter, at most 30 s). */
  sweepIntervalMs?: number;
  /** Heartbeat log rows older than this are pruned (default 7 days). */
  heartbeatRetentionSeconds?: number;
  /** A command not acknowledged within this long is dropped and reported (default 3600). */
  commandTtlSeconds?: number;
  /** Where `publish-update` keeps packages (`<sha256>.deb`), served at GET /v1/updates/<sha256>.deb; shared by every node. */
  updatesDir?: string;
  /** Alerts when an agent goes stale and when it recovers. */
  webhook?: WebhookOptions;
  /**
   * Fault injection over HTTP (tests and drills only): an endpoint on 127.0.0.1 at this port
   * (0 picks one). Off when undefined. Every request to it needs an admin provider token.
   */
  adminPort?: number;
  limits?: ReceiverLimits;
  /**
   * The billing contract (units per size, scan ratio, idle and gap windows, spike thresholds),
   * as in the agent's config `billing` section; every field defaults to the contract. Validated at
   * start (MBX_CONFIG_INVALID naming the field). Used to validate readings at ingest and by the
   * billing export.
   */
  billing?: BillingContractInput;
  /** @deprecated use limits.maxBodyBytes. */
  maxBodyBytes?: number;
  /** Names this node in logs, /v1/status and webhook payloads (default host:pid). */
  nodeId?: string;
  logger?: Logger;
  now?: () => Date;
}

/** Fault switches, for tests. Each applies to the next N requests to POST /v1/readings (or any path with `path`). */
export interface FaultPlan {
  /** Answer with this status (and Retry-After when given) without storing anything. */
  fail?: { status: number; count?: number; retryAfter?: string; path?: string; message?: string };
  /** Wait this long before handling, or (`afterCommit`) after the batch is committed and before the receipt is sent. */
  delay?: { ms: number; count?: number; path?: string; afterCommit?: boolean };
  /** Destroy the connection: before storing (`afterCommit` false) or after the batch is committed. */
  reset?: { count?: number; afterCommit?: boolean; path?: string };
  /** Store and acknowledge only the first `accept` readings of the batch; the rest are left out of the receipt. */
  partial?: { accept: number; count?: number };
}

export interface FaultController {
  /** Adds to the plan (each switch counts down independently). */
  inject(plan: FaultPlan): void;
  failNext(count: number, status: number, retryAfter?: string): void;
  delayNext(count: number, ms: number): void;
  resetNext(count: number, afterCommit?: boolean): void;
  partialNext(count: number, accept: number): void;
  clear(): void;
  /** What is left of the plan. */
  pending(): FaultPlan;
}

export interface AgentRow {
  agentId: string;
  lastSeen?: string;
  secondsSinceSeen?: number;
  stale: boolean;
  /** When the receiver noticed the silence (alert sent), while stale. */
  staleSince?: string;
  version?: string;
  /** The last heartbeat body as received. */
  lastHeartbeat?: Record<string, unknown>;
  readings: number;
  lastReadingAt?: string;
}

export interface DeviceRow {
  key: string;
  vendor?: string;
  model?: string;
  serial?: string;
  agentId: string;
  readings: number;
  lastReadAt?: string;
  lastCounters?: Record<string, number>;
}

export interface StoredReading {
  id: string;
  agentId: string;
  deviceKey: string;
  readAt: string;
  receivedAt: string;
  /** The Reading JSON as received. */
  body: Record<string, unknown>;
}

/** Something the provider should know that no single request answered: a device key two agents report, an expired command, an alert given up. */
export interface ReceiverEvent {
  seq: number;
  agentId: string;
  at: string;
  kind: string;
  message: string;
  deviceKey?: string;
  data?: Record<string, unknown>;
  /** For an event an agent reported: its severity and the agent's own number for it. */
  severity?: 'info' | 'warning' | 'error';
  agentSeq?: number;
}

export type CommandState = 'pending' | 'sent' | 'acked' | 'expired';

export interface CommandRow {
  id: string;
  agentId: string;
  name: string;
  state: CommandState;
  createdAt: string;
  expiresAt: string;
  /** Times it went out in a heartbeat answer. */
  sent: number;
  lastSentAt?: string;
  ackedAt?: string;
  /** `agent`: acknowledged by the agent; `legacy`: handed to an agent that does not acknowledge. */
  ack?: 'agent' | 'legacy';
  expiredAt?: string;
}

/** A token as listed (never the secret, never its hash). */
export interface TokenRow {
  id: string;
  kind: 'agent' | 'provider';
  agentId?: string;
  name?: string;
  role?: ProviderRole;
  label?: string;
  createdAt: string;
  revokedAt?: string;
}

/** This node's own figures (GET /v1/status). */
export interface NodeStatus {
  node: string;
  pid: number;
  store: 'sqlite' | 'postgres';
  schemaVersion: number;
  uptimeSeconds: number;
  memory: { rss: number; heapUsed: number; external: number; arrayBuffers: number };
  limits: Required<ReceiverLimits>;
  inflight: { bytes: number; peakBytes: number; decompressions: number; peakDecompressions: number; waiting: number };
  refused: { busy: number; rateLimited: number; tooLarge: number };
  /** Maintenance sweeps (stale agents, expired commands, webhook alerts) this node has finished since it started. */
  sweeps: number;
}

/** A request the receiver saw (tests check bodies against the OpenAPI document). */
export interface SeenRequest {
  method: string;
  path: string;
  status: number;
  agentId?: string;
  /** Decompressed body bytes. */
  bytes: number;
  /** gzip/identity bytes as received. */
  wireBytes: number;
  headers: Record<string, string | string[] | undefined>;
  body?: unknown;
  response?: unknown;
}

export interface RunningReceiver {
  /** `https://host:port`, the base URL agents upload to. */
  url: string;
  host: string;
  port: number;
  /** SHA-256 fingerprint of the served certificate, `AB:CD:…`. */
  fingerprint: string;
  /** The served certificate (PEM), so a test or an agent can trust it as its caFile. */
  certPem: string;
  /** Fault injection (in process). */
  faults: FaultController;
  /** The fault-injection endpoint (127.0.0.1), when `adminPort` was given. */
  adminUrl?: string;
  /** The store this node uses (shared with the other nodes on PostgreSQL). */
  store: ReceiverStore;
  /** Queues a command for an agent's next heartbeat answer (`read-now`, `discover-now`, or anything, for tests). */
  queueCommand(agentId: string, name: string, ttlSeconds?: number): Promise<OutgoingCommand>;
  agents(): Promise<AgentRow[]>;
  devices(filter?: { agentId?: string }): Promise<DeviceRow[]>;
  readings(filter?: { deviceKey?: string; agentId?: string; limit?: number }): Promise<StoredReading[]>;
  readingCount(): Promise<number>;
  status(): Promise<NodeStatus>;
  /** Recent requests (last 1000), newest last. */
  requests(): SeenRequest[];
  clearRequests(): void;
  close(): Promise<void>;
}
