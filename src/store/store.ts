/**
 * The outbox database (better-sqlite3): one module per table — readings.ts (the outbox proper),
 * devices.ts (the device registry), events.ts, deliveries.ts (the audit), meta.ts — and this
 * class, which opens the file (database.ts), holds the tables and owns the transactions that
 * span several of them: a poll cycle, a receipt, a failed attempt, retention, salvage.
 * Every method is synchronous; a reading is stored once `saveCycle` returns.
 */
import type Database from 'better-sqlite3';
import { readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Logger } from 'pino';
import { fallbackLogger } from '../log.js';
import type { Reading } from '../contract/reading.js';
import type { DataProblem } from '../reading/quality.js';
import { failureOf, fileSize, openDatabase } from './database.js';
import { DeliveryLog, type DeliveryRecord } from './deliveries.js';
import { DeviceTable } from './devices.js';
import { EventLog, type StoreEvent } from './events.js';
import { MetaTable } from './meta.js';
import { DEFAULT_RETENTION, planReceipt, type Receipt, type RetentionPolicy } from './policy.js';
import { ReadingTable } from './readings.js';
import { ReadingValidation } from './validation.js';
import type { BillingContract } from '../billing/index.js';
import { enforceRetention, type RetentionReport } from './retention.js';
import { salvageEvent, salvageFailedEvent } from './salvage-events.js';
import { salvageInto, salvagedKey, type SalvageReport } from './salvage.js';
import type { Migration } from './schema.js';
import { snapshot, type StatusSnapshot } from './status.js';

/** A salvage that fails for another reason than the disk is retried this often, then left for a human. */
const SALVAGE_ATTEMPTS = 3;

export interface StoreOptions {
  now?: () => Date;
  log?: Logger;
  retention?: Partial<RetentionPolicy>;
  /** For tests of the migration runner; production uses MIGRATIONS. */
  migrations?: readonly Migration[];
  /** The database failed while in use (SQLITE_CORRUPT): move it aside and salvage it even if quick_check passes. */
  assumeCorrupt?: string;
  /** The billing contract each stored reading is validated against (default: the contract; the config's `billing`). */
  billing?: BillingContract;
}

export interface OpenReport {
  /** The file did not exist or was replaced. */
  fresh: boolean;
  migratedFrom: number;
  schemaVersion: number;
  /** Where a corrupt database was moved, when it was. */
  movedAside?: string;
  /** Damaged files (this one, or earlier ones) salvaged into this database while opening. */
  salvaged: SalvageReport[];
}

export interface SaveResult {
  inserted: number;
  /** Readings whose id was already stored (saving twice is harmless). */
  duplicates: number;
  ids: string[];
  /** Data-quality events raised by this cycle, by kind (counter.invalid, counter.missing, …). */
  dataEvents: Record<string, number>;
}

/** Data problems found while reading, by Reading id. */
export type ProblemsById = ReadonlyMap<string, readonly DataProblem[]>;

export interface ReceiptResult {
  delivered: number;
  rejected: number;
  /** Ids already delivered or rejected: applying a receipt twice lands here. */
  unchanged: number;
  /** Ids the outbox does not hold (pruned, or never ours). */
  unknown: number;
}

export class Store {
  readonly retention: RetentionPolicy;
  readonly readings: ReadingTable;
  readonly devices: DeviceTable;
  readonly events: EventLog;
  readonly deliveries: DeliveryLog;
  readonly meta: MetaTable;
  /** Billing validation of each stored reading against its device's history (validation.ts). */
  private validation: ReadingValidation;
  /** The largest WAL seen before a checkpoint since this store was opened (for the disk-need estimate). */
  walPeakBytes = 0;
  private readonly now: () => Date;
  private readonly log: Logger;
  private closed = false;

  private constructor(
    readonly db: Database.Database,
    readonly path: string,
    readonly opened: OpenReport,
    opts: StoreOptions,
    log: Logger,
  ) {
    this.now = opts.now ?? (() => new Date());
    this.log = log;
    this.retention = { ...DEFAULT_RETENTION, ...opts.retention };
    this.meta = new MetaTable(db);
    this.events = new EventLog(db, this.now);
    this.deliveries = new DeliveryLog(db, this.now);
    this.readings = new ReadingTable(db);
    this.devices = new DeviceTable(db, this.events);
    this.validation = new ReadingValidation(db, opts.billing);
  }

