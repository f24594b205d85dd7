/**
 * Usage over a period: boundary values (a reading, unchanged, interpolated, trailing average, first
 * reading), what is not computable and why, segments, the events that belong to the period, and the
 * fleet stream one device at a time.
 */
import { describe, expect, it } from 'vitest';
import {
  deviceUsage,
  readingWindow,
  UsageAccumulator,
  usageByDevice,
  usageByDeviceAsync,
  type DeviceMeterReading,
  type DeviceUsage,
  type MeterReading,
  type UnitFigure,
} from '../../src/billing/index.js';
import { isMeterboxError } from '../../src/contract/errors.js';
import { DAY, HOUR, Printer, T0, at, impressionsStyle, type CountingStyle } from './device-model.js';

const JAN = { from: at(0), to: at(31) };

function usage(readings: MeterReading[], period = JAN, now = period.to): DeviceUsage {
  const u = deviceUsage('acme:SN-1', readings, period, { now });
  if (!u) throw new Error('no usage');
  return u;
}

const figure = (f: UnitFigure) => (f.computable ? f.value : `not computable: ${f.reason}`);

/** Daily readings at `hour` o'clock from day `first` to `last`, printing `perDay` mono A4 pages a day. */
function dailyAt(p: Printer, first: number, last: number, hour = 0, perDay = 10, skip: (d: number) => boolean = () => false): MeterReading[] {
  const out: MeterReading[] = [];
  for (let d = first; d <= last; d++) {
    if (d > first) p.print({ sheets: perDay });
    if (!skip(d)) out.push(p.read(at(d, hour), `d${d}`));
  }
  return out;
}

describe('boundary values', () => {
  it('a reading shortly before the boundary stands for it', () => {
    const u = usage(dailyAt(new Printer(), -1, 31, 18));
    expect(u.units.mono).toMatchObject({ computable: true, estimated: false, opening: { kind: 'reading', readingIds: ['d-1'] }, closing: { kind: 'reading', readingIds: ['d30'] } });
    // The boundary readings are 6 h early: January is billed from 31 Dec 18:00 to 31 Jan 18:00.
    expect(figure(u.units.mono)).toBe(310);
    expect(u.opening?.id).toBe('d-1');
    expect(u.flags).not.toContain('estimated');
  });

  it('a device switched off across the boundary: the same value on both sides is exact, not an estimate', () => {
    const p = new Printer();
    const rs = [...dailyAt(p, -10, -3), p.read(at(2), 'after'), ...dailyAt(p, 3, 31)];
    const u = usage(rs);
    expect(u.units.mono).toMatchObject({ computable: true, estimated: false, opening: { kind: 'unchanged', readingIds: ['d-3', 'after'] } });
    expect(u.flags).not.toContain('estimated');
    expect(u.events.map((e) => e.kind)).toEqual(['reading.gap']);
  });

  it('interpolation names both readings and rounds to a whole page', () => {
    const p = new Printer();
    const rs = [p.read(at(0), 'a'), p.print({ sheets: 7 }).read(at(3), 'b')];
    const u = usage(rs, { from: at(0), to: at(2) }, at(5));
    // 7 pages over 3 days: 4.67 by the end of day 2 (48 h after 'a', beyond the 24 h tolerance), rounded to 5.
    expect(u.counters.mono?.closing).toEqual({ kind: 'interpolation', value: 5, readingIds: ['a', 'b'] });
    expect(u.units.mono).toMatchObject({ computable: true, value: 5, estimated: true, rules: ['interpolation'] });
  });

  it('the trailing average says which average and over how many days', () => {
    const u = usage(dailyAt(new Printer(), -40, 20), JAN, at(45));
    expect(u.units.mono).toMatchObject({ computable: true, value: 310, estimated: true, rules: ['trailing-average'], closing: { kind: 'trailing-average', dailyAverage: 10, averageDays: 60, readingIds: ['d20'] } });
  });

  it('without enough history to average, a silent device is not computable: never guessed', () => {
    const p = new Printer();
    const u = usage([p.read(at(-2)), p.print({ sheets: 50 }).read(at(0)), p.print({ sheets: 50 }).read(at(1))], JAN, at(40));
    expect(u.units.mono.computable).toBe(false);
    expect(figure(u.units.mono)).toMatch(/less than 7 days of history/);
    expect(u.flags).toContain('not-computable');
  });

  it('a device first read during the period is billed from its first reading', () => {
    const p = new Printer('SN-1', impressionsStyle, { monoSides: 1234 });
    const u = usage(dailyAt(p, 10, 31));
    expect(u.flags).toContain('first-reading');
    expect(u.opening).toBeUndefined();
    expect(u.units.mono).toMatchObject({ computable: true, value: 210, opening: { kind: 'first-reading', readingIds: ['d10'] } });
  });

  it('a counter first reported during the period (a newer profile) leaves the opening missing', () => {
    const p = new Printer();
    const rs = dailyAt(p, -5, 31).map((r) => (r.at < at(10) ? { ...r, counters: { ...r.counters, largeMono: undefined } } : r));
    const u = usage(rs);
    expect(figure(u.units.mono)).toMatch(/largeMono: not read at or before the period start/);
    expect(figure(u.units.scan)).toBe(0);
  });
});

