/**
 * `npm run bench [-- suite...]`: benchmarks that print figures measured side by side in one run.
 * Suites: read, store, discover, upload, idle, fleet, billing, startup, web. Traffic goes to 127.0.0.0/8 only.
 */
import { benchBilling, benchReceiverBilling } from './billing.js';
import { benchRead } from './read.js';
import { benchDiscover } from './discover.js';
import { benchStore } from './store.js';
import { benchUpload } from './upload.js';
import { benchIdle } from './idle.js';
import { benchFleet, parseBackends } from './fleet.js';
import { benchStartup } from './startup.js';
import { benchWeb } from './web.js';

const SUITES: Record<string, () => Promise<void>> = {
  discover: () =>
    benchDiscover({
      addresses: Number(process.env.BENCH_ADDRESSES ?? 4096),
      printerShare: Number(process.env.BENCH_PRINTER_SHARE ?? 0.02),
      timeoutMs: Number(process.env.BENCH_TIMEOUT_MS ?? 1000),
      retries: Number(process.env.BENCH_RETRIES ?? 1),
      concurrency: Number(process.env.BENCH_CONCURRENCY_DISCOVER ?? 128),
      ratePerSecond: Number(process.env.BENCH_RATE ?? 500),
    }),
  read: () => benchRead({ devices: Number(process.env.BENCH_DEVICES ?? 200), latencyMs: Number(process.env.BENCH_LATENCY_MS ?? 10), concurrency: Number(process.env.BENCH_CONCURRENCY ?? 32) }),
  upload: () =>
    benchUpload({
      readings: Number(process.env.BENCH_UPLOAD_READINGS ?? 100_000),
      devices: Number(process.env.BENCH_UPLOAD_DEVICES ?? 1000),
      batchCount: Number(process.env.BENCH_UPLOAD_BATCH ?? 500),
      batchBytes: Number(process.env.BENCH_UPLOAD_BATCH_BYTES ?? 4 * 1024 * 1024),
    }),
  store: () =>
    benchStore({
      inserts: Number(process.env.BENCH_STORE_INSERTS ?? 50_000),
      cycle: Number(process.env.BENCH_STORE_CYCLE ?? 50),
      outbox: Number(process.env.BENCH_STORE_OUTBOX ?? 1_000_000),
      devices: Number(process.env.BENCH_STORE_DEVICES ?? 1000),
    }),
  billing: async () => {
    const devices = Number(process.env.BENCH_BILLING_DEVICES ?? 1000);
    const hours = Number(process.env.BENCH_BILLING_HOURS ?? 8760);
    benchBilling({ devices, hours });
    await benchReceiverBilling({ devices: Number(process.env.BENCH_BILLING_DB_DEVICES ?? devices), hours });
  },
  fleet: () =>
    benchFleet({
      agents: Number(process.env.BENCH_FLEET_AGENTS ?? 2000),
      devices: Number(process.env.BENCH_FLEET_DEVICES ?? 50),
      pollSeconds: Number(process.env.BENCH_FLEET_POLL_SECONDS ?? 19),
      heartbeatSeconds: Number(process.env.BENCH_FLEET_HEARTBEAT_SECONDS ?? 10),
      seconds: Number(process.env.BENCH_FLEET_SECONDS ?? 40),
      warmupSeconds: Number(process.env.BENCH_FLEET_WARMUP_SECONDS ?? 5),
      sockets: Number(process.env.BENCH_FLEET_SOCKETS ?? 64),
      ...(process.env.BENCH_FLEET_POOL ? { poolSize: Number(process.env.BENCH_FLEET_POOL) } : {}),
      pgVia: process.env.BENCH_FLEET_PG_VIA === 'tcp' ? 'tcp' : 'socket',
      backends: parseBackends(process.env.BENCH_FLEET_BACKENDS ?? 'postgres:2,sqlite:2,sqlite:1'),
    }),
  startup: () => benchStartup({ runs: Math.max(7, Number(process.env.BENCH_STARTUP_RUNS ?? 9)), baseline: process.env.BENCH_STARTUP_BASELINE }),
  idle: () =>
    benchIdle({
      runs: [
        { label: 'small', devices: Number(process.env.BENCH_IDLE_DEVICES ?? 50), latencyMs: 0, seconds: Number(process.env.BENCH_IDLE_SECONDS ?? 150), first: process.env.BENCH_IDLE_FIRST ?? '127.0.60.1' },
        {
          label: 'large',
          devices: Number(process.env.BENCH_IDLE_LARGE_DEVICES ?? 1000),
          latencyMs: Number(process.env.BENCH_IDLE_LARGE_LATENCY_MS ?? 20),
          seconds: Number(process.env.BENCH_IDLE_LARGE_SECONDS ?? 150),
          first: process.env.BENCH_IDLE_LARGE_FIRST ?? '127.0.80.1',
          ...(process.env.BENCH_IDLE_POLL_CONCURRENCY ? { pollConcurrency: Number(process.env.BENCH_IDLE_POLL_CONCURRENCY) } : {}),
        },
      ].filter((r) => r.devices > 0 && r.seconds > 0),
      provider: process.env.BENCH_IDLE_PROVIDER === 'down' ? 'down' : 'up',
      nodeOptions: (process.env.BENCH_IDLE_NODE_OPTIONS ?? '').split(/\s+/).filter(Boolean),
    }),
  web: () =>
    benchWeb({
      devices: Number(process.env.BENCH_WEB_DEVICES ?? 200),
      renders: Number(process.env.BENCH_WEB_RENDERS ?? 5),
      fetches: Number(process.env.BENCH_WEB_FETCHES ?? 20),
      first: process.env.BENCH_WEB_FIRST ?? '127.0.62.1',
      historyDays: Number(process.env.BENCH_WEB_HISTORY_DAYS ?? 60),
    }),
};

async function main(): Promise<void> {
  const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const names = wanted.length > 0 ? wanted : Object.keys(SUITES);
  for (const name of names) {
    const suite = SUITES[name];
    if (!suite) {
      console.error(`bench: unknown suite '${name}'; known: ${Object.keys(SUITES).join(', ')}`);
      process.exitCode = 2;
      return;
    }
    await suite();
  }
}

await main();
