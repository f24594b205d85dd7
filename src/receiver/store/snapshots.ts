import { PRINTED_COUNTERS } from '../../billing/index.js';

/**
 * Daily meter snapshots (issue 12, the billing export's speed): per (agent, device, UTC day) the
 * first and the last reading of the day, plus every reading on either side of a break (a counter
 * going down, another serial, other units or sources, another set of counters), written at ingest
 * as compact columns beside the full reading. Counters are cumulative, so a day's first and last
 * keep everything billing needs from the day (the outbox's compaction rests on the same fact) and
 * the breaks keep every rollback, replacement and redefinition with the reading before it: the
 * billing core walks ≤ 2–3 rows per device-day instead of every stored reading, and no reading's
 * JSON body is parsed by the database at export time.
 *
 * Each day also keeps its last reading where a printed counter rose (slot `page`): the billing
 * core's idleness runs from the last printed page, and that reading is the last page of the full
 * history as well (counters only grow within a run, so it rose against any earlier snapshot too).
 * When that page is also the day's last reading (most days of a printing device) it is a flag on
 * the `last` row instead of a second row of the same reading (schema version 6): see
 * pageCollapseSql.
 *
 * Keeping a reading too many is harmless (it is a real reading); missing a break is not, so the
 * break test errs on the side of keeping (any difference in units or sources text, for instance).
 */

/** A reading's billing meters as the snapshot table stores them (JSON text for the open maps). */
export interface SnapshotMeter {
  id: string;
  readAt: string;
  serial: string | null;
  source: string | null;
  counters: string;
  sources: string | null;
  units: string | null;
}

/** The snapshot slots of a day: its first and last reading; a break's readings get `b:<reading id>`. */
export const FIRST_SLOT = 'first';
export const LAST_SLOT = 'last';
export const PAGE_SLOT = 'page';
export const breakSlot = (readingId: string): string => `b:${readingId}`;

/** The UTC day of an ISO time, `YYYY-MM-DD`. */
export const utcDay = (iso: string): string => new Date(iso).toISOString().slice(0, 10);

const text = (v: unknown): string | null => (v === undefined || v === null ? null : JSON.stringify(v));

/** A stored reading body's meters, as the snapshot table keeps them. */
export function snapshotMeterOf(id: string, readAt: string, body: string): SnapshotMeter {
  const r = JSON.parse(body) as { device?: { serial?: unknown }; source?: unknown; counters?: unknown; sources?: unknown; units?: unknown };
  return {
    id,
    readAt,
    serial: typeof r.device?.serial === 'string' ? r.device.serial : null,
    source: typeof r.source === 'string' ? r.source : null,
    counters: text(r.counters) ?? '{}',
    sources: text(r.sources),
    units: text(r.units),
  };
}

/**
 * Whether the step from `a` to the next reading `b` of the same device may be a break the billing
 * core must see with both readings: another serial (a replacement), other units or sources or
 * counters (a redefinition), or any counter lower than before (a rollback).
 */
export function isBreak(a: SnapshotMeter, b: SnapshotMeter): boolean {
  if (a.serial !== b.serial || !sameMap(a.units, b.units) || !sameMap(a.sources, b.sources)) return true;
  if (a.counters === b.counters) return false;
  const ca = JSON.parse(a.counters) as Record<string, unknown>;
  const cb = JSON.parse(b.counters) as Record<string, unknown>;
  const ka = Object.keys(ca);
  if (ka.length !== Object.keys(cb).length) return true;
  return ka.some((k) => typeof cb[k] !== 'number' || typeof ca[k] !== 'number' || (cb[k] as number) < (ca[k] as number));
}

/** Two flat JSON maps (units, sources) with the same entries, whatever the key order (PostgreSQL's jsonb sorts its keys). */
function sameMap(a: string | null, b: string | null): boolean {
  if (a === b) return true;
  if (a === null || b === null) return false;
  const ma = JSON.parse(a) as Record<string, unknown>;
  const mb = JSON.parse(b) as Record<string, unknown>;
  const ka = Object.keys(ma);
  return ka.length === Object.keys(mb).length && ka.every((k) => JSON.stringify(ma[k]) === JSON.stringify(mb[k]));
}

const PRINTED = new Set<string>(PRINTED_COUNTERS);

/** Whether a printed counter rose from `a` to the next reading `b` (a printed page, for the idle rule). */
export function printedPage(a: SnapshotMeter, b: SnapshotMeter): boolean {
  const ca = JSON.parse(a.counters) as Record<string, unknown>;
  const cb = JSON.parse(b.counters) as Record<string, unknown>;
  return Object.entries(cb).some(([k, v]) => PRINTED.has(k) && typeof v === 'number' && typeof ca[k] === 'number' && v > (ca[k] as number));
}

/** A stored reading with its neighbours in the device's history (read_at, then reading id), as the store found them after inserting it. */
export interface PlacedReading {
  deviceKey: string;
  m: SnapshotMeter;
  before?: SnapshotMeter;
  after?: SnapshotMeter;
}

export interface SnapshotRow {
  deviceKey: string;
  day: string;
  slot: string;
  m: SnapshotMeter;
}

const earlier = (a: SnapshotMeter, b: SnapshotMeter) => a.readAt < b.readAt || (a.readAt === b.readAt && a.id < b.id);

