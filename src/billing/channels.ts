/**
 * Readings from several channels (Reading.source: `box`, `manual`, `device-email`, …). The
 * contract says the box's counters win over any other channel: where the box has a reading close
 * in time (within the boundary tolerance), a reading from another channel is set aside; where the
 * box has none (before it was installed, across a long outage), the other channel's reading stands
 * and the figures it supports say which channel they came from. Pure.
 */
import { MS_PER_HOUR, type BillingContract } from './contract.js';

/** The channel a reading that does not say came by: the box. */
export const BOX_CHANNEL = 'box';

/** Readings (in time order) with those another channel sent where the box covers the time dropped; keeps the order. */
export function preferBox<T extends { readonly at: number }>(readings: readonly T[], channelOf: (r: T) => string | undefined, contract: Pick<BillingContract, 'boundaryToleranceHours'>): T[] {
  const box: number[] = [];
  for (const r of readings) if ((channelOf(r) ?? BOX_CHANNEL) === BOX_CHANNEL) box.push(r.at);
  if (box.length === readings.length) return [...readings];
  const tolerance = contract.boundaryToleranceHours * MS_PER_HOUR;
  const covered = (t: number): boolean => {
    let lo = 0;
    let hi = box.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((box[mid] as number) < t - tolerance) lo = mid + 1;
      else hi = mid;
    }
    return lo < box.length && (box[lo] as number) <= t + tolerance;
  };
  return readings.filter((r) => (channelOf(r) ?? BOX_CHANNEL) === BOX_CHANNEL || !covered(r.at));
}
