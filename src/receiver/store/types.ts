/**
 * The receiver's storage interface. Two implementations: SQLite (better-sqlite3; the embedded
 * default for the demo, the tests and small providers) and PostgreSQL (pg, pooled; production,
 * several receiver nodes on one database). test/receiver/store-contract.test.ts runs one suite
 * against both.
 *
 * Tenancy is in the keys: every row belongs to one agent and every unique key starts with
 * agent_id, so one agent's ids never collide with (or reveal) another's, and the PostgreSQL schema
 * can be distributed by agent_id (Citus). All state a node needs (stale transitions, command
 * queues, rate windows, webhook alerts) is here, none in a process.
 */
import type { WireEvent } from '../../contract/events.js';
import type { AgentRow, CommandRow, DeviceRow, ReceiverEvent, StoredReading, TokenRow } from '../types.js';

export interface IncomingReading {
  id: string;
  readAt: string;
  deviceKey: string;
  vendor?: string;
  model?: string;
  serial?: string;
  counters: Record<string, number>;
  /** The reading JSON as received. */
  body: string;
}

/** An event the receiver itself raises about an agent's device (billing validation at ingest). */
export interface DeviceEventIn {
  at: string;
  kind: string;
  severity: 'info' | 'warning' | 'error';
  deviceKey: string;
  message: string;
  data?: Record<string, unknown>;
}

/** A reading cut down to what meters and charts need (the stores extract it from the JSON). */
export interface MeterRow {
  id: string;
  readAt: string;
  serial?: string;
  /** The channel the reading came by (Reading.source): `box` when the reading does not say. */
  source?: string;
  counters: Record<string, number>;
  sources?: Record<string, string>;
  units?: Record<string, string>;
  supplies?: { description: string; kind?: string; color?: string; percent?: number; level?: number; max?: number; state?: string; class?: string }[];
}

export interface HeartbeatIn {
  agentId: string;
  at: Date;
  version: string;
  /** The heartbeat JSON as received. */
  body: string;
  /**
   * Command ids the agent has acted on. `undefined`: the agent does not acknowledge (an older
   * agent), so commands are handed out once and counted as acknowledged when sent.
   */
  acks?: readonly string[];
  /** The events it reports (its outbox's, with the agent's own seq); kept once each (a resent one is skipped). */
  events?: readonly WireEvent[];
}

export interface OutgoingCommand {
  id: string;
  name: string;
  expiresAt: string;
}

/** A webhook alert waiting in the database until some node delivers it. */
export interface PendingAlert {
  agentId: string;
  seq: number;
  kind: string;
  at: string;
  attempts: number;
  payload: Record<string, unknown>;
}

/** A token as stored: only a hash of the secret, never the secret. */
export interface StoredToken {
  id: string;
  kind: 'agent' | 'provider';
  agentId?: string;
  name?: string;
  role?: 'read' | 'admin';
  /** `sha256:<hex>` of the whole token. */
  hash: string;
  label?: string;
  createdAt: string;
  revokedAt?: string;
}

export interface SweepResult {
  /** Agents that went stale in this sweep (one alert each, whichever node ran it). */
  stale: string[];
  /** Commands that expired unacknowledged (dropped, with an event each). */
  expired: { agentId: string; id: string; name: string; sent: number }[];
  /** Heartbeat log rows pruned by age. */
  prunedHeartbeats: number;
}

export interface ReadingFilter {
  agentId?: string;
  deviceKey?: string;
  limit?: number;
  /** read_at ≥ since, read_at < until (ISO). */
  since?: string;
  until?: string;
  /** Newest first (default oldest first). */
  newest?: boolean;
}

export interface EventFilter {
  agentId?: string;
  afterSeq?: number;
  kind?: string;
  deviceKey?: string;
  limit?: number;
}

/** A signed document published for one agent: the newest of its kind is what the heartbeat answer carries. */
export interface PublishedDocument {
  agentId: string;
  kind: 'config' | 'update';
  version: number;
  /** The signed document as JSON text ({ envelope, signature, keyId }). */
  document: string;
  /** What it says, for the state view (sections of a config; version, sha256 and size of an update). */
  summary: Record<string, unknown>;
  createdAt: string;
}

export interface ReceiverStore {
  readonly kind: 'sqlite' | 'postgres';
  /** Path or URL, with any password masked. */
  readonly location: string;
  /** Schema version after the migrations ran. */
  schemaVersion(): Promise<number>;

  /**
   * Stores readings of one agent in one transaction: a reading id the agent already delivered is
   * a duplicate (ON CONFLICT (agent_id, reading_id) DO NOTHING); devices are keyed (agent_id,
   * device_key), and a key another agent also reports gets a `device.key-conflict` event.
   */
  storeReadings(agentId: string, readings: readonly IncomingReading[], receivedAt: Date): Promise<{ accepted: string[]; duplicate: string[] }>;

