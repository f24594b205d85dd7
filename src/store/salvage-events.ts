/** The events that tell what a salvage recovered and what it could not, pure. */
import type { SalvageReport } from './salvage.js';
import type { StoreEvent } from './events.js';

/** Readings lost to billing: pending ones (and ones of unknown state) that can never be delivered. */
function lostToBilling(r: SalvageReport): number {
  return r.unrecoverable.readings.pending + r.unrecoverable.readings.unknown;
}

export function salvageEvent(r: SalvageReport): StoreEvent {
  const rec = r.recovered;
  const un = r.unrecoverable;
  const lost = lostToBilling(r);
  const unreadableReadings = un.readings.pending + un.readings.delivered + un.readings.rejected + un.readings.unknown;
  const parts = [
    `recovered ${rec.readings.pending} pending, ${rec.readings.delivered} delivered and ${rec.readings.rejected} rejected reading(s), ${rec.devices + rec.devicesRebuilt} device(s)${rec.devicesRebuilt ? ` (${rec.devicesRebuilt} rebuilt from their readings)` : ''}, ${rec.registry} registry entr(ies) and ${rec.events} event(s) (${rec.unreportedEvents} not yet reported)`,
  ];
  if (r.wal?.damaged) parts.push(`including ${r.wal.recoveredTransactions} transaction(s) past a damaged WAL frame`);
  const unreadable =
    unreadableReadings + un.unreportedEvents + un.devices + un.registry > 0
      ? `; unrecoverable: ${un.readings.pending} pending, ${un.readings.delivered} delivered, ${un.readings.rejected} rejected and ${un.readings.unknown} reading(s) of unknown state, ${un.unreportedEvents} unreported event(s), ${un.devices} device(s), ${un.registry} registry entr(ies)${r.reasons[0] ? ` (first reason: ${r.reasons[0]})` : ''}`
      : '; nothing that the indexes name was lost';
  return {
    kind: 'store.salvaged',
    severity: lost > 0 || un.unreportedEvents > 0 ? 'error' : 'warning',
    message: `salvaged ${r.file}: ${parts.join(' ')}${unreadable}`,
    data: { file: r.file, lost, recovered: rec, unrecoverable: un, ...(r.wal ? { wal: r.wal } : {}), orphanPages: r.orphanPages, unreadable: r.unreadable, reasons: r.reasons.slice(0, 5) },
  };
}

export function salvageFailedEvent(file: string, err: unknown, willRetry: boolean): StoreEvent {
  const msg = err instanceof Error ? err.message : String(err);
  return {
    kind: 'store.salvage-failed',
    severity: 'error',
    message: `salvaging ${file} failed (${msg.slice(0, 300)}); ${willRetry ? 'it is tried again later' : 'the file is kept for recovery by hand (sqlite3 FILE .recover)'}`,
    data: { file, error: msg.slice(0, 1000), retry: willRetry },
  };
}
