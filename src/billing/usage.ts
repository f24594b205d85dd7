/**
 * Usage over a period [from, to) for one device, from its readings in time order, in one pass:
 * UsageAccumulator validates each reading as it comes (validate.ts) and keeps that device's
 * readings; finish() measures every counter and every contract unit over the period (walk.ts).
 * usageByDevice() runs it over a stream ordered by (device, time) and yields one DeviceUsage per
 * device, so a caller exporting a whole fleet holds one device's readings at a time, never all.
 *
 * What the caller passes, per device: its readings from readingWindow().since on (the trailing
 * window for averages and the idle window), and at least the first reading after `to` when there is
 * one (for interpolation); readings further on are accepted and only validated. A device with no
 * reading at or before min(to, now) has no usage in the period (finish() returns undefined).
 *
 * Replacement and rollback inside a period: a replacement starts a new segment (its own formula,
 * from its own declarations); the usage is the old device's up to its last reading plus the new
 * device's from its first. A rollback breaks the counters concerned the same way. No delta is ever
 * negative, and readings are never altered.
 */
import { MeterboxError } from '../contract/errors.js';
import type { CounterName } from '../contract/reading.js';
import { DEFAULT_CONTRACT, MS_PER_DAY, MS_PER_HOUR, type BillingContract } from './contract.js';
import type {
  BillingEvent,
  BillingPeriod,
  ContractUnits,
  CounterUsage,
  DeviceMeterReading,
  DeviceSegment,
  DeviceUsage,
  MeterReading,
  ReadingRef,
  UnitFigure,
  UnitName,
  UsageFlag,
} from './types.js';
import { BILLING_EVENT_KINDS } from '../contract/events.js';
import { UNIT_NAMES } from './types.js';
import { COUNTER_COUNT as N, COUNTER_INDEX, counterAt, unitName } from './dense.js';
import { DeviceHistory, type ReadingView } from './history.js';
import { deriveUnitMeters, meterValueAt, sourcesOf, type Declarations, type Derivation, type UnitMeter } from './units.js';
import { DeviceValidator } from './validate.js';
import { walkMeter, type MeterSpec, type WalkContext } from './walk.js';

export interface UsageOptions {
  /** Defaults to the contract of issue 12. */
  contract?: BillingContract;
  /** The present, epoch ms: a period that has not ended is measured up to it. The core reads no clock. */
  now: number;
}

export interface DeviceUsageOptions extends UsageOptions {
  /** The device's rated speed (pages per minute), for the device-speed spike rule. */
  speedPpm?: number;
}

export interface FleetUsageOptions extends UsageOptions {
  /** The rated speed of a device (pages per minute), when known. */
  speedPpm?: (deviceKey: string) => number | undefined;
}

/** The readings a caller should pass for a period: every reading at or after `since`, per device. */
export function readingWindow(period: BillingPeriod, contract: BillingContract = DEFAULT_CONTRACT): { since: number } {
  const days = Math.max(contract.trailingDays + 1, contract.idleDays);
  return { since: period.from - days * MS_PER_DAY };
}

const iso = (ms: number) => new Date(ms).toISOString();

function checkPeriod(period: BillingPeriod, now: number): void {
  const { from, to } = period;
  if (!Number.isFinite(from) || !Number.isFinite(to) || from >= to) {
    throw new MeterboxError('MBX_BILLING_INPUT', `a billing period needs from < to (got ${String(from)} .. ${String(to)})`, { from, to });
  }
  if (!Number.isFinite(now) || now <= from) {
    throw new MeterboxError('MBX_BILLING_INPUT', `the period starting ${iso(from)} has not started at now = ${Number.isFinite(now) ? iso(now) : String(now)}`, { from, now });
  }
}

/** Collects one device's readings (time order), validating each, and measures the period. */
export class UsageAccumulator {
  private readonly validator: DeviceValidator;
  private readonly h: DeviceHistory;
  private readonly contract: BillingContract;
  private readonly end: number;
  private seg = 0;
  private finished = false;

  constructor(
    readonly deviceKey: string,
    private readonly period: BillingPeriod,
    private readonly options: DeviceUsageOptions,
    /** A history to reuse (emptied here); usageByDevice passes the previous device's. */
    history?: DeviceHistory,
  ) {
    checkPeriod(period, options.now);
    this.h = history ?? new DeviceHistory();
    this.h.reset();
    this.contract = options.contract ?? DEFAULT_CONTRACT;
    this.end = Math.min(period.to, options.now);
    this.validator = new DeviceValidator(deviceKey, this.contract, { speedPpm: options.speedPpm });
  }

