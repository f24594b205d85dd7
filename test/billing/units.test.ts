/**
 * Unit formulas from declarations, and units between two readings with the formula, the counters
 * and the OIDs behind each figure.
 */
import { describe, expect, it } from 'vitest';
import { contractUnits, DEFAULT_CONTRACT, deriveUnitMeter, parseContract, type Declarations, type MeterReading, type UnitFigure } from '../../src/billing/index.js';
import type { CounterName, CounterUnit, CounterUnits } from '../../src/contract/reading.js';

const declared = (units: CounterUnits): Declarations => ({ has: (c) => c in units, unit: (c) => units[c] });
const formula = (name: 'mono' | 'color' | 'scan', units: CounterUnits, contract = DEFAULT_CONTRACT) => {
  const d = deriveUnitMeter(name, declared(units), contract);
  return d.ok ? d.meter.formula : `not computable: ${d.reason}`;
};
const imp = (...names: CounterName[]): CounterUnits => Object.fromEntries(names.map((n) => [n, 'impressions' as CounterUnit]));

describe('unit formulas from what a reading declares', () => {
  it.each([
    ['impressions with large by colour', imp('mono', 'largeMono'), 'mono', 'mono + largeMono'],
    ['a4-equivalent (large already counted twice): the counter as it stands', { mono: 'a4-equivalent' } as CounterUnits, 'mono', 'mono'],
    ['sheets + duplex sheets by colour', { mono: 'sheets', duplexMono: 'sheets', largeMono: 'impressions' } as CounterUnits, 'mono', 'mono + duplexMono + largeMono'],
    ['sheets + duplex counted in sides (half of them are sheets)', { mono: 'sheets', duplexMono: 'impressions', largeMono: 'impressions' } as CounterUnits, 'mono', 'floor(mono + 0.5 × duplexMono + largeMono)'],
    ['no mono counter: total − colour', imp('total', 'color', 'large', 'largeColor'), 'mono', 'total − color + large − largeColor'],
    ['large by colour from large − the other colour', imp('color', 'large', 'largeMono'), 'color', 'color + large − largeMono'],
    ['scans', imp('scan'), 'scan', 'floor(scan / 2)'],
  ] as const)('%s', (_name, units, unit, want) => {
    expect(formula(unit, units)).toBe(want);
  });

  it('asks for the large counter only when a large side is worth more than an A4 side', () => {
    expect(formula('mono', imp('mono'))).toMatch(/not computable: units.mono: no largeMono counter/);
    expect(formula('mono', imp('mono'), parseContract({ unitsPerLargeSide: 1 }))).toBe('mono');
    // Under a contract where a large side is worth 3, an a4-equivalent counter needs the large count again.
    expect(formula('mono', { mono: 'a4-equivalent', largeMono: 'impressions' }, parseContract({ unitsPerLargeSide: 3 }))).toBe('mono + largeMono');
  });

  it('never guesses a unit', () => {
    expect(formula('mono', { largeMono: 'impressions' }, DEFAULT_CONTRACT)).toMatch(/no mono counter/);
    const d = deriveUnitMeter('mono', { has: (c) => c === 'mono' || c === 'largeMono', unit: () => undefined }, DEFAULT_CONTRACT);
    expect(d).toMatchObject({ ok: false, missing: expect.arrayContaining(['mono', 'largeMono']) });
    expect(formula('mono', { mono: 'sheets', largeMono: 'impressions' })).toMatch(/mono counts sheets and there is no duplexMono counter/);
    expect(formula('mono', { mono: 'impressions', largeMono: 'sheets' })).toMatch(/largeMono counts sheets, which cannot give large sides/);
    expect(formula('scan', { scan: 'sheets' })).toMatch(/scan counts sheets/);
    expect(formula('scan', imp('scanCopy', 'scanSend'))).toMatch(/no scan counter/);
  });
});

function reading(id: string, counters: Partial<Record<CounterName, number>>, extra: Partial<MeterReading> = {}): MeterReading {
  const units: CounterUnits = {};
  const sources: Partial<Record<CounterName, string>> = {};
  for (const c of Object.keys(counters) as CounterName[]) {
    units[c] = c === 'duplex' ? 'sheets' : 'impressions';
    sources[c] = `1.3.6.1.4.1.18334.1.1.1.5.7.2.${c}`;
  }
  return { id, at: 0, serial: 'A5C0001', counters, units, sources, ...extra };
}

const value = (f: UnitFigure) => (f.computable ? f.value : f.reason);

describe('contract units between two readings', () => {
  it('gives each figure with its formula, counters and OIDs', () => {
    const u = contractUnits(reading('a', { mono: 1000, color: 500, largeMono: 10, largeColor: 4, scan: 101 }), reading('b', { mono: 1100, color: 530, largeMono: 30, largeColor: 4, scan: 110 }), DEFAULT_CONTRACT);
    expect(u.mono).toEqual({
      computable: true,
      value: 120,
      formula: 'mono + largeMono',
      terms: [
        { counter: 'mono', coefficient: 1, unit: 'impressions' },
        { counter: 'largeMono', coefficient: 1, unit: 'impressions' },
      ],
      sources: { mono: '1.3.6.1.4.1.18334.1.1.1.5.7.2.mono', largeMono: '1.3.6.1.4.1.18334.1.1.1.5.7.2.largeMono' },
      estimated: false,
      rules: [],
      opening: { kind: 'reading', value: 1010, readingIds: ['a'] },
      closing: { kind: 'reading', value: 1130, readingIds: ['b'] },
      warnings: [],
    });
    expect(value(u.color)).toBe(30);
    // 101 → 110 scans: floor(110/2) − floor(101/2) = 55 − 50 = 5 (9 scans, and the half from before).
    expect(value(u.scan)).toBe(5);
  });

  it('is not computable across a serial change or a counter going down', () => {
    const a = reading('a', { mono: 1000, largeMono: 0, color: 0, largeColor: 0 });
    expect(value(contractUnits(a, reading('b', { mono: 1200, largeMono: 0, color: 0, largeColor: 0 }, { serial: 'OTHER' }), DEFAULT_CONTRACT).mono)).toMatch(/serial changed \(A5C0001 → OTHER\)/);
    expect(value(contractUnits(a, reading('b', { mono: 900, largeMono: 0, color: 0, largeColor: 0 }), DEFAULT_CONTRACT).mono)).toMatch(/mono went down \(1000 → 900\)/);
  });

  it('is not computable when the opening lacks a counter of the formula', () => {
    const u = contractUnits(reading('a', { mono: 1000 }), reading('b', { mono: 1200, largeMono: 4 }), DEFAULT_CONTRACT);
    expect(u.mono).toMatchObject({ computable: false, missing: ['largeMono'] });
    expect(value(u.mono)).toMatch(/opening reading lacks largeMono/);
  });
});
