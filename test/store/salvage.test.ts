/**
 * Salvage of a damaged outbox on real files: the page reader agrees with SQLite on an intact
 * file; then the root page of each table, an interior page, a leaf page and the WAL are damaged
 * in turn, and the fresh database must hold every row that is still readable, with its state,
 * while everything else is counted as unrecoverable from what the indexes say.
 */
import Database from 'better-sqlite3';
import { copyFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDamagedFile } from '../../src/store/damaged-file.js';
import { scanDatabase } from '../../src/store/pages.js';
import { TABLE_COLUMNS, salvageFile, type OutboxTable } from '../../src/store/salvage.js';
import { Store } from '../../src/store/store.js';
import { fakeClock, makeReading, silent, tempDir } from './helpers.js';
import { content, damagePage, pageSize, pages, populate, type Content } from './salvage-helpers.js';

let tmp: ReturnType<typeof tempDir>;
let path: string;
beforeEach(() => {
  tmp = tempDir('mbx-salvage-');
  path = join(tmp.dir, 'outbox.db');
});
afterEach(() => tmp.cleanup());

function openAndSalvage(p: string) {
  const s = Store.open(p, { log: silent, now: fakeClock('2026-11-23T00:00:00.000Z').now });
  const report = s.opened.salvaged[0];
  const after = { readings: new Map((s.db.prepare('SELECT id, state FROM readings').all() as { id: string; state: string }[]).map((r) => [r.id, r.state])) };
  const kinds = s.events.unreported(1000).map((e) => e.kind);
  s.close();
  return { report, after, kinds, content: content(p) };
}

/** Every reading that was there is either back with the same state, or counted unrecoverable by state. */
function expectAccounted(before: Content, after: Map<string, string>, report: NonNullable<ReturnType<typeof openAndSalvage>['report']>) {
  for (const [id, state] of after) if (before.readings.has(id)) expect(state, id).toBe(before.readings.get(id));
  const missing = [...before.readings].filter(([id]) => !after.has(id));
  const byState = { pending: 0, delivered: 0, rejected: 0 };
  for (const [, s] of missing) byState[s as keyof typeof byState]++;
  const un = report.unrecoverable.readings;
  expect({ pending: un.pending, delivered: un.delivered, rejected: un.rejected }).toEqual(byState);
  expect(un.unknown).toBe(0);
  for (const [id] of missing.slice(0, 100)) expect(report.unrecoverable.readingIds).toContain(id);
}

describe('the page reader', () => {
  it('reads back exactly what SQLite holds from an intact file, in every table', () => {
    const before = populate(path, 60);
    const seen: Record<string, number> = {};
    const report = salvageFile(path, {
      reading: () => void (seen.readings = (seen.readings ?? 0) + 1),
      row: (t) => void (seen[t] = (seen[t] ?? 0) + 1),
    });
    expect(seen.readings).toBe(before.readings.size);
    expect(seen.devices).toBe(before.devices.size);
    expect(seen.registry).toBeUndefined(); // merged into devices since schema 5
    expect(seen.events).toBe(before.events);
    expect(seen.deliveries).toBe(before.deliveries);
    expect(report.unreadable).toBe(0);
    expect(report.orphanPages).toBe(0);
    expect(Object.values(report.unrecoverable.readings).every((n) => n === 0)).toBe(true);
    // Same values as SQLite for a whole table, byte for byte.
    const db = new Database(path, { readonly: true });
    const sqlRows = db.prepare('SELECT * FROM readings ORDER BY seq').raw().all() as unknown[][];
    db.close();
    const f = openDamagedFile(path);
    const ours: unknown[][] = [];
    scanDatabase(f.src, (origin, rows) => {
      if ('tree' in origin && origin.tree.name === 'readings') for (const r of rows) ours.push([r.rowid, ...r.values.slice(1)]);
    });
    f.close();
    expect(ours).toEqual(sqlRows);
  });

  it('knows the column order of every table of the current schema', () => {
    const s = Store.open(path, { log: silent });
    // registry is a table of schema 3 and 4 only (migration 5 merged it into devices): salvage still knows it for older files.
    for (const t of (Object.keys(TABLE_COLUMNS) as OutboxTable[]).filter((x) => x !== 'registry')) {
      const cols = s.db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all(t) as string[];
      expect(cols, t).toEqual([...TABLE_COLUMNS[t]].slice(0, cols.length));
      expect(cols.length, `${t}: salvage knows columns the schema does not have, or misses some`).toBe(TABLE_COLUMNS[t].length);
    }
    s.close();
  });
});