  /** A new billing contract (SIGHUP): readings stored from now on are validated under it; each device's history is rebuilt from the outbox on its next reading. */
  setBillingContract(contract: BillingContract): void {
    this.validation = new ReadingValidation(this.db, contract);
  }

  /**
   * Opens (creating when missing) the outbox at `path` (database.ts), then salvages what damaged
   * files beside it still hold. Throws MBX_STORE_* errors; never leaves a half-migrated database.
   */
  static open(path: string, opts: StoreOptions = {}): Store {
    const log = (opts.log ?? fallbackLogger()).child({ component: 'store' });
    try {
      return Store.openOnce(path, opts, log, opts.assumeCorrupt);
    } catch (err) {
      // Damage that quick_check did not see but reading the schema did: move aside once, never loop.
      if (failureOf(err) !== 'corrupt' || !fileSize(path)) throw err;
      return Store.openOnce(path, opts, log, err instanceof Error ? err.message : String(err));
    }
  }

  private static openOnce(path: string, opts: StoreOptions, log: Logger, knownCorrupt: string | undefined): Store {
    const o = openDatabase(path, { now: opts.now ?? (() => new Date()), ...(opts.migrations ? { migrations: opts.migrations } : {}), ...(knownCorrupt !== undefined ? { knownCorrupt } : {}) }, log);
    let store: Store;
    try {
      store = new Store(o.db, path, { fresh: o.fresh, migratedFrom: o.migratedFrom, schemaVersion: o.schemaVersion, movedAside: o.movedAside, salvaged: [] }, opts, log);
    } catch (err) {
      o.db.close();
      throw err;
    }
    if (o.movedAside) {
      store.events.add({
        kind: 'store.corrupt-replaced',
        severity: 'error',
        message: `the outbox failed its integrity check and was moved aside to ${o.movedAside}; what it holds is salvaged into the fresh database (see store.salvaged)`,
        data: { movedAside: o.movedAside, check: o.check },
      });
    }
    store.opened.salvaged.push(...store.salvagePending());
    return store;
  }

  /**
   * Stores one poll cycle's readings (and any events that belong with them) in one transaction,
   * updating the device registry. A reading already stored (same id) is skipped. The data
   * problems of each reading become events when they are new on its device.
   */
  saveCycle(readings: readonly Reading[], events: readonly StoreEvent[] = [], problems: ProblemsById = new Map()): SaveResult {
    const at = this.now().toISOString();
    const run = this.db.transaction(() => {
      const ids: string[] = [];
      const dataEvents: Record<string, number> = {};
      let duplicates = 0;
      const sorted = [...readings].sort((a, b) => (a.readAt < b.readAt ? -1 : a.readAt > b.readAt ? 1 : 0));
      for (const r of sorted) {
        if (!this.readings.insert(r, at)) {
          duplicates++;
          continue;
        }
        ids.push(r.id);
        for (const e of [...this.devices.register(r, at, problems.get(r.id) ?? []), ...this.validation.check(r)]) {
          this.events.add(e);
          dataEvents[e.kind] = (dataEvents[e.kind] ?? 0) + 1;
        }
      }
      for (const e of events) this.events.add(e);
      return { inserted: ids.length, duplicates, ids, dataEvents };
    });
    return run.immediate();
  }

  /**
   * Applies a provider receipt atomically. Only pending readings change state, so applying the
   * same receipt twice (or a stale one) changes nothing the second time. With `delivery`, the
   * audit row is written in the same transaction.
   */
  applyReceipt(receipt: Receipt, delivery?: DeliveryRecord): ReceiptResult {
    const plan = planReceipt(receipt);
    const at = this.now().toISOString();
    const run = this.db.transaction(() => {
      const res: ReceiptResult = { delivered: 0, rejected: 0, unchanged: 0, unknown: 0 };
      const note = (id: string) => {
        if (this.readings.has(id)) res.unchanged++;
        else res.unknown++;
      };
      for (const id of plan.deliver) {
        if (this.readings.markDelivered(id, at)) res.delivered++;
        else note(id);
      }
      const rejected: { id: string; reason: string }[] = [];
      for (const r of plan.reject) {
        if (this.readings.markRejected(r.id, r.reason)) {
          res.rejected++;
          rejected.push(r);
        } else note(r.id);
      }
      if (res.delivered > 0) {
        this.meta.put('last_delivery_at', at);
        this.meta.put('last_delivery_count', String(res.delivered));
      }
      if (delivery) this.deliveries.record(delivery);
      if (rejected.length > 0) {
        this.events.add({
          kind: 'upload.rejected',
          severity: 'warning',
          message: `the provider rejected ${rejected.length} reading(s); they are kept aside and not retried`,
          data: { count: rejected.length, examples: rejected.slice(0, 5) },
        });
      }
      return res;
    });
    return run.immediate();
  }

