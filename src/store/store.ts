/**
 * The SQLite outbox (the I/O shell around policy.ts): open with integrity check and migrations,
 * one transaction per poll cycle, oldest-first batches, idempotent receipts, retention, events.
 * Every method is synchronous (better-sqlite3); a reading is stored once `saveCycle` returns.
 */
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, readdirSync, renameSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { pino, type Logger } from 'pino';
import { MeterboxError, isMeterboxError } from '../contract/errors.js';
import type { Counters, Reading } from '../contract/reading.js';
import {
  DEFAULT_RETENTION,
  FAILURE_ADVICE,
  FAILURE_CODES,
  ageCutoff,
  classifyFailure,
  counterAnomalies,
  nextSizeStep,
  planCompaction,
  planReceipt,
  rowsToFree,
  selectBatch,
  utcDay,
  type BatchLimits,
  type Receipt,
  type RetentionPolicy,
  type SizeState,
  type StoreFailure,
} from './policy.js';
import { MIGRATIONS, planMigrations, type Migration } from './schema.js';
import { recentDeliveries, snapshot, type DeliveryRow, type StatusSnapshot } from './status.js';
import { walDamage } from './damaged-file.js';
import { salvageInto, salvagedKey, type SalvageReport } from './salvage.js';
import { salvageEvent, salvageFailedEvent } from './salvage-events.js';
import { problemEvents } from './problems.js';
import type { DataProblem } from '../reading/quality.js';


/** Reported events kept for `meterbox status`. */
const EVENTS_KEPT = 10_000;
/** Unreported events are kept up to this many (a heartbeat outage of months). */
const EVENTS_CEILING = 100_000;
/**
 * The WAL is checkpointed after every poll cycle and upload; this caps what is left on disk after
 * a checkpoint resets it, and how far it grows between automatic checkpoints (pages of 8 KiB).
 */
export const WAL_LIMIT_BYTES = 4 * 1024 * 1024;
const WAL_AUTOCHECKPOINT_PAGES = 256;
/** Rows one retention transaction deletes at most, and pages one vacuum step returns: bounds the WAL. */
const MAX_ROWS_PER_STEP = 2000;
const VACUUM_PAGES_PER_STEP = 256;
/** A salvage that fails for another reason than the disk is retried this often, then left for a human. */
const SALVAGE_ATTEMPTS = 3;

export type EventSeverity = 'info' | 'warning' | 'error';

export interface StoreEvent {
  kind: string;
  severity: EventSeverity;
  message: string;
  deviceKey?: string;
  data?: Record<string, unknown>;
  /** Defaults to the store's clock. */
  at?: string;
}

export interface StoredEvent extends StoreEvent {
  seq: number;
  at: string;
  reportedAt?: string;
}

export interface StoreOptions {
  now?: () => Date;
  log?: Logger;
  retention?: Partial<RetentionPolicy>;
  /** For tests of the migration runner; production uses MIGRATIONS. */
  migrations?: readonly Migration[];
  /** The database failed while in use (SQLITE_CORRUPT): move it aside and salvage it even if quick_check passes. */
  assumeCorrupt?: string;
}

export interface OpenReport {
  /** The file did not exist or was replaced. */
  fresh: boolean;
  migratedFrom: number;
  schemaVersion: number;
  /** Where a corrupt database was moved, when it was. */
  movedAside?: string;
  /** Damaged files (this one, or earlier ones) salvaged into this database while opening. */
  salvaged: SalvageReport[];
}

export interface SaveResult {
  inserted: number;
  /** Readings whose id was already stored (saving twice is harmless). */
  duplicates: number;
  ids: string[];
  /** Data-quality events raised by this cycle, by kind (counter.invalid, counter.missing, …). */
  dataEvents: Record<string, number>;
}

/** Data problems found while reading, by Reading id. */
export type ProblemsById = ReadonlyMap<string, readonly DataProblem[]>;

export interface OutboxItem {
  seq: number;
  id: string;
  deviceKey: string;
  readAt: string;
  bytes: number;
  attempts: number;
  /** The Reading JSON exactly as stored. */
  body: string;
}

export interface ReceiptResult {
  delivered: number;
  rejected: number;
  /** Ids already delivered or rejected: applying a receipt twice lands here. */
  unchanged: number;
  /** Ids the outbox does not hold (pruned, or never ours). */
  unknown: number;
}

export interface RetentionReport {
  prunedByAge: { delivered: number; rejected: number };
  prunedForSize: { delivered: number; rejected: number };
  compacted: { dropped: number; groups: number; days: number };
  droppedPending: number;
  usedBytes: number;
  capBytes: number;
}

/** One request to the provider, for the delivery audit. */
export interface DeliveryRecord {
  kind: 'readings' | 'heartbeat';
  count: number;
  /** Request body bytes on the wire (gzip). */
  bytes: number;
  /** HTTP status, or undefined when no answer came. */
  status?: number;
  accepted?: number;
  duplicate?: number;
  rejected?: number;
  ms?: number;
  /** `MBX_CODE: message` of a failure. */
  error?: string;
  /** Defaults to the store's clock. */
  at?: string;
}

export interface OutboxCounts {
  pending: number;
  delivered: number;
  rejected: number;
  oldestPendingAt?: string;
}

