/**
 * Store faults on real files: random bytes in the database (moved aside and salvaged), a full
 * disk (a tiny tmpfs when root, and SQLite's own page limit everywhere), a read-only filesystem
 * (tmpfs remounted ro when root). In every case the Outbox keeps going: nothing throws, readings
 * are held in memory, and storing resumes with events that say what happened.
 */
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readdirSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Outbox } from '../../src/store/outbox.js';
import { Store } from '../../src/store/store.js';
import { fakeClock, makeReading, silent, tempDir } from './helpers.js';
import { tmpfsUnavailable, withTmpfs } from './tmpfs.js';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir('mbx-faults-');
});
afterEach(() => tmp.cleanup());

function cycle(t: number, devices = 3) {
  return Array.from({ length: devices }, (_, n) => makeReading(n + 1, new Date(Date.parse('2026-11-22T00:00:00Z') + t * 60_000), 1000 + t));
}

function fill(path: string, cycles: number) {
  const s = Store.open(path, { log: silent });
  for (let t = 0; t < cycles; t++) s.saveCycle(cycle(t, 5));
  s.close(); // checkpoints the WAL into the main file
}

function quickCheck(path: string): string {
  const db = new Database(path, { readonly: true });
  try {
    return db.pragma('quick_check', { simple: true }) as string;
  } finally {
    db.close();
  }
}

function scribble(path: string, offset: number, length: number) {
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, randomBytes(length), 0, length, offset);
  } finally {
    closeSync(fd);
  }
}

describe('a corrupt database (random bytes written into it)', () => {
  for (const [name, where] of [
    ['over the header', (_size: number) => ({ offset: 0, length: 100 })],
    ['over interior b-tree pages', (size: number) => ({ offset: 4096 * 2, length: Math.min(4096 * 6, size - 4096 * 2) })],
    ['over the last pages', (size: number) => ({ offset: size - 4096 * 3, length: 4096 * 3 })],
  ] as const) {
    it(`${name}: moved aside with a timestamp, salvaged into a fresh database, reported by events, and no crash loop`, () => {
      const path = join(tmp.dir, 'outbox.db');
      fill(path, 40);
      const { offset, length } = where(statSync(path).size);
      scribble(path, offset, length);
      const clock = fakeClock('2026-11-22T18:00:03.120Z');
      const s = Store.open(path, { log: silent, now: clock.now });
      expect(s.opened.fresh).toBe(true);
      expect(s.opened.movedAside).toBe(`${path}.corrupt-2026-11-22T18-00-03-120Z`);
      expect(readdirSync(tmp.dir).filter((f) => f.includes('.corrupt-')).sort()[0]).toBe('outbox.db.corrupt-2026-11-22T18-00-03-120Z');
      const ev = s.events.unreported();
      expect(ev.map((e) => e.kind)).toEqual(['store.corrupt-replaced', 'store.salvaged']);
      expect(ev[0]).toMatchObject({ severity: 'error', data: { movedAside: s.opened.movedAside } });
      const report = s.opened.salvaged[0];
      expect(report?.file).toBe(s.opened.movedAside);
      // What was salvaged is what the fresh database holds; the 200 readings are all pending.
      expect(s.readings.counts().pending).toBe(report?.recovered.readings.pending);
      expect((report?.recovered.readings.pending ?? 0) + (report?.unrecoverable.readings.pending ?? 0) + (report?.unrecoverable.readings.unknown ?? 0)).toBeLessThanOrEqual(200);
      const before = s.readings.counts().pending;
      expect(s.saveCycle(cycle(100)).inserted).toBe(3); // the fresh database works
      s.close();
      // Opening again finds a healthy database: nothing else is moved aside or salvaged twice.
      const again = Store.open(path, { log: silent });
      expect(again.opened.movedAside).toBeUndefined();
      expect(again.opened.salvaged).toEqual([]);
      expect(again.readings.counts().pending).toBe(before + 3);
      again.close();
      expect(readdirSync(tmp.dir).filter((f) => f.includes('.corrupt-') && !f.endsWith('-wal') && !f.endsWith('-shm'))).toHaveLength(1);
      expect(quickCheck(path)).toBe('ok');
    });
  }

  it('the Outbox starts on a corrupt file and stores the next cycle', () => {
    const path = join(tmp.dir, 'outbox.db');
    fill(path, 10);
    scribble(path, 0, 4096);
    const o = new Outbox(path, { log: silent });
    expect(o.record(cycle(1))).toMatchObject({ stored: 3, held: 0 });
    expect(o.current?.status().recentEvents.map((e) => e.kind)).toContain('store.corrupt-replaced');
    o.close();
  });
});

