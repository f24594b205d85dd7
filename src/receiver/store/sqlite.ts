/**
 * The SQLite store (better-sqlite3): the embedded default. WAL and synchronous=FULL; every write
 * is one IMMEDIATE transaction, so a receipt is only sent for readings that are on disk. One
 * process per file is the intended use: SQLite serialises writers, so a second node on the same
 * file adds contention, not capacity (use PostgreSQL for that).
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { MeterboxError } from '../../contract/errors.js';
import type { AgentAlertKind, ReceiverEventKind } from '../../contract/events.js';
import type { AgentRow, CommandRow, DeviceRow, ReceiverEvent, StoredReading, TokenRow } from '../types.js';
import { pendingMigrations } from './migrations.js';
import { distinctReadings, snapshotMeterOf, snapshotRows, utcDay, type PlacedReading, type SnapshotMeter } from './snapshots.js';
import {
  agentEventsJson,
  agentRows,
  commandRow,
  deviceRow,
  eventRow,
  expiredCommandMessage,
  foldDevices,
  keyConflictEvent,
  meterRows,
  oneEach,
  recoveredAlert,
  staleAlert,
  storedReading,
  storedToken,
  tokenRow,
  type RawAgent,
  type RawCommand,
  type RawDevice,
  type RawEvent,
  type RawMeter,
  type RawReading,
  type RawToken,
} from './rows.js';
import type { DeviceEventIn, EventFilter, HeartbeatIn, IncomingReading, MeterRow, OutgoingCommand, PendingAlert, PublishedDocument, ReadingFilter, ReceiverStore, StoredToken, SweepResult } from './types.js';

export interface StoreOptions {
  /** Whether stale/recovered transitions queue webhook alerts (a webhook is configured). */
  alerts?: boolean;
}

export class SqliteStore implements ReceiverStore {
  readonly kind = 'sqlite' as const;
  readonly db: Database.Database;
  private readonly alerts: boolean;

  private constructor(
    readonly location: string,
    db: Database.Database,
    opts: StoreOptions,
  ) {
    this.db = db;
    this.alerts = opts.alerts ?? false;
  }

  static open(path: string, opts: StoreOptions = {}): SqliteStore {
    let db: Database.Database | undefined;
    try {
      mkdirSync(dirname(path), { recursive: true });
      db = new Database(path);
      // First: switching to WAL needs a lock, and a second worker opening the same file at the same moment must wait for it, not fail with "database is locked".
      db.pragma('busy_timeout = 5000');
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      migrate(db, path);
    } catch (err) {
      db?.close();
      if (err instanceof MeterboxError) throw err;
      throw new MeterboxError('MBX_RECEIVER_DB', `${path}: cannot open the receiver database: ${(err as Error).message}`, { path }, { cause: err });
    }
    return new SqliteStore(path, db, opts);
  }

