/**
 * The devices table: THE device registry. One row per device key (vendor + serial, MAC fallback),
 * fed by two kinds of observation:
 * - a stored reading (`register`): identity, counters, the address it was read at, current data
 *   problems;
 * - a discovery sweep (`saveSweep`): every address the device answered at, its target's label and
 *   the credential that worked (discovery/registry.ts keeps the same in memory while it sweeps,
 *   and is restored from `swept()` at start).
 * A device seen at another address than its row's `host` has moved, whichever observation saw
 * it: one rule, one `device.moved` event. Statements only: the Store's transactions hold them.
 */
import type Database from 'better-sqlite3';
import type { SweepEvent, SweptDevice } from '../contract/devices.js';
import type { Counters, Reading } from '../contract/reading.js';
import type { DataProblem } from '../reading/quality.js';
import type { EventLog, StoreEvent } from './events.js';
import { problemEvents } from './problems.js';

/** A device row the poller can use: read at least once. */
export interface DeviceHost {
  key: string;
  host: string;
  lastReadingAt?: string;
  serial?: string;
}

function movedEvent(key: string, from: string, to: string): StoreEvent {
  return { kind: 'device.moved', severity: 'info', deviceKey: key, message: `${key} moved from ${from} to ${to}`, data: { from, to } };
}

function sweepEvent(e: SweepEvent): StoreEvent {
  return e.type === 'duplicate-serial'
    ? { kind: 'device.duplicate-serial', severity: 'warning', at: e.at, deviceKey: e.key, message: `${e.key} answers at ${e.hosts.join(', ')}: one serial, several devices`, data: { ...e } }
    : { kind: 'device.replaced', severity: 'warning', at: e.at, message: `${e.host}: ${e.from} was replaced by ${e.to}`, data: { ...e } };
}

export class DeviceTable {
  private readonly s;
  // Prepared on first use: a store opened with an older migration list (tests) lacks the later columns.
  private problemStmt?: { get: Database.Statement; set: Database.Statement } | null;
  private sweepStmt?: { upsert: Database.Statement; hostOf: Database.Statement; all: Database.Statement };

  constructor(
    private readonly db: Database.Database,
    private readonly events: EventLog,
  ) {
    this.s = {
      get: db.prepare('SELECT host, counters, last_reading_at AS lastReadingAt FROM devices WHERE key = ?'),
      insert: db.prepare(
        `INSERT INTO devices (key, key_source, vendor, model, serial, mac, host, identity, counters, first_seen, last_seen, last_reading_at)
         VALUES (@key, @keySource, @vendor, @model, @serial, @mac, @host, @identity, @counters, @at, @at, @readAt)`,
      ),
      update: db.prepare(
        `UPDATE devices SET key_source = @keySource, vendor = @vendor, model = @model, serial = @serial, mac = @mac, host = @host,
           identity = @identity, counters = @counters, last_seen = @at, last_reading_at = @readAt WHERE key = @key`,
      ),
      touch: db.prepare('UPDATE devices SET last_seen = MAX(last_seen, ?) WHERE key = ?'),
    };
  }

  private problems(): { get: Database.Statement; set: Database.Statement } | null {
    if (this.problemStmt === undefined) {
      const has = (this.db.prepare("SELECT COUNT(*) FROM pragma_table_info('devices') WHERE name = 'problems'").pluck().get() as number) > 0;
      this.problemStmt = has ? { get: this.db.prepare('SELECT problems FROM devices WHERE key = ?').pluck(), set: this.db.prepare('UPDATE devices SET problems = ? WHERE key = ?') } : null;
    }
    return this.problemStmt;
  }

  /**
   * A stored reading: inserts or updates its device (inside the caller's transaction). A move is
   * recorded as an event here (a counter going backwards is validation.ts's counter.rollback); the
   * data-quality events the reading raises are returned for the caller to record and count.
   */
  register(r: Reading, at: string, problems: readonly DataProblem[]): StoreEvent[] {
    const d = r.device;
    const row = {
      key: d.key,
      keySource: d.keySource,
      vendor: d.vendor,
      model: d.model ?? null,
      serial: d.serial ?? null,
      mac: d.mac ?? null,
      host: d.host,
      identity: JSON.stringify(d),
      counters: JSON.stringify(r.counters),
      at,
      readAt: r.readAt,
    };
    const prev = this.s.get.get(d.key) as { host: string | null; counters: string | null; lastReadingAt: string | null } | undefined;
    const ps = this.problems();
    const prevKeys = prev && ps ? (JSON.parse((ps.get.get(d.key) as string | null) ?? '[]') as string[]) : [];
    const saveKeys = (keys: string[]) => ps?.set.run(keys.length > 0 ? JSON.stringify(keys) : null, d.key);
    if (!prev) {
      this.s.insert.run(row);
      const q = problemEvents(r, problems, { keys: [] });
      saveKeys(q.keys);
      return q.events;
    }
    if (prev.lastReadingAt !== null && prev.lastReadingAt > r.readAt) {
      // An older reading arriving late (held in memory during a disk failure): the row keeps the newer state.
      this.s.touch.run(at, d.key);
      return problemEvents(r, problems, { keys: prevKeys }).events;
    }
    if (prev.host !== null && prev.host !== d.host) this.events.add(movedEvent(d.key, prev.host, d.host));
    const previous = prev.counters ? (JSON.parse(prev.counters) as Counters) : undefined;
    // A counter going backwards is the billing validation's counter.rollback (validation.ts), with its evidence.
    this.s.update.run(row);
    const q = problemEvents(r, problems, { counters: previous, keys: prevKeys });
    saveKeys(q.keys);
    return q.events;
  }

