/**
 * Validation of each new reading against its device's history, in one pass: feed the readings of
 * one device (or billing position) in time order; each check() returns the events that reading
 * raises, with their evidence. Readings are never altered: validation only flags, and tells the
 * usage computation where a counter's run breaks (a rollback, a redefinition) and where a new
 * physical device starts (a replacement), so that no delta is ever taken across them.
 *
 * The rules (thresholds from the BillingContract):
 * - counter.rollback: a counter is lower than at the previous reading that had it.
 * - counter.redefined: the OID or the declared unit behind a counter changed; values on either side
 *   are not comparable.
 * - device.replaced: the serial changed, or every counter that stood above restartNearZero is now at
 *   or below it (a new device, or a new controller, counts from near zero). It replaces the rollback
 *   events it explains, and every counter starts a new run.
 * - counter.spike, for total, mono, color and scan:
 *   trailing-average: the volume over the last day (from the last reading at least a day old) is above
 *   days × max(factor × trailing daily average, minDailyVolume), the average taken over trailingDays
 *   before that day, within the counter's current run and over at least minHistoryDays. Raised once
 *   per episode: it re-arms when the volume falls back under the limit.
 *   device-speed (when the caller knows the speed, pages per minute; printed counters only): a step
 *   above speed × (elapsed minutes + speedSlackMinutes).
 * - device.idle: no printed counter went up for idleDays, measured from the first reading that showed
 *   the counters as they still are. Raised once per idle episode.
 * - reading.gap: more than gapHours since the previous reading.
 * Memory: the trailing window only (trailingDays + 1 day of readings), one device at a time.
 */
import { MeterboxError } from '../contract/errors.js';
import { COUNTER_NAMES, type CounterName } from '../contract/reading.js';
import { MS_PER_DAY, MS_PER_HOUR, type BillingContract } from './contract.js';
import { COUNTER_COUNT as N, COUNTER_INDEX, counterAt, densify, unitName } from './dense.js';
import type { BillingEvent, MeterReading, ReplacedEvent } from './types.js';

/** The counters the spike rules watch: the output totals and the scans. */
export const SPIKE_COUNTERS: readonly CounterName[] = ['total', 'mono', 'color', 'scan'];
const SCAN_COUNTERS = new Set<CounterName>(['scan', 'scanCopy', 'scanSend', 'scanFax']);
/** Counters of printed output: a rise of any of them is a printed page (for device.idle and the speed rule). */
export const PRINTED_COUNTERS: readonly CounterName[] = COUNTER_NAMES.filter((c) => !SCAN_COUNTERS.has(c));
const IS_PRINTED = COUNTER_NAMES.map((c) => !SCAN_COUNTERS.has(c));
const SPIKE_INDEX = SPIKE_COUNTERS.map((c) => COUNTER_INDEX[c] as number);
const SPEED_CHECKED = COUNTER_NAMES.map((c) => SPIKE_COUNTERS.includes(c) && !SCAN_COUNTERS.has(c));

export interface ValidatorOptions {
  /** The device's rated speed in pages per minute, when known: enables the device-speed spike rule. */
  speedPpm?: number;
}

/** What one reading did to the device's history, beyond its events. */
export interface ReadingCheck {
  events: readonly BillingEvent[];
  /** Set when this reading is the first of a new physical device. */
  replaced?: ReplacedEvent['evidence']['cause'];
  /** Counters whose run breaks at this reading (rollback or redefinition); all of them on a replacement. */
  breaks?: CounterName[];
  /** A printed counter went up since the previous reading. */
  printed: boolean;
  /**
   * The reading's counters by COUNTER_NAMES index (NaN: absent). A scratch array, overwritten by
   * the next check(): copy it to keep it.
   */
  values: Float64Array;
  /** Its declared unit codes by index (dense.ts); shared between readings that declare the same. Do not modify. */
  units: Uint8Array;
  /** Bit i set: the reading has counter i. */
  mask: number;
}

const S = SPIKE_COUNTERS.length;
/** Readings the trailing window has room for at first (it grows by doubling). */
const WINDOW_START = 8;

const iso = (ms: number) => new Date(ms).toISOString();
const NO_EVENTS: readonly BillingEvent[] = Object.freeze([]);

