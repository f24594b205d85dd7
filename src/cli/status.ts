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
  const dmg = st.damaged;
  if (dmg) {
    const u = dmg.unrecoverable;
    lines.push(`DAMAGED         ${dmg.check}`);
    lines.push(`                read page by page, without changing it; meterbox run moves it aside at its next start and salvages what is readable into a fresh one`);
    lines.push(`readable        ${st.outbox.pending} pending, ${st.outbox.delivered} delivered, ${st.outbox.rejected} rejected reading(s), ${st.devices.length} device(s)` + (dmg.wal?.damaged ? `, including ${dmg.wal.recoveredTransactions} transaction(s) past a damaged WAL frame` : ''));
    lines.push(
      `unreadable      ${u.readings.pending} pending, ${u.readings.delivered} delivered, ${u.readings.rejected} rejected, ${u.readings.unknown} unknown-state reading(s); ${u.unreportedEvents} unreported event(s); ${u.devices} device(s) (as the indexes name them)`,
    );
    for (const r of dmg.reasons) lines.push(`                ${r}`);
    lines.push(`size            ${bytes(st.db.fileBytes)} on disk`);
  } else {
    lines.push(`size            ${bytes(st.db.fileBytes)} on disk, ${bytes(st.db.usedBytes)} in use (schema ${st.db.schemaVersion})`);
    lines.push(`outbox          ${st.outbox.pending} pending, ${st.outbox.delivered} delivered, ${st.outbox.rejected} rejected`);
  }
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
  const kinds = (m: Record<string, number>) => Object.entries(m).map(([k, n]) => `${n} ${k}`).join(', ');
  const dq = st.dataQuality;
  lines.push(`data quality    ${Object.keys(dq.events).length > 0 ? `${kinds(dq.events)} (events held)` : 'no problem seen'}`);
  if (dq.devices.length > 0) {
    const t = new Table({ head: ['device', 'host', 'current problems'], style: { head: [], border: [], compact: true } });
    for (const d of dq.devices) t.push([d.key, d.host, d.problems.map((p) => p.replace(/:+$/, '')).join(', ')]);
    lines.push(t.toString());
  }
  const dl = st.dataLoss;
  lines.push(`data loss       ${Object.keys(dl.events).length > 0 ? `${kinds(dl.events)} (events held); ${dl.lostReadings} reading(s) recorded as lost` : 'none recorded'}`);
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
    .option('--check', 'run SQLite quick_check first (reads the whole file); a damaged file is shown as what is still readable')
    .action((f: { db: string; json?: boolean; check?: boolean; events: string; deliveries: string }) => {
      const n = (v: string) => (Number.isFinite(Number(v)) ? Math.max(0, Math.floor(Number(v))) : 10);
      const st = readStatus(f.db, { recentEvents: n(f.events), recentDeliveries: n(f.deliveries), check: f.check === true });
      process.stdout.write((f.json ? JSON.stringify(st, null, 2) : formatStatus(st)) + '\n');
    });
}
