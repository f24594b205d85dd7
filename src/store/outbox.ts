/**
 * The outbox as the daemon uses it: a Store that survives its own failures. When the disk is
 * full, read-only or the database cannot be opened, polling goes on: the latest reading per
 * device is held in memory (policy.holdLatest), the failure is logged once and recorded as an
 * event, and storing resumes by itself (held readings first) once writes work again. No method
 * throws because of the disk; the process never dies of it.
 */
import { pino, type Logger } from 'pino';
import type { MeterboxError } from '../errors.js';
import type { Reading } from '../reading/types.js';
import { holdLatest, type HeldReadings, type StoreFailure } from './policy.js';
import { Store, failureOf, storeError, type SaveResult, type StoreEvent, type StoreOptions } from './store.js';

export interface RecordResult {
  /** Readings committed by this call (including held ones that could now be written). */
  stored: number;
  /** Readings now held in memory (one per device at most). */
  held: number;
  ids: string[];
  error?: MeterboxError;
}

export interface OutboxHealth {
  writable: boolean;
  failure?: { kind: StoreFailure; code: string; message: string; since: string; failedCycles: number };
  held: number;
  superseded: number;
}

export class Outbox {
  private store?: Store;
  private heldReadings: HeldReadings = { latest: new Map(), superseded: 0 };
  private failure?: { kind: StoreFailure; error: MeterboxError; since: string; failedCycles: number; eventWritten: boolean };
  private readonly log: Logger;
  private readonly now: () => Date;

  constructor(
    readonly path: string,
    private readonly opts: StoreOptions = {},
  ) {
    this.log = (opts.log ?? pino({ level: process.env.METERBOX_LOG_LEVEL ?? 'info' }, pino.destination(2))).child({ component: 'outbox' });
    this.now = opts.now ?? (() => new Date());
    this.tryOpen();
  }

  /** The open store, when there is one (for batches, receipts, status). */
  get current(): Store | undefined {
    return this.store;
  }

  health(): OutboxHealth {
    const f = this.failure;
    return {
      writable: !f && this.store !== undefined,
      ...(f ? { failure: { kind: f.kind, code: f.error.code, message: f.error.message, since: f.since, failedCycles: f.failedCycles } } : {}),
      held: this.heldReadings.latest.size,
      superseded: this.heldReadings.superseded,
    };
  }

  private tryOpen(): Store | undefined {
    if (this.store?.isOpen) return this.store;
    try {
      this.store = Store.open(this.path, { ...this.opts, log: this.opts.log ?? this.log });
      return this.store;
    } catch (err) {
      this.store = undefined;
      this.noteFailure(storeError(err, this.path, 'opening the outbox'));
      return undefined;
    }
  }

  private noteFailure(error: MeterboxError): void {
    const kind = failureOf(error);
    const prev = this.failure;
    if (prev && prev.kind === kind) {
      prev.failedCycles++;
      return;
    }
    this.failure = { kind, error, since: this.now().toISOString(), failedCycles: 1, eventWritten: false };
    this.log.error({ path: this.path, code: error.code, failure: kind, err: error.message }, 'outbox write failed; holding the latest reading per device in memory');
    // Write the event now when the database still takes a small write; otherwise when storing resumes.
    if (this.store && kind !== 'corrupt') {
      try {
        this.store.addEvent(this.failureEvent());
        this.failure.eventWritten = true;
      } catch {
        // expected when the disk is full or read-only
      }
    }
    if (kind === 'corrupt' || kind === 'readonly' || kind === 'io') {
      // Reopen next time: the reopen runs the integrity check and sees a remounted filesystem.
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

  /**
   * Stores one poll cycle in one transaction; while that is impossible, holds the latest
   * reading per device and says so in the result. Never throws for disk or database failures.
   */
  record(readings: readonly Reading[]): RecordResult {
    const store = this.tryOpen();
    const held = [...this.heldReadings.latest.values()];
    if (!store) {
      this.heldReadings = holdLatest(this.heldReadings, readings);
      return { stored: 0, held: this.heldReadings.latest.size, ids: [], error: this.failure?.error };
    }
    const events: StoreEvent[] = [];
    const f = this.failure;
    if (f) {
      if (!f.eventWritten) events.push(this.failureEvent());
      events.push({
        kind: 'store.resumed',
        severity: this.heldReadings.superseded > 0 ? 'warning' : 'info',
        message:
          `storing resumed after ${f.failedCycles} failed cycle(s) since ${f.since}: wrote ${held.length} reading(s) held in memory` +
          (this.heldReadings.superseded > 0 ? `; ${this.heldReadings.superseded} older reading(s) were replaced by newer ones of the same device and are lost` : ''),
        data: { failure: f.kind, since: f.since, failedCycles: f.failedCycles, held: held.length, superseded: this.heldReadings.superseded },
      });
    }
    let res: SaveResult;
    try {
      res = store.saveCycle([...held, ...readings], events);
    } catch (err) {
      this.noteFailure(storeError(err, this.path, 'storing a poll cycle'));
      this.heldReadings = holdLatest(this.heldReadings, readings);
      return { stored: 0, held: this.heldReadings.latest.size, ids: [], error: this.failure?.error };
    }
    if (f) this.log.info({ path: this.path, held: held.length, superseded: this.heldReadings.superseded, since: f.since }, 'outbox writable again; held readings stored');
    this.failure = undefined;
    this.heldReadings = { latest: new Map(), superseded: 0 };
    this.maybeRetain(store);
    return { stored: res.inserted, held: 0, ids: res.ids };
  }

  private retainedAt = 0;

  /** Age retention at most hourly; the size cap whenever the database is over it. */
  private maybeRetain(store: Store): void {
    try {
      const t = this.now().getTime();
      if (t - this.retainedAt > 3_600_000 || store.usedBytes() > store.retention.sizeCapBytes) {
        this.retainedAt = t;
        store.enforceRetention();
      }
    } catch (err) {
      this.log.warn({ path: this.path, err: (err as Error).message }, 'retention failed; will retry');
    }
  }

  close(): void {
    this.store?.close();
    this.store = undefined;
    if (this.heldReadings.latest.size > 0) {
      this.log.error({ path: this.path, held: this.heldReadings.latest.size }, 'closing with readings held in memory that could not be stored');
    }
  }
}
