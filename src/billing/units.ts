/**
 * Contract units from counters: which counters, in which units, make `units.mono`, `units.color`
 * and `units.scan`, and the value of such a "unit meter" at one reading.
 *
 * A unit meter is floor(Σ coefficient × counter / divisor) evaluated at each reading; a figure over a
 * period is the sum of the meter's steps (usage.ts). Because the floor is taken at each reading, the
 * steps telescope: the units of consecutive periods add up to the units of the whole, and no half
 * unit is lost between periods (the contract's floor(scanEnd/2) − floor(scanStart/2)).
 *
 * The formulas (u = unitsPerA4Side, U = unitsPerLargeSide; k = mono or color):
 *   units.k    = u × sides(k) + (U − u) × largeSides(k)
 *   units.scan = floor(scan / scansPerUnit)
 * where, from what the reading declares (Reading.units):
 *   sides(k):  k [impressions]                 → k
 *              k [a4-equivalent]               → k − largeSides(k)
 *              k [sheets]                      → k + duplexSheets(k)
 *              no k counter                    → sides(total) − sides(other colour)
 *   largeSides(k): largeK [impressions]; else large − largeOther (both impressions)
 *   duplexSheets(k): duplexK [sheets] or ½ × duplexK [impressions]; else duplex − duplexOther
 * The algebra is done on linear expressions, so a quantity that cancels out is not needed: with the
 * default contract an a4-equivalent counter is already units (u·k + (U − 2u)·large = k), and no large
 * counter is asked for. A quantity that is needed and cannot be read makes the figure not
 * computable, with the reason. Nothing here knows a vendor: the profile declares, the core computes.
 */
import { COUNTER_NAMES, type CounterName, type CounterUnit } from '../contract/reading.js';
import type { BillingContract } from './contract.js';
import { COUNTER_INDEX, unitCode } from './dense.js';
import type { Boundary, ContractUnits, FormulaTerm, MeterReading, UnitFigure, UnitName } from './types.js';

/** What a reading makes available: which counters it has and their declared units. */
export interface Declarations {
  has(counter: CounterName): boolean;
  unit(counter: CounterName): CounterUnit | undefined;
}

export function declarationsOf(r: Pick<MeterReading, 'counters' | 'units'>): Declarations {
  return { has: (c) => r.counters[c] !== undefined, unit: (c) => r.units?.[c] };
}

/** A compiled unit meter: evaluate it at a reading with meterValue(). */
export interface UnitMeter {
  readonly name: UnitName;
  readonly terms: readonly FormulaTerm[];
  readonly divisor: number;
  readonly formula: string;
  readonly counters: readonly CounterName[];
  /** The terms as COUNTER_NAMES indexes and unit codes, for meterValueDense. */
  readonly index: readonly number[];
  readonly unitCodes: readonly number[];
}

export type Derivation = { ok: true; meter: UnitMeter } | { ok: false; reason: string; missing: CounterName[] };

// ---------------------------------------------------------------- linear expressions

/** Keys are counter names, or `?name` for a quantity that cannot be read (a gap). */
type Lin = Map<string, number>;
interface Gap {
  reason: string;
  missing: CounterName[];
}

class Deriver {
  readonly gaps = new Map<string, Gap>();
  constructor(private readonly decl: Declarations) {}

  private gap(key: string, reason: string, missing: CounterName[]): Lin {
    this.gaps.set(key, { reason, missing });
    return new Map([[key, 1]]);
  }

  private static sum(a: Lin, b: Lin, f = 1): Lin {
    const out = new Map(a);
    for (const [k, v] of b) out.set(k, (out.get(k) ?? 0) + f * v);
    return out;
  }

  static scale(a: Lin, f: number): Lin {
    return new Map([...a].map(([k, v]) => [k, v * f]));
  }

  static combine(a: Lin, fa: number, b: Lin, fb: number): Lin {
    return Deriver.sum(Deriver.scale(a, fa), b, fb);
  }

