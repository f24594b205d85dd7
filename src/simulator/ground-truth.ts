/**
 * Ground truth for billing (issue 12): a simulated MFP that prints a known mix of A4 and A3,
 * simplex and duplex, mono and colour pages and scans, on a schedule driven by a seeded random
 * source and a clock the caller moves (no real waiting), and records what it truly printed. Its
 * counters are what such a device reports, each with its OID and unit, so a Reading built from
 * them goes through the same outbox, upload, receiver and billing code as a real one; the true
 * contract units are computed here from the contract text (an A4 side 1 unit, a large side 2, two
 * scans 1), independently of src/billing/, which the tests and the benchmark compare with.
 *
 * The counter OIDs are those profiles/vendors/konica-minolta.ts reads on main (total, print black
 * and colour, large size col 7, duplex, scans). It reads the large-size cells only as one sum
 * (`large`); the per-colour cells it sums (…2.1.7.{colour}.{function}) stand for largeMono and
 * largeColor here, the counters the section-1 profile work adds. The units are declared as a
 * profile would (impressions; duplex in sheets). A counter reset (a new controller) and a swap
 * (another device at the same place, another serial) are events the caller triggers.
 */
import type { CounterName, Counters, CounterSources, CounterUnits } from '../contract/reading.js';

/** KONICA-MINOLTA private MIB, printer counters: what profiles/vendors/konica-minolta.ts reads. */
const KM = '1.3.6.1.4.1.18334.1.1.1.5.7.2';

/** Where each counter comes from (see the header): print black (col 5, colour 1) stands for mono, and so on. */
export const GROUND_TRUTH_SOURCES: CounterSources = {
  total: `${KM}.1.1.0`,
  mono: `${KM}.2.1.5.1.2`,
  color: `${KM}.2.1.5.2.2`,
  large: `sum:${KM}.2.1.7.1.2+${KM}.2.1.7.2.2`,
  largeMono: `${KM}.2.1.7.1.2`,
  largeColor: `${KM}.2.1.7.2.2`,
  duplex: `${KM}.1.3.0`,
  scan: `${KM}.3.1.5.1`,
};
export const GROUND_TRUTH_UNITS: CounterUnits = { total: 'impressions', mono: 'impressions', color: 'impressions', large: 'impressions', largeMono: 'impressions', largeColor: 'impressions', duplex: 'sheets', scan: 'impressions' };

/** What the device truly did since it was built (never reset: the counters are, the truth is not). */
export interface TrueTallies {
  monoSides: number;
  colorSides: number;
  largeMonoSides: number;
  largeColorSides: number;
  duplexSheets: number;
  scans: number;
}

/** The contract's units of tallies: A4 side 1, large side 2 (so an A3 duplex sheet is 4), two scans 1. */
export function trueUnits(t: TrueTallies): { mono: number; color: number; scan: number } {
  return { mono: t.monoSides + t.largeMonoSides, color: t.colorSides + t.largeColorSides, scan: Math.floor(t.scans / 2) };
}

const zero = (): TrueTallies => ({ monoSides: 0, colorSides: 0, largeMonoSides: 0, largeColorSides: 0, duplexSheets: 0, scans: 0 });

export class GroundTruthPrinter {
  /** What it printed over its life. */
  readonly truth: TrueTallies = zero();
  /** Subtracted from the truth to give the counters (a controller reset restarts them). */
  private offset: TrueTallies = zero();

  constructor(
    public serial: string,
    /** Where the job mix comes from: a seeded generator makes a run reproducible. */
    private readonly random: () => number,
    /** Counters it shows when new (a used device brought in). */
    start: Partial<TrueTallies> = {},
  ) {
    Object.assign(this.truth, start);
  }

  /** One job: `sheets` of A4 or A3, simplex or duplex, mono or colour. */
  print(sheets: number, o: { a3?: boolean; duplex?: boolean; color?: boolean } = {}): void {
    const sides = sheets * (o.duplex ? 2 : 1);
    if (o.color) this.truth.colorSides += sides;
    else this.truth.monoSides += sides;
    if (o.a3) {
      if (o.color) this.truth.largeColorSides += sides;
      else this.truth.largeMonoSides += sides;
    }
    if (o.duplex) this.truth.duplexSheets += sheets;
  }

  scan(pages: number): void {
    this.truth.scans += pages;
  }

  /** An hour of office work: a few jobs of a known mix, and scans in pairs. */
  workHour(): void {
    const jobs = 1 + Math.floor(this.random() * 4);
    for (let j = 0; j < jobs; j++) {
      const r = this.random();
      const sheets = 1 + Math.floor(this.random() * 12);
      this.print(sheets, { a3: r < 0.15, duplex: r > 0.1 && r < 0.5, color: r > 0.35 && r < 0.6 });
    }
    if (this.random() < 0.4) this.scan(2 * (1 + Math.floor(this.random() * 10)));
  }

  /** The controller is replaced: every counter restarts at zero (same serial). */
  resetCounters(): void {
    this.offset = { ...this.truth };
  }

  /** The counters it reports now, with their OIDs and units. */
  counters(): { counters: Counters; sources: CounterSources; units: CounterUnits } {
    const t = this.truth;
    const o = this.offset;
    const c = (k: keyof TrueTallies) => t[k] - o[k];
    const mono = c('monoSides');
    const color = c('colorSides');
    const counters: Partial<Record<CounterName, number>> = {
      total: mono + color,
      mono,
      color,
      large: c('largeMonoSides') + c('largeColorSides'),
      largeMono: c('largeMonoSides'),
      largeColor: c('largeColorSides'),
      duplex: c('duplexSheets'),
      scan: c('scans'),
    };
    return { counters, sources: { ...GROUND_TRUTH_SOURCES }, units: { ...GROUND_TRUTH_UNITS } };
  }
}
