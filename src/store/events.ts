/**
 * The events table: what the outbox records about itself and the devices (data problems, data
 * losses, moves, …), kept until a heartbeat has carried them. Statements only: when an event is
 * written together with other rows, the caller's transaction holds both.
 */
import type Database from 'better-sqlite3';
import type { EventKind, EventSeverity } from '../contract/events.js';

export type { EventSeverity };

export interface StoreEvent {
  kind: EventKind;
  severity: EventSeverity;
  message: string;
  deviceKey?: string;
  data?: Record<string, unknown>;
  /** Defaults to the store's clock. */
  at?: string;
}

export interface StoredEvent extends StoreEvent {
  seq: number;
  at: string;
  reportedAt?: string;
}

/** Reported events kept for `meterbox status`. */
const EVENTS_KEPT = 10_000;
/** Unreported events are kept up to this many (a heartbeat outage of months). */
export const EVENTS_CEILING = 100_000;

export class EventLog {
  private readonly insertStmt: Database.Statement;

  constructor(
    private readonly db: Database.Database,
    private readonly now: () => Date,
  ) {
    this.insertStmt = db.prepare('INSERT INTO events (at, kind, severity, device_key, message, data) VALUES (@at, @kind, @severity, @deviceKey, @message, @data)');
  }

  /** Records an event (its own transaction, or part of the caller's). */
  add(e: StoreEvent): void {
    this.insertStmt.run({
      at: e.at ?? this.now().toISOString(),
      kind: e.kind,
      severity: e.severity,
      deviceKey: e.deviceKey ?? null,
      message: e.message,
      data: e.data ? JSON.stringify(e.data) : null,
    });
  }

  /** Events not yet carried by a heartbeat, oldest first. */
  unreported(limit = 100): StoredEvent[] {
    const rows = this.db
      .prepare('SELECT seq, at, kind, severity, device_key AS deviceKey, message, data FROM events WHERE reported_at IS NULL ORDER BY seq LIMIT ?')
      .all(limit) as { seq: number; at: string; kind: EventKind; severity: EventSeverity; deviceKey: string | null; message: string; data: string | null }[];
    return rows.map((r) => ({
      seq: r.seq,
      at: r.at,
      kind: r.kind,
      severity: r.severity,
      message: r.message,
      ...(r.deviceKey ? { deviceKey: r.deviceKey } : {}),
      ...(r.data ? { data: JSON.parse(r.data) as Record<string, unknown> } : {}),
    }));
  }

  markReported(seqs: readonly number[]): void {
    const at = this.now().toISOString();
    const st = this.db.prepare('UPDATE events SET reported_at = ? WHERE seq = ? AND reported_at IS NULL');
    this.db.transaction(() => {
      for (const s of seqs) st.run(at, s);
    }).immediate();
  }

  /** How many events of these kinds the store holds (e.g. data-loss events for health and metrics). */
  count(kinds: readonly string[]): number {
    if (kinds.length === 0) return 0;
    return this.db.prepare(`SELECT COUNT(*) FROM events WHERE kind IN (${kinds.map(() => '?').join(', ')})`).pluck().get(...kinds) as number;
  }

  /**
   * Retention of the events themselves (inside the caller's transaction): reported ones older than
   * `cutoff` go, and all but the newest EVENTS_KEPT reported ones. Events the heartbeat has not
   * carried yet are what tells the provider about data loss: they are kept past that cap, up to
   * EVENTS_CEILING. Returns how many unreported ones had to go even so.
   */
  prune(cutoff: string): number {
    this.db.prepare('DELETE FROM events WHERE at < ? AND reported_at IS NOT NULL').run(cutoff);
    this.db.prepare('DELETE FROM events WHERE reported_at IS NOT NULL AND seq <= (SELECT MAX(seq) FROM events) - ?').run(EVENTS_KEPT);
    return this.db.prepare('DELETE FROM events WHERE seq <= (SELECT MAX(seq) FROM events) - ?').run(EVENTS_CEILING).changes;
  }
}
