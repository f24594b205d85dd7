/** Event kinds that status, the heartbeat and the metrics count (one list each, used by all three). */
import { DATA_PROBLEM_KINDS } from '../reading/quality.js';

/** Event kinds that mean readings were lost or may be lost. */
export const DATA_LOSS_KINDS = [
  'retention.dropped-pending',
  'retention.compacted',
  'store.corrupt-replaced',
  'store.salvaged',
  'store.salvage-failed',
  'store.write-failed',
  'store.resumed',
  'store.held-dropped',
  'upload.rejected',
  'upload.quarantined',
  'store.events-dropped',
] as const;

/** Event kinds of data problems (reading/quality.ts, store/problems.ts). */
export const DATA_QUALITY_KINDS = DATA_PROBLEM_KINDS;
