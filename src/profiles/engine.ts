/**
 * The profile engine: one set of pure functions that applies any profile.
 * probe OIDs → select profile → read plan → (the caller fetches) → Reading fields.
 * No vendor names appear here; everything vendor-specific is profile data.
 */
import { v7 as uuidv7 } from 'uuid';
import { column } from '../snmp/table.js';
import { asBuffer, asNumber, asText, type MibView, type SnmpValue } from '../snmp/values.js';
import { decodeHexText, deviceKey, formatMac, normalizeSerial, parseDeviceId, parseMacText } from '../reading/identity.js';
import { decodeStatus, printerDeviceIndex } from '../reading/status.js';
import { decodeSupplies } from '../reading/supplies.js';
import { cleanReading } from '../reading/clean.js';
import { checkCounter, readProblems, type BrokenWalk, type DataProblem, type InvalidCounter } from '../reading/quality.js';
import { COUNTER_NAMES, type CounterName, type Counters, type CounterSources, type DeviceIdentity, type Reading } from '../contract/reading.js';
import { ENTERPRISE_VENDOR, HR, IF, PAGE_COUNTER_UNITS, PPM_DEVICE_ID, PRT, SYS } from './standard-mib.js';
import type { CounterRule, Profile, Quirks, TextRule } from './types.js';

const STANDARD_PROFILE_ID = 'standard@1';

/** The first GET sent to a host: enough to tell a printer and pick its profile. */
export function probeOids(profiles: readonly Profile[]): string[] {
  const oids = new Set<string>([SYS.descr, SYS.objectID, SYS.name, `${HR.deviceType}.1`, `${PRT.generalPrinterName}.1`, `${PRT.markerLifeCount}.1.1`]);
  for (const p of profiles) for (const o of p.match.anyOid ?? []) oids.add(o);
  return [...oids];
}

export function profileMatches(profile: Profile, probe: MibView): boolean {
  const m = profile.match;
  const objectID = probe.get(SYS.objectID);
  const oid = objectID?.type === 'oid' ? objectID.value : undefined;
  if (oid && m.sysObjectID?.some((p) => oid === p || oid.startsWith(p + '.'))) return true;
  const descr = asText(probe.get(SYS.descr));
  if (descr && m.sysDescr?.some((re) => new RegExp(re, 'i').test(descr))) return true;
  if (m.anyOid?.some((o) => probe.has(o))) return true;
  return false;
}

export function selectProfile(profiles: readonly Profile[], probe: MibView): Profile | undefined {
  return profiles.find((p) => profileMatches(p, probe));
}

/** A host is a printer when the Printer-MIB answers, hrDeviceType says printer, or a profile claims it. */
export function looksLikePrinter(probe: MibView, profile: Profile | undefined): boolean {
  if (profile) return true;
  if ([...probe.keys()].some((oid) => oid.startsWith('1.3.6.1.2.1.43.'))) return true;
  const t = probe.get(`${HR.deviceType}.1`);
  return t?.type === 'oid' && t.value === HR.typePrinter;
}

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
    for (const w of profile.walk ?? []) walk.add(w);
  }
  const quirks = profile?.quirks ?? {};
  return { get: [...get], walk: byColumn([...walk]), quirks };
}

// ---------------------------------------------------------------- values

function textOf(view: MibView, rule: TextRule): string | undefined {
  let s = asText(view.get(rule.oid));
  if (s === undefined) return undefined;
  if (rule.hexText) s = decodeHexText(s) ?? s;
  if (rule.extract) {
    const m = new RegExp(rule.extract, 'i').exec(s);
    s = m?.[1]?.trim();
  }
  if (!s || rule.ignore?.some((x) => x.toLowerCase() === s?.toLowerCase())) return undefined;
  return s;
}

function firstText(view: MibView, rules: readonly TextRule[] | undefined): string | undefined {
  for (const r of rules ?? []) {
    const s = textOf(view, r);
    if (s) return s;
  }
  return undefined;
}

