/** The SQLite outbox on real files in temp dirs: migrations, batching, receipts, retention, compaction, status. */
import type { EventKind } from '../../src/contract/events.js';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { readdirSync } from 'node:fs';
import { Store } from '../../src/store/store.js';
import { MIGRATIONS, type Migration } from '../../src/store/schema.js';
import { readStatus } from '../../src/store/status.js';
import { formatStatus } from '../../src/cli/status.js';
import { fakeClock, makeReading, silent, tempDir } from './helpers.js';

let tmp: ReturnType<typeof tempDir>;
let path: string;
beforeEach(() => {
  tmp = tempDir();
  path = join(tmp.dir, 'outbox.db');
});
afterEach(() => tmp.cleanup());

const raw = (p: string) => new Database(p);

describe('open and migrations', () => {
  it('creates every table, records the schema version and uses WAL with synchronous=FULL', () => {
    const s = Store.open(path, { log: silent });
    expect(s.opened).toMatchObject({ fresh: true, migratedFrom: 0, schemaVersion: MIGRATIONS.length });
    const tables = (s.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all() as string[]).filter((t) => !t.startsWith('sqlite_'));
    expect(tables).toEqual(['deliveries', 'devices', 'events', 'meta', 'readings']);
    expect(s.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(s.db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    expect(s.meta.get('schema_version')).toBe(String(MIGRATIONS.length));
    s.close();
    const again = Store.open(path, { log: silent });
    expect(again.opened).toMatchObject({ fresh: false, migratedFrom: MIGRATIONS.length, schemaVersion: MIGRATIONS.length });
    again.close();
  });

  it('runs a new numbered migration on an existing database, keeping its data', () => {
    const s = Store.open(path, { log: silent });
    const r = makeReading(1, '2026-11-01T10:00:00Z');
    s.saveCycle([r]);
    s.close();
    const v2: Migration[] = [...MIGRATIONS, { version: MIGRATIONS.length + 1, name: 'add note', sql: 'ALTER TABLE readings ADD COLUMN note TEXT; CREATE TABLE extra (x INTEGER) STRICT;' }];
    const s2 = Store.open(path, { log: silent, migrations: v2 });
    expect(s2.opened).toMatchObject({ migratedFrom: MIGRATIONS.length, schemaVersion: v2.length });
    expect(s2.db.prepare('SELECT id, note FROM readings').all()).toEqual([{ id: r.id, note: null }]);
    s2.close();
  });

  it('rolls a failing migration back entirely: no half-applied schema, version unchanged', () => {
    Store.open(path, { log: silent }).close();
    const bad: Migration[] = [...MIGRATIONS, { version: MIGRATIONS.length + 1, name: 'broken', sql: 'CREATE TABLE half (x INTEGER); THIS IS NOT SQL;' }];
    expect(() => Store.open(path, { log: silent, migrations: bad })).toThrowError(expect.objectContaining({ code: 'MBX_STORE_MIGRATION', message: expect.stringContaining('rolled back') }));
    const db = raw(path);
    expect(db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").pluck().get()).toBe(String(MIGRATIONS.length));
    expect(db.prepare("SELECT COUNT(*) FROM sqlite_master WHERE name = 'half'").pluck().get()).toBe(0);
    db.close();
  });

  it('refuses a database written by a newer meterbox and leaves it untouched', () => {
    Store.open(path, { log: silent }).close();
    const db = raw(path);
    db.prepare("UPDATE meta SET value = '99' WHERE key = 'schema_version'").run();
    db.close();
    expect(() => Store.open(path, { log: silent })).toThrowError(expect.objectContaining({ code: 'MBX_STORE_SCHEMA_NEWER', message: expect.stringContaining('newer meterbox') }));
    expect(readdirSync(tmp.dir).filter((f) => f.includes('corrupt'))).toEqual([]);
    const db2 = raw(path);
    expect(db2.prepare("SELECT value FROM meta WHERE key = 'schema_version'").pluck().get()).toBe('99');
    db2.close();
  });

  it('refuses a SQLite file that is not an outbox', () => {
    const db = raw(path);
    db.exec('CREATE TABLE something (x)');
    db.close();
    expect(() => Store.open(path, { log: silent })).toThrowError(expect.objectContaining({ code: 'MBX_STORE_MIGRATION' }));
  });
});

describe('poll cycles and the device registry', () => {
  it('stores a cycle in one transaction, ignores a reading stored twice, and registers devices', () => {
    const clock = fakeClock();
    const s = Store.open(path, { log: silent, now: clock.now });
    const cycle = [makeReading(1, '2026-11-22T08:00:00Z', 100), makeReading(2, '2026-11-22T08:00:01Z', 200)];
    expect(s.saveCycle(cycle)).toMatchObject({ inserted: 2, duplicates: 0 });
    expect(s.saveCycle(cycle)).toMatchObject({ inserted: 0, duplicates: 2 });
    expect(s.readings.counts()).toMatchObject({ pending: 2, delivered: 0, rejected: 0, oldestPendingAt: '2026-11-22T08:00:00Z' });
    const moved = makeReading(1, '2026-11-22T09:00:00Z', 90);
    moved.device.host = '10.9.9.9';
    s.saveCycle([moved]);
    const events = s.events.unreported();
    expect(events[0]).toMatchObject({ kind: 'device.moved', deviceKey: 'generic:SIM00001', data: { from: '10.0.0.1', to: '10.9.9.9' } });
    // A counter that went down is flagged (the billing validation's counter.rollback, one per counter), never altered.
    expect(new Set(events.slice(1).map((e) => e.kind))).toEqual(new Set(['counter.rollback']));
    expect(events.find((e) => e.data?.counter === 'total')).toMatchObject({ deviceKey: 'generic:SIM00001', severity: 'warning', data: { counter: 'total', previous: 100, current: 90, readingIds: [cycle[0]?.id, moved.id] } });
    s.events.markReported(events.map((e) => e.seq));
    expect(s.events.unreported()).toEqual([]);
    s.close();
  });

  it('a failing cycle stores nothing (atomic)', () => {
    const s = Store.open(path, { log: silent });
    const good = makeReading(1, '2026-11-22T08:00:00Z');
    const bad = makeReading(2, '2026-11-22T08:00:00Z');
    (bad.device as { key: unknown }).key = null; // NOT NULL violation half-way through the cycle
    expect(() => s.saveCycle([good, bad])).toThrow();
    expect(s.readings.counts().pending).toBe(0);
    s.close();
  });
});

describe('batches and receipts', () => {
  it('takes batches oldest-first by read time, limited by count and bytes', () => {
    const s = Store.open(path, { log: silent });
    const rs = Array.from({ length: 10 }, (_, i) => makeReading(i, new Date(Date.parse('2026-11-22T08:00:00Z') + i * 60_000)));
    s.saveCycle(rs.slice(5));
    s.saveCycle(rs.slice(0, 5)); // older readings stored later (e.g. held in memory during a disk failure)
    expect(s.readings.nextBatch({ maxCount: 3 }).map((b) => b.id)).toEqual(rs.slice(0, 3).map((r) => r.id));
    const one = s.readings.nextBatch({ maxCount: 1 })[0];
    expect(JSON.parse(one?.body ?? '')).toEqual(rs[0]);
    const bytes = one?.bytes ?? 0;
    expect(s.readings.nextBatch({ maxCount: 100, maxBytes: bytes * 4 + 1 })).toHaveLength(4);
    expect(s.readings.nextBatch({ maxCount: 100, maxBytes: 1 })).toHaveLength(1);
    s.close();
  });

  it('applies a receipt atomically and idempotently: applied twice, the second changes nothing', () => {
    const clock = fakeClock();
    const s = Store.open(path, { log: silent, now: clock.now });
    const rs = Array.from({ length: 6 }, (_, i) => makeReading(i, new Date(Date.parse('2026-11-22T08:00:00Z') + i * 1000)));
    s.saveCycle(rs);
    const batch = s.readings.nextBatch({ maxCount: 4 }).map((b) => b.id);
    s.recordAttemptFailure(batch, 'HTTP 503');
    const receipt = {
      accepted: [batch[0] as string, batch[1] as string],
      duplicate: [batch[2] as string],
      rejected: [{ id: batch[3] as string, reason: 'counter total missing' }],
    };
    expect(s.applyReceipt(receipt)).toEqual({ delivered: 3, rejected: 1, unchanged: 0, unknown: 0 });
    const snapshot = () => s.db.prepare('SELECT id, state, attempts, last_error, delivered_at FROM readings ORDER BY seq').all();
    const before = snapshot();
    const eventsBefore = s.db.prepare('SELECT COUNT(*) FROM events').pluck().get();
    clock.advance(60_000);
    expect(s.applyReceipt(receipt)).toEqual({ delivered: 0, rejected: 0, unchanged: 4, unknown: 0 });
    expect(snapshot()).toEqual(before);
    expect(s.db.prepare('SELECT COUNT(*) FROM events').pluck().get()).toBe(eventsBefore);
    expect(s.meta.get('last_delivery_at')).toBe('2026-11-22T08:00:00.000Z');

    expect(s.readings.counts()).toMatchObject({ pending: 2, delivered: 3, rejected: 1 });
    const rejected = s.db.prepare("SELECT attempts, last_error FROM readings WHERE state = 'rejected'").get();
    expect(rejected).toEqual({ attempts: 2, last_error: 'counter total missing' });
    // The rejected reading is kept aside: never offered again.
    expect(s.readings.nextBatch().map((b) => b.id)).toEqual([rs[4]?.id, rs[5]?.id]);
    expect(s.applyReceipt({ accepted: ['no-such-id'], duplicate: [], rejected: [] })).toMatchObject({ unknown: 1 });
    expect(s.events.unreported().map((e) => e.kind)).toContain('upload.rejected');
    s.close();
  });
});

describe('retention and compaction', () => {
  const day = (d: number, h: number, m = 0) => new Date(Date.UTC(2026, 10, d, h, m)).toISOString();

  it('caps events without losing the ones no heartbeat has reported yet', () => {
    const s = Store.open(path, { log: silent });
    const many = (n: number, kind: EventKind) => s.db.transaction(() => {
      for (let i = 0; i < n; i++) s.events.add({ kind, severity: 'info', message: `${kind} ${i}` });
    })();
    many(3000, 'device.moved');
    many(12_000, 'device.replaced');
    s.events.markReported(s.db.prepare("SELECT seq FROM events WHERE kind = 'device.replaced'").pluck().all() as number[]);
    s.enforceRetention();
    const count = (kind: string) => s.db.prepare('SELECT COUNT(*) FROM events WHERE kind = ?').pluck().get(kind) as number;
    expect(count('device.moved')).toBe(3000);
    expect(count('device.replaced')).toBeLessThan(12_000);
    expect(count('store.events-dropped')).toBe(0);
    s.close();
  });

  it('prunes delivered (and rejected) readings older than N days, never pending ones, with an event', () => {
    const clock = fakeClock('2026-11-30T00:00:00Z');
    const s = Store.open(path, { log: silent, now: clock.now, retention: { maxAgeDays: 10 } });
    const old = [makeReading(1, day(1, 1)), makeReading(1, day(1, 2)), makeReading(1, day(1, 3))];
    const recent = makeReading(1, day(25, 1));
    s.saveCycle([...old, recent]);
    s.applyReceipt({ accepted: [old[0]?.id as string, recent.id], duplicate: [], rejected: [{ id: old[1]?.id as string, reason: 'x' }] });
    const rep = s.enforceRetention();
    expect(rep.prunedByAge).toEqual({ delivered: 1, rejected: 1 });
    expect(s.readings.counts()).toMatchObject({ pending: 1, delivered: 1, rejected: 0 });
    const ev = s.events.unreported().find((e) => e.kind === 'retention.pruned');
    expect(ev?.data).toMatchObject({ reason: 'age', delivered: 1, rejected: 1 });
    s.close();
  });

  /** An outbox with `devices` devices read every `everyMin` minutes for `days` days, starting Nov 1. */
  function fill(s: Store, devices: number, days: number, everyMin: number) {
    const all: ReturnType<typeof makeReading>[] = [];
    for (let d = 1; d <= days; d++) {
      for (let m = 0; m < 24 * 60; m += everyMin) {
        const cycle = Array.from({ length: devices }, (_, n) => makeReading(n + 1, day(d, 0, m), d * 10_000 + m));
        s.saveCycle(cycle);
        all.push(...cycle);
      }
    }
    return all;
  }

  it('enforces the size cap by pruning delivered readings first, oldest first', () => {
    const s = Store.open(path, { log: silent, retention: { sizeCapBytes: 1 << 30 } });
    const all = fill(s, 4, 2, 30); // 384 readings
    const delivered = all.slice(0, 200).map((r) => r.id);
    s.applyReceipt({ accepted: delivered, duplicate: [], rejected: [] });
    const used = s.usedBytes();
    s.retention.sizeCapBytes = Math.floor(used * 0.7);
    const rep = s.enforceRetention();
    expect(rep.usedBytes).toBeLessThanOrEqual(s.retention.sizeCapBytes);
    expect(rep.prunedForSize.delivered).toBeGreaterThan(0);
    expect(rep.compacted.dropped + rep.droppedPending).toBe(0);
    expect(s.readings.counts().pending).toBe(184); // no pending reading lost
    const remaining = new Set(s.db.prepare("SELECT id FROM readings WHERE state = 'delivered'").pluck().all() as string[]);
    // What is left of the delivered ones is the newest.
    const kept = delivered.filter((id) => remaining.has(id));
    expect(kept).toEqual(delivered.slice(delivered.length - kept.length));
    const ev = s.events.unreported().filter((e) => e.kind === 'retention.pruned');
    expect(ev.reduce((n, e) => n + Number(e.data?.delivered ?? 0), 0)).toBe(rep.prunedForSize.delivered);
    s.close();
  });

  it('when the cap is full of pending readings, compacts to the first and last per device per day, with counted events', () => {
    const s = Store.open(path, { log: silent, retention: { sizeCapBytes: 1 << 30 } });
    const all = fill(s, 3, 3, 60); // 3 devices × 3 days × 24 readings = 216
    s.retention.sizeCapBytes = Math.floor(s.usedBytes() * 0.6);
    const rep = s.enforceRetention();
    expect(rep.usedBytes).toBeLessThanOrEqual(s.retention.sizeCapBytes);
    expect(rep.droppedPending).toBe(0);
    expect(rep.compacted.dropped).toBeGreaterThan(0);
    // Every compacted (device, day) still has its first and last reading.
    const left = s.db.prepare('SELECT device_key AS k, day, MIN(read_at) AS first, MAX(read_at) AS last, COUNT(*) AS n FROM readings GROUP BY k, day').all() as {
      k: string;
      day: string;
      first: string;
      last: string;
      n: number;
    }[];
    expect(left).toHaveLength(9);
    for (const g of left) {
      expect(g.first).toBe(`${g.day}T00:00:00.000Z`);
      expect(g.last).toBe(`${g.day}T23:00:00.000Z`);
    }
    // Oldest days are compacted first.
    const perDay = new Map(left.map((g) => [g.day, 0]));
    for (const g of left) perDay.set(g.day, (perDay.get(g.day) ?? 0) + g.n);
    expect(perDay.get('2026-11-01')).toBe(6);
    const events = s.events.unreported().filter((e) => e.kind === 'retention.compacted');
    expect(events.length).toBe(rep.compacted.days);
    expect(events.reduce((n, e) => n + Number(e.data?.dropped ?? 0), 0)).toBe(rep.compacted.dropped);
    expect(s.readings.counts().pending).toBe(all.length - rep.compacted.dropped);
    s.close();
  });

  it('drops the oldest pending readings only after compaction is exhausted, and says how many', () => {
    const s = Store.open(path, { log: silent, retention: { sizeCapBytes: 1 << 30 } });
    fill(s, 3, 20, 720); // two readings per device per day: nothing to compact
    const before = s.readings.counts().pending;
    s.retention.sizeCapBytes = Math.floor(s.usedBytes() * 0.5);
    const rep = s.enforceRetention();
    expect(rep.compacted.dropped).toBe(0);
    expect(rep.droppedPending).toBeGreaterThan(0);
    expect(s.readings.counts().pending).toBe(before - rep.droppedPending);
    expect(rep.droppedPending).toBeLessThan(before * 0.7); // bounded by the excess, not everything
    const ev = s.events.unreported().filter((e) => e.kind === 'retention.dropped-pending');
    expect(ev.every((e) => e.severity === 'error')).toBe(true);
    expect(ev.reduce((n, e) => n + Number(e.data?.dropped ?? 0), 0)).toBe(rep.droppedPending);
    // The oldest went first.
    expect(s.readings.counts().oldestPendingAt! > day(1, 12)).toBe(true);
    s.close();
  });
});

describe('status', () => {
  it('reads devices, outbox depth, oldest pending age, last delivery, rejected count, events and size while the store is open', () => {
    const clock = fakeClock('2026-11-22T10:00:00Z');
    const s = Store.open(path, { log: silent, now: clock.now });
    const a = makeReading(1, '2026-11-22T08:00:00.000Z');
    const b = makeReading(2, '2026-11-22T09:00:00.000Z');
    const c = makeReading(1, '2026-11-22T09:30:00.000Z');
    s.saveCycle([a, b]);
    s.saveCycle([c]);
    s.applyReceipt({ accepted: [a.id], duplicate: [], rejected: [{ id: b.id, reason: 'nope' }] });
    const st = readStatus(path, { now: new Date('2026-11-22T10:00:00Z') });
    expect(st.outbox).toEqual({ pending: 1, delivered: 1, rejected: 1, oldestPendingAt: '2026-11-22T09:30:00.000Z', oldestPendingAgeSeconds: 1800 });
    expect(st.lastDelivery).toEqual({ at: '2026-11-22T10:00:00.000Z', count: 1 });
    expect(st.devices.map((d) => [d.key, d.lastReadingAt])).toEqual([
      ['generic:SIM00001', '2026-11-22T09:30:00.000Z'],
      ['generic:SIM00002', '2026-11-22T09:00:00.000Z'],
    ]);
    expect(st.recentEvents[0]).toMatchObject({ kind: 'upload.rejected', severity: 'warning' });
    expect(st.db.fileBytes).toBeGreaterThan(0);
    expect(st.db.schemaVersion).toBe(MIGRATIONS.length);
    const text = formatStatus(st);
    expect(text).toContain('1 pending, 1 delivered, 1 rejected');
    expect(text).toContain('generic:SIM00002');
    expect(text).toContain('30m 0s ago');
    s.close();
  });

  it('says clearly when there is no database', () => {
    expect(() => readStatus(join(tmp.dir, 'none.db'))).toThrowError(expect.objectContaining({ code: 'MBX_STORE_NOT_FOUND' }));
  });
});
