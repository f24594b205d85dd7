/**
 * `meterbox usage --from DATE --to DATE [--device KEY] [--json|--csv]`: the customer's check of an
 * invoice, on the box, from the outbox. Per device: the opening and closing readings, each
 * counter's meters and delta, the contract units with their formula (or why not computable), the
 * flags (estimated, …) and the validation events of the period. The figures come from the same
 * billing core, under the same contract (the config's `billing`), as the provider's export; the
 * CSV has the provider's export columns (web/fleet/billing.ts: one export, two places).
 *
 * The outbox is found like `meterbox status` finds it: --db, else $METERBOX_DB, else the config's
 * storage.path, else /var/lib/meterbox/outbox.db. Read-only; safe while the daemon runs.
 */
import Table from 'cli-table3';
import { Command } from 'commander';
import { existsSync } from 'node:fs';
import { DEFAULT_CONTRACT, readingWindow, usageByDevice, type BillingContract, type BillingPeriod, type DeviceUsage } from '../billing/index.js';
import { checkConfigShape } from '../config/load.js';
import { DEFAULT_CONFIG_PATH } from '../config/schema.js';
import { MeterboxError } from '../contract/errors.js';
import { COUNTER_NAMES } from '../contract/reading.js';
import { openOutboxMeters } from '../store/meters.js';
import { BILLING_EXPORT, exportCsv, parseBillingPeriod, type BillingDevice } from '../web/fleet/billing.js';
import type { BilledUsage } from '../web/fleet/usage.js';

const DEFAULT_DB = '/var/lib/meterbox/outbox.db';
/** The first reading after the period is looked for this far on (as the receiver's export does). */
const AFTER_MS = 31 * 86_400_000;

interface UsageFlags {
  from: string;
  to: string;
  device?: string;
  db?: string;
  config?: string;
  json?: boolean;
  csv?: boolean;
}

/** Where the outbox is and which contract applies: --db / $METERBOX_DB / the config, and the config's billing section. */
export function usageSources(f: { db?: string; config?: string }, env: NodeJS.ProcessEnv = process.env): { db: string; contract: BillingContract; agentId?: string; warning?: string } {
  const file = f.config ?? DEFAULT_CONFIG_PATH;
  let cfg: ReturnType<typeof checkConfigShape>['config'] | undefined;
  let warning: string | undefined;
  if (f.config !== undefined || existsSync(file)) {
    try {
      cfg = checkConfigShape(file, { env }).config;
    } catch (err) {
      if (f.config !== undefined) throw err;
      warning = `${file}: not used (${(err as Error).message.split('\n')[0]}); the default contract applies`;
    }
  }
  const db = f.db ?? env.METERBOX_DB ?? cfg?.storage.path ?? DEFAULT_DB;
  return { db, contract: cfg?.billing ?? DEFAULT_CONTRACT, ...(cfg ? { agentId: cfg.agentId } : {}), ...(warning ? { warning } : {}) };
}

/** Usage of every device (or one) over the period, from the outbox. */
export function outboxUsage(db: string, period: BillingPeriod, contract: BillingContract, now: number, deviceKey?: string): { usages: DeviceUsage[]; devices: BillingDevice[] } {
  const meters = openOutboxMeters(db);
  try {
    const since = new Date(readingWindow(period, contract).since).toISOString();
    const until = new Date(period.to + AFTER_MS).toISOString();
    const usages = [...usageByDevice(meters.readings({ since, until, ...(deviceKey ? { deviceKey } : {}) }), period, { now, contract })];
    const devices = usages.map((u) => {
      const id = meters.identities.get(u.deviceKey);
      return { agentId: '', key: u.deviceKey, ...(id?.vendor ? { vendor: id.vendor } : {}), ...(id?.model ? { model: id.model } : {}), ...(id?.serial ? { serial: id.serial } : {}) };
    });
    return { usages, devices };
  } finally {
    meters.close();
  }
}

const n = (v: number | undefined) => (v === undefined ? '—' : v.toLocaleString('en-US'));

