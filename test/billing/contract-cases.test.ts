/**
 * The contract, clause by clause: one table of cases, each naming the clause of the contract (or of
 * issue 12) it proves, the readings of one device, and what the billing core must find for the
 * period. The readings come from a printer model (device-model.ts) that knows the true units.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONTRACT, deviceUsage, parseContract, type BillingContract, type BillingEventKind, type DeviceUsage, type EstimateRule, type MeterReading, type UnitName } from '../../src/billing/index.js';
import { Printer, at, impressionsStyle, type CountingStyle } from './device-model.js';

type Expected = number | { notComputable: RegExp };

interface Case {
  clause: string;
  name: string;
  readings: () => MeterReading[];
  period: [number, number];
  now?: number;
  speedPpm?: number;
  contract?: BillingContract;
  units?: Partial<Record<UnitName, Expected>>;
  /** The kinds of the period's events, sorted, duplicates removed. */
  events?: BillingEventKind[];
  /** The estimate rules behind the units (union), [] for none. */
  rules?: EstimateRule[];
}

/**
 * Daily readings at midnight on days [first, last]; `day(p, d)` runs before each day's reading and may
 * return another printer, which is read from then on (a replacement).
 */
function daily(p: Printer, first: number, last: number, day: (p: Printer, d: number) => Printer | void = () => {}, skip: (d: number) => boolean = () => false): MeterReading[] {
  const out: MeterReading[] = [];
  let cur = p;
  for (let d = first; d <= last; d++) {
    if (d > first) cur = day(cur, d) ?? cur;
    if (!skip(d)) out.push(cur.read(at(d)));
  }
  return out;
}

/** One job between two readings: the usage of the period that holds it. */
function oneJob(job: Parameters<Printer['print']>[0], style: CountingStyle = impressionsStyle, scans = 0): () => MeterReading[] {
  return () => {
    const p = new Printer('SN-1', style, { monoSides: 5000, colorSides: 3000, scans: 1000 });
    const before = p.read(at(0));
    p.print(job).scan(scans);
    return [before, p.read(at(1))];
  };
}

const withoutLarge: CountingStyle = (t) => {
  const s = impressionsStyle(t);
  delete s.counters.large;
  delete s.counters.largeMono;
  delete s.counters.largeColor;
  return s;
};

const sheetsStyle =
  (withDuplexByColour: boolean): CountingStyle =>
  (t) => ({
    counters: {
      mono: t.monoSheets,
      color: t.colorSheets,
      largeMono: t.largeMonoSides,
      largeColor: t.largeColorSides,
      duplex: t.duplexMonoSheets + t.duplexColorSheets,
      ...(withDuplexByColour ? { duplexMono: t.duplexMonoSheets, duplexColor: t.duplexColorSheets } : {}),
      scan: t.scans,
    },
    units: { mono: 'sheets', color: 'sheets', largeMono: 'impressions', largeColor: 'impressions', duplex: 'sheets', duplexMono: 'sheets', duplexColor: 'sheets', scan: 'impressions' },
  });

/** Canon's "Black 2" / "Full colour 2" style: counters that already count a large side twice, no large counters. */
const a4EquivalentStyle: CountingStyle = (t) => ({
  counters: { mono: t.monoSides + t.largeMonoSides, color: t.colorSides + t.largeColorSides, scan: t.scans },
  units: { mono: 'a4-equivalent', color: 'a4-equivalent', scan: 'impressions' },
});

const undeclared: CountingStyle = (t) => ({ counters: impressionsStyle(t).counters, units: {} });

const JAN: [number, number] = [at(0), at(31)];

