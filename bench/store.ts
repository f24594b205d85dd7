/**
 * Store benchmark: readings inserted per second in poll-sized transactions (WAL, synchronous=FULL,
 * as the daemon runs), bytes per stored reading, the time to take a 1,000-reading batch from a
 * 1,000,000-reading outbox, and peak RSS. Works in a temp directory it removes afterwards.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { v7 as uuidv7 } from 'uuid';
import type { Reading } from '../src/contract/reading.js';
import { Store } from '../src/store/store.js';
import { PeakRss } from './rss.js';

export interface StoreBenchOptions {
  /** Readings inserted in the durable insert pass. */
  inserts: number;
  /** Readings per transaction (one poll cycle). */
  cycle: number;
  /** Size of the large outbox the batch is taken from. */
  outbox: number;
  devices: number;
}

const T0 = Date.parse('2026-11-01T00:00:00Z');

/** A Reading shaped like a colour MFP's (about 1.2 KB of JSON), for benchmarks and store tests. */
export function sampleReading(o: { device: number; serial: string; readAt: string | Date; total: number; id?: string }): Reading {
  const { device, serial, total } = o;
  const readAt = typeof o.readAt === 'string' ? o.readAt : o.readAt.toISOString();
  const hex = (n: number) => (n & 255).toString(16).padStart(2, '0');
  return {
    id: o.id ?? uuidv7({ msecs: Date.parse(readAt) }),
    readAt,
    device: {
      key: `generic:${serial}`,
      keySource: 'serial',
      vendor: 'Generic',
      model: 'Color Laser 9000',
      serial,
      mac: `02:00:5e:${hex(device >> 16)}:${hex(device >> 8)}:${hex(device)}`,
      firmware: 'V1.02.03',
      sysObjectID: '1.3.6.1.4.1.99999.1.1',
      sysDescr: 'Generic Color Laser 9000 printer, firmware V1.02.03',
      host: `10.${(device >> 16) & 255}.${(device >> 8) & 255}.${device & 255}`,
    },
    counters: { total, mono: Math.floor(total * 0.7), color: total - Math.floor(total * 0.7) },
    sources: { total: '1.3.6.1.2.1.43.10.2.1.4.1.1', mono: '1.3.6.1.4.1.99999.2.1.0', color: '1.3.6.1.4.1.99999.2.2.0' },
    supplies: ['black', 'cyan', 'magenta', 'yellow'].map((color, i) => ({
      index: i + 1,
      description: `Toner (${color[0]?.toUpperCase()}${color.slice(1)})`,
      kind: 'toner' as const,
      color,
      level: 40 + i * 10,
      max: 100,
      percent: 40 + i * 10,
      state: 'ok' as const,
      class: 'consumed' as const,
    })),
    status: { device: 'running', printer: 'idle', errors: [], alerts: [] },
    profile: 'generic@1',
  };
}

/** Device `device`'s reading `t` ms into the benchmark. */
export function reading(device: number, t: number): Reading {
  return sampleReading({ device, serial: `BENCH${String(device).padStart(6, '0')}`, readAt: new Date(T0 + t), total: 10_000 + Math.floor(t / 60_000) });
}

function time<T>(fn: () => T): { value: T; ms: number } {
  const t = performance.now();
  const value = fn();
  return { value, ms: performance.now() - t };
}