const DEFAULT_LIMITS: BatchLimits = { maxCount: 500, maxBytes: 4 * 1024 * 1024 };

function fileSize(p: string): number {
  try {
    return statSync(p).size;
  } catch {
    return 0;
  }
}

/** A stable, filename-safe timestamp: 2026-11-22T18-00-03-120Z. */
function stamp(d: Date): string {
  return d.toISOString().replace(/[:.]/g, '-');
}

function sqliteCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof (err as { code: unknown }).code === 'string') {
    return (err as { code: string }).code;
  }
  return undefined;
}

/** Turns a SQLite or fs error into a MeterboxError with an MBX_STORE_* code and advice. */
export function storeError(err: unknown, path: string, doing: string): MeterboxError {
  if (isMeterboxError(err)) return err;
  const code = sqliteCode(err);
  const kind = classifyFailure(code);
  const msg = err instanceof Error ? err.message : String(err);
  return new MeterboxError(FAILURE_CODES[kind], `${path}: ${doing} failed: ${FAILURE_ADVICE[kind]} (${code ?? 'error'}: ${msg})`, {
    path,
    sqlite: code,
    failure: kind,
  }, { cause: err });
}

/** An error that comes from SQLite or the outbox (as opposed to the network or a bug). */
export function isStoreFailure(err: unknown): boolean {
  if (isMeterboxError(err)) return err.code.startsWith('MBX_STORE_');
  return sqliteCode(err)?.startsWith('SQLITE_') ?? false;
}

export function failureOf(err: unknown): StoreFailure {
  if (isMeterboxError(err) && typeof err.context.failure === 'string') return err.context.failure as StoreFailure;
  return classifyFailure(sqliteCode(err));
}

function quickCheck(db: Database.Database): string | undefined {
  const rows = db.pragma('quick_check', { simple: false }) as { quick_check: string }[];
  const msgs = rows.map((r) => r.quick_check);
  return msgs.length === 1 && msgs[0] === 'ok' ? undefined : msgs.slice(0, 5).join('; ');
}

function readVersion(db: Database.Database, path: string): number {
  const hasMeta = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get();
  if (!hasMeta) {
    const other = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' LIMIT 1").get() as { name: string } | undefined;
    if (other) {
      throw new MeterboxError('MBX_STORE_MIGRATION', `${path}: not a meterbox outbox (table '${other.name}' but no meta table); move it aside or choose another --db`, { path });
    }
    return 0;
  }
  const row = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: string } | undefined;
  return row ? Number(row.value) : 0;
}

/** Moves `path` and its WAL/SHM files aside; returns the new name of the database. */
function moveAside(path: string, now: Date): string {
  const aside = `${path}.corrupt-${stamp(now)}`;
  for (const suffix of ['-wal', '-shm', '-journal']) {
    if (existsSync(path + suffix)) renameSync(path + suffix, aside + suffix);
  }
  if (existsSync(path)) renameSync(path, aside);
  return aside;
}

export class Store {
  readonly retention: RetentionPolicy;
  private readonly now: () => Date;
  private readonly log: Logger;
  private readonly stmt: ReturnType<Store['prepare']>;
  private closed = false;

  private constructor(
    readonly db: Database.Database,
    readonly path: string,
    readonly opened: OpenReport,
    opts: StoreOptions,
    log: Logger,
  ) {
    this.now = opts.now ?? (() => new Date());
    this.log = log;
    this.retention = { ...DEFAULT_RETENTION, ...opts.retention };
    this.stmt = this.prepare();
  }

  /**
   * Opens (creating when missing) the outbox at `path`: quick_check, a corrupt file moved aside
   * and replaced, WAL + synchronous=FULL, migrations in one transaction. Throws MBX_STORE_* errors;
   * never leaves a half-migrated database.
   */
  static open(path: string, opts: StoreOptions = {}): Store {
    const log = (opts.log ?? pino({ level: process.env.METERBOX_LOG_LEVEL ?? 'info' }, pino.destination(2))).child({ component: 'store' });
    try {
      return Store.openOnce(path, opts, log, opts.assumeCorrupt);
    } catch (err) {
      // Damage that quick_check did not see but reading the schema did: move aside once, never loop.
      if (failureOf(err) !== 'corrupt' || !existsSync(path)) throw err;
      return Store.openOnce(path, opts, log, err instanceof Error ? err.message : String(err));
    }
  }

