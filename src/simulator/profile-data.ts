/**
 * What the simulator needs to know of a profile to make synthetic devices from a recording:
 * where its counters and serials are, and how to rewrite the counter records in a TLV blob.
 * Read from profile data, so the simulator holds no vendor knowledge of its own.
 */
import { PRT } from '../profiles/standard-mib.js';
import type { Profile } from '../profiles/types.js';

/** Where a profile reads counters and serials from; the simulator uses it to make synthetic devices. */
export interface ProfileDataOids {
  counters: string[];
  /** Value columns of counter tables: every cell under them is a counter. */
  counterTables: string[];
  /** TLV blobs and the record codes in them that are counters. */
  records: { oid: string; codes: number[] }[];
  serials: string[];
}

export function profileDataOids(profile: Profile | undefined): ProfileDataOids {
  const counters = new Set<string>([`${PRT.markerLifeCount}.1.1`]);
  const tables = new Set<string>();
  const records = new Map<string, Set<number>>();
  for (const rules of Object.values(profile?.counters ?? {})) {
    for (const r of rules ?? []) {
      if ('oid' in r) counters.add(r.oid);
      if ('sum' in r) r.sum.forEach((o) => counters.add(o));
      if ('diff' in r) r.diff.forEach((o) => counters.add(o));
      if ('table' in r) tables.add(r.table.values);
      if ('record' in r) records.set(r.record.oid, (records.get(r.record.oid) ?? new Set()).add(r.record.code));
    }
  }
  const serials = new Set<string>([`${PRT.generalSerialNumber}.1`]);
  for (const r of profile?.identity?.serial ?? []) serials.add(r.oid);
  return {
    counters: [...counters],
    counterTables: [...tables],
    records: [...records].map(([oid, codes]) => ({ oid, codes: [...codes] })),
    serials: [...serials],
  };
}

/** A copy of a TLV blob with the listed records' values replaced (same lengths; values clamp to fit). */
export function rewriteRecords(bytes: Buffer, values: ReadonlyMap<number, number>): Buffer {
  const out = Buffer.from(bytes);
  for (let i = 0; i + 3 <= out.length; ) {
    const code = out[i] as number;
    const len = out[i + 2] as number;
    if (i + 3 + len > out.length) break;
    const v = values.get(code);
    if (v !== undefined && len > 0 && len <= 6) out.writeUIntBE(Math.min(v, 2 ** (8 * len) - 1), i + 3, len);
    i += 3 + len;
  }
  return out;
}
