/**
 * Retention, the I/O shell around policy.ts: age first, then the size cap (delivered, rejected,
 * compaction of pending, and only as a last resort the oldest pending). Each step is one
 * transaction of at most MAX_ROWS_PER_STEP rows that also writes an event with its counts, so no
 * loss is silent even if the process dies half-way; a WAL checkpoint follows each step.
 */
import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { EVENTS_CEILING, type EventLog } from './events.js';
import { ageCutoff, nextSizeStep, planCompaction, rowsToFree, type RetentionPolicy, type SizeState } from './policy.js';
import type { ReadingTable } from './readings.js';

/** Rows one retention transaction deletes at most, and pages one vacuum step returns: bounds the WAL. */
const MAX_ROWS_PER_STEP = 2000;
const VACUUM_PAGES_PER_STEP = 256;

export interface RetentionReport {
  prunedByAge: { delivered: number; rejected: number };
  prunedForSize: { delivered: number; rejected: number };
  compacted: { dropped: number; groups: number; days: number };
  droppedPending: number;
  usedBytes: number;
  capBytes: number;
}

export interface RetentionContext {
  db: Database.Database;
  path: string;
  readings: ReadingTable;
  events: EventLog;
  policy: RetentionPolicy;
  now: Date;
  usedBytes(): number;
  checkpoint(): void;
  log: Logger;
}

function sizeState(c: RetentionContext, withCompactable: boolean): SizeState {
  const usedBytes = c.usedBytes();
  const capBytes = c.policy.sizeCapBytes;
  if (usedBytes <= capBytes) return { usedBytes, capBytes, delivered: 0, rejected: 0, compactableGroups: 0, pending: 0 };
  const delivered = c.readings.count('delivered');
  const rejected = delivered > 0 ? 0 : c.readings.count('rejected');
  const compactable = delivered > 0 || rejected > 0 || !withCompactable ? 0 : Number(c.readings.hasCompactableDay());
  return { usedBytes, capBytes, delivered, rejected, compactableGroups: compactable, pending: c.readings.count('pending') };
}

