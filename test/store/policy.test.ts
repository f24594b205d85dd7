/** The pure core of the outbox, with plain values: batching, receipts, retention steps, compaction, holding, failures. */
import { describe, expect, it } from 'vitest';
import {
  ageCutoff,
  classifyFailure,
  nextSizeStep,
  planCompaction,
  planReceipt,
  rowsToFree,
  selectBatch,
  type SizeState,
} from '../../src/store/policy.js';
import { planMigrations, type Migration } from '../../src/store/schema.js';
import { defaultHoldBytes, droppedTotal, emptyHold, heldItems, holdReadings } from '../../src/store/hold.js';
import { makeReading } from './helpers.js';

describe('selectBatch', () => {
  const c = (n: number, bytes = 100) => Array.from({ length: n }, (_, i) => ({ id: `r${i}`, bytes }));
  it('stops at the count limit', () => {
    expect(selectBatch(c(10), { maxCount: 3, maxBytes: 1e9 }).map((x) => x.id)).toEqual(['r0', 'r1', 'r2']);
  });
  it('stops before the byte limit would be exceeded, keeping order', () => {
    expect(selectBatch(c(10), { maxCount: 100, maxBytes: 350 }).map((x) => x.id)).toEqual(['r0', 'r1', 'r2']);
    expect(selectBatch(c(10), { maxCount: 100, maxBytes: 300 })).toHaveLength(3);
  });
  it('always takes the first reading, even one larger than the byte limit, so the outbox cannot jam', () => {
    expect(selectBatch([{ id: 'big', bytes: 5000 }, { id: 'x', bytes: 1 }], { maxCount: 10, maxBytes: 1000 }).map((x) => x.id)).toEqual(['big']);
  });
  it('does not skip a large reading to fit smaller later ones (strictly oldest first)', () => {
    const cands = [{ id: 'a', bytes: 600 }, { id: 'b', bytes: 600 }, { id: 'c', bytes: 10 }];
    expect(selectBatch(cands, { maxCount: 10, maxBytes: 1000 }).map((x) => x.id)).toEqual(['a']);
  });
  it('returns nothing for an empty outbox', () => {
    expect(selectBatch([], { maxCount: 10, maxBytes: 10 })).toEqual([]);
  });
});

describe('planReceipt', () => {
  it('de-duplicates and lets delivery win over a contradictory rejection', () => {
    const plan = planReceipt({ accepted: ['a', 'b', 'a'], duplicate: ['c', 'b'], rejected: [{ id: 'b', reason: 'x' }, { id: 'd', reason: 'bad counters' }, { id: 'd', reason: 'again' }] });
    expect(plan.deliver).toEqual(['a', 'b', 'c']);
    expect(plan.reject).toEqual([{ id: 'd', reason: 'bad counters' }]);
  });
});

describe('retention decisions', () => {
  const base: SizeState = { usedBytes: 300, capBytes: 200, delivered: 0, rejected: 0, compactableGroups: 0, pending: 0 };
  it('does nothing under the cap', () => {
    expect(nextSizeStep({ ...base, usedBytes: 200, delivered: 5, pending: 5 })).toBe('none');
  });
  it('prunes delivered first, then rejected, then compacts, and drops pending only as a last resort', () => {
    expect(nextSizeStep({ ...base, delivered: 1, rejected: 1, compactableGroups: 1, pending: 9 })).toBe('prune-delivered');
    expect(nextSizeStep({ ...base, rejected: 1, compactableGroups: 1, pending: 9 })).toBe('prune-rejected');
    expect(nextSizeStep({ ...base, compactableGroups: 1, pending: 9 })).toBe('compact-pending');
    expect(nextSizeStep({ ...base, pending: 9 })).toBe('drop-oldest-pending');
    expect(nextSizeStep({ ...base })).toBe('none');
  });
  it('estimates rows to free with a margin, bounded by what exists', () => {
    expect(rowsToFree(10_000, 1000, 1_000_000)).toBe(100); // the minimum
    expect(rowsToFree(1_000_000, 1000, 1_000_000)).toBe(1100);
    expect(rowsToFree(1_000_000, 1000, 50)).toBe(50);
  });
  it('computes the age cutoff', () => {
    expect(ageCutoff(new Date('2026-11-22T00:00:00Z'), 30)).toBe('2026-10-23T00:00:00.000Z');
  });
});

describe('planCompaction', () => {
  it('keeps the first and last reading per device per UTC day and drops those between', () => {
    const rows = [
      { seq: 1, deviceKey: 'a', readAt: '2026-11-01T00:10:00Z' },
      { seq: 2, deviceKey: 'a', readAt: '2026-11-01T06:00:00Z' },
      { seq: 3, deviceKey: 'b', readAt: '2026-11-01T06:00:00Z' },
      { seq: 4, deviceKey: 'a', readAt: '2026-11-01T12:00:00Z' },
      { seq: 5, deviceKey: 'a', readAt: '2026-11-01T23:59:59Z' },
      { seq: 6, deviceKey: 'b', readAt: '2026-11-01T07:00:00Z' },
      { seq: 7, deviceKey: 'a', readAt: '2026-11-02T00:00:01Z' },
      { seq: 8, deviceKey: 'a', readAt: '2026-11-02T01:00:00Z' },
      { seq: 9, deviceKey: 'a', readAt: '2026-11-02T02:00:00Z' },
    ];
    const p = planCompaction(rows);
    expect(p.drop).toEqual([2, 4, 8]);
    expect(p.groups).toBe(2);
    expect(p.devices).toBe(1);
  });
  it('orders by read time, not insertion (late readings from memory), and ties by insertion', () => {
    const rows = [
      { seq: 10, deviceKey: 'a', readAt: '2026-11-01T12:00:00Z' },
      { seq: 11, deviceKey: 'a', readAt: '2026-11-01T01:00:00Z' }, // stored late, read first
      { seq: 12, deviceKey: 'a', readAt: '2026-11-01T06:00:00Z' },
      { seq: 13, deviceKey: 'a', readAt: '2026-11-01T06:00:00Z' },
    ];
    expect(planCompaction(rows).drop).toEqual([12, 13]);
  });
  it('leaves groups of one or two alone', () => {
    expect(planCompaction([{ seq: 1, deviceKey: 'a', readAt: '2026-11-01T01:00:00Z' }, { seq: 2, deviceKey: 'a', readAt: '2026-11-01T02:00:00Z' }]).drop).toEqual([]);
  });
});

