/** Public types of the reference receiver. */
import type { Logger } from 'pino';

export interface ReceiverOptions {
  /** Address to listen on; default 127.0.0.1. */
  host?: string;
  /** Port; 0 (default) picks a free one (see `url`). */
  port?: number;
  /** SQLite file of the receiver (readings, devices, heartbeats). Created when missing. */
  dbPath: string;
  /** agentId → bearer token. Give this or `tokensFile`. */
  tokens?: Record<string, string>;
  /** JSON file `{ "<agentId>": "<token>", … }`; re-read when it changes. */
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
  /** Admin (fault-injection) HTTP endpoint on 127.0.0.1 only; port 0 picks one. Off when undefined. */
  adminPort?: number;
  /** Largest request body accepted, bytes after decompression (default 16 MiB); larger → 413. */
  maxBodyBytes?: number;
  logger?: Logger;
  now?: () => Date;
}

/** Fault switches, for tests. Each applies to the next N requests to POST /v1/readings (or any path with `path`). */
export interface FaultPlan {
  /** Answer with this status (and Retry-After when given) without storing anything. */
  fail?: { status: number; count?: number; retryAfter?: string; path?: string; message?: string };
  /** Wait this long before handling. */
  delay?: { ms: number; count?: number; path?: string };
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
  /** The admin endpoint (127.0.0.1), when `adminPort` was given. */
  adminUrl?: string;
  /** Queues a command for an agent's next heartbeat answer (`read-now`, `discover-now`, or anything, for tests). */
  queueCommand(agentId: string, name: string): void;
  agents(): AgentRow[];
  devices(): DeviceRow[];
  readings(filter?: { deviceKey?: string; agentId?: string; limit?: number }): StoredReading[];
  readingCount(): number;
  /** Recent requests (last 1000), newest last; `keepBodies` keeps parsed bodies (default true). */
  requests(): SeenRequest[];
  clearRequests(): void;
  close(): Promise<void>;
}
