/**
 * The outbox as the daemon uses it: a Store that survives its own failures. When the disk is
 * full, read-only or the database cannot be opened, polling goes on: readings are held in memory
 * up to a bound (hold.ts: every reading while it fits, then the cheapest loss first, each drop
 * counted), the failure is logged once and recorded as an event, and storing resumes by itself
 * (held readings first) once writes work again. A database that turns out damaged while in use is
 * moved aside and salvaged at the next open. The WAL is checkpointed after every cycle. No method
 * throws because of the disk; the process never dies of it.
 */
import type { BillingContract } from '../billing/index.js';
import type { Logger } from 'pino';
import { fallbackLogger } from '../log.js';
import type { ErrorCode, MeterboxError } from '../contract/errors.js';
import type { Reading } from '../contract/reading.js';
import { HOLD_MAX_BYTES, droppedTotal, emptyHold, heldItems, holdReadings, type HeldReadings } from './hold.js';
import type { StoreFailure } from './policy.js';
import { failureOf, storeError } from './database.js';
import type { StoreEvent } from './events.js';
import { Store, type ProblemsById, type SaveResult, type StoreOptions } from './store.js';

export interface RecordResult {
  /** Readings committed by this call (including held ones that could now be written). */
  stored: number;
  /** Readings now held in memory. */
  held: number;
  ids: string[];
  /** Data-quality events raised, by kind. */
  dataEvents: Record<string, number>;
  error?: MeterboxError;
}

export interface OutboxHealth {
  writable: boolean;
  failure?: { kind: StoreFailure; code: ErrorCode; message: string; since: string; failedCycles: number };
  held: number;
  heldBytes: number;
  holdMaxBytes: number;
  /** Readings dropped from memory since the failure began (written in an event when storing resumes). */
  dropped: number;
}

export interface OutboxOptions extends StoreOptions {
  /** Bytes of Reading JSON held in memory while storing fails (default: HOLD_MAX_BYTES); a function is asked each time. */
  holdMaxBytes?: number | (() => number);
}

export class Outbox {
  private store?: Store;
  private held: HeldReadings = emptyHold();
  private failure?: { kind: StoreFailure; error: MeterboxError; since: string; failedCycles: number; eventWritten: boolean };
  private readonly log: Logger;
  private readonly now: () => Date;
  /** Set when the open store failed with SQLITE_CORRUPT: the next open moves it aside and salvages it. */
  private corruptInUse?: string;
  /** The contract in force: the options' until a reload sets another. */
  private billing?: BillingContract;

  constructor(
    readonly path: string,
    private readonly opts: OutboxOptions = {},
  ) {
    this.log = (opts.log ?? fallbackLogger()).child({ component: 'outbox' });
    this.now = opts.now ?? (() => new Date());
    if (opts.billing) this.billing = opts.billing;
    this.tryOpen();
  }

  /** SIGHUP: the billing contract new readings are validated under, in the open store and in any store opened later. */
  setBillingContract(contract: BillingContract): void {
    this.billing = contract;
    this.store?.setBillingContract(contract);
  }

  /** The open store, when there is one (for batches, receipts, status). */
  get current(): Store | undefined {
    return this.store;
  }

  private get holdMaxBytes(): number {
    const b = this.opts.holdMaxBytes;
    return typeof b === 'function' ? b() : (b ?? HOLD_MAX_BYTES);
  }

  health(): OutboxHealth {
    const f = this.failure;
    return {
      writable: !f && this.store !== undefined,
      ...(f ? { failure: { kind: f.kind, code: f.error.code, message: f.error.message, since: f.since, failedCycles: f.failedCycles } } : {}),
      held: this.held.count,
      heldBytes: this.held.bytes,
      holdMaxBytes: this.holdMaxBytes,
      dropped: droppedTotal(this.held),
    };
  }

  private tryOpen(): Store | undefined {
    if (this.store?.isOpen) return this.store;
    try {
      const { holdMaxBytes: _bound, ...storeOpts } = this.opts;
      this.store = Store.open(this.path, { ...storeOpts, ...(this.billing ? { billing: this.billing } : {}), log: this.opts.log ?? this.log, ...(this.corruptInUse ? { assumeCorrupt: this.corruptInUse } : {}) });
      this.corruptInUse = undefined;
      return this.store;
    } catch (err) {
      this.store = undefined;
      this.noteFailure(storeError(err, this.path, 'opening the outbox'));
      return undefined;
    }
  }

  private noteFailure(error: MeterboxError): void {
    const kind = failureOf(error);
    if (kind === 'corrupt' && this.store) this.corruptInUse = error.message;
    const prev = this.failure;
    if (prev && prev.kind === kind) {
      prev.failedCycles++;
      return;
    }
    this.failure = { kind, error, since: this.now().toISOString(), failedCycles: 1, eventWritten: false };
    this.log.error({ path: this.path, code: error.code, failure: kind, err: error.message, holdMaxBytes: this.holdMaxBytes }, 'outbox write failed; holding readings in memory');
    // Write the event now when the database still takes a small write; otherwise when storing resumes.
    if (this.store && kind !== 'corrupt') {
      try {
        this.store.events.add(this.failureEvent());
        this.failure.eventWritten = true;
      } catch {
        // expected when the disk is full or read-only
      }
    }
    if (kind === 'corrupt' || kind === 'readonly' || kind === 'io') {
      // Reopen next time: the reopen runs the integrity check (and salvage) and sees a remounted filesystem.
      this.store?.close();
      this.store = undefined;
    }
  }