export class DeviceValidator {
  // The last reading of each counter, by COUNTER_NAMES index (NaN: never seen in this device's run).
  private value = new Float64Array(N).fill(NaN);
  private readonly valueAt = new Float64Array(N);
  private readonly valueId: string[] = new Array<string>(N).fill('');
  private readonly source: (string | undefined)[] = new Array<string | undefined>(N);
  private readonly unit = new Uint8Array(N);
  /** When each counter's current run began (its first reading, or its last break). */
  private readonly runStart = new Float64Array(N);
  private prev?: MeterReading;
  private readonly cur = new Float64Array(N);
  private curUnits: Uint8Array = new Uint8Array(N);
  private mask = 0;
  private serial?: string;
  private lastPage?: { id: string; at: number };
  private idleRaised = false;
  private readonly inSpike = new Set<number>();
  // The trailing window, oldest first from `head` to `len`: times, ids, and the SPIKE_COUNTERS' values.
  // It starts small and doubles as readings come (hold()): the box keeps one validator per device,
  // and 256 slots from the start were 10 KiB of malloc per device (10 MiB for 1,000 devices)
  // before a single day of history existed.
  private wAt = new Float64Array(WINDOW_START);
  private wId: string[] = [];
  private wV = new Float64Array(WINDOW_START * S);
  private head = 0;
  private len = 0;
  /** Window index of the last reading at least a day older than the newest one (the base of the day's volume). */
  private dayBase = -1;
  /** Window index of the first reading at or after dayBase's time − trailingDays (the start of the average). */
  private trailStart = 0;
  private readonly gapMs: number;
  private readonly idleMs: number;
  private readonly keepMs: number;

  constructor(
    readonly deviceKey: string,
    private readonly contract: BillingContract,
    private readonly options: ValidatorOptions = {},
  ) {
    this.gapMs = contract.gapHours * MS_PER_HOUR;
    this.idleMs = contract.idleDays * MS_PER_DAY;
    this.keepMs = (contract.trailingDays + 1) * MS_PER_DAY;
  }

  /** Checks the next reading of this device (time order) and records it as history. */
  check(r: MeterReading): ReadingCheck {
    const prev = this.prev;
    if (!Number.isFinite(r.at)) throw new MeterboxError('MBX_BILLING_INPUT', `${this.deviceKey}: reading ${r.id} has no valid time`, { deviceKey: this.deviceKey, readingId: r.id });
    if (prev && r.at < prev.at) {
      throw new MeterboxError('MBX_BILLING_INPUT', `${this.deviceKey}: reading ${r.id} (${iso(r.at)}) comes after ${prev.id} (${iso(prev.at)}): readings must be in time order`, {
        deviceKey: this.deviceKey,
        readingId: r.id,
      });
    }
    const v = this.cur;
    const prevUnits = this.curUnits;
    this.curUnits = densify(r, v, prev, prevUnits);
    let events: BillingEvent[] | undefined;
    if (prev && r.at - prev.at > this.gapMs) (events ??= []).push(this.gap(prev, r));

    const replaced = prev ? this.replacement(prev, r, v) : undefined;
    let breaks: CounterName[] | undefined;
    let printed = false;
    if (replaced) {
      (events ??= []).push(replaced);
      breaks = COUNTER_NAMES.filter((_, i) => !Number.isNaN(v[i]));
      this.startOver();
    } else {
      const sourcesChanged = r.sources !== undefined && r.sources !== prev?.sources;
      // Readings that share their sources and units objects with the previous one cannot redefine a counter.
      const mayRedefine = sourcesChanged || this.curUnits !== prevUnits;
      for (let i = 0; i < N; i++) {
        const x = v[i] as number;
        const was = this.value[i] as number;
        if (Number.isNaN(x) || Number.isNaN(was)) continue;
        const redefined = mayRedefine ? this.redefinition(i, r, sourcesChanged) : undefined;
        if (redefined) {
          (events ??= []).push(redefined);
          (breaks ??= []).push(counterAt(i));
        } else if (x < was) {
          const c = counterAt(i);
          (events ??= []).push(
            this.event(r, [this.valueId[i] as string, r.id], 'warning', `${c} went down from ${was} to ${x}`, { kind: 'counter.rollback', evidence: { counter: c, previous: was, current: x } }),
          );
          (breaks ??= []).push(c);
        } else if (x > was) {
          if (IS_PRINTED[i]) printed = true;
          if (SPEED_CHECKED[i] && this.options.speedPpm !== undefined) {
            const spike = this.speedSpike(i, r, x);
            if (spike) (events ??= []).push(spike);
          }
        }
      }
      const spikes = this.averageSpikes(r, v, breaks);
      if (spikes) (events ??= []).push(...spikes);
    }

    this.remember(r, breaks);
    const idle = this.idle(r, printed || replaced !== undefined || !prev);
    if (idle) (events ??= []).push(idle);
    this.prev = r;
    if (r.serial !== undefined) this.serial = r.serial;
    return { events: events ?? NO_EVENTS, replaced: replaced?.evidence.cause, breaks, printed, values: v, units: this.curUnits, mask: this.mask };
  }