  private static openOnce(path: string, opts: StoreOptions, log: Logger, knownCorrupt: string | undefined): Store {
    const now = opts.now ?? (() => new Date());
    try {
      mkdirSync(dirname(path), { recursive: true });
    } catch (err) {
      throw storeError(err, path, 'creating the state directory');
    }
    const existed = existsSync(path) && statSync(path).size > 0;
    let db: Database.Database | undefined;
    // Before SQLite opens the file: a damaged WAL frame would make it drop every later commit.
    let corrupt = knownCorrupt ?? (existed ? walDamage(path) : undefined);
    if (corrupt === undefined) {
      try {
        db = new Database(path);
        db.pragma('busy_timeout = 5000');
        if (existed) corrupt = quickCheck(db);
      } catch (err) {
        if (failureOf(err) === 'corrupt') corrupt = err instanceof Error ? err.message : String(err);
        else {
          db?.close();
          throw storeError(err, path, 'opening the database');
        }
      }
    }
    let movedAside: string | undefined;
    if (corrupt !== undefined) {
      db?.close();
      db = undefined;
      try {
        movedAside = moveAside(path, now());
      } catch (err) {
        throw storeError(err, path, 'moving the corrupt database aside');
      }
      log.error({ path, movedAside, check: corrupt }, 'outbox database failed its integrity check; moved aside, starting a fresh one');
    }
    try {
      if (!db) {
        db = new Database(path);
        db.pragma('busy_timeout = 5000');
      }
      const d = db;
      const fresh = !existed || movedAside !== undefined;
      if (fresh) {
        // Before the first table: 8 KiB pages hold five ~1.4 KB reading rows with little slack (4 KiB pages hold two).
        d.pragma('page_size = 8192');
        d.pragma('auto_vacuum = INCREMENTAL');
      }
      d.pragma('journal_mode = WAL');
      d.pragma('synchronous = FULL');
      d.pragma(`journal_size_limit = ${WAL_LIMIT_BYTES}`);
      d.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
      const migrations = opts.migrations ?? MIGRATIONS;
      const migrate = d.transaction(() => {
        const from = readVersion(d, path);
        const todo = planMigrations(from, migrations, path);
        for (const m of todo) {
          try {
            d.exec(m.sql);
          } catch (err) {
            if (failureOf(err) !== 'other') throw err; // disk full, read-only, … keep their own code
            throw new MeterboxError('MBX_STORE_MIGRATION', `${path}: migration ${m.version} (${m.name}) failed and was rolled back: ${(err as Error).message}`, { path, migration: m.version }, { cause: err });
          }
        }
        const to = from + todo.length;
        if (todo.length > 0) {
          const at = now().toISOString();
          const put = d.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
          put.run('schema_version', String(to));
          put.run('migrated_at', at);
          if (from === 0) put.run('created_at', at);
        }
        return { from, to };
      });
      const { from, to } = migrate.immediate();
      if (from !== to) log.info({ path, from, to }, 'outbox schema migrated');
      const store = new Store(d, path, { fresh, migratedFrom: from, schemaVersion: to, movedAside, salvaged: [] }, opts, log);
      if (movedAside) {
        store.addEvent({
          kind: 'store.corrupt-replaced',
          severity: 'error',
          message: `the outbox failed its integrity check and was moved aside to ${movedAside}; what it holds is salvaged into the fresh database (see store.salvaged)`,
          data: { movedAside, check: corrupt },
        });
      }
      store.opened.salvaged.push(...store.salvagePending());
      return store;
    } catch (err) {
      db?.close();
      throw storeError(err, path, 'preparing the database');
    }
  }

  private prepare() {
    const db = this.db;
    return {
      insertReading: db.prepare(
        `INSERT INTO readings (id, device_key, read_at, day, body, bytes, stored_at)
         VALUES (@id, @deviceKey, @readAt, @day, @body, @bytes, @storedAt) ON CONFLICT (id) DO NOTHING`,
      ),
      getDevice: db.prepare('SELECT host, counters, last_reading_at AS lastReadingAt FROM devices WHERE key = ?'),
      insertDevice: db.prepare(
        `INSERT INTO devices (key, key_source, vendor, model, serial, mac, host, identity, counters, first_seen, last_seen, last_reading_at)
         VALUES (@key, @keySource, @vendor, @model, @serial, @mac, @host, @identity, @counters, @at, @at, @readAt)`,
      ),
      updateDevice: db.prepare(
        `UPDATE devices SET key_source = @keySource, vendor = @vendor, model = @model, serial = @serial, mac = @mac, host = @host,
           identity = @identity, counters = @counters, last_seen = @at, last_reading_at = @readAt WHERE key = @key`,
      ),
      touchDevice: db.prepare('UPDATE devices SET last_seen = MAX(last_seen, ?) WHERE key = ?'),
      insertEvent: db.prepare(
        'INSERT INTO events (at, kind, severity, device_key, message, data) VALUES (@at, @kind, @severity, @deviceKey, @message, @data)',
      ),
      pendingHead: db.prepare(
        "SELECT seq, id, bytes FROM readings WHERE state = 'pending' ORDER BY read_at, seq LIMIT ?",
      ),
      bySeq: db.prepare(
        'SELECT seq, id, device_key AS deviceKey, read_at AS readAt, bytes, attempts, body FROM readings WHERE seq = ?',
      ),
      markDelivered: db.prepare(
        "UPDATE readings SET state = 'delivered', delivered_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ? AND state = 'pending'",
      ),
      markRejected: db.prepare(
        "UPDATE readings SET state = 'rejected', last_error = ?, attempts = attempts + 1 WHERE id = ? AND state = 'pending'",
      ),
      stateOf: db.prepare('SELECT state FROM readings WHERE id = ?').pluck(),
      attempt: db.prepare("UPDATE readings SET attempts = attempts + 1, last_error = ? WHERE id = ? AND state = 'pending'"),
      putMeta: db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
      getMeta: db.prepare('SELECT value FROM meta WHERE key = ?').pluck(),
      countState: db.prepare('SELECT COUNT(*) FROM readings WHERE state = ?').pluck(),
    };
  }

