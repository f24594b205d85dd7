/**
 * One device's readings as a period walk needs them, in columns (times, counter values by index,
 * unit rows, segment numbers) rather than one object per reading: an export walks every reading of
 * a year about twenty times (each counter, each unit), and columns keep that fast and the garbage
 * collector quiet. Only one device's history is held at a time.
 */
import type { CounterName } from '../reading/types.js';
import { COUNTER_COUNT as N } from './dense.js';
import type { BillingEvent, DeviceSegment, MeterReading } from './types.js';
import type { ReadingCheck } from './validate.js';

const SEG_START = 1;
const PAGE = 2;
/** A run breaks here for some counter (or a new device starts): the only readings a walk asks about breaks. */
const MAY_BREAK = 4;

export class DeviceHistory {
  n = 0;
  readonly readings: MeterReading[] = [];
  times = new Float64Array(256);
  /** Counter values, N per reading (COUNTER_NAMES order), NaN where absent. */
  values = new Float64Array(256 * N);
  /** Declared unit codes of each reading (rows shared between readings that declare the same). */
  readonly units: Uint8Array[] = [];
  /** The physical device a reading belongs to: 0, then +1 at each replacement. */
  segs = new Int32Array(256);
  private flags = new Uint8Array(256);
  /** Sparse: counters whose run breaks at a reading (rollback, redefinition). */
  readonly breaks = new Map<number, readonly CounterName[]>();
  readonly events = new Map<number, readonly BillingEvent[]>();
  readonly causes = new Map<number, NonNullable<DeviceSegment['cause']>>();

  /** Empties it for the next device, keeping the arrays (an export reuses one history for every device). */
  reset(): void {
    this.n = 0;
    this.readings.length = 0;
    this.units.length = 0;
    this.breaks.clear();
    this.events.clear();
    this.causes.clear();
  }

  push(r: MeterReading, check: ReadingCheck, seg: number, firstOfDevice: boolean): void {
    if (this.n === this.times.length) this.grow();
    const i = this.n++;
    this.readings.push(r);
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
  }
}