describe('SQLITE_FULL through the page limit (no root needed)', () => {
  /** Cycles until the page limit refuses one; returns the polled readings that were not stored. */
  function fillUntilFull(o: Outbox, db: Database.Database, t0: number) {
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.pragma(`max_page_count = ${pages + 2}`);
    let t = t0;
    let polled = cycle(t);
    let res = o.record(polled);
    while (!res.error && t < 100) res = o.record((polled = cycle(++t)));
    expect(res.error?.code).toBe('MBX_STORE_FULL');
    expect(res.error?.message).toMatch(/disk is full/);
    return { t, unstored: [...polled] };
  }

  it('holds every reading while full, never throws, and stores them all when space returns', () => {
    const path = join(tmp.dir, 'outbox.db');
    const o = new Outbox(path, { log: silent });
    expect(o.record(cycle(0)).stored).toBe(3);
    const db = o.current?.db as Database.Database;
    const full = fillUntilFull(o, db, 1);
    const unstored = full.unstored;
    let t = full.t;
    // Polling goes on: more cycles while full, every reading is held.
    for (let i = 0; i < 5; i++) {
      const c = cycle(++t);
      unstored.push(...c);
      expect(o.record(c)).toMatchObject({ stored: 0, held: unstored.length });
    }
    expect(o.health()).toMatchObject({ writable: false, held: 18, dropped: 0, failure: { kind: 'full', code: 'MBX_STORE_FULL' } });
    db.pragma('max_page_count = 1000000');
    const next = cycle(++t);
    const ok = o.record(next);
    expect(ok.error).toBeUndefined();
    expect(ok.stored).toBe(21); // the 18 held and the 3 new
    expect(o.health()).toMatchObject({ writable: true, held: 0 });
    const ids = new Set(db.prepare('SELECT id FROM readings').pluck().all() as string[]);
    for (const r of [...unstored, ...next]) expect(ids.has(r.id)).toBe(true);
    const kinds = o.current?.status(50).recentEvents.map((e) => e.kind) ?? [];
    expect(kinds).toContain('store.write-failed');
    expect(kinds).not.toContain('store.held-dropped');
    const resumed = o.current?.status(50).recentEvents.find((e) => e.kind === 'store.resumed');
    expect(resumed?.data).toMatchObject({ failure: 'full', held: 18, dropped: 0 });
    expect(quickCheck(path)).toBe('ok');
    o.close();
  });

  it('past the memory bound, every reading dropped is counted in an event, and stored + dropped = polled', () => {
    const path = join(tmp.dir, 'outbox.db');
    const bytes = Buffer.byteLength(JSON.stringify(cycle(0)[0]));
    const o = new Outbox(path, { log: silent, holdMaxBytes: bytes * 7.5 }); // room for 7 readings
    expect(o.record(cycle(0)).stored).toBe(3);
    const db = o.current?.db as Database.Database;
    const full = fillUntilFull(o, db, 1);
    const unstored = full.unstored;
    let t = full.t;
    for (let i = 0; i < 9; i++) {
      const c = cycle(++t);
      unstored.push(...c);
      o.record(c);
    }
    const h = o.health();
    expect(h.held).toBe(7);
    expect(h.dropped).toBe(unstored.length - 7);
    db.pragma('max_page_count = 1000000');
    const ok = o.record([]);
    expect(ok.stored).toBe(7);
    const events = o.current?.status(50).recentEvents ?? [];
    const dropped = events.find((e) => e.kind === 'store.held-dropped');
    expect(dropped?.severity).toBe('error');
    expect(dropped?.data).toMatchObject({ lost: unstored.length - 7 });
    // Each device keeps its newest reading: counters are cumulative, so the totals survive.
    const stored = new Set(db.prepare('SELECT id FROM readings').pluck().all() as string[]);
    for (const r of unstored.slice(-3)) expect(stored.has(r.id)).toBe(true);
    o.close();
  });
});

