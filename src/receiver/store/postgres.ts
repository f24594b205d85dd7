/**
 * The PostgreSQL store (node-postgres, one pool per node): production, several receiver nodes on
 * one database. Same contract as the SQLite store; what differs is how it stays right when nodes
 * race each other:
 * - readings: INSERT … ON CONFLICT (agent_id, reading_id) DO NOTHING RETURNING in the receipt's
 *   transaction: of two nodes storing one id at once, one inserts, the other waits on the unique
 *   index and finds a duplicate;
 * - stale transitions, command expiry: a conditional UPDATE … RETURNING, re-checked under the row
 *   lock, so each transition is taken by exactly one node;
 * - alerts: leased with FOR UPDATE SKIP LOCKED, so nodes share the work without sending twice;
 * - a new device key another agent also reports: an advisory lock on the key, so of two agents
 *   adding it at once the second always sees the first and records the event;
 * - migrations: one transaction under an advisory lock.
 * Deadlocks (two batches of one agent touching the same devices) are retried.
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { MeterboxError } from '../../contract/errors.js';
import type { AgentAlertKind, ReceiverEventKind } from '../../contract/events.js';
import type { AgentRow, CommandRow, DeviceRow, ReceiverEvent, StoredReading, TokenRow } from '../types.js';
import { pendingMigrations } from './migrations.js';
import {
  agentEventsJson,
  agentRows,
  commandRow,
  deviceRow,
  eventRow,
  expiredCommandMessage,
  keyConflictEvent,
  maskUrl,
  meterRows,
  oneEach,
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
import type { StoreOptions } from './sqlite.js';
import { PG_METER_COLUMNS, distinctReadings, pageCollapseSql, pageExpandSql, snapshotMeterOf, snapshotRows, utcDay, type PlacedReading, type SnapshotMeter } from './snapshots.js';
import type { DeviceEventIn, EventFilter, HeartbeatIn, IncomingReading, MeterRow, OutgoingCommand, PendingAlert, PublishedDocument, ReadingFilter, ReceiverStore, StoredToken, SweepResult } from './types.js';

/** A neighbouring reading's meters as row_to_json hands them over (the JSON columns already parsed). */
interface RawSnapshot {
  id: string;
  readAt: string;
  serial: string | null;
  source: string | null;
  counters: unknown;
  sources: unknown;
  units: unknown;
}
const jsonText = (v: unknown): string | null => (v === null || v === undefined ? null : JSON.stringify(v));
const snapshotMeter = (x: RawSnapshot): SnapshotMeter => ({ id: x.id, readAt: x.readAt, serial: x.serial, source: x.source, counters: jsonText(x.counters) ?? '{}', sources: jsonText(x.sources), units: jsonText(x.units) });

/** What a transaction body runs statements on. */
interface Runner {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}
type Q = Runner;

/**
 * Statements run as named prepared statements (one name per SQL text, prepared once per pooled
 * connection): PostgreSQL then parses and plans each hot statement once instead of per request,
 * which is a good part of its CPU at fleet rates.
 */
const names = new Map<string, string>();
function prepared(text: string, values?: unknown[]): pg.QueryConfig {
  let name = names.get(text);
  if (!name) names.set(text, (name = `mbx_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`));
  return { name, text, ...(values ? { values } : {}) };
}
/** A timestamptz as JavaScript's toISOString() writes it, in SQL. */
const ISO = (col: string) => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const runner = (on: pg.PoolClient | pg.Pool): Runner => ({ query: (text, values) => on.query(prepared(text, values)) });

/** Advisory lock key of the migrations ('mbxr'). */
const MIGRATION_LOCK = 0x6d627872;
const RETRYABLE = new Set(['40P01', '40001']); // deadlock_detected, serialization_failure

export interface PostgresOptions extends StoreOptions {
  /** Connections per node (default 10). */
  poolSize?: number;
  /** Called with errors of idle pooled connections (the database restarted, a network blip). */
  onIdleError?: (err: Error) => void;
}

export class PostgresStore implements ReceiverStore {
  readonly kind = 'postgres' as const;
  readonly location: string;
  private readonly alerts: boolean;

  private constructor(
    readonly pool: pg.Pool,
    url: string,
    opts: PostgresOptions,
  ) {
    this.location = maskUrl(url);
    this.alerts = opts.alerts ?? false;
  }

  static async open(url: string, opts: PostgresOptions = {}): Promise<PostgresStore> {
    const pool = new pg.Pool({ connectionString: url, max: opts.poolSize ?? 10, application_name: 'meterbox-receiver', statement_timeout: 30_000, connectionTimeoutMillis: 10_000 });
    pool.on('error', (err) => opts.onIdleError?.(err));
    const store = new PostgresStore(pool, url, opts);
    try {
      await store.migrate();
    } catch (err) {
      await pool.end().catch(() => undefined);
      if (err instanceof MeterboxError) throw err;
      throw new MeterboxError('MBX_RECEIVER_DB', `${store.location}: cannot open the receiver database: ${(err as Error).message}`, { path: store.location }, { cause: err });
    }
    return store;
  }

