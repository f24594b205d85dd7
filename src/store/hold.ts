/**
 * What the outbox keeps in memory while the disk refuses writes, pure. Every reading is held
 * until the bound (bytes of Reading JSON) is reached; past it, the cheapest loss goes first:
 *   1. a middle reading of a device that holds three or more (its first and last stay, and
 *      counters are cumulative, so the usage between them survives), the oldest such first;
 *   2. the older of a device's two readings (its newest carries the current totals);
 *   3. only then the oldest reading of all.
 * Every reading dropped is counted, by step, for the event written when storing resumes.
 */
import type { DataProblem } from '../reading/quality.js';
import type { Reading } from '../contract/reading.js';

export interface HeldReading {
  reading: Reading;
  /** Bytes of its JSON, what the bound counts. */
  bytes: number;
  problems: readonly DataProblem[];
}

export interface HeldReadings {
  /** Per device key, oldest first. */
  byDevice: Map<string, HeldReading[]>;
  count: number;
  bytes: number;
  dropped: { thinned: number; older: number; oldest: number };
}

export const emptyHold = (): HeldReadings => ({ byDevice: new Map(), count: 0, bytes: 0, dropped: { thinned: 0, older: 0, oldest: 0 } });

export const droppedTotal = (h: HeldReadings): number => h.dropped.thinned + h.dropped.older + h.dropped.oldest;

/** Hard ceiling of the default bound ("a few MB"), and its floor for a tiny fleet. */
export const HOLD_MAX_BYTES = 8 * 1024 * 1024;
const HOLD_MIN_BYTES = 256 * 1024;
/** A typical Reading's JSON (a colour MFP with four toners). */
const TYPICAL_READING_BYTES = 1500;

/**
 * The default bound: every reading of the last 24 h for `devices` devices polled every
 * `pollIntervalMs`, at most HOLD_MAX_BYTES.
 */
export function defaultHoldBytes(devices: number, pollIntervalMs: number): number {
  const polls = Math.ceil(86_400_000 / Math.max(60_000, pollIntervalMs));
  return Math.min(HOLD_MAX_BYTES, Math.max(HOLD_MIN_BYTES, devices * polls * TYPICAL_READING_BYTES));
}

/** Adds `incoming` (a reading already held is not added twice), then drops down to `maxBytes`. */
export function holdReadings(held: HeldReadings, incoming: readonly HeldReading[], maxBytes: number): HeldReadings {
  const byDevice = new Map([...held.byDevice].map(([k, v]) => [k, [...v]]));
  const out: HeldReadings = { byDevice, count: held.count, bytes: held.bytes, dropped: { ...held.dropped } };
  for (const h of incoming) {
    const list = byDevice.get(h.reading.device.key) ?? [];
    if (list.some((x) => x.reading.id === h.reading.id)) continue;
    list.push(h);
    list.sort((a, b) => (a.reading.readAt < b.reading.readAt ? -1 : a.reading.readAt > b.reading.readAt ? 1 : 0));
    byDevice.set(h.reading.device.key, list);
    out.count++;
    out.bytes += h.bytes;
  }
  while (out.bytes > maxBytes && out.count > 0) {
    const victim = pickVictim(byDevice);
    if (!victim) break;
    const [key, index, step] = victim;
    const list = byDevice.get(key) as HeldReading[];
    const [gone] = list.splice(index, 1);
    if (list.length === 0) byDevice.delete(key);
    out.count--;
    out.bytes -= gone?.bytes ?? 0;
    out.dropped[step]++;
  }
  return out;
}

function pickVictim(byDevice: Map<string, HeldReading[]>): [string, number, 'thinned' | 'older' | 'oldest'] | undefined {
  let best: [string, number, string] | undefined;
  const consider = (key: string, index: number, list: HeldReading[]) => {
    const at = (list[index] as HeldReading).reading.readAt;
    if (!best || at < best[2]) best = [key, index, at];
  };
  for (const [key, list] of byDevice) if (list.length >= 3) consider(key, 1, list);
  if (best) return [best[0], best[1], 'thinned'];
  for (const [key, list] of byDevice) if (list.length === 2) consider(key, 0, list);
  if (best) return [best[0], best[1], 'older'];
  for (const [key, list] of byDevice) if (list.length > 0) consider(key, 0, list);
  return best ? [best[0], best[1], 'oldest'] : undefined;
}

/** Everything held, oldest first, with its problems. */
export function heldItems(h: HeldReadings): HeldReading[] {
  return [...h.byDevice.values()].flat().sort((a, b) => (a.reading.readAt < b.reading.readAt ? -1 : a.reading.readAt > b.reading.readAt ? 1 : 0));
}
