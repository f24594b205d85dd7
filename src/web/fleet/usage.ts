/**
 * A device's usage over a billing period, from the billing core (src/billing) and the receiver's
 * store: the readings the core asks for (the period and its history window), cut down to meters
 * by the store. The fleet view's billing flags and the billing CSVs both come from here, so a flag
 * on the devices page and a figure in a download always agree. Results are kept per device and
 * period until a new reading of the device arrives (or ten minutes pass, for open periods).
 */
import { BILLING_EVENT_KINDS, BOX_CHANNEL, UNIT_NAMES, DEFAULT_CONTRACT, deviceUsage, isoMillis, preferBox, readingWindow, type BillingContract, type BillingPeriod, type DeviceUsage, type MeterReading, type UsageFlag } from '../../billing/index.js';
import type { Counters, CounterSources, CounterUnits } from '../../contract/reading.js';
import type { MeterRow, ReceiverStore } from '../../receiver/store/types.js';

/** A device's usage, with the channel (Reading.source) of the readings at its boundaries: `box` unless another channel stood in. */
export interface BilledUsage extends DeviceUsage {
  channels: { opening?: string; closing?: string };
}

/** A stored reading's meters as the billing core takes them. */
export function meterReadingOf(r: MeterRow): MeterReading {
  return {
    id: r.id,
    at: isoMillis(r.readAt),
    ...(r.serial ? { serial: r.serial } : {}),
    counters: r.counters as Counters,
    ...(r.sources ? { sources: r.sources as CounterSources } : {}),
    ...(r.units ? { units: r.units as CounterUnits } : {}),
  };
}

export interface DeviceRef {
  agentId: string;
  key: string;
  lastReadAt?: string;
}

/** The flags a person filters devices by; the core's other flags (open-period, first-reading) describe the period, not the device. */
export const BILLING_FLAGS: Readonly<Record<string, string>> = {
  'counter.rollback': 'rollback',
  'device.replaced': 'replaced',
  'device.idle': 'idle',
  estimated: 'estimated',
  'counter.spike': 'spike',
  'reading.gap': 'gap',
};

const SPIKE = 'counter.spike';
const FLAG_ORDER: readonly string[] = ['estimated', 'not-computable', 'first-reading', 'open-period', ...BILLING_EVENT_KINDS];
const KEEP_MS = 10 * 60_000;
const AFTER_MS = 31 * 86_400_000;
const MAX_ENTRIES = 20_000;

export class UsageCache {
  private readonly cache = new Map<string, { lastReadAt?: string; at: number; usage?: BilledUsage }>();

  constructor(
    private readonly store: ReceiverStore,
    private readonly now: () => number,
    private readonly contract: BillingContract = DEFAULT_CONTRACT,
  ) {}

  /** `endAt`: the device's position ends there (a swapped-out device's last reading): measured as if the present were then, with nothing estimated after. */
  async usage(d: DeviceRef, period: BillingPeriod, endAt?: number): Promise<BilledUsage | undefined> {
    const k = `${d.agentId}\u0000${d.key}\u0000${period.from}\u0000${period.to}\u0000${endAt ?? ''}`;
    const hit = this.cache.get(k);
    if (hit && hit.lastReadAt === d.lastReadAt && this.now() - hit.at < KEEP_MS) return hit.usage;
    // What the core asks for: the history window before the period, and the first reading after it (looked for within a month).
    const window = { agentId: d.agentId, deviceKey: d.key, since: new Date(readingWindow(period, this.contract).since).toISOString(), until: new Date(period.to + AFTER_MS).toISOString() };
    // The daily snapshots hold every figure the full history gives (src/receiver/store/snapshots.ts),
    // and a gap only where the history has one as long as the gap window is a day or more; shorter windows read it all.
    // An estimate by trailing average (a device silent at the period's end) reaches back to the first reading a
    // window before its anchor, at any hour: such a device (or one with a figure not computable) is measured again on its full history.
    const snapshots = this.contract.gapHours >= 24;
    let usage = await this.measure(d, period, snapshots ? await this.store.meterSnapshots(window) : await this.store.meterHistory(window), endAt);
    if (snapshots && usage && needsFullHistory(usage)) usage = await this.measure(d, period, await this.store.meterHistory(window), endAt);
    else if (snapshots && usage) usage = { ...(await this.hourlyFlags(d, usage, window.since)), channels: usage.channels };
    this.cache.delete(k);
    this.cache.set(k, { ...(d.lastReadAt ? { lastReadAt: d.lastReadAt } : {}), at: this.now(), ...(usage ? { usage } : {}) });
    if (this.cache.size > MAX_ENTRIES) this.cache.delete(this.cache.keys().next().value as string);
    return usage;
  }

