/**
 * A read-only reader of SQLite's on-disk b-trees, page by page, for salvaging a damaged outbox.
 * SQLite itself stops at the first bad page of a table; this reader walks every tree from its
 * root as far as the pages hold, then scans every page that no tree reached (the children of a
 * damaged root or interior page) for leaf cells, and follows overflow chains. Every structure is
 * checked before it is trusted, so a damaged page costs its own cells and nothing else.
 *
 * Pure: pages come from a PageSource (file + WAL overlay in salvage.ts, Buffers in the tests).
 * Format: https://www.sqlite.org/fileformat2.html (§1.3 header, §1.5 freelist, §1.6 b-tree
 * pages, §1.7 cell payload overflow, §2.1 record format, §1.8 pointer map).
 */

export type SqlValue = null | number | bigint | string | Buffer;

export interface PageSource {
  readonly pageSize: number;
  /** Page size minus the reserved bytes at the end of each page. */
  readonly usable: number;
  readonly pageCount: number;
  /** Page `pgno` (1-based), or undefined when it cannot be read. */
  page(pgno: number): Buffer | undefined;
  /** The 100-byte database header, when it is intact. */
  readonly header?: DbHeader;
}

export interface DbHeader {
  pageSize: number;
  reserved: number;
  firstFreelistTrunk: number;
  freelistCount: number;
  /** Largest root page in auto-vacuum mode (then pointer-map pages exist); 0 otherwise. */
  largestRoot: number;
  textEncoding: number;
}

const MAGIC = 'SQLite format 3\u0000';

/** The database header of page 1, when its magic string and page size make sense. */
export function parseHeader(first: Buffer): DbHeader | undefined {
  if (first.length < 100 || first.toString('latin1', 0, 16) !== MAGIC) return undefined;
  const raw = first.readUInt16BE(16);
  const pageSize = raw === 1 ? 65536 : raw;
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) return undefined;
  return {
    pageSize,
    reserved: first.readUInt8(20),
    firstFreelistTrunk: first.readUInt32BE(32),
    freelistCount: first.readUInt32BE(36),
    largestRoot: first.readUInt32BE(52),
    textEncoding: first.readUInt32BE(56),
  };
}

export class PageError extends Error {}

/** A varint at `off`: 1–9 bytes, big-endian, 7 bits per byte except a full 9th byte. */
function readVarint(buf: Buffer, off: number, end = buf.length): { value: number | bigint; next: number } {
  let v = 0n;
  for (let i = 0; i < 9; i++) {
    if (off + i >= end) throw new PageError('varint runs past its cell');
    const b = buf.readUInt8(off + i);
    if (i === 8) {
      v = (v << 8n) | BigInt(b);
      return { value: small(BigInt.asIntN(64, v)), next: off + 9 };
    }
    v = (v << 7n) | BigInt(b & 0x7f);
    if ((b & 0x80) === 0) return { value: small(v), next: off + i + 1 };
  }
  throw new PageError('unreachable');
}

