/**
 * Salvage of a damaged outbox: every row that can still be read from the file moved aside
 * (readings with their id, state and JSON, the devices with what discovery knew of them (the
 * registry table of a file older than schema 5), the events and the delivery audit) is written
 * into the fresh database, and everything that was there but
 * cannot be read is counted, with its reason, from what the indexes still say.
 *
 * - Rows come from the page reader (pages.ts): every tree from its root, then the leaves under
 *   damaged interior or root pages. Each row is checked against the outbox schema before it is
 *   used; a row from an unexpected place is recognised by its shape.
 * - States never go backwards: a reading read twice (a stale copy of a page) keeps its furthest
 *   state, so delivered stays delivered and pending stays pending. Inserting is idempotent, so a
 *   salvage cut short (power, full disk) is simply run again.
 * - What was there comes from the indexes: the unique index on readings.id names every reading
 *   the table held, the partial indexes say which were pending, delivered or rejected, and
 *   events_unreported names the events no heartbeat has carried yet.
 * - Devices whose row is lost are rebuilt from their newest salvaged reading.
 */
import type Database from 'better-sqlite3';
import { basename } from 'node:path';
import { openDamagedFile } from './damaged-file.js';
import { scanDatabase, type Row, type RowOrigin, type SqlValue } from './pages.js';
import { registryIntoDevices } from './schema.js';

/** Column order of each outbox table (schema.ts, migrations applied; registry of older files); a test checks it against a fresh database. */
export const TABLE_COLUMNS = {
  meta: ['key', 'value'],
  devices: ['key', 'key_source', 'vendor', 'model', 'serial', 'mac', 'host', 'identity', 'counters', 'first_seen', 'last_seen', 'last_reading_at', 'problems', 'hosts', 'label', 'credential', 'first_swept', 'last_swept'],
  readings: ['seq', 'id', 'device_key', 'read_at', 'day', 'state', 'body', 'bytes', 'attempts', 'last_error', 'stored_at', 'delivered_at'],
  events: ['seq', 'at', 'kind', 'severity', 'device_key', 'message', 'data', 'reported_at'],
  deliveries: ['seq', 'at', 'kind', 'count', 'bytes', 'status', 'accepted', 'duplicate', 'rejected', 'ms', 'error'],
  /** Schema 3 and 4 only: migration 5 merged it into devices; salvage of an older file merges it the same way. */
  registry: ['key', 'device'],
} as const;
export type OutboxTable = keyof typeof TABLE_COLUMNS;

/** Columns added by a later migration (ALTER TABLE … ADD COLUMN): older rows are shorter. */
const MIN_COLUMNS: Record<OutboxTable, number> = { meta: 2, devices: 12, readings: 12, events: 8, deliveries: 11, registry: 2 };

