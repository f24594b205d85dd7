/**
 * A read-only snapshot of the outbox for `meterbox status` and the heartbeat. Opening with
 * `readStatus` never writes and works while the daemon holds the database (WAL readers do not block).
 */
import Database from 'better-sqlite3';
import { existsSync, statSync } from 'node:fs';
import { MeterboxError } from '../contract/errors.js';
import { walDamage } from './damaged-file.js';
import { recentDeliveries, type DeliveryRow } from './deliveries.js';
import { DATA_LOSS_KINDS, DATA_QUALITY_KINDS } from '../contract/events.js';
import { salvageFile, type SalvageReport } from './salvage.js';

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
  /** Data-quality events held, by kind, and the devices whose last reading had a problem. */
  dataQuality: { events: Record<string, number>; devices: { key: string; host: string; problems: string[] }[] };
  /** Data-loss events held, by kind, and the readings they record as lost for billing. */
  dataLoss: { events: Record<string, number>; lostReadings: number };
  /** Set when the file is damaged: what is still readable (the counts above) and what is not. */
  damaged?: { check: string; unrecoverable: SalvageReport['unrecoverable']; reasons: string[]; wal?: SalvageReport['wal'] };
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
      // Devices that have been read; one discovery found but never read (not under contract) has no reading to show.
      .prepare('SELECT key, vendor, model, serial, host, last_seen AS lastSeen, last_reading_at AS lastReadingAt FROM devices WHERE last_reading_at IS NOT NULL ORDER BY key')
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
    ...eventFigures(db),
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

function eventFigures(db: Database.Database): Pick<StatusSnapshot, 'dataQuality' | 'dataLoss'> {
  const byKind = (kinds: readonly string[]) =>
    Object.fromEntries(
      (db.prepare(`SELECT kind, COUNT(*) AS n FROM events WHERE kind IN (${kinds.map(() => '?').join(', ')}) GROUP BY kind ORDER BY kind`).all(...kinds) as { kind: string; n: number }[]).map((r) => [r.kind, r.n]),
    );
  const lost = db.prepare("SELECT COALESCE(SUM(json_extract(data, '$.lost')), 0) FROM events WHERE data IS NOT NULL AND json_valid(data)").pluck().get() as number;
  const hasProblems = (db.prepare("SELECT COUNT(*) FROM pragma_table_info('devices') WHERE name = 'problems'").pluck().get() as number) > 0;
  const devices = hasProblems
    ? (db.prepare('SELECT key, host, problems FROM devices WHERE problems IS NOT NULL ORDER BY key').all() as { key: string; host: string; problems: string }[]).map((d) => ({ key: d.key, host: d.host, problems: JSON.parse(d.problems) as string[] }))
    : [];
  return { dataQuality: { events: byKind(DATA_QUALITY_KINDS), devices }, dataLoss: { events: byKind(DATA_LOSS_KINDS), lostReadings: Number(lost) } };
}

/**
 * What a damaged file still holds, read page by page without SQLite (nothing is written): the
 * readable readings by state, devices and latest events, and what the indexes say is gone.
 */