export function enforceRetention(c: RetentionContext): RetentionReport {
  const { db, readings, events, policy } = c;
  const report: RetentionReport = {
    prunedByAge: { delivered: 0, rejected: 0 },
    prunedForSize: { delivered: 0, rejected: 0 },
    compacted: { dropped: 0, groups: 0, days: 0 },
    droppedPending: 0,
    usedBytes: 0,
    capBytes: policy.sizeCapBytes,
  };
  const cutoff = ageCutoff(c.now, policy.maxAgeDays);
  const tx = <T>(fn: () => T): T => db.transaction(fn).immediate();

  // In transactions of at most MAX_ROWS_PER_STEP rows, each followed by a checkpoint: the WAL
  // never holds more than one step (see WAL_HEADROOM_BYTES in disk.ts).
  const pruneOld = (state: 'delivered' | 'rejected'): number => {
    let total = 0;
    for (;;) {
      const n = tx(() => readings.pruneOlderThan(state, cutoff, MAX_ROWS_PER_STEP));
      c.checkpoint();
      total += n;
      if (n < MAX_ROWS_PER_STEP) return total;
    }
  };
  const d = pruneOld('delivered');
  const r = pruneOld('rejected');
  tx(() => {
    const unreportedDropped = events.prune(cutoff);
    if (unreportedDropped > 0) {
      events.add({
        kind: 'store.events-dropped',
        severity: 'error',
        message: `dropped the ${unreportedDropped} oldest event(s) that no heartbeat has reported yet: more than ${EVENTS_CEILING} were waiting`,
        data: { dropped: unreportedDropped, ceiling: EVENTS_CEILING },
      });
    }
    if (d + r > 0) {
      // Delivered readings are billed already, and rejected ones were set aside with an event: pruning them by age is policy, not loss.
      events.add({
        kind: 'retention.pruned',
        severity: r > 0 ? 'warning' : 'info',
        message: `pruned ${d} delivered and ${r} rejected reading(s) read before ${cutoff} (older than ${policy.maxAgeDays} days)`,
        data: { reason: 'age', delivered: d, rejected: r, before: cutoff },
      });
    }
    report.prunedByAge = { delivered: d, rejected: r };
  });

  c.checkpoint();

  const compactedDays = new Set<string>();
  // Pending readings are dropped up to the excess estimated at the first such step, then no more:
  // the loss stays bounded even when what fills the file is not readings (events, half-empty pages).
  let pendingBudget: number | undefined;
  for (let guard = 0; guard < 100_000; guard++) {
    const st = sizeState(c, true);
    const step = nextSizeStep(st);
    if (step === 'none' || (step === 'drop-oldest-pending' && pendingBudget !== undefined && report.droppedPending >= pendingBudget)) break;
    const perRow = st.usedBytes / (readings.countAll() || 1);
    const excess = st.usedBytes - st.capBytes;
    let progressed = 0;
    tx(() => {
      if (step === 'prune-delivered' || step === 'prune-rejected') {
        const state = step === 'prune-delivered' ? 'delivered' : 'rejected';
        progressed = readings.pruneOldest(state, Math.min(MAX_ROWS_PER_STEP, rowsToFree(excess, perRow, state === 'delivered' ? st.delivered : st.rejected)));
        report.prunedForSize[state] += progressed;
        events.add({
          kind: 'retention.pruned',
          severity: state === 'delivered' ? 'info' : 'warning',
          message: `pruned ${progressed} ${state} reading(s), oldest first, to keep the outbox under ${policy.sizeCapBytes} bytes`,
          data: { reason: 'size', [state]: progressed, usedBytes: st.usedBytes, capBytes: st.capBytes },
        });
      } else if (step === 'compact-pending') {
        const day = readings.firstCompactableDay();
        const plan = planCompaction(readings.pendingOfDay(day));
        progressed = readings.deleteSeqs(plan.drop.slice(0, MAX_ROWS_PER_STEP));
        report.compacted.dropped += progressed;
        // A day too large for one step takes several: its groups count once, with its last step.
        if (plan.drop.length <= MAX_ROWS_PER_STEP) report.compacted.groups += plan.groups;
        compactedDays.add(day);
        events.add({
          kind: 'retention.compacted',
          severity: 'warning',
          message: `outbox full of undelivered readings: compacted ${day}, dropped ${progressed} reading(s) of ${plan.devices} device(s), kept the first and last of each device's day`,
          data: { reason: 'size', day, dropped: progressed, lost: progressed, groups: plan.groups, devices: plan.devices, usedBytes: st.usedBytes, capBytes: st.capBytes },
        });
      } else {
        pendingBudget ??= rowsToFree(excess, perRow, st.pending, 10);
        const victims = readings.oldestPending(Math.min(MAX_ROWS_PER_STEP, pendingBudget - report.droppedPending));
        progressed = readings.deleteSeqs(victims.map((v) => v.seq));
        report.droppedPending += progressed;
        events.add({
          kind: 'retention.dropped-pending',
          severity: 'error',
          message: `outbox full after compaction: dropped the ${progressed} oldest undelivered reading(s) (${victims[0]?.readAt ?? '?'} … ${victims.at(-1)?.readAt ?? '?'})`,
          data: {
            reason: 'size',
            dropped: progressed,
            lost: progressed,
            devices: new Set(victims.map((v) => v.deviceKey)).size,
            from: victims[0]?.readAt,
            to: victims.at(-1)?.readAt,
            usedBytes: st.usedBytes,
            capBytes: st.capBytes,
          },
        });
      }
    });
    c.checkpoint();
    if (progressed === 0) break;
  }
  report.compacted.days = compactedDays.size;
  const removed =
    report.prunedByAge.delivered + report.prunedByAge.rejected + report.prunedForSize.delivered + report.prunedForSize.rejected + report.compacted.dropped + report.droppedPending;
  if (removed > 0) {
    try {
      // Free pages go back to the filesystem a few at a time, so the WAL never holds the whole file.
      for (let i = 0; i < 100_000 && (db.pragma('freelist_count', { simple: true }) as number) > 0; i++) {
        db.pragma(`incremental_vacuum(${VACUUM_PAGES_PER_STEP})`);
        c.checkpoint();
      }
    } catch (err) {
      c.log.warn({ path: c.path, err: (err as Error).message }, 'incremental vacuum failed; free pages stay in the file for reuse');
    }
    c.log.info({ path: c.path, ...report }, 'retention applied');
  }
  report.usedBytes = c.usedBytes();
  return report;
}
