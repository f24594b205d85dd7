/**
 * Billing validation at the box (issue 12): the outbox validates each reading it stores against the
 * device's history with the billing core, under the config's contract, and raises counter.rollback,
 * device.replaced, counter.spike, device.idle and reading.gap as outbox events with their evidence,
 * in the transaction that stores the reading. Readings are stored exactly as read. After a restart
 * the history is rebuilt from the outbox, so a gap across the restart is still seen.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Outbox } from '../../src/store/outbox.js';
import { parseContract } from '../../src/billing/index.js';
import type { Reading } from '../../src/contract/reading.js';
import { Store } from '../../src/store/store.js';
import { fakeClock, makeReading, silent, tempDir } from './helpers.js';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');
const at = (h: number) => new Date(T0 + h * HOUR).toISOString();

let tmp: ReturnType<typeof tempDir>;
afterEach(() => tmp?.cleanup());

function open(path: string, billing = parseContract({})): Store {
  return Store.open(path, { log: silent, now: fakeClock('2027-01-01T00:00:00Z').now, billing });
}

/** Device 1, read every `step` hours from hour `from`, printing `perHour` pages an hour. */
function hourly(from: number, to: number, total: (h: number) => number, step = 1): Reading[] {
  const out: Reading[] = [];
  for (let h = from; h < to; h += step) out.push(makeReading(1, at(h), total(h)));
  return out;
}

const kinds = (s: Store) => s.events.unreported(10_000).filter((e) => e.kind !== 'device.moved');

describe('billing validation in the outbox', () => {
  it('raises each validation event with its evidence, once, and never alters a reading', () => {
    tmp = tempDir();
    const s = open(join(tmp.dir, 'outbox.db'));
    // 30 days at 10 pages an hour, one poll per cycle as the daemon does.
    for (const r of hourly(0, 24 * 30, (h) => 50_000 + 10 * h)) s.saveCycle([r]);
    expect(kinds(s)).toEqual([]);
    // A 4-day gap (over the 72 h window), then a day of 5,000 pages (a spike over 3 × 240/day).
    const afterGap = makeReading(1, at(24 * 34), 50_000 + 10 * 24 * 30);
    s.saveCycle([afterGap]);
    const spike = makeReading(1, at(24 * 35), 50_000 + 10 * 24 * 30 + 5_000);
    s.saveCycle([spike]);
    // A counter that goes down.
    const back = makeReading(1, at(24 * 35 + 1), 50_000 + 10 * 24 * 30 + 4_000);
    s.saveCycle([back]);
    const events = kinds(s);
    expect(events.map((e) => e.kind)).toEqual(['reading.gap', 'counter.spike', 'counter.spike', 'counter.spike', 'counter.rollback', 'counter.rollback', 'counter.rollback']);
    expect(events[0]).toMatchObject({ deviceKey: 'generic:SIM00001', at: afterGap.readAt, data: { hours: 24 * 4 + 1, readingIds: [expect.any(String), afterGap.id] } });
    const total = events.find((e) => e.kind === 'counter.spike' && e.data?.counter === 'total');
    expect(total).toMatchObject({ severity: 'warning', data: { rule: 'trailing-average', volume: 5_000, factor: 3, readingIds: expect.arrayContaining([spike.id]) } });
    expect(events.find((e) => e.kind === 'counter.rollback' && e.data?.counter === 'total')?.data).toMatchObject({ previous: spike.counters.total, current: back.counters.total, readingIds: [spike.id, back.id] });
    // Flagged, never altered: the outbox holds the reading exactly as read.
    const body = s.db.prepare('SELECT body FROM readings WHERE id = ?').pluck().get(back.id) as string;
    expect(JSON.parse(body)).toEqual(back);
    s.close();
  });

  it('sees a replaced device (serial changed) and an idle quarter, under the configured windows', () => {
    tmp = tempDir();
    const s = open(join(tmp.dir, 'outbox.db'), parseContract({ idleDays: 30, gapHours: 200 }));
    for (const r of hourly(0, 24 * 45, () => 7_000, 6)) s.saveCycle([r]);
    const idle = kinds(s);
    expect(idle.map((e) => e.kind)).toEqual(['device.idle']);
    expect(idle[0]?.data).toMatchObject({ idleDays: 30 });
    const swapped = makeReading(1, at(24 * 45), 12);
    swapped.device.serial = 'SIM-NEW';
    s.saveCycle([swapped]);
    const replaced = kinds(s).filter((e) => e.kind === 'device.replaced');
    expect(replaced).toHaveLength(1);
    expect(replaced[0]?.data).toMatchObject({ cause: 'serial-changed', previousSerial: 'SIM00001', serial: 'SIM-NEW' });
    s.close();
  });

  it('rebuilds a device history from the outbox after a restart: a gap across it is still a gap, and nothing is raised twice', () => {
    tmp = tempDir();
    const path = join(tmp.dir, 'outbox.db');
    const a = open(path);
    for (const r of hourly(0, 24 * 10, (h) => 1_000 + h)) a.saveCycle([r]);
    a.close();
    const b = open(path);
    b.saveCycle([makeReading(1, at(24 * 10), 1_000 + 24 * 10)]);
    expect(kinds(b)).toEqual([]);
    b.close();
    const c = open(path);
    const late = makeReading(1, at(24 * 14), 1_000 + 24 * 14);
    c.saveCycle([late]);
    expect(kinds(c).map((e) => [e.kind, e.data?.hours])).toEqual([['reading.gap', 96]]);
    c.close();
  });

  it('a reloaded contract (SIGHUP) applies to the next readings: a 48 h gap is none under 72 h, one under 24 h', () => {
    tmp = tempDir();
    const outbox = new Outbox(join(tmp.dir, 'outbox.db'), { log: silent, now: fakeClock('2027-01-01T00:00:00Z').now, billing: parseContract({}) });
    const store = () => outbox.current as Store;
    for (const r of hourly(0, 24 * 10, (h) => 1_000 + h)) outbox.record([r]);
    outbox.record([makeReading(1, at(24 * 12), 1_000 + 24 * 12)]);
    expect(kinds(store())).toEqual([]);
    outbox.setBillingContract(parseContract({ gapHours: 24 }));
    const late = makeReading(1, at(24 * 14), 1_000 + 24 * 14);
    outbox.record([late]);
    expect(kinds(store()).map((e) => [e.kind, e.data?.hours, e.data?.windowHours])).toEqual([['reading.gap', 48, 24]]);
    outbox.close();
  });
});