/** Invalid values met while trying a counter's rules: reported only if the counter ends up absent. */
type Invalid = (oid: string, raw: string, reason: string) => void;

/** A counter value must be a non-negative integer the device really reported (reading/quality.ts). */
function counterValue(v: SnmpValue | undefined, oid: string, invalid: Invalid): number | undefined {
  if (v === undefined) return undefined;
  const c = checkCounter(v);
  if (c.ok) return c.value;
  invalid(oid, c.raw, c.reason);
  return undefined;
}

/** Brother-style TLV records: [code, 0x01, length, value (big-endian, `length` bytes)]… */
export function readRecord(bytes: Buffer, code: number): number | undefined {
  for (let i = 0; i + 3 <= bytes.length; ) {
    const c = bytes[i] as number;
    const len = bytes[i + 2] as number;
    if (i + 3 + len > bytes.length) return undefined;
    if (c === code && len > 0 && len <= 6) return bytes.readUIntBE(i + 3, len);
    i += 3 + len;
  }
  return undefined;
}

function applyRule(view: MibView, rule: CounterRule, found: Counters, invalid: Invalid): { value: number; source: string } | undefined {
  if ('oid' in rule) {
    const value = counterValue(view.get(rule.oid), rule.oid, invalid);
    return value === undefined ? undefined : { value, source: rule.oid };
  }
  if ('sum' in rule) {
    let total = 0;
    for (const oid of rule.sum) {
      const v = counterValue(view.get(oid), oid, invalid);
      if (v === undefined) return undefined;
      total += v;
    }
    return { value: total, source: `computed:${rule.sum.join('+')}` };
  }
  if ('sumOf' in rule) {
    let total = 0;
    for (const name of rule.sumOf) {
      const v = found[name];
      if (v === undefined) return undefined;
      total += v;
    }
    return { value: total, source: `computed:${rule.sumOf.join('+')}` };
  }
  if ('table' in rule) {
    const re = new RegExp(rule.table.match, 'i');
    const hits: { value: number; oid: string }[] = [];
    const where = rule.table.where;
    const whereRe = where ? new RegExp(where.match, 'i') : undefined;
    for (const [index, name] of column(view, rule.table.names)) {
      if (!re.test(asText(name) ?? '')) continue;
      if (where && !whereRe?.test(asText(view.get(`${where.column}.${index}`)) ?? '')) continue;
      const oid = `${rule.table.values}.${index}`;
      const cell = view.get(oid);
      const value = counterValue(cell, oid, invalid);
      if (value === undefined) {
        // A row of a sum that cannot be read makes the sum wrong: no value rather than too low a one.
        if (rule.table.all && cell !== undefined) return undefined;
        continue;
      }
      if (!rule.table.all) return { value, source: oid };
      hits.push({ value, oid });
    }
    const [first] = hits;
    if (!first) return undefined;
    if (hits.length === 1) return { value: first.value, source: first.oid };
    return { value: hits.reduce((n, h) => n + h.value, 0), source: `computed:${hits.map((h) => h.oid).join('+')}` };
  }
  const blob = asBuffer(view.get(rule.record.oid));
  const value = blob ? readRecord(blob, rule.record.code) : undefined;
  return value === undefined ? undefined : { value, source: `${rule.record.oid}#${rule.record.code.toString(16).padStart(2, '0')}` };
}

/** The Printer-MIB lifetime count of the printer's first marker, when it counts pages. */
function standardTotal(view: MibView, invalid: Invalid): { value: number; source: string } | undefined {
  const device = printerDeviceIndex(view) ?? '1';
  const counts = column(view, PRT.markerLifeCount);
  const indexes = [...counts.keys()].filter((i) => i.startsWith(device + '.'));
  const index = indexes[0] ?? counts.keys().next().value;
  if (index === undefined) return undefined;
  const unit = asNumber(view.get(`${PRT.markerCounterUnit}.${index}`));
  if (unit !== undefined && !PAGE_COUNTER_UNITS.has(unit)) return undefined;
  const oid = `${PRT.markerLifeCount}.${index}`;
  const value = counterValue(view.get(oid), oid, invalid);
  return value === undefined ? undefined : { value, source: oid };
}