  /** Counts a failed delivery attempt (network error, non-2xx) against pending readings. */
  recordAttemptFailure(ids: readonly string[], error: string, delivery?: DeliveryRecord): void {
    const run = this.db.transaction(() => {
      for (const id of ids) this.readings.attemptFailed(id, error);
      if (delivery) this.deliveries.record(delivery);
    });
    run.immediate();
  }

  /** Bytes in use: pages that hold data (free pages are reused before the file grows). */
  usedBytes(): number {
    const pageSize = this.db.pragma('page_size', { simple: true }) as number;
    const pages = this.db.pragma('page_count', { simple: true }) as number;
    const free = this.db.pragma('freelist_count', { simple: true }) as number;
    return (pages - free) * pageSize;
  }

  status(recentEvents = 10): StatusSnapshot {
    return snapshot(this.db, this.path, this.now(), recentEvents);
  }

  /** Applies retention (retention.ts): age first, then the size cap; every loss is an event. */
  enforceRetention(): RetentionReport {
    return enforceRetention({
      db: this.db,
      path: this.path,
      readings: this.readings,
      events: this.events,
      policy: this.retention,
      now: this.now(),
      usedBytes: () => this.usedBytes(),
      checkpoint: () => void this.checkpoint(),
      log: this.log,
    });
  }

  /**
   * Copies the WAL into the database and truncates it, without waiting for readers (a reader
   * that holds an old snapshot leaves the rest for the next call). Returns the WAL bytes before.
   */
  checkpoint(): number {
    const walBytes = fileSize(`${this.path}-wal`);
    try {
      this.db.pragma('busy_timeout = 0');
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    } catch (err) {
      this.log.warn({ path: this.path, err: (err as Error).message }, 'WAL checkpoint failed; the next one retries');
    } finally {
      this.db.pragma('busy_timeout = 5000');
    }
    this.walPeakBytes = Math.max(this.walPeakBytes, walBytes);
    return walBytes;
  }

  /**
   * Salvages every damaged file moved aside beside this database that is not salvaged yet:
   * `<db>.corrupt-<time>` from this start or an earlier one. Never throws; a salvage cut short by
   * the disk is tried again at the next call, one that fails otherwise at most SALVAGE_ATTEMPTS times.
   */
  salvagePending(): SalvageReport[] {
    const dir = dirname(this.path);
    const prefix = `${basename(this.path)}.corrupt-`;
    let names: string[];
    try {
      names = readdirSync(dir).filter((f) => f.startsWith(prefix) && !/-(wal|shm|journal)$/.test(f)).sort();
    } catch {
      return [];
    }
    const done: SalvageReport[] = [];
    for (const name of names) {
      const aside = join(dir, name);
      const key = salvagedKey(aside);
      const attemptsKey = `salvage-attempts:${name}`;
      try {
        if (this.meta.get(key) !== undefined || Number(this.meta.get(attemptsKey) ?? 0) >= SALVAGE_ATTEMPTS) continue;
        const report = salvageInto(this.db, aside);
        this.db.transaction(() => {
          this.meta.put(key, this.now().toISOString());
          this.events.add(salvageEvent(report));
        }).immediate();
        this.log.warn({ path: this.path, aside, recovered: report.recovered, unrecoverable: report.unrecoverable }, 'damaged outbox salvaged');
        done.push(report);
      } catch (err) {
        const kind = failureOf(err);
        const disk = kind === 'full' || kind === 'readonly' || kind === 'io' || kind === 'busy';
        this.log.error({ path: this.path, aside, err: (err as Error).message, retry: disk }, 'salvaging a damaged outbox failed; the file is kept');
        try {
          this.db.transaction(() => {
            if (!disk) this.meta.put(attemptsKey, String(Number(this.meta.get(attemptsKey) ?? 0) + 1));
            this.events.add(salvageFailedEvent(aside, err, disk));
          }).immediate();
        } catch {
          // the disk refuses even this; the next call tries again
        }
      }
    }
    return done;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.db.close();
    } catch (err) {
      this.log.warn({ path: this.path, err: (err as Error).message }, 'closing the outbox failed');
    }
  }

  get isOpen(): boolean {
    return !this.closed && this.db.open;
  }
}
