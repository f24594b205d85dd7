/**
 * Validators of many devices kept between calls, for the callers that validate readings as they
 * arrive (the box's outbox, the receiver's ingest): one DeviceValidator per device, least recently
 * read dropped first beyond a bound, each fed in time order. The caller brings the history (it
 * owns the I/O): `historySince` says from when a validator rebuilt from scratch needs it, `catchUp`
 * feeds readings the validator has not seen, `check` validates a new one. Pure: no I/O, no clock.
 */
import { MS_PER_DAY, type BillingContract } from './contract.js';
import type { BillingEvent, MeterReading } from './types.js';
import { DeviceValidator } from './validate.js';

interface Entry {
  v: DeviceValidator;
  /** Time and id of the last reading fed (−Infinity: none yet). */
  lastAt: number;
  lastId?: string;
}

export class FleetValidators {
  private readonly entries = new Map<string, Entry>();

  constructor(
    readonly contract: BillingContract,
    /** The device key events name, from the key a validator is kept under (which may add a tenant). */
    private readonly deviceKeyOf: (key: string) => string = (key) => key,
    private readonly maxDevices = 5000,
  ) {}

  /** How far back a validator rebuilt for a reading at `at` needs history: the trailing and idle windows, and a day. */
  historySince(at: number): number {
    return at - (Math.max(this.contract.trailingDays, this.contract.idleDays) + 1) * MS_PER_DAY;
  }

  /**
   * Where the device's validator stands before a reading at `at`: the time and id of the last
   * reading it saw, or undefined when it has to be rebuilt (never seen, dropped, or the reading is
   * not newer than what it saw: a late reading rebuilds the history up to it).
   */
  position(key: string, at: number): { lastAt: number; lastId?: string } | undefined {
    const e = this.entries.get(key);
    if (!e || at <= e.lastAt) {
      this.entries.delete(key);
      return undefined;
    }
    return { lastAt: e.lastAt, ...(e.lastId ? { lastId: e.lastId } : {}) };
  }

  /** Feeds readings the validator has not seen (oldest first; older ones are skipped); their events are dropped, they were raised when those readings arrived. */
  catchUp(key: string, history: Iterable<MeterReading>): void {
    const e = this.entry(key);
    for (const m of history) if (m.at > e.lastAt) this.feed(e, m);
  }

  /** Validates a new reading of `key`: the events it raises. */
  check(key: string, m: MeterReading): readonly BillingEvent[] {
    const e = this.entry(key);
    if (m.at <= e.lastAt) return [];
    return this.feed(e, m);
  }

  private entry(key: string): Entry {
    let e = this.entries.get(key);
    if (e) this.entries.delete(key); // re-inserted below: the map's order is least recently used first
    else e = { v: new DeviceValidator(this.deviceKeyOf(key), this.contract), lastAt: -Infinity };
    this.entries.set(key, e);
    if (this.entries.size > this.maxDevices) this.entries.delete(this.entries.keys().next().value as string);
    return e;
  }

  private feed(e: Entry, m: MeterReading): readonly BillingEvent[] {
    e.lastAt = m.at;
    e.lastId = m.id;
    return e.v.check(m).events;
  }
}