  private tx<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  /** Statements are compiled once and reused. */
  private readonly statements = new Map<string, Database.Statement>();
  private st(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) this.statements.set(sql, (s = this.db.prepare(sql)));
    return s;
  }

  /**
   * Runs `fn` without waiting for the disk at commit (WAL, synchronous=NORMAL): for what a power
   * cut may lose harmlessly (a heartbeat, a rate-limit count; the agent sends them again), so that
   * only receipts of readings wait for fsync.
   */
  private relaxed<T>(fn: () => T): T {
    this.db.pragma('synchronous = NORMAL');
    try {
      return fn();
    } finally {
      this.db.pragma('synchronous = FULL');
    }
  }

  private event(agentId: string, at: string, kind: ReceiverEventKind, message: string, deviceKey: string | null, data: Record<string, unknown> | null): void {
    this.st('INSERT INTO events (agent_id, at, kind, device_key, message, data) VALUES (?, ?, ?, ?, ?, ?)').run(agentId, at, kind, deviceKey, message, data ? JSON.stringify(data) : null);
  }

  private alert(agentId: string, at: string, kind: AgentAlertKind, payload: Record<string, unknown>): void {
    if (!this.alerts) return;
    this.st('INSERT INTO alerts (agent_id, kind, at, payload, next_attempt_at) VALUES (?, ?, ?, ?, ?)').run(agentId, kind, at, JSON.stringify(payload), at);
  }

  async schemaVersion(): Promise<number> {
    return (this.st('SELECT COALESCE(MAX(version), 0) FROM schema_migrations').pluck().get() as number) ?? 0;
  }

  async storeReadings(agentId: string, readings: readonly IncomingReading[], receivedAt: Date): Promise<{ accepted: string[]; duplicate: string[] }> {
    const at = receivedAt.toISOString();
    return this.tx(() => {
      const insert = this.st('INSERT INTO readings (agent_id, reading_id, device_key, read_at, received_at, body) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (agent_id, reading_id) DO NOTHING');
      const accepted: IncomingReading[] = [];
      const duplicate: string[] = [];
      for (const r of readings) {
        if (insert.run(agentId, r.id, r.deviceKey, r.readAt, at, r.body).changes === 0) duplicate.push(r.id);
        else accepted.push(r);
      }
      this.snapshot(agentId, accepted);
      const exists = this.st('SELECT 1 FROM devices WHERE agent_id = ? AND device_key = ?').pluck();
      const upsert = this.st(
        `INSERT INTO devices (agent_id, device_key, vendor, model, serial, readings, first_seen, last_read_at, last_counters)
         VALUES (@agentId, @key, @vendor, @model, @serial, @count, @at, @readAt, @counters)
         ON CONFLICT (agent_id, device_key) DO UPDATE SET
           readings = readings + excluded.readings,
           vendor = CASE WHEN last_read_at IS NULL OR excluded.last_read_at >= last_read_at THEN COALESCE(excluded.vendor, vendor) ELSE vendor END,
           model = CASE WHEN last_read_at IS NULL OR excluded.last_read_at >= last_read_at THEN COALESCE(excluded.model, model) ELSE model END,
           serial = CASE WHEN last_read_at IS NULL OR excluded.last_read_at >= last_read_at THEN COALESCE(excluded.serial, serial) ELSE serial END,
           last_counters = CASE WHEN last_read_at IS NULL OR excluded.last_read_at >= last_read_at THEN excluded.last_counters ELSE last_counters END,
           last_read_at = MAX(COALESCE(last_read_at, ''), excluded.last_read_at)`,
      );
      const others = this.st('SELECT DISTINCT agent_id FROM devices WHERE device_key = ? AND agent_id <> ? ORDER BY agent_id').pluck();
      for (const d of foldDevices(accepted)) {
        const isNew = exists.get(agentId, d.key) === undefined;
        upsert.run({ agentId, key: d.key, vendor: d.vendor, model: d.model, serial: d.serial, count: d.count, at, readAt: d.readAt, counters: d.counters });
        if (!isNew) continue;
        const o = others.all(d.key, agentId) as string[];
        if (o.length > 0) {
          const e = keyConflictEvent(agentId, d.key, o);
          this.event(agentId, at, 'device.key-conflict', e.message, d.key, e.data);
        }
      }
      if (accepted.length > 0) {
        const last = accepted.reduce((m, r) => (r.readAt > m ? r.readAt : m), '');
        this.st(
            `INSERT INTO agents (agent_id, readings, last_reading_at) VALUES (?, ?, ?)
             ON CONFLICT (agent_id) DO UPDATE SET readings = readings + excluded.readings, last_reading_at = MAX(COALESCE(last_reading_at, ''), excluded.last_reading_at)`,
          )
          .run(agentId, accepted.length, last);
      }
      return { accepted: accepted.map((r) => r.id), duplicate };
    });
  }

  async recordHeartbeat(h: HeartbeatIn): Promise<{ commands: OutgoingCommand[]; recovered: boolean }> {
    const at = h.at.toISOString();
    return this.relaxed(() => this.tx(() => {
      const prev = this.st('SELECT stale_since, last_seen FROM agents WHERE agent_id = ?').get(h.agentId) as { stale_since: string | null; last_seen: string | null } | undefined;
      this.st(
          `INSERT INTO agents (agent_id, last_seen, version, last_heartbeat, heartbeats) VALUES (?, ?, ?, ?, 1)
           ON CONFLICT (agent_id) DO UPDATE SET last_seen = excluded.last_seen, version = excluded.version, last_heartbeat = excluded.last_heartbeat, heartbeats = heartbeats + 1, stale_since = NULL`,
        )
        .run(h.agentId, at, h.version, h.body);
      this.st('INSERT INTO heartbeats (agent_id, at, body) VALUES (?, ?, ?)').run(h.agentId, at, h.body);
      if (h.events && h.events.length > 0) {
        this.st(
          `INSERT INTO events (agent_id, agent_seq, at, kind, severity, device_key, message)
           SELECT ?, e.value ->> '$.seq', e.value ->> '$.at', e.value ->> '$.kind', e.value ->> '$.severity', e.value ->> '$.deviceKey', e.value ->> '$.message' FROM json_each(?) e
           WHERE true ON CONFLICT (agent_id, agent_seq, at) WHERE agent_seq IS NOT NULL DO NOTHING`,
        ).run(h.agentId, agentEventsJson(h.events, at));
      }
      const recovered = !!prev?.stale_since;
      if (recovered) {
        const a = recoveredAlert(h.agentId, h.at, prev.stale_since as string, prev.last_seen ?? undefined);
        this.event(h.agentId, at, 'agent.recovered', a.message, null, a.payload);
        this.alert(h.agentId, at, 'agent.recovered', a.payload);
      }
      if (h.acks && h.acks.length > 0) {
        this.st(`UPDATE commands SET acked_at = ?, ack = 'agent' WHERE agent_id = ? AND acked_at IS NULL AND expired_at IS NULL AND command_id IN (SELECT value FROM json_each(?))`)
          .run(at, h.agentId, JSON.stringify(h.acks));
      }
      const due = this.st('SELECT command_id, name, expires_at FROM commands WHERE agent_id = ? AND acked_at IS NULL AND expired_at IS NULL AND expires_at > ? ORDER BY created_at, command_id')
        .all(h.agentId, at) as { command_id: string; name: string; expires_at: string }[];
      // An agent that does not acknowledge gets each command once (counted as acknowledged when sent).
      const legacy = h.acks === undefined ? `, acked_at = @at, ack = 'legacy'` : '';
      const sent = this.st(`UPDATE commands SET sent_count = sent_count + 1, last_sent_at = @at${legacy} WHERE agent_id = @agentId AND command_id = @id`);
      for (const c of due) sent.run({ at, agentId: h.agentId, id: c.command_id });
      return { commands: due.map((c) => ({ id: c.command_id, name: c.name, expiresAt: c.expires_at })), recovered };
    }));
  }

  async queueCommand(agentId: string, name: string, at: Date, ttlSeconds: number): Promise<OutgoingCommand> {
    const c = { id: uuidv7(), name, expiresAt: new Date(at.getTime() + ttlSeconds * 1000).toISOString() };
    this.st('INSERT INTO commands (agent_id, command_id, name, created_at, expires_at) VALUES (?, ?, ?, ?, ?)').run(agentId, c.id, name, at.toISOString(), c.expiresAt);
    return c;
  }

  async commands(agentId: string): Promise<CommandRow[]> {
    return (this.st('SELECT * FROM commands WHERE agent_id = ? ORDER BY created_at, command_id').all(agentId) as RawCommand[]).map(commandRow);
  }

  async rateHit(agentId: string, windowStart: Date): Promise<number> {
    return this.relaxed(() => this.st(
        `INSERT INTO rate_windows (agent_id, window_start, hits) VALUES (?, ?, 1)
         ON CONFLICT (agent_id) DO UPDATE SET hits = CASE WHEN excluded.window_start <= window_start THEN hits + 1 ELSE 1 END, window_start = MAX(window_start, excluded.window_start)
         RETURNING hits`,
      )
      .pluck()
      .get(agentId, windowStart.toISOString()) as number);
  }

  async agents(now: Date, staleAfterSeconds: number, known: readonly string[] = []): Promise<AgentRow[]> {
    const rows = this.st('SELECT agent_id, last_seen, version, last_heartbeat, readings, last_reading_at, stale_since FROM agents').all() as RawAgent[];
    return agentRows(rows, now, staleAfterSeconds, [...known, ...(await this.tokenAgents())]);
  }

  async devices(filter: { agentId?: string; deviceKey?: string } = {}): Promise<DeviceRow[]> {
    const rows = this.st('SELECT * FROM devices WHERE (@agentId IS NULL OR agent_id = @agentId) AND (@deviceKey IS NULL OR device_key = @deviceKey) ORDER BY device_key, agent_id')
      .all({ agentId: filter.agentId ?? null, deviceKey: filter.deviceKey ?? null }) as RawDevice[];
    return rows.map(deviceRow);
  }

  async readings(filter: ReadingFilter = {}): Promise<StoredReading[]> {
    const order = filter.newest ? 'read_at DESC, reading_id DESC' : 'read_at, reading_id';
    const rows = this.st(
        `SELECT agent_id, reading_id, device_key, read_at, received_at, body FROM readings
         WHERE (@agentId IS NULL OR agent_id = @agentId) AND (@deviceKey IS NULL OR device_key = @deviceKey)
           AND (@since IS NULL OR read_at >= @since) AND (@until IS NULL OR read_at < @until) ORDER BY ${order} LIMIT @limit`,
      )
      .all({ agentId: filter.agentId ?? null, deviceKey: filter.deviceKey ?? null, since: filter.since ?? null, until: filter.until ?? null, limit: filter.limit ?? 1_000_000 }) as RawReading[];
    return rows.map(storedReading);
  }

  async latestReadings(filter: { agentId?: string } = {}): Promise<StoredReading[]> {
    // CROSS JOIN keeps devices as the outer loop (SQLite never reorders it: sqlite.org/optoverview.html#crossjoin):
    // without statistics the planner chose to walk every stored reading (ordered as the ORDER BY) and
    // look its device up, a cost that grew with the history (183 ms for 200 devices × 60 days), not with the fleet.
    const rows = this.st(
        `SELECT r.agent_id, r.reading_id, r.device_key, r.read_at, r.received_at, r.body FROM devices d
         CROSS JOIN readings r ON r.agent_id = d.agent_id AND r.device_key = d.device_key AND r.read_at = d.last_read_at
         WHERE (@agentId IS NULL OR d.agent_id = @agentId) ORDER BY r.agent_id, r.device_key, r.reading_id DESC`,
      )
      .all({ agentId: filter.agentId ?? null }) as RawReading[];
    return oneEach(rows.map(storedReading));
  }

  async meterHistory(q: { agentId: string; deviceKey: string; since: string; until: string; supplies?: boolean }): Promise<MeterRow[]> {
    const rows = this.st(
        `SELECT reading_id, read_at, body ->> '$.device.serial' AS serial, body ->> '$.source' AS source, body -> '$.counters' AS counters, body -> '$.sources' AS sources, body -> '$.units' AS units${q.supplies ? `, body -> '$.supplies' AS supplies` : ''}
         FROM readings WHERE agent_id = ? AND device_key = ? AND read_at >= ? AND read_at < ? ORDER BY read_at, reading_id`,
      )
      .all(q.agentId, q.deviceKey, q.since, q.until) as RawMeter[];
    return meterRows(rows);
  }

  /** The daily snapshots (snapshots.ts) of what a batch stored, in the batch's transaction. */
  private snapshot(agentId: string, accepted: readonly IncomingReading[]): void {
    if (accepted.length === 0) return;
    const cols = `reading_id AS id, read_at AS readAt, body ->> '$.device.serial' AS serial, body ->> '$.source' AS source, COALESCE(body -> '$.counters', '{}') AS counters, body -> '$.sources' AS sources, body -> '$.units' AS units`;
    const before = this.st(`SELECT ${cols} FROM readings WHERE agent_id = @a AND device_key = @k AND (read_at < @t OR (read_at = @t AND reading_id < @i)) ORDER BY read_at DESC, reading_id DESC LIMIT 1`);
    const after = this.st(`SELECT ${cols} FROM readings WHERE agent_id = @a AND device_key = @k AND (read_at > @t OR (read_at = @t AND reading_id > @i)) ORDER BY read_at, reading_id LIMIT 1`);
    const placed = accepted.map((r): PlacedReading => {
      const at = { a: agentId, k: r.deviceKey, t: r.readAt, i: r.id };
      const b = before.get(at) as SnapshotMeter | undefined;
      const n = after.get(at) as SnapshotMeter | undefined;
      return { deviceKey: r.deviceKey, m: snapshotMeterOf(r.id, r.readAt, r.body), ...(b ? { before: b } : {}), ...(n ? { after: n } : {}) };
    });
    const { bounds, breaks } = snapshotRows(placed);
    const put = this.st(
      `INSERT INTO meter_snapshots (agent_id, device_key, day, slot, reading_id, read_at, serial, source, counters, sources, units)
       VALUES (@a, @k, @day, @slot, @id, @readAt, @serial, @source, @counters, @sources, @units)
       ON CONFLICT (agent_id, device_key, day, slot) DO UPDATE SET reading_id = excluded.reading_id, read_at = excluded.read_at, serial = excluded.serial, source = excluded.source,
         counters = excluded.counters, sources = excluded.sources, units = excluded.units
       WHERE CASE WHEN excluded.slot = 'first' THEN (excluded.read_at, excluded.reading_id) < (read_at, reading_id)
                WHEN excluded.slot IN ('last', 'page') THEN (excluded.read_at, excluded.reading_id) > (read_at, reading_id) ELSE 0 END`,
    );
    for (const r of [...bounds, ...breaks]) put.run({ a: agentId, k: r.deviceKey, day: r.day, slot: r.slot, ...r.m });
  }

  async meterSnapshots(q: { agentId: string; deviceKey: string; since: string; until: string }): Promise<MeterRow[]> {
    // A day's last and page rows have the sources and units of the row before them (a change is a
    // break, kept with its own row), so only first and break rows hand their text over: most of the
    // cost of a row here is making strings of it.
    const rows = this.st(
        `SELECT reading_id, read_at, serial, source, counters, CASE WHEN slot IN ('last', 'page') AND day > @first THEN NULL ELSE sources END AS sources,
                CASE WHEN slot IN ('last', 'page') AND day > @first THEN NULL ELSE units END AS units, slot IN ('last', 'page') AND day > @first AS inherits
         FROM meter_snapshots WHERE agent_id = @a AND device_key = @k AND day >= @first AND day <= @lastDay AND read_at >= @since AND read_at < @until
         ORDER BY read_at, reading_id, slot`,
      )
      .all({ a: q.agentId, k: q.deviceKey, first: utcDay(q.since), lastDay: utcDay(q.until), since: q.since, until: q.until }) as (RawMeter & { inherits: number })[];
    for (let i = 1; i < rows.length; i++) {
      const r = rows[i] as RawMeter & { inherits: number };
      if (!r.inherits) continue;
      const prev = rows[i - 1] as RawMeter;
      r.sources = prev.sources;
      r.units = prev.units;
    }
    return meterRows(distinctReadings(rows));
  }

  async firstReadings(agentId?: string): Promise<{ agentId: string; deviceKey: string; firstReadAt: string }[]> {
    return this.st(
        `SELECT d.agent_id AS agentId, d.device_key AS deviceKey,
                (SELECT s.read_at FROM meter_snapshots s WHERE s.agent_id = d.agent_id AND s.device_key = d.device_key ORDER BY s.day, s.read_at LIMIT 1) AS firstReadAt
         FROM devices d WHERE (@a IS NULL OR d.agent_id = @a) AND firstReadAt IS NOT NULL`,
      )
      .all({ a: agentId ?? null }) as { agentId: string; deviceKey: string; firstReadAt: string }[];
  }

  async ingestEventKinds(q: { agentId: string; deviceKey: string; after: string; upTo: string; kinds: readonly string[] }): Promise<string[]> {
    return this.st(
        `SELECT DISTINCT kind FROM events WHERE agent_id = ? AND device_key = ? AND at > ? AND at <= ? AND agent_seq IS NULL AND kind IN (SELECT value FROM json_each(?)) ORDER BY kind`,
      )
      .pluck()
      .all(q.agentId, q.deviceKey, q.after, q.upTo, JSON.stringify(q.kinds)) as string[];
  }

  async readingCount(agentId?: string): Promise<number> {
    return (agentId ? this.st('SELECT COUNT(*) FROM readings WHERE agent_id = ?').pluck().get(agentId) : this.st('SELECT COUNT(*) FROM readings').pluck().get()) as number;
  }

  async addEvents(agentId: string, events: readonly DeviceEventIn[]): Promise<void> {
    if (events.length === 0) return;
    const ins = this.st('INSERT INTO events (agent_id, at, kind, severity, device_key, message, data) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.tx(() => {
      for (const e of events) ins.run(agentId, e.at, e.kind, e.severity, e.deviceKey, e.message, e.data ? JSON.stringify(e.data) : null);
    });
  }

  async publish(d: PublishedDocument): Promise<boolean> {
    return this.tx(() => {
      const newest = this.st('SELECT MAX(version) FROM published WHERE agent_id = ? AND kind = ?').pluck().get(d.agentId, d.kind) as number | null;
      if (newest !== null && newest >= d.version) return false;
      this.st('INSERT INTO published (agent_id, kind, version, document, summary, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(d.agentId, d.kind, d.version, d.document, JSON.stringify(d.summary), d.createdAt);
      return true;
    });
  }

  async published(filter: { agentId?: string; kind?: 'config' | 'update' } = {}): Promise<PublishedDocument[]> {
    const rows = this.st(
        `SELECT p.* FROM published p JOIN (SELECT agent_id, kind, MAX(version) AS version FROM published GROUP BY agent_id, kind) n
           ON n.agent_id = p.agent_id AND n.kind = p.kind AND n.version = p.version
         WHERE (@agentId IS NULL OR p.agent_id = @agentId) AND (@kind IS NULL OR p.kind = @kind) ORDER BY p.agent_id, p.kind`,
      )
      .all({ agentId: filter.agentId ?? null, kind: filter.kind ?? null }) as { agent_id: string; kind: 'config' | 'update'; version: number; document: string; summary: string; created_at: string }[];
    return rows.map((r) => ({ agentId: r.agent_id, kind: r.kind, version: r.version, document: r.document, summary: JSON.parse(r.summary) as Record<string, unknown>, createdAt: r.created_at }));
  }

  async heartbeatCount(agentId?: string): Promise<number> {
    return (agentId ? this.st('SELECT COUNT(*) FROM heartbeats WHERE agent_id = ?').pluck().get(agentId) : this.st('SELECT COUNT(*) FROM heartbeats').pluck().get()) as number;
  }

  async events(filter: EventFilter = {}): Promise<ReceiverEvent[]> {
    const rows = this.st(
        'SELECT * FROM events WHERE seq > @after AND (@agentId IS NULL OR agent_id = @agentId) AND (@kind IS NULL OR kind = @kind) AND (@deviceKey IS NULL OR device_key = @deviceKey) ORDER BY seq LIMIT @limit',
      )
      .all({ after: filter.afterSeq ?? 0, agentId: filter.agentId ?? null, kind: filter.kind ?? null, deviceKey: filter.deviceKey ?? null, limit: filter.limit ?? 1000 }) as RawEvent[];
    return rows.map(eventRow);
  }

  async agentEventCounts(): Promise<{ agentId: string; kind: string; count: number }[]> {
    return (this.st('SELECT agent_id, kind, COUNT(*) AS n FROM events WHERE agent_seq IS NOT NULL GROUP BY agent_id, kind ORDER BY agent_id, kind').all() as { agent_id: string; kind: string; n: number }[]).map((r) => ({
      agentId: r.agent_id,
      kind: r.kind,
      count: r.n,
    }));
  }

  async sweep(now: Date, staleAfterSeconds: number, heartbeatRetentionSeconds: number): Promise<SweepResult> {
    const at = now.toISOString();
    const cutoff = new Date(now.getTime() - staleAfterSeconds * 1000).toISOString();
    return this.tx(() => {
      const stale = this.st('UPDATE agents SET stale_since = ? WHERE stale_since IS NULL AND last_seen IS NOT NULL AND last_seen < ? RETURNING agent_id, last_seen')
        .all(at, cutoff) as { agent_id: string; last_seen: string }[];
      for (const s of stale) {
        const a = staleAlert(s.agent_id, now, s.last_seen, staleAfterSeconds);
        this.event(s.agent_id, at, 'agent.stale', a.message, null, a.payload);
        this.alert(s.agent_id, at, 'agent.stale', a.payload);
      }
      const expired = this.st('UPDATE commands SET expired_at = ? WHERE acked_at IS NULL AND expired_at IS NULL AND expires_at <= ? RETURNING agent_id, command_id, name, sent_count, expires_at')
        .all(at, at) as { agent_id: string; command_id: string; name: string; sent_count: number; expires_at: string }[];
      for (const c of expired) {
        const x = { id: c.command_id, name: c.name, sent: c.sent_count };
        this.event(c.agent_id, at, 'command.expired', expiredCommandMessage(x, c.expires_at), null, { ...x, expiresAt: c.expires_at });
      }
      const pruned = this.st('DELETE FROM heartbeats WHERE at < ?').run(new Date(now.getTime() - heartbeatRetentionSeconds * 1000).toISOString()).changes;
      return {
        stale: stale.map((s) => s.agent_id),
        expired: expired.map((c) => ({ agentId: c.agent_id, id: c.command_id, name: c.name, sent: c.sent_count })),
        prunedHeartbeats: pruned,
      };
    });
  }

  async claimAlerts(now: Date, limit: number, leaseSeconds: number): Promise<PendingAlert[]> {
    const at = now.toISOString();
    return this.tx(() => {
      // Oldest first, and never an agent's later alert while an earlier one is undelivered: `recovered` does not overtake `stale`.
      const rows = this.st(
          `UPDATE alerts SET claimed_until = @lease, attempts = attempts + 1
           WHERE seq IN (
             SELECT a.seq FROM alerts a
             WHERE a.sent_at IS NULL AND a.failed_at IS NULL AND a.next_attempt_at <= @at AND (a.claimed_until IS NULL OR a.claimed_until <= @at)
               AND NOT EXISTS (SELECT 1 FROM alerts b WHERE b.agent_id = a.agent_id AND b.seq < a.seq AND b.sent_at IS NULL AND b.failed_at IS NULL)
             ORDER BY a.seq LIMIT @limit)
           RETURNING agent_id, seq, kind, at, attempts, payload`,
        )
        .all({ at, lease: new Date(now.getTime() + leaseSeconds * 1000).toISOString(), limit }) as { agent_id: string; seq: number; kind: string; at: string; attempts: number; payload: string }[];
      return rows.sort((a, b) => a.seq - b.seq).map((r) => ({ agentId: r.agent_id, seq: r.seq, kind: r.kind, at: r.at, attempts: r.attempts, payload: JSON.parse(r.payload) as Record<string, unknown> }));
    });
  }

  async alertDelivered(a: PendingAlert, at: Date): Promise<void> {
    this.st('UPDATE alerts SET sent_at = ?, claimed_until = NULL, last_error = NULL WHERE seq = ?').run(at.toISOString(), a.seq);
  }

  async alertFailed(a: PendingAlert, error: string, nextAt: Date | undefined, at: Date): Promise<void> {
    this.tx(() => {
      if (nextAt) {
        this.st('UPDATE alerts SET next_attempt_at = ?, claimed_until = NULL, last_error = ? WHERE seq = ?').run(nextAt.toISOString(), error, a.seq);
        return;
      }
      this.st('UPDATE alerts SET failed_at = ?, claimed_until = NULL, last_error = ? WHERE seq = ?').run(at.toISOString(), error, a.seq);
      this.event(a.agentId, at.toISOString(), 'alert.failed', `webhook alert ${a.kind} of ${a.at} given up after ${a.attempts} attempts: ${error}`, null, { kind: a.kind, alertAt: a.at, attempts: a.attempts, error });
    });
  }

  async addToken(t: StoredToken): Promise<void> {
    this.st('INSERT INTO tokens (token_id, kind, agent_id, name, role, hash, label, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(t.id, t.kind, t.agentId ?? null, t.name ?? null, t.role ?? null, t.hash, t.label ?? null, t.createdAt, t.revokedAt ?? null);
  }

  async findToken(id: string, count?: { windowStart: Date; hash: string }): Promise<(StoredToken & { hits?: number }) | undefined> {
    const r = this.st('SELECT * FROM tokens WHERE token_id = ?').get(id) as RawToken | undefined;
    if (!r) return undefined;
    const t = storedToken(r);
    // Plain equality only decides whether to count; authentication compares in constant time (auth.ts).
    const counts = count && t.kind === 'agent' && t.agentId && !t.revokedAt && t.hash === count.hash;
    return counts ? { ...t, hits: await this.rateHit(t.agentId as string, count.windowStart) } : t;
  }

  async revokeTokens(by: { id: string } | { agentId: string }, at: Date): Promise<number> {
    const ts = at.toISOString();
    return 'id' in by
      ? this.st('UPDATE tokens SET revoked_at = ? WHERE token_id = ? AND revoked_at IS NULL').run(ts, by.id).changes
      : this.st(`UPDATE tokens SET revoked_at = ? WHERE kind = 'agent' AND agent_id = ? AND revoked_at IS NULL`).run(ts, by.agentId).changes;
  }

  async listTokens(): Promise<TokenRow[]> {
    return (this.st('SELECT * FROM tokens ORDER BY created_at, token_id').all() as RawToken[]).map(tokenRow);
  }

  async tokenAgents(): Promise<string[]> {
    return this.st(`SELECT DISTINCT agent_id FROM tokens WHERE kind = 'agent' AND revoked_at IS NULL AND agent_id IS NOT NULL`).pluck().all() as string[];
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

/** Runs the pending migrations, each in its own IMMEDIATE transaction (so two processes opening one file take turns). */
function migrate(db: Database.Database, path: string): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT');
  const applied = () => db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[];
  let pending;
  try {
    pending = pendingMigrations(applied(), path);
  } catch (err) {
    throw new MeterboxError('MBX_RECEIVER_DB', (err as Error).message, { path });
  }
  for (const m of pending) {
    try {
      db.transaction(() => {
        if (applied().includes(m.version)) return; // another process ran it meanwhile
        db.exec(m.sqlite);
        db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, new Date().toISOString());
      }).immediate();
    } catch (err) {
      throw new MeterboxError('MBX_RECEIVER_DB', `${path}: receiver migration ${m.version} (${m.name}) failed: ${(err as Error).message}`, { path, version: m.version }, { cause: err });
    }
  }
}