/**
 * The counters a device really reports, with their sources, and the invalid values behind each
 * counter that could not be read (a value that is negative, not a number, too large or a
 * placeholder at an OID the profile reads).
 */
export function decodeCounters(view: MibView, profile: Profile | undefined): { counters: Counters; sources: CounterSources; invalid: InvalidCounter[] } {
  const counters: Counters = {};
  const sources: CounterSources = {};
  const rules = profile?.counters ?? {};
  const seen = new Map<CounterName, InvalidCounter[]>();
  const invalidFor =
    (counter: CounterName): Invalid =>
    (oid, raw, reason) => {
      const list = seen.get(counter) ?? [];
      if (!list.some((i) => i.oid === oid)) list.push({ counter, oid, raw, reason });
      seen.set(counter, list);
    };
  // Plain rules first, then rules that add up counters found by others.
  const passes: ((r: CounterRule) => boolean)[] = [(r) => !('sumOf' in r), () => true];
  for (const allowed of passes) {
    for (const name of COUNTER_NAMES) {
      if (counters[name] !== undefined) continue;
      for (const rule of rules[name] ?? []) {
        if (!allowed(rule)) continue;
        const hit = applyRule(view, rule, counters, invalidFor(name));
        if (hit) {
          counters[name] = hit.value;
          sources[name] = hit.source;
          break;
        }
      }
    }
  }
  if (counters.total === undefined) {
    const std = standardTotal(view, invalidFor('total'));
    if (std) {
      counters.total = std.value;
      sources.total = std.source;
    } else if (counters.mono !== undefined && counters.color !== undefined) {
      counters.total = counters.mono + counters.color;
      sources.total = 'computed:mono+color';
    }
  }
  const ordered: Counters = {};
  const orderedSources: CounterSources = {};
  const invalid: InvalidCounter[] = [];
  for (const name of COUNTER_NAMES) {
    if (counters[name] !== undefined) {
      ordered[name] = counters[name];
      orderedSources[name] = sources[name] as string;
    } else invalid.push(...(seen.get(name) ?? []));
  }
  return { counters: ordered, sources: orderedSources, invalid };
}

// ---------------------------------------------------------------- identity

function macOf(view: MibView): string | undefined {
  const types = column(view, IF.type);
  const addrs = column(view, IF.physAddress);
  const candidates = [...addrs.entries()].sort(([a], [b]) => {
    // Ethernet (6) and Wi-Fi (71) before loopback and virtual interfaces.
    const rank = (i: string) => ([6, 71].includes(asNumber(types.get(i)) ?? 0) ? 0 : 1);
    return rank(a) - rank(b);
  });
  for (const [, v] of candidates) {
    const buf = asBuffer(v);
    if (!buf) continue;
    const mac = buf.length === 6 ? formatMac(buf) : parseMacText(buf.toString('latin1'));
    if (mac) return mac;
  }
  return undefined;
}

function vendorFromEnterprise(view: MibView): string | undefined {
  const objectID = view.get(SYS.objectID);
  if (objectID?.type !== 'oid') return undefined;
  const m = /^1\.3\.6\.1\.4\.1\.(\d+)/.exec(objectID.value);
  return m ? ENTERPRISE_VENDOR[Number(m[1])] : undefined;
}