  private failureEvent(): StoreEvent {
    const f = this.failure as NonNullable<Outbox['failure']>;
    return {
      kind: 'store.write-failed',
      severity: 'error',
      at: f.since,
      message: f.error.message,
      data: { code: f.error.code, failure: f.kind },
    };
  }

  /** The events that go with the held readings when storing resumes. */
  private resumeEvents(f: NonNullable<Outbox['failure']>, held: number): StoreEvent[] {
    const events: StoreEvent[] = [];
    if (!f.eventWritten) events.push(this.failureEvent());
    const dropped = droppedTotal(this.held);
    events.push({
      kind: 'store.resumed',
      severity: dropped > 0 ? 'warning' : 'info',
      message: `storing resumed after ${f.failedCycles} failed cycle(s) since ${f.since}: wrote ${held} reading(s) held in memory${dropped > 0 ? `; ${dropped} could not be held (see store.held-dropped)` : ''}`,
      data: { failure: f.kind, since: f.since, failedCycles: f.failedCycles, held, dropped },
    });
    if (dropped > 0) {
      const d = this.held.dropped;
      events.push({
        kind: 'store.held-dropped',
        severity: 'error',
        message:
          `${dropped} reading(s) polled while the outbox could not be written did not fit in memory (${this.holdMaxBytes} bytes) and are lost: ` +
          `${d.thinned} between the first and last reading of their device, ${d.older} older reading(s) of a device whose newest was kept, ${d.oldest} oldest reading(s)`,
        data: { lost: dropped, thinned: d.thinned, older: d.older, oldest: d.oldest, holdMaxBytes: this.holdMaxBytes, failure: f.kind, since: f.since },
      });
    }
    return events;
  }

  private hold(readings: readonly Reading[], problems: ProblemsById): void {
    const incoming = readings.map((reading) => ({ reading, bytes: Buffer.byteLength(JSON.stringify(reading)), problems: problems.get(reading.id) ?? [] }));
    this.held = holdReadings(this.held, incoming, this.holdMaxBytes);
  }

  /**
   * Stores one poll cycle in one transaction (with the data problems of its readings); while that
   * is impossible, holds readings in memory and says so in the result. Never throws for disk or
   * database failures.
   */
  record(readings: readonly Reading[], problems: ProblemsById = new Map()): RecordResult {
    const store = this.tryOpen();
    if (!store) {
      this.hold(readings, problems);
      return { stored: 0, held: this.held.count, ids: [], dataEvents: {}, error: this.failure?.error };
    }
    const items = heldItems(this.held);
    const f = this.failure;
    const events = f ? this.resumeEvents(f, items.length) : [];
    const allProblems = new Map(problems);
    for (const h of items) if (h.problems.length > 0) allProblems.set(h.reading.id, h.problems);
    let res: SaveResult;
    try {
      res = store.saveCycle([...items.map((h) => h.reading), ...readings], events, allProblems);
    } catch (err) {
      this.noteFailure(storeError(err, this.path, 'storing a poll cycle'));
      this.hold(readings, problems);
      return { stored: 0, held: this.held.count, ids: [], dataEvents: {}, error: this.failure?.error };
    }
    if (f) this.log.info({ path: this.path, held: items.length, dropped: droppedTotal(this.held), since: f.since }, 'outbox writable again; held readings stored');
    this.failure = undefined;
    this.held = emptyHold();
    store.checkpoint();
    this.maybeRetain(store);
    return { stored: res.inserted, held: 0, ids: res.ids, dataEvents: res.dataEvents };
  }

  private retainedAt = 0;

  /** Age retention (and any salvage still to do) at most hourly; the size cap whenever the database is over it. */
  private maybeRetain(store: Store): void {
    try {
      const t = this.now().getTime();
      if (t - this.retainedAt > 3_600_000 || store.usedBytes() > store.retention.sizeCapBytes) {
        this.retainedAt = t;
        store.enforceRetention();
        store.salvagePending();
      }
    } catch (err) {
      this.log.warn({ path: this.path, err: (err as Error).message }, 'retention failed; will retry');
    }
  }

  close(): void {
    // One last try for what is held: the disk may have come back since the last poll.
    if (this.held.count > 0) this.record([]);
    if (this.held.count > 0) {
      this.log.error({ path: this.path, held: this.held.count, dropped: droppedTotal(this.held) }, 'closing with readings held in memory that could not be stored; they are lost');
    }
    this.store?.close();
    this.store = undefined;
  }
}