function small(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

function readCount(buf: Buffer, off: number, end: number): { value: number; next: number } {
  const r = readVarint(buf, off, end);
  if (typeof r.value !== 'number' || r.value < 0) throw new PageError('a length is out of range');
  return { value: r.value, next: r.next };
}

export type PageKind = 'table-interior' | 'table-leaf' | 'index-interior' | 'index-leaf';

const KINDS: Record<number, PageKind> = { 2: 'index-interior', 5: 'table-interior', 10: 'index-leaf', 13: 'table-leaf' };

export interface Cell {
  /** Table cells: the rowid (a key in interior pages). */
  rowid?: number | bigint;
  /** Interior cells: the child page left of this key. */
  child?: number;
  /** Leaf cells and index cells: the payload (a record), overflow included. */
  payload?: Buffer;
}

export interface ParsedPage {
  kind: PageKind;
  cells: Cell[];
  /** Interior pages: the right-most child. */
  right?: number;
  /** Cells that could not be read (bad offsets, broken overflow chains), each with why. */
  badCells: string[];
  /** Overflow pages this page's cells use (owned by the tree). */
  overflowPages: number[];
}

/** Local payload bytes of a cell with `total` payload bytes (fileformat2 §1.7). */
function localPayload(total: number, usable: number, kind: PageKind): number {
  const maxLocal = kind === 'table-leaf' ? usable - 35 : Math.floor(((usable - 12) * 64) / 255) - 23;
  if (total <= maxLocal) return total;
  const minLocal = Math.floor(((usable - 12) * 32) / 255) - 23;
  const k = minLocal + ((total - minLocal) % (usable - 4));
  return k <= maxLocal ? k : minLocal;
}

/**
 * Parses one b-tree page and checks every offset against the page before using it. Throws
 * PageError when the page header itself is not a b-tree page; a bad cell only lands in `badCells`.
 */
export function parsePage(src: PageSource, pgno: number, buf: Buffer): ParsedPage {
  const base = pgno === 1 ? 100 : 0;
  const usable = src.usable;
  if (buf.length < base + 8) throw new PageError(`page ${pgno} is short`);
  const kind = KINDS[buf.readUInt8(base)];
  if (!kind) throw new PageError(`page ${pgno} is not a b-tree page (type byte ${buf.readUInt8(base)})`);
  const interior = kind === 'table-interior' || kind === 'index-interior';
  const headerSize = interior ? 12 : 8;
  const count = buf.readUInt16BE(base + 3);
  const contentStartRaw = buf.readUInt16BE(base + 5);
  const contentStart = contentStartRaw === 0 ? 65536 : contentStartRaw;
  const pointers = base + headerSize;
  if (pointers + 2 * count > usable || (count > 0 && contentStart > usable) || contentStart < pointers + 2 * count) {
    throw new PageError(`page ${pgno}: ${count} cells do not fit (content area at ${contentStart})`);
  }
  const page: ParsedPage = { kind, cells: [], badCells: [], overflowPages: [] };
  if (interior) {
    const right = buf.readUInt32BE(base + 8);
    if (!validChild(src, right, pgno)) throw new PageError(`page ${pgno}: right-most child ${right} is out of range`);
    page.right = right;
  }
  for (let i = 0; i < count; i++) {
    const at = buf.readUInt16BE(pointers + 2 * i);
    try {
      if (at < contentStart || at >= usable) throw new PageError(`cell ${i} at offset ${at} is outside the content area`);
      page.cells.push(readCell(src, kind, buf, at, pgno, page.overflowPages));
    } catch (err) {
      if (!(err instanceof PageError)) throw err;
      page.badCells.push(`page ${pgno} cell ${i}: ${err.message}`);
    }
  }
  return page;
}

function validChild(src: PageSource, child: number, self: number): boolean {
  return child >= 2 && child <= src.pageCount && child !== self;
}

function readCell(src: PageSource, kind: PageKind, buf: Buffer, at: number, pgno: number, overflow: number[]): Cell {
  const end = src.usable;
  if (kind === 'table-interior') {
    if (at + 5 > end) throw new PageError('cell runs past the page');
    const child = buf.readUInt32BE(at);
    if (!validChild(src, child, pgno)) throw new PageError(`child page ${child} is out of range`);
    return { child, rowid: readVarint(buf, at + 4, end).value };
  }
  let off = at;
  let child: number | undefined;
  if (kind === 'index-interior') {
    if (at + 4 > end) throw new PageError('cell runs past the page');
    child = buf.readUInt32BE(at);
    if (!validChild(src, child, pgno)) throw new PageError(`child page ${child} is out of range`);
    off += 4;
  }
  const size = readCount(buf, off, end);
  off = size.next;
  let rowid: number | bigint | undefined;
  if (kind === 'table-leaf') {
    const r = readVarint(buf, off, end);
    rowid = r.value;
    off = r.next;
  }
  const total = size.value;
  if (total > 1 << 30) throw new PageError(`payload of ${total} bytes is implausible`);
  const local = localPayload(total, end, kind);
  if (off + local > end) throw new PageError('payload runs past the page');
  const payload = Buffer.alloc(total);
  buf.copy(payload, 0, off, off + local);
  if (local < total) {
    if (off + local + 4 > end) throw new PageError('overflow pointer runs past the page');
    readOverflow(src, buf.readUInt32BE(off + local), payload, local, pgno, overflow);
  }
  return { ...(child !== undefined ? { child } : {}), ...(rowid !== undefined ? { rowid } : {}), payload };
}

function readOverflow(src: PageSource, first: number, into: Buffer, from: number, pgno: number, owned: number[]): void {
  const per = src.usable - 4;
  let next = first;
  let filled = from;
  const seen = new Set<number>();
  while (filled < into.length) {
    if (!validChild(src, next, pgno) || seen.has(next)) throw new PageError(`overflow chain breaks at page ${next}`);
    seen.add(next);
    const p = src.page(next);
    if (!p) throw new PageError(`overflow page ${next} cannot be read`);
    const n = Math.min(per, into.length - filled);
    p.copy(into, filled, 4, 4 + n);
    filled += n;
    owned.push(next);
    next = p.readUInt32BE(0);
  }
}

/** Decodes a record (fileformat2 §2.1); throws PageError when its header and body disagree. */
function decodeRecord(payload: Buffer): SqlValue[] {
  const head = readCount(payload, 0, payload.length);
  if (head.value < 1 || head.value > payload.length) throw new PageError('record header size is out of range');
  const types: number[] = [];
  let off = head.next;
  while (off < head.value) {
    const t = readVarint(payload, off, head.value);
    if (typeof t.value !== 'number' || t.value < 0 || t.value === 10 || t.value === 11) throw new PageError(`bad serial type ${String(t.value)}`);
    types.push(t.value);
    off = t.next;
  }
  if (off !== head.value) throw new PageError('record header is torn');
  const values: SqlValue[] = [];
  let body = head.value;
  for (const t of types) {
    const len = serialLength(t);
    if (body + len > payload.length) throw new PageError('record body is shorter than its header says');
    values.push(serialValue(t, payload, body, len));
    body += len;
  }
  if (body !== payload.length) throw new PageError('record body is longer than its header says');
  return values;
}

const INT_SIZES = [0, 1, 2, 3, 4, 6, 8];

function serialLength(t: number): number {
  if (t <= 6) return INT_SIZES[t] as number;
  if (t === 7) return 8;
  if (t === 8 || t === 9) return 0;
  return Math.floor((t - 12) / 2);
}

function serialValue(t: number, buf: Buffer, off: number, len: number): SqlValue {
  if (t === 0) return null;
  if (t === 8) return 0;
  if (t === 9) return 1;
  if (t === 7) return buf.readDoubleBE(off);
  if (t <= 6) {
    if (len === 8) return small(buf.readBigInt64BE(off));
    return buf.readIntBE(off, len);
  }
  if (t % 2 === 0) return Buffer.from(buf.subarray(off, off + len));
  const text = buf.subarray(off, off + len);
  const s = text.toString('utf8');
  // Damaged text decodes with replacement characters: keep it out (the caller counts it as unreadable).
  if (s.includes('\uFFFD') && !text.includes(Buffer.from('\uFFFD'))) throw new PageError('text is not valid UTF-8');
  return s;
}

// ---------------------------------------------------------------------------------------------
// Whole-file scan

export interface SchemaEntry {
  type: string;
  name: string;
  table: string;
  root: number;
  sql: string;
}

export interface TreeReport {
  /** Rows read from this tree's leaves. */
  rows: number;
  /** Pages of this tree that could not be read, each with why. */
  bad: string[];
}

export interface Row {
  /** Table rows: the rowid. */
  rowid?: number | bigint;
  /** Table rows: the record's values; index rows: the key's values (rowid last). */
  values: SqlValue[];
}

/** Where rows come from: a tree reached from its root, or a leaf page no tree reached. */
export type RowOrigin = { tree: SchemaEntry } | { orphan: number; kind: PageKind };

export interface ScanResult {
  pageSize: number;
  pageCount: number;
  /** sqlite_schema as read from page 1; empty when page 1 is damaged. */
  schema: SchemaEntry[];
  /** Per tree, by root page. */
  trees: Map<number, TreeReport>;
  /** Leaf pages that no tree reached and no freelist holds (children of damaged pages). */
  orphanPages: number;
  /** Pages in no tree, not free and not a leaf (interior pages of lost subtrees, garbage). */
  unidentified: number;
  /** Cells or pages that could not be read, each with why. */
  bad: string[];
}

function rowsOf(page: ParsedPage, bad: string[]): Row[] {
  const out: Row[] = [];
  for (const c of page.cells) {
    if (!c.payload) continue;
    try {
      out.push({ ...(c.rowid !== undefined ? { rowid: c.rowid } : {}), values: decodeRecord(c.payload) });
    } catch (err) {
      if (!(err instanceof PageError)) throw err;
      bad.push(`rowid ${String(c.rowid ?? '?')}: ${err.message}`);
    }
  }
  return out;
}

/** Pages of the freelist (trunks and leaves), as far as the chain can be followed. */
function freelistPages(src: PageSource, h: DbHeader | undefined): Set<number> {
  const free = new Set<number>();
  if (!h) return free;
  let trunk = h.firstFreelistTrunk;
  const per = src.usable / 4 - 2;
  while (trunk >= 2 && trunk <= src.pageCount && !free.has(trunk) && free.size <= h.freelistCount) {
    free.add(trunk);
    const p = src.page(trunk);
    if (!p) break;
    const n = p.readUInt32BE(4);
    if (n > per) break;
    for (let i = 0; i < n; i++) {
      const leaf = p.readUInt32BE(8 + 4 * i);
      if (leaf >= 2 && leaf <= src.pageCount) free.add(leaf);
    }
    trunk = p.readUInt32BE(0);
  }
  return free;
}

/** Pointer-map pages of an auto-vacuum database: 2, then every usable/5 + 1 pages (§1.8). */
function isPointerMap(pgno: number, src: PageSource, h: DbHeader | undefined): boolean {
  if (!h || h.largestRoot === 0 || pgno < 2) return false;
  const span = Math.floor(src.usable / 5) + 1;
  return (pgno - 2) % span === 0;
}

/**
 * Walks the tree at `root`, handing leaf rows to `sink` in key order. A page that cannot be read
 * is noted and its subtree skipped; the leaves under it turn up later as orphans.
 */
function walkTree(src: PageSource, root: number, reached: Set<number>, sink: (rows: Row[]) => void): TreeReport {
  const report: TreeReport = { rows: 0, bad: [] };
  const stack = [root];
  while (stack.length > 0) {
    const pgno = stack.pop() as number;
    if (reached.has(pgno)) {
      report.bad.push(`page ${pgno} is reached twice`);
      continue;
    }
    const buf = src.page(pgno);
    if (!buf) {
      report.bad.push(`page ${pgno} cannot be read`);
      continue;
    }
    let page: ParsedPage;
    try {
      page = parsePage(src, pgno, buf);
    } catch (err) {
      if (!(err instanceof PageError)) throw err;
      report.bad.push(err.message);
      continue;
    }
    reached.add(pgno);
    for (const o of page.overflowPages) reached.add(o);
    report.bad.push(...page.badCells);
    if (page.kind !== 'table-interior') {
      const rows = rowsOf(page, report.bad);
      report.rows += rows.length;
      if (rows.length > 0) sink(rows);
    }
    if (page.kind === 'table-interior' || page.kind === 'index-interior') {
      // Pushed right to left, so the left-most child comes off the stack first: key order.
      if (page.right !== undefined) stack.push(page.right);
      for (let i = page.cells.length - 1; i >= 0; i--) {
        const c = page.cells[i]?.child;
        if (c !== undefined) stack.push(c);
      }
    }
  }
  return report;
}

/**
 * Reads everything readable: the schema, every tree from its root, then the leaf pages no tree
 * reached. Rows go to `sink` as they are read (trees first, then orphans), so a large file is
 * never held in memory.
 */
export function scanDatabase(src: PageSource, sink: (origin: RowOrigin, rows: Row[]) => void): ScanResult {
  const reached = new Set<number>();
  const trees = new Map<number, TreeReport>();
  const schema: SchemaEntry[] = [];
  trees.set(
    1,
    walkTree(src, 1, reached, (rows) => {
      for (const r of rows) {
        const [type, name, table, root, sql] = r.values;
        if (typeof type !== 'string' || typeof name !== 'string' || typeof root !== 'number' || root < 2 || root > src.pageCount) continue;
        schema.push({ type, name, table: typeof table === 'string' ? table : name, root, sql: typeof sql === 'string' ? sql : '' });
      }
    }),
  );
  for (const e of schema) {
    if (trees.has(e.root)) continue;
    trees.set(e.root, walkTree(src, e.root, reached, (rows) => sink({ tree: e }, rows)));
  }
  const free = freelistPages(src, src.header);
  const bad: string[] = [];
  let orphanPages = 0;
  let unidentified = 0;
  for (let pgno = 2; pgno <= src.pageCount; pgno++) {
    if (reached.has(pgno) || free.has(pgno) || isPointerMap(pgno, src, src.header)) continue;
    const buf = src.page(pgno);
    let page: ParsedPage | undefined;
    try {
      page = buf ? parsePage(src, pgno, buf) : undefined;
    } catch (err) {
      if (!(err instanceof PageError)) throw err;
    }
    if (!page || page.kind === 'table-interior') {
      unidentified++;
      continue;
    }
    orphanPages++;
    bad.push(...page.badCells);
    const rows = rowsOf(page, bad);
    if (rows.length > 0) sink({ orphan: pgno, kind: page.kind }, rows);
  }
  for (const t of trees.values()) bad.push(...t.bad);
  return { pageSize: src.pageSize, pageCount: src.pageCount, schema, trees, orphanPages, unidentified, bad };
}