  push(r: MeterReading): void {
    if (this.finished) throw new MeterboxError('MBX_BILLING_INPUT', `${this.deviceKey}: reading ${r.id} pushed after finish()`, { deviceKey: this.deviceKey });
    const check = this.validator.check(r);
    if (check.replaced) this.seg++;
    this.h.push(r, check, this.seg, this.h.n === 0);
  }

  /** The usage over the period, or undefined when the device was not read at or before its end. */
  finish(): DeviceUsage | undefined {
    this.finished = true;
    const h = this.h;
    const { from, to } = this.period;
    const end = this.end;
    const endIdx = h.lastAtOrBefore(end);
    if (endIdx < 0) return undefined;
    const fromIdx = h.lastAtOrBefore(from);
    const ctx: WalkContext = { h, contract: this.contract, from, end, fromIdx, endIdx };
    const firstIdx = Math.max(fromIdx, 0);

    const counters = this.counterUsage(ctx, firstIdx);
    const units = this.unitUsage(ctx, firstIdx);
    const segments = this.segments(firstIdx, endIdx);
    const events = this.periodEvents(ctx);

    const estimated = UNIT_NAMES.some((u) => units[u].computable && units[u].estimated) || Object.values(counters).some((c) => c.estimated);
    const flags = new Set<UsageFlag>();
    if (estimated) flags.add('estimated');
    if (UNIT_NAMES.some((u) => !units[u].computable)) flags.add('not-computable');
    if (fromIdx < 0) flags.add('first-reading');
    if (to > this.options.now) flags.add('open-period');
    for (const k of BILLING_EVENT_KINDS) if (events.some((e) => e.kind === k)) flags.add(k);

    const closing = h.reading(endIdx);
    return {
      deviceKey: this.deviceKey,
      ...(closing.serial !== undefined ? { serial: closing.serial } : {}),
      period: { from: iso(from), to: iso(to), end: iso(end), open: to > this.options.now },
      ...(fromIdx >= 0 ? { opening: ref(h.reading(fromIdx)) } : {}),
      closing: ref(closing),
      counters,
      units,
      segments,
      estimated,
      flags: [...flags],
      events,
    };
  }

  private counterUsage(ctx: WalkContext, firstIdx: number): Partial<Record<CounterName, CounterUsage>> {
    const h = this.h;
    // The counters the device reported at the opening, at the closing and where a new device started.
    let present = (h.masks[firstIdx] as number) | (h.masks[ctx.endIdx] as number);
    for (let j = firstIdx + 1; j <= ctx.endIdx; j++) if (h.segStart(j)) present |= h.masks[j] as number;

    const out: Partial<Record<CounterName, CounterUsage>> = {};
    for (let i = 0; i < N; i++) {
      if ((present & (1 << i)) === 0) continue;
      const c = counterAt(i);
      const values = h.values;
      const spec: MeterSpec = {
        value: (j) => {
          const x = values[j * N + i] as number;
          return Number.isNaN(x) ? undefined : x;
        },
        isBreak: (j) => h.segStart(j) || (h.breaks.get(j)?.includes(c) ?? false),
        monotone: true,
      };
      const w = walkMeter(ctx, spec);
      if (!w.ok) continue;
      const usage: CounterUsage = { opening: w.opening, closing: w.closing, delta: w.delta, estimated: w.estimated, rules: w.rules };
      const source = h.reading(w.closingIdx).sources?.[c];
      if (source !== undefined) usage.source = source;
      out[c] = usage;
    }
    return out;
  }

  /**
   * One formula per physical device (segment) and unit, from the counters and units that device
   * reported over all its readings up to the first one after the period end: not from one reading,
   * so that a partial read cannot change the formula, and two periods of one history get the same one
   * (their boundary values then agree).
   */
  private derivations(ctx: WalkContext, firstIdx: number): Map<number, Record<UnitName, Derivation>> {
    const h = this.h;
    const bySeg = new Map<number, Record<UnitName, Derivation>>();
    const upTo = Math.min(ctx.endIdx + 1, h.n - 1);
    let seg = -1;
    for (let i = firstIdx; i <= ctx.endIdx; i++) {
      if (h.segs[i] === seg) continue;
      seg = h.segs[i] as number;
      bySeg.set(seg, deriveUnitMeters(segmentDeclarations(h, seg, i, upTo), this.contract));
    }
    return bySeg;
  }