  // ---------------------------------------------------------------- rules

  private replacement(prev: MeterReading, r: MeterReading, v: Float64Array): ReplacedEvent | undefined {
    const serialChanged = this.serial !== undefined && r.serial !== undefined && r.serial !== this.serial;
    const nearZero = this.contract.restartNearZero;
    if (!serialChanged && !this.restartedNearZero(v)) return undefined;
    const shared: ReplacedEvent['evidence']['counters'] = [];
    for (let i = 0; i < N; i++) {
      if (!Number.isNaN(v[i] as number) && !Number.isNaN(this.value[i] as number)) shared.push({ counter: counterAt(i), previous: this.value[i] as number, current: v[i] as number });
    }
    const above = shared.filter((s) => s.previous > nearZero);
    const cause = serialChanged ? 'serial-changed' : 'restart-near-zero';
    const message = serialChanged
      ? `serial changed from ${this.serial} to ${r.serial}: a new device from this reading on`
      : `counters restarted near zero (${above.map((s) => `${s.counter} ${s.previous} → ${s.current}`).join(', ')}): a new device from this reading on`;
    return this.event<ReplacedEvent>(r, [prev.id, r.id], 'warning', message, {
      kind: 'device.replaced',
      evidence: { cause, previousSerial: this.serial, serial: r.serial, counters: shared, ...(serialChanged ? {} : { nearZero }) },
    });
  }

  /** Every counter that stood above the threshold is now at or below it (and there was one). */
  private restartedNearZero(v: Float64Array): boolean {
    const nearZero = this.contract.restartNearZero;
    let above = false;
    for (let i = 0; i < N; i++) {
      const was = this.value[i] as number;
      const x = v[i] as number;
      // NaN compares false: counters missing on either side are skipped.
      if (!(was > nearZero) || Number.isNaN(x)) continue;
      if (x > nearZero) return false;
      above = true;
    }
    return above;
  }

  private redefinition(i: number, r: MeterReading, sourcesChanged: boolean): BillingEvent | undefined {
    const c = counterAt(i);
    const wasSource = this.source[i];
    const source = sourcesChanged ? r.sources?.[c] : wasSource;
    const sourceChanged = source !== undefined && wasSource !== undefined && source !== wasSource;
    // A unit declared where none was is a newer profile describing the same counter, not a change.
    const unit = this.curUnits[i] as number;
    const wasUnit = this.unit[i] as number;
    const unitChanged = unit !== 0 && wasUnit !== 0 && unit !== wasUnit;
    if (!sourceChanged && !unitChanged) return undefined;
    const what = [sourceChanged ? `OID ${wasSource} → ${source}` : '', unitChanged ? `unit ${unitName(wasUnit)} → ${unitName(unit)}` : ''].filter(Boolean).join(', ');
    return this.event(r, [this.valueId[i] as string, r.id], 'warning', `${c} was redefined (${what}): no delta is taken across this reading`, {
      kind: 'counter.redefined',
      evidence: { counter: c, previousSource: wasSource, source, previousUnit: unitName(wasUnit), unit: unitName(unit) },
    });
  }