  private get nowIso(): string {
    return this.now().toISOString();
  }

  private eventRow(e: StoreEvent) {
    return {
      at: e.at ?? this.nowIso,
      kind: e.kind,
      severity: e.severity,
      deviceKey: e.deviceKey ?? null,
      message: e.message,
      data: e.data ? JSON.stringify(e.data) : null,
    };
  }

  /** Records an event (its own transaction). */
  addEvent(e: StoreEvent): void {
    this.stmt.insertEvent.run(this.eventRow(e));
  }

  /**
   * Stores one poll cycle's readings (and any events that belong with them) in one transaction,
   * updating the device registry. A reading already stored (same id) is skipped. The data
   * problems of each reading become events when they are new on its device.
   */
  saveCycle(readings: readonly Reading[], events: readonly StoreEvent[] = [], problems: ProblemsById = new Map()): SaveResult {
    const at = this.nowIso;
    const s = this.stmt;
    const run = this.db.transaction(() => {
      const ids: string[] = [];
      const dataEvents: Record<string, number> = {};
      let duplicates = 0;
      const sorted = [...readings].sort((a, b) => (a.readAt < b.readAt ? -1 : a.readAt > b.readAt ? 1 : 0));
      for (const r of sorted) {
        const body = JSON.stringify(r);
        const info = s.insertReading.run({ id: r.id, deviceKey: r.device.key, readAt: r.readAt, day: utcDay(r.readAt), body, bytes: Buffer.byteLength(body), storedAt: at });
        if (info.changes === 0) {
          duplicates++;
          continue;
        }
        ids.push(r.id);
        for (const e of this.registerDevice(r, at, problems.get(r.id) ?? [])) {
          s.insertEvent.run(this.eventRow(e));
          dataEvents[e.kind] = (dataEvents[e.kind] ?? 0) + 1;
        }
      }
      for (const e of events) s.insertEvent.run(this.eventRow(e));
      return { inserted: ids.length, duplicates, ids, dataEvents };
    });
    return run.immediate();
  }

  // Prepared on first use: a store opened with an older migration list (tests) has no devices.problems.
  private problemStmt?: { get: Database.Statement; set: Database.Statement } | null;

  private deviceProblems(): { get: Database.Statement; set: Database.Statement } | null {
    if (this.problemStmt === undefined) {
      const has = (this.db.prepare("SELECT COUNT(*) FROM pragma_table_info('devices') WHERE name = 'problems'").pluck().get() as number) > 0;
      this.problemStmt = has ? { get: this.db.prepare('SELECT problems FROM devices WHERE key = ?').pluck(), set: this.db.prepare('UPDATE devices SET problems = ? WHERE key = ?') } : null;
    }
    return this.problemStmt;
  }

  /** Updates the device registry with a reading; returns the data-quality events it raises. */
  private registerDevice(r: Reading, at: string, problems: readonly DataProblem[]): StoreEvent[] {
    const s = this.stmt;
    const d = r.device;
    const row = {
      key: d.key,
      keySource: d.keySource,
      vendor: d.vendor,
      model: d.model ?? null,
      serial: d.serial ?? null,
      mac: d.mac ?? null,
      host: d.host,
      identity: JSON.stringify(d),
      counters: JSON.stringify(r.counters),
      at,
      readAt: r.readAt,
    };
    const prev = s.getDevice.get(d.key) as { host: string; counters: string | null; lastReadingAt: string | null } | undefined;
    const ps = this.deviceProblems();
    const prevKeys = prev && ps ? (JSON.parse((ps.get.get(d.key) as string | null) ?? '[]') as string[]) : [];
    const saveKeys = (keys: string[]) => ps?.set.run(keys.length > 0 ? JSON.stringify(keys) : null, d.key);
    if (!prev) {
      s.insertDevice.run(row);
      const q = problemEvents(r, problems, { keys: [] });
      saveKeys(q.keys);
      return q.events;
    }
    if (prev.lastReadingAt !== null && prev.lastReadingAt > r.readAt) {
      // An older reading arriving late (held in memory during a disk failure): registry keeps the newer state.
      s.touchDevice.run(at, d.key);
      return problemEvents(r, problems, { keys: prevKeys }).events;
    }
    if (prev.host !== d.host) {
      s.insertEvent.run(this.eventRow({ kind: 'device.moved', severity: 'info', deviceKey: d.key, message: `${d.key} moved from ${prev.host} to ${d.host}`, data: { from: prev.host, to: d.host } }));
    }
    const anomalies = counterAnomalies(prev.counters ? (JSON.parse(prev.counters) as Counters) : undefined, r.counters);
    if (anomalies.length > 0) {
      s.insertEvent.run(
        this.eventRow({
          kind: 'counter.backwards',
          severity: 'warning',
          deviceKey: d.key,
          message: `${d.key}: ${anomalies.map((a) => `${a.counter} ${a.previous} → ${a.current}`).join(', ')}`,
          data: { readingId: r.id, anomalies },
        }),
      );
    }
    s.updateDevice.run(row);
    const q = problemEvents(r, problems, { counters: prev.counters ? (JSON.parse(prev.counters) as Counters) : undefined, keys: prevKeys });
    saveKeys(q.keys);
    return q.events;
  }

