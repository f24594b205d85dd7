/**
 * How much disk the outbox may still need, so `doctor` and /healthz can warn before the
 * filesystem fills up rather than after. The database file grows until its used pages reach the
 * size cap (retention keeps it there); on top of that come the WAL and its index:
 *
 * - every write the outbox makes is bounded: a poll cycle, a receipt batch (≤ 500 readings), a
 *   retention step (≤ 2000 rows) or a vacuum step (≤ 256 pages), each followed by a checkpoint
 *   that truncates the WAL, and journal_size_limit caps what a passive checkpoint leaves;
 * - the worst WAL measured under those bounds (test/store/disk.test.ts prints it) is a few MiB,
 *   so WAL_HEADROOM_BYTES leaves a wide margin.
 * Pure apart from measureOutboxDisk, which asks the filesystem.
 */
import { existsSync, statSync, statfsSync } from 'node:fs';
import { dirname } from 'node:path';

/** Room for the WAL and its shared-memory index at their worst (measured peak × 2, rounded up). */
export const WAL_HEADROOM_BYTES = 16 * 1024 * 1024;

export interface DiskNeed {
  /** Bytes the outbox may still add on its filesystem. */
  needBytes: number;
  capBytes: number;
  fileBytes: number;
  walHeadroomBytes: number;
}

/** What the outbox may still need: growth of the file to its cap, plus the WAL headroom. */
export function outboxDiskNeed(o: { capBytes: number; fileBytes: number }): DiskNeed {
  const growth = Math.max(0, o.capBytes - o.fileBytes);
  return { needBytes: growth + WAL_HEADROOM_BYTES, capBytes: o.capBytes, fileBytes: o.fileBytes, walHeadroomBytes: WAL_HEADROOM_BYTES };
}

export type DiskVerdict = 'ok' | 'low' | 'critical';

const mib = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MiB`;

/**
 * low: the disk fills before the outbox reaches its cap (it will refuse writes one day);
 * critical: not even the WAL headroom is free (the next retention step or large cycle may fail now).
 */
export function diskVerdict(freeBytes: number, need: DiskNeed, where: string): { verdict: DiskVerdict; message: string; remedy?: string } {
  const detail = `${mib(freeBytes)} free on ${where}; the outbox may still need ${mib(need.needBytes)} (cap ${mib(need.capBytes)}, ${mib(need.fileBytes)} in the file, ${mib(need.walHeadroomBytes)} for the WAL)`;
  if (freeBytes < need.walHeadroomBytes) return { verdict: 'critical', message: `disk almost full: ${detail}`, remedy: 'free space on that filesystem now; readings are held in memory only up to a bound' };
  if (freeBytes < need.needBytes) {
    const fits = Math.max(1, Math.floor((need.fileBytes + freeBytes - need.walHeadroomBytes) / 1024 / 1024));
    return { verdict: 'low', message: `disk will fill before the outbox reaches its cap: ${detail}`, remedy: `free space, or lower storage.maxBytes to at most ${fits} MiB (${fits * 1024 * 1024})` };
  }
  return { verdict: 'ok', message: detail };
}

export interface DiskState {
  freeBytes: number;
  /** The directory whose filesystem was measured (the nearest that exists). */
  dir: string;
  need: DiskNeed;
}

/** Free space beside the outbox at `path` and what the outbox may still need there. Throws when the filesystem cannot be asked. */
export function measureOutboxDisk(path: string, capBytes: number): DiskState {
  let dir = dirname(path);
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  const fs = statfsSync(dir);
  const size = (p: string) => (existsSync(p) ? statSync(p).size : 0);
  return { freeBytes: fs.bavail * fs.bsize, dir, need: outboxDiskNeed({ capBytes, fileBytes: size(path) }) };
}
