/**
 * Properties of the billing core over random device histories (seeded: the seed is printed, and
 * MBX_SEED=<seed> replays a run):
 * - splitting a period in two never changes the total of computable units (no half unit or page is
 *   lost or counted twice at a boundary, estimated or not);
 * - twelve consecutive months add up to the year;
 * - every figure that is computable and not estimated equals the truth the printer model kept,
 *   between the readings that stand for the boundaries, across gaps, replacements and idle months;
 *   the others are flagged (estimated, or not computable with a reason).
 */
import { describe, expect, it } from 'vitest';
import { deviceUsage, type Boundary, type DeviceUsage, type MeterReading, type UnitName } from '../../src/billing/index.js';
import type { CounterName } from '../../src/contract/reading.js';
import { runSeed, seeded } from '../helpers/random.js';
import { DAY, HOUR, Printer, at, type Job } from './device-model.js';

const SEED = runSeed();
console.log(`billing properties: seed ${SEED} (replay with MBX_SEED=${SEED})`);

interface Sim {
  readings: MeterReading[];
  /** The contract's true units up to each reading, by reading id: printed units, and scan units device by device. */
  truth: Map<string, Record<UnitName, number>>;
}

interface SimOptions {
  days: number;
  gaps?: boolean;
  replacements?: boolean;
  rollbacks?: boolean;
  partial?: boolean;
  idle?: boolean;
}

/** Readings every 6 hours; jobs of every size, side and colour between them; the chosen troubles. */
function simulate(rand: () => number, o: SimOptions): Sim {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)] as T;
  let p = new Printer('SN-0', undefined, { monoSides: Math.floor(rand() * 90_000), colorSides: Math.floor(rand() * 9000), scans: Math.floor(rand() * 50_000) });
  let serials = 0;
  const readings: MeterReading[] = [];
  const truth = new Map<string, Record<UnitName, number>>();
  let printed = { mono: 0, color: 0 };
  // Scan units of the devices already replaced, and the first scan total of the current one.
  let scanUnitsBefore = 0;
  let firstScans = p.t.scans;
  let gapUntil = -1;
  let lastRead = true;
  const idleFrom = o.idle ? Math.floor(rand() * o.days) : Infinity;
  const steps = o.days * 4;
  for (let k = 0; k <= steps; k++) {
    const t = at(0, k * 6);
    const reading = (r: MeterReading) => {
      readings.push(r);
      truth.set(r.id, { mono: printed.mono, color: printed.color, scan: scanUnitsBefore + Math.floor(p.t.scans / 2) - Math.floor(firstScans / 2) });
      lastRead = true;
    };
    if (k > 0 && lastRead && k > gapUntil && o.replacements && rand() < 0.004) {
      // A new device, read at once (nothing printed on either side between the two readings).
      scanUnitsBefore += Math.floor(p.t.scans / 2) - Math.floor(firstScans / 2);
      p = new Printer(`SN-${++serials}`, undefined, { monoSides: Math.floor(rand() * 20_000), scans: Math.floor(rand() * 3000) });
      firstScans = p.t.scans;
      reading(p.read(t));
      continue;
    }
    if (k > 0 && lastRead && o.rollbacks && rand() < 0.004) {
      p.t.scans = Math.floor(p.t.scans * rand());
      readings.push(p.read(t));
      continue;
    }
    const day = k / 4;
    if (k > 0 && !(day >= idleFrom && day < idleFrom + 100)) {
      for (let j = Math.floor(rand() * 4); j > 0; j--) {
        const job: Job = { sheets: 1 + Math.floor(rand() * 20), size: pick(['A4', 'A4', 'A4', 'A3'] as const), duplex: rand() < 0.4, color: rand() < 0.3 };
        p.print(job);
        const sides = job.sheets * (job.duplex ? 2 : 1) * (job.size === 'A3' ? 2 : 1);
        printed = job.color ? { ...printed, color: printed.color + sides } : { ...printed, mono: printed.mono + sides };
      }
      p.scan(Math.floor(rand() * 6));
    }
    if (o.gaps && k > gapUntil && rand() < 0.008) gapUntil = k + 4 + Math.floor(rand() * 40);
    if (k > 0 && k <= gapUntil) {
      lastRead = false;
      continue;
    }
    let r = p.read(t);
    if (o.partial && k > 0 && rand() < 0.03) {
      const drop = pick(Object.keys(r.counters) as CounterName[]);
      r = { ...r, counters: { ...r.counters, [drop]: undefined } };
      readings.push(r);
      lastRead = false;
      continue;
    }
    reading(r);
  }
  return { readings, truth };
}

const usageOf = (sim: Sim, from: number, to: number): DeviceUsage => {
  const u = deviceUsage('acme:SN', sim.readings, { from, to }, { now: at(1000) });
  if (!u) throw new Error('no usage');
  return u;
};

const UNITS: readonly UnitName[] = ['mono', 'color', 'scan'];

/** Random instants inside a history, at any minute. */
const instant = (rand: () => number, days: number) => at(0) + Math.floor(rand() * days * 24 * 60) * 60_000;

