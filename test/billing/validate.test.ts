/**
 * Validation of each reading against its device's history: every event carries its evidence
 * (readings, counter, values, thresholds), readings are never altered, and each episode is raised
 * once.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONTRACT, DeviceValidator, parseContract, type BillingEvent, type MeterReading } from '../../src/billing/index.js';
import { isMeterboxError } from '../../src/contract/errors.js';
import { Printer, at, impressionsStyle } from './device-model.js';

function run(readings: MeterReading[], options: { speedPpm?: number; contract?: typeof DEFAULT_CONTRACT } = {}): BillingEvent[] {
  const v = new DeviceValidator('acme:SN-1', options.contract ?? DEFAULT_CONTRACT, { speedPpm: options.speedPpm });
  return readings.flatMap((r) => v.check(r).events);
}

const ofKind = <K extends BillingEvent['kind']>(events: BillingEvent[], kind: K) => events.filter((e): e is Extract<BillingEvent, { kind: K }> => e.kind === kind);

describe('counter.rollback', () => {
  it('names the counter, both values and both readings, and leaves the reading as it was', () => {
    const p = new Printer('SN-1', impressionsStyle, { monoSides: 5000, scans: 300 });
    const a = p.read(at(0), 'a');
    p.t.scans = 120;
    const b = p.read(at(1), 'b');
    const before = JSON.stringify(b);
    const events = run([a, b]);
    expect(events).toEqual([
      {
        kind: 'counter.rollback',
        deviceKey: 'acme:SN-1',
        at: '2026-01-02T00:00:00.000Z',
        readingIds: ['a', 'b'],
        severity: 'warning',
        message: 'acme:SN-1: scan went down from 300 to 120',
        evidence: { counter: 'scan', previous: 300, current: 120 },
      },
    ]);
    expect(JSON.stringify(b)).toBe(before);
  });

  it('tells usage where the run breaks', () => {
    const p = new Printer('SN-1', impressionsStyle, { monoSides: 5000 });
    const v = new DeviceValidator('k', DEFAULT_CONTRACT);
    v.check(p.read(at(0)));
    p.t.monoSides = 4000;
    expect(v.check(p.read(at(1)))).toMatchObject({ breaks: ['total', 'mono'], printed: false });
  });
});

describe('device.replaced', () => {
  it('a serial change at the same position', () => {
    const events = run([new Printer('SN-OLD', impressionsStyle, { monoSides: 5000 }).read(at(0), 'a'), new Printer('SN-NEW', impressionsStyle, { monoSides: 7000 }).read(at(1), 'b')]);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ kind: 'device.replaced', readingIds: ['a', 'b'], evidence: { cause: 'serial-changed', previousSerial: 'SN-OLD', serial: 'SN-NEW' } });
    expect(ofKind(events, 'device.replaced')[0]?.evidence.counters).toContainEqual({ counter: 'mono', previous: 5000, current: 7000 });
  });

  it('counters restarted near zero: a replacement, not a rollback', () => {
    const events = run([new Printer('SN-1', impressionsStyle, { monoSides: 50_000, colorSides: 900, scans: 20_000 }).read(at(0), 'a'), new Printer('SN-1', impressionsStyle, { monoSides: 40, colorSides: 2 }).read(at(1), 'b')]);
    expect(events.map((e) => e.kind)).toEqual(['device.replaced']);
    expect(events[0]).toMatchObject({ evidence: { cause: 'restart-near-zero', nearZero: 1000 } });
  });

  it('one counter reset near zero while the others go on is a rollback of that counter', () => {
    const p = new Printer('SN-1', impressionsStyle, { monoSides: 50_000, scans: 20_000 });
    const a = p.read(at(0));
    p.t.scans = 3;
    p.print({ sheets: 10 });
    expect(run([a, p.read(at(1))]).map((e) => [e.kind, (e.evidence as { counter?: string }).counter])).toEqual([['counter.rollback', 'scan']]);
  });
});

describe('counter.spike', () => {
  /** 100 pages a day for `days` days, then `burst` pages in one day, readings every 6 hours. */
  function history(days: number, burst: number, after = 2): MeterReading[] {
    const p = new Printer();
    const out: MeterReading[] = [p.read(at(0))];
    for (let q = 1; q <= (days + 1 + after) * 4; q++) {
      const day = Math.floor((q - 1) / 4);
      p.print({ sheets: day === days ? burst / 4 : 25 });
      out.push(p.read(at(0, q * 6), `q${q}`));
    }
    return out;
  }

  it('trailing average: the day above factor × the 3-month daily average, with the figures', () => {
    const spikes = ofKind(run(history(30, 2000)), 'counter.spike');
    // total and mono both jumped; raised once per episode, not at each reading of the day after.
    expect(spikes.map((s) => s.evidence.counter)).toEqual(['total', 'mono']);
    const e = spikes[1]?.evidence;
    expect(e).toMatchObject({ rule: 'trailing-average', counter: 'mono', dailyAverage: 100, factor: 3, minDailyVolume: 100 });
    if (e?.rule !== 'trailing-average') throw new Error('expected the trailing-average rule');
    expect(e.volume).toBeGreaterThan(e.limit);
    expect(e.limit).toBe(e.days * 300);
    expect(spikes[1]?.readingIds).toHaveLength(3);
  });

  it('stays quiet at normal volume, under the floor, and without enough history', () => {
    expect(ofKind(run(history(30, 280)), 'counter.spike')).toEqual([]);
    // 5 days of history are less than minHistoryDays (7): no average to judge by.
    expect(ofKind(run(history(5, 5000)), 'counter.spike')).toEqual([]);
    // A quiet device (2 a day) printing 80 in a day stays under minDailyVolume (100).
    const p = new Printer();
    const rs = [p.read(at(0))];
    for (let d = 1; d <= 20; d++) rs.push(p.print({ sheets: d === 20 ? 80 : 2 }).read(at(d)));
    expect(ofKind(run(rs), 'counter.spike')).toEqual([]);
  });

  it('raises again after the volume came back under the limit', () => {
    const p = new Printer();
    const rs = [p.read(at(0))];
    for (let d = 1; d <= 60; d++) rs.push(p.print({ sheets: d === 30 || d === 45 ? 3000 : 100 }).read(at(d)));
    expect(ofKind(run(rs), 'counter.spike').filter((e) => e.evidence.counter === 'mono').map((e) => e.at)).toEqual([new Date(at(30)).toISOString(), new Date(at(45)).toISOString()]);
  });

  it('device speed: more pages than pages per minute × (minutes + slack)', () => {
    const p = new Printer();
    const rs = [p.read(at(0), 'a'), p.print({ sheets: 1300 }).read(at(0, 1), 'b'), p.print({ sheets: 1200 }).scan(5000).read(at(0, 2), 'c')];
    const spikes = ofKind(run(rs, { speedPpm: 20 }), 'counter.spike');
    // 1300 > 20 × 61 = 1220; 1200 is not. Scans are not judged by print speed.
    expect(spikes.map((s) => [s.evidence.counter, s.readingIds])).toEqual([
      ['total', ['a', 'b']],
      ['mono', ['a', 'b']],
    ]);
    expect(spikes[1]?.evidence).toEqual({ rule: 'device-speed', counter: 'mono', volume: 1300, minutes: 60, speedPpm: 20, slackMinutes: 1, limit: 1220 });
    expect(ofKind(run(rs), 'counter.spike')).toEqual([]);
  });
});

