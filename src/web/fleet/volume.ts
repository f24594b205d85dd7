/**
 * A device page's charts, pure: daily volume (mono, colour, large, scan) from the meters of its
 * readings, and its supplies over time. A day's volume is its last meter minus the last meter of
 * the day before that had one; a day without a reading, or a counter that went down (a rollback or
 * a replaced device), has no bar rather than an invented or negative one.
 */
import type { MeterRow } from '../../receiver/store/types.js';

export const VOLUME_SERIES = ['mono', 'color', 'large', 'scan'] as const;
export type VolumeSeries = (typeof VOLUME_SERIES)[number];

export interface DailyVolume {
  /** Midnight UTC of each day, epoch seconds. */
  days: number[];
  series: Partial<Record<VolumeSeries, (number | null)[]>>;
}

const DAY_S = 86_400;

/** The meter a series reads: its own counter, or mono as total − colour when only those two are there. */
function meter(c: Record<string, number>, s: VolumeSeries): number | undefined {
  if (s === 'mono' && c.mono === undefined && c.total !== undefined && c.color !== undefined) return c.total - c.color;
  return c[s];
}

export function dailyVolume(rows: readonly MeterRow[], from: number, to: number): DailyVolume {
  const first = Math.floor(from / 1000 / DAY_S) * DAY_S;
  const days: number[] = [];
  for (let d = first; d * 1000 < to; d += DAY_S) days.push(d);
  // The last meter of each day (rows come oldest first).
  const endOfDay = new Map<number, Record<string, number>>();
  for (const r of rows) endOfDay.set(Math.floor(Date.parse(r.readAt) / 1000 / DAY_S) * DAY_S, r.counters);
  const series: DailyVolume['series'] = {};
  for (const s of VOLUME_SERIES) {
    let before: number | undefined;
    // The meter before the first day shown, so that day gets a bar too.
    for (const r of rows) if (Date.parse(r.readAt) < first * 1000) before = meter(r.counters, s) ?? before;
    let any = false;
    const values = days.map((d) => {
      const c = endOfDay.get(d);
      const v = c ? meter(c, s) : undefined;
      if (v === undefined) return null;
      const prev = before;
      before = v;
      if (prev === undefined || v < prev) return null;
      any = true;
      return v - prev;
    });
    if (any) series[s] = values;
  }
  return { days, series };
}

export interface SupplyHistory {
  /** Epoch seconds of each point. */
  times: number[];
  series: { label: string; color?: string; values: (number | null)[] }[];
}

/** Supply percentages over time, at most `points` of them (the last reading of each slice). */
export function supplyHistory(rows: readonly MeterRow[], points = 400): SupplyHistory {
  const withSupplies = rows.filter((r) => r.supplies && r.supplies.length > 0);
  const step = Math.max(1, Math.ceil(withSupplies.length / points));
  const picked = withSupplies.filter((_, i) => (withSupplies.length - 1 - i) % step === 0);
  const labels = new Map<string, string | undefined>();
  for (const r of picked) for (const s of r.supplies ?? []) if (s.percent !== undefined && !labels.has(s.description)) labels.set(s.description, s.color);
  return {
    times: picked.map((r) => Math.floor(Date.parse(r.readAt) / 1000)),
    series: [...labels].map(([label, color]) => ({
      label,
      ...(color ? { color } : {}),
      values: picked.map((r) => r.supplies?.find((s) => s.description === label)?.percent ?? null),
    })),
  };
}
