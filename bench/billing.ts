/**
 * `npm run bench -- billing`: the billing core alone (no database), on the export the issue sizes:
 * 1,000 devices × a year of hourly readings streamed by (device, time) through usageByDevice.
 * Prints, measured side by side in one run: generating the stream alone (the baseline a caller pays
 * anyway), validating every reading (DeviceValidator), and the full usage (validation + every
 * counter and unit over the year), as CPU and wall time, ns per reading, and peak RSS.
 * Then the receiver's billing export itself (GET /v1/billing, `meterbox receiver billing`): the same
 * readings in a receiver SQLite database (written directly, not over HTTPS, with the daily snapshots
 * the ingest writes: shown equal to storeReadings' on a few devices first), exported as the ERP CSV
 * (web/fleet/billing.ts) for the year and for its last month, as CPU, wall and peak RSS, from the
 * snapshots and, side by side, from every stored reading (the year only when small or asked for).
 * BENCH_BILLING_DB_DEVICES sizes the database part (default: all devices).
 */
import { DEFAULT_CONTRACT, DeviceValidator, usageByDevice, type DeviceMeterReading } from '../src/billing/index.js';
import type { CounterSources, CounterUnits } from '../src/contract/reading.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EVERY_DAY, pageCollapseSql, snapshotMeterOf, snapshotRows, type PlacedReading, type SnapshotMeter } from '../src/receiver/store/snapshots.js';
import { SqliteStore } from '../src/receiver/store/sqlite.js';
import type { IncomingReading } from '../src/receiver/store/types.js';
import { BILLING_EXPORT, exportCsv, storeBillingContext } from '../src/web/fleet/billing.js';
import { UsageCache } from '../src/web/fleet/usage.js';
import { PeakRss } from './rss.js';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');

/** A colour MFP per device, read hourly, printing a varying mix; fresh counters per reading as from a database row. */
function* fleet(devices: number, hours: number): Generator<DeviceMeterReading> {
  const units: CounterUnits = { total: 'impressions', mono: 'impressions', color: 'impressions', scan: 'impressions', duplex: 'sheets', largeMono: 'impressions', largeColor: 'impressions' };
  for (let d = 0; d < devices; d++) {
    const deviceKey = `bench:SN${String(d).padStart(6, '0')}`;
    const sources: CounterSources = { total: '1.3.6.1.2.1.43.10.2.1.4.1.1', mono: 'm', color: 'c', scan: 's', duplex: 'd', largeMono: 'lm', largeColor: 'lc' };
    let mono = 1000 * d;
    let color = 500 * d;
    let scan = 0;
    let duplex = 0;
    let largeMono = 0;
    let largeColor = 0;
    for (let h = 0; h < hours; h++) {
      const k = (h * 7 + d) % 13;
      mono += k;
      color += k >> 1;
      scan += k & 3;
      duplex += k >> 2;
      largeMono += k >> 3;
      largeColor += (k >> 3) & 1;
      yield {
        deviceKey,
        id: `0190bench-${d}-${h}`,
        at: T0 + h * HOUR,
        serial: `SN${d}`,
        counters: { total: mono + color, mono, color, scan, duplex, largeMono, largeColor },
        sources,
        units,
      };
    }
  }
}

function measure(run: () => void): { cpuMs: number; wallMs: number } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  run();
  const c = process.cpuUsage(c0);
  return { cpuMs: (c.user + c.system) / 1000, wallMs: performance.now() - t0 };
}

export function benchBilling(o: { devices: number; hours: number }): void {
  const n = o.devices * o.hours;
  const period = { from: T0, to: T0 + o.hours * HOUR };
  const now = period.to + 30 * 24 * HOUR;
  const rss = new PeakRss();
  let checksum = 0;
  const gen = measure(() => {
    for (const r of fleet(o.devices, o.hours)) checksum += r.counters.mono ?? 0;
  });
  const validate = measure(() => {
    let v: DeviceValidator | undefined;
    for (const r of fleet(o.devices, o.hours)) {
      if (v?.deviceKey !== r.deviceKey) v = new DeviceValidator(r.deviceKey, DEFAULT_CONTRACT);
      checksum += v.check(r).events.length;
    }
  });
  let devices = 0;
  let estimated = 0;
  const usage = measure(() => {
    for (const u of usageByDevice(fleet(o.devices, o.hours), period, { now })) {
      devices++;
      if (u.estimated) estimated++;
    }
  });
  const peak = rss.stop();
  const ns = (ms: number) => ((ms * 1e6) / n).toFixed(0).padStart(5);
  const line = (name: string, m: { cpuMs: number; wallMs: number }, extra = '') =>
    console.log(`  ${name.padEnd(22)} cpu ${(m.cpuMs / 1000).toFixed(2).padStart(6)} s  wall ${(m.wallMs / 1000).toFixed(2).padStart(6)} s  ${ns(m.cpuMs)} ns/reading (cpu)${extra}`);
  console.log(`billing core: ${o.devices} devices × ${o.hours} hourly readings = ${n.toLocaleString('en')} readings, one device at a time (no database)`);
  line('stream only', gen);
  line('validate', validate, `  (+${ns(validate.cpuMs - gen.cpuMs).trim()} over the stream)`);
  line('usage (export)', usage, `  (+${ns(usage.cpuMs - gen.cpuMs).trim()} over the stream; ${devices} devices, ${estimated} estimated)`);
  console.log(`  peak RSS               ${(peak / 1048576).toFixed(1)} MiB`);
  if (checksum < 0) console.log('unreachable');
}