  /** Records a heartbeat, applies its acks, and returns the commands to (re)send. `recovered` when the agent was stale. */
  recordHeartbeat(h: HeartbeatIn): Promise<{ commands: OutgoingCommand[]; recovered: boolean }>;
  queueCommand(agentId: string, name: string, at: Date, ttlSeconds: number): Promise<OutgoingCommand>;
  commands(agentId: string): Promise<CommandRow[]>;

  /** Counts one request of an agent in the fixed window that starts at `windowStart`; returns the count so far. */
  rateHit(agentId: string, windowStart: Date): Promise<number>;

  agents(now: Date, staleAfterSeconds: number, known?: readonly string[]): Promise<AgentRow[]>;
  devices(filter?: { agentId?: string; deviceKey?: string }): Promise<DeviceRow[]>;
  readings(filter?: ReadingFilter): Promise<StoredReading[]>;
  /** Each device's newest reading (of one agent, or all). */
  latestReadings(filter?: { agentId?: string }): Promise<StoredReading[]>;
  /** One device's readings in [since, until), oldest first, cut down to meters (and supplies when asked). */
  meterHistory(q: { agentId: string; deviceKey: string; since: string; until: string; supplies?: boolean }): Promise<MeterRow[]>;
  /**
   * What the billing core needs of the same readings, from the daily snapshots (snapshots.ts): the
   * first and last reading of each UTC day and both readings of every break, in the same order.
   */
  meterSnapshots(q: { agentId: string; deviceKey: string; since: string; until: string }): Promise<MeterRow[]>;
  /** Each device's first reading time (from the daily snapshots), one agent's or all, for telling a swapped-out device from its successor. */
  firstReadings(agentId?: string): Promise<{ agentId: string; deviceKey: string; firstReadAt: string }[]>;
  /** Which of `kinds` the receiver's own validation at ingest raised for a device's readings in (after, upTo] (agents' reported events excluded). */
  ingestEventKinds(q: { agentId: string; deviceKey: string; after: string; upTo: string; kinds: readonly string[] }): Promise<string[]>;
  readingCount(agentId?: string): Promise<number>;
  /** Records events the receiver raised about an agent's devices (one transaction). */
  addEvents(agentId: string, events: readonly DeviceEventIn[]): Promise<void>;
  events(filter?: EventFilter): Promise<ReceiverEvent[]>;
  /** Events reported by agents, counted by agent and kind. */
  agentEventCounts(): Promise<{ agentId: string; kind: string; count: number }[]>;
  heartbeatCount(agentId?: string): Promise<number>;

  /** Stale transitions, command expiry and heartbeat-log pruning; safe to run on every node at once. */
  sweep(now: Date, staleAfterSeconds: number, heartbeatRetentionSeconds: number): Promise<SweepResult>;
  /** Leases up to `limit` due alerts to this node for `leaseSeconds`; another node takes them over when the lease runs out. */
  claimAlerts(now: Date, limit: number, leaseSeconds: number): Promise<PendingAlert[]>;
  alertDelivered(a: PendingAlert, at: Date): Promise<void>;
  /** Schedules a retry at `nextAt`, or gives up (`nextAt` undefined) with an `alert.failed` event. */
  alertFailed(a: PendingAlert, error: string, nextAt: Date | undefined, at: Date): Promise<void>;

  /** Stores a signed document; its version must be newer than the agent's last of that kind (else false). */
  publish(d: PublishedDocument): Promise<boolean>;
  /** The newest document of each kind for one agent, or for every agent. */
  published(filter?: { agentId?: string; kind?: 'config' | 'update' }): Promise<PublishedDocument[]>;

  addToken(t: StoredToken): Promise<void>;
  /**
   * A token by id. With `count`, the same call counts one request of the token's agent in the
   * rate window starting at `count.windowStart` — only if the token is a live agent token whose
   * hash is `count.hash` (a guessed id alone cannot spend an agent's budget) — and returns `hits`.
   */
  findToken(id: string, count?: { windowStart: Date; hash: string }): Promise<(StoredToken & { hits?: number }) | undefined>;
  /** Revokes one token by id, or every live token of an agent; returns how many. */
  revokeTokens(by: { id: string } | { agentId: string }, at: Date): Promise<number>;
  listTokens(): Promise<TokenRow[]>;
  /** Agent ids that have a live token in the database (listed as never seen until they speak). */
  tokenAgents(): Promise<string[]>;

  close(): Promise<void>;
}
