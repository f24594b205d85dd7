/** The deliveries table: the audit of every request to the provider (the last 10,000). */
import type Database from 'better-sqlite3';

/** One request to the provider, for the delivery audit. */
export interface DeliveryRecord {
  kind: 'readings' | 'heartbeat';
  count: number;
  /** Request body bytes on the wire (gzip). */
  bytes: number;
  /** HTTP status, or undefined when no answer came. */
  status?: number;
  accepted?: number;
  duplicate?: number;
  rejected?: number;
  ms?: number;
  /** `MBX_CODE: message` of a failure. */
  error?: string;
  /** Defaults to the store's clock. */
  at?: string;
}

/** One request to the provider as the audit holds it (schema 2). */
export interface DeliveryRow {
  seq: number;
  at: string;
  kind: 'readings' | 'heartbeat';
  count: number;
  bytes: number;
  /** HTTP status; absent when no answer came. */
  status?: number;
  accepted: number;
  duplicate: number;
  rejected: number;
  ms?: number;
  error?: string;
}

/** The audit keeps the last this many requests; trimmed every 500 inserts. */
const KEPT = 10_000;

function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined)) as T;
}

/** Newest first; [] on a database from before the delivery audit (also read-only, for `meterbox status`). */
export function recentDeliveries(db: Database.Database, limit: number): DeliveryRow[] {
  const has = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'deliveries'").get();
  if (!has || limit <= 0) return [];
  const rows = db.prepare('SELECT seq, at, kind, count, bytes, status, accepted, duplicate, rejected, ms, error FROM deliveries ORDER BY seq DESC LIMIT ?').all(limit) as Record<string, unknown>[];
  return rows.map((r) => defined(r) as unknown as DeliveryRow);
}

export class DeliveryLog {
  private inserted = 0;
  // Prepared on first use: a store opened with an older migration list (tests) has no deliveries table.
  private stmt?: { insert: Database.Statement; trim: Database.Statement };

  constructor(
    private readonly db: Database.Database,
    private readonly now: () => Date,
  ) {}

  /** Records one request (its own transaction, or part of the caller's). */
  record(d: DeliveryRecord): void {
    this.stmt ??= {
      insert: this.db.prepare(
        `INSERT INTO deliveries (at, kind, count, bytes, status, accepted, duplicate, rejected, ms, error)
         VALUES (@at, @kind, @count, @bytes, @status, @accepted, @duplicate, @rejected, @ms, @error)`,
      ),
      trim: this.db.prepare(`DELETE FROM deliveries WHERE seq <= (SELECT MAX(seq) FROM deliveries) - ${KEPT}`),
    };
    this.stmt.insert.run({
      at: d.at ?? this.now().toISOString(),
      kind: d.kind,
      count: d.count,
      bytes: d.bytes,
      status: d.status ?? null,
      accepted: d.accepted ?? 0,
      duplicate: d.duplicate ?? 0,
      rejected: d.rejected ?? 0,
      ms: d.ms === undefined ? null : Math.round(d.ms),
      error: d.error ?? null,
    });
    if (++this.inserted % 500 === 0) this.stmt.trim.run();
  }

  /** The most recent requests, newest first. */
  recent(limit = 10): DeliveryRow[] {
    return recentDeliveries(this.db, limit);
  }
}