/** The body a receiver stores for a bench reading (a Reading's billing fields; the rest of a real body is left out: the export reads only these). */
function bodyOf(r: DeviceMeterReading, readAt: string): string {
  return JSON.stringify({ id: r.id, readAt, device: { key: r.deviceKey, serial: r.serial }, counters: r.counters, sources: r.sources, units: r.units });
}

/** The bench fleet's readings as the receiver's ingest gets them, one batch per device and day. */
function* ingestBatches(devices: number, hours: number): Generator<IncomingReading[]> {
  let batch: IncomingReading[] = [];
  for (const r of fleet(devices, hours)) {
    const readAt = new Date(r.at).toISOString();
    if (batch.length > 0 && (batch.length === 24 || batch[0]?.deviceKey !== r.deviceKey)) {
      yield batch;
      batch = [];
    }
    batch.push({ id: r.id, readAt, deviceKey: r.deviceKey, vendor: 'Bench', model: 'MFP', serial: r.serial as string, counters: r.counters as Record<string, number>, body: bodyOf(r, readAt) });
  }
  if (batch.length > 0) yield batch;
}

const SLOTS = 'SELECT s.device_key, s.day, s.slot, s.reading_id, s.page, d.sources, d.units FROM meter_snapshots s JOIN meter_declarations d USING (agent_id, device_key, decl) ORDER BY 1, 2, 3';

/**
 * Loads the bench fleet straight into the readings and devices tables (8.76 M rows would take an
 * hour through the HTTPS ingest) and fills the daily snapshots with the same planning code the
 * ingest runs (snapshotRows), device by device, then folds each day's page into its last row as
 * the ingest does (pageCollapseSql).
 */
export function bulkLoad(store: SqliteStore, o: { devices: number; hours: number }): void {
  store.db.pragma('synchronous = OFF');
  const ins = store.db.prepare('INSERT INTO readings (agent_id, reading_id, device_key, read_at, received_at, body) VALUES (?, ?, ?, ?, ?, ?)');
  const dev = store.db.prepare(`INSERT INTO devices (agent_id, device_key, vendor, model, serial, readings, first_seen, last_read_at) VALUES ('bench', ?, 'Bench', 'MFP', ?, ?, ?, ?)`);
  let before: SnapshotMeter | undefined; // the device's previous reading, across transactions
  let beforeKey = '';
  for (const batch of chunks(ingestBatches(o.devices, o.hours), 1000)) {
    store.db.transaction(() => {
      let placed: PlacedReading[] = [];
      const flush = () => {
        const { bounds, breaks } = snapshotRows(placed);
        store.writeSnapshots('bench', [...bounds, ...breaks]);
        placed = [];
      };
      for (const day of batch) {
        const first = day[0] as IncomingReading;
        if (placed.length > 0 && placed[0]?.deviceKey !== first.deviceKey) flush();
        if (before && beforeKey !== first.deviceKey) before = undefined; // another device, also when it starts a transaction
        for (const r of day) {
          ins.run('bench', r.id, r.deviceKey, r.readAt, r.readAt, r.body);
          const m = snapshotMeterOf(r.id, r.readAt, r.body);
          placed.push({ deviceKey: r.deviceKey, m, ...(before ? { before } : {}) });
          before = m;
          beforeKey = r.deviceKey;
        }
        const last = day.at(-1) as IncomingReading;
        if (Date.parse(last.readAt) === T0 + (o.hours - 1) * HOUR) dev.run(last.deviceKey, last.serial, o.hours, new Date(T0).toISOString(), last.readAt);
      }
      flush();
    })();
  }
  store.db.transaction(() => {
    for (const sql of pageCollapseSql(EVERY_DAY)) store.db.exec(sql);
  })();
}