  private sweepStatements() {
    return (this.sweepStmt ??= {
      upsert: this.db.prepare(
        `INSERT INTO devices (key, key_source, vendor, model, serial, mac, host, first_seen, last_seen, hosts, label, credential, first_swept, last_swept)
         VALUES (@key, @keySource, @vendor, @model, @serial, @mac, @host, @firstSeen, @lastSeen, @hosts, @label, @credential, @firstSeen, @lastSeen)
         ON CONFLICT (key) DO UPDATE SET hosts = excluded.hosts, label = excluded.label, credential = excluded.credential,
           first_swept = excluded.first_swept, last_swept = excluded.last_swept, host = COALESCE(@newHost, devices.host)`,
      ),
      hostOf: this.db.prepare('SELECT host FROM devices WHERE key = ?').pluck(),
      all: this.db.prepare(
        `SELECT key, key_source AS keySource, vendor, model, serial, mac, hosts, label, credential, first_swept AS firstSeen, last_swept AS lastSeen
         FROM devices WHERE credential IS NOT NULL AND hosts IS NOT NULL ORDER BY key`,
      ),
    });
  }

  /**
   * A discovery sweep, in one transaction: what it knows of each device, and its events. A device
   * found at exactly one address other than its row's is a move; its row follows it there.
   */
  saveSweep(devices: readonly SweptDevice[], events: readonly SweepEvent[] = []): void {
    const st = this.sweepStatements();
    this.db.transaction(() => {
      for (const d of devices) {
        const before = st.hostOf.get(d.key) as string | null | undefined;
        const only = d.hosts.length === 1 ? (d.hosts[0] as string) : undefined;
        if (only !== undefined && typeof before === 'string' && before !== only) this.events.add(movedEvent(d.key, before, only));
        st.upsert.run({
          key: d.key,
          keySource: d.keySource,
          vendor: d.vendor,
          model: d.model ?? null,
          serial: d.serial ?? null,
          mac: d.mac ?? null,
          host: d.hosts[0] ?? null,
          newHost: only ?? null,
          hosts: JSON.stringify(d.hosts),
          label: d.label ?? null,
          credential: d.credential,
          firstSeen: d.firstSeen,
          lastSeen: d.lastSeen,
        });
      }
      for (const e of events) this.events.add(sweepEvent(e));
    }).immediate();
  }

  /** What the sweeps saved, to restore discovery's registry after a restart. */
  swept(): SweptDevice[] {
    const rows = this.sweepStatements().all.all() as (Omit<SweptDevice, 'hosts' | 'model' | 'serial' | 'mac' | 'label'> & { hosts: string; model: string | null; serial: string | null; mac: string | null; label: string | null })[];
    return rows.map((r) => {
      const hosts = JSON.parse(r.hosts) as unknown;
      const d: SweptDevice = { key: r.key, keySource: r.keySource, vendor: r.vendor, hosts: Array.isArray(hosts) ? hosts.filter((h): h is string => typeof h === 'string') : [], credential: r.credential, firstSeen: r.firstSeen, lastSeen: r.lastSeen };
      if (r.model !== null) d.model = r.model;
      if (r.serial !== null) d.serial = r.serial;
      if (r.mac !== null) d.mac = r.mac;
      if (r.label !== null) d.label = r.label;
      return d;
    });
  }

  /** Time of the newest reading of any device: tells the daemon whether a poll is overdue. */
  lastReadingAt(): string | undefined {
    return (this.db.prepare('SELECT MAX(last_reading_at) FROM devices').pluck().get() as string | null) ?? undefined;
  }

  /** Every device that has been read, with the address and time it was last read at. */
  hosts(): DeviceHost[] {
    const rows = this.db.prepare('SELECT key, host, last_reading_at AS lastReadingAt, serial FROM devices WHERE last_reading_at IS NOT NULL AND host IS NOT NULL').all() as { key: string; host: string; lastReadingAt: string; serial: string | null }[];
    return rows.map((r) => ({ key: r.key, host: r.host, lastReadingAt: r.lastReadingAt, ...(r.serial ? { serial: r.serial } : {}) }));
  }
}
