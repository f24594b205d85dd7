/**
 * Billing validation of each reading the outbox stores (issue 12): the billing core's
 * DeviceValidator checks it against the device's history, and every failure (counter.rollback,
 * counter.redefined, device.replaced, counter.spike, device.idle, reading.gap) becomes an outbox
 * event with its evidence, written in the transaction that stores the reading, so the heartbeat
 * carries it to the provider. Readings are never altered: validation only flags.
 *
 * One validator per device is kept in memory between polls (the trailing window only). After a
 * restart, or when a reading arrives older than the newest one checked (readings held in memory
 * during a disk failure), the device's validator is rebuilt from the readings the outbox still
 * holds, from `readingWindow` before the reading up to it.
 */
import type Database from 'better-sqlite3';
import { DEFAULT_CONTRACT, FleetValidators, toMeterReading, type BillingContract, type BillingEvent } from '../billing/index.js';
import type { Reading } from '../contract/reading.js';
import type { StoreEvent } from './events.js';

/** A billing event as an outbox event: the evidence and the readings it rests on go in `data`. */
export function billingStoreEvent(e: BillingEvent): StoreEvent {
  return { kind: e.kind, severity: e.severity, message: e.message, deviceKey: e.deviceKey, at: e.at, data: { readingIds: e.readingIds, ...e.evidence } };
}

export class ReadingValidation {
  private readonly validators: FleetValidators;
  private readonly history: Database.Statement;

  constructor(db: Database.Database, contract: BillingContract = DEFAULT_CONTRACT) {
    this.validators = new FleetValidators(contract);
    this.history = db.prepare('SELECT body FROM readings WHERE device_key = ? AND read_at >= ? AND read_at < ? ORDER BY read_at, seq').pluck();
  }

  /** The events a newly stored reading raises (the outbox holds the device's earlier readings). */
  check(r: Reading): StoreEvent[] {
    const m = toMeterReading(r);
    const key = r.device.key;
    if (!this.validators.position(key, m.at)) {
      const since = new Date(this.validators.historySince(m.at)).toISOString();
      this.validators.catchUp(key, (function* (rows: Iterable<string>) {
        for (const body of rows) yield toMeterReading(JSON.parse(body) as Reading);
      })(this.history.iterate(key, since, r.readAt) as Iterable<string>));
    }
    return this.validators.check(key, m).map(billingStoreEvent);
  }
}