export async function benchStore(opts: StoreBenchOptions): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mbx-bench-store-'));
  const log = pino({ level: 'silent' });
  const rss = new PeakRss();
  try {
    // 1. Durable inserts, one transaction per poll cycle.
    const path = join(dir, 'inserts.db');
    const store = Store.open(path, { log });
    let t = 0;
    const ins = time(() => {
      for (let done = 0; done < opts.inserts; done += opts.cycle) {
        const n = Math.min(opts.cycle, opts.inserts - done);
        store.saveCycle(Array.from({ length: n }, (_, i) => reading((done + i) % opts.devices, (t += 1000))));
      }
    });
    const used = store.usedBytes();
    const jsonBytes = store.db.prepare('SELECT AVG(bytes) FROM readings').pluck().get() as number;
    store.close();
    const perSec = (opts.inserts / ins.ms) * 1000;
    console.log(`store: WAL, synchronous=FULL, ${opts.devices} devices, on ${tmpdir()}`);
    console.log(`  inserts      ${perSec.toFixed(0).padStart(8)} readings/s in ${opts.cycle}-reading poll transactions (${((opts.inserts / opts.cycle / ins.ms) * 1000).toFixed(0)} commits/s, ${opts.inserts} readings)`);
    console.log(`  size         ${(used / opts.inserts).toFixed(0).padStart(8)} bytes per stored reading (JSON ${jsonBytes.toFixed(0)} B + indexes + page slack; file ${(statSync(path).size / 1048576).toFixed(1)} MiB)`);

    // 2. A large outbox, built fast: one INSERT … SELECT over a generated series, in one
    //    transaction without fsync, from a template Reading with the id, time and device filled
    //    in per row. Then reopened as the daemon would (WAL, synchronous=FULL).
    const bigPath = join(dir, 'big.db');
    const big = Store.open(bigPath, { log });
    big.db.pragma('journal_mode = MEMORY');
    big.db.pragma('synchronous = OFF');
    const template = reading(0, 0);
    const body = JSON.stringify({ ...template, id: '@ID@', readAt: '@AT@', device: { ...template.device, key: 'generic:@SERIAL@', serial: '@SERIAL@' } });
    const build = time(() => {
      big.db.transaction(() => {
        big.db
          .prepare(
            `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < @count - 1),
             r AS (SELECT i,
                          printf('%08x-%04x-7%03x-8000-%012x', (@t0 / 1000 + (i / @devices) * 900) / 65536, (@t0 / 1000 + (i / @devices) * 900) % 65536, i % 4096, i) AS id,
                          strftime('%Y-%m-%dT%H:%M:%fZ', (@t0 / 1000 + (i / @devices) * 900) + (i % @devices) / 1000.0, 'unixepoch') AS at,
                          printf('BENCH%06d', i % @devices) AS serial
                   FROM n)
             INSERT INTO readings (id, device_key, read_at, day, body, bytes, stored_at)
             SELECT id, 'generic:' || serial, at, substr(at, 1, 10), b, length(CAST(b AS BLOB)), at
             FROM (SELECT id, serial, at, replace(replace(replace(@body, '@ID@', id), '@AT@', at), '@SERIAL@', serial) AS b FROM r)`,
          )
          .run({ count: opts.outbox, devices: opts.devices, t0: T0, body });
      })();
    });
    big.close();
    const bigStore = Store.open(bigPath, { log });
    const first = time(() => bigStore.readings.nextBatch({ maxCount: 1000, maxBytes: 64 * 1024 * 1024 }));
    const runs: number[] = [];
    for (let i = 0; i < 20; i++) runs.push(time(() => bigStore.readings.nextBatch({ maxCount: 1000, maxBytes: 64 * 1024 * 1024 })).ms);
    runs.sort((a, b) => a - b);
    const receipt = time(() => bigStore.applyReceipt({ accepted: first.value.map((b) => b.id), duplicate: [], rejected: [] }));
    const next = time(() => bigStore.readings.nextBatch({ maxCount: 1000, maxBytes: 64 * 1024 * 1024 }));
    const status = time(() => bigStore.status());
    const bigSize = statSync(bigPath).size;
    bigStore.close();
    console.log(`  outbox       ${opts.outbox} pending readings built in ${(build.ms / 1000).toFixed(1)} s (${(bigSize / 1048576).toFixed(0)} MiB)`);
    console.log(
      `  batch        take 1,000 oldest: first ${first.ms.toFixed(1)} ms, median ${(runs[10] ?? 0).toFixed(1)} ms (${first.value.length} readings, ${(first.value.reduce((n, b) => n + b.bytes, 0) / 1024).toFixed(0)} KiB)`,
    );
    console.log(`  receipt      mark 1,000 delivered: ${receipt.ms.toFixed(1)} ms; next batch after it: ${next.ms.toFixed(1)} ms; status snapshot: ${status.ms.toFixed(0)} ms`);
  } finally {
    rss.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`  peak RSS     ${(rss.peak / 1048576).toFixed(1)} MiB`);
}
