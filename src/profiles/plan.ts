/**
 * The read plan: which objects to GET and which subtrees to walk for a profile (the standard
 * MIB objects plus what its rules name), and the quirks the SNMP client must honour. Pure.
 */
import { HR, IF, PPM_DEVICE_ID, PRT, SYS } from './standard-mib.js';
import type { CounterRule, Profile, Quirks } from './types.js';

export interface ReadPlan {
  get: string[];
  walk: string[];
  quirks: Quirks;
}

const STANDARD_WALKS = [
  HR.deviceEntry,
  HR.printerEntry,
  PRT.generalPrinterName,
  PRT.generalSerialNumber,
  PRT.markerEntry,
  PRT.suppliesEntry,
  PRT.colorantValue,
  PRT.alertEntry,
  PRT.consoleText,
  IF.type,
  IF.physAddress,
  PPM_DEVICE_ID,
];

/**
 * The columns the decoders use, per table entry. Without GETBULK a walk costs one request per
 * object, but one GETNEXT can carry every column: walking columns side by side then costs one
 * request per row instead of one per cell.
 */
const ENTRY_COLUMNS: Record<string, number[]> = {
  [HR.deviceEntry]: [2, 3, 5],
  [HR.printerEntry]: [1, 2],
  [PRT.markerEntry]: [3, 4],
  [PRT.suppliesEntry]: [3, 4, 5, 6, 7, 8, 9],
  [PRT.alertEntry]: [2, 4, 7, 8],
};

function byColumn(roots: readonly string[]): string[] {
  return roots.flatMap((r) => ENTRY_COLUMNS[r]?.map((c) => `${r}.${c}`) ?? [r]);
}

const STANDARD_GETS = [SYS.descr, SYS.objectID, SYS.upTime, SYS.contact, SYS.name, SYS.location];

function ruleOids(rule: CounterRule): { get: string[]; walk: string[] } {
  if ('oid' in rule) return { get: [rule.oid], walk: [] };
  if ('sum' in rule) return { get: rule.sum, walk: [] };
  if ('diff' in rule) return { get: [...rule.diff], walk: [] };
  if ('table' in rule) {
    const walk = [rule.table.names, rule.table.values];
    if (rule.table.where) walk.push(rule.table.where.column);
    return { get: [], walk };
  }
  if ('record' in rule) return { get: [rule.record.oid], walk: [] };
  return { get: [], walk: [] };
}

export function planRead(profile: Profile | undefined): ReadPlan {
  const get = new Set<string>(STANDARD_GETS);
  const walk = new Set<string>(STANDARD_WALKS);
  if (profile) {
    const id = profile.identity ?? {};
    for (const rules of [id.serial, id.model, id.firmware, id.ieee1284DeviceId]) for (const r of rules ?? []) get.add(r.oid);
    for (const rules of Object.values(profile.counters ?? {})) {
      for (const r of rules ?? []) {
        const o = ruleOids(r);
        o.get.forEach((x) => get.add(x));
        o.walk.forEach((x) => walk.add(x));
      }
    }
    for (const c of profile.checks ?? []) {
      const o = ruleOids(c.equals);
      o.get.forEach((x) => get.add(x));
      o.walk.forEach((x) => walk.add(x));
    }
    for (const u of profile.unitColumns ?? []) walk.add(u.units);
    for (const w of profile.walk ?? []) walk.add(w);
  }
  const quirks = profile?.quirks ?? {};
  return { get: [...get], walk: byColumn([...walk]), quirks };
}
