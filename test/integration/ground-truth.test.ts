/**
 * Ground truth (issue 12): the simulator's ground-truth printer (src/simulator/ground-truth.ts)
 * prints a known mix of A4/A3, simplex/duplex, mono/colour and scans through a simulated year
 * (2025, hourly readings, fake clock, no real waiting) with a week-long gap across a month
 * boundary, a counter reset (new controller, same serial), a swap (another device, another serial)
 * and an idle quarter. Its readings go through the box's outbox (validated as they are stored) and
 * through the receiver over HTTPS (validated at ingest). For every device and month, `meterbox
 * usage` (the box) and GET /v1/billing (the receiver) must give the true units wherever a figure is
 * computable and not estimated, flag every estimate, agree with each other, and flag the gap, the
 * reset and the idle quarter. (Readings are built from the simulator's counters directly, not read
 * over SNMP: main's profiles do not declare counter units yet, so a read would bill nothing.)
 */
import axios from 'axios';
import { Agent } from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONTRACT, type BillingPeriod, type DeviceUsage, type UnitFigure } from '../../src/billing/index.js';
import { outboxUsage } from '../../src/cli/usage.js';
import type { Reading } from '../../src/contract/reading.js';
import { startReceiver } from '../../src/receiver/index.js';
import type { RunningReceiver } from '../../src/receiver/types.js';
import { GroundTruthPrinter, trueUnits } from '../../src/simulator/ground-truth.js';
import { Store } from '../../src/store/store.js';
import { runCli } from '../helpers/cli.js';
import { seeded } from '../helpers/random.js';
import { fakeClock, makeReading, silent, tempDir } from '../store/helpers.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.parse('2025-01-01T00:00:00Z');
const tmp = tempDir('mbx-truth-');
afterAll(() => tmp.cleanup());

const GAP = { from: T0 + 85 * DAY + 12 * HOUR, to: T0 + 92 * DAY + 12 * HOUR }; // 27 Mar 12:00 – 2 Apr 12:00: no reading
const RESET = T0 + 150 * DAY + 3.5 * HOUR; // 31 May 03:30: a new controller, counters from zero
const SWAP = T0 + 250 * DAY + 3.5 * HOUR; // 8 Sep 03:30: SIM-A taken away, SIM-B (a used device) in its place
const IDLE_FROM = Date.parse('2025-10-01T00:00:00Z'); // SIM-B prints nothing from October on

const random = seeded(20250101);
const a = new GroundTruthPrinter('SIM-A', random);
const b = new GroundTruthPrinter('SIM-B', random, { monoSides: 15_000, colorSides: 4_000, largeMonoSides: 900, scans: 3_000 });
/** The true contract units of each reading's device at the time of that reading. */
const truth = new Map<string, { mono: number; color: number; scan: number }>();
const readings: Reading[] = [];

function reading(p: GroundTruthPrinter, t: number, n: number): Reading {
  const r = makeReading(n, new Date(t));
  const c = p.counters();
  return { ...r, device: { ...r.device, key: `generic:${p.serial}`, serial: p.serial, model: 'bizhub C300i' }, counters: c.counters, sources: c.sources, units: c.units };
}

let reset = false;
for (let t = T0; t < T0 + 365 * DAY; t += HOUR) {
  if (!reset && t > RESET) {
    a.resetCounters();
    reset = true;
  }
  const p = t < SWAP ? a : b;
  if (!(t >= GAP.from && t < GAP.to)) {
    const r = reading(p, t, p === a ? 1 : 2);
    readings.push(r);
    truth.set(r.id, trueUnits(p.truth));
  }
  const hour = new Date(t).getUTCHours();
  const weekday = new Date(t).getUTCDay() % 6 !== 0;
  if (hour >= 9 && hour < 17 && weekday && !(p === b && t >= IDLE_FROM)) p.workHour();
}

const months: BillingPeriod[] = Array.from({ length: 12 }, (_, m) => ({ from: Date.UTC(2025, m, 1), to: Date.UTC(2025, m + 1, 1) }));
const day = (t: number) => new Date(t).toISOString().slice(0, 10);

/** A unit figure checked against the truth: exact when computable and not estimated. */
function checkFigure(key: string, month: string, name: string, f: UnitFigure, u: DeviceUsage): 'exact' | 'estimated' | 'not-computable' {
  if (!f.computable) return 'not-computable';
  if (f.estimated) {
    expect([key, month, name, u.estimated, u.flags.includes('estimated')]).toEqual([key, month, name, true, true]);
    return 'estimated';
  }
  const open = truth.get(f.opening.readingIds.at(-1) as string);
  const close = truth.get(f.closing.readingIds.at(-1) as string);
  const k = name as 'mono' | 'color' | 'scan';
  const expected = f.opening.kind === 'first-reading' ? (close?.[k] ?? NaN) - (truth.get(f.opening.readingIds[0] as string)?.[k] ?? NaN) : (close?.[k] ?? NaN) - (open?.[k] ?? NaN);
  expect([key, month, name, f.value]).toEqual([key, month, name, expected]);
  return 'exact';
}