  /** An expression's gaps that did not cancel out. */
  openGaps(e: Lin): Gap[] {
    return [...e].filter(([k, v]) => k.startsWith('?') && Math.abs(v) > 1e-9).map(([k]) => this.gaps.get(k) as Gap);
  }

  /** Folds a fallback's gaps into one, so the reason reads "no X counter, and not Y: …". */
  private orElse(key: string, why: string, missing: CounterName[], fallback: () => Lin): Lin {
    const e = fallback();
    const open = this.openGaps(e);
    if (open.length === 0) return e;
    return this.gap(key, `${why}, and ${open.map((g) => g.reason).join('; ')}`, [...new Set([...missing, ...open.flatMap((g) => g.missing)])]);
  }

  private undeclared(c: CounterName): Lin {
    return this.gap(`?unit.${c}`, `${c}: its unit (impressions, sheets or a4-equivalent) is not declared`, [c]);
  }

  /** A counter in one of the units allowed for this use. */
  private counter(c: CounterName, allowed: Partial<Record<CounterUnit, number>>, what: string): Lin | undefined {
    if (!this.decl.has(c)) return undefined;
    const unit = this.decl.unit(c);
    if (unit === undefined) return this.undeclared(c);
    const f = allowed[unit];
    if (f === undefined) return this.gap(`?${what}.${c}`, `${c} counts ${unit}, which cannot give ${what}`, [c]);
    return new Map([[c, f]]);
  }

  /** Printed sides of a colour class, each side once whatever its size. */
  sides(k: 'total' | 'mono' | 'color', derive = true): Lin {
    if (this.decl.has(k)) {
      const unit = this.decl.unit(k);
      if (unit === undefined) return this.undeclared(k);
      const own: Lin = new Map([[k, 1]]);
      if (unit === 'impressions') return own;
      if (unit === 'a4-equivalent') return Deriver.sum(own, this.largeSides(k), -1);
      return Deriver.sum(own, this.duplexSheets(k));
    }
    if (k === 'total' || !derive) return this.gap(`?sides.${k}`, `no ${k} counter`, [k]);
    const other = k === 'mono' ? 'color' : 'mono';
    return this.orElse(`?sides.${k}`, `no ${k} counter`, [k], () => Deriver.sum(this.sides('total', false), this.sides(other, false), -1));
  }

  /** Large-size printed sides of a colour class. */
  largeSides(k: 'total' | 'mono' | 'color'): Lin {
    const name = LARGE[k];
    const own = this.counter(name, { impressions: 1 }, 'large sides');
    if (own) return own;
    if (k === 'total') {
      return this.orElse('?large.total', 'no large counter', [name], () => Deriver.sum(this.largeDirect('mono'), this.largeDirect('color')));
    }
    const other = k === 'mono' ? 'color' : 'mono';
    return this.orElse(`?large.${k}`, `no ${name} counter`, [name], () => Deriver.sum(this.largeDirect('total'), this.largeDirect(other), -1));
  }

  private largeDirect(k: 'total' | 'mono' | 'color'): Lin {
    return this.counter(LARGE[k], { impressions: 1 }, 'large sides') ?? this.gap(`?large.direct.${k}`, `no ${LARGE[k]} counter`, [LARGE[k]]);
  }

  /** Sheets printed on both sides, of a colour class. */
  duplexSheets(k: 'total' | 'mono' | 'color'): Lin {
    const name = DUPLEX[k];
    const own = this.counter(name, { sheets: 1, impressions: 0.5 }, 'duplex sheets');
    if (own) return own;
    if (k === 'total') {
      return this.orElse('?duplex.total', 'no duplex counter', [name], () => Deriver.sum(this.duplexDirect('mono'), this.duplexDirect('color')));
    }
    const other = k === 'mono' ? 'color' : 'mono';
    return this.orElse(`?duplex.${k}`, `${k} counts sheets and there is no ${name} counter`, [name], () => Deriver.sum(this.duplexDirect('total'), this.duplexDirect(other), -1));
  }