  private unitUsage(ctx: WalkContext, firstIdx: number): ContractUnits {
    const bySeg = this.derivations(ctx, firstIdx);
    const multi = bySeg.size > 1;
    const out = {} as ContractUnits;
    for (const u of UNIT_NAMES) {
      const meters = new Map<number, UnitMeter>();
      const failures: string[] = [];
      const missing = new Set<CounterName>();
      for (const [seg, d] of bySeg) {
        const dv = d[u];
        if (dv.ok) meters.set(seg, dv.meter);
        else {
          failures.push(multi ? `${this.segmentName(seg)}: ${dv.reason}` : dv.reason);
          dv.missing.forEach((c) => missing.add(c));
        }
      }
      out[u] = failures.length > 0 ? { computable: false, reason: failures.join(' | '), missing: [...missing] } : this.measureUnit(ctx, u, meters);
    }
    return out;
  }

  private measureUnit(ctx: WalkContext, u: UnitName, meters: Map<number, UnitMeter>): UnitFigure {
    const h = this.h;
    const values = h.values;
    const spec: MeterSpec = {
      value: (j) => {
        const m = meters.get(h.segs[j] as number);
        return m ? meterValueAt(m, values, j * N, h.units[j] as Uint8Array) : undefined;
      },
      isBreak: (j) => {
        if (h.segStart(j)) return true;
        const b = h.breaks.get(j);
        const m = meters.get(h.segs[j] as number);
        return b !== undefined && m !== undefined && m.counters.some((c) => b.includes(c));
      },
      monotone: [...meters.values()].every((m) => m.terms.every((t) => t.coefficient >= 0)),
    };
    const w = walkMeter(ctx, spec);
    if (!w.ok) {
      const counters = [...new Set([...meters.values()].flatMap((m) => m.counters))];
      return { computable: false, reason: `units.${u}: ${counters.join(', ')}: ${w.reason}`, missing: counters };
    }
    const closingMeter = meters.get(h.segs[w.closingIdx] as number) as UnitMeter;
    const formulas = [...new Set([...meters.values()].map((m) => m.formula))];
    return {
      computable: true,
      value: w.delta,
      formula: formulas.join(' | '),
      terms: [...closingMeter.terms],
      sources: sourcesOf(closingMeter, h.reading(w.closingIdx)),
      estimated: w.estimated,
      rules: w.rules,
      opening: w.opening,
      closing: w.closing,
      warnings: w.warnings,
    };
  }

  private segmentName(seg: number): string {
    const h = this.h;
    for (let i = 0; i < h.n; i++) {
      if (h.segs[i] !== seg) continue;
      const serial = h.reading(i).serial;
      return serial !== undefined ? `device ${serial}` : `device segment ${seg + 1}`;
    }
    return `device segment ${seg + 1}`;
  }

  private segments(firstIdx: number, endIdx: number): DeviceSegment[] {
    const h = this.h;
    const out: DeviceSegment[] = [];
    let start = firstIdx;
    for (let i = firstIdx + 1; i <= endIdx + 1; i++) {
      if (i <= endIdx && h.segs[i] === h.segs[start]) continue;
      const first = h.reading(start);
      const last = h.reading(i - 1);
      const serial = last.serial ?? first.serial;
      const cause = h.causes.get(start);
      out.push({ ...(serial !== undefined ? { serial } : {}), first: ref(first), last: ref(last), ...(cause && out.length > 0 ? { cause } : {}) });
      start = i;
    }
    return out;
  }

  /** The events of the readings in (from, end], plus a gap or idleness that runs to the end. */
  private periodEvents(ctx: WalkContext): BillingEvent[] {
    const h = this.h;
    const events: BillingEvent[] = [];
    for (const [i, e] of h.events) if (i > ctx.fromIdx && i <= ctx.endIdx) events.push(...e);
    events.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
    const last = h.reading(ctx.endIdx);
    const c = this.contract;
    const silentMs = ctx.end - last.at;
    if (silentMs > c.gapHours * MS_PER_HOUR) {
      const next = ctx.endIdx + 1 < h.n ? h.reading(ctx.endIdx + 1) : undefined;
      const hours = round(silentMs / MS_PER_HOUR);
      events.push({
        kind: 'reading.gap',
        deviceKey: this.deviceKey,
        at: iso(ctx.end),
        readingIds: [last.id],
        severity: 'warning',
        message: `${this.deviceKey}: no reading for the last ${hours} h of the period (since ${iso(last.at)}); the gap window is ${c.gapHours} h`,
        evidence: { previousReadingId: last.id, previousAt: iso(last.at), ...(next ? { nextReadingId: next.id } : {}), until: iso(ctx.end), hours, windowHours: c.gapHours },
      });
    }
    if (!events.some((x) => x.kind === 'device.idle')) {
      let p = ctx.endIdx;
      while (p > 0 && !h.page(p)) p--;
      const page = h.reading(p);
      const idleMs = last.at - page.at;
      if (idleMs >= c.idleDays * MS_PER_DAY) {
        const idleDays = round(idleMs / MS_PER_DAY);
        events.push({
          kind: 'device.idle',
          deviceKey: this.deviceKey,
          at: iso(ctx.end),
          readingIds: [page.id, last.id],
          severity: 'info',
          message: `${this.deviceKey}: no printed page for ${idleDays} days up to the period end (since ${iso(page.at)}); the contract's idle window is ${c.idleDays} days`,
          evidence: { lastPageReadingId: page.id, lastPageAt: iso(page.at), idleDays, windowDays: c.idleDays },
        });
      }
    }
    return events;
  }
}