// ---------------------------------------------------------------------------------------------
// Real filesystems: tmpfs mounts need root (CAP_SYS_ADMIN).

const noMount = tmpfsUnavailable();
if (noMount) console.warn(`faults.test: skipping full-disk and read-only filesystem tests: ${noMount}`);

describe.skipIf(noMount !== undefined)('a real filesystem (tmpfs, as root)', () => {
  it('disk full (ENOSPC → SQLITE_FULL): clear error, readings held, storing resumes when space returns', () => {
    withTmpfs(join(tmp.dir, 'mnt'), '512k', (remount) => {
      const path = join(tmp.dir, 'mnt', 'outbox.db');
      const o = new Outbox(path, { log: silent });
      let t = 0;
      let polled = cycle(t);
      let res = o.record(polled);
      while (!res.error && t < 2000) res = o.record((polled = cycle(++t)));
      expect(res.error?.code).toBe('MBX_STORE_FULL');
      const unstored = [...polled];
      for (let i = 0; i < 5; i++) {
        const c = cycle(++t);
        unstored.push(...c);
        expect(o.record(c)).toMatchObject({ stored: 0, held: unstored.length });
      }
      expect(o.health().failure?.kind).toBe('full');
      remount('size=16m');
      const next = cycle(++t);
      const ok = o.record(next);
      expect(ok).toMatchObject({ stored: unstored.length + 3, held: 0 });
      const store = o.current as Store;
      const ids = new Set(store.db.prepare('SELECT id FROM readings').pluck().all() as string[]);
      for (const r of [...unstored, ...next]) expect(ids.has(r.id)).toBe(true);
      const kinds = store.status(50).recentEvents.map((e) => e.kind);
      expect(kinds).toEqual(expect.arrayContaining(['store.write-failed', 'store.resumed']));
      o.close();
      expect(quickCheck(path)).toBe('ok');
    });
  });

  it('read-only filesystem: the Outbox starts anyway, holds readings, and stores them once it is writable', () => {
    withTmpfs(join(tmp.dir, 'mnt'), '4m', (remount) => {
      const path = join(tmp.dir, 'mnt', 'outbox.db');
      const first = new Outbox(path, { log: silent });
      expect(first.record(cycle(0)).stored).toBe(3);
      first.close(); // the daemon restarts and finds its filesystem read-only
      remount('ro');
      const o = new Outbox(path, { log: silent });
      const first1 = cycle(1);
      const res = o.record(first1);
      expect(res).toMatchObject({ stored: 0, held: 3 });
      expect(res.error?.code).toBe('MBX_STORE_READONLY');
      expect(res.error?.message).toMatch(/read-only/);
      const latest = cycle(2);
      expect(o.record(latest)).toMatchObject({ stored: 0, held: 6 });
      expect(o.health()).toMatchObject({ writable: false, failure: { kind: 'readonly' } });
      remount('rw');
      const ok = o.record(cycle(3));
      expect(ok).toMatchObject({ stored: 9, held: 0 });
      const store = o.current as Store;
      expect(store.readings.counts().pending).toBe(12);
      const ids = new Set(store.db.prepare('SELECT id FROM readings').pluck().all() as string[]);
      for (const r of [...first1, ...latest]) expect(ids.has(r.id)).toBe(true);
      expect(store.status(50).recentEvents.map((e) => e.kind)).toEqual(expect.arrayContaining(['store.write-failed', 'store.resumed']));
      o.close();
    });
  });

  it('read-only from the start (no database yet): no throw, readings held, created once writable', () => {
    withTmpfs(join(tmp.dir, 'mnt'), '4m', (remount) => {
      remount('ro');
      const path = join(tmp.dir, 'mnt', 'outbox.db');
      const o = new Outbox(path, { log: silent });
      expect(o.record(cycle(0))).toMatchObject({ stored: 0, held: 3, error: { code: 'MBX_STORE_READONLY' } });
      remount('rw');
      expect(o.record(cycle(1))).toMatchObject({ stored: 6, held: 0 });
      o.close();
    });
  });
});
