/**
 * A read-only snapshot of the outbox for `meterbox status` and the heartbeat. Opening with
 * `readStatus` never writes and works while the daemon holds the database (WAL readers do not block).
 */
import Database from 'better-sqlite3';
import { existsSync, statSync } from 'node:fs';
import { MeterboxError } from '../errors.js';

/** Where the daemon keeps its outbox unless configured otherwise ($METERBOX_DB overrides). */
export const DEFAULT_DB_PATH = process.env.METERBOX_DB ?? '/var/lib/meterbox/outbox.db';

export interface DeviceStatusRow {
  key: string;
  vendor: string;
  model?: string;
  serial?: string;
  host: string;
  lastSeen: string;
  lastReadingAt?: string;
}

export interface EventRow {
  seq: number;
  at: string;
  kind: string;
  severity: 'info' | 'warning' | 'error';
  deviceKey?: string;
  message: string;
  data?: Record<string, unknown>;
}

/** One request to the provider (the delivery audit, schema 2). */
export interface DeliveryRow {
  seq: number;
  at: string;
  kind: 'readings' | 'heartbeat';
  count: number;
  bytes: number;
  /** HTTP status; absent when no answer came. */
  status?: number;
  accepted: number;
  duplicate: number;
  rejected: number;
  ms?: number;
  error?: string;
}

/** Newest first; [] on a database from before the delivery audit. */
export function recentDeliveries(db: Database.Database, limit: number): DeliveryRow[] {
  const has = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'deliveries'").get();
  if (!has || limit <= 0) return [];
  const rows = db.prepare('SELECT seq, at, kind, count, bytes, status, accepted, duplicate, rejected, ms, error FROM deliveries ORDER BY seq DESC LIMIT ?').all(limit) as Record<string, unknown>[];
  return rows.map((r) => defined(r) as unknown as DeliveryRow);
}

export interface StatusSnapshot {
  db: {
    path: string;
    /** Database file plus its WAL. */
    fileBytes: number;
    usedBytes: number;
    schemaVersion: number;
  };
  outbox: {
    pending: number;
    delivered: number;
    rejected: number;
    oldestPendingAt?: string;
    oldestPendingAgeSeconds?: number;
  };
  lastDelivery?: { at: string; count: number };
  devices: DeviceStatusRow[];
  recentEvents: EventRow[];
  /** The last requests to the provider, newest first. */
  recentDeliveries: DeliveryRow[];
  at: string;
}

function fileSize(p: string): number {
  try {
    return statSync(p).size;
  } catch {
    return 0;
  }
}

function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined)) as T;
}

export function snapshot(db: Database.Database, path: string, now: Date, recentEvents = 10, deliveries = 10): StatusSnapshot {
  const one = <T>(sql: string, ...args: unknown[]): T => db.prepare(sql).pluck().get(...args) as T;
  const counts = db.prepare('SELECT state, COUNT(*) AS n FROM readings GROUP BY state').all() as { state: string; n: number }[];
  const count = (s: string) => counts.find((c) => c.state === s)?.n ?? 0;
  const oldest = one<string | undefined>("SELECT read_at FROM readings WHERE state = 'pending' ORDER BY read_at, seq LIMIT 1");
  const lastAt = one<string | undefined>("SELECT value FROM meta WHERE key = 'last_delivery_at'");
  const lastCount = one<string | undefined>("SELECT value FROM meta WHERE key = 'last_delivery_count'");
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  const pages = db.pragma('page_count', { simple: true }) as number;
  const free = db.pragma('freelist_count', { simple: true }) as number;
  const devices = (
    db
      .prepare('SELECT key, vendor, model, serial, host, last_seen AS lastSeen, last_reading_at AS lastReadingAt FROM devices ORDER BY key')
      .all() as Record<string, string | null>[]
  ).map((r) => defined(r) as unknown as DeviceStatusRow);
  const events = (
    db.prepare('SELECT seq, at, kind, severity, device_key AS deviceKey, message, data FROM events ORDER BY seq DESC LIMIT ?').all(recentEvents) as {
      seq: number;
      at: string;
      kind: string;
      severity: EventRow['severity'];
      deviceKey: string | null;
      message: string;
      data: string | null;
    }[]
  ).map((e) => defined({ ...e, data: e.data ? (JSON.parse(e.data) as Record<string, unknown>) : undefined }) as EventRow);
  return {
    db: {
      path,
      fileBytes: fileSize(path) + fileSize(`${path}-wal`),
      usedBytes: (pages - free) * pageSize,
      schemaVersion: Number(one<string | undefined>("SELECT value FROM meta WHERE key = 'schema_version'") ?? 0),
    },
    outbox: defined({
      pending: count('pending'),
      delivered: count('delivered'),
      rejected: count('rejected'),
      oldestPendingAt: oldest,
      oldestPendingAgeSeconds: oldest ? Math.max(0, Math.round((now.getTime() - Date.parse(oldest)) / 1000)) : undefined,
    }),
    ...(lastAt ? { lastDelivery: { at: lastAt, count: Number(lastCount ?? 0) } } : {}),
    devices,
    recentEvents: events,
    recentDeliveries: recentDeliveries(db, deliveries),
    at: now.toISOString(),
  };
}

/** Opens `path` read-only and takes a snapshot. */
export function readStatus(path: string, opts: { now?: Date; recentEvents?: number; recentDeliveries?: number } = {}): StatusSnapshot {
  if (!existsSync(path)) {
    throw new MeterboxError('MBX_STORE_NOT_FOUND', `${path}: no outbox database here (is the daemon's state directory elsewhere? use --db)`, { path });
  }
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    const hasMeta = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get();
    if (!hasMeta) throw new MeterboxError('MBX_STORE_MIGRATION', `${path}: not a meterbox outbox (no meta table)`, { path });
    return snapshot(db, path, opts.now ?? new Date(), opts.recentEvents ?? 10, opts.recentDeliveries ?? 10);
  } catch (err) {
    if (err instanceof MeterboxError) throw err;
    const code = (err as { code?: string }).code;
    throw new MeterboxError(
      code === 'SQLITE_NOTADB' || code?.startsWith('SQLITE_CORRUPT') ? 'MBX_STORE_CORRUPT' : 'MBX_STORE_IO',
      `${path}: cannot read the outbox (${code ?? 'error'}: ${(err as Error).message})`,
      { path, sqlite: code },
      { cause: err },
    );
  } finally {
    db?.close();
  }
}
