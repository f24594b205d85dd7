/**
 * The outbox's readings as meters, read-only and safe while the daemon runs: what `meterbox usage`
 * bills from (the same readings the box delivers). Streams one row at a time in (device, time)
 * order, the order the billing core's usageByDevice takes; delivered readings count as much as
 * pending ones, until retention prunes them (storage.maxAgeDays).
 */
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { toMeterReading, type DeviceMeterReading } from '../billing/index.js';
import { MeterboxError } from '../contract/errors.js';
import type { DeviceIdentity, Reading } from '../contract/reading.js';

export interface OutboxMeters {
  /** Readings with read_at in [since, until), by device then time. */
  readings(q: { since: string; until: string; deviceKey?: string }): Iterable<DeviceMeterReading>;
  /** The identity of each device in its newest reading that was streamed. */
  identities: Map<string, DeviceIdentity>;
  close(): void;
}

export function openOutboxMeters(path: string): OutboxMeters {
  if (!existsSync(path)) throw new MeterboxError('MBX_STORE_NOT_FOUND', `${path}: no outbox database here (is the daemon's state directory elsewhere? use --db)`, { path });
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
  } catch (err) {
    throw new MeterboxError('MBX_STORE_IO', `${path}: cannot read the outbox: ${(err as Error).message}`, { path }, { cause: err });
  }
  const identities = new Map<string, DeviceIdentity>();
  const stmt = db.prepare('SELECT body FROM readings WHERE read_at >= @since AND read_at < @until AND (@key IS NULL OR device_key = @key) ORDER BY device_key, read_at, seq').pluck();
  return {
    identities,
    *readings(q) {
      for (const body of stmt.iterate({ since: q.since, until: q.until, key: q.deviceKey ?? null }) as Iterable<string>) {
        const r = JSON.parse(body) as Reading;
        identities.set(r.device.key, r.device);
        yield toMeterReading(r);
      }
    },
    close: () => db.close(),
  };
}