/**
 * What a batch of stored readings adds to the snapshots: `bounds`, the batch's earliest and latest
 * reading per device-day and its latest printed page (slots first, last and page; the store keeps
 * the earlier first and the later last and page of what it has and this), and `breaks`, both readings of every break the new readings make
 * with their neighbours (kept as they are).
 */
export function snapshotRows(placed: readonly PlacedReading[]): { bounds: SnapshotRow[]; breaks: SnapshotRow[] } {
  const days = new Map<string, { first: SnapshotRow; last: SnapshotRow; page?: SnapshotRow }>();
  const breaks = new Map<string, SnapshotRow>();
  const keep = (deviceKey: string, m: SnapshotMeter) => breaks.set(`${deviceKey}\u0000${m.id}`, { deviceKey, day: utcDay(m.readAt), slot: breakSlot(m.id), m });
  for (const p of placed) {
    const day = utcDay(p.m.readAt);
    const k = `${p.deviceKey}\u0000${day}`;
    const d = days.get(k);
    if (!d) days.set(k, { first: { deviceKey: p.deviceKey, day, slot: FIRST_SLOT, m: p.m }, last: { deviceKey: p.deviceKey, day, slot: LAST_SLOT, m: p.m } });
    else {
      if (earlier(p.m, d.first.m)) d.first = { ...d.first, m: p.m };
      if (earlier(d.last.m, p.m)) d.last = { ...d.last, m: p.m };
    }
    const page = days.get(k) as { page?: SnapshotRow };
    if (p.before && printedPage(p.before, p.m) && (!page.page || earlier(page.page.m, p.m))) page.page = { deviceKey: p.deviceKey, day, slot: PAGE_SLOT, m: p.m };
    for (const [a, b] of [
      [p.before, p.m],
      [p.m, p.after],
    ] as const) {
      if (a && b && isBreak(a, b)) {
        keep(p.deviceKey, a);
        keep(p.deviceKey, b);
      }
    }
  }
  return { bounds: [...days.values()].flatMap((d) => [d.first, d.last, ...(d.page ? [d.page] : [])]), breaks: [...breaks.values()] };
}

/** Snapshot rows in (read_at, reading id) order, each reading once (a reading may hold several slots of its day). */
export function distinctReadings<T extends { reading_id: string }>(rows: readonly T[]): T[] {
  return rows.filter((r, i) => i === 0 || (rows[i - 1] as T).reading_id !== r.reading_id);
}

/** A condition on the `last` row `l` or the `page` row `p` of the device-days concerned. */
export interface DaysWhere {
  l: string;
  p: string;
}

/** Every device-day (the migration's backfill, the bench's bulk load). */
export const EVERY_DAY: DaysWhere = { l: 'true', p: 'true' };

/** A snapshot row's meter columns: PostgreSQL keeps sources and units in the row; SQLite (schema 6) a declaration number (meter_declarations). */
export const PG_METER_COLUMNS = 'serial, source, counters, sources, units';
export const SQLITE_METER_COLUMNS = 'serial, source, counters, decl';

/**
 * Folds a day's `page` row into its `last` row when both hold the same reading: the `last` row's
 * `page` flag is set and the `page` row goes (one row of that reading instead of two for the
 * export to read). SQL that SQLite (3.23+, TRUE) and PostgreSQL both run; one statement each.
 */
export function pageCollapseSql(where: DaysWhere): string[] {
  return [
    `UPDATE meter_snapshots AS l SET page = TRUE WHERE l.slot = 'last' AND ${where.l}
       AND EXISTS (SELECT 1 FROM meter_snapshots p WHERE p.agent_id = l.agent_id AND p.device_key = l.device_key AND p.day = l.day AND p.slot = 'page' AND p.reading_id = l.reading_id)`,
    `DELETE FROM meter_snapshots AS p WHERE p.slot = 'page' AND ${where.p}
       AND EXISTS (SELECT 1 FROM meter_snapshots l WHERE l.agent_id = p.agent_id AND l.device_key = p.device_key AND l.day = p.day AND l.slot = 'last' AND l.reading_id = p.reading_id)`,
  ];
}

/**
 * The inverse, before the ingest merges a batch into the days it touches: a flagged `last` row
 * becomes a `page` row again (and the flag is cleared), so the merge keeps the later `last` and the
 * later `page` exactly as in version 5; pageCollapseSql then folds them again.
 */
export function pageExpandSql(where: DaysWhere, meterColumns: string): string[] {
  const set = meterColumns.split(', ').map((c) => `${c} = excluded.${c}`).join(', ');
  return [
    `INSERT INTO meter_snapshots (agent_id, device_key, day, slot, reading_id, read_at, ${meterColumns}, page)
       SELECT agent_id, device_key, day, 'page', reading_id, read_at, ${meterColumns}, FALSE FROM meter_snapshots AS l WHERE l.slot = 'last' AND l.page = TRUE AND ${where.l}
       ON CONFLICT (agent_id, device_key, day, slot) DO UPDATE SET reading_id = excluded.reading_id, read_at = excluded.read_at, ${set}`,
    `UPDATE meter_snapshots AS l SET page = FALSE WHERE l.slot = 'last' AND l.page = TRUE AND ${where.l}`,
  ];
}
