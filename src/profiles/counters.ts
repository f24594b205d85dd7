/**
 * Counter rules: how a profile's rules (types.ts) turn a device's answers into counters, with the
 * OID behind each, and which values are not valid page counters. Pure; the Reading is assembled
 * in reading/.
 */
import { column } from '../snmp/table.js';
import { asBuffer, asNumber, asText, cleanText, type MibView, type SnmpValue } from '../snmp/values.js';
import { COUNTER_NAMES, type CounterName, type Counters, type CounterSources, type CounterUnit, type CounterUnits, type TotalsCheck } from '../contract/reading.js';
import { MARKER_UNIT_COLUMN, PAGE_COUNTER_UNITS, PRT, printerDeviceIndex } from './standard-mib.js';
import type { CounterRule, Profile, UnitColumn } from './types.js';

export type CounterCheck = { ok: true; value: number } | { ok: false; reason: string; raw: string };

/** Values agents put where they have no counter: 2^31−1 and 2^32−1 (all bits set), and words. */
const PLACEHOLDER_NUMBERS = new Set([2 ** 31 - 1, 2 ** 32 - 1]);
const PLACEHOLDER_TEXT = /^(|-+|n\/?a|none|null|unknown|not ?available|\?+)$/i;

/** The raw value as text that is safe in a log line or terminal. */
function showRaw(v: SnmpValue): string {
  let s: string;
  switch (v.type) {
    case 'octets':
    case 'opaque':
      s = cleanText(v.value.toString('latin1'));
      break;
    case 'null':
      s = 'null';
      break;
    default:
      s = String(v.value);
  }
  return s.length > 64 ? `${s.slice(0, 63)}…` : s;
}

/**
 * A page counter must be a non-negative integer that a JavaScript number holds exactly (2^53;
 * no printer comes near it) and not a placeholder. Integers sent as text are accepted.
 */
export function checkCounter(v: SnmpValue): CounterCheck {
  const bad = (reason: string): CounterCheck => ({ ok: false, reason, raw: showRaw(v) });
  let n: number | bigint;
  switch (v.type) {
    case 'integer':
    case 'counter32':
    case 'gauge32':
    case 'timeticks':
      n = v.value;
      break;
    case 'counter64':
      n = v.value;
      break;
    case 'octets': {
      const s = v.value.toString('latin1').trim();
      if (PLACEHOLDER_TEXT.test(s)) return bad('placeholder');
      if (!/^[+-]?\d+$/.test(s)) return bad('not a number');
      n = BigInt(s);
      break;
    }
    default:
      return bad('not a number');
  }
  if (n < 0) return bad('negative');
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) return bad('too large');
  const value = Number(n);
  if (!Number.isSafeInteger(value)) return bad('not a number');
  if (PLACEHOLDER_NUMBERS.has(value)) return bad('placeholder');
  return { ok: true, value };
}

export interface InvalidCounter {
  counter: CounterName;
  oid: string;
  raw: string;
  reason: string;
}

/** Invalid values met while trying a counter's rules: reported only if the counter ends up absent. */
type Invalid = (oid: string, raw: string, reason: string) => void;