describe('billing against the ground truth of a simulated year', () => {
  let rx: RunningReceiver;
  const box = new Map<string, DeviceUsage>();
  const db = join(tmp.dir, 'outbox.db');
  const READ = 'prov-read-truth-9a7c1e3b5d';
  const AGENT = { id: 'box-truth', token: 'tok-truth-4c2e8a6b0d1f' };

  beforeAll(async () => {
    // The box: one poll cycle a day of 24 hourly readings, stored and validated as the daemon stores them.
    const clock = fakeClock('2025-01-01T00:00:00Z');
    const s = Store.open(db, { log: silent, now: clock.now });
    for (let i = 0; i < readings.length; i += 24) {
      clock.set((readings[i] as Reading).readAt);
      s.saveCycle(readings.slice(i, i + 24));
    }
    s.close();
    for (const m of months) for (const u of outboxUsage(db, m, DEFAULT_CONTRACT, Date.parse('2026-06-01T00:00:00Z')).usages) box.set(`${u.deviceKey} ${day(m.from)}`, u);
    // The receiver: the same readings over HTTPS, in batches as the uploader sends them.
    rx = await startReceiver({ db: join(tmp.dir, 'receiver.db'), tokens: { [AGENT.id]: AGENT.token, viewer: { role: 'read', token: READ } }, logger: silent });
    const http = axios.create({ baseURL: rx.url, httpsAgent: new Agent({ ca: rx.certPem }), proxy: false, validateStatus: () => true, headers: { authorization: `Bearer ${AGENT.token}` } });
    for (let i = 0; i < readings.length; i += 500) expect((await http.post('/v1/readings', { agentId: AGENT.id, readings: readings.slice(i, i + 500) })).status).toBe(200);
  }, 300_000);
  afterAll(() => rx?.close());

  it('the box: every computable, non-estimated figure is the truth; every estimate is flagged; gap, reset, swap and idle are flagged', () => {
    const tally = { exact: 0, estimated: 0, 'not-computable': 0 };
    for (const [k, u] of box) for (const name of ['mono', 'color', 'scan'] as const) tally[checkFigure(u.deviceKey, k, name, u.units[name], u)]++;
    expect(tally['not-computable']).toBe(0);
    expect(tally.exact).toBeGreaterThanOrEqual(3 * 9); // 10 of the 24 device-months are exact in all three units (30 figures)
    expect(tally.estimated).toBeGreaterThan(0);
    const flags = (key: string, month: string) => box.get(`generic:${key} ${month}`)?.flags ?? [];
    expect(flags('SIM-A', '2025-03-01')).toContain('estimated'); // the gap covers 1 April: interpolated
    expect(flags('SIM-A', '2025-04-01')).toEqual(expect.arrayContaining(['estimated', 'reading.gap']));
    expect(flags('SIM-A', '2025-05-01')).toContain('device.replaced'); // the counter reset (restart near zero)
    expect(box.get('generic:SIM-A 2025-05-01')?.units.mono.computable).toBe(true);
    expect(flags('SIM-B', '2025-12-01')).toContain('device.idle');
    expect(box.get('generic:SIM-B 2025-12-01')?.units.mono).toMatchObject({ computable: true, value: 0, estimated: false });
    // Months wholly covered by hourly readings are exact: February for SIM-A, November for SIM-B.
    expect(box.get('generic:SIM-A 2025-02-01')?.estimated).toBe(false);
    expect(box.get('generic:SIM-B 2025-11-01')?.estimated).toBe(false);
  });

  it('the receiver’s billing export gives the same figures and flags as the box, month by month', async () => {
    const http = axios.create({ baseURL: rx.url, httpsAgent: new Agent({ ca: rx.certPem }), proxy: false, headers: { authorization: `Bearer ${READ}` } });
    let compared = 0;
    for (const m of months) {
      const rows = (await http.get('/v1/billing', { params: { from: day(m.from), to: day(m.to) } })).data.devices as Record<string, unknown>[];
      for (const row of rows) {
        const u = box.get(`${row.device_key as string} ${day(m.from)}`);
        if (!u) continue;
        const value = (f: UnitFigure) => (f.computable ? f.value : undefined);
        expect([row.device_key, day(m.from), row.units_mono, row.units_color, row.units_scan, row.estimated, row.flags]).toEqual([
          u.deviceKey,
          day(m.from),
          value(u.units.mono),
          value(u.units.color),
          value(u.units.scan),
          u.estimated,
          u.flags.join(' ') || undefined,
        ]);
        compared++;
      }
    }
    expect(compared).toBeGreaterThanOrEqual(12);
  });

  it('`meterbox usage` prints the same month from the outbox', async () => {
    const r = await runCli(['usage', '--db', db, '--from', '2025-02-01', '--to', '2025-03-01', '--json', '--device', 'generic:SIM-A'], { env: {} });
    expect(r.code).toBe(0);
    const u = (JSON.parse(r.stdout) as { devices: DeviceUsage[] }).devices[0];
    expect(u?.units).toEqual(box.get('generic:SIM-A 2025-02-01')?.units);
  });
});
