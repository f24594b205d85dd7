/**
 * A damaged database file (and its WAL) as a PageSource, read with plain file reads: SQLite is
 * never asked to open it, so nothing is written, locked or checkpointed, and reading works on
 * files SQLite refuses. Pages are read on demand; the WAL (kept small by the outbox's
 * checkpoints) is read whole.
 */
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { PageError, parseHeader, parsePage, type DbHeader, type PageSource } from './pages.js';
import { inspectWal, walOverlay, type WalInfo } from './wal.js';

export interface DamagedFile {
  src: PageSource;
  /** The WAL beside the file, when there is one. */
  wal?: WalInfo;
  /** Frames overlaid on the file (all committed ones, checksums ignored, when the WAL is damaged). */
  walFramesUsed: number;
  close(): void;
}

const CANDIDATE_PAGE_SIZES = [8192, 4096, 1024, 2048, 16384, 32768, 65536, 512];

/** With the header gone: the page size under which most of the first pages parse as b-tree pages. */
function guessPageSize(read: (offset: number, length: number) => Buffer, size: number): number {
  let best = { size: 4096, score: -1 };
  for (const ps of CANDIDATE_PAGE_SIZES) {
    const pages = Math.min(64, Math.floor(size / ps));
    let score = 0;
    const probe: PageSource = { pageSize: ps, usable: ps, pageCount: Math.floor(size / ps), page: () => undefined };
    for (let n = 2; n <= pages; n++) {
      try {
        if (parsePage(probe, n, read((n - 1) * ps, ps)).badCells.length === 0) score++;
      } catch (err) {
        if (!(err instanceof PageError)) throw err;
      }
    }
    if (score > best.score) best = { size: ps, score };
  }
  return best.size;
}

/** Opens `path` (and `path`-wal) for page reads. With `allCommitted`, committed WAL frames after a damaged one are used too. */
export function openDamagedFile(path: string, opts: { allCommitted?: boolean } = {}): DamagedFile {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const read = (offset: number, length: number): Buffer => {
      const buf = Buffer.alloc(length);
      const n = offset < size ? readSync(fd, buf, 0, length, offset) : 0;
      return n === length ? buf : buf.subarray(0, n);
    };
    let header: DbHeader | undefined = parseHeader(read(0, 100));
    const walPath = `${path}-wal`;
    const walBuf = existsSync(walPath) ? readFileSync(walPath) : undefined;
    const wal = walBuf ? inspectWal(walBuf, header?.pageSize) : undefined;
    const pageSize = header?.pageSize ?? (wal?.headerOk ? wal.pageSize : guessPageSize(read, size));
    const upTo = wal ? (opts.allCommitted ? wal.committed : wal.replayed) : 0;
    const overlay = wal ? walOverlay(wal, upTo) : { pages: new Map<number, number>(), dbPages: 0 };
    const pageCount = overlay.dbPages > 0 ? overlay.dbPages : Math.floor(size / pageSize);
    const page = (pgno: number): Buffer | undefined => {
      if (pgno < 1 || pgno > pageCount) return undefined;
      const at = overlay.pages.get(pgno);
      if (at !== undefined && walBuf) return walBuf.subarray(at, at + pageSize);
      const buf = read((pgno - 1) * pageSize, pageSize);
      return buf.length === pageSize ? buf : undefined;
    };
    // Page 1 in the WAL carries the newer header (freelist, page count).
    const first = page(1);
    header = (first && parseHeader(first)) ?? header;
    const usable = pageSize - (header?.reserved ?? 0);
    const src: PageSource = { pageSize, usable, pageCount, page, ...(header ? { header } : {}) };
    return { src, ...(wal ? { wal } : {}), walFramesUsed: upTo, close: () => closeSync(fd) };
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

/** A WAL beside `path` that would make SQLite drop committed transactions: what is wrong, or undefined. */
export function walDamage(path: string): string | undefined {
  const walPath = `${path}-wal`;
  if (!existsSync(walPath)) return undefined;
  let header: DbHeader | undefined;
  try {
    const fd = openSync(path, 'r');
    try {
      const b = Buffer.alloc(100);
      readSync(fd, b, 0, 100, 0);
      header = parseHeader(b);
    } finally {
      closeSync(fd);
    }
  } catch {
    // no database file yet: the WAL alone says nothing SQLite will use
    return undefined;
  }
  const info = inspectWal(readFileSync(walPath), header?.pageSize);
  if (!info.damaged) return undefined;
  return `the WAL is damaged: frame ${(info.firstBad ?? 0) + 1} of ${info.frames.length} fails its checksum, and ${info.lostTransactions} transaction(s) committed after it would be dropped by SQLite`;
}