function* chunks<T>(items: Iterable<T>, size: number): Generator<T[]> {
  let out: T[] = [];
  for (const x of items) {
    out.push(x);
    if (out.length === size) {
      yield out;
      out = [];
    }
  }
  if (out.length > 0) yield out;
}

/** The receiver's billing export over a database of `devices` × `hours` hourly readings. */
export async function benchReceiverBilling(o: { devices: number; hours: number }): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mbx-bench-billing-'));
  try {
    // The ingest path itself (storeReadings writes the snapshots), on a few devices: the snapshots it
    // writes are the bulk load's, so the big database below is what the receiver would hold.
    const few = { devices: Math.min(3, o.devices), hours: o.hours };
    const viaIngest = SqliteStore.open(join(dir, 'ingest.db'));
    const bulk = SqliteStore.open(join(dir, 'bulk.db'));
    let batches = 0;
    const ingest = measure(() => {
      for (const b of ingestBatches(few.devices, few.hours)) {
        void viaIngest.storeReadings('bench', b, new Date(Date.parse((b.at(-1) as IncomingReading).readAt)));
        batches++;
      }
    });
    bulkLoad(bulk, few);
    const same = JSON.stringify(viaIngest.db.prepare(SLOTS).all()) === JSON.stringify(bulk.db.prepare(SLOTS).all());
    console.log(
      `receiver ingest with daily snapshots: ${(few.devices * few.hours).toLocaleString('en')} readings in ${batches} batches (storeReadings) cpu ${(ingest.cpuMs / 1000).toFixed(2)} s, ${((ingest.cpuMs * 1e3) / (few.devices * few.hours)).toFixed(0)} µs/reading; snapshots equal to the bulk load's: ${same ? 'yes' : 'NO'}`,
    );
    await viaIngest.close();
    await bulk.close();
    if (!same) throw new Error('the bulk load does not write the snapshots the ingest writes');

    const store = SqliteStore.open(join(dir, 'receiver.db'));
    const n = o.devices * o.hours;
    const load = measure(() => bulkLoad(store, o));
    const snapshots = store.db.prepare('SELECT COUNT(*) FROM meter_snapshots').pluck().get() as number;
    console.log(
      `receiver billing export: ${o.devices} devices × ${o.hours} hourly readings = ${n.toLocaleString('en')} rows in SQLite, ${snapshots.toLocaleString('en')} snapshot rows (loaded in ${(load.wallMs / 1000).toFixed(1)} s)`,
    );
    const now = () => T0 + o.hours * HOUR + 30 * 24 * HOUR;
    const periods = [
      { name: 'year', from: T0, to: T0 + o.hours * HOUR },
      { name: 'last month', from: T0 + o.hours * HOUR - 30 * 24 * HOUR, to: T0 + o.hours * HOUR },
    ];
    // Side by side: the snapshots (the default), and every stored reading (the path a gap window under a day takes, as before the snapshots).
    const ways = [
      { name: 'snapshots', contract: DEFAULT_CONTRACT },
      { name: 'all readings', contract: { ...DEFAULT_CONTRACT, gapHours: 23 } },
    ];
    const csvs = new Map<string, string>();
    for (const p of periods) {
      for (const w of ways) {
        if (w.name !== 'snapshots' && p.name === 'year' && o.devices > 100 && !process.env.BENCH_BILLING_FULL_YEAR) {
          console.log(`  export (${p.name.padEnd(10)}, ${w.name.padEnd(12)}) skipped at this size (~80 s for 1,000 devices; BENCH_BILLING_FULL_YEAR=1 runs it)`);
          continue;
        }
        const rss = new PeakRss();
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        const ctx = await storeBillingContext(store, new UsageCache(store, now, w.contract), { from: p.from, to: p.to });
        const csv = await exportCsv(BILLING_EXPORT, ctx);
        const c = process.cpuUsage(c0);
        const wall = performance.now() - t0;
        const peak = rss.stop();
        const cpu = (c.user + c.system) / 1000;
        const scale = 1000 / o.devices;
        const other = csvs.get(p.name);
        csvs.set(p.name, csv);
        console.log(
          `  export (${p.name.padEnd(10)}, ${w.name.padEnd(12)}) cpu ${(cpu / 1000).toFixed(2).padStart(6)} s  wall ${(wall / 1000).toFixed(2).padStart(6)} s  ${csv.split('\r\n').length - 2} rows  peak RSS ${(peak / 1048576).toFixed(0)} MiB` +
            (scale !== 1 ? `  (× ${scale.toFixed(1)} for 1,000 devices: ~${((wall * scale) / 1000).toFixed(1)} s wall)` : '') +
            (other !== undefined ? `  same CSV as the snapshots': ${other === csv ? 'yes' : 'NO'}` : '  goal ≤ 5 s'),
        );
      }
    }
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