describe(`billing properties (seed ${SEED})`, () => {
  const rand = seeded(SEED);

  it('splitting a period in two never changes the total of computable units or counter deltas', () => {
    let checked = 0;
    for (let trial = 0; trial < 30; trial++) {
      const sim = simulate(rand, { days: 200, gaps: true, replacements: true, rollbacks: true, partial: true, idle: rand() < 0.3 });
      for (let cut = 0; cut < 6; cut++) {
        const [from, s, to] = [instant(rand, 210), instant(rand, 210), instant(rand, 210)].sort((a, b) => a - b) as [number, number, number];
        if (!(from < s && s < to)) continue;
        const whole = usageOf(sim, from, to);
        const left = usageOf(sim, from, s);
        const right = usageOf(sim, s, to);
        const where = `seed ${SEED} trial ${trial}: [${new Date(from).toISOString()}, ${new Date(s).toISOString()}, ${new Date(to).toISOString()})`;
        for (const u of UNITS) {
          const [w, l, r] = [whole.units[u], left.units[u], right.units[u]];
          if (!w.computable || !l.computable || !r.computable) continue;
          expect(l.value + r.value, `${where} units.${u}`).toBe(w.value);
          checked++;
        }
        for (const c of Object.keys(whole.counters) as CounterName[]) {
          const [w, l, r] = [whole.counters[c], left.counters[c], right.counters[c]];
          if (w && l && r) expect(l.delta + r.delta, `${where} ${c}`).toBe(w.delta);
        }
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  it('twelve consecutive months add up to the year, scans included', () => {
    for (let trial = 0; trial < 10; trial++) {
      const sim = simulate(rand, { days: 370, gaps: true, replacements: true, partial: true });
      const year = usageOf(sim, at(0), at(360));
      const months = Array.from({ length: 12 }, (_, m) => usageOf(sim, at(m * 30), at((m + 1) * 30)));
      for (const u of UNITS) {
        const y = year.units[u];
        if (!y.computable || months.some((m) => !m.units[u].computable)) continue;
        expect(
          months.reduce((sum, m) => sum + (m.units[u].computable ? m.units[u].value : 0), 0),
          `seed ${SEED} trial ${trial} units.${u}`,
        ).toBe(y.value);
      }
    }
  });

  it('equals the truth wherever it is computable and not estimated, and flags the rest', () => {
    let exact = 0;
    let estimated = 0;
    for (let trial = 0; trial < 30; trial++) {
      const sim = simulate(rand, { days: 120, gaps: true, replacements: true, idle: rand() < 0.5 });
      const anchor = (b: Boundary): string => b.readingIds[0] as string;
      for (let q = 0; q < 8; q++) {
        // Period boundaries at midnight or at a random minute.
        const [from, to] = (rand() < 0.5 ? [at(Math.floor(rand() * 120)), at(Math.floor(rand() * 120))] : [instant(rand, 120), instant(rand, 120)]).sort((a, b) => a - b) as [number, number];
        if (from >= to) continue;
        const usage = usageOf(sim, from, to);
        for (const u of UNITS) {
          const f = usage.units[u];
          if (!f.computable) {
            expect(f.reason.length, `units.${u} gives a reason`).toBeGreaterThan(10);
            continue;
          }
          if (f.estimated) {
            expect(usage.flags).toContain('estimated');
            expect(f.rules.length).toBeGreaterThan(0);
            estimated++;
            continue;
          }
          // The boundary values are readings (or equal to them): the truth between those readings.
          const open = sim.truth.get(anchor(f.opening));
          const close = sim.truth.get(anchor(f.closing));
          if (!open || !close) throw new Error(`seed ${SEED}: no truth for ${anchor(f.opening)} or ${anchor(f.closing)}`);
          expect(f.value, `seed ${SEED} trial ${trial} units.${u} over [${new Date(from).toISOString()}, ${new Date(to).toISOString()})`).toBe(close[u] - open[u]);
          exact++;
        }
      }
    }
    expect(exact).toBeGreaterThan(100);
    expect(estimated).toBeGreaterThan(5);
  });

  it('with a reading at each boundary, the units are the truth of the period, never estimated', () => {
    for (let trial = 0; trial < 10; trial++) {
      const sim = simulate(rand, { days: 90, replacements: true, idle: true });
      for (let m = 0; m < 3; m++) {
        const u = usageOf(sim, at(m * 30), at((m + 1) * 30));
        const open = sim.truth.get(sim.readings.find((r) => r.at === at(m * 30))?.id ?? '');
        const close = sim.truth.get(sim.readings.find((r) => r.at === at((m + 1) * 30))?.id ?? '');
        for (const name of UNITS) {
          expect(u.units[name], `seed ${SEED} trial ${trial} month ${m} units.${name}`).toMatchObject({ computable: true, estimated: false, value: (close?.[name] ?? NaN) - (open?.[name] ?? NaN) });
        }
      }
    }
    expect(HOUR * 24).toBe(DAY);
  });
});