  private speedSpike(i: number, r: MeterReading, x: number): BillingEvent | undefined {
    const ppm = this.options.speedPpm as number;
    const minutes = (r.at - (this.valueAt[i] as number)) / 60_000;
    const slack = this.contract.spike.speedSlackMinutes;
    const limit = ppm * (minutes + slack);
    const volume = x - (this.value[i] as number);
    if (volume <= limit) return undefined;
    const c = counterAt(i);
    return this.event(r, [this.valueId[i] as string, r.id], 'warning', `${c} rose by ${volume} in ${round(minutes)} min, more than ${ppm} pages/min allows (${round(limit)})`, {
      kind: 'counter.spike',
      evidence: { rule: 'device-speed', counter: c, volume, minutes: round(minutes), speedPpm: ppm, slackMinutes: slack, limit: round(limit) },
    });
  }

  private averageSpikes(r: MeterReading, v: Float64Array, breaks: CounterName[] | undefined): BillingEvent[] | undefined {
    const dayAgo = r.at - MS_PER_DAY;
    if (this.dayBase < this.head) this.dayBase = this.head - 1;
    while (this.dayBase + 1 < this.len && (this.wAt[this.dayBase + 1] as number) <= dayAgo) this.dayBase++;
    if (this.dayBase < this.head) return undefined;
    const base = this.dayBase;
    const baseAt = this.wAt[base] as number;
    const since = baseAt - this.contract.trailingDays * MS_PER_DAY;
    if (this.trailStart < this.head) this.trailStart = this.head;
    while (this.trailStart < base && (this.wAt[this.trailStart] as number) < since) this.trailStart++;
    const { factor, minDailyVolume } = this.contract.spike;
    let out: BillingEvent[] | undefined;
    for (let k = 0; k < S; k++) {
      const i = SPIKE_INDEX[k] as number;
      const x = v[i] as number;
      const b = this.wV[base * S + k] as number;
      // NaN (a counter missing on either side) fails every comparison here and is skipped.
      if (!(x >= b) || baseAt < (this.runStart[i] as number) || (breaks !== undefined && breaks.includes(counterAt(i)))) continue;
      const first = this.firstInRun(k, this.runStart[i] as number, base);
      const averageDays = first >= 0 ? (baseAt - (this.wAt[first] as number)) / MS_PER_DAY : 0;
      if (first < 0 || averageDays < this.contract.minHistoryDays) {
        this.inSpike.delete(i);
        continue;
      }
      const dailyAverage = (b - (this.wV[first * S + k] as number)) / averageDays;
      const days = (r.at - baseAt) / MS_PER_DAY;
      const limit = days * Math.max(factor * dailyAverage, minDailyVolume);
      const volume = x - b;
      if (volume <= limit) {
        this.inSpike.delete(i);
        continue;
      }
      if (this.inSpike.has(i)) continue;
      this.inSpike.add(i);
      const c = counterAt(i);
      (out ??= []).push(
        this.event(r, [this.wId[first] as string, this.wId[base] as string, r.id], 'warning', `${c}: ${volume} pages in ${round(days)} day(s), above ${round(limit)} (${factor} × the trailing average of ${round(dailyAverage)}/day, at least ${minDailyVolume}/day)`, {
          kind: 'counter.spike',
          evidence: { rule: 'trailing-average', counter: c, volume, days: round(days), dailyAverage: round(dailyAverage), averageDays: round(averageDays), factor, minDailyVolume, limit: round(limit) },
        }),
      );
    }
    return out;
  }

