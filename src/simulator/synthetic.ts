/**
 * Synthetic devices: a template recording made unique (serial, MAC) and alive (counters that
 * advance with time). Which OIDs are serials and counters comes from the profile that reads
 * the template, so the simulator holds no vendor knowledge of its own.
 */
import { PROFILES } from '../profiles/index.js';
import { readRecord } from '../profiles/counters.js';
import { probeOids, selectProfile } from '../profiles/match.js';
import { profileDataOids, rewriteRecords } from './profile-data.js';
import { IF } from '../profiles/standard-mib.js';
import type { Profile } from '../profiles/types.js';
import { isUnder } from '../snmp/oid.js';
import type { SnmpValue, Varbind } from '../snmp/values.js';
import { asBuffer, asNumber } from '../snmp/values.js';
import { MibData } from './mib-data.js';

export interface SyntheticDevice {
  data: MibData;
  serial: string;
  /** Moves counters forward to `now`; called before every answer. */
  advance(now?: number): void;
}

export interface SyntheticOptions {
  /** Distinguishes devices made from one template. */
  ordinal: number;
  /** Pages per hour the device prints (counters grow proportionally to their share). */
  pagesPerHour?: number;
  profiles?: readonly Profile[];
  startedAt?: number;
}

function withValue(v: SnmpValue, n: number): SnmpValue {
  switch (v.type) {
    case 'counter64':
      return { type: 'counter64', value: BigInt(n) };
    case 'octets':
      return { type: 'octets', value: Buffer.from(String(n)) };
    case 'integer':
    case 'counter32':
    case 'gauge32':
      return { type: v.type, value: n % 4294967296 };
    default:
      return v;
  }
}

export function makeSynthetic(template: readonly Varbind[], opts: SyntheticOptions): SyntheticDevice {
  const data = new MibData(template);
  const profiles = opts.profiles ?? PROFILES;
  const probe = new Map(probeOids(profiles).flatMap((o) => (data.get(o) ? [[o, data.get(o) as SnmpValue]] : [])));
  const profile = selectProfile(profiles, probe);
  const { counters, counterTables, records, serials } = profileDataOids(profile);
  const serial = `SIM${String(opts.ordinal).padStart(5, '0')}`;
  for (const oid of serials) {
    if (data.get(oid)) data.set(oid, { type: 'octets', value: Buffer.from(serial) });
  }
  for (const vb of data.entries()) {
    if (isUnder(vb.oid, IF.physAddress) && vb.value.type === 'octets' && vb.value.value.length === 6) {
      const mac = Buffer.from([0x02, 0x00, 0x5e, (opts.ordinal >> 16) & 0xff, (opts.ordinal >> 8) & 0xff, opts.ordinal & 0xff]);
      data.set(vb.oid, { type: 'octets', value: mac });
    }
  }
  const base = new Map<string, { value: SnmpValue; start: number }>();
  const tableCells = data.entries().filter((vb) => counterTables.some((root) => isUnder(vb.oid, root))).map((vb) => vb.oid);
  for (const oid of [...counters, ...tableCells]) {
    const v = data.get(oid);
    const n = asNumber(v);
    if (v && n !== undefined && n >= 0) base.set(oid, { value: v, start: n });
  }
  const blobs = records.flatMap(({ oid, codes }) => {
    const blob = asBuffer(data.get(oid));
    if (!blob) return [];
    const starts = new Map(codes.flatMap((c) => (readRecord(blob, c) === undefined ? [] : [[c, readRecord(blob, c) as number]])));
    return [{ oid, blob, starts }];
  });
  const totalStart = Math.max(1, ...[...base.values()].map((b) => b.start), ...blobs.flatMap((b) => [...b.starts.values()]));
  const grown = (start: number, pages: number) => start + Math.floor((pages * start) / totalStart);
  const startedAt = opts.startedAt ?? Date.now();
  const pagesPerHour = opts.pagesPerHour ?? 120;
  return {
    data,
    serial,
    advance(now = Date.now()) {
      const pages = ((now - startedAt) / 3_600_000) * pagesPerHour;
      // Each counter grows by its share of the largest one, so parts stay close to their sum.
      for (const [oid, b] of base) data.set(oid, withValue(b.value, grown(b.start, pages)));
      for (const b of blobs) {
        const values = new Map([...b.starts].map(([code, start]) => [code, grown(start, pages)]));
        data.set(b.oid, { type: 'octets', value: rewriteRecords(b.blob, values) });
      }
    },
  };
}
