/**
 * Data problems found while reading a device, pure (the counter checks are profiles/counters.ts). A problem
 * never stops the Reading: the rest of it still goes out, and the problem becomes an event
 * (store), a heartbeat count and a Prometheus counter, so a bad value is never dropped in silence.
 */
import type { BrokenWalk } from '../snmp/client.js';
import type { FailedCheck, InvalidCounter } from '../profiles/counters.js';
import type { DataProblemKind } from '../contract/events.js';
import type { CounterName, TotalsCheck } from '../contract/reading.js';

export interface DataProblem {
  kind: DataProblemKind;
  host: string;
  message: string;
  /** The OID concerned (an invalid counter's source, where a walk broke). */
  oid?: string;
  counter?: CounterName;
  /** The value as the device sent it, made safe to show (controls removed, at most 64 characters). */
  raw?: string;
  /** Why a value is invalid: negative, not a number, too large, placeholder. */
  reason?: string;
  profile?: string;
  /** reading.truncated: the field that was cut, its length and its limit. */
  field?: string;
  length?: number;
  max?: number;
}

/** What makes a problem "the same" on the next poll: an event is raised when it appears, not on every poll. */
export function problemKey(p: DataProblem): string {
  return `${p.kind}:${p.counter ?? ''}:${p.oid ?? p.field ?? ''}`;
}

/** The problems a read found, as DataProblems (counter.missing is decided by the store, which knows the history). */
export function readProblems(o: {
  host: string;
  profile: string;
  invalid: readonly InvalidCounter[];
  walks: readonly BrokenWalk[];
  counters: number;
  cut: readonly { field: string; length: number; max: number }[];
  totals?: TotalsCheck | undefined;
  failedChecks?: readonly FailedCheck[];
}): DataProblem[] {
  const out: DataProblem[] = [];
  for (const f of o.failedChecks ?? []) {
    out.push({
      kind: 'counter.check-failed',
      host: o.host,
      counter: f.counter,
      oid: f.source,
      profile: o.profile,
      raw: String(f.value - f.expected),
      message: `${o.host}: ${f.counter} is ${f.value} (${f.source}) but ${f.expectedSource} gives ${f.expected} (${f.why}); the reading is kept as read`,
    });
  }
  const t = o.totals;
  if (t && t.difference !== 0) {
    const billed = t.billing === 'vendor' ? t.vendor : t.printerMib;
    out.push({
      kind: 'counter.totals-differ',
      host: o.host,
      counter: 'total',
      oid: t.printerMib.source,
      profile: o.profile,
      raw: String(t.difference),
      message: `${o.host}: the vendor total ${t.vendor.value} (${t.vendor.source}${t.vendor.unit ? `, ${t.vendor.unit}` : ''}) and prtMarkerLifeCount ${t.printerMib.value} (${t.printerMib.source}${t.printerMib.unit ? `, ${t.printerMib.unit}` : ''}) differ by ${t.difference}; both are in the Reading, ${billed.source} is billed (${t.why})`,
    });
  }
  for (const i of o.invalid) {
    out.push({
      kind: 'counter.invalid',
      host: o.host,
      counter: i.counter,
      oid: i.oid,
      raw: i.raw,
      reason: i.reason,
      profile: o.profile,
      message: `${o.host}: counter ${i.counter} at ${i.oid} is invalid (${i.reason}: ${JSON.stringify(i.raw)}; profile ${o.profile}); it is left out, the rest of the reading is kept`,
    });
  }
  for (const w of o.walks) {
    out.push({ kind: 'snmp.walk-broken', host: o.host, oid: w.oid, profile: o.profile, reason: w.reason, message: `${o.host}: the walk of ${w.root} broke at ${w.oid} (${w.reason}); what came before it is kept` });
  }
  if (o.counters === 0) {
    out.push({
      kind: 'reading.no-counters',
      host: o.host,
      profile: o.profile,
      message: `${o.host}: the device answers but no page counter could be read (profile ${o.profile})${o.invalid.length ? `; ${o.invalid.length} counter value(s) were invalid` : ''}`,
    });
  }
  for (const c of o.cut) {
    out.push({ kind: 'reading.truncated', host: o.host, field: c.field, length: c.length, max: c.max, profile: o.profile, message: `${o.host}: ${c.field} was ${c.length} long and is cut to ${c.max}` });
  }
  return out;
}