export function decodeIdentity(view: MibView, profile: Profile | undefined, host: string): DeviceIdentity {
  const sysDescr = asText(view.get(SYS.descr));
  const objectID = view.get(SYS.objectID);
  const deviceIdText = firstText(view, profile?.identity?.ieee1284DeviceId) ?? firstPpmDeviceId(view);
  const deviceId = deviceIdText ? parseDeviceId(deviceIdText) : {};
  const printerIndex = printerDeviceIndex(view) ?? '1';
  const vendor =
    profile?.vendor ?? vendorFromEnterprise(view) ?? deviceId.MFG ?? deviceId.MANUFACTURER ?? 'Unknown';
  const model =
    firstText(view, profile?.identity?.model) ??
    deviceId.MDL ??
    deviceId.MODEL ??
    asText(view.get(`${HR.deviceDescr}.${printerIndex}`)) ??
    sysDescr;
  const rawSerial =
    firstText(view, profile?.identity?.serial) ?? asText(view.get(`${PRT.generalSerialNumber}.${printerIndex}`)) ?? firstColumnText(view, PRT.generalSerialNumber);
  const serial = normalizeSerial(rawSerial);
  const mac = macOf(view);
  const identity: DeviceIdentity = { ...deviceKey(vendor, { serial, mac, host }), vendor, host };
  if (model) identity.model = model;
  const brand = brandOf(profile, [model, sysDescr, deviceId.MFG]);
  if (brand) identity.brand = brand;
  if (serial) identity.serial = serial;
  if (mac) identity.mac = mac;
  const firmware = firstText(view, profile?.identity?.firmware);
  if (firmware) identity.firmware = firmware;
  if (objectID?.type === 'oid') identity.sysObjectID = objectID.value;
  if (sysDescr) identity.sysDescr = sysDescr;
  const sysName = asText(view.get(SYS.name));
  if (sysName) identity.sysName = sysName;
  const sysLocation = asText(view.get(SYS.location));
  if (sysLocation) identity.sysLocation = sysLocation;
  if (deviceIdText) identity.ieee1284DeviceId = deviceIdText;
  return identity;
}

function firstColumnText(view: MibView, root: string): string | undefined {
  for (const v of column(view, root).values()) {
    const s = asText(v);
    if (s) return s;
  }
  return undefined;
}

function firstPpmDeviceId(view: MibView): string | undefined {
  return firstColumnText(view, PPM_DEVICE_ID);
}

/** OEM rebadges (Develop, Sindoh on Konica Minolta…) keep the vendor's key; the brand is shown beside it. */
function brandOf(profile: Profile | undefined, texts: (string | undefined)[]): string | undefined {
  for (const b of profile?.brands ?? []) {
    const re = new RegExp(b.match, 'i');
    if (texts.some((t) => t !== undefined && re.test(t))) return b.name;
  }
  return undefined;
}

export function profileLabel(profile: Profile | undefined): string {
  return profile ? `${profile.id}@${profile.version}` : STANDARD_PROFILE_ID;
}

/** Everything read from one device → the Reading. Pure apart from the id. */
export function buildReading(view: MibView, profile: Profile | undefined, host: string, readAt: Date): Reading {
  return inspectRead(view, profile, host, readAt).reading;
}

/**
 * The Reading (strings cleaned and capped) and the data problems of this read: invalid counters,
 * walks that broke (from the SNMP client), no counter at all, fields cut. Pure apart from the id.
 */
export function inspectRead(view: MibView, profile: Profile | undefined, host: string, readAt: Date, walks: readonly BrokenWalk[] = []): { reading: Reading; problems: DataProblem[] } {
  const { counters, sources, invalid } = decodeCounters(view, profile);
  const { reading, cuts } = cleanReading({
    id: uuidv7({ msecs: readAt.getTime() }),
    readAt: readAt.toISOString(),
    device: decodeIdentity(view, profile, host),
    counters,
    sources,
    supplies: decodeSupplies(view),
    status: decodeStatus(view),
    profile: profileLabel(profile),
  });
  const problems = readProblems({ host, profile: reading.profile, invalid, walks, counters: Object.keys(counters).length, cut: cuts });
  return { reading, problems };
}

/**
 * The Reading a complete recording yields, without the network: what the profile tests assert.
 * The over-the-wire path (read-device.ts) fetches a subset of the same objects and must agree.
 */
export function readingFromRecording(view: MibView, profiles: readonly Profile[], host = 'recording', readAt = new Date(0)): Reading {
  return buildReading(view, selectProfile(profiles, view), host, readAt);
}


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