describe('the period', () => {
  it('a period still running is measured up to now', () => {
    const now = at(20, 3);
    const u = usage(
      dailyAt(new Printer(), -1, 20).filter((r) => r.at <= now),
      JAN,
      now,
    );
    expect(u.period).toEqual({ from: new Date(at(0)).toISOString(), to: new Date(at(31)).toISOString(), end: new Date(now).toISOString(), open: true });
    expect(u.flags).toContain('open-period');
    expect(u.units.mono).toMatchObject({ value: 200, estimated: false });
  });

  it('refuses a period that cannot be measured', () => {
    for (const [period, now] of [
      [{ from: at(5), to: at(5) }, at(10)],
      [{ from: at(5), to: at(6) }, at(5)],
      [{ from: Number.NaN, to: at(6) }, at(10)],
    ] as const) {
      let caught: unknown;
      try {
        new UsageAccumulator('k', period, { now });
      } catch (err) {
        caught = err;
      }
      expect(isMeterboxError(caught, 'MBX_BILLING_INPUT')).toBe(true);
    }
  });

  it('holds only the events of its own readings, and says so when a gap or idleness runs to its end', () => {
    const p = new Printer('SN-1', impressionsStyle, { monoSides: 5000 });
    const rs = dailyAt(p, -20, 25);
    const r5 = rs.findIndex((r) => r.at === at(-5));
    rs[r5] = { ...(rs[r5] as MeterReading), counters: { ...(rs[r5] as MeterReading).counters, scan: 0 } };
    rs.push(p.read(at(35), 'late'));
    const u = usage(rs);
    // The scan dip at day −5 raised events before the period; they are not January's.
    expect(u.events.map((e) => e.kind)).toEqual(['reading.gap']);
    expect(u.events[0]).toMatchObject({ at: new Date(at(31)).toISOString(), readingIds: ['d25'], evidence: { previousReadingId: 'd25', nextReadingId: 'late', hours: 144 } });
  });

  it('an idle device: units 0 and device.idle, even when its idleness began before the period', () => {
    const p = new Printer();
    const rs = [...dailyAt(p, -150, -100), ...dailyAt(p, -99, 31, 0, 0)];
    const u = usage(rs);
    expect([figure(u.units.mono), figure(u.units.color), figure(u.units.scan)]).toEqual([0, 0, 0]);
    expect(u.events).toEqual([expect.objectContaining({ kind: 'device.idle', at: new Date(at(31)).toISOString(), evidence: expect.objectContaining({ lastPageReadingId: 'd-100', idleDays: 131, windowDays: 90 }) })]);
    expect(u.flags).toContain('device.idle');
  });

  it('a partial reading (one counter missing) is stepped over', () => {
    const rs = dailyAt(new Printer(), -1, 31).map((r) => (r.at === at(15) ? { ...r, counters: { ...r.counters, largeMono: undefined } } : r));
    expect(figure(usage(rs).units.mono)).toBe(310);
  });
});