describe('damage to one page, then Store.open salvages into a fresh database', () => {
  for (const table of ['readings', 'devices', 'events', 'deliveries', 'meta'] as const) {
    it(`the root page of ${table}`, () => {
      const before = populate(path, 60);
      const root = pages(path).find((p) => p.name === table && p.path === '/') as { pageno: number };
      damagePage(path, root.pageno, pageSize(path));
      const { report, after, kinds, content: c } = openAndSalvage(path);
      expect(report).toBeDefined();
      if (!report) return;
      expect(kinds).toEqual(expect.arrayContaining(['store.corrupt-replaced', 'store.salvaged']));
      expectAccounted(before, after.readings, report);
      if (table === 'readings') {
        // Its root is an interior page: every leaf is still there.
        expect(after.readings).toEqual(before.readings);
      } else {
        expect(after.readings).toEqual(before.readings);
        expect(c.devices).toEqual(before.devices); // rebuilt from the readings when their own page is gone
      }
      // What discovery knew of a device lives in its row: rows rebuilt from readings lack it (the next sweep brings it back).
      if (table === 'devices') expect(c.swept.size).toBeLessThanOrEqual(before.swept.size);
      else expect(c.swept).toEqual(before.swept);
      if (table === 'events') expect(report.recovered.unreportedEvents + report.unrecoverable.unreportedEvents).toBe(before.unreportedEvents);
      else expect(report.recovered.events).toBe(before.events);
      expect(readdirSync(tmp.dir).filter((f) => f.includes('.corrupt-') && !f.endsWith('-wal') && !f.endsWith('-shm'))).toHaveLength(1);
      // A second open does not salvage the same file again.
      const again = Store.open(path, { log: silent });
      expect(again.opened.salvaged).toEqual([]);
      expect(again.opened.movedAside).toBeUndefined();
      again.close();
    });
  }

  it('page 1 (the schema and the file header): every table is found again by the shape of its rows', () => {
    const before = populate(path, 60);
    damagePage(path, 1, pageSize(path));
    const { report, after, content: c } = openAndSalvage(path);
    expect(report?.orphanPages).toBeGreaterThan(0);
    expect(after.readings).toEqual(before.readings);
    expect(c.devices).toEqual(before.devices);
    expect(c.swept).toEqual(before.swept);
    expect(report?.recovered.events).toBe(before.events);
  });

  it('an interior page below the root of readings (a three-level tree)', () => {
    const before = populate(path, 300, 25);
    const interior = pages(path).filter((p) => p.name === 'readings' && p.pagetype === 'internal' && p.path !== '/');
    expect(interior.length).toBeGreaterThan(0);
    damagePage(path, (interior[0] as { pageno: number }).pageno, pageSize(path));
    const { report, after } = openAndSalvage(path);
    expect(report?.orphanPages).toBeGreaterThan(0);
    expect(after.readings).toEqual(before.readings);
  }, 60_000);

  it('a leaf page of readings: its readings are named as unrecoverable, with their state, from the indexes', () => {
    const before = populate(path, 60);
    const leaves = pages(path).filter((p) => p.name === 'readings' && p.pagetype === 'leaf');
    // One leaf in the delivered half and one in the pending half.
    for (const leaf of [leaves[1], leaves.at(-2)]) damagePage(path, (leaf as { pageno: number }).pageno, pageSize(path));
    const { report, after, kinds } = openAndSalvage(path);
    if (!report) throw new Error('no salvage report');
    const lost = [...before.readings.keys()].filter((id) => !after.readings.has(id));
    expect(lost.length).toBeGreaterThan(0);
    expect(report.unrecoverable.readings.pending).toBeGreaterThan(0);
    expect(report.unrecoverable.readings.delivered).toBeGreaterThan(0);
    expectAccounted(before, after.readings, report);
    expect(kinds).toContain('store.salvaged');
  });
});

describe('a damaged WAL', () => {
  it('commits after a damaged frame are not dropped: every reading committed is salvaged', () => {
    // A crash image: cycles committed to the WAL while a reader kept the checkpoint from copying them.
    const live = join(tmp.dir, 'live.db');
    populate(live, 20);
    const s = Store.open(live, { log: silent });
    const reader = new Database(live, { readonly: true });
    reader.prepare('BEGIN').run();
    reader.prepare('SELECT COUNT(*) FROM readings').get();
    const clock = fakeClock('2026-11-23T00:00:00.000Z');
    for (let t = 0; t < 30; t++) {
      clock.advance(60_000);
      s.saveCycle(Array.from({ length: 5 }, (_, n) => makeReading(n + 1, clock.now(), 5000 + t)));
    }
    copyFileSync(live, path);
    copyFileSync(`${live}-wal`, `${path}-wal`);
    reader.prepare('COMMIT').run();
    reader.close();
    s.close();
    const before = content(live);
    // Damage the page data of a frame in the middle of the WAL.
    const ps = pageSize(path);
    const frame = 12;
    damagePage(`${path}-wal`, 1, ps, 32 + frame * (24 + ps) + 24);
    // SQLite alone would drop every cycle committed after that frame, without an error.
    const probe = join(tmp.dir, 'probe.db');
    copyFileSync(path, probe);
    copyFileSync(`${path}-wal`, `${probe}-wal`);
    const plain = new Database(probe);
    expect(plain.pragma('quick_check', { simple: true })).toBe('ok');
    expect(plain.prepare('SELECT COUNT(*) FROM readings').pluck().get()).toBeLessThan(before.readings.size);
    plain.close();
    const { report, after, kinds } = openAndSalvage(path);
    expect(kinds).toEqual(expect.arrayContaining(['store.corrupt-replaced', 'store.salvaged']));
    expect(report?.wal).toMatchObject({ damaged: true });
    expect(report?.wal?.recoveredTransactions).toBeGreaterThan(0);
    if (!report) return;
    expectAccounted(before, after.readings, report);
    expect(after.readings).toEqual(before.readings);
  });
});