  private duplexDirect(k: 'total' | 'mono' | 'color'): Lin {
    return this.counter(DUPLEX[k], { sheets: 1, impressions: 0.5 }, 'duplex sheets') ?? this.gap(`?duplex.direct.${k}`, `no ${DUPLEX[k]} counter`, [DUPLEX[k]]);
  }

  scans(): Lin {
    return this.counter('scan', { impressions: 1 }, 'scanned sides') ?? this.gap('?scan', 'no scan counter (a profile that knows its split scan counters are complete reports their sum as scan)', ['scan']);
  }
}

const LARGE = { total: 'large', mono: 'largeMono', color: 'largeColor' } as const;
const DUPLEX = { total: 'duplex', mono: 'duplexMono', color: 'duplexColor' } as const;
const ORDER = new Map<string, number>(COUNTER_NAMES.map((c, i) => [c, i]));

function formatNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Math.round(n * 1e6) / 1e6);
}

function formulaText(terms: readonly FormulaTerm[], divisor: number): string {
  let text = '';
  terms.forEach((t, i) => {
    const mag = Math.abs(t.coefficient);
    const part = mag === 1 ? t.counter : `${formatNumber(mag)} × ${t.counter}`;
    text += i === 0 ? (t.coefficient < 0 ? `−${part}` : part) : t.coefficient < 0 ? ` − ${part}` : ` + ${part}`;
  });
  const exact = divisor === 1 && terms.every((t) => Number.isInteger(t.coefficient));
  if (exact) return text;
  if (divisor === 1) return `floor(${text})`;
  return `floor(${terms.length > 1 ? `(${text})` : text} / ${divisor})`;
}

/**
 * The formula of one contract unit for a device that declares `decl`, or why there is none.
 * Pure and cheap: callers derive once per device (per segment), then evaluate per reading.
 */
export function deriveUnitMeter(name: UnitName, decl: Declarations, contract: BillingContract): Derivation {
  const d = new Deriver(decl);
  let expr: Lin;
  let divisor = 1;
  if (name === 'scan') {
    expr = d.scans();
    divisor = contract.scansPerUnit;
  } else {
    const u = contract.unitsPerA4Side;
    const big = contract.unitsPerLargeSide;
    const sides = d.sides(name);
    // The large term is only asked for when large sides are worth more than A4 sides.
    expr = big === u ? Deriver.scale(sides, u) : Deriver.combine(sides, u, d.largeSides(name), big - u);
  }
  const open = d.openGaps(expr);
  if (open.length > 0) {
    return { ok: false, reason: `units.${name}: ${open.map((g) => g.reason).join('; ')}`, missing: [...new Set(open.flatMap((g) => g.missing))] };
  }
  const terms: FormulaTerm[] = [...expr]
    .filter(([k, v]) => !k.startsWith('?') && Math.abs(v) > 1e-9)
    .sort(([a], [b]) => (ORDER.get(a) ?? 0) - (ORDER.get(b) ?? 0))
    .map(([k, v]) => ({ counter: k as CounterName, coefficient: v, unit: decl.unit(k as CounterName) as CounterUnit }));
  if (terms.length === 0) return { ok: false, reason: `units.${name}: the formula is empty`, missing: [] };
  return {
    ok: true,
    meter: {
      name,
      terms,
      divisor,
      formula: formulaText(terms, divisor),
      counters: terms.map((t) => t.counter),
      index: terms.map((t) => COUNTER_INDEX[t.counter] as number),
      unitCodes: terms.map((t) => unitCode(t.unit as CounterUnit)),
    },
  };
}

/** The unit meter at one reading: floor(Σ coefficient × counter / divisor), or undefined when the reading lacks a counter or declares another unit. */
export function meterValue(meter: UnitMeter, r: Pick<MeterReading, 'counters' | 'units'>): number | undefined {
  let sum = 0;
  for (const t of meter.terms) {
    const v = r.counters[t.counter];
    if (v === undefined || r.units?.[t.counter] !== t.unit) return undefined;
    sum += t.coefficient * v;
  }
  return Math.floor(sum / meter.divisor);
}

