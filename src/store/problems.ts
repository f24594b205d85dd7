/**
 * Data problems → store events, pure. A problem raises an event when it appears on a device, not
 * again on every poll while it lasts (the device row keeps the keys of its current problems);
 * a counter the device reported before and no longer does is a problem of its own (counter.missing).
 */
import { problemKey, type DataProblem } from '../reading/quality.js';
import type { Counters, Reading } from '../contract/reading.js';
import type { EventSeverity, StoreEvent } from './events.js';

const SEVERITY: Record<DataProblem['kind'], EventSeverity> = {
  'counter.invalid': 'warning',
  'counter.missing': 'warning',
  // Both totals are in the Reading and the profile says which is billed: a note, not a fault.
  'counter.totals-differ': 'info',
  // A documented identity between counters does not hold: one of them is not what the vendor says.
  'counter.check-failed': 'warning',
  'snmp.walk-broken': 'warning',
  // No counter at all: this device cannot be billed from its readings.
  'reading.no-counters': 'error',
  'reading.truncated': 'info',
};

/** counter.missing: counters in `previous` that `r` no longer has (and that are not already reported invalid). */
function missingCounters(previous: Counters | undefined, r: Reading, problems: readonly DataProblem[]): DataProblem[] {
  if (!previous) return [];
  const invalid = new Set(problems.filter((p) => p.kind === 'counter.invalid').map((p) => p.counter));
  const out: DataProblem[] = [];
  for (const [name, value] of Object.entries(previous)) {
    if (r.counters[name as keyof Counters] !== undefined || invalid.has(name as keyof Counters)) continue;
    out.push({
      kind: 'counter.missing',
      host: r.device.host,
      counter: name as keyof Counters,
      profile: r.profile,
      message: `${r.device.host}: counter ${name} (last ${String(value)}) is no longer reported by ${r.device.key} (profile ${r.profile})`,
    });
  }
  return out;
}

function problemEvent(p: DataProblem, r: Reading): StoreEvent {
  const { kind, message, ...data } = p;
  return { kind, severity: SEVERITY[kind], deviceKey: r.device.key, message, data: { ...data, readingId: r.id } };
}

/**
 * The events for one reading and the problem keys to keep on its device: new problems (not in
 * `previousKeys`) and missing counters raise events; the keys kept are those of this reading.
 */
export function problemEvents(r: Reading, problems: readonly DataProblem[], previous: { counters?: Counters; keys: readonly string[] }): { events: StoreEvent[]; keys: string[] } {
  const seen = new Set(previous.keys);
  const events: StoreEvent[] = [];
  for (const p of problems) {
    const k = problemKey(p);
    if (seen.has(k)) continue;
    seen.add(k);
    events.push(problemEvent(p, r));
  }
  for (const m of missingCounters(previous.counters, r, problems)) events.push(problemEvent(m, r));
  return { events, keys: [...new Set(problems.map(problemKey))] };
}