/** The counters a device segment reported from index `from` back to its start and on to `upTo`, each with its latest declared unit. */
function segmentDeclarations(h: DeviceHistory, seg: number, from: number, upTo: number): Declarations {
  let first = from;
  while (first > 0 && h.segs[first - 1] === seg) first--;
  const unit = new Uint8Array(N);
  let seen = 0;
  for (let j = upTo; j >= first; j--) {
    const fresh = (h.masks[j] as number) & ~seen;
    if (fresh === 0 || h.segs[j] !== seg) continue;
    seen |= fresh;
    const row = h.units[j] as Uint8Array;
    for (let i = 0; i < N; i++) if (fresh & (1 << i)) unit[i] = row[i] as number;
  }
  const bit = (c: CounterName) => 1 << (COUNTER_INDEX[c] as number);
  return { has: (c) => (seen & bit(c)) !== 0, unit: (c) => unitName(unit[COUNTER_INDEX[c] as number] as number) };
}

function ref(r: ReadingView): ReadingRef {
  return { id: r.id, at: iso(r.at), ...(r.serial !== undefined ? { serial: r.serial } : {}) };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

/** The usage of one device from its readings (time order). */
export function deviceUsage(deviceKey: string, readings: Iterable<MeterReading>, period: BillingPeriod, options: DeviceUsageOptions): DeviceUsage | undefined {
  const acc = new UsageAccumulator(deviceKey, period, options);
  for (const r of readings) acc.push(r);
  return acc.finish();
}

/** Groups a stream ordered by (device, time) into one accumulator per device. */
class FleetGrouper {
  private acc?: UsageAccumulator;
  private readonly seen = new Set<string>();
  private readonly history = new DeviceHistory();

  constructor(
    private readonly period: BillingPeriod,
    private readonly options: FleetUsageOptions,
  ) {
    checkPeriod(period, options.now);
  }

  /** Feeds one reading; returns the usage of the previous device when this one starts another. */
  push(r: DeviceMeterReading): DeviceUsage | undefined {
    let done: DeviceUsage | undefined;
    if (!this.acc || this.acc.deviceKey !== r.deviceKey) {
      done = this.acc?.finish();
      if (this.seen.has(r.deviceKey)) {
        throw new MeterboxError('MBX_BILLING_INPUT', `readings of ${r.deviceKey} come again after other devices: the stream must be ordered by (device, time)`, { deviceKey: r.deviceKey });
      }
      this.seen.add(r.deviceKey);
      this.acc = new UsageAccumulator(r.deviceKey, this.period, { contract: this.options.contract, now: this.options.now, speedPpm: this.options.speedPpm?.(r.deviceKey) }, this.history);
    }
    this.acc.push(r);
    return done;
  }

  finish(): DeviceUsage | undefined {
    return this.acc?.finish();
  }
}

/**
 * The usage of every device in a stream ordered by (device, time), one device at a time: the
 * memory is one device's readings, whatever the fleet. Devices with no reading up to the period
 * end are skipped.
 */
export function* usageByDevice(readings: Iterable<DeviceMeterReading>, period: BillingPeriod, options: FleetUsageOptions): Generator<DeviceUsage> {
  const g = new FleetGrouper(period, options);
  for (const r of readings) {
    const u = g.push(r);
    if (u) yield u;
  }
  const last = g.finish();
  if (last) yield last;
}

/** usageByDevice for an asynchronous stream (a database cursor). */
export async function* usageByDeviceAsync(readings: AsyncIterable<DeviceMeterReading>, period: BillingPeriod, options: FleetUsageOptions): AsyncGenerator<DeviceUsage> {
  const g = new FleetGrouper(period, options);
  for await (const r of readings) {
    const u = g.push(r);
    if (u) yield u;
  }
  const last = g.finish();
  if (last) yield last;
}
