/**
 * The readings table: the outbox proper. A reading is pending until the provider's receipt says
 * delivered or rejected; batches go out oldest first. Statements only: the transactions that
 * also touch devices, events, deliveries or meta are the Store's (store.ts), and what to prune or
 * compact is decided by policy.ts.
 */
import type Database from 'better-sqlite3';
import type { Reading } from '../contract/reading.js';
import { selectBatch, utcDay, type BatchLimits } from './policy.js';

export interface OutboxItem {
  seq: number;
  id: string;
  deviceKey: string;
  readAt: string;
  bytes: number;
  attempts: number;
  /** The Reading JSON exactly as stored. */
  body: string;
}

export interface OutboxCounts {
  pending: number;
  delivered: number;
  rejected: number;
  oldestPendingAt?: string;
}

export type ReadingState = 'pending' | 'delivered' | 'rejected';

const DEFAULT_LIMITS: BatchLimits = { maxCount: 500, maxBytes: 4 * 1024 * 1024 };

export class ReadingTable {
  private readonly s;

  constructor(private readonly db: Database.Database) {
    this.s = {
      insert: db.prepare(
        `INSERT INTO readings (id, device_key, read_at, day, body, bytes, stored_at)
         VALUES (@id, @deviceKey, @readAt, @day, @body, @bytes, @storedAt) ON CONFLICT (id) DO NOTHING`,
      ),
      pendingHead: db.prepare("SELECT seq, id, bytes FROM readings WHERE state = 'pending' ORDER BY read_at, seq LIMIT ?"),
      bySeq: db.prepare('SELECT seq, id, device_key AS deviceKey, read_at AS readAt, bytes, attempts, body FROM readings WHERE seq = ?'),
      markDelivered: db.prepare("UPDATE readings SET state = 'delivered', delivered_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ? AND state = 'pending'"),
      markRejected: db.prepare("UPDATE readings SET state = 'rejected', last_error = ?, attempts = attempts + 1 WHERE id = ? AND state = 'pending'"),
      stateOf: db.prepare('SELECT state FROM readings WHERE id = ?').pluck(),
      attempt: db.prepare("UPDATE readings SET attempts = attempts + 1, last_error = ? WHERE id = ? AND state = 'pending'"),
      countState: db.prepare('SELECT COUNT(*) FROM readings WHERE state = ?').pluck(),
      deleteSeq: db.prepare('DELETE FROM readings WHERE seq = ?'),
    };
  }

  /** Stores a reading as pending; false when its id is already stored (saving twice is harmless). */
  insert(r: Reading, storedAt: string): boolean {
    const body = JSON.stringify(r);
    return this.s.insert.run({ id: r.id, deviceKey: r.device.key, readAt: r.readAt, day: utcDay(r.readAt), body, bytes: Buffer.byteLength(body), storedAt }).changes > 0;
  }

  /** The next readings to send, oldest first, within `limits` (count and body bytes). Changes nothing. */
  nextBatch(limits: Partial<BatchLimits> = {}): OutboxItem[] {
    const l = { ...DEFAULT_LIMITS, ...limits };
    const head = this.s.pendingHead.all(l.maxCount) as { seq: number; id: string; bytes: number }[];
    return selectBatch(head, l).map((c) => this.s.bySeq.get(c.seq) as OutboxItem);
  }

  /** pending → delivered; false when the reading is not pending (already settled, or unknown). */
  markDelivered(id: string, at: string): boolean {
    return this.s.markDelivered.run(at, id).changes > 0;
  }

  /** pending → rejected with the provider's reason; false when the reading is not pending. */
  markRejected(id: string, reason: string): boolean {
    return this.s.markRejected.run(reason, id).changes > 0;
  }

  /** Whether the outbox holds this id at all. */
  has(id: string): boolean {
    return this.s.stateOf.get(id) !== undefined;
  }

  /** Counts a failed delivery attempt against a pending reading. */
  attemptFailed(id: string, error: string): void {
    this.s.attempt.run(error, id);
  }

  count(state: ReadingState): number {
    return this.s.countState.get(state) as number;
  }

  countAll(): number {
    return this.db.prepare('SELECT COUNT(*) FROM readings').pluck().get() as number;
  }

  counts(): OutboxCounts {
    const oldest = this.db.prepare("SELECT read_at FROM readings WHERE state = 'pending' ORDER BY read_at, seq LIMIT 1").pluck().get() as string | undefined;
    return { pending: this.count('pending'), delivered: this.count('delivered'), rejected: this.count('rejected'), oldestPendingAt: oldest };
  }

  // ------------------------------------------------------------ retention (store/retention.ts decides)

  /** Deletes up to `max` readings in `state` read before `cutoff`; how many went. */
  pruneOlderThan(state: 'delivered' | 'rejected', cutoff: string, max: number): number {
    return this.db.prepare('DELETE FROM readings WHERE seq IN (SELECT seq FROM readings WHERE state = ? AND read_at < ? LIMIT ?)').run(state, cutoff, max).changes;
  }

  /** Deletes the `n` oldest readings in `state`; how many went. */
  pruneOldest(state: 'delivered' | 'rejected', n: number): number {
    return this.db.prepare('DELETE FROM readings WHERE seq IN (SELECT seq FROM readings WHERE state = ? ORDER BY read_at, seq LIMIT ?)').run(state, n).changes;
  }

  /** Whether some device has more than two pending readings on one day (what compaction thins). */
  hasCompactableDay(): boolean {
    return (this.db.prepare("SELECT COUNT(*) FROM (SELECT 1 FROM readings WHERE state = 'pending' GROUP BY day, device_key HAVING COUNT(*) > 2 LIMIT 1)").pluck().get() as number) > 0;
  }

  /** The oldest such day. */
  firstCompactableDay(): string {
    return this.db.prepare("SELECT day FROM readings WHERE state = 'pending' GROUP BY day, device_key HAVING COUNT(*) > 2 ORDER BY day LIMIT 1").pluck().get() as string;
  }

  pendingOfDay(day: string): { seq: number; deviceKey: string; readAt: string }[] {
    return this.db.prepare("SELECT seq, device_key AS deviceKey, read_at AS readAt FROM readings WHERE state = 'pending' AND day = ?").all(day) as { seq: number; deviceKey: string; readAt: string }[];
  }

  oldestPending(n: number): { seq: number; readAt: string; deviceKey: string }[] {
    return this.db.prepare("SELECT seq, read_at AS readAt, device_key AS deviceKey FROM readings WHERE state = 'pending' ORDER BY read_at, seq LIMIT ?").all(n) as { seq: number; readAt: string; deviceKey: string }[];
  }

  deleteSeqs(seqs: readonly number[]): number {
    let n = 0;
    for (const seq of seqs) n += this.s.deleteSeq.run(seq).changes;
    return n;
  }
}
