/**
 * The write-ahead log, read without SQLite: which frames SQLite will replay, and whether a
 * damaged frame hides transactions that were committed after it. SQLite stops replaying at the
 * first frame whose checksum fails and silently drops every later frame, so a single damaged
 * page in the middle of the WAL loses every cycle committed after it without any error. This
 * module sees that before SQLite opens the file, and can overlay every committed frame (checksums
 * ignored, salts still required) on the database file for salvage.
 *
 * A damaged frame inside the last transaction is indistinguishable from a write torn by a power
 * cut, which SQLite rightly discards; only damage followed by later commits is reported.
 *
 * Format: https://www.sqlite.org/fileformat2.html §4 (WAL header, frames, checksum algorithm).
 * Pure: Buffers in, plain values out.
 */

const WAL_HEADER = 32;
const FRAME_HEADER = 24;
const MAGIC_LE = 0x377f0682;
const MAGIC_BE = 0x377f0683;

export interface WalFrame {
  /** Byte offset of the frame header in the WAL file. */
  offset: number;
  pgno: number;
  /** Database size in pages after this commit; 0 for frames that do not end a transaction. */
  commit: number;
  saltOk: boolean;
  checksumOk: boolean;
}

export interface WalInfo {
  headerOk: boolean;
  pageSize: number;
  frames: WalFrame[];
  /** Frames SQLite replays: up to the last commit frame before the first bad one. */
  replayed: number;
  /** Frames up to the last commit frame whose salts match the header (checksums ignored). */
  committed: number;
  /** Index of the first frame that fails its salt or checksum, if any. */
  firstBad?: number;
  /** Transactions committed after the first bad frame that SQLite would drop. */
  lostTransactions: number;
  /** True when committed transactions follow a bad frame: SQLite would lose them silently. */
  damaged: boolean;
}

/** SQLite's WAL checksum over `data[start, end)` (fileformat2 §4.3), continuing from (s0, s1). */
function walChecksum(data: Buffer, start: number, end: number, bigEndian: boolean, s0 = 0, s1 = 0): [number, number] {
  let a = s0;
  let b = s1;
  for (let i = start; i + 8 <= end; i += 8) {
    const x0 = bigEndian ? data.readUInt32BE(i) : data.readUInt32LE(i);
    const x1 = bigEndian ? data.readUInt32BE(i + 4) : data.readUInt32LE(i + 4);
    a = (a + x0 + b) >>> 0;
    b = (b + x1 + a) >>> 0;
  }
  return [a, b];
}

const EMPTY: WalInfo = { headerOk: false, pageSize: 0, frames: [], replayed: 0, committed: 0, lostTransactions: 0, damaged: false };

/**
 * Reads the WAL header and every complete frame. `pageSizeHint` (from the database header) is
 * used when the WAL header is unreadable.
 */
export function inspectWal(wal: Buffer, pageSizeHint?: number): WalInfo {
  if (wal.length < WAL_HEADER) return EMPTY;
  const magic = wal.readUInt32BE(0);
  const bigEndian = magic === MAGIC_BE;
  const stated = wal.readUInt32BE(8);
  const [h0, h1] = walChecksum(wal, 0, 24, bigEndian);
  const headerOk = (magic === MAGIC_LE || magic === MAGIC_BE) && h0 === wal.readUInt32BE(24) && h1 === wal.readUInt32BE(28) && stated >= 512 && stated <= 65536 && (stated & (stated - 1)) === 0;
  const pageSize = headerOk ? stated : (pageSizeHint ?? 0);
  if (!headerOk || pageSize === 0) return { ...EMPTY, pageSize };
  const salt1 = wal.readUInt32BE(16);
  const salt2 = wal.readUInt32BE(20);
  const frames: WalFrame[] = [];
  let s0 = h0;
  let s1 = h1;
  let chainOk = true;
  for (let off = WAL_HEADER; off + FRAME_HEADER + pageSize <= wal.length; off += FRAME_HEADER + pageSize) {
    const saltOk = wal.readUInt32BE(off + 8) === salt1 && wal.readUInt32BE(off + 12) === salt2;
    let checksumOk = false;
    if (chainOk && saltOk) {
      [s0, s1] = walChecksum(wal, off, off + 8, bigEndian, s0, s1);
      [s0, s1] = walChecksum(wal, off + FRAME_HEADER, off + FRAME_HEADER + pageSize, bigEndian, s0, s1);
      checksumOk = s0 === wal.readUInt32BE(off + 16) && s1 === wal.readUInt32BE(off + 20);
    }
    if (!checksumOk) chainOk = false;
    frames.push({ offset: off, pgno: wal.readUInt32BE(off), commit: wal.readUInt32BE(off + 4), saltOk, checksumOk });
  }
  const firstBadIndex = frames.findIndex((f) => !f.checksumOk);
  const firstBad = firstBadIndex >= 0 ? firstBadIndex : undefined;
  const lastCommitBefore = (end: number) => {
    for (let i = end - 1; i >= 0; i--) if ((frames[i] as WalFrame).commit > 0) return i + 1;
    return 0;
  };
  const replayed = lastCommitBefore(firstBad ?? frames.length);
  let committed = replayed;
  const commitsAfter: number[] = [];
  if (firstBad !== undefined) {
    for (let i = firstBad; i < frames.length; i++) {
      const f = frames[i] as WalFrame;
      if (f.saltOk && f.commit > 0) {
        commitsAfter.push(i);
        committed = i + 1;
      }
    }
  }
  // The transaction holding the first bad frame ends at the first commit after it; a torn write
  // can only be that last one. Commits after it are transactions SQLite would drop.
  const lostTransactions = Math.max(0, commitsAfter.length - 1);
  return { headerOk, pageSize, frames, replayed, committed, ...(firstBad !== undefined ? { firstBad } : {}), lostTransactions, damaged: lostTransactions > 0 };
}

/**
 * The newest version of each page in the first `upTo` frames (salts must match; checksums are
 * not required, so a damaged frame's page comes through as damage the b-tree reader handles).
 * Returns page → byte offset of the page data in the WAL, and the database size in pages after
 * the last commit.
 */
export function walOverlay(info: WalInfo, upTo: number): { pages: Map<number, number>; dbPages: number } {
  const pages = new Map<number, number>();
  let dbPages = 0;
  for (const f of info.frames.slice(0, upTo)) {
    if (!f.saltOk || f.pgno < 1) continue;
    pages.set(f.pgno, f.offset + FRAME_HEADER);
    if (f.commit > 0) dbPages = f.commit;
  }
  return { pages, dbPages };
}
