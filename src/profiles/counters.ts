/**
 * Counter rules: how a profile's rules (types.ts) turn a device's answers into counters, with the
 * OID behind each, and which values are not valid page counters. Pure; the Reading is assembled
 * in reading/.
 */
import { column } from '../snmp/table.js';
import { asBuffer, asNumber, asText, cleanText, type MibView, type SnmpValue } from '../snmp/values.js';
import { COUNTER_NAMES, type CounterName, type Counters, type CounterSources } from '../contract/reading.js';
import { PAGE_COUNTER_UNITS, PRT, printerDeviceIndex } from './standard-mib.js';
import type { CounterRule, Profile } from './types.js';

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