/** meterValue on dense columns: counter values from `values[offset + index]`, unit codes from `units` (the hot path of a period walk). */
export function meterValueAt(meter: UnitMeter, values: Float64Array, offset: number, units: Uint8Array): number | undefined {
  const { index, unitCodes, terms } = meter;
  let sum = 0;
  for (let k = 0; k < index.length; k++) {
    const i = index[k] as number;
    const v = values[offset + i] as number;
    if (Number.isNaN(v) || units[i] !== unitCodes[k]) return undefined;
    sum += (terms[k] as FormulaTerm).coefficient * v;
  }
  return Math.floor(sum / meter.divisor);
}

/** The three unit formulas for what one reading declares. */
export function deriveUnitMeters(decl: Declarations, contract: BillingContract): Record<UnitName, Derivation> {
  return { mono: deriveUnitMeter('mono', decl, contract), color: deriveUnitMeter('color', decl, contract), scan: deriveUnitMeter('scan', decl, contract) };
}

export function sourcesOf(meter: UnitMeter, r: Pick<MeterReading, 'sources'>): Partial<Record<CounterName, string>> {
  const out: Partial<Record<CounterName, string>> = {};
  for (const c of meter.counters) {
    const s = r.sources?.[c];
    if (s !== undefined) out[c] = s;
  }
  return out;
}

function readingBoundary(r: MeterReading, value: number): Boundary {
  return { kind: 'reading', value, readingIds: [r.id] };
}

/**
 * Contract units between two readings of one device, from the counters alone: no history, no
 * estimate. The closing reading's declarations choose the formula; both readings must have its
 * counters in the same units. Not computable, with the reason, when the serial changed or a counter
 * in the formula went down: that needs the readings in between (deviceUsage splits it in segments).
 */
export function contractUnits(opening: MeterReading, closing: MeterReading, contract: BillingContract): ContractUnits {
  const decl = declarationsOf(closing);
  const out = {} as ContractUnits;
  for (const [name, derivation] of Object.entries(deriveUnitMeters(decl, contract)) as [UnitName, Derivation][]) {
    out[name] = unitsBetween(derivation, opening, closing);
  }
  return out;
}

function unitsBetween(derivation: Derivation, opening: MeterReading, closing: MeterReading): UnitFigure {
  if (!derivation.ok) return { computable: false, reason: derivation.reason, missing: derivation.missing };
  const m = derivation.meter;
  if (opening.serial !== undefined && closing.serial !== undefined && opening.serial !== closing.serial) {
    return { computable: false, reason: `units.${m.name}: the serial changed (${opening.serial} → ${closing.serial}); a replaced device is billed per segment`, missing: [] };
  }
  const a = meterValue(m, opening);
  const b = meterValue(m, closing) as number;
  if (a === undefined) {
    const lacking = m.terms.filter((t) => opening.counters[t.counter] === undefined || opening.units?.[t.counter] !== t.unit).map((t) => t.counter);
    return { computable: false, reason: `units.${m.name}: the opening reading lacks ${lacking.join(', ')} in the units the closing reading declares`, missing: lacking };
  }
  for (const c of m.counters) {
    const before = opening.counters[c] as number;
    const after = closing.counters[c] as number;
    if (after < before) return { computable: false, reason: `units.${m.name}: ${c} went down (${before} → ${after}); the readings in between must split it`, missing: [] };
  }
  return {
    computable: true,
    value: Math.max(0, b - a),
    formula: m.formula,
    terms: [...m.terms],
    sources: sourcesOf(m, closing),
    estimated: false,
    rules: [],
    opening: readingBoundary(opening, a),
    closing: readingBoundary(closing, b),
    warnings: b < a ? [`the unit meter went down (${a} → ${b}) although no counter did`] : [],
  };
}
