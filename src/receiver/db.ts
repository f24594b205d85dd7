/**
 * The receiver's SQLite database: readings stored once per id (INSERT … ON CONFLICT DO NOTHING,
 * so a retried batch finds its ids as duplicates), devices, agents and their heartbeats, and
 * queued heartbeat commands.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { MeterboxError } from '../errors.js';
import type { AgentRow, DeviceRow, StoredReading } from './types.js';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS readings (
    id          TEXT PRIMARY KEY,
    agent_id    TEXT NOT NULL,
    device_key  TEXT NOT NULL,
    read_at     TEXT NOT NULL,
    received_at TEXT NOT NULL,
    body        TEXT NOT NULL
  ) STRICT;
  CREATE INDEX IF NOT EXISTS readings_device ON readings (device_key, read_at);
  CREATE TABLE IF NOT EXISTS devices (
    key           TEXT PRIMARY KEY,
    agent_id      TEXT NOT NULL,
    vendor        TEXT,
    model         TEXT,
    serial        TEXT,
    readings      INTEGER NOT NULL DEFAULT 0,
    last_read_at  TEXT,
    last_counters TEXT
  ) STRICT;
  CREATE TABLE IF NOT EXISTS agents (
    agent_id       TEXT PRIMARY KEY,
    last_seen      TEXT,
    version        TEXT,
    last_heartbeat TEXT,
    heartbeats     INTEGER NOT NULL DEFAULT 0,
    readings       INTEGER NOT NULL DEFAULT 0,
    last_reading_at TEXT
  ) STRICT;
  CREATE TABLE IF NOT EXISTS heartbeats (
    seq      INTEGER PRIMARY KEY,
    agent_id TEXT NOT NULL,
    at       TEXT NOT NULL,
    body     TEXT NOT NULL
  ) STRICT;
  CREATE TABLE IF NOT EXISTS commands (
    seq          INTEGER PRIMARY KEY,
    agent_id     TEXT NOT NULL,
    name         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    delivered_at TEXT
  ) STRICT;
`;

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

export class ReceiverDb {
  readonly db: Database.Database;
  private readonly st;

  constructor(readonly path: string) {
    try {
      mkdirSync(dirname(path), { recursive: true });
      this.db = new Database(path);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      this.db.pragma('busy_timeout = 5000');
      this.db.exec(SCHEMA);
    } catch (err) {
      throw new MeterboxError('MBX_RECEIVER_DB', `${path}: cannot open the receiver database: ${(err as Error).message}`, { path }, { cause: err });
    }
    const db = this.db;
    this.st = {
      insert: db.prepare('INSERT INTO readings (id, agent_id, device_key, read_at, received_at, body) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING'),
      device: db.prepare(
        `INSERT INTO devices (key, agent_id, vendor, model, serial, readings, last_read_at, last_counters) VALUES (@key, @agentId, @vendor, @model, @serial, 1, @readAt, @counters)
         ON CONFLICT (key) DO UPDATE SET agent_id = excluded.agent_id, vendor = excluded.vendor, model = excluded.model, serial = excluded.serial, readings = readings + 1,
           last_read_at = CASE WHEN last_read_at IS NULL OR excluded.last_read_at >= last_read_at THEN excluded.last_read_at ELSE last_read_at END,
           last_counters = CASE WHEN last_read_at IS NULL OR excluded.last_read_at >= last_read_at THEN excluded.last_counters ELSE last_counters END`,
      ),
      agentReadings: db.prepare(
        `INSERT INTO agents (agent_id, readings, last_reading_at) VALUES (?, ?, ?)
         ON CONFLICT (agent_id) DO UPDATE SET readings = readings + excluded.readings, last_reading_at = MAX(COALESCE(last_reading_at, ''), excluded.last_reading_at)`,
      ),
      heartbeat: db.prepare(
        `INSERT INTO agents (agent_id, last_seen, version, last_heartbeat, heartbeats) VALUES (?, ?, ?, ?, 1)
         ON CONFLICT (agent_id) DO UPDATE SET last_seen = excluded.last_seen, version = excluded.version, last_heartbeat = excluded.last_heartbeat, heartbeats = heartbeats + 1`,
      ),
      heartbeatLog: db.prepare('INSERT INTO heartbeats (agent_id, at, body) VALUES (?, ?, ?)'),
      queue: db.prepare('INSERT INTO commands (agent_id, name, created_at) VALUES (?, ?, ?)'),
      pendingCommands: db.prepare('SELECT seq, name FROM commands WHERE agent_id = ? AND delivered_at IS NULL ORDER BY seq'),
      deliverCommand: db.prepare('UPDATE commands SET delivered_at = ? WHERE seq = ?'),
    };
  }

  /** Stores readings in one transaction; returns which ids were new and which it already had. */
  storeReadings(agentId: string, readings: readonly IncomingReading[], receivedAt: string): { accepted: string[]; duplicate: string[] } {
    const run = this.db.transaction(() => {
      const accepted: string[] = [];
      const duplicate: string[] = [];
      let last = '';
      for (const r of readings) {
        if (this.st.insert.run(r.id, agentId, r.deviceKey, r.readAt, receivedAt, r.body).changes === 0) {
          duplicate.push(r.id);
          continue;
        }
        accepted.push(r.id);
        if (r.readAt > last) last = r.readAt;
        this.st.device.run({ key: r.deviceKey, agentId, vendor: r.vendor ?? null, model: r.model ?? null, serial: r.serial ?? null, readAt: r.readAt, counters: JSON.stringify(r.counters) });
      }
      if (accepted.length > 0) this.st.agentReadings.run(agentId, accepted.length, last);
      return { accepted, duplicate };
    });
    return run.immediate();
  }

  /** Records a heartbeat and hands out the agent's queued commands (each once). */
  recordHeartbeat(agentId: string, at: string, version: string, body: string): { id: string; name: string }[] {
    const run = this.db.transaction(() => {
      this.st.heartbeat.run(agentId, at, version, body);
      this.st.heartbeatLog.run(agentId, at, body);
      const cmds = this.st.pendingCommands.all(agentId) as { seq: number; name: string }[];
      for (const c of cmds) this.st.deliverCommand.run(at, c.seq);
      return cmds.map((c) => ({ id: String(c.seq), name: c.name }));
    });
    return run.immediate();
  }

  queueCommand(agentId: string, name: string, at: string): void {
    this.st.queue.run(agentId, name, at);
  }

  heartbeatCount(agentId?: string): number {
    return (agentId
      ? this.db.prepare('SELECT COUNT(*) FROM heartbeats WHERE agent_id = ?').pluck().get(agentId)
      : this.db.prepare('SELECT COUNT(*) FROM heartbeats').pluck().get()) as number;
  }

  /** Agents: those that ever spoke plus `known` ones (from the tokens file) that never did. */
  agents(now: Date, staleAfterSeconds: number, known: readonly string[] = []): AgentRow[] {
    const rows = this.db.prepare('SELECT agent_id AS agentId, last_seen AS lastSeen, version, last_heartbeat AS hb, readings, last_reading_at AS lastReadingAt FROM agents').all() as {
      agentId: string;
      lastSeen: string | null;
      version: string | null;
      hb: string | null;
      readings: number;
      lastReadingAt: string | null;
    }[];
    const byId = new Map(rows.map((r) => [r.agentId, r]));
    for (const id of known) if (!byId.has(id)) byId.set(id, { agentId: id, lastSeen: null, version: null, hb: null, readings: 0, lastReadingAt: null });
    return [...byId.values()]
      .sort((a, b) => a.agentId.localeCompare(b.agentId))
      .map((r) => {
        const since = r.lastSeen ? Math.max(0, (now.getTime() - Date.parse(r.lastSeen)) / 1000) : undefined;
        return {
          agentId: r.agentId,
          ...(r.lastSeen ? { lastSeen: r.lastSeen } : {}),
          ...(since !== undefined ? { secondsSinceSeen: Math.round(since) } : {}),
          stale: since === undefined || since > staleAfterSeconds,
          ...(r.version ? { version: r.version } : {}),
          ...(r.hb ? { lastHeartbeat: JSON.parse(r.hb) as Record<string, unknown> } : {}),
          readings: r.readings,
          ...(r.lastReadingAt ? { lastReadingAt: r.lastReadingAt } : {}),
        };
      });
  }

  devices(): DeviceRow[] {
    const rows = this.db.prepare('SELECT key, agent_id AS agentId, vendor, model, serial, readings, last_read_at AS lastReadAt, last_counters AS c FROM devices ORDER BY key').all() as {
      key: string;
      agentId: string;
      vendor: string | null;
      model: string | null;
      serial: string | null;
      readings: number;
      lastReadAt: string | null;
      c: string | null;
    }[];
    return rows.map((r) => ({
      key: r.key,
      agentId: r.agentId,
      ...(r.vendor ? { vendor: r.vendor } : {}),
      ...(r.model ? { model: r.model } : {}),
      ...(r.serial ? { serial: r.serial } : {}),
      readings: r.readings,
      ...(r.lastReadAt ? { lastReadAt: r.lastReadAt } : {}),
      ...(r.c ? { lastCounters: JSON.parse(r.c) as Record<string, number> } : {}),
    }));
  }

  readings(filter: { deviceKey?: string; agentId?: string; limit?: number } = {}): StoredReading[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.deviceKey) {
      where.push('device_key = ?');
      args.push(filter.deviceKey);
    }
    if (filter.agentId) {
      where.push('agent_id = ?');
      args.push(filter.agentId);
    }
    const sql = `SELECT id, agent_id AS agentId, device_key AS deviceKey, read_at AS readAt, received_at AS receivedAt, body FROM readings ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY read_at, id LIMIT ?`;
    const rows = this.db.prepare(sql).all(...args, filter.limit ?? 1_000_000) as (Omit<StoredReading, 'body'> & { body: string })[];
    return rows.map((r) => ({ ...r, body: JSON.parse(r.body) as Record<string, unknown> }));
  }

  readingCount(): number {
    return this.db.prepare('SELECT COUNT(*) FROM readings').pluck().get() as number;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