const CASES: Case[] = [
  { clause: 'Pages are counted in units based on an A4 document', name: 'A4 simplex: 1 unit a page', readings: oneJob({ sheets: 10 }), period: [at(0), at(1)], units: { mono: 10, color: 0 } },
  { clause: 'An A3 document is worth two units', name: 'A3 simplex: 2 units a sheet', readings: oneJob({ sheets: 10, size: 'A3' }), period: [at(0), at(1)], units: { mono: 20, color: 0 } },
  { clause: 'An A3 document is worth … four in duplex', name: 'A3 duplex: 4 units a sheet', readings: oneJob({ sheets: 10, size: 'A3', duplex: true }), period: [at(0), at(1)], units: { mono: 40 } },
  { clause: 'An A4 duplex document is worth two units', name: 'A4 duplex: 2 units a sheet', readings: oneJob({ sheets: 10, duplex: true }), period: [at(0), at(1)], units: { mono: 20 } },
  {
    clause: 'A colour page is one on which cyan, magenta or yellow was used',
    name: 'colour follows the colour counters (A3 duplex colour: 4 units a sheet)',
    readings: oneJob({ sheets: 3, size: 'A3', duplex: true, color: true }),
    period: [at(0), at(1)],
    units: { mono: 0, color: 12 },
  },
  ...(() => {
    // 1000 scans, then 7 in the first period and 7 in the second: 3 + 4 units = 7 = 14 scans / 2.
    const readings = () => {
      const p = new Printer('SN-1', impressionsStyle, { scans: 1000 });
      return [p.read(at(0)), p.scan(7).read(at(1)), p.scan(7).read(at(2))];
    };
    const clause = 'Two scans are worth one unit: floor(scanEnd/2) − floor(scanStart/2), so no half unit is lost between periods';
    return [
      { clause, name: 'odd scans, 1st period: 7 scans are 3 units (the half is kept)', readings, period: [at(0), at(1)], units: { scan: 3 } },
      { clause, name: 'odd scans, 2nd period: 7 more scans are 4 units', readings, period: [at(1), at(2)], units: { scan: 4 } },
      { clause, name: 'odd scans, both periods: 14 scans are 7 units, the sum of the two', readings, period: [at(0), at(2)], units: { scan: 7 } },
    ] satisfies Case[];
  })(),
  {
    clause: 'Where a counter needed for a unit is missing, the unit is marked not computable (never guessed)',
    name: 'no large counter: mono and colour are not computable, scans still are',
    readings: oneJob({ sheets: 10, size: 'A3' }, withoutLarge, 4),
    period: [at(0), at(1)],
    units: { mono: { notComputable: /largeMono/ }, color: { notComputable: /largeColor/ }, scan: 2 },
  },
  {
    clause: 'A4 duplex is worth two units: a counter of sheets needs the duplex sheets to give sides',
    name: 'counters in sheets without duplex by colour: not computable',
    readings: oneJob({ sheets: 10, duplex: true }, sheetsStyle(false)),
    period: [at(0), at(1)],
    units: { mono: { notComputable: /counts sheets and there is no duplexMono counter.*duplex - duplexColor|duplexColor/ } },
  },
  {
    clause: 'A4 duplex is worth two units: sheets + duplex sheets = sides',
    name: 'counters in sheets with duplex by colour: computable',
    readings: oneJob({ sheets: 10, duplex: true, size: 'A3' }, sheetsStyle(true)),
    period: [at(0), at(1)],
    units: { mono: 40, color: 0 },
  },
  {
    clause: 'An A3 document is worth two units: a counter that already counts A3 twice is units as it stands',
    name: 'a4-equivalent counters (large counted twice) need no large counter',
    readings: oneJob({ sheets: 10, size: 'A3', duplex: true }, a4EquivalentStyle),
    period: [at(0), at(1)],
    units: { mono: 40 },
  },
  {
    clause: "The contract's constants are configuration: a large side worth 3 needs the large counter again",
    name: 'a4-equivalent counters under another contract: not computable without large',
    readings: oneJob({ sheets: 10, size: 'A3' }, a4EquivalentStyle),
    period: [at(0), at(1)],
    contract: parseContract({ unitsPerLargeSide: 3 }),
    units: { mono: { notComputable: /no largeMono counter/ } },
  },
  {
    clause: 'Units come from counters whose unit is known, never guessed',
    name: 'no declared units: nothing computable',
    readings: oneJob({ sheets: 10 }, undeclared),
    period: [at(0), at(1)],
    units: { mono: { notComputable: /unit .* not declared/ }, scan: { notComputable: /scan: its unit/ } },
  },
  {
    clause: 'counter.rollback: a counter went down (readings are never altered; no negative delta)',
    name: 'mono goes down mid-period: flagged, the runs on both sides are billed',
    readings: () =>
      daily(new Printer('SN-1', impressionsStyle, { monoSides: 50_000 }), 0, 31, (p, d) => {
        if (d === 11) p.t.monoSides -= 20_000; // a controller swap set the counter back
        else p.print({ sheets: 10 });
      }),
    period: JAN,
    units: { mono: 300 },
    events: ['counter.rollback'],
  },
  {
    clause: 'device.replaced: the serial changed at the same MAC/host',
    name: 'serial change: old device up to its last reading + new device from its first',
    readings: () =>
      daily(new Printer('SN-OLD', impressionsStyle, { monoSides: 80_000, scans: 501 }), 0, 31, (p, d) => {
        // Days 1-12 on the old device (2 A3 sheets and 1 scan a day), the new one from day 13.
        if (d === 13) return new Printer('SN-NEW', impressionsStyle, { monoSides: 30_000, scans: 11 });
        if (d < 13) p.print({ sheets: 2, size: 'A3' }).scan(1);
        else p.print({ sheets: 1, duplex: true }).scan(1);
      }),
    period: JAN,
    // Old: 12 days × 4 units, scans 501 → 513: 256 − 250 = 6. New: 18 days × 2 units, scans 11 → 29: 14 − 5 = 9.
    units: { mono: 48 + 36, scan: 6 + 9 },
    events: ['device.replaced'],
  },
  {
    clause: 'device.replaced: the counters restarted near zero',
    name: 'restart near zero: a new device, not a rollback',
    readings: () =>
      daily(new Printer('SN-1', impressionsStyle, { monoSides: 80_000, colorSides: 20_000, scans: 40_000 }), 0, 31, (p, d) => {
        if (d === 6) return new Printer('SN-1', impressionsStyle, { monoSides: 12, colorSides: 3, scans: 2 });
        if (d < 6) p.print({ sheets: 2 });
        else p.print({ sheets: 1, color: true });
      }),
    period: JAN,
    units: { mono: 10, color: 25 },
    events: ['device.replaced'],
  },
  {
    clause: 'counter.spike: the daily volume is above a multiple of the trailing 3-month average',
    name: '100 pages a day for 40 days, then 2000 in one day',
    readings: () => daily(new Printer(), 0, 45, (p, d) => void p.print({ sheets: d === 41 ? 2000 : 100 })),
    period: [at(31), at(45)],
    units: { mono: 2000 + 13 * 100 },
    events: ['counter.spike'],
  },
  {
    clause: "counter.spike: above what the device's speed makes possible in the elapsed time",
    name: '5000 pages in an hour on a 20 ppm device',
    readings: () => {
      const p = new Printer();
      const rs = [p.read(at(0)), p.read(at(0, 1))];
      p.print({ sheets: 5000 });
      rs.push(p.read(at(0, 2)));
      return rs;
    },
    period: [at(0), at(1)],
    now: at(2),
    speedPpm: 20,
    units: { mono: 5000 },
    events: ['counter.spike'],
  },
  {
    clause: 'When the customer prints no page for three months (device.idle)',
    name: 'an idle quarter: units 0, device.idle',
    readings: () => daily(new Printer(), 0, 130, (p, d) => void (d <= 10 && p.print({ sheets: 50 }))),
    period: [at(40), at(130)],
    units: { mono: 0, color: 0, scan: 0 },
    events: ['device.idle'],
  },
  {
    clause: 'reading.gap: no reading for longer than a configured window',
    name: 'no reading for 6 days mid-period',
    readings: () => daily(new Printer(), 0, 31, (p) => void p.print({ sheets: 10 }), (d) => d >= 10 && d <= 15),
    period: JAN,
    units: { mono: 310 },
    events: ['reading.gap'],
    rules: [],
  },
  {
    clause: 'Estimates: interpolate between the readings on both sides when they exist',
    name: 'no reading near the period end: the closing is interpolated (exact at a steady rate)',
    readings: () => daily(new Printer(), 0, 35, (p) => void p.print({ sheets: 10 }), (d) => d > 28 && d < 35),
    period: JAN,
    now: at(40),
    units: { mono: 310 },
    events: [],
    rules: ['interpolation'],
  },
  {
    clause: 'Estimates: otherwise the last reading + the trailing daily average × days',
    name: 'readings stop 6 days before the period end: trailing average',
    readings: () => daily(new Printer(), 0, 25, (p) => void p.print({ sheets: 10 })),
    period: JAN,
    now: at(40),
    units: { mono: 310 },
    events: ['reading.gap'],
    rules: ['trailing-average'],
  },
];

