/**
 * One meter over one period, from one device's readings: the value at each boundary (a reading,
 * or an estimate with the rule that produced it) and the sum of the steps in between. A "meter" is
 * a single counter, or a unit meter (units.ts); the same code measures both, so the delta per
 * counter and the units agree on boundaries, breaks and estimates.
 *
 * Rules, per boundary t (from, or end = min(to, now)), with a = the last reading at or before t where
 * the meter has a value and b = the first one after t:
 * - a within boundaryToleranceHours of t: a's value ('reading');
 * - a and b, no break between: a's value when both have the same value ('unchanged', exact: nothing
 *   happened in between), else the straight line between them ('interpolation', estimated, rounded
 *   to a whole number);
 * - a and b with a break between (rollback, redefinition, replacement): 'break' — the side before
 *   ends at a, the side after starts at b; what happened in between is not billed;
 * - a only: a + trailing daily average × days ('trailing-average', estimated), the average over
 *   trailingDays up to a within a's run, over at least minHistoryDays, or not computable;
 * - b only: 'first-reading' when the device (segment) was first read after t; when it was read
 *   before t without this meter, not computable (the opening is missing, never assumed).
 * Between the boundaries a step adds (value − previous value) unless a break lies between them;
 * a step down without a break (only possible for a unit meter made of several counters) adds
 * nothing and is reported as a warning.
 */
import { MS_PER_DAY, MS_PER_HOUR, type BillingContract } from './contract.js';
import type { DeviceHistory } from './history.js';
import type { Boundary, BoundaryKind, EstimateRule } from './types.js';

/**
 * A meter over one device's history: its value at reading i (undefined: not there), and whether its
 * run breaks at i. isBreak is only asked where the history says some counter breaks (mayBreak).
 */
export interface MeterSpec {
  value(i: number): number | undefined;
  isBreak(i: number): boolean;
  /**
   * The meter never goes down within a run (a counter; a unit formula without negative terms):
   * over a stretch with no break its steps telescope to last − first, so the walk skips it in O(1).
   */
  monotone: boolean;
}

export interface WalkContext {
  h: DeviceHistory;
  contract: BillingContract;
  from: number;
  end: number;
  /** Index of the last reading at or before `from` (−1: none), and at or before `end`. */
  fromIdx: number;
  endIdx: number;
}

export type WalkResult =
  | { ok: true; delta: number; opening: Boundary; closing: Boundary; estimated: boolean; rules: EstimateRule[]; warnings: string[]; closingIdx: number }
  | { ok: false; reason: string };

interface At {
  kind: BoundaryKind | 'missing';
  value?: number;
  anchor: number;
  next: number;
  dailyAverage?: number;
  averageDays?: number;
  reason?: string;
}

const ESTIMATES = new Set<BoundaryKind | 'missing'>(['interpolation', 'trailing-average']);

function lastWithValue(spec: MeterSpec, from: number): number {
  for (let i = from; i >= 0; i--) if (spec.value(i) !== undefined) return i;
  return -1;
}

function firstWithValue(ctx: WalkContext, spec: MeterSpec, from: number): number {
  for (let i = from; i < ctx.h.n; i++) if (spec.value(i) !== undefined) return i;
  return -1;
}

function breakBetween(ctx: WalkContext, spec: MeterSpec, a: number, b: number): boolean {
  for (let j = a + 1; j <= b; j++) if (ctx.h.mayBreak(j) && spec.isBreak(j)) return true;
  return false;
}

/** The daily rate of the meter over the trailing window ending at reading a, within a's run. */
function trailingAverage(ctx: WalkContext, spec: MeterSpec, a: number): { perDay: number; days: number } | undefined {
  const t = ctx.h.times;
  const endAt = t[a] as number;
  const since = endAt - ctx.contract.trailingDays * MS_PER_DAY;
  let w = a;
  for (let j = a - 1; j >= 0; j--) {
    if ((ctx.h.mayBreak(j + 1) && spec.isBreak(j + 1)) || (t[j] as number) < since) break;
    if (spec.value(j) !== undefined) w = j;
  }
  const days = (endAt - (t[w] as number)) / MS_PER_DAY;
  if (days < ctx.contract.minHistoryDays) return undefined;
  const perDay = ((spec.value(a) as number) - (spec.value(w) as number)) / days;
  return perDay >= 0 ? { perDay, days } : undefined;
}

