/**
 * One device's readings as a period walk needs them, in columns (times, counter values by index,
 * unit rows, segment numbers, a prefix count of breaks) rather than one object per reading: an
 * export of a year holds 8,760 readings per device, and keeping the reading objects alive until the
 * device is done cost more in garbage collection than the rules themselves. Only one device's
 * history is held at a time; a fleet export reuses it (reset()).
 */
import type { CounterName, CounterSources } from '../contract/reading.js';
import { COUNTER_COUNT as N } from './dense.js';
import type { BillingEvent, DeviceSegment, MeterReading } from './types.js';
import type { ReadingCheck } from './validate.js';

const SEG_START = 1;
const PAGE = 2;
/** A run breaks here for some counter (or a new device starts): the only readings a walk asks about breaks. */
const MAY_BREAK = 4;

/** What is kept of a reading itself: not its counters object (those are in the columns). */
export interface ReadingView {
  id: string;
  at: number;
  serial?: string;
  sources?: CounterSources;
}

/** A value that changes rarely along the history, stored at its changes only. */
class Steps<T> {
  private readonly at: number[] = [];
  private readonly values: T[] = [];

  /** Records the value of reading i (readings in order). */
  set(i: number, v: T, same: (a: T, b: T) => boolean): void {
    const n = this.values.length;
    if (n > 0 && same(this.values[n - 1] as T, v)) return;
    this.at.push(i);
    this.values.push(v);
  }

  get(i: number): T | undefined {
    let lo = 0;
    let hi = this.at.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.at[mid] as number) <= i) lo = mid + 1;
      else hi = mid;
    }
    return lo > 0 ? this.values[lo - 1] : undefined;
  }

  clear(): void {
    this.at.length = 0;
    this.values.length = 0;
  }
}

function sameSources(a: CounterSources | undefined, b: CounterSources | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  const ka = Object.keys(a) as (keyof CounterSources)[];
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

export class DeviceHistory {
  n = 0;
  /** Reading ids; the readings themselves are not kept (an export would otherwise hold a year of objects per device). */
  private readonly ids: string[] = [];
  private readonly serials = new Steps<string | undefined>();
  private readonly sources = new Steps<CounterSources | undefined>();
  times = new Float64Array(256);
  /** Counter values, N per reading (COUNTER_NAMES order), NaN where absent. */
  values = new Float64Array(256 * N);
  /** Declared unit codes of each reading (rows shared between readings that declare the same). */
  readonly units: Uint8Array[] = [];
  /** The physical device a reading belongs to: 0, then +1 at each replacement. */
  segs = new Int32Array(256);
  private flags = new Uint8Array(256);
  /** Bit i set: the reading has counter i (COUNTER_NAMES order). */
  masks = new Int32Array(256);
  /** How many readings up to and including i may break a run: a walk skips a stretch without breaks in O(1). */
  private breakCount = new Int32Array(256);
  /** Sparse: counters whose run breaks at a reading (rollback, redefinition). */
  readonly breaks = new Map<number, readonly CounterName[]>();
  readonly events = new Map<number, readonly BillingEvent[]>();
  readonly causes = new Map<number, NonNullable<DeviceSegment['cause']>>();

  /** Empties it for the next device, keeping the arrays (an export reuses one history for every device). */
  reset(): void {
    this.n = 0;
    this.ids.length = 0;
    this.serials.clear();
    this.sources.clear();
    this.units.length = 0;
    this.breaks.clear();
    this.events.clear();
    this.causes.clear();
  }

  push(r: MeterReading, check: ReadingCheck, seg: number, firstOfDevice: boolean): void {
    if (this.n === this.times.length) this.grow();
    const i = this.n++;
    this.ids.push(r.id);
    this.serials.set(i, r.serial, (a, b) => a === b);
    this.sources.set(i, r.sources, sameSources);
    this.times[i] = r.at;
    this.values.set(check.values, i * N);
    this.units.push(check.units);
    this.segs[i] = seg;
    let f = 0;
    if (check.replaced) {
      f |= SEG_START | MAY_BREAK;
      this.causes.set(i, check.replaced);
    }
    if (check.printed || check.replaced || firstOfDevice) f |= PAGE;
    if (check.breaks) {
      this.breaks.set(i, check.breaks);
      f |= MAY_BREAK;
    }
    if (check.events.length > 0) this.events.set(i, check.events);
    this.flags[i] = f;
    this.masks[i] = check.mask;
    this.breakCount[i] = (i > 0 ? (this.breakCount[i - 1] as number) : 0) + ((f & MAY_BREAK) !== 0 ? 1 : 0);
  }

  reading(i: number): ReadingView {
    const serial = this.serials.get(i);
    const sources = this.sources.get(i);
    return { id: this.ids[i] as string, at: this.times[i] as number, ...(serial !== undefined ? { serial } : {}), ...(sources !== undefined ? { sources } : {}) };
  }

  id(i: number): string {
    return this.ids[i] as string;
  }

  /** Whether any reading in (a, b] may break a run. */
  breaksIn(a: number, b: number): boolean {
    return b > a && (this.breakCount[b] as number) - (a >= 0 ? (this.breakCount[a] as number) : 0) > 0;
  }

  /** Some counter's run breaks at reading i (ask the meter which); false for nearly every reading. */
  mayBreak(i: number): boolean {
    return ((this.flags[i] as number) & MAY_BREAK) !== 0;
  }

  /** The first reading of a replacing device. */
  segStart(i: number): boolean {
    return ((this.flags[i] as number) & SEG_START) !== 0;
  }

  /** A printed counter went up at this reading (or it is the device's first): no idleness before it. */
  page(i: number): boolean {
    return ((this.flags[i] as number) & PAGE) !== 0;
  }

  /** Index of the last reading at or before t, −1 if none. */
  lastAtOrBefore(t: number): number {
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.times[mid] as number) <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }

  private grow(): void {
    const cap = this.times.length * 2;
    const grown = <T extends Float64Array | Int32Array | Uint8Array>(a: T, size: number, make: (n: number) => T): T => {
      const b = make(size);
      b.set(a);
      return b;
    };
    this.times = grown(this.times, cap, (k) => new Float64Array(k));
    this.values = grown(this.values, cap * N, (k) => new Float64Array(k));
    this.segs = grown(this.segs, cap, (k) => new Int32Array(k));
    this.flags = grown(this.flags, cap, (k) => new Uint8Array(k));
    this.masks = grown(this.masks, cap, (k) => new Int32Array(k));
    this.breakCount = grown(this.breakCount, cap, (k) => new Int32Array(k));
  }
}
