/** `meterbox status`: what the outbox holds, read-only, safe while the daemon runs. */
import Table from 'cli-table3';
import { Command } from 'commander';
import { DEFAULT_DB_PATH, readStatus, type StatusSnapshot } from '../store/status.js';

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

/** 3d 4h, 5h 12m, 7m 3s, 12s */
export function age(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${s % 60}s`;
  return `${s}s`;
}

export function formatStatus(st: StatusSnapshot): string {
  const now = Date.parse(st.at);
  const ago = (iso: string | undefined) => (iso ? `${iso} (${age((now - Date.parse(iso)) / 1000)} ago)` : '—');
  const lines: string[] = [];
  lines.push(`database        ${st.db.path}`);
  lines.push(`size            ${bytes(st.db.fileBytes)} on disk, ${bytes(st.db.usedBytes)} in use (schema ${st.db.schemaVersion})`);
  lines.push(`outbox          ${st.outbox.pending} pending, ${st.outbox.delivered} delivered, ${st.outbox.rejected} rejected`);
  lines.push(`oldest pending  ${st.outbox.oldestPendingAt ? ago(st.outbox.oldestPendingAt) : '— (nothing waiting)'}`);
  lines.push(`last delivery   ${st.lastDelivery ? `${ago(st.lastDelivery.at)}, ${st.lastDelivery.count} reading(s)` : 'never'}`);
  lines.push('');
  if (st.devices.length === 0) lines.push('devices         none yet');
  else {
    const t = new Table({ head: ['device', 'model', 'host', 'last reading'], style: { head: [], border: [], compact: true } });
    for (const d of st.devices) t.push([d.key, d.model ?? d.vendor, d.host, ago(d.lastReadingAt)]);
    lines.push(`devices (${st.devices.length})`, t.toString());
  }
  lines.push('');
  const deliveries = st.recentDeliveries ?? [];
  if (deliveries.length === 0) lines.push('recent deliveries  none');
  else {
    const t = new Table({ head: ['at', 'kind', 'readings', 'bytes (gzip)', 'HTTP', 'result'], style: { head: [], border: [], compact: true }, colWidths: [26, 11, 10, 14, 6, 60], wordWrap: true });
    for (const d of deliveries) {
      const result = d.error ?? (d.kind === 'readings' ? `${d.accepted} accepted, ${d.duplicate} duplicate, ${d.rejected} rejected` : 'ok');
      t.push([d.at, d.kind, d.kind === 'readings' ? String(d.count) : '—', bytes(d.bytes), d.status === undefined ? '—' : String(d.status), result]);
    }
    lines.push('recent deliveries (newest first)', t.toString());
  }
  lines.push('');
  if (st.recentEvents.length === 0) lines.push('recent events   none');
  else {
    const t = new Table({ head: ['at', 'severity', 'event', 'what happened'], style: { head: [], border: [], compact: true }, colWidths: [26, 10, 26, 70], wordWrap: true });
    for (const e of st.recentEvents) t.push([e.at, e.severity, e.kind, e.message]);
    lines.push('recent events (newest first)', t.toString());
  }
  return lines.join('\n');
}

export function statusCommand(): Command {
  return new Command('status')
    .description('show the outbox: devices and their last reading, pending readings, deliveries, recent events, database size')
    .option('--db <file>', 'outbox database', DEFAULT_DB_PATH)
    .option('--events <n>', 'recent events to show', '10')
    .option('--deliveries <n>', 'recent deliveries (requests to the provider) to show', '10')
    .option('--json', 'print the status as JSON')
    .action((f: { db: string; json?: boolean; events: string; deliveries: string }) => {
      const n = (v: string) => (Number.isFinite(Number(v)) ? Math.max(0, Math.floor(Number(v))) : 10);
      const st = readStatus(f.db, { recentEvents: n(f.events), recentDeliveries: n(f.deliveries) });
      process.stdout.write((f.json ? JSON.stringify(st, null, 2) : formatStatus(st)) + '\n');
    });
}