  /** The next readings to send, oldest first, within `limits` (count and body bytes). Changes nothing. */
  nextBatch(limits: Partial<BatchLimits> = {}): OutboxItem[] {
    const l = { ...DEFAULT_LIMITS, ...limits };
    const head = this.stmt.pendingHead.all(l.maxCount) as { seq: number; id: string; bytes: number }[];
    return selectBatch(head, l).map((c) => this.stmt.bySeq.get(c.seq) as OutboxItem);
  }

  private deliveryCount = 0;
  // Prepared on first use: a store opened with an older migration list (tests) has no deliveries table.
  private deliveryStmt?: { insert: Database.Statement; trim: Database.Statement };

  private insertDelivery(d: DeliveryRecord): void {
    this.deliveryStmt ??= {
      insert: this.db.prepare(
        `INSERT INTO deliveries (at, kind, count, bytes, status, accepted, duplicate, rejected, ms, error)
         VALUES (@at, @kind, @count, @bytes, @status, @accepted, @duplicate, @rejected, @ms, @error)`,
      ),
      trim: this.db.prepare('DELETE FROM deliveries WHERE seq <= (SELECT MAX(seq) FROM deliveries) - 10000'),
    };
    this.deliveryStmt.insert.run({
      at: d.at ?? this.nowIso,
      kind: d.kind,
      count: d.count,
      bytes: d.bytes,
      status: d.status ?? null,
      accepted: d.accepted ?? 0,
      duplicate: d.duplicate ?? 0,
      rejected: d.rejected ?? 0,
      ms: d.ms === undefined ? null : Math.round(d.ms),
      error: d.error ?? null,
    });
    // The audit keeps the last 10 000 requests.
    if (++this.deliveryCount % 500 === 0) this.deliveryStmt.trim.run();
  }

  /** Records one request to the provider in the delivery audit (its own transaction). */
  recordDelivery(d: DeliveryRecord): void {
    this.insertDelivery(d);
  }

  /** The most recent deliveries, newest first. */
  recentDeliveries(limit = 10): DeliveryRow[] {
    return recentDeliveries(this.db, limit);
  }

  /**
   * Applies a provider receipt atomically. Only pending readings change state, so applying the
   * same receipt twice (or a stale one) changes nothing the second time. With `delivery`, the
   * audit row is written in the same transaction.
   */
  applyReceipt(receipt: Receipt, delivery?: DeliveryRecord): ReceiptResult {
    const plan = planReceipt(receipt);
    const at = this.nowIso;
    const s = this.stmt;
    const run = this.db.transaction(() => {
      const res: ReceiptResult = { delivered: 0, rejected: 0, unchanged: 0, unknown: 0 };
      const note = (id: string) => {
        if (s.stateOf.get(id) === undefined) res.unknown++;
        else res.unchanged++;
      };
      for (const id of plan.deliver) {
        if (s.markDelivered.run(at, id).changes > 0) res.delivered++;
        else note(id);
      }
      const rejected: { id: string; reason: string }[] = [];
      for (const r of plan.reject) {
        if (s.markRejected.run(r.reason, r.id).changes > 0) {
          res.rejected++;
          rejected.push(r);
        } else note(r.id);
      }
      if (res.delivered > 0) {
        s.putMeta.run('last_delivery_at', at);
        s.putMeta.run('last_delivery_count', String(res.delivered));
      }
      if (delivery) this.insertDelivery(delivery);
      if (rejected.length > 0) {
        s.insertEvent.run(
          this.eventRow({
            kind: 'upload.rejected',
            severity: 'warning',
            message: `the provider rejected ${rejected.length} reading(s); they are kept aside and not retried`,
            data: { count: rejected.length, examples: rejected.slice(0, 5) },
          }),
        );
      }
      return res;
    });
    return run.immediate();
  }

  /** Counts a failed delivery attempt (network error, non-2xx) against pending readings. */
  recordAttemptFailure(ids: readonly string[], error: string, delivery?: DeliveryRecord): void {
    const run = this.db.transaction(() => {
      for (const id of ids) this.stmt.attempt.run(error, id);
      if (delivery) this.insertDelivery(delivery);
    });
    run.immediate();
  }

  /** The discovery registry as last saved: one JSON document per device key. */
  registryEntries(): { key: string; device: unknown }[] {
    return (this.db.prepare('SELECT key, device FROM registry').all() as { key: string; device: string }[]).map((r) => ({ key: r.key, device: JSON.parse(r.device) as unknown }));
  }

