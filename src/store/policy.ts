/**
 * The pure core of the outbox: which readings go in the next batch, what retention prunes or
 * compacts, how a SQLite failure is classified (what is kept in memory while the disk refuses
 * writes is hold.ts). Plain values in, plain values out; no SQLite, no clock, no I/O.
 */
import type { ErrorCode } from '../contract/errors.js';

// ---------------------------------------------------------------------------------------------
// Batching

export interface BatchCandidate {
  id: string;
  bytes: number;
}

export interface BatchLimits {
  maxCount: number;
  maxBytes: number;
}

/**
 * Takes candidates (already oldest-first) while both limits hold. The first candidate is always
 * taken, even when it alone exceeds `maxBytes`: otherwise one large reading would block the
 * outbox forever (the provider may then reject it, which sets it aside with a reason).
 */
export function selectBatch<T extends BatchCandidate>(candidates: readonly T[], limits: BatchLimits): T[] {
  const out: T[] = [];
  let bytes = 0;
  for (const c of candidates) {
    if (out.length >= limits.maxCount) break;
    if (out.length > 0 && bytes + c.bytes > limits.maxBytes) break;
    out.push(c);
    bytes += c.bytes;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Receipts

export interface Receipt {
  accepted: readonly string[];
  duplicate: readonly string[];
  rejected: readonly { id: string; reason: string }[];
}

export interface ReceiptPlan {
  /** Ids to mark delivered (accepted or duplicate), each once. */
  deliver: string[];
  /** Ids to mark rejected with their reason; an id also delivered in the same receipt stays delivered. */
  reject: { id: string; reason: string }[];
}

/** Normalises a provider receipt: de-duplicates ids, and delivery wins over rejection. */
export function planReceipt(receipt: Receipt): ReceiptPlan {
  const deliver = [...new Set([...receipt.accepted, ...receipt.duplicate])];
  const delivered = new Set(deliver);
  const seen = new Set<string>();
  const reject: { id: string; reason: string }[] = [];
  for (const r of receipt.rejected) {
    if (delivered.has(r.id) || seen.has(r.id)) continue;
    seen.add(r.id);
    reject.push({ id: r.id, reason: r.reason });
  }
  return { deliver, reject };
}

// ---------------------------------------------------------------------------------------------
// Retention

export interface RetentionPolicy {
  /** Delivered (and rejected) readings older than this many days are pruned. */
  maxAgeDays: number;
  /** Upper bound on the bytes the database uses (used pages; free pages are reused). */
  sizeCapBytes: number;
}

export const DEFAULT_RETENTION: RetentionPolicy = { maxAgeDays: 90, sizeCapBytes: 200 * 1024 * 1024 };

/** Readings with `read_at` before the returned ISO time are old enough to prune. */
export function ageCutoff(now: Date, maxAgeDays: number): string {
  return new Date(now.getTime() - maxAgeDays * 86_400_000).toISOString();
}

export interface SizeState {
  usedBytes: number;
  capBytes: number;
  delivered: number;
  rejected: number;
  /** Pending (device, day) groups with more than two readings, i.e. something to compact. */
  compactableGroups: number;
  pending: number;
}

/**
 * The next step to bring the database under its size cap, cheapest loss first: delivered
 * readings (already billed), then rejected ones (kept aside for inspection), then compaction of
 * pending readings (counters are cumulative, so the first and last of a day keep the day's
 * usage), and only then the oldest pending readings themselves. The shell repeats
 * measure → plan → act until `none`.
 */
export type SizeStep = 'none' | 'prune-delivered' | 'prune-rejected' | 'compact-pending' | 'drop-oldest-pending';

export function nextSizeStep(s: SizeState): SizeStep {
  if (s.usedBytes <= s.capBytes) return 'none';
  if (s.delivered > 0) return 'prune-delivered';
  if (s.rejected > 0) return 'prune-rejected';
  if (s.compactableGroups > 0) return 'compact-pending';
  if (s.pending > 0) return 'drop-oldest-pending';
  return 'none';
}

/** How many rows of a class to delete to free about `excessBytes`, at `bytesPerRow` each; at least `min`. */
export function rowsToFree(excessBytes: number, bytesPerRow: number, available: number, min = 100): number {
  const per = Math.max(1, bytesPerRow);
  // 10 % more than the estimate, so the loop rarely needs a second round.
  const n = Math.ceil((excessBytes / per) * 1.1);
  return Math.min(available, Math.max(min, n));
}

export interface PendingRow {
  seq: number;
  deviceKey: string;
  readAt: string;
}

/** UTC day of an ISO timestamp. Days are UTC so that compaction does not depend on the box's time zone. */
export function utcDay(iso: string): string {
  return iso.slice(0, 10);
}

/**
 * Compaction of pending readings: per device per UTC day keep the first and the last reading
 * (by read time, then insertion order) and drop those between. Returns the seqs to drop and
 * the number of (device, day) groups that lost readings.
 */
export function planCompaction(rows: readonly PendingRow[]): { drop: number[]; groups: number; devices: number } {
  const groups = new Map<string, PendingRow[]>();
  for (const r of rows) {
    const k = `${r.deviceKey}\u0000${utcDay(r.readAt)}`;
    let g = groups.get(k);
    if (!g) groups.set(k, (g = []));
    g.push(r);
  }
  const drop: number[] = [];
  let touched = 0;
  const devices = new Set<string>();
  for (const g of groups.values()) {
    if (g.length <= 2) continue;
    g.sort((a, b) => (a.readAt < b.readAt ? -1 : a.readAt > b.readAt ? 1 : a.seq - b.seq));
    for (const r of g.slice(1, -1)) drop.push(r.seq);
    touched++;
    devices.add((g[0] as PendingRow).deviceKey);
  }
  drop.sort((a, b) => a - b);
  return { drop, groups: touched, devices: devices.size };
}

// ---------------------------------------------------------------------------------------------
// Write failures

export type StoreFailure = 'full' | 'readonly' | 'busy' | 'corrupt' | 'io' | 'other';

/** Classifies a SQLite (extended) result code or a Node fs error code. */
export function classifyFailure(code: string | undefined): StoreFailure {
  if (!code) return 'other';
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT') return 'full';
  if (code.startsWith('SQLITE_READONLY') || code === 'EROFS' || code === 'EACCES' || code === 'EPERM') return 'readonly';
  if (code.startsWith('SQLITE_CANTOPEN')) return 'readonly';
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'busy';
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') return 'corrupt';
  if (code.startsWith('SQLITE_IOERR') || code === 'EIO') return 'io';
  return 'other';
}

export const FAILURE_CODES: Record<StoreFailure, ErrorCode> = {
  full: 'MBX_STORE_FULL',
  readonly: 'MBX_STORE_READONLY',
  busy: 'MBX_STORE_BUSY',
  corrupt: 'MBX_STORE_CORRUPT',
  io: 'MBX_STORE_IO',
  other: 'MBX_STORE_IO',
};

export const FAILURE_ADVICE: Record<StoreFailure, string> = {
  full: 'the disk is full: free space on the filesystem that holds the database',
  readonly: 'the database or its directory is read-only: check the mount and the permissions of the state directory',
  busy: 'the database is locked by another process',
  corrupt: 'the database is damaged',
  io: 'the disk reported an I/O error',
  other: 'unexpected SQLite error',
};