/** A counter value must be a non-negative integer the device really reported (checkCounter). */
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
    const used: string[] = [];
    for (const oid of rule.sum) {
      const v = counterValue(view.get(oid), oid, invalid);
      if (v === undefined) {
        if (rule.partial && !view.has(oid)) continue;
        return undefined;
      }
      total += v;
      used.push(oid);
    }
    if (used.length === 0) return undefined;
    // A partial sum of one cell is that cell: its source stays a plain OID.
    if (rule.partial && used.length === 1) return { value: total, source: used[0] as string };
    return { value: total, source: `computed:${used.join('+')}` };
  }
  if ('diff' in rule) {
    const [a, b] = rule.diff.map((oid) => counterValue(view.get(oid), oid, invalid));
    if (a === undefined || b === undefined || a < b) return undefined;
    return { value: a - b, source: `computed:${rule.diff.join('-')}` };
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

/** The OIDs behind a source: `oid`, `computed:oid+oid`, `oid#code`; names of `computed:a+b` are not OIDs. */
function sourceOids(source: string): string[] {
  const parts = source.startsWith('computed:') ? source.slice('computed:'.length).split('+') : [source.replace(/#.*$/, '')];
  return parts.filter((p) => /^\d+(\.\d+)+$/.test(p));
}

/**
 * The unit the device itself gives for a value read at `oid` (a unit column beside it), or
 * undefined when no column covers it or its code means nothing countable.
 */
function deviceUnitAt(view: MibView, oid: string, columns: readonly UnitColumn[]): CounterUnit | undefined {
  for (const c of columns) {
    if (!oid.startsWith(c.values + '.')) continue;
    const code = asNumber(view.get(c.units + oid.slice(c.values.length)));
    return code === undefined ? undefined : c.map[String(code)];
  }
  return undefined;
}

/**
 * Each counter's unit: what the device says (every OID behind it in one unit), else the
 * profile's declaration, else, for a sum of counters, the unit its parts share. Parts the
 * device gives in different units make no unit at all: such a sum is not billable as it stands.
 */
function resolveUnits(view: MibView, profile: Profile | undefined, sources: CounterSources): CounterUnits {
  const columns = [MARKER_UNIT_COLUMN, ...(profile?.unitColumns ?? [])];
  const units: CounterUnits = {};
  const pending: [CounterName, CounterName[]][] = [];
  for (const name of COUNTER_NAMES) {
    const source = sources[name];
    if (source === undefined) continue;
    const oids = sourceOids(source);
    const said = oids.map((o) => deviceUnitAt(view, o, columns));
    const known = said.filter((u): u is CounterUnit => u !== undefined);
    if (known.length > 0) {
      if (known.length === oids.length && known.every((u) => u === known[0])) units[name] = known[0];
      continue;
    }
    const declared = profile?.units?.[name];
    if (declared) units[name] = declared;
    else if (oids.length === 0 && source.startsWith('computed:')) {
      const parts = source.slice('computed:'.length).split('+');
      if (parts.every((p) => (COUNTER_NAMES as readonly string[]).includes(p))) pending.push([name, parts as CounterName[]]);
    }
  }
  // Sums of counters: in the order they can be settled (a sum of sums comes after its parts).
  for (let changed = true; changed; ) {
    changed = false;
    for (const [name, parts] of pending) {
      if (units[name]) continue;
      const of = parts.map((p) => units[p]);
      if (of.every((u) => u !== undefined && u === of[0])) {
        units[name] = of[0];
        changed = true;
      }
    }
  }
  const ordered: CounterUnits = {};
  for (const name of COUNTER_NAMES) if (units[name]) ordered[name] = units[name];
  return ordered;
}

/** A documented identity between counters that this read breaks (Profile.checks). */
export interface FailedCheck {
  counter: CounterName;
  value: number;
  source: string;
  expected: number;
  expectedSource: string;
  why: string;
}

function runChecks(view: MibView, profile: Profile | undefined, counters: Counters, sources: CounterSources): FailedCheck[] {
  const failed: FailedCheck[] = [];
  for (const c of profile?.checks ?? []) {
    const value = counters[c.counter];
    if (value === undefined) continue;
    const hit = applyRule(view, c.equals, counters, () => undefined);
    if (hit && hit.value !== value) failed.push({ counter: c.counter, value, source: sources[c.counter] as string, expected: hit.value, expectedSource: hit.source, why: c.why });
  }
  return failed;
}

export interface DecodedCounters {
  counters: Counters;
  sources: CounterSources;
  /** Only counters present; empty when nothing says what any counter counts. */
  units: CounterUnits;
  /** Both totals, when the profile has its own and prtMarkerLifeCount answers too. */
  totals?: TotalsCheck;
  /** Documented identities between counters that this read breaks. */
  failedChecks: FailedCheck[];
  invalid: InvalidCounter[];
}

/**
 * The counters a device really reports, with their sources and units, both totals where there
 * are two, and the invalid values behind each counter that could not be read (a value that is
 * negative, not a number, too large or a placeholder at an OID the profile reads).
 */
export function decodeCounters(view: MibView, profile: Profile | undefined): DecodedCounters {
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
  const std = standardTotal(view, invalidFor('total'));
  let totalsPair: { vendor: { value: number; source: string }; printerMib: { value: number; source: string } } | undefined;
  if (counters.total === undefined) {
    if (std) {
      counters.total = std.value;
      sources.total = std.source;
    } else if (counters.mono !== undefined && counters.color !== undefined) {
      counters.total = counters.mono + counters.color;
      sources.total = 'computed:mono+color';
    }
  } else if (std && sources.total !== std.source) {
    totalsPair = { vendor: { value: counters.total, source: sources.total as string }, printerMib: std };
    if (profile?.billingTotal?.use === 'printer-mib') {
      counters.total = std.value;
      sources.total = std.source;
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
  const units = resolveUnits(view, profile, orderedSources);
  const out: DecodedCounters = { counters: ordered, sources: orderedSources, units, failedChecks: runChecks(view, profile, ordered, orderedSources), invalid };
  if (totalsPair) out.totals = totalsCheck(view, profile, totalsPair);
  return out;
}

function totalsCheck(
  view: MibView,
  profile: Profile | undefined,
  pair: { vendor: { value: number; source: string }; printerMib: { value: number; source: string } },
): TotalsCheck {
  const vendorUnits = resolveUnits(view, profile, { total: pair.vendor.source });
  const markerUnits = resolveUnits(view, undefined, { total: pair.printerMib.source });
  const withUnit = (t: { value: number; source: string }, unit: CounterUnit | undefined) => (unit ? { ...t, unit } : { ...t });
  return {
    billing: profile?.billingTotal?.use ?? 'vendor',
    why: profile?.billingTotal?.why ?? 'the profile states no reason: the vendor total is billed by default',
    vendor: withUnit(pair.vendor, vendorUnits.total),
    printerMib: withUnit(pair.printerMib, markerUnits.total),
    difference: pair.vendor.value - pair.printerMib.value,
  };
}