  /** Replaces the saved discovery registry in one transaction. */
  saveRegistry(entries: readonly { key: string; device: unknown }[]): void {
    const insert = this.db.prepare('INSERT INTO registry (key, device) VALUES (?, ?)');
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM registry').run();
      for (const e of entries) insert.run(e.key, JSON.stringify(e.device));
    }).immediate();
  }

  /** Time of the newest reading of any device: tells the daemon whether a poll is overdue. */
  lastReadingAt(): string | undefined {
    return (this.db.prepare('SELECT MAX(last_reading_at) FROM devices').pluck().get() as string | null) ?? undefined;
  }

  /** Every device the outbox has read, with the address and time it was last read at. */
  deviceHosts(): { key: string; host: string; lastReadingAt?: string; serial?: string }[] {
    const rows = this.db.prepare('SELECT key, host, last_reading_at AS lastReadingAt, serial FROM devices').all() as { key: string; host: string; lastReadingAt: string | null; serial: string | null }[];
    return rows.map((r) => ({ key: r.key, host: r.host, ...(r.lastReadingAt ? { lastReadingAt: r.lastReadingAt } : {}), ...(r.serial ? { serial: r.serial } : {}) }));
  }

  /** How many events of these kinds the store holds (e.g. data-loss events for health and metrics). */
  countEvents(kinds: readonly string[]): number {
    if (kinds.length === 0) return 0;
    return this.db.prepare(`SELECT COUNT(*) FROM events WHERE kind IN (${kinds.map(() => '?').join(', ')})`).pluck().get(...kinds) as number;
  }

  counts(): OutboxCounts {
    const s = this.stmt;
    const oldest = this.db.prepare("SELECT read_at FROM readings WHERE state = 'pending' ORDER BY read_at, seq LIMIT 1").pluck().get() as string | undefined;
    return {
      pending: s.countState.get('pending') as number,
      delivered: s.countState.get('delivered') as number,
      rejected: s.countState.get('rejected') as number,
      oldestPendingAt: oldest,
    };
  }

  /** Bytes in use: pages that hold data (free pages are reused before the file grows). */
  usedBytes(): number {
    const pageSize = this.db.pragma('page_size', { simple: true }) as number;
    const pages = this.db.pragma('page_count', { simple: true }) as number;
    const free = this.db.pragma('freelist_count', { simple: true }) as number;
    return (pages - free) * pageSize;
  }

  meta(key: string): string | undefined {
    return this.stmt.getMeta.get(key) as string | undefined;
  }

  /** Events not yet carried by a heartbeat, oldest first. */
  unreportedEvents(limit = 100): StoredEvent[] {
    const rows = this.db
      .prepare('SELECT seq, at, kind, severity, device_key AS deviceKey, message, data FROM events WHERE reported_at IS NULL ORDER BY seq LIMIT ?')
      .all(limit) as { seq: number; at: string; kind: string; severity: EventSeverity; deviceKey: string | null; message: string; data: string | null }[];
    return rows.map((r) => ({
      seq: r.seq,
      at: r.at,
      kind: r.kind,
      severity: r.severity,
      message: r.message,
      ...(r.deviceKey ? { deviceKey: r.deviceKey } : {}),
      ...(r.data ? { data: JSON.parse(r.data) as Record<string, unknown> } : {}),
    }));
  }

  markEventsReported(seqs: readonly number[]): void {
    const at = this.nowIso;
    const st = this.db.prepare('UPDATE events SET reported_at = ? WHERE seq = ? AND reported_at IS NULL');
    this.db.transaction(() => {
      for (const s of seqs) st.run(at, s);
    }).immediate();
  }

  status(recentEvents = 10): StatusSnapshot {
    return snapshot(this.db, this.path, this.now(), recentEvents);
  }

  private sizeState(capBytes: number, withCompactable: boolean): SizeState {
    const s = this.stmt;
    const usedBytes = this.usedBytes();
    if (usedBytes <= capBytes) return { usedBytes, capBytes, delivered: 0, rejected: 0, compactableGroups: 0, pending: 0 };
    const delivered = s.countState.get('delivered') as number;
    const rejected = delivered > 0 ? 0 : (s.countState.get('rejected') as number);
    const compactable =
      delivered > 0 || rejected > 0 || !withCompactable
        ? 0
        : (this.db
            .prepare("SELECT COUNT(*) FROM (SELECT 1 FROM readings WHERE state = 'pending' GROUP BY day, device_key HAVING COUNT(*) > 2 LIMIT 1)")
            .pluck()
            .get() as number);
    const pending = s.countState.get('pending') as number;
    return { usedBytes, capBytes, delivered, rejected, compactableGroups: compactable, pending };
  }

  /**
   * Applies retention: age first, then the size cap (delivered, rejected, compaction of pending,
   * and only as a last resort the oldest pending). Each step is one transaction that also
   * writes an event with its counts, so no loss is silent even if the process dies half-way.
   */
  enforceRetention(): RetentionReport {
    const db = this.db;
    const policy = this.retention;
    const report: RetentionReport = {
      prunedByAge: { delivered: 0, rejected: 0 },
      prunedForSize: { delivered: 0, rejected: 0 },
      compacted: { dropped: 0, groups: 0, days: 0 },
      droppedPending: 0,
      usedBytes: 0,
      capBytes: policy.sizeCapBytes,
    };
    const cutoff = ageCutoff(this.now(), policy.maxAgeDays);
    const tx = <T>(fn: () => T): T => db.transaction(fn).immediate();

    // In transactions of at most MAX_ROWS_PER_STEP rows, each followed by a checkpoint: the WAL
    // never holds more than one step (see WAL_HEADROOM_BYTES in disk.ts).
    const pruneOld = (state: 'delivered' | 'rejected'): number => {
      const del = db.prepare('DELETE FROM readings WHERE seq IN (SELECT seq FROM readings WHERE state = ? AND read_at < ? LIMIT ?)');
      let total = 0;
      for (;;) {
        const n = tx(() => del.run(state, cutoff, MAX_ROWS_PER_STEP).changes);
        this.checkpoint();
        total += n;
        if (n < MAX_ROWS_PER_STEP) return total;
      }
    };
    const d = pruneOld('delivered');
    const r = pruneOld('rejected');
    tx(() => {
      db.prepare('DELETE FROM events WHERE at < ? AND reported_at IS NOT NULL').run(cutoff);
      // Events the heartbeat has not carried yet are what tells the provider about data loss: keep
      // them past the usual cap, and if even the hard ceiling is reached, say how many went.
      db.prepare('DELETE FROM events WHERE reported_at IS NOT NULL AND seq <= (SELECT MAX(seq) FROM events) - ?').run(EVENTS_KEPT);
      const unreportedDropped = db.prepare('DELETE FROM events WHERE seq <= (SELECT MAX(seq) FROM events) - ?').run(EVENTS_CEILING).changes;
      if (unreportedDropped > 0) {
        this.stmt.insertEvent.run(
          this.eventRow({
            kind: 'store.events-dropped',
            severity: 'error',
            message: `dropped the ${unreportedDropped} oldest event(s) that no heartbeat has reported yet: more than ${EVENTS_CEILING} were waiting`,
            data: { dropped: unreportedDropped, ceiling: EVENTS_CEILING },
          }),
        );
      }
      if (d + r > 0) {
        // Delivered readings are billed already, and rejected ones were set aside with an event: pruning them by age is policy, not loss.
        this.stmt.insertEvent.run(
          this.eventRow({
            kind: 'retention.pruned',
            severity: r > 0 ? 'warning' : 'info',
            message: `pruned ${d} delivered and ${r} rejected reading(s) read before ${cutoff} (older than ${policy.maxAgeDays} days)`,
            data: { reason: 'age', delivered: d, rejected: r, before: cutoff },
          }),
        );
      }
      report.prunedByAge = { delivered: d, rejected: r };
    });

    this.checkpoint();

    const compactedDays = new Set<string>();
    // Pending readings are dropped up to the excess estimated at the first such step, then no more:
    // the loss stays bounded even when what fills the file is not readings (events, half-empty pages).
    let pendingBudget: number | undefined;
    for (let guard = 0; guard < 100_000; guard++) {
      const st = this.sizeState(policy.sizeCapBytes, true);
      const step = nextSizeStep(st);
      if (step === 'none' || (step === 'drop-oldest-pending' && pendingBudget !== undefined && report.droppedPending >= pendingBudget)) break;
      const rows = (db.prepare('SELECT COUNT(*) FROM readings').pluck().get() as number) || 1;
      const perRow = st.usedBytes / rows;
      const excess = st.usedBytes - st.capBytes;
      let progressed = 0;
      tx(() => {
        if (step === 'prune-delivered' || step === 'prune-rejected') {
          const state = step === 'prune-delivered' ? 'delivered' : 'rejected';
          const n = Math.min(MAX_ROWS_PER_STEP, rowsToFree(excess, perRow, state === 'delivered' ? st.delivered : st.rejected));
          progressed = db
            .prepare(`DELETE FROM readings WHERE seq IN (SELECT seq FROM readings WHERE state = ? ORDER BY read_at, seq LIMIT ?)`)
            .run(state, n).changes;
          report.prunedForSize[state] += progressed;
          this.stmt.insertEvent.run(
            this.eventRow({
              kind: 'retention.pruned',
              severity: state === 'delivered' ? 'info' : 'warning',
              message: `pruned ${progressed} ${state} reading(s), oldest first, to keep the outbox under ${policy.sizeCapBytes} bytes`,
              data: { reason: 'size', [state]: progressed, usedBytes: st.usedBytes, capBytes: st.capBytes },
            }),
          );
        } else if (step === 'compact-pending') {
          const day = db
            .prepare("SELECT day FROM readings WHERE state = 'pending' GROUP BY day, device_key HAVING COUNT(*) > 2 ORDER BY day LIMIT 1")
            .pluck()
            .get() as string;
          const pending = db
            .prepare("SELECT seq, device_key AS deviceKey, read_at AS readAt FROM readings WHERE state = 'pending' AND day = ?")
            .all(day) as { seq: number; deviceKey: string; readAt: string }[];
          const plan = planCompaction(pending);
          const del = db.prepare('DELETE FROM readings WHERE seq = ?');
          for (const seq of plan.drop.slice(0, MAX_ROWS_PER_STEP)) progressed += del.run(seq).changes;
          report.compacted.dropped += progressed;
          // A day too large for one step takes several: its groups count once, with its last step.
          if (plan.drop.length <= MAX_ROWS_PER_STEP) report.compacted.groups += plan.groups;
          compactedDays.add(day);
          this.stmt.insertEvent.run(
            this.eventRow({
              kind: 'retention.compacted',
              severity: 'warning',
              message: `outbox full of undelivered readings: compacted ${day}, dropped ${progressed} reading(s) of ${plan.devices} device(s), kept the first and last of each device's day`,
              data: { reason: 'size', day, dropped: progressed, lost: progressed, groups: plan.groups, devices: plan.devices, usedBytes: st.usedBytes, capBytes: st.capBytes },
            }),
          );
        } else {
          pendingBudget ??= rowsToFree(excess, perRow, st.pending, 10);
          const n = Math.min(MAX_ROWS_PER_STEP, pendingBudget - report.droppedPending);
          const victims = db
            .prepare("SELECT seq, read_at AS readAt, device_key AS deviceKey FROM readings WHERE state = 'pending' ORDER BY read_at, seq LIMIT ?")
            .all(n) as { seq: number; readAt: string; deviceKey: string }[];
          const del = db.prepare('DELETE FROM readings WHERE seq = ?');
          for (const v of victims) progressed += del.run(v.seq).changes;
          report.droppedPending += progressed;
          this.stmt.insertEvent.run(
            this.eventRow({
              kind: 'retention.dropped-pending',
              severity: 'error',
              message: `outbox full after compaction: dropped the ${progressed} oldest undelivered reading(s) (${victims[0]?.readAt ?? '?'} … ${victims.at(-1)?.readAt ?? '?'})`,
              data: {
                reason: 'size',
                dropped: progressed,
                lost: progressed,
                devices: new Set(victims.map((v) => v.deviceKey)).size,
                from: victims[0]?.readAt,
                to: victims.at(-1)?.readAt,
                usedBytes: st.usedBytes,
                capBytes: st.capBytes,
              },
            }),
          );
        }
      });
      this.checkpoint();
      if (progressed === 0) break;
    }
    report.compacted.days = compactedDays.size;
    const removed =
      report.prunedByAge.delivered + report.prunedByAge.rejected + report.prunedForSize.delivered + report.prunedForSize.rejected + report.compacted.dropped + report.droppedPending;
    if (removed > 0) {
      try {
        // Free pages go back to the filesystem a few at a time, so the WAL never holds the whole file.
        for (let i = 0; i < 100_000 && (db.pragma('freelist_count', { simple: true }) as number) > 0; i++) {
          db.pragma(`incremental_vacuum(${VACUUM_PAGES_PER_STEP})`);
          this.checkpoint();
        }
      } catch (err) {
        this.log.warn({ path: this.path, err: (err as Error).message }, 'incremental vacuum failed; free pages stay in the file for reuse');
      }
      this.log.info({ path: this.path, ...report }, 'retention applied');
    }
    report.usedBytes = this.usedBytes();
    return report;
  }

  /**
   * Copies the WAL into the database and truncates it, without waiting for readers (a reader
   * that holds an old snapshot leaves the rest for the next call). Returns the WAL bytes before.
   */
  checkpoint(): number {
    const walBytes = fileSize(`${this.path}-wal`);
    try {
      this.db.pragma('busy_timeout = 0');
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    } catch (err) {
      this.log.warn({ path: this.path, err: (err as Error).message }, 'WAL checkpoint failed; the next one retries');
    } finally {
      this.db.pragma('busy_timeout = 5000');
    }
    this.walPeakBytes = Math.max(this.walPeakBytes, walBytes);
    return walBytes;
  }

  /** The largest WAL seen before a checkpoint since this store was opened (for the disk-need estimate). */
  walPeakBytes = 0;

  /**
   * Salvages every damaged file moved aside beside this database that is not salvaged yet:
   * `<db>.corrupt-<time>` from this start or an earlier one. Never throws; a salvage cut short by
   * the disk is tried again at the next call, one that fails otherwise at most SALVAGE_ATTEMPTS times.
   */
  salvagePending(): SalvageReport[] {
    const dir = dirname(this.path);
    const prefix = `${basename(this.path)}.corrupt-`;
    let names: string[];
    try {
      names = readdirSync(dir).filter((f) => f.startsWith(prefix) && !/-(wal|shm|journal)$/.test(f)).sort();
    } catch {
      return [];
    }
    const done: SalvageReport[] = [];
    for (const name of names) {
      const aside = join(dir, name);
      const key = salvagedKey(aside);
      const attemptsKey = `salvage-attempts:${name}`;
      try {
        if (this.meta(key) !== undefined || Number(this.meta(attemptsKey) ?? 0) >= SALVAGE_ATTEMPTS) continue;
        const report = salvageInto(this.db, aside);
        this.db.transaction(() => {
          this.stmt.putMeta.run(key, this.nowIso);
          this.addEvent(salvageEvent(report));
        }).immediate();
        this.log.warn({ path: this.path, aside, recovered: report.recovered, unrecoverable: report.unrecoverable }, 'damaged outbox salvaged');
        done.push(report);
      } catch (err) {
        const kind = failureOf(err);
        const disk = kind === 'full' || kind === 'readonly' || kind === 'io' || kind === 'busy';
        this.log.error({ path: this.path, aside, err: (err as Error).message, retry: disk }, 'salvaging a damaged outbox failed; the file is kept');
        try {
          this.db.transaction(() => {
            if (!disk) this.stmt.putMeta.run(attemptsKey, String(Number(this.meta(attemptsKey) ?? 0) + 1));
            this.addEvent(salvageFailedEvent(aside, err, disk));
          }).immediate();
        } catch {
          // the disk refuses even this; the next call tries again
        }
      }
    }
    return done;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.db.close();
    } catch (err) {
      this.log.warn({ path: this.path, err: (err as Error).message }, 'closing the outbox failed');
    }
  }

  get isOpen(): boolean {
    return !this.closed && this.db.open;
  }
}
