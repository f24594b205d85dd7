/**
 * Where a process's resident memory is, as the kernel counts it: /proc/<pid>/smaps gives each
 * mapping's resident size, and /proc/<pid>/pagemap which pages of the node binary are resident, so
 * its code (.text), its ICU data (the `icudt*_dat` symbol) and the rest of its read-only data (V8's
 * startup snapshot, Node's built-in JS, OpenSSL's tables) are told apart. Anonymous memory is
 * split by the shape of its mappings: glibc's main malloc arena ([heap]), its thread arenas (64 MiB
 * aligned reservations), thread stacks (a mapping behind a one-page guard), and the rest, which
 * is V8's heap (256 KiB pages) and malloc's large blocks (mmap'd on their own).
 * Linux only (root or the same user); the binary's sections come from `readelf` (binutils), and
 * without it the binary is split by permission only.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';

export interface RssPart {
  what: string;
  kib: number;
}

interface Mapping {
  start: bigint;
  end: bigint;
  perms: string;
  offset: bigint;
  name: string;
  rssKib: number;
}

const PAGE = 4096n;
const ARENA = 64n * 1024n * 1024n;

function mappings(pid: number): Mapping[] {
  const out: Mapping[] = [];
  let cur: Mapping | undefined;
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) (\S+) ([0-9a-f]+) \S+ \d+\s*(.*)$/.exec(line);
    if (m) {
      cur = { start: BigInt(`0x${m[1]}`), end: BigInt(`0x${m[2]}`), perms: m[3] as string, offset: BigInt(`0x${m[4]}`), name: m[5] ?? '', rssKib: 0 };
      out.push(cur);
    } else if (cur) {
      const r = /^Rss:\s+(\d+) kB/.exec(line);
      if (r) cur.rssKib = Number(r[1]);
    }
  }
  return out;
}

/** File ranges [from, to) of the binary's .text and ICU data, from readelf; undefined without it. */
const sectionCache = new Map<string, { text: [bigint, bigint]; icu?: [bigint, bigint] } | undefined>();
function sections(binary: string): { text: [bigint, bigint]; icu?: [bigint, bigint] } | undefined {
  if (sectionCache.has(binary)) return sectionCache.get(binary);
  let found: { text: [bigint, bigint]; icu?: [bigint, bigint] } | undefined;
  try {
    const secs = execFileSync('readelf', ['-S', '-W', binary], { encoding: 'utf8', maxBuffer: 1 << 20 });
    // [Nr] Name Type Address Off Size …
    const sec = new Map<string, { addr: bigint; off: bigint; size: bigint }>();
    for (const m of secs.matchAll(/\]\s+(\.\S+)\s+\S+\s+([0-9a-f]+) ([0-9a-f]+) ([0-9a-f]+)/g)) sec.set(m[1] as string, { addr: BigInt(`0x${m[2]}`), off: BigInt(`0x${m[3]}`), size: BigInt(`0x${m[4]}`) });
    const text = sec.get('.text');
    const rodata = sec.get('.rodata');
    if (text) {
      found = { text: [text.off, text.off + text.size] };
      const syms = execFileSync('sh', ['-c', `readelf -s -W "$0" | grep -m1 ' icudt[0-9]*_dat$'`, binary], { encoding: 'utf8', maxBuffer: 1 << 20 });
      const s = /:\s+([0-9a-f]+)\s+(0x[0-9a-f]+|\d+)\s/.exec(syms);
      if (s && rodata) {
        const from = BigInt(`0x${s[1]}`) - rodata.addr + rodata.off;
        found.icu = [from, from + BigInt(s[2] as string)];
      }
    }
  } catch {
    // no readelf, or a binary without sections: split by permission only
  }
  sectionCache.set(binary, found);
  return found;
}

/** The resident set of `pid`, by part, largest first; undefined where /proc cannot be read. */
export function rssBreakdown(pid: number): RssPart[] | undefined {
  let maps: Mapping[];
  try {
    maps = mappings(pid);
  } catch {
    return undefined;
  }
  const binary = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '';
  const exe = maps.find((m) => m.name.startsWith('/') && m.name.endsWith('/node'))?.name ?? binary;
  const secs = sections(exe);
  const parts = new Map<string, number>();
  const add = (what: string, kib: number) => parts.set(what, (parts.get(what) ?? 0) + kib);
  let pagemap: number | undefined;
  try {
    pagemap = openSync(`/proc/${pid}/pagemap`, 'r');
  } catch {
    pagemap = undefined;
  }
  try {
    maps.forEach((m, i) => {
      if (m.rssKib === 0) return;
      if (m.name === exe) {
        const kind = (fileOffset: bigint) =>
          m.perms.includes('w') ? 'node binary: data' : secs?.icu && fileOffset >= secs.icu[0] && fileOffset < secs.icu[1] ? 'node binary: ICU data' : secs ? (fileOffset >= secs.text[0] && fileOffset < secs.text[1] ? 'node binary: code (.text)' : 'node binary: other read-only data (V8 snapshot, built-in JS)') : m.perms.includes('x') ? 'node binary: code' : 'node binary: read-only data';
        if (pagemap === undefined || m.perms.includes('w')) return add(kind(m.offset), m.rssKib);
        const buf = Buffer.alloc(Number(((m.end - m.start) / PAGE) * 8n));
        readSync(pagemap, buf, 0, buf.length, Number((m.start / PAGE) * 8n));
        for (let p = 0; p < buf.length / 8; p++) {
          if (buf.readBigUInt64LE(p * 8) >> 63n) add(kind(m.offset + BigInt(p) * PAGE), 4);
        }
        return;
      }
      if (m.name.startsWith('/')) return add(`file: ${m.name.replace(/.*\//, '')}`, m.rssKib);
      if (m.name === '[heap]') return add('malloc: main arena ([heap])', m.rssKib);
      if (m.name === '[stack]') return add('stacks: main thread', m.rssKib);
      if (m.name.startsWith('[')) return add(`other: ${m.name}`, m.rssKib);
      const prev = maps[i - 1];
      const next = maps[i + 1];
      const size = m.end - m.start;
      if (prev?.perms === '---p' && prev.end === m.start && prev.end - prev.start === PAGE && size >= 1024n * 1024n && size <= 8n * 1024n * 1024n + PAGE) return add('stacks: other threads', m.rssKib);
      if (m.start % ARENA === 0n && (size === ARENA || (next?.perms === '---p' && next.start === m.end && next.end - m.start === ARENA))) return add('malloc: thread arenas', m.rssKib);
      add('anonymous: V8 heap and large mallocs', m.rssKib);
    });
  } finally {
    if (pagemap !== undefined) closeSync(pagemap);
  }
  return [...parts].map(([what, kib]) => ({ what, kib })).sort((a, b) => b.kib - a.kib);
}