describe('segments', () => {
  it('a replacement by a model that counts differently: each device with its own formula', () => {
    const a4eq: CountingStyle = (t) => ({ counters: { mono: t.monoSides + t.largeMonoSides, scan: t.scans }, units: { mono: 'a4-equivalent', scan: 'impressions' } });
    const old = new Printer('SN-OLD', a4eq, { monoSides: 9000 });
    const rs = [old.read(at(0), 'o1'), old.print({ sheets: 10, size: 'A3' }).read(at(1), 'o2')];
    const fresh = new Printer('SN-NEW', impressionsStyle, { monoSides: 100 });
    rs.push(fresh.read(at(2), 'n1'), fresh.print({ sheets: 5, size: 'A3', duplex: true }).read(at(3), 'n2'));
    const u = usage(rs, { from: at(0), to: at(3) });
    expect(u.units.mono).toMatchObject({ computable: true, value: 20 + 20, formula: 'mono | mono + largeMono' });
    expect(u.segments).toEqual([
      { serial: 'SN-OLD', first: { id: 'o1', at: new Date(at(0)).toISOString(), serial: 'SN-OLD' }, last: { id: 'o2', at: new Date(at(1)).toISOString(), serial: 'SN-OLD' } },
      { serial: 'SN-NEW', first: { id: 'n1', at: new Date(at(2)).toISOString(), serial: 'SN-NEW' }, last: { id: 'n2', at: new Date(at(3)).toISOString(), serial: 'SN-NEW' }, cause: 'serial-changed' },
    ]);
    // The old device reports no colour counter: colour cannot be billed for it, and the reason names it.
    expect(figure(u.units.color)).toMatch(/^not computable: device SN-OLD: units.color: no color counter/);
  });

  it('a rollback: the counter delta is the sum of both runs, never negative', () => {
    const p = new Printer('SN-1', impressionsStyle, { monoSides: 40_000 });
    const rs = [p.read(at(0)), p.print({ sheets: 100 }).read(at(5))];
    p.t.monoSides = 30_000;
    rs.push(p.read(at(6)), p.print({ sheets: 20 }).read(at(10)));
    const u = usage(rs, { from: at(0), to: at(10) });
    expect(u.counters.mono).toMatchObject({ delta: 120, opening: { value: 40_000 }, closing: { value: 30_020 } });
    expect(u.counters.total?.delta).toBe(120);
    expect(u.flags).toContain('counter.rollback');
  });
});

describe('a fleet stream, one device at a time', () => {
  function fleet(): DeviceMeterReading[] {
    const out: DeviceMeterReading[] = [];
    for (const [key, first, perDay] of [
      ['acme:A', -5, 10],
      ['acme:B', -5, 3],
      ['acme:LATE', 40, 5], // first read after the period: no usage
      ['acme:C', 12, 1],
    ] as const) {
      for (const r of dailyAt(new Printer(key), first, 45, 0, perDay)) out.push({ ...r, deviceKey: key });
    }
    return out;
  }

  it('yields one usage per device read by the period end', async () => {
    const got = [...usageByDevice(fleet(), JAN, { now: at(50) })];
    expect(got.map((u) => [u.deviceKey, figure(u.units.mono)])).toEqual([
      ['acme:A', 310],
      ['acme:B', 93],
      ['acme:C', 19],
    ]);
    async function* source() {
      for (const r of fleet()) yield r;
    }
    const viaAsync: DeviceUsage[] = [];
    for await (const u of usageByDeviceAsync(source(), JAN, { now: at(50) })) viaAsync.push(u);
    expect(viaAsync).toEqual(got);
  });

  it('passes each device its speed', () => {
    const rs = fleet().filter((r) => r.deviceKey === 'acme:A');
    const got = [...usageByDevice(rs, JAN, { now: at(50), speedPpm: (key) => (key === 'acme:A' ? 0.005 : undefined) })];
    expect(got[0]?.flags).toContain('counter.spike');
  });

  it('refuses a stream that is not grouped by device', () => {
    const rs = fleet();
    const mixed = [...rs.slice(0, 5), ...rs.filter((r) => r.deviceKey === 'acme:B').slice(0, 3), ...rs.slice(5, 10)];
    expect(() => [...usageByDevice(mixed, JAN, { now: at(50) })]).toThrow(/acme:A come again after other devices/);
  });

  it('tells the caller which readings to pass', () => {
    expect(readingWindow(JAN)).toEqual({ since: at(0) - 91 * DAY });
    expect(T0 + HOUR).toBe(at(0, 1));
  });
});