describe('device.idle', () => {
  it('once per idle episode, measured from the first reading that showed the counters as they are', () => {
    const p = new Printer();
    const rs: MeterReading[] = [];
    for (let d = 0; d <= 200; d++) {
      if (d === 5 || d === 150) p.print({ sheets: 10 });
      if (d > 10 && d < 60) p.scan(3); // scanning is not printing (else the idle would start at day 59)
      rs.push(p.read(at(d), `d${d}`));
    }
    const idle = ofKind(run(rs), 'device.idle');
    expect(idle.map((e) => [e.at, e.evidence.lastPageReadingId, e.evidence.idleDays])).toEqual([[new Date(at(95)).toISOString(), 'd5', 90]]);
    expect(idle[0]?.evidence.windowDays).toBe(90);
  });
});

describe('reading.gap', () => {
  it('no reading for longer than the window', () => {
    const p = new Printer();
    const events = run([p.read(at(0), 'a'), p.read(at(3), 'b'), p.read(at(7), 'c')], { contract: parseContract({ gapHours: 72 }) });
    expect(ofKind(events, 'reading.gap')).toEqual([
      expect.objectContaining({ readingIds: ['b', 'c'], evidence: { previousReadingId: 'b', previousAt: new Date(at(3)).toISOString(), nextReadingId: 'c', until: new Date(at(7)).toISOString(), hours: 96, windowHours: 72 } }),
    ]);
  });
});

describe('counter.redefined', () => {
  it('the OID or the unit behind a counter changed', () => {
    const p = new Printer();
    const a = p.read(at(0), 'a');
    const b = { ...p.read(at(1), 'b'), sources: { ...a.sources, total: '1.3.6.1.2.1.43.10.2.1.4.1.1' } };
    const c = { ...p.read(at(2), 'c'), sources: b.sources, units: { ...a.units, duplex: 'impressions' as const } };
    const events = run([a, b, c]);
    expect(events.map((e) => [e.kind, (e.evidence as { counter: string }).counter])).toEqual([
      ['counter.redefined', 'total'],
      ['counter.redefined', 'duplex'],
    ]);
    expect(events[1]?.evidence).toMatchObject({ previousUnit: 'sheets', unit: 'impressions' });
  });

  it("a replacing device does not inherit the old one's OIDs or units", () => {
    const old = new Printer('SN-OLD');
    const fresh = new Printer('SN-NEW');
    const first = { ...fresh.read(at(1)), units: {} };
    const later = { ...fresh.read(at(2)), units: { ...old.read(at(0)).units, duplex: 'impressions' as const } };
    expect(run([old.read(at(0)), first, later]).map((e) => e.kind)).toEqual(['device.replaced']);
  });

  it('a unit declared where none was is not a redefinition', () => {
    const p = new Printer();
    const a = { ...p.read(at(0)), units: undefined };
    expect(run([a, p.read(at(1))])).toEqual([]);
  });
});

describe('input', () => {
  it('refuses readings out of time order with MBX_BILLING_INPUT', () => {
    const p = new Printer();
    const v = new DeviceValidator('acme:SN-1', DEFAULT_CONTRACT);
    v.check(p.read(at(2), 'late'));
    let caught: unknown;
    try {
      v.check(p.read(at(1), 'early'));
    } catch (err) {
      caught = err;
    }
    expect(isMeterboxError(caught, 'MBX_BILLING_INPUT')).toBe(true);
    expect((caught as Error).message).toMatch(/acme:SN-1: reading early .* comes after late/);
  });
});
