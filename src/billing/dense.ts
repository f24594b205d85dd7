/**
 * A reading's counters and units as dense arrays indexed by the counter vocabulary, built once per
 * reading: the validator and the period walks read them millions of times in an export, and a
 * lookup by a varying property name is what made them slow (measured: ~4 µs a reading before, see
 * notes/issue-12a.md).
 */
import { COUNTER_NAMES, COUNTER_UNITS, type CounterName, type CounterUnit } from '../contract/reading.js';
import type { MeterReading } from './types.js';

export const COUNTER_COUNT = COUNTER_NAMES.length;
/** COUNTER_NAMES index of each counter name. */
export const COUNTER_INDEX: Readonly<Record<string, number | undefined>> = Object.freeze(Object.fromEntries(COUNTER_NAMES.map((c, i) => [c, i])));
/** 0 = no declared unit, then 1 + the index in COUNTER_UNITS. */
const UNIT_CODE: Readonly<Record<string, number | undefined>> = Object.freeze(Object.fromEntries(COUNTER_UNITS.map((u, i) => [u, i + 1])));

export function unitCode(unit: CounterUnit | undefined): number {
  return unit === undefined ? 0 : (UNIT_CODE[unit] ?? 0);
}

const NO_UNITS = new Uint8Array(COUNTER_COUNT);

/**
 * Writes a reading's counters into `out` (NaN where absent) and returns its unit codes: the
 * previous row itself when the reading declares the same units (the same object, or the same
 * content), so that a device's readings share one row. Rows returned are never modified.
 */
export function densify(r: MeterReading, out: Float64Array, previous: MeterReading | undefined, previousUnits: Uint8Array): Uint8Array {
  out.fill(NaN);
  const counters = r.counters as Record<string, number | undefined>;
  for (const k in counters) {
    const i = COUNTER_INDEX[k];
    const x = counters[k];
    if (i !== undefined && x !== undefined) out[i] = x;
  }
  const units = r.units as Record<string, CounterUnit | undefined> | undefined;
  if (units === undefined) return NO_UNITS;
  if (previous !== undefined && previous.units === units) return previousUnits;
  const row = new Uint8Array(COUNTER_COUNT);
  for (const k in units) {
    const i = COUNTER_INDEX[k];
    if (i !== undefined) row[i] = unitCode(units[k]);
  }
  for (let i = 0; i < COUNTER_COUNT; i++) if (row[i] !== previousUnits[i]) return row;
  return previousUnits;
}

export function unitName(code: number): CounterUnit | undefined {
  return code === 0 ? undefined : COUNTER_UNITS[code - 1];
}

export function counterAt(i: number): CounterName {
  return COUNTER_NAMES[i] as CounterName;
}
