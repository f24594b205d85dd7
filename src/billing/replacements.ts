/**
 * Replacements across device keys. A device is keyed by vendor + serial, so a printer swapped for
 * another shows up as one key that stops and another that starts: DeviceValidator, which sees one
 * key's stream, cannot see it. This pure helper proposes the links from per-device summaries: B
 * replaced A when A's last reading comes before B's first, within maxGapDays, at the same MAC or
 * the same host, and A was not read again. The caller decides (the box shows them; the receiver can
 * bill A then B under one billing position by streaming both under one key, in time order, which
 * gives device.replaced and the segments).
 */
import { MS_PER_DAY } from './contract.js';

export interface DeviceSpan {
  deviceKey: string;
  serial?: string;
  mac?: string;
  host?: string;
  /** First and last reading times, epoch ms. */
  firstAt: number;
  lastAt: number;
}

export interface ReplacementCandidate {
  /** The device that stopped, and the one that took its place. */
  replaced: string;
  by: string;
  /** What they share. */
  sameMac: boolean;
  sameHost: boolean;
  gapDays: number;
}

export function replacementCandidates(devices: readonly DeviceSpan[], maxGapDays = 30): ReplacementCandidate[] {
  const out: ReplacementCandidate[] = [];
  const byStart = [...devices].sort((a, b) => a.firstAt - b.firstAt);
  const taken = new Set<string>();
  // Oldest endings first, so that each device is replaced by the first one that followed it.
  for (const a of [...devices].sort((x, y) => x.lastAt - y.lastAt)) {
    for (const b of byStart) {
      if (b.deviceKey === a.deviceKey || taken.has(b.deviceKey) || b.firstAt <= a.lastAt) continue;
      const gapDays = (b.firstAt - a.lastAt) / MS_PER_DAY;
      if (gapDays > maxGapDays) break;
      const sameMac = a.mac !== undefined && a.mac === b.mac;
      const sameHost = a.host !== undefined && a.host === b.host;
      if (!sameMac && !sameHost) continue;
      out.push({ replaced: a.deviceKey, by: b.deviceKey, sameMac, sameHost, gapDays: Math.round(gapDays * 100) / 100 });
      taken.add(b.deviceKey);
      break;
    }
  }
  return out;
}