  /** The window index of the oldest reading of the trailing window, at or after `runStart` and before `until`, that has spike counter k; −1 if none. */
  private firstInRun(k: number, runStart: number, until: number): number {
    let lo = this.trailStart;
    if ((this.wAt[lo] as number) < runStart) {
      // The counter's run began inside the window (a rollback): search for its start.
      let hi = until;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((this.wAt[mid] as number) < runStart) lo = mid + 1;
        else hi = mid;
      }
    }
    for (let j = lo; j < until; j++) if (!Number.isNaN(this.wV[j * S + k] as number)) return j;
    return -1;
  }

  private idle(r: MeterReading, page: boolean): BillingEvent | undefined {
    if (page || !this.lastPage) {
      this.lastPage = { id: r.id, at: r.at };
      this.idleRaised = false;
      return undefined;
    }
    const idleMs = r.at - this.lastPage.at;
    if (this.idleRaised || idleMs < this.idleMs) return undefined;
    this.idleRaised = true;
    const idleDays = round(idleMs / MS_PER_DAY);
    return this.event(r, [this.lastPage.id, r.id], 'info', `no printed page for ${idleDays} days (since ${iso(this.lastPage.at)}); the contract's idle window is ${this.contract.idleDays} days`, {
      kind: 'device.idle',
      evidence: { lastPageReadingId: this.lastPage.id, lastPageAt: iso(this.lastPage.at), idleDays, windowDays: this.contract.idleDays },
    });
  }

  private gap(prev: MeterReading, r: MeterReading): BillingEvent {
    const hours = round((r.at - prev.at) / MS_PER_HOUR);
    return this.event(r, [prev.id, r.id], 'warning', `no reading for ${hours} h (${iso(prev.at)} to ${iso(r.at)}); the gap window is ${this.contract.gapHours} h`, {
      kind: 'reading.gap',
      evidence: { previousReadingId: prev.id, previousAt: iso(prev.at), nextReadingId: r.id, until: iso(r.at), hours, windowHours: this.contract.gapHours },
    });
  }

  private event<E extends BillingEvent>(r: MeterReading, readingIds: string[], severity: E['severity'], message: string, body: Pick<E, 'kind' | 'evidence'>): E {
    return { kind: body.kind, deviceKey: this.deviceKey, at: iso(r.at), readingIds, severity, message: `${this.deviceKey}: ${message}`, evidence: body.evidence } as E;
  }

  // ---------------------------------------------------------------- history

  private startOver(): void {
    // A new device: nothing of the old one's counters, OIDs or units carries over.
    this.value = new Float64Array(N).fill(NaN);
    this.source.fill(undefined);
    this.unit.fill(0);
    this.inSpike.clear();
    this.head = 0;
    this.len = 0;
    this.dayBase = -1;
    this.trailStart = 0;
  }

  private remember(r: MeterReading, breaks: CounterName[] | undefined): void {
    const v = this.cur;
    const sourcesChanged = r.sources !== undefined && r.sources !== this.prev?.sources;
    let mask = 0;
    for (let i = 0; i < N; i++) {
      const x = v[i] as number;
      if (Number.isNaN(x)) continue;
      mask |= 1 << i;
      if (Number.isNaN(this.value[i] as number) || (breaks !== undefined && breaks.includes(counterAt(i)))) this.runStart[i] = r.at;
      this.value[i] = x;
      this.valueAt[i] = r.at;
      this.valueId[i] = r.id;
      if (sourcesChanged) this.source[i] = r.sources?.[counterAt(i)] ?? this.source[i];
      if (this.curUnits[i] !== 0) this.unit[i] = this.curUnits[i] as number;
    }
    this.mask = mask;
    this.hold(r, v);
  }

  /** Appends to the trailing window and drops what is older than it needs. */
  private hold(r: MeterReading, v: Float64Array): void {
    const keepFrom = r.at - this.keepMs;
    // Keep one reading older than the window: it can be the base of the oldest average.
    while (this.head + 1 < this.len && (this.wAt[this.head + 1] as number) < keepFrom && this.head + 1 <= this.dayBase) this.head++;
    if (this.len === this.wAt.length) {
      if (this.head * 2 >= this.len) {
        // Slide the window back to the start of the arrays.
        const h = this.head;
        this.wAt.copyWithin(0, h, this.len);
        this.wV.copyWithin(0, h * S, this.len * S);
        this.wId.copyWithin(0, h, this.len);
        this.len -= h;
        this.dayBase -= h;
        this.trailStart = Math.max(0, this.trailStart - h);
        this.head = 0;
      } else {
        const at = new Float64Array(this.wAt.length * 2);
        at.set(this.wAt);
        this.wAt = at;
        const vals = new Float64Array(this.wV.length * 2);
        vals.set(this.wV);
        this.wV = vals;
      }
    }
    const j = this.len++;
    this.wAt[j] = r.at;
    this.wId[j] = r.id;
    for (let k = 0; k < S; k++) this.wV[j * S + k] = v[SPIKE_INDEX[k] as number] as number;
  }
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