/** One device's usage for a person: readings, meters, units with formulas, flags, events. */
export function formatUsage(u: DeviceUsage, model?: string): string {
  const lines: string[] = [];
  lines.push(`${u.deviceKey}${model ? ` (${model})` : ''}${u.serial ? `, serial ${u.serial}` : ''}`);
  lines.push(`  period   ${u.period.from} → ${u.period.to}${u.period.open ? ` (open: measured to ${u.period.end})` : ''}`);
  lines.push(`  opening  ${u.opening ? `${u.opening.at} (reading ${u.opening.id})` : '—'}`);
  lines.push(`  closing  ${u.closing ? `${u.closing.at} (reading ${u.closing.id})` : '—'}`);
  const t = new Table({ head: ['counter', 'opening', 'closing', 'delta', 'how', 'oid'], style: { head: [], border: [], compact: true } });
  for (const c of COUNTER_NAMES) {
    const m = u.counters[c];
    if (!m) continue;
    const how = m.opening.kind === m.closing.kind ? m.opening.kind : `${m.opening.kind} → ${m.closing.kind}`;
    t.push([c, n(m.opening.value), n(m.closing.value), n(m.delta), `${how}${m.estimated ? ' (estimated)' : ''}`, m.source ?? '']);
  }
  lines.push(t.toString().replace(/^/gm, '  '));
  for (const k of ['mono', 'color', 'scan'] as const) {
    const f = u.units[k];
    lines.push(`  units ${k.padEnd(5)} ${f.computable ? `${n(f.value)}${f.estimated ? ` (estimated: ${f.rules.join(', ')})` : ''}   = ${f.formula}` : `not computable: ${f.reason}`}`);
  }
  lines.push(`  flags    ${u.flags.length > 0 ? u.flags.join(', ') : 'none'}`);
  for (const e of u.events) lines.push(`  event    ${e.at} ${e.kind}: ${e.message}`);
  return lines.join('\n');
}

export function usageCommand(): Command {
  return new Command('usage')
    .description("the contract units per device over a period, from the outbox: opening and closing readings, meters and deltas, units, flags and events (the customer's check of an invoice)")
    .requiredOption('--from <date>', 'first day of the period, YYYY-MM-DD (UTC)')
    .requiredOption('--to <date>', 'first day after the period, YYYY-MM-DD (a month: --from 2026-01-01 --to 2026-02-01)')
    .option('--device <key>', 'one device (its key, as in `meterbox status`)')
    .option('--db <file>', `outbox database (default: $METERBOX_DB, else the config's storage.path, else ${DEFAULT_DB})`)
    .option('--config <file>', `config file: its storage.path and billing contract (default: ${DEFAULT_CONFIG_PATH} when present)`)
    .option('--json', 'print JSON (every figure with its formula, counters, OIDs and rule)')
    .option('--csv', "print CSV (the provider's billing export columns)")
    .action(async (f: UsageFlags) => {
      if (f.json && f.csv) throw new MeterboxError('MBX_USAGE', 'give --json or --csv, not both');
      const period = parseBillingPeriod(f.from, f.to);
      if (typeof period === 'string') throw new MeterboxError('MBX_USAGE', `--${period}`);
      const src = usageSources(f);
      if (src.warning) process.stderr.write(`meterbox usage: ${src.warning}\n`);
      const { usages, devices } = outboxUsage(src.db, period, src.contract, Date.now(), f.device);
      if (f.device && usages.length === 0) throw new MeterboxError('MBX_USAGE', `${src.db}: no reading of device '${f.device}' in or before the period`);
      if (f.json) {
        const iso = (t: number) => new Date(t).toISOString();
        process.stdout.write(JSON.stringify({ db: src.db, ...(src.agentId ? { agentId: src.agentId } : {}), period: { from: iso(period.from), to: iso(period.to) }, contract: src.contract, devices: usages }, null, 2) + '\n');
        return;
      }
      if (f.csv) {
        const byKey = new Map<string, BilledUsage>(usages.map((u) => [u.deviceKey, { ...u, channels: { ...(u.opening ? { opening: 'box' } : {}), ...(u.closing ? { closing: 'box' } : {}) } }]));
        process.stdout.write(await exportCsv(BILLING_EXPORT, { period, devices: devices.map((d) => ({ ...d, agentId: src.agentId ?? '' })), usage: async (d) => byKey.get(d.key) }));
        return;
      }
      if (usages.length === 0) return void process.stdout.write(`${src.db}: no readings in or before the period\n`);
      process.stdout.write(usages.map((u, i) => formatUsage(u, devices[i]?.model)).join('\n\n') + '\n');
    });
}
