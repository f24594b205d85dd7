/**
 * The receiver's billing export walks daily snapshots written at ingest (first and last reading of
 * each device-day, both readings of every break, the day's last printed page) instead of every
 * stored reading. This proves it exact on both stores: a seeded random history of several printers
 * (hourly readings with dropped hours and a multi-day gap, a counter reset, a swap to another
 * serial, a burst of printing, a device idle for months, one silent at the end, a manual reading)
 * is stored through the ingest path, and for every month and an odd period the export's usage
 * equals the billing core run on the full history; then the snapshots are dropped and rebuilt by
 * the schema migration's backfill, and the export is still the same. MBX_SEED replays a run.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { MIGRATIONS } from '../../src/receiver/store/migrations.js';
import { afterAll, describe, expect, it } from 'vitest';
import { BOX_CHANNEL, DEFAULT_CONTRACT, deviceUsage, preferBox, readingWindow, type BillingPeriod, type DeviceUsage } from '../../src/billing/index.js';
import { openStore } from '../../src/receiver/store/open.js';
import type { IncomingReading, ReceiverStore } from '../../src/receiver/store/types.js';
import { IngestValidation } from '../../src/receiver/validation.js';
import { BILLING_EXPORT, METERS_EXPORT, exportRecords, storeBillingContext, type BillingContext } from '../../src/web/fleet/billing.js';
import { UsageCache, meterReadingOf, type BilledUsage } from '../../src/web/fleet/usage.js';
import { Printer } from '../billing/device-model.js';
import { runSeed, seeded } from '../helpers/random.js';
import { captureLogger } from '../upload/helpers.js';
import { backends, titled } from './backends.js';

const b = await backends();
afterAll(() => b.cleanup());

const SEED = runSeed();
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.parse('2026-01-01T00:00:00Z');
const HOURS = 135 * 24; // to 16 May
const NOW = T0 + HOURS * HOUR + 2 * DAY;
const AGENT = 'box-snap';
const PERIODS: BillingPeriod[] = [
  ...[0, 1, 2, 3, 4].map((m) => ({ from: Date.UTC(2026, m, 1), to: Date.UTC(2026, m + 1, 1) })),
  { from: Date.UTC(2026, 1, 10), to: Date.UTC(2026, 3, 17) },
];

/** The history, as batches of readings in time order (one batch per simulated day). */
function history(seed: number): IncomingReading[][] {
  const rnd = seeded(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const devices = [0, 1, 2, 3, 4].map((n) => ({ n, key: `generic:SNAP${n}`, p: new Printer(`SN-${n}`), gapAt: int(10, 120) * 24 + int(0, 23), gapHours: int(80, 150), burst: int(5, 130) }));
  const resetAt = int(20, 110) * 24 + int(1, 22); // device 1: counters restart near zero (same serial)
  const swapAt = int(20, 110) * 24 + int(1, 22); // device 2: another printer under the same key
  const scanResetAt = int(20, 110) * 24 + int(1, 22); // device 0: the scan counter alone goes back to zero (a rollback)
  const silentFrom = HOURS - 20 * 24; // device 3: no reading for the last 20 days
  const idle = { from: 10 * 24, to: 115 * 24 }; // device 4: prints nothing for 105 days
  const manualAt = int(30, 100) * 24 + int(0, 23); // device 0: a reading typed in by hand
  const batches: IncomingReading[][] = [];
  let day: IncomingReading[] = [];
  for (let h = 0; h < HOURS; h++) {
    const office = h % 24 >= 7 && h % 24 < 19;
    for (const d of devices) {
      if (d.n === 1 && h === resetAt) d.p = new Printer(d.p.serial, undefined, { monoSides: int(0, 5) });
      if (d.n === 2 && h === swapAt) d.p = new Printer('SN-2-NEW');
      if (d.n === 0 && h === scanResetAt) d.p.t.scans = 0;
      const quiet = d.n === 4 && h >= idle.from && h < idle.to;
      if (office && !quiet) {
        const jobs = Math.floor(h / 24) === d.burst ? int(20, 40) : int(0, 3);
        for (let j = 0; j < jobs; j++) d.p.print({ sheets: int(1, 20), duplex: rnd() < 0.3, color: rnd() < 0.3, size: rnd() < 0.1 ? 'A3' : 'A4' });
        if (rnd() < 0.3) d.p.scan(int(1, 10));
      }
      const dropped = rnd() < 0.04 || (h >= d.gapAt && h < d.gapAt + d.gapHours) || (d.n === 3 && h >= silentFrom);
      if (!dropped) day.push(incoming(d.key, d.p, T0 + h * HOUR + int(0, 59) * 60_000));
      if (d.n === 0 && h === manualAt) day.push(incoming(d.key, d.p, T0 + h * HOUR + 30 * 60_000 + 17_000, 'manual'));
    }
    if (h % 24 === 23) {
      batches.push(day.sort((x, y) => (x.readAt < y.readAt ? -1 : 1)));
      day = [];
    }
  }
  return batches;
}

let seq = 0;
function incoming(deviceKey: string, p: Printer, at: number, source?: string): IncomingReading {
  const m = p.read(at);
  const id = `snap-${String(++seq).padStart(7, '0')}`;
  const readAt = new Date(at).toISOString();
  const body = { id, readAt, ...(source ? { source } : {}), device: { key: deviceKey, serial: m.serial, vendor: 'Generic', model: 'Sim' }, counters: m.counters, sources: m.sources, units: m.units };
  return { id, readAt, deviceKey, vendor: 'Generic', model: 'Sim', ...(m.serial ? { serial: m.serial } : {}), counters: m.counters as Record<string, number>, body: JSON.stringify(body) };
}

/** The reference: the billing core over every stored reading of the device (what the export computed before snapshots). */
async function fullHistoryUsage(store: ReceiverStore, key: string, period: BillingPeriod): Promise<BilledUsage | undefined> {
  const rows = await store.meterHistory({ agentId: AGENT, deviceKey: key, since: new Date(readingWindow(period).since).toISOString(), until: new Date(period.to + 31 * DAY).toISOString() });
  const channel = new Map(rows.flatMap((r) => (r.source && r.source !== BOX_CHANNEL ? [[r.id, r.source] as const] : [])));
  const u = deviceUsage(key, preferBox(rows.map(meterReadingOf), (m) => channel.get(m.id), DEFAULT_CONTRACT), period, { now: NOW, contract: DEFAULT_CONTRACT });
  const of = (id: string | undefined) => (id ? (channel.get(id) ?? BOX_CHANNEL) : undefined);
  return u && { ...u, channels: { ...(of(u.opening?.id) ? { opening: of(u.opening?.id) } : {}), ...(of(u.closing?.id) ? { closing: of(u.closing?.id) } : {}) } };
}

/**
 * A usage with its events as kinds: the figures, boundaries, segments and flags must be equal; an
 * event's evidence may name another reading of the same day (idleness is raised at the first reading
 * past the window, the snapshots have the day's last), and the export takes spikes from ingest validation.
 */
const comparable = (u: DeviceUsage | undefined) => u && { ...u, events: [...new Set(u.events.flatMap((e) => (e.kind === 'counter.spike' ? [] : [e.kind])))].sort() };

async function expectSameAsFullHistory(store: ReceiverStore): Promise<void> {
  for (const period of PERIODS) {
    const ctx = await storeBillingContext(store, new UsageCache(store, () => NOW), period, AGENT);
    expect(ctx.devices).toHaveLength(5);
    const reference: BillingContext = { ...ctx, usage: (d) => fullHistoryUsage(store, d.key, period) };
    for (const d of ctx.devices) expect(comparable(await ctx.usage(d)), `${d.key} ${new Date(period.from).toISOString()} (seed ${SEED})`).toEqual(comparable(await reference.usage(d)));
    expect(await exportRecords(BILLING_EXPORT, ctx)).toEqual(await exportRecords(BILLING_EXPORT, reference));
    expect(await exportRecords(METERS_EXPORT, ctx)).toEqual(await exportRecords(METERS_EXPORT, reference));
  }
}

for (const backend of b.list) {
  describe.skipIf(!!backend.skip)(titled(backend, 'billing export from daily snapshots'), () => {
    it('keeps a day\'s last page on its last row while they are one reading, and as its own row once a later reading comes', async () => {
      const db = await backend.newDb();
      const store = await openStore(db);
      const p = new Printer('SN-PAGE');
      const key = 'generic:PAGE';
      const at = (h: number) => T0 + h * HOUR;
      const hours = (a: number, z: number) => Array.from({ length: z - a }, (_, i) => {
        p.print({ sheets: 1, duplex: false, color: false, size: 'A4' });
        return incoming(key, p, at(a + i));
      });
      const rows = async () => {
        const sql = `SELECT slot, reading_id, CASE WHEN page THEN 1 ELSE 0 END AS page FROM meter_snapshots WHERE device_key = '${key}' ORDER BY slot`;
        if (backend.name === 'sqlite') {
          const x = new Database(db, { readonly: true });
          try {
            return x.prepare(sql).all();
          } finally {
            x.close();
          }
        }
        const c = new pg.Client({ connectionString: db });
        await c.connect();
        try {
          return (await c.query(sql)).rows;
        } finally {
          await c.end();
        }
      };
      try {
        const morning = hours(0, 12);
        const evening = hours(12, 23); // up to 22:00, each printed
        for (const batch of [morning, evening]) await store.storeReadings(AGENT, batch, new Date(at(24)));
        const first = morning[0] as IncomingReading;
        const lastPage = evening.at(-1) as IncomingReading;
        expect(await rows()).toEqual([
          { slot: 'first', reading_id: first.id, page: 0 },
          { slot: 'last', reading_id: lastPage.id, page: 1 },
        ]);
        const quiet = incoming(key, p, at(23)); // nothing printed since 22:00
        await store.storeReadings(AGENT, [quiet], new Date(at(24)));
        expect(await rows()).toEqual([
          { slot: 'first', reading_id: first.id, page: 0 },
          { slot: 'last', reading_id: quiet.id, page: 0 },
          { slot: 'page', reading_id: lastPage.id, page: 0 },
        ]);
      } finally {
        await store.close();
      }
    });

    it(`equals the full history on a random year-part with a reset, a swap, a gap, a burst, idleness and a silent device; also after the migration's backfill (seed ${SEED})`, { timeout: 360_000 }, async () => {
      const db = await backend.newDb();
      let store = await openStore(db);
      const validation = new IngestValidation(store, DEFAULT_CONTRACT, captureLogger().logger);
      let stored = 0;
      const batches = history(SEED);
      for (const batch of batches) {
        const r = await store.storeReadings(AGENT, batch, new Date(Date.parse((batch.at(-1) as IncomingReading).readAt) + 60_000));
        await validation.afterStore(AGENT, batch.filter((x) => r.accepted.includes(x.id)));
        stored += r.accepted.length;
      }
      const kinds = (await store.events({ agentId: AGENT, limit: 10_000 })).map((e) => e.kind);
      for (const k of ['counter.rollback', 'device.replaced', 'reading.gap', 'counter.spike', 'device.idle']) expect(kinds, `the history has a ${k}`).toContain(k);

      type Slot = { device_key: string; day: string; slot: string; reading_id: string; page: number };
      const slots = async (at = db): Promise<Slot[]> => {
        const sql = 'SELECT device_key, CAST(day AS TEXT) AS day, slot, reading_id, CASE WHEN page THEN 1 ELSE 0 END AS page FROM meter_snapshots ORDER BY 1, 2, 3';
        if (backend.name === 'sqlite') {
          const x = new Database(at, { readonly: true });
          try {
            return x.prepare(sql).all() as Slot[];
          } finally {
            x.close();
          }
        }
        const c = new pg.Client({ connectionString: at });
        await c.connect();
        try {
          return (await c.query<Slot>(sql)).rows;
        } finally {
          await c.end();
        }
      };
      const written = await slots();
      expect(written.length, 'snapshots are a fraction of the readings').toBeLessThan(stored / 5);
      // A day's last printed page that is also its last reading is a flag on the last row, not a second row.
      const lastOf = new Map(written.flatMap((r) => (r.slot === 'last' ? [[`${r.device_key} ${r.day}`, r.reading_id] as const] : [])));
      expect(written.filter((r) => r.slot === 'page' && lastOf.get(`${r.device_key} ${r.day}`) === r.reading_id)).toEqual([]);
      expect(written.filter((r) => r.slot === 'page').length, 'days whose last page came before their last reading').toBeGreaterThan(10);
      await expectSameAsFullHistory(store);

      // The same readings in small batches (several per day, so a day's page moves from one batch's last reading to an earlier one): the same snapshots.
      const rnd = seeded(SEED + 1);
      const small = await backend.newDb();
      const split = await openStore(small);
      try {
        for (const day of batches) {
          for (let i = 0; i < day.length; ) {
            const n = 20 + Math.floor(rnd() * 60);
            const batch = day.slice(i, i + n);
            await split.storeReadings(AGENT, batch, new Date(Date.parse((batch.at(-1) as IncomingReading).readAt) + 60_000));
            i += n;
          }
        }
      } finally {
        await split.close();
      }
      expect(await slots(small)).toEqual(written);

      // The migration's backfill builds the same snapshots from the stored readings.
      await store.close();
      const snapshotsMigrations = MIGRATIONS.filter((m) => m.name.includes('snapshots')).map((m) => m.version);
      expect(snapshotsMigrations.length, 'the migrations that make the snapshots').toBeGreaterThan(0);
      const reset = ['DROP TABLE meter_snapshots', 'DROP TABLE IF EXISTS meter_declarations', `DELETE FROM schema_migrations WHERE version IN (${snapshotsMigrations.join(', ')})`];
      if (backend.name === 'sqlite') {
        const x = new Database(db);
        for (const s of reset) x.exec(s);
        x.close();
      } else {
        const c = new pg.Client({ connectionString: db });
        await c.connect();
        for (const s of reset) await c.query(s);
        await c.end();
      }
      store = await openStore(db);
      try {
        expect(await slots()).toEqual(written);
        await expectSameAsFullHistory(store);
      } finally {
        await store.close();
      }
    });
  });
}
