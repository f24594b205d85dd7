/**
 * The billing page's downloads. Each export turns the devices' usage over a period (from the
 * billing core, see usage.ts) into CSV rows. Today there is one: the opening and closing meters
 * of every counter of every device. The billing export (contract units, issue 12) plugs in here as
 * another BillingExport, reading `usage.units` from the same DeviceUsage; the page lists whatever
 * exports the fleet view is given, so adding it is one object and one line in server.ts.
 */
import { replacementCandidates, type BillingContract, type BillingPeriod, type DeviceSpan, type DeviceUsage, type UnitFigure } from '../../billing/index.js';
import { COUNTER_NAMES, type CounterName } from '../../contract/reading.js';
import type { ReceiverStore } from '../../receiver/store/types.js';
import type { BilledUsage, UsageCache } from './usage.js';
import type { FleetDevice } from './data.js';

/** A device of the fleet view as an export sees it. */
export type BillingDevice = Pick<FleetDevice, 'agentId' | 'customer' | 'key' | 'vendor' | 'model' | 'serial' | 'lastReadAt'> & {
  /** The device that took this one's place (replacementCandidates: same MAC or host, started after this one's last reading): its position ends at its last reading. */
  replacedBy?: string;
};

export interface BillingContext {
  period: BillingPeriod;
  devices: readonly BillingDevice[];
  /** The billing core's usage of a device over the period; undefined when it has no reading to go on. */
  usage(d: BillingDevice): Promise<BilledUsage | undefined>;
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

/** The meters an invoice rests on, in the billing export's column order (those the vocabulary has). */
export const BILLING_METERS: readonly CounterName[] = (['total', 'mono', 'color', 'large', 'largeMono', 'largeColor', 'duplex', 'scan'] as const).filter((c) => (COUNTER_NAMES as readonly string[]).includes(c));

const unitCell = (f: UnitFigure | undefined): Cell => (f?.computable ? f.value : '');
const whyNot = (u: DeviceUsage): string =>
  (['mono', 'color', 'scan'] as const)
    .flatMap((k) => {
      const f = u.units[k];
      return f.computable ? [] : [`${k}: ${f.reason}`];
    })
    .join('; ');

/**
 * The contract's units per device, one row each, for an ERP import: who and what (agent, device
 * key, serial, model), the period, the opening and closing meter of each billing meter, the units
 * (mono, colour, scan; empty where not computable, with the reason in not_computable), whether any
 * figure is an estimate, the channel the boundary readings came by, and the flags.
 */
export const BILLING_EXPORT: BillingExport = {
  id: 'billing',
  title: 'Contract units per device (ERP import)',
  description:
    'One row per device: agent, device key, serial, model, the period, the opening and closing meter of each billing meter, the contract units (mono, colour, scan: an A3 side counts 2, two scans one unit), whether a figure is estimated, the channel of the readings (the box wins over manual or e-mailed readings), and the flags of the period.',
  header: [
    'agent_id',
    'device_key',
    'serial',
    'model',
    'period_from',
    'period_to',
    ...BILLING_METERS.flatMap((m) => [`${m}_opening`, `${m}_closing`]),
    'replaced_by',
    'units_mono',
    'units_color',
    'units_scan',
    'estimated',
    'source',
    'flags',
    'not_computable',
  ],
  async *rows(ctx) {
    const from = day(ctx.period.from);
    const to = day(ctx.period.to);
    for (const d of ctx.devices) {
      const u = await ctx.usage(d);
      const meters = BILLING_METERS.flatMap((m) => [u?.counters[m]?.opening.value, u?.counters[m]?.closing.value]);
      if (!u) {
        yield [d.agentId, d.key, d.serial, d.model, from, to, ...meters, d.replacedBy, '', '', '', '', '', d.replacedBy ? 'replaced before the period' : 'no readings', ''];
        continue;
      }
      const channels = [...new Set([u.channels.opening, u.channels.closing].filter((c): c is string => !!c))].join(' ');
      yield [d.agentId, d.key, u.serial ?? d.serial, d.model, from, to, ...meters, d.replacedBy, unitCell(u.units.mono), unitCell(u.units.color), unitCell(u.units.scan), u.estimated, channels, u.flags.join(' '), whyNot(u)];
    }
  },
};

/**
 * The devices of the receiver's store (one agent's, or all), in (agent, key) order, measured by
 * `usage`. A device swapped for another of the same agent (replacementCandidates: the other started
 * after this one's last reading, within 30 days, at the same MAC or host) is marked `replacedBy`
 * and measured up to its last reading only: it is not billed on estimates after it left.
 */
export async function storeBillingContext(store: ReceiverStore, usage: UsageCache, period: BillingPeriod, agentId?: string): Promise<BillingContext> {
  const devices: BillingDevice[] = (await store.devices(agentId ? { agentId } : {}))
    .map((d) => ({ agentId: d.agentId, key: d.key, ...(d.vendor ? { vendor: d.vendor } : {}), ...(d.model ? { model: d.model } : {}), ...(d.serial ? { serial: d.serial } : {}), ...(d.lastReadAt ? { lastReadAt: d.lastReadAt } : {}) }))
    .sort((a, b) => a.agentId.localeCompare(b.agentId) || a.key.localeCompare(b.key));
  const replaced = await replacements(store, agentId);
  for (const d of devices) {
    const by = replaced.get(`${d.agentId}\u0000${d.key}`);
    if (by) d.replacedBy = by;
  }
  return { period, devices, usage: (d) => usage.usage(d, period, d.replacedBy && d.lastReadAt ? Date.parse(d.lastReadAt) : undefined) };
}

/** "B replaced A" within each agent (never across agents), keyed `agent\u0000A` → B, from each device's first and last reading and its latest MAC and host. */
async function replacements(store: ReceiverStore, agentId?: string): Promise<Map<string, string>> {
  const latest = await store.latestReadings(agentId ? { agentId } : {});
  const byAgent = new Map<string, DeviceSpan[]>();
  const where = new Map(latest.map((r) => [`${r.agentId}\u0000${r.deviceKey}`, r]));
  for (const f of await store.firstReadings(agentId)) {
    const r = where.get(`${f.agentId}\u0000${f.deviceKey}`);
    if (!r) continue;
    const dev = (r.body.device ?? {}) as { mac?: unknown; host?: unknown };
    const span: DeviceSpan = { deviceKey: f.deviceKey, firstAt: Date.parse(f.firstReadAt), lastAt: Date.parse(r.readAt), ...(typeof dev.mac === 'string' ? { mac: dev.mac } : {}), ...(typeof dev.host === 'string' ? { host: dev.host } : {}) };
    const list = byAgent.get(f.agentId);
    if (list) list.push(span);
    else byAgent.set(f.agentId, [span]);
  }
  const out = new Map<string, string>();
  for (const [agent, spans] of byAgent) for (const c of replacementCandidates(spans)) out.set(`${agent}\u0000${c.replaced}`, c.by);
  return out;
}

/**
 * A billing period from two dates `YYYY-MM-DD` (UTC midnight): [from, to), so a month is
 * `2026-01-01` to `2026-02-01`. At most a year. A string naming the bad field otherwise.
 */
export function parseBillingPeriod(from: string | undefined, to: string | undefined): BillingPeriod | string {
  const date = (v: string | undefined) => (v && /^\d{4}-\d{2}-\d{2}$/.test(v) ? Date.parse(`${v}T00:00:00.000Z`) : NaN);
  const f = date(from);
  const t = date(to);
  if (!Number.isFinite(f)) return `from must be a date YYYY-MM-DD, got '${(from ?? '').slice(0, 40)}'`;
  if (!Number.isFinite(t)) return `to must be a date YYYY-MM-DD, got '${(to ?? '').slice(0, 40)}'`;
  if (t <= f || t - f > 366 * 86_400_000) return 'the period must end after it starts and span at most a year (to is the first day not billed)';
  return { from: f, to: t };
}

/** The download's file name: meterbox-<export>-<from>-to-<to>[-<agent>].csv */
export function billingFileName(exportId: string, period: BillingPeriod, agent?: string): string {
  return `meterbox-${exportId}-${day(period.from)}-to-${day(period.to)}${agent ? `-${agent.replace(/[^A-Za-z0-9._-]/g, '_')}` : ''}.csv`;
}

/** An export's rows as JSON objects keyed by its header (the API's and the CLI's --json). */
export async function exportRecords(ex: BillingExport, ctx: BillingContext): Promise<Record<string, Cell>[]> {
  const out: Record<string, Cell>[] = [];
  for await (const row of ex.rows(ctx)) out.push(Object.fromEntries(ex.header.map((h, i) => [h, row[i] === '' ? undefined : row[i]])));
  return out;
}

/** The billing export as the API's and the CLI's JSON: the period, the contract the figures follow, the columns and one record per device. */
export async function billingDocument(ctx: BillingContext, contract: BillingContract, agentId?: string): Promise<Record<string, unknown>> {
  const iso = (t: number) => new Date(t).toISOString();
  return { period: { from: iso(ctx.period.from), to: iso(ctx.period.to) }, ...(agentId ? { agentId } : {}), contract, columns: BILLING_EXPORT.header, devices: await exportRecords(BILLING_EXPORT, ctx) };
}

/** An export as CSV text, header first. */
export async function exportCsv(ex: BillingExport, ctx: BillingContext): Promise<string> {
  const lines: string[] = [csvLine(ex.header)];
  for await (const row of ex.rows(ctx)) lines.push(csvLine(row));
  return lines.join('');
}

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