  /** The core's usage of a device over the period from its stored meter rows, with the channels of its boundary readings. */
  private async measure(d: DeviceRef, period: BillingPeriod, rows: readonly MeterRow[], endAt?: number): Promise<BilledUsage | undefined> {
    const now = this.now();
    if (endAt !== undefined && endAt < period.from) return undefined; // it left before the period: nothing to bill
    // The box's readings win: another channel's reading stands only where the box has none near it.
    const channel = new Map(rows.flatMap((r) => (r.source && r.source !== BOX_CHANNEL ? [[r.id, r.source] as const] : [])));
    const readings = preferBox(rows.map(meterReadingOf), (m) => channel.get(m.id), this.contract);
    try {
      const ended = endAt !== undefined && endAt < Math.min(period.to, now);
      const measured = deviceUsage(d.key, readings, period, { now: ended ? (endAt as number) : now, contract: this.contract });
      // A position that ended inside the period is not an open period: its last reading closes it.
      const u = measured && ended && period.to <= now ? { ...measured, flags: measured.flags.filter((f) => f !== 'open-period') } : measured;
      const of = (id: string | undefined) => (id ? (channel.get(id) ?? BOX_CHANNEL) : undefined);
      const opening = of(u?.opening?.id);
      const closing = of(u?.closing?.id);
      return u && { ...u, channels: { ...(opening ? { opening } : {}), ...(closing ? { closing } : {}) } };
    } catch {
      return undefined; // readings the core refuses (out of order): no figures rather than wrong ones
    }
  }

  /**
   * A spike is judged on the day's volume at every reading, which daily snapshots cannot replay:
   * the flag comes from the receiver's validation at ingest, which saw every reading with the same
   * contract, over the readings the period's figures rest on (after the opening, up to the closing).
   */
  private async hourlyFlags(d: DeviceRef, u: DeviceUsage, since: string): Promise<DeviceUsage> {
    const after = u.opening?.at ?? new Date(Date.parse(since) - 1).toISOString();
    const upTo = u.closing?.at ?? after;
    const raised = await this.store.ingestEventKinds({ agentId: d.agentId, deviceKey: d.key, after, upTo, kinds: [SPIKE] });
    const flags: UsageFlag[] = u.flags.filter((f) => f !== SPIKE);
    if (raised.includes(SPIKE)) flags.push(SPIKE);
    // In the core's order (its own flags, then the event kinds in the vocabulary's order).
    const rank = (f: string) => (FLAG_ORDER.indexOf(f) + 1 || FLAG_ORDER.length + 1);
    return { ...u, flags: flags.sort((a, b) => rank(a) - rank(b)), events: u.events.filter((e) => e.kind !== SPIKE) };
  }

  /** The person-facing billing flags of a device over the period. */
  async flags(d: DeviceRef, period: BillingPeriod): Promise<string[]> {
    const u = await this.usage(d, period);
    if (!u) return [];
    return [...new Set(u.flags.flatMap((f) => (BILLING_FLAGS[f] ? [BILLING_FLAGS[f] as string] : [])))];
  }
}

/**
 * Whether a usage measured on daily snapshots rests on something only the full history has: an
 * estimate by trailing average, or a figure left empty for lack of history to average over (a
 * figure not computable for want of a counter or a declared unit is the same either way).
 */
function needsFullHistory(u: DeviceUsage): boolean {
  if (UNIT_NAMES.some((n) => { const f = u.units[n]; return !f.computable && /days of history/.test(f.reason); })) return true;
  const average = (rules: readonly string[]) => rules.includes('trailing-average');
  return Object.values(u.counters).some((c) => c !== undefined && average(c.rules)) || UNIT_NAMES.some((n) => { const f = u.units[n]; return f.computable && average(f.rules); });
}

/** The calendar month (UTC) that holds `now`: [first day, first day of the next month). */
export function monthOf(now: number): BillingPeriod {
  const d = new Date(now);
  return { from: Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1), to: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) };
}