type State = 'pending' | 'delivered' | 'rejected';
const STATES = new Set<string>(['pending', 'delivered', 'rejected']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface SalvagedReading {
  seq: number;
  id: string;
  deviceKey: string;
  readAt: string;
  day: string;
  state: State;
  body: string;
  bytes: number;
  attempts: number;
  lastError: string | null;
  storedAt: string;
  deliveredAt: string | null;
}

/** A row of one outbox table, as named values ready to insert (rowid aliases left out). */
export type TableRow = Record<string, SqlValue>;

export interface SalvageSink {
  reading(r: SalvagedReading): void;
  row(table: Exclude<OutboxTable, 'readings'>, row: TableRow): void;
}

export interface SalvageReport {
  file: string;
  pageSize: number;
  pages: number;
  /** The WAL beside the file: frames in it, frames used, committed transactions past a damaged frame. */
  wal?: { frames: number; used: number; damaged: boolean; recoveredTransactions: number };
  recovered: {
    readings: Record<State, number>;
    devices: number;
    /** Devices whose row was lost, rebuilt from their newest salvaged reading. */
    devicesRebuilt: number;
    registry: number;
    events: number;
    unreportedEvents: number;
    deliveries: number;
  };
  unrecoverable: {
    readings: Record<State | 'unknown', number>;
    /** Ids of unrecoverable readings (at most 100). */
    readingIds: string[];
    unreportedEvents: number;
    devices: number;
    registry: number;
  };
  /** Why things could not be read (at most 20 lines), and how many such lines there were. */
  reasons: string[];
  unreadable: number;
  /** Leaf pages read although no tree reached them (children of damaged pages). */
  orphanPages: number;
}

const str = (v: SqlValue | undefined): v is string => typeof v === 'string';
const strOrNull = (v: SqlValue | undefined) => v === null || v === undefined || typeof v === 'string';
const int = (v: SqlValue | undefined): v is number => typeof v === 'number' && Number.isInteger(v);
const intOrNull = (v: SqlValue | undefined) => v === null || v === undefined || int(v);
const jsonObject = (v: SqlValue | undefined): boolean => {
  if (!str(v) || !v.startsWith('{')) return false;
  try {
    const o: unknown = JSON.parse(v);
    return typeof o === 'object' && o !== null && !Array.isArray(o);
  } catch {
    return false;
  }
};

/** Named values of a row of `table`, when the values fit its columns and types; else why not. */
function shapeOf(table: OutboxTable, values: SqlValue[], rowid: number | bigint | undefined): TableRow | string {
  const cols = TABLE_COLUMNS[table];
  if (values.length < MIN_COLUMNS[table] || values.length > cols.length) return `${values.length} columns`;
  const v = (name: string): SqlValue | undefined => values[cols.indexOf(name as never)];
  const ok = (() => {
    switch (table) {
      case 'readings':
        return values[0] === null && str(v('id')) && str(v('device_key')) && str(v('read_at')) && str(v('day')) && str(v('state')) && STATES.has(v('state') as string) && str(v('body')) && int(v('bytes')) && int(v('attempts')) && strOrNull(v('last_error')) && str(v('stored_at')) && strOrNull(v('delivered_at'));
      case 'devices':
        // Since schema 5 a device discovery found but never read has no identity yet, and maybe no host.
        return str(v('key')) && ['serial', 'mac', 'host'].includes(v('key_source') as string) && str(v('vendor')) && strOrNull(v('host')) && (v('identity') === null || v('identity') === undefined || jsonObject(v('identity'))) && str(v('first_seen')) && str(v('last_seen')) && ['model', 'serial', 'mac', 'counters', 'last_reading_at', 'problems', 'hosts', 'label', 'credential', 'first_swept', 'last_swept'].every((c) => strOrNull(v(c)));
      case 'events':
        return values[0] === null && str(v('at')) && str(v('kind')) && ['info', 'warning', 'error'].includes(v('severity') as string) && strOrNull(v('device_key')) && str(v('message')) && strOrNull(v('data')) && strOrNull(v('reported_at'));
      case 'deliveries':
        return values[0] === null && str(v('at')) && ['readings', 'heartbeat'].includes(v('kind') as string) && int(v('count')) && int(v('bytes')) && intOrNull(v('status')) && int(v('accepted')) && int(v('duplicate')) && int(v('rejected')) && intOrNull(v('ms')) && strOrNull(v('error'));
      case 'registry':
        return str(v('key')) && jsonObject(v('device'));
      case 'meta':
        // Meta values are plain text; a JSON object in the second column is a registry row.
        return str(v('key')) && str(v('value')) && !jsonObject(v('value'));
    }
  })();
  if (!ok) return 'values of the wrong type';
  const row: TableRow = {};
  cols.forEach((c, i) => {
    if (i === 0 && (table === 'readings' || table === 'events' || table === 'deliveries')) row[c] = rowid === undefined ? null : rowid;
    else row[c] = values[i] ?? null;
  });
  return row;
}

const TABLES = Object.keys(TABLE_COLUMNS) as OutboxTable[];

/** What a row from an unexpected place is, by its shape alone. */
function recognise(values: SqlValue[], rowid: number | bigint | undefined, hint?: OutboxTable): { table: OutboxTable; row: TableRow } | undefined {
  for (const t of hint ? [hint, ...TABLES.filter((x) => x !== hint)] : TABLES) {
    const row = shapeOf(t, values, rowid);
    if (typeof row !== 'string') return { table: t, row };
  }
  return undefined;
}

/** Evidence of what the file held, from its indexes (rowid last in every index key). */
interface Evidence {
  readingIds: Map<number, string>;
  byState: Record<State, Set<number>>;
  unreportedEvents: Set<number>;
  deviceKeys: Set<string>;
  registryKeys: Set<string>;
}

const INDEX_STATE: Record<string, State> = { readings_pending: 'pending', readings_pending_day: 'pending', readings_delivered: 'delivered', readings_rejected: 'rejected' };

function noteIndexRow(e: Evidence, name: string | undefined, row: Row): void {
  const vals = row.values;
  const rowid = vals[vals.length - 1];
  const first = vals[0];
  if (name === 'sqlite_autoindex_readings_1' || (name === undefined && vals.length === 2 && str(first) && UUID.test(first) && int(rowid))) {
    if (str(first) && int(rowid)) e.readingIds.set(rowid, first);
  } else if (name !== undefined && INDEX_STATE[name] && int(rowid)) e.byState[INDEX_STATE[name] as State].add(rowid);
  else if (name === 'events_unreported' && int(rowid)) e.unreportedEvents.add(rowid);
  else if (name === 'sqlite_autoindex_devices_1' && str(first)) e.deviceKeys.add(first);
  else if (name === 'sqlite_autoindex_registry_1' && str(first)) e.registryKeys.add(first);
}

/**
 * Reads `file` (and its WAL, committed frames past a damaged one included) and hands every
 * readable outbox row to `sink`, trees first, then orphaned leaves. Pure apart from reading the file.
 */
export function salvageFile(file: string, sink: SalvageSink): SalvageReport {
  const damaged = openDamagedFile(file, { allCommitted: true });
  const ev: Evidence = { readingIds: new Map(), byState: { pending: new Set(), delivered: new Set(), rejected: new Set() }, unreportedEvents: new Set(), deviceKeys: new Set(), registryKeys: new Set() };
  const readings = new Map<string, { state: State; seq: number }>();
  const recoveredSeqs = new Set<number>();
  const eventSeqs = new Set<number>();
  const keys = { devices: new Set<string>(), registry: new Set<string>() };
  const counts = { events: 0, deliveries: 0 };
  const newest = new Map<string, { first: string; last: SalvagedReading }>();
  const reasons: string[] = [];
  const damagedReadings: { id: string; seq: number; state: string }[] = [];
  const recoveredUnreported = new Set<number>();

  const take = (table: OutboxTable, row: TableRow): void => {
    if (table === 'readings') {
      const r = toReading(row);
      if (typeof r === 'string') {
        reasons.push(`reading ${String(row.id)}: ${r}`);
        damagedReadings.push({ id: String(row.id), seq: Number(row.seq), state: String(row.state) });
        return;
      }
      const prev = readings.get(r.id);
      // A stale copy of a page may hold an older state: keep the furthest one.
      if (prev && (prev.state !== 'pending' || r.state === 'pending')) return;
      readings.set(r.id, { state: r.state, seq: r.seq });
      recoveredSeqs.add(r.seq);
      const n = newest.get(r.deviceKey);
      if (!n) newest.set(r.deviceKey, { first: r.readAt, last: r });
      else {
        if (r.readAt < n.first) n.first = r.readAt;
        if (r.readAt > n.last.readAt) n.last = r;
      }
      sink.reading(r);
      return;
    }
    if (table === 'devices' || table === 'registry') {
      const k = row.key as string;
      if (keys[table].has(k)) return;
      keys[table].add(k);
    }
    if (table === 'events') {
      const seq = Number(row.seq);
      if (eventSeqs.has(seq)) return;
      eventSeqs.add(seq);
      counts.events++;
      if (row.reported_at === null) recoveredUnreported.add(seq);
    }
    if (table === 'deliveries') counts.deliveries++;
    sink.row(table, row);
  };

  let scan: ReturnType<typeof scanDatabase>;
  try {
    scan = scanDatabase(damaged.src, (origin: RowOrigin, rows: Row[]) => {
      if ('tree' in origin && origin.tree.type === 'index') {
        for (const r of rows) noteIndexRow(ev, origin.tree.name, r);
        return;
      }
      if ('orphan' in origin && origin.kind !== 'table-leaf') {
        for (const r of rows) noteIndexRow(ev, undefined, r);
        return;
      }
      const hint = 'tree' in origin && origin.tree.table in TABLE_COLUMNS ? (origin.tree.table as OutboxTable) : undefined;
      for (const r of rows) {
        const hit = recognise(r.values, r.rowid, hint);
        if (hit) take(hit.table, hit.row);
        else if (hint) reasons.push(`${hint} rowid ${String(r.rowid ?? '?')}: does not fit the table`);
      }
    });
  } finally {
    damaged.close();
  }

  // Devices whose row is lost come back from their newest reading.
  let devicesRebuilt = 0;
  for (const [key, n] of newest) {
    if (keys.devices.has(key)) continue;
    const row = deviceFromReading(n.last, n.first);
    if (!row) continue;
    keys.devices.add(key);
    devicesRebuilt++;
    sink.row('devices', row);
  }

  const recovered = { pending: 0, delivered: 0, rejected: 0 };
  for (const r of readings.values()) recovered[r.state]++;
  const lost = { pending: 0, delivered: 0, rejected: 0, unknown: 0 };
  const lostIds: string[] = [];
  // The indexes say which state a lost reading had; a row whose JSON is damaged says it itself.
  const stateOf = (seq: number): State | 'unknown' => {
    const indexed = (['pending', 'delivered', 'rejected'] as State[]).find((s) => ev.byState[s].has(seq));
    const own = damagedReadings.find((d) => d.seq === seq)?.state;
    return indexed ?? (own && STATES.has(own) ? (own as State) : 'unknown');
  };
  const known = new Set<number>([...ev.readingIds.keys(), ...ev.byState.pending, ...ev.byState.delivered, ...ev.byState.rejected]);
  for (const d of damagedReadings) if (Number.isInteger(d.seq)) known.add(d.seq);
  for (const seq of known) {
    const id = ev.readingIds.get(seq) ?? damagedReadings.find((d) => d.seq === seq)?.id;
    if (recoveredSeqs.has(seq) || (id !== undefined && readings.has(id))) continue;
    lost[stateOf(seq)]++;
    if (id !== undefined && lostIds.length < 100) lostIds.push(id);
  }
  const unreportedLost = [...ev.unreportedEvents].filter((s) => !eventSeqs.has(s)).length;
  reasons.push(...scan.bad);
  const wal = damaged.wal;
  return {
    file,
    pageSize: scan.pageSize,
    pages: scan.pageCount,
    ...(wal && wal.frames.length > 0 ? { wal: { frames: wal.frames.length, used: damaged.walFramesUsed, damaged: wal.damaged, recoveredTransactions: wal.lostTransactions } } : {}),
    recovered: { readings: recovered, devices: keys.devices.size - devicesRebuilt, devicesRebuilt, registry: keys.registry.size, events: counts.events, unreportedEvents: recoveredUnreported.size, deliveries: counts.deliveries },
    unrecoverable: {
      readings: lost,
      readingIds: lostIds,
      unreportedEvents: unreportedLost,
      devices: [...ev.deviceKeys].filter((k) => !keys.devices.has(k)).length,
      registry: [...ev.registryKeys].filter((k) => !keys.registry.has(k)).length,
    },
    reasons: reasons.slice(0, 20),
    unreadable: reasons.length,
    orphanPages: scan.orphanPages,
  };
}

function toReading(row: TableRow): SalvagedReading | string {
  const id = row.id as string;
  let body: unknown;
  try {
    body = JSON.parse(row.body as string);
  } catch {
    return 'its JSON is damaged';
  }
  if (typeof body !== 'object' || body === null || (body as { id?: unknown }).id !== id) return 'its JSON does not match its id';
  return {
    seq: Number(row.seq),
    id,
    deviceKey: row.device_key as string,
    readAt: row.read_at as string,
    day: row.day as string,
    state: row.state as State,
    body: row.body as string,
    bytes: row.bytes as number,
    attempts: row.attempts as number,
    lastError: (row.last_error as string | null) ?? null,
    storedAt: row.stored_at as string,
    deliveredAt: (row.delivered_at as string | null) ?? null,
  };
}

/** A devices row rebuilt from a device's newest reading (what registerDevice would have written). */
function deviceFromReading(r: SalvagedReading, firstReadAt: string): TableRow | undefined {
  try {
    const body = JSON.parse(r.body) as { device?: Record<string, unknown>; counters?: unknown };
    const d = body.device;
    if (!d || typeof d.key !== 'string' || typeof d.vendor !== 'string' || typeof d.host !== 'string') return undefined;
    const text = (v: unknown) => (typeof v === 'string' ? v : null);
    return {
      key: d.key,
      key_source: text(d.keySource) ?? 'host',
      vendor: d.vendor,
      model: text(d.model),
      serial: text(d.serial),
      mac: text(d.mac),
      host: d.host,
      identity: JSON.stringify(d),
      counters: JSON.stringify(body.counters ?? {}),
      first_seen: firstReadAt,
      last_seen: r.storedAt,
      last_reading_at: r.readAt,
      problems: null,
    };
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Writing into the fresh database

/** Meta keys worth keeping from the old file (the schema version is the fresh file's own). */
const META_KEEP = new Set(['created_at', 'last_delivery_at', 'last_delivery_count']);
const ROWS_PER_TRANSACTION = 2000;

/**
 * Salvages `aside` into `db` (a migrated outbox) in transactions of a few thousand rows, with a
 * WAL checkpoint between them so the WAL stays small. Idempotent: run again after a failure, it
 * adds what is missing and changes nothing else.
 */
export function salvageInto(db: Database.Database, aside: string): SalvageReport {
  const cols = (table: OutboxTable) => {
    const present = new Set((db.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(table) as string[]));
    return TABLE_COLUMNS[table].filter((c) => c !== 'seq' && present.has(c));
  };
  const insert = (table: Exclude<OutboxTable, 'readings'>, conflict: string) => {
    const c = cols(table);
    return { cols: c, stmt: db.prepare(`INSERT INTO ${table} (${c.join(', ')}) VALUES (${c.map((x) => `@${x}`).join(', ')}) ${conflict}`) };
  };
  const readingStmt = db.prepare(
    `INSERT INTO readings (id, device_key, read_at, day, state, body, bytes, attempts, last_error, stored_at, delivered_at)
     VALUES (@id, @deviceKey, @readAt, @day, @state, @body, @bytes, @attempts, @lastError, @storedAt, @deliveredAt)
     ON CONFLICT (id) DO UPDATE SET state = excluded.state, delivered_at = excluded.delivered_at, last_error = excluded.last_error
     WHERE readings.state = 'pending' AND excluded.state <> 'pending'`,
  );
  const tables = {
    devices: insert('devices', 'ON CONFLICT (key) DO NOTHING'),
    events: insert('events', ''),
    deliveries: insert('deliveries', ''),
  };
  // A file from before schema 5 has a registry table: its entries go into devices as migration 5
  // put them, after the devices rows (and those rebuilt from readings) are in.
  const registryRows: TableRow[] = [];
  const registryStmt = db.prepare(registryIntoDevices('(SELECT @key AS key, @device AS device)'));
  const metaStmt = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
  // Events and audit rows have no natural key: a second run skips those already copied.
  const fingerprint = (r: TableRow) => `${String(r.at)}\u0000${String(r.kind)}\u0000${String(r.message ?? r.count)}\u0000${String(r.bytes ?? '')}`;
  const seen = {
    events: new Set((db.prepare('SELECT at, kind, message FROM events').all() as TableRow[]).map(fingerprint)),
    deliveries: new Set((db.prepare('SELECT at, kind, count, bytes FROM deliveries').all() as TableRow[]).map(fingerprint)),
  };
  let inTx = 0;
  const step = () => {
    if (inTx === 0) db.exec('BEGIN IMMEDIATE');
    if (++inTx >= ROWS_PER_TRANSACTION) {
      db.exec('COMMIT');
      db.pragma('wal_checkpoint(PASSIVE)');
      inTx = 0;
    }
  };
  try {
    const report = salvageFile(aside, {
      reading(r) {
        step();
        readingStmt.run(r);
      },
      row(table, row) {
        if (table === 'meta') {
          const k = row.key as string;
          if (META_KEEP.has(k)) {
            step();
            metaStmt.run(k, row.value as string);
          }
          return;
        }
        if (table === 'registry') {
          registryRows.push(row);
          return;
        }
        if (table === 'events' || table === 'deliveries') {
          const f = fingerprint(row);
          if (seen[table].has(f)) return;
          seen[table].add(f);
        }
        const t = tables[table];
        const params: Record<string, SqlValue> = {};
        for (const c of t.cols) params[c] = row[c] ?? null;
        step();
        t.stmt.run(params);
      },
    });
    for (const row of registryRows) {
      step();
      registryStmt.run({ key: row.key, device: row.device });
    }
    if (inTx > 0) db.exec('COMMIT');
    inTx = 0;
    return report;
  } finally {
    if (inTx > 0 && db.inTransaction) db.exec('ROLLBACK');
  }
}

/** The meta key that marks `aside` as salvaged into this database. */
export function salvagedKey(aside: string): string {
  return `salvaged:${basename(aside)}`;
}