function usageOf(c: Case): DeviceUsage {
  const u = deviceUsage('acme:SN-1', c.readings(), { from: c.period[0], to: c.period[1] }, { now: c.now ?? c.period[1], speedPpm: c.speedPpm, contract: c.contract ?? DEFAULT_CONTRACT });
  if (!u) throw new Error('no usage');
  return u;
}

describe('the contract, clause by clause', () => {
  it.each(CASES.map((c) => [`${c.name} — "${c.clause}"`, c] as const))('%s', (_title, c) => {
    const u = usageOf(c);
    for (const [name, want] of Object.entries(c.units ?? {}) as [UnitName, Expected][]) {
      const got = u.units[name];
      if (typeof want === 'number') {
        expect(got, `units.${name}: ${JSON.stringify(got)}`).toMatchObject({ computable: true, value: want });
      } else {
        expect(got.computable, `units.${name} should not be computable`).toBe(false);
        if (!got.computable) expect(got.reason).toMatch(want.notComputable);
      }
    }
    if (c.events) expect([...new Set(u.events.map((e) => e.kind))].sort()).toEqual([...c.events].sort());
    if (c.rules) {
      const rules = new Set(Object.values(u.units).flatMap((f) => (f.computable ? f.rules : [])));
      expect([...rules].sort()).toEqual([...c.rules].sort());
      expect(u.estimated).toBe(c.rules.length > 0);
      expect(u.flags.includes('estimated')).toBe(c.rules.length > 0);
    }
  });
});
