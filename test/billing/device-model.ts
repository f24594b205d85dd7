/**
 * A printer as billing sees it, for the billing tests: it prints documents of a known size, sides
 * and colour and scans pages, keeps the true tallies, and reports counters the way a profile
 * declares them (a "counting style"). The true contract units are computed here straight from the
 * contract text (A4 side 1, large side 2, two scans one unit), independently of src/billing/.
 */
import type { CounterName, CounterUnit, Counters } from '../../src/contract/reading.js';
import type { MeterReading } from '../../src/billing/index.js';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
export const T0 = Date.parse('2026-01-01T00:00:00Z');
export const at = (days: number, hours = 0) => T0 + days * DAY + hours * HOUR;

export interface Job {
  sheets: number;
  size?: 'A4' | 'A3';
  duplex?: boolean;
  color?: boolean;
}

export interface Tallies {
  monoSides: number;
  colorSides: number;
  monoSheets: number;
  colorSheets: number;
  largeMonoSides: number;
  largeColorSides: number;
  duplexMonoSheets: number;
  duplexColorSheets: number;
  scans: number;
}

/** How a device reports: which counters, in which units. */
export type CountingStyle = (t: Tallies) => { counters: Counters; units: Partial<Record<CounterName, CounterUnit>> };

/** The usual modern MFP: sides by colour, large sides by colour, duplex sheets, scans. */
export const impressionsStyle: CountingStyle = (t) => ({
  counters: {
    total: t.monoSides + t.colorSides,
    mono: t.monoSides,
    color: t.colorSides,
    scan: t.scans,
    duplex: t.duplexMonoSheets + t.duplexColorSheets,
    large: t.largeMonoSides + t.largeColorSides,
    largeMono: t.largeMonoSides,
    largeColor: t.largeColorSides,
  },
  units: { total: 'impressions', mono: 'impressions', color: 'impressions', scan: 'impressions', duplex: 'sheets', large: 'impressions', largeMono: 'impressions', largeColor: 'impressions' },
});

let seq = 0;
export class Printer {
  readonly t: Tallies = { monoSides: 0, colorSides: 0, monoSheets: 0, colorSheets: 0, largeMonoSides: 0, largeColorSides: 0, duplexMonoSheets: 0, duplexColorSheets: 0, scans: 0 };

  constructor(
    public serial = 'SN-1',
    public style: CountingStyle = impressionsStyle,
    start: Partial<Tallies> = {},
  ) {
    Object.assign(this.t, start);
  }

  print(job: Job): this {
    const sides = job.sheets * (job.duplex ? 2 : 1);
    const large = job.size === 'A3';
    if (job.color) {
      this.t.colorSides += sides;
      this.t.colorSheets += job.sheets;
      if (large) this.t.largeColorSides += sides;
      if (job.duplex) this.t.duplexColorSheets += job.sheets;
    } else {
      this.t.monoSides += sides;
      this.t.monoSheets += job.sheets;
      if (large) this.t.largeMonoSides += sides;
      if (job.duplex) this.t.duplexMonoSheets += job.sheets;
    }
    return this;
  }

  scan(n: number): this {
    this.t.scans += n;
    return this;
  }

  /** The contract's units so far: A4 side 1, large side 2; scans counted from zero. */
  trueUnits(): { mono: number; color: number; scans: number } {
    const t = this.t;
    return { mono: t.monoSides + t.largeMonoSides, color: t.colorSides + t.largeColorSides, scans: t.scans };
  }

  read(when: number, id = `r${++seq}`): MeterReading {
    const { counters, units } = this.style(this.t);
    const sources: Partial<Record<CounterName, string>> = {};
    for (const c of Object.keys(counters) as CounterName[]) sources[c] = `1.3.6.1.4.1.99999.${c}`;
    return { id, at: when, serial: this.serial, counters, sources, units };
  }
}

/** Contract scan units between two scan totals: floor(end/2) − floor(start/2). */
export const scanUnits = (start: number, end: number) => Math.floor(end / 2) - Math.floor(start / 2);