describe('holdReadings (what stays in memory while the disk refuses writes)', () => {
  const at = (h: number) => new Date(Date.parse('2026-11-01T00:00:00Z') + h * 3_600_000);
  const item = (device: number, hour: number) => {
    const reading = makeReading(device, at(hour));
    return { reading, bytes: 1000, problems: [] };
  };
  it('holds every reading while they fit, and the same reading twice only once', () => {
    const a = item(1, 0);
    let h = holdReadings(emptyHold(), [a, item(2, 0)], 10_000);
    h = holdReadings(h, [a, item(1, 1)], 10_000);
    expect(h.count).toBe(3);
    expect(h.bytes).toBe(3000);
    expect(droppedTotal(h)).toBe(0);
    expect(heldItems(h).map((x) => x.reading.readAt)).toEqual([at(0), at(0), at(1)].map((d) => d.toISOString()));
  });
  it('past the bound, drops middle readings first (oldest first), keeping each device\'s first and last', () => {
    let h = emptyHold();
    for (let hour = 0; hour < 6; hour++) h = holdReadings(h, [item(1, hour), item(2, hour)], 8000);
    // 12 readings of 1000 bytes into 8000: 4 dropped, all from the middle.
    expect(h.count).toBe(8);
    expect(h.dropped).toEqual({ thinned: 4, older: 0, oldest: 0 });
    for (const list of h.byDevice.values()) {
      expect(list[0]?.reading.readAt).toBe(at(0).toISOString());
      expect(list.at(-1)?.reading.readAt).toBe(at(5).toISOString());
    }
  });
  it('then the older of two, then the oldest of all; every drop is counted', () => {
    let h = holdReadings(emptyHold(), [item(1, 0), item(1, 1), item(2, 0)], 2000);
    expect(h.dropped).toEqual({ thinned: 0, older: 1, oldest: 0 });
    expect(heldItems(h).map((x) => [x.reading.device.key, x.reading.readAt])).toEqual([
      [makeReading(2, at(0)).device.key, at(0).toISOString()],
      [makeReading(1, at(1)).device.key, at(1).toISOString()],
    ]);
    h = holdReadings(h, [], 1000);
    expect(h.dropped).toEqual({ thinned: 0, older: 1, oldest: 1 });
    expect(h.count).toBe(1);
  });
  it('by default holds a day of readings of the fleet, at most a few MB', () => {
    expect(defaultHoldBytes(10, 3_600_000)).toBe(10 * 24 * 1500);
    expect(defaultHoldBytes(1, 3_600_000)).toBe(256 * 1024);
    expect(defaultHoldBytes(5000, 3_600_000)).toBe(8 * 1024 * 1024);
  });
});

describe('classifyFailure', () => {
  it('maps SQLite and fs codes', () => {
    expect(classifyFailure('SQLITE_FULL')).toBe('full');
    expect(classifyFailure('ENOSPC')).toBe('full');
    expect(classifyFailure('SQLITE_READONLY')).toBe('readonly');
    expect(classifyFailure('SQLITE_READONLY_DBMOVED')).toBe('readonly');
    expect(classifyFailure('SQLITE_CANTOPEN')).toBe('readonly');
    expect(classifyFailure('EROFS')).toBe('readonly');
    expect(classifyFailure('SQLITE_BUSY')).toBe('busy');
    expect(classifyFailure('SQLITE_NOTADB')).toBe('corrupt');
    expect(classifyFailure('SQLITE_CORRUPT_INDEX')).toBe('corrupt');
    expect(classifyFailure('SQLITE_IOERR_WRITE')).toBe('io');
    expect(classifyFailure(undefined)).toBe('other');
  });
});


describe('planMigrations', () => {
  const ms: Migration[] = [
    { version: 1, name: 'a', sql: '' },
    { version: 2, name: 'b', sql: '' },
  ];
  it('runs what is missing, in order', () => {
    expect(planMigrations(0, ms).map((m) => m.version)).toEqual([1, 2]);
    expect(planMigrations(1, ms).map((m) => m.version)).toEqual([2]);
    expect(planMigrations(2, ms)).toEqual([]);
  });
  it('refuses a database from a newer meterbox', () => {
    expect(() => planMigrations(3, ms, '/x.db')).toThrowError(expect.objectContaining({ code: 'MBX_STORE_SCHEMA_NEWER' }));
  });
  it('rejects a list with gaps', () => {
    expect(() => planMigrations(0, [ms[0] as Migration, { version: 3, name: 'c', sql: '' }])).toThrowError(expect.objectContaining({ code: 'MBX_STORE_MIGRATION' }));
  });
});