function boundaryAt(ctx: WalkContext, spec: MeterSpec, t: number, idx: number, side: 'opening' | 'closing'): At {
  const times = ctx.h.times;
  const a = lastWithValue(spec, idx);
  const b = firstWithValue(ctx, spec, idx + 1);
  const tolerance = ctx.contract.boundaryToleranceHours * MS_PER_HOUR;
  if (a >= 0) {
    const atA = times[a] as number;
    const va = spec.value(a) as number;
    if (t - atA <= tolerance) return { kind: 'reading', value: va, anchor: a, next: -1 };
    if (b >= 0) {
      const vb = spec.value(b) as number;
      if (vb < va || breakBetween(ctx, spec, a, b)) return { kind: 'break', anchor: a, next: b };
      if (vb === va) return { kind: 'unchanged', value: va, anchor: a, next: b };
      const value = va + Math.round(((vb - va) * (t - atA)) / ((times[b] as number) - atA));
      return { kind: 'interpolation', value, anchor: a, next: b };
    }
    const avg = trailingAverage(ctx, spec, a);
    if (!avg) {
      return {
        kind: 'missing',
        anchor: a,
        next: -1,
        reason: `no reading after ${new Date(atA).toISOString()} and less than ${ctx.contract.minHistoryDays} days of history before it to estimate the ${side} from`,
      };
    }
    const value = va + Math.round((avg.perDay * (t - atA)) / MS_PER_DAY);
    return { kind: 'trailing-average', value, anchor: a, next: -1, dailyAverage: round(avg.perDay), averageDays: round(avg.days) };
  }
  if (b < 0) return { kind: 'missing', anchor: -1, next: -1, reason: 'never read' };
  // Read before t, but not this meter: the value at t is missing, not zero.
  if (idx >= 0 && ctx.h.segs[idx] === ctx.h.segs[b]) {
    return { kind: 'missing', anchor: -1, next: b, reason: `not read at or before the period ${side === 'opening' ? 'start' : 'end'} (first read ${new Date(times[b] as number).toISOString()})` };
  }
  return { kind: 'first-reading', anchor: -1, next: b };
}

function publicBoundary(ctx: WalkContext, at: At): Boundary {
  const ids = [at.anchor, at.next].filter((i) => i >= 0).map((i) => ctx.h.id(i));
  const out: Boundary = { kind: at.kind as BoundaryKind, readingIds: ids };
  if (at.value !== undefined) out.value = at.value;
  if (at.dailyAverage !== undefined) {
    out.dailyAverage = at.dailyAverage;
    out.averageDays = at.averageDays;
  }
  return out;
}

/** Measures one meter over [from, end] (see the header for the rules). */
export function walkMeter(ctx: WalkContext, spec: MeterSpec): WalkResult {
  const close = boundaryAt(ctx, spec, ctx.end, ctx.endIdx, 'closing');
  if (close.kind === 'missing') return { ok: false, reason: close.reason as string };
  if (close.kind === 'first-reading') return { ok: false, reason: 'not read at or before the period end' };
  const open = boundaryAt(ctx, spec, ctx.from, ctx.fromIdx, 'opening');
  if (open.kind === 'missing') return { ok: false, reason: open.reason as string };

  let prev: number | undefined;
  let start: number;
  if (open.kind === 'break' || open.kind === 'first-reading') {
    start = open.next;
  } else {
    prev = open.value;
    start = open.anchor + 1;
  }
  const h = ctx.h;
  const warnings: string[] = [];
  let delta = 0;
  let broken = false;
  let i = start;
  if (spec.monotone && start <= close.anchor && !h.breaksIn(start - 1, close.anchor)) {
    // No break from the start to the closing reading: the steps add up to the difference.
    const last = spec.value(close.anchor) as number;
    if (prev === undefined) prev = spec.value(firstWithValue(ctx, spec, start));
    delta = Math.max(0, last - (prev as number));
    prev = last;
    i = close.anchor + 1;
  }
  for (; i <= close.anchor; i++) {
    if (h.mayBreak(i) && spec.isBreak(i)) broken = true;
    const v = spec.value(i);
    if (v === undefined) continue;
    if (prev !== undefined && !broken) {
      if (v >= prev) delta += v - prev;
      else warnings.push(`went down from ${prev} to ${v} at reading ${ctx.h.id(i)} without a counter rollback; that step adds nothing`);
    }
    prev = v;
    broken = false;
  }
  if ((close.kind === 'interpolation' || close.kind === 'trailing-average') && prev !== undefined) {
    delta += Math.max(0, (close.value as number) - prev);
  }
  const rules = [...new Set([open.kind, close.kind].filter((k) => ESTIMATES.has(k)))] as EstimateRule[];
  return {
    ok: true,
    delta,
    opening: publicBoundary(ctx, open),
    closing: publicBoundary(ctx, close),
    estimated: rules.length > 0,
    rules,
    warnings,
    closingIdx: close.anchor,
  };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
