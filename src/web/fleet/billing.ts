/**
 * The billing page's downloads. Each export turns the devices' usage over a period (from the
 * billing core, see usage.ts) into CSV rows. Today there is one: the opening and closing meters
 * of every counter of every device. The billing export (contract units, issue 12) plugs in here as
 * another BillingExport, reading `usage.units` from the same DeviceUsage; the page lists whatever
 * exports the fleet view is given, so adding it is one object and one line in server.ts.
 */
import type { BillingPeriod, DeviceUsage } from '../../billing/index.js';
import { COUNTER_NAMES } from '../../contract/reading.js';
import type { FleetDevice } from './data.js';

/** A device of the fleet view as an export sees it. */
export type BillingDevice = Pick<FleetDevice, 'agentId' | 'customer' | 'key' | 'vendor' | 'model' | 'serial' | 'lastReadAt'>;

export interface BillingContext {
  period: BillingPeriod;
  devices: readonly BillingDevice[];
  /** The billing core's usage of a device over the period; undefined when it has no reading to go on. */
  usage(d: BillingDevice): Promise<DeviceUsage | undefined>;
}

export type Cell = string | number | boolean | undefined;

export interface BillingExport {
  /** In the download's URL (?export=…). */
  id: string;
  title: string;
  description: string;
  header: readonly string[];
  rows(ctx: BillingContext): AsyncIterable<readonly Cell[]>;
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Opening and closing meters per device and counter: the meter export until the billing export lands. */
export const METERS_EXPORT: BillingExport = {
  id: 'meters',
  title: 'Opening and closing meters per device',
  description:
    'One row per device and counter: the meter at the start and at the end of the period, how each was found (a reading, or estimated between or after readings), the usage in between (never across a rollback or a replacement), and the flags of the period.',
  header: ['period_from', 'period_to', 'agent_id', 'customer', 'device_key', 'vendor', 'model', 'serial', 'counter', 'opening_value', 'opening_kind', 'opening_reading_at', 'closing_value', 'closing_kind', 'closing_reading_at', 'usage', 'estimated', 'oid', 'flags'],
  async *rows(ctx) {
    const from = day(ctx.period.from);
    const to = day(ctx.period.to);
    for (const d of ctx.devices) {
      const u = await ctx.usage(d);
      const base = [from, to, d.agentId, d.customer, d.key, d.vendor, d.model, u?.serial ?? d.serial];
      const counters = u ? COUNTER_NAMES.filter((c) => u.counters[c] !== undefined) : [];
      if (!u || counters.length === 0) {
        yield [...base, '', '', '', '', '', '', '', '', '', '', u ? u.flags.join(' ') : 'no readings'];
        continue;
      }
      for (const c of counters) {
        const m = u.counters[c] as NonNullable<DeviceUsage['counters'][typeof c]>;
        yield [...base, c, m.opening.value, m.opening.kind, u.opening?.at, m.closing.value, m.closing.kind, u.closing?.at, m.delta, m.estimated, m.source, u.flags.join(' ')];
      }
    }
  },
};

/** A CSV field (RFC 4180), with text that a spreadsheet would run as a formula made inert. */
export function csvCell(v: Cell): string {
  if (v === undefined) return '';
  let s = String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s) && !/^-?\d+(\.\d+)?$/.test(s)) s = `'${s}`;
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(cells: readonly Cell[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}