  private async migrate(): Promise<void> {
    await this.tx(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await c.query('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL)');
      const applied = (await c.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version);
      let pending;
      try {
        pending = pendingMigrations(applied, this.location);
      } catch (err) {
        throw new MeterboxError('MBX_RECEIVER_DB', (err as Error).message, { path: this.location });
      }
      for (const m of pending) {
        try {
          if (m.postgres) await c.query(m.postgres);
          await c.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, now())', [m.version, m.name]);
        } catch (err) {
          throw new MeterboxError('MBX_RECEIVER_DB', `${this.location}: receiver migration ${m.version} (${m.name}) failed: ${(err as Error).message}`, { path: this.location, version: m.version }, { cause: err });
        }
      }
    }, true); // DDL of several statements cannot be a prepared statement
  }

  /** One transaction on one pooled connection; retried on deadlock. Database errors become MBX_RECEIVER_DB (the server answers 503). */
  private async tx<T>(fn: (c: Runner) => Promise<T>, raw = false): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      let client: pg.PoolClient;
      try {
        client = await this.pool.connect();
      } catch (err) {
        throw this.dbError(err);
      }
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const out = await fn(raw ? client : runner(client));
        await client.query('COMMIT');
        return out;
      } catch (err) {
        await client.query('ROLLBACK').catch((e: Error) => (broken = e));
        if (attempt < 4 && RETRYABLE.has((err as { code?: string }).code ?? '')) continue;
        throw err instanceof MeterboxError ? err : this.dbError(err);
      } finally {
        client.release(broken);
      }
    }
  }

  /** One statement, its own transaction (retried on deadlock: it rolled back whole). */
  private async q<R extends pg.QueryResultRow>(sql: string, args: unknown[] = []): Promise<R[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return (await this.pool.query<R>(prepared(sql, args))).rows;
      } catch (err) {
        if (attempt < 4 && RETRYABLE.has((err as { code?: string }).code ?? '')) continue;
        throw this.dbError(err);
      }
    }
  }

  private dbError(err: unknown): MeterboxError {
    return new MeterboxError('MBX_RECEIVER_DB', `${this.location}: ${(err as Error).message}`, { path: this.location }, { cause: err });
  }

  private async event(c: Q, agentId: string, at: string, kind: ReceiverEventKind, message: string, deviceKey: string | null, data: Record<string, unknown> | null): Promise<void> {
    await c.query('INSERT INTO events (agent_id, at, kind, device_key, message, data) VALUES ($1, $2, $3, $4, $5, $6)', [agentId, at, kind, deviceKey, message, data]);
  }

  private async alert(c: Q, agentId: string, at: string, kind: AgentAlertKind, payload: Record<string, unknown>): Promise<void> {
    if (!this.alerts) return;
    await c.query('INSERT INTO alerts (agent_id, kind, at, payload, next_attempt_at) VALUES ($1, $2, $3, $4, $3)', [agentId, kind, at, payload]);
  }

  async schemaVersion(): Promise<number> {
    return Number((await this.q<{ v: number }>('SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations'))[0]?.v ?? 0);
  }

  /**
   * One statement, its own transaction, stores the batch and folds it into the devices (newest
   * reading wins, counts add up) and the agent's totals. Devices new to this agent are then checked
   * against the other agents' (recordKeyConflicts).
   */
  async storeReadings(agentId: string, readings: readonly IncomingReading[], receivedAt: Date): Promise<{ accepted: string[]; duplicate: string[] }> {
    const at = receivedAt.toISOString();
    // One parameter for the whole batch: the bodies are JSON already, so they are spliced in, not re-encoded.
    const batch = `[${readings.map((r) => `{"i":${JSON.stringify(r.id)},"k":${JSON.stringify(r.deviceKey)},"t":${JSON.stringify(r.readAt)},"b":${r.body}}`).join(',')}]`;
    const row = await this.tx(async (c) => {
      const stored = (
        await c.query<{ accepted: string[]; fresh: string[] }>(
        `WITH ins AS (
             INSERT INTO readings (agent_id, reading_id, device_key, read_at, received_at, body)
             SELECT $1, e->>'i', e->>'k', (e->>'t')::timestamptz, $2, e->'b' FROM jsonb_array_elements($3::jsonb) AS e
             ON CONFLICT (agent_id, reading_id) DO NOTHING
             RETURNING reading_id, device_key, read_at, body),
           newest AS (
             SELECT DISTINCT ON (device_key) device_key, read_at, body->'device' AS d, body->'counters' AS counters, count(*) OVER (PARTITION BY device_key) AS n
             FROM ins ORDER BY device_key, read_at DESC),
           dev AS (
             INSERT INTO devices (agent_id, device_key, vendor, model, serial, readings, first_seen, last_read_at, last_counters)
             SELECT $1, device_key, d->>'vendor', d->>'model', d->>'serial', n, $2, read_at, counters FROM newest ORDER BY device_key
             ON CONFLICT (agent_id, device_key) DO UPDATE SET
               readings = devices.readings + excluded.readings,
               vendor = CASE WHEN devices.last_read_at IS NULL OR excluded.last_read_at >= devices.last_read_at THEN COALESCE(excluded.vendor, devices.vendor) ELSE devices.vendor END,
               model = CASE WHEN devices.last_read_at IS NULL OR excluded.last_read_at >= devices.last_read_at THEN COALESCE(excluded.model, devices.model) ELSE devices.model END,
               serial = CASE WHEN devices.last_read_at IS NULL OR excluded.last_read_at >= devices.last_read_at THEN COALESCE(excluded.serial, devices.serial) ELSE devices.serial END,
               last_counters = CASE WHEN devices.last_read_at IS NULL OR excluded.last_read_at >= devices.last_read_at THEN excluded.last_counters ELSE devices.last_counters END,
               last_read_at = GREATEST(devices.last_read_at, excluded.last_read_at)
             RETURNING device_key, (xmax = 0) AS inserted),
           agent AS (
             INSERT INTO agents (agent_id, readings, last_reading_at) SELECT $1, count(*), max(read_at) FROM ins HAVING count(*) > 0
             ON CONFLICT (agent_id) DO UPDATE SET readings = agents.readings + excluded.readings, last_reading_at = GREATEST(agents.last_reading_at, excluded.last_reading_at))
           SELECT (SELECT COALESCE(array_agg(reading_id), '{}') FROM ins) AS accepted,
                  (SELECT COALESCE(array_agg(device_key ORDER BY device_key), '{}') FROM dev WHERE inserted) AS fresh`,
        [agentId, at, batch],
        )
      ).rows[0] as { accepted: string[]; fresh: string[] };
      const ids = new Set(stored.accepted);
      await this.snapshot(c, agentId, readings.filter((r) => ids.has(r.id)));
      return stored;
    });
    if (row.fresh.length > 0) await this.recordKeyConflicts(agentId, row.fresh, at);
    const ids = new Set(row.accepted);
    return { accepted: readings.filter((r) => ids.has(r.id)).map((r) => r.id), duplicate: readings.filter((r) => !ids.has(r.id)).map((r) => r.id) };
  }

  /**
   * Device keys new to this agent that other agents report too: one `device.key-conflict` event
   * each. Runs after the batch committed, under an advisory lock per key, so of two agents adding
   * a key at once the later check sees the other's device and the event the other may already have
   * recorded (then it records none). A node that dies between the two statements loses the event,
   * not a reading (it is rare twice over: a new device, and a crash in that instant).
   */
  private async recordKeyConflicts(agentId: string, fresh: readonly string[], at: string): Promise<void> {
    await this.tx(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM unnest($1::text[]) AS k', [fresh]); // sorted; unnest keeps the order
      const clashes = await c.query<{ device_key: string; agents: string[] }>(
        'SELECT device_key, array_agg(DISTINCT agent_id ORDER BY agent_id) AS agents FROM devices WHERE device_key = ANY($1::text[]) AND agent_id <> $2 GROUP BY device_key ORDER BY device_key',
        [fresh, agentId],
      );
      if (clashes.rows.length === 0) return;
      const events = clashes.rows.map((r) => ({ key: r.device_key, ...keyConflictEvent(agentId, r.device_key, r.agents) }));
      await c.query(
        `INSERT INTO events (agent_id, at, kind, device_key, message, data)
         SELECT $1, $2, 'device.key-conflict', e->>'key', e->>'message', e->'data' FROM jsonb_array_elements($3::jsonb) AS e
         WHERE NOT EXISTS (SELECT 1 FROM events x WHERE x.kind = 'device.key-conflict' AND x.device_key = e->>'key' AND x.agent_id <> $1 AND x.data->'otherAgents' ? $1)`,
        [agentId, at, JSON.stringify(events)],
      );
    });
  }

  /**
   * One statement, its own transaction: records the heartbeat, applies its acks, hands out the
   * commands due, and reports a recovery. The agent's upsert takes its row lock and keeps the stale
   * mark it clears (`recovered_from`), so a sweep that marked the agent stale either committed
   * before (and the recovery is recorded here) or re-checks after us and finds the agent alive.
   * The recovery's event text and alert body are those of rows.ts recoveredAlert, built in SQL
   * (the contract test checks both stores say the same).
   */
  async recordHeartbeat(h: HeartbeatIn): Promise<{ commands: OutgoingCommand[]; recovered: boolean }> {
    const at = h.at.toISOString();
    const legacy = h.acks === undefined;
    const rows = await this.q<{ recovered: boolean; commands: { id: string; name: string; expiresAt: string }[] }>(
      `WITH agent AS (
         INSERT INTO agents (agent_id, last_seen, version, last_heartbeat, heartbeats) VALUES ($1, $2, $3, $4::jsonb, 1)
         ON CONFLICT (agent_id) DO UPDATE SET last_seen = excluded.last_seen, version = excluded.version, last_heartbeat = excluded.last_heartbeat,
           heartbeats = agents.heartbeats + 1, recovered_from = agents.stale_since, seen_before = agents.last_seen, stale_since = NULL
         RETURNING recovered_from, seen_before),
       recovery AS (
         SELECT format('agent %s recovered: heartbeat again after %s s of silence', $1::text, COALESCE(round(extract(epoch FROM $2::timestamptz - seen_before))::text, '?')) AS message,
           jsonb_strip_nulls(jsonb_build_object('event', 'agent.recovered', 'agentId', $1::text, 'at', ${ISO('$2::timestamptz')}, 'staleSince', ${ISO('recovered_from')},
             'lastSeenBefore', ${ISO('seen_before')}, 'silentSeconds', round(extract(epoch FROM $2::timestamptz - seen_before)))) AS payload
         FROM agent WHERE recovered_from IS NOT NULL),
       recovery_event AS (INSERT INTO events (agent_id, at, kind, message, data) SELECT $1, $2, 'agent.recovered', message, payload FROM recovery),
       recovery_alert AS (INSERT INTO alerts (agent_id, kind, at, payload, next_attempt_at) SELECT $1, 'agent.recovered', $2, payload, $2 FROM recovery WHERE $6::boolean),
       logged AS (INSERT INTO heartbeats (agent_id, at, body) VALUES ($1, $2, $4::jsonb)),
       reported AS (
         INSERT INTO events (agent_id, agent_seq, at, kind, severity, device_key, message)
         SELECT $1, (e->>'seq')::bigint, (e->>'at')::timestamptz, e->>'kind', e->>'severity', e->>'deviceKey', e->>'message' FROM jsonb_array_elements($7::jsonb) e
         ON CONFLICT (agent_id, agent_seq, at) WHERE agent_seq IS NOT NULL DO NOTHING),
       acked AS (
         UPDATE commands SET acked_at = $2, ack = 'agent'
         WHERE agent_id = $1 AND command_id = ANY($5::text[]) AND acked_at IS NULL AND expired_at IS NULL),
       due AS (
         UPDATE commands SET sent_count = sent_count + 1, last_sent_at = $2${legacy ? `, acked_at = $2, ack = 'legacy'` : ''}
         WHERE agent_id = $1 AND acked_at IS NULL AND expired_at IS NULL AND expires_at > $2 AND command_id <> ALL($5::text[])
         RETURNING command_id, name, expires_at, created_at)
       SELECT EXISTS (SELECT 1 FROM recovery) AS recovered,
              (SELECT COALESCE(json_agg(json_build_object('id', command_id, 'name', name, 'expiresAt', expires_at) ORDER BY created_at, command_id), '[]') FROM due) AS commands`,
      [h.agentId, at, h.version, h.body, h.acks ?? [], this.alerts, agentEventsJson(h.events, at)],
    );
    const row = rows[0];
    const commands = (row?.commands ?? []).map((x) => ({ id: x.id, name: x.name, expiresAt: new Date(x.expiresAt).toISOString() }));
    return { commands, recovered: !!row?.recovered };
  }

  async queueCommand(agentId: string, name: string, at: Date, ttlSeconds: number): Promise<OutgoingCommand> {
    const cmd = { id: uuidv7(), name, expiresAt: new Date(at.getTime() + ttlSeconds * 1000).toISOString() };
    await this.q('INSERT INTO commands (agent_id, command_id, name, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)', [agentId, cmd.id, name, at.toISOString(), cmd.expiresAt]);
    return cmd;
  }

  async commands(agentId: string): Promise<CommandRow[]> {
    return (await this.q<RawCommand & pg.QueryResultRow>('SELECT * FROM commands WHERE agent_id = $1 ORDER BY created_at, command_id', [agentId])).map(commandRow);
  }

  async rateHit(agentId: string, windowStart: Date): Promise<number> {
    const rows = await this.q<{ hits: number }>(
      `INSERT INTO rate_windows (agent_id, window_start, hits) VALUES ($1, $2, 1)
       ON CONFLICT (agent_id) DO UPDATE SET hits = CASE WHEN excluded.window_start <= rate_windows.window_start THEN rate_windows.hits + 1 ELSE 1 END,
         window_start = GREATEST(rate_windows.window_start, excluded.window_start)
       RETURNING hits`,
      [agentId, windowStart.toISOString()],
    );
    return Number(rows[0]?.hits ?? 1);
  }

  async agents(now: Date, staleAfterSeconds: number, known: readonly string[] = []): Promise<AgentRow[]> {
    const rows = await this.q<RawAgent & pg.QueryResultRow>('SELECT agent_id, last_seen, version, last_heartbeat, readings, last_reading_at, stale_since FROM agents');
    return agentRows(rows, now, staleAfterSeconds, [...known, ...(await this.tokenAgents())]);
  }

  async devices(filter: { agentId?: string; deviceKey?: string } = {}): Promise<DeviceRow[]> {
    const rows = await this.q<RawDevice & pg.QueryResultRow>(
      'SELECT * FROM devices WHERE ($1::text IS NULL OR agent_id = $1) AND ($2::text IS NULL OR device_key = $2) ORDER BY device_key, agent_id',
      [filter.agentId ?? null, filter.deviceKey ?? null],
    );
    return rows.map(deviceRow);
  }

  async readings(filter: ReadingFilter = {}): Promise<StoredReading[]> {
    const order = filter.newest ? 'read_at DESC, reading_id DESC' : 'read_at, reading_id';
    const rows = await this.q<RawReading & pg.QueryResultRow>(
      `SELECT agent_id, reading_id, device_key, read_at, received_at, body FROM readings
       WHERE ($1::text IS NULL OR agent_id = $1) AND ($2::text IS NULL OR device_key = $2)
         AND ($4::timestamptz IS NULL OR read_at >= $4) AND ($5::timestamptz IS NULL OR read_at < $5) ORDER BY ${order} LIMIT $3`,
      [filter.agentId ?? null, filter.deviceKey ?? null, filter.limit ?? 1_000_000, filter.since ?? null, filter.until ?? null],
    );
    return rows.map(storedReading);
  }

  async latestReadings(filter: { agentId?: string } = {}): Promise<StoredReading[]> {
    const rows = await this.q<RawReading & pg.QueryResultRow>(
      `SELECT r.agent_id, r.reading_id, r.device_key, r.read_at, r.received_at, r.body FROM devices d
       JOIN readings r ON r.agent_id = d.agent_id AND r.device_key = d.device_key AND r.read_at = d.last_read_at
       WHERE ($1::text IS NULL OR d.agent_id = $1) ORDER BY r.agent_id, r.device_key, r.reading_id DESC`,
      [filter.agentId ?? null],
    );
    return oneEach(rows.map(storedReading));
  }

  async meterHistory(q: { agentId: string; deviceKey: string; since: string; until: string; supplies?: boolean }): Promise<MeterRow[]> {
    const rows = await this.q<RawMeter & pg.QueryResultRow>(
      `SELECT reading_id, read_at, body->'device'->>'serial' AS serial, body->>'source' AS source, body->'counters' AS counters, body->'sources' AS sources, body->'units' AS units${q.supplies ? `, body->'supplies' AS supplies` : ''}
       FROM readings WHERE agent_id = $1 AND device_key = $2 AND read_at >= $3 AND read_at < $4 ORDER BY read_at, reading_id`,
      [q.agentId, q.deviceKey, q.since, q.until],
    );
    return meterRows(rows);
  }

  /**
   * The daily snapshots (snapshots.ts) of what a batch stored, in the batch's transaction. A lock
   * per device makes two nodes storing one device's readings at once take turns here, so the later
   * one sees the other's readings as neighbours and no break between the two batches is missed.
   */
  private async snapshot(c: Q, agentId: string, accepted: readonly IncomingReading[]): Promise<void> {
    if (accepted.length === 0) return;
    const keys = [...new Set(accepted.map((r) => r.deviceKey))].sort();
    await c.query(`SELECT pg_advisory_xact_lock(hashtextextended($1 || ' ' || k, 1)) FROM unnest($2::text[]) AS k`, [agentId, keys]);
    const meter = (x: string) => `${x}.reading_id AS id, ${ISO(`${x}.read_at`)} AS "readAt", ${x}.body->'device'->>'serial' AS serial, ${x}.body->>'source' AS source, COALESCE(${x}.body->'counters', '{}') AS counters, ${x}.body->'sources' AS sources, ${x}.body->'units' AS units`;
    const near = (cmp: string, dir: string) =>
      `LEFT JOIN LATERAL (SELECT ${meter('x')} FROM readings x WHERE x.agent_id = $1 AND x.device_key = r.device_key AND (x.read_at, x.reading_id) ${cmp} (r.read_at, r.reading_id) ORDER BY x.read_at ${dir}, x.reading_id ${dir} LIMIT 1)`;
    const rows = await c.query<{ id: string; before: RawSnapshot | null; after: RawSnapshot | null }>(
      `SELECT r.reading_id AS id, CASE WHEN b.id IS NULL THEN NULL ELSE row_to_json(b) END AS before, CASE WHEN n.id IS NULL THEN NULL ELSE row_to_json(n) END AS after
       FROM unnest($2::text[]) AS a(id) JOIN readings r ON r.agent_id = $1 AND r.reading_id = a.id
       ${near('<', 'DESC')} b ON true ${near('>', 'ASC')} n ON true`,
      [agentId, accepted.map((r) => r.id)],
    );
    const around = new Map(rows.rows.map((x) => [x.id, x]));
    const placed = accepted.map((r): PlacedReading => {
      const x = around.get(r.id);
      return { deviceKey: r.deviceKey, m: snapshotMeterOf(r.id, r.readAt, r.body), ...(x?.before ? { before: snapshotMeter(x.before) } : {}), ...(x?.after ? { after: snapshotMeter(x.after) } : {}) };
    });
    const { bounds, breaks } = snapshotRows(placed);
    // A day's page folded into its last row is unfolded for the merge, and folded again after it (snapshots.ts).
    const days = [...new Map(bounds.map((r) => [`${r.deviceKey}\u0000${r.day}`, r])).values()];
    const touched = (x: string) => `${x}.agent_id = $1 AND (${x}.device_key, ${x}.day) IN (SELECT k, d::date FROM unnest($2::text[], $3::text[]) AS t(k, d))`;
    const daysArgs = [agentId, days.map((r) => r.deviceKey), days.map((r) => r.day)];
    for (const sql of pageExpandSql({ l: touched('l'), p: touched('p') }, PG_METER_COLUMNS)) await c.query(sql, daysArgs);
    await c.query(
      `INSERT INTO meter_snapshots (agent_id, device_key, day, slot, reading_id, read_at, serial, source, counters, sources, units)
       SELECT $1, e->>'deviceKey', (e->>'day')::date, e->>'slot', e->'m'->>'id', (e->'m'->>'readAt')::timestamptz, e->'m'->>'serial', e->'m'->>'source',
              (e->'m'->>'counters')::jsonb, (e->'m'->>'sources')::jsonb, (e->'m'->>'units')::jsonb
       FROM jsonb_array_elements($2::jsonb) AS e
       ON CONFLICT (agent_id, device_key, day, slot) DO UPDATE SET reading_id = excluded.reading_id, read_at = excluded.read_at, serial = excluded.serial, source = excluded.source,
         counters = excluded.counters, sources = excluded.sources, units = excluded.units
       WHERE CASE WHEN excluded.slot = 'first' THEN (excluded.read_at, excluded.reading_id) < (meter_snapshots.read_at, meter_snapshots.reading_id)
                WHEN excluded.slot IN ('last', 'page') THEN (excluded.read_at, excluded.reading_id) > (meter_snapshots.read_at, meter_snapshots.reading_id) ELSE false END`,
      [agentId, JSON.stringify([...bounds, ...breaks])],
    );
    for (const sql of pageCollapseSql({ l: touched('l'), p: touched('p') })) await c.query(sql, daysArgs);
  }

  async meterSnapshots(q: { agentId: string; deviceKey: string; since: string; until: string }): Promise<MeterRow[]> {
    const rows = await this.q<RawMeter & pg.QueryResultRow>(
      `SELECT reading_id, read_at, serial, source, counters, sources, units FROM meter_snapshots
       WHERE agent_id = $1 AND device_key = $2 AND day >= $3::date AND day <= $4::date AND read_at >= $5 AND read_at < $6 ORDER BY read_at, reading_id, slot`,
      [q.agentId, q.deviceKey, utcDay(q.since), utcDay(q.until), q.since, q.until],
    );
    return meterRows(distinctReadings(rows));
  }

  async firstReadings(agentId?: string): Promise<{ agentId: string; deviceKey: string; firstReadAt: string }[]> {
    return this.q<{ agentId: string; deviceKey: string; firstReadAt: string }>(
      `SELECT agent_id AS "agentId", device_key AS "deviceKey", ${ISO('first')} AS "firstReadAt" FROM (
         SELECT d.agent_id, d.device_key, (SELECT min(s.read_at) FROM meter_snapshots s WHERE s.agent_id = d.agent_id AND s.device_key = d.device_key AND s.day = (
           SELECT min(x.day) FROM meter_snapshots x WHERE x.agent_id = d.agent_id AND x.device_key = d.device_key)) AS first
         FROM devices d WHERE ($1::text IS NULL OR d.agent_id = $1)) f WHERE first IS NOT NULL`,
      [agentId ?? null],
    );
  }

  async ingestEventKinds(q: { agentId: string; deviceKey: string; after: string; upTo: string; kinds: readonly string[] }): Promise<string[]> {
    const rows = await this.q<{ kind: string }>(
      'SELECT DISTINCT kind FROM events WHERE agent_id = $1 AND device_key = $2 AND at > $3 AND at <= $4 AND agent_seq IS NULL AND kind = ANY($5::text[]) ORDER BY kind',
      [q.agentId, q.deviceKey, q.after, q.upTo, [...q.kinds]],
    );
    return rows.map((r) => r.kind);
  }

  async addEvents(agentId: string, events: readonly DeviceEventIn[]): Promise<void> {
    if (events.length === 0) return;
    await this.q(
      `INSERT INTO events (agent_id, at, kind, severity, device_key, message, data)
       SELECT $1, (e->>'at')::timestamptz, e->>'kind', e->>'severity', e->>'deviceKey', e->>'message', e->'data' FROM jsonb_array_elements($2::jsonb) AS e`,
      [agentId, JSON.stringify(events)],
    );
  }

  async readingCount(agentId?: string): Promise<number> {
    const rows = await this.q<{ n: string }>('SELECT COUNT(*) AS n FROM readings WHERE ($1::text IS NULL OR agent_id = $1)', [agentId ?? null]);
    return Number(rows[0]?.n ?? 0);
  }

  async publish(d: PublishedDocument): Promise<boolean> {
    const rows = await this.q(
      `INSERT INTO published (agent_id, kind, version, document, summary, created_at)
       SELECT $1, $2, $3, $4, $5, $6 WHERE NOT EXISTS (SELECT 1 FROM published WHERE agent_id = $1 AND kind = $2 AND version >= $3)
       ON CONFLICT DO NOTHING RETURNING version`,
      [d.agentId, d.kind, d.version, d.document, JSON.stringify(d.summary), d.createdAt],
    );
    return rows.length === 1;
  }

  async published(filter: { agentId?: string; kind?: 'config' | 'update' } = {}): Promise<PublishedDocument[]> {
    const rows = await this.q<{ agent_id: string; kind: 'config' | 'update'; version: string; document: string; summary: string; created_at: Date }>(
      `SELECT DISTINCT ON (agent_id, kind) * FROM published WHERE ($1::text IS NULL OR agent_id = $1) AND ($2::text IS NULL OR kind = $2) ORDER BY agent_id, kind, version DESC`,
      [filter.agentId ?? null, filter.kind ?? null],
    );
    return rows.map((r) => ({ agentId: r.agent_id, kind: r.kind, version: Number(r.version), document: r.document, summary: JSON.parse(r.summary) as Record<string, unknown>, createdAt: new Date(r.created_at).toISOString() }));
  }

  async heartbeatCount(agentId?: string): Promise<number> {
    const rows = await this.q<{ n: string }>('SELECT COUNT(*) AS n FROM heartbeats WHERE ($1::text IS NULL OR agent_id = $1)', [agentId ?? null]);
    return Number(rows[0]?.n ?? 0);
  }

  async events(filter: EventFilter = {}): Promise<ReceiverEvent[]> {
    const rows = await this.q<RawEvent & pg.QueryResultRow>(
      'SELECT * FROM events WHERE seq > $1 AND ($2::text IS NULL OR agent_id = $2) AND ($3::text IS NULL OR kind = $3) AND ($5::text IS NULL OR device_key = $5) ORDER BY seq LIMIT $4',
      [filter.afterSeq ?? 0, filter.agentId ?? null, filter.kind ?? null, filter.limit ?? 1000, filter.deviceKey ?? null],
    );
    return rows.map(eventRow);
  }

  async agentEventCounts(): Promise<{ agentId: string; kind: string; count: number }[]> {
    const rows = await this.q<{ agent_id: string; kind: string; n: string }>('SELECT agent_id, kind, COUNT(*) AS n FROM events WHERE agent_seq IS NOT NULL GROUP BY agent_id, kind ORDER BY agent_id, kind');
    return rows.map((r) => ({ agentId: r.agent_id, kind: r.kind, count: Number(r.n) }));
  }

  async sweep(now: Date, staleAfterSeconds: number, heartbeatRetentionSeconds: number): Promise<SweepResult> {
    const at = now.toISOString();
    return this.tx(async (c) => {
      const stale = (
        await c.query<{ agent_id: string; last_seen: Date }>('UPDATE agents SET stale_since = $1 WHERE stale_since IS NULL AND last_seen IS NOT NULL AND last_seen < $2 RETURNING agent_id, last_seen', [
          at,
          new Date(now.getTime() - staleAfterSeconds * 1000).toISOString(),
        ])
      ).rows;
      for (const s of stale) {
        const a = staleAlert(s.agent_id, now, s.last_seen.toISOString(), staleAfterSeconds);
        await this.event(c, s.agent_id, at, 'agent.stale', a.message, null, a.payload);
        await this.alert(c, s.agent_id, at, 'agent.stale', a.payload);
      }
      const expired = (
        await c.query<{ agent_id: string; command_id: string; name: string; sent_count: number; expires_at: Date }>(
          'UPDATE commands SET expired_at = $1 WHERE acked_at IS NULL AND expired_at IS NULL AND expires_at <= $1 RETURNING agent_id, command_id, name, sent_count, expires_at',
          [at],
        )
      ).rows;
      for (const x of expired) {
        const cmd = { id: x.command_id, name: x.name, sent: x.sent_count };
        await this.event(c, x.agent_id, at, 'command.expired', expiredCommandMessage(cmd, x.expires_at.toISOString()), null, { ...cmd, expiresAt: x.expires_at.toISOString() });
      }
      const pruned = await c.query('DELETE FROM heartbeats WHERE at < $1', [new Date(now.getTime() - heartbeatRetentionSeconds * 1000).toISOString()]);
      return {
        stale: stale.map((s) => s.agent_id),
        expired: expired.map((x) => ({ agentId: x.agent_id, id: x.command_id, name: x.name, sent: x.sent_count })),
        prunedHeartbeats: pruned.rowCount ?? 0,
      };
    });
  }

  async claimAlerts(now: Date, limit: number, leaseSeconds: number): Promise<PendingAlert[]> {
    const rows = await this.q<{ agent_id: string; seq: string; kind: string; at: Date; attempts: number; payload: Record<string, unknown> }>(
      `UPDATE alerts SET claimed_until = $2, attempts = attempts + 1
       WHERE (agent_id, seq) IN (
         SELECT a.agent_id, a.seq FROM alerts a
         WHERE a.sent_at IS NULL AND a.failed_at IS NULL AND a.next_attempt_at <= $1 AND (a.claimed_until IS NULL OR a.claimed_until <= $1)
           AND NOT EXISTS (SELECT 1 FROM alerts b WHERE b.agent_id = a.agent_id AND b.seq < a.seq AND b.sent_at IS NULL AND b.failed_at IS NULL)
         ORDER BY a.seq LIMIT $3 FOR UPDATE SKIP LOCKED)
       RETURNING agent_id, seq, kind, at, attempts, payload`,
      [now.toISOString(), new Date(now.getTime() + leaseSeconds * 1000).toISOString(), limit],
    );
    return rows.map((r) => ({ agentId: r.agent_id, seq: Number(r.seq), kind: r.kind, at: r.at.toISOString(), attempts: r.attempts, payload: r.payload })).sort((a, b) => a.seq - b.seq);
  }

  async alertDelivered(a: PendingAlert, at: Date): Promise<void> {
    await this.q('UPDATE alerts SET sent_at = $3, claimed_until = NULL, last_error = NULL WHERE agent_id = $1 AND seq = $2', [a.agentId, a.seq, at.toISOString()]);
  }

  async alertFailed(a: PendingAlert, error: string, nextAt: Date | undefined, at: Date): Promise<void> {
    await this.tx(async (c) => {
      if (nextAt) {
        await c.query('UPDATE alerts SET next_attempt_at = $3, claimed_until = NULL, last_error = $4 WHERE agent_id = $1 AND seq = $2', [a.agentId, a.seq, nextAt.toISOString(), error]);
        return;
      }
      await c.query('UPDATE alerts SET failed_at = $3, claimed_until = NULL, last_error = $4 WHERE agent_id = $1 AND seq = $2', [a.agentId, a.seq, at.toISOString(), error]);
      await this.event(c, a.agentId, at.toISOString(), 'alert.failed', `webhook alert ${a.kind} of ${a.at} given up after ${a.attempts} attempts: ${error}`, null, { kind: a.kind, alertAt: a.at, attempts: a.attempts, error });
    });
  }

  async addToken(t: StoredToken): Promise<void> {
    await this.q('INSERT INTO tokens (token_id, kind, agent_id, name, role, hash, label, created_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)', [
      t.id,
      t.kind,
      t.agentId ?? null,
      t.name ?? null,
      t.role ?? null,
      t.hash,
      t.label ?? null,
      t.createdAt,
      t.revokedAt ?? null,
    ]);
  }

  async findToken(id: string, count?: { windowStart: Date; hash: string }): Promise<(StoredToken & { hits?: number }) | undefined> {
    // One round trip for the lookup and the rate count of an agent's request.
    const r = (
      await this.q<RawToken & { hits: number | null }>(
        `WITH t AS (SELECT * FROM tokens WHERE token_id = $1),
         hit AS (
           INSERT INTO rate_windows (agent_id, window_start, hits)
           SELECT agent_id, $2, 1 FROM t WHERE $2::timestamptz IS NOT NULL AND kind = 'agent' AND revoked_at IS NULL AND hash = $3
           ON CONFLICT (agent_id) DO UPDATE SET hits = CASE WHEN excluded.window_start <= rate_windows.window_start THEN rate_windows.hits + 1 ELSE 1 END,
             window_start = GREATEST(rate_windows.window_start, excluded.window_start)
           RETURNING hits)
         SELECT t.*, (SELECT hits FROM hit) AS hits FROM t`,
        [id, count?.windowStart.toISOString() ?? null, count?.hash ?? null],
      )
    )[0];
    if (!r) return undefined;
    return r.hits === null || r.hits === undefined ? storedToken(r) : { ...storedToken(r), hits: Number(r.hits) };
  }

  async revokeTokens(by: { id: string } | { agentId: string }, at: Date): Promise<number> {
    const sql = 'id' in by ? 'UPDATE tokens SET revoked_at = $1 WHERE token_id = $2 AND revoked_at IS NULL' : `UPDATE tokens SET revoked_at = $1 WHERE kind = 'agent' AND agent_id = $2 AND revoked_at IS NULL`;
    try {
      return (await this.pool.query(prepared(sql, [at.toISOString(), 'id' in by ? by.id : by.agentId]))).rowCount ?? 0;
    } catch (err) {
      throw this.dbError(err);
    }
  }

  async listTokens(): Promise<TokenRow[]> {
    return (await this.q<RawToken & pg.QueryResultRow>('SELECT * FROM tokens ORDER BY created_at, token_id')).map(tokenRow);
  }

  async tokenAgents(): Promise<string[]> {
    return (await this.q<{ agent_id: string }>(`SELECT DISTINCT agent_id FROM tokens WHERE kind = 'agent' AND revoked_at IS NULL AND agent_id IS NOT NULL`)).map((r) => r.agent_id);
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }
}