function damagedSnapshot(path: string, check: string, now: Date, recentEvents = 10): StatusSnapshot {
  const devices: DeviceStatusRow[] = [];
  const events: EventRow[] = [];
  let oldest: string | undefined;
  const report = salvageFile(path, {
    reading(r) {
      if (r.state === 'pending' && (oldest === undefined || r.readAt < oldest)) oldest = r.readAt;
    },
    row(table, row) {
      const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
      if (table === 'devices' && typeof row.last_reading_at === 'string') devices.push(defined({ key: String(row.key), vendor: String(row.vendor), model: text(row.model), serial: text(row.serial), host: String(row.host), lastSeen: String(row.last_seen), lastReadingAt: text(row.last_reading_at) }) as DeviceStatusRow);
      if (table === 'events') {
        let data: Record<string, unknown> | undefined;
        try {
          data = typeof row.data === 'string' ? (JSON.parse(row.data) as Record<string, unknown>) : undefined;
        } catch {
          data = undefined;
        }
        events.push(defined({ seq: Number(row.seq), at: String(row.at), kind: String(row.kind), severity: row.severity as EventRow['severity'], deviceKey: text(row.device_key), message: String(row.message), data }) as EventRow);
      }
    },
  });
  const lostByEvents = events.reduce((n, e) => n + (typeof e.data?.lost === 'number' ? e.data.lost : 0), 0);
  const count = (kinds: readonly string[]) => {
    const out: Record<string, number> = {};
    for (const e of events) if (kinds.includes(e.kind)) out[e.kind] = (out[e.kind] ?? 0) + 1;
    return out;
  };
  const r = report.recovered.readings;
  return {
    db: { path, fileBytes: fileSize(path) + fileSize(`${path}-wal`), usedBytes: report.pages * report.pageSize, schemaVersion: 0 },
    outbox: defined({ ...r, oldestPendingAt: oldest, oldestPendingAgeSeconds: oldest ? Math.max(0, Math.round((now.getTime() - Date.parse(oldest)) / 1000)) : undefined }),
    devices: devices.sort((a, b) => (a.key < b.key ? -1 : 1)),
    recentEvents: events.sort((a, b) => b.seq - a.seq).slice(0, recentEvents),
    recentDeliveries: [],
    dataQuality: { events: count(DATA_QUALITY_KINDS), devices: [] },
    dataLoss: { events: count(DATA_LOSS_KINDS), lostReadings: lostByEvents },
    damaged: { check, unrecoverable: report.unrecoverable, reasons: report.reasons.slice(0, 5), ...(report.wal ? { wal: report.wal } : {}) },
    at: now.toISOString(),
  };
}

function isCorrupt(code: string | undefined): boolean {
  return code === 'SQLITE_NOTADB' || (code?.startsWith('SQLITE_CORRUPT') ?? false);
}

/**
 * Opens `path` read-only and takes a snapshot. A damaged file (or one whose WAL would make
 * SQLite drop commits) is not refused: the snapshot then says what is still readable. With
 * `check`, quick_check runs first (it reads the whole file).
 */
export function readStatus(path: string, opts: { now?: Date; recentEvents?: number; recentDeliveries?: number; check?: boolean } = {}): StatusSnapshot {
  if (!existsSync(path)) {
    throw new MeterboxError('MBX_STORE_NOT_FOUND', `${path}: no outbox database here (is the daemon's state directory elsewhere? use --db)`, { path });
  }
  const now = opts.now ?? new Date();
  const wal = walDamage(path);
  if (wal) return damagedSnapshot(path, wal, now, opts.recentEvents ?? 10);
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    if (opts.check) {
      const rows = (db.pragma('quick_check', { simple: false }) as { quick_check: string }[]).map((r) => r.quick_check);
      if (rows.join() !== 'ok') {
        db.close();
        db = undefined;
        return damagedSnapshot(path, `quick_check: ${rows.slice(0, 3).join('; ')}`, now, opts.recentEvents ?? 10);
      }
    }
    const hasMeta = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get();
    if (!hasMeta) throw new MeterboxError('MBX_STORE_MIGRATION', `${path}: not a meterbox outbox (no meta table)`, { path });
    return snapshot(db, path, now, opts.recentEvents ?? 10, opts.recentDeliveries ?? 10);
  } catch (err) {
    if (err instanceof MeterboxError) throw err;
    const code = (err as { code?: string }).code;
    if (isCorrupt(code)) {
      db?.close();
      db = undefined;
      return damagedSnapshot(path, `${code}: ${(err as Error).message}`, now, opts.recentEvents ?? 10);
    }
    throw new MeterboxError('MBX_STORE_IO', `${path}: cannot read the outbox (${code ?? 'error'}: ${(err as Error).message})`, { path, sqlite: code }, { cause: err });
  } finally {
    db?.close();
  }
}
