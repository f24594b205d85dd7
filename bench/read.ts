/**
 * Read benchmark: a fleet of synthetic devices on loopback with added latency, read by the
 * agent's own reader. Prints readings per second, requests per read and peak RSS, for GETBULK
 * walks and GETNEXT walks side by side in one run, so the ratio is what to look at.
 */
import pLimit from 'p-limit';
import { DEVICE_FIXTURES } from '../src/paths.js';
import { readDevice } from '../src/reader/read-device.js';
import { listSnmprec, loadSnmprecFile, startFleet } from '../src/simulator/fleet.js';
import { PeakRss } from './rss.js';

export interface ReadBenchOptions {
  devices: number;
  latencyMs: number;
  concurrency: number;
}

interface Pass {
  label: string;
  readingsPerSecond: number;
  requestsPerRead: number;
  failures: number;
  ms: number;
}

export async function benchRead(opts: ReadBenchOptions): Promise<void> {
  const templates = listSnmprec(DEVICE_FIXTURES).map((t) => ({ name: t.name, varbinds: loadSnmprecFile(t.path) }));
  const specs = Array.from({ length: opts.devices }, (_, i) => {
    const t = templates[i % templates.length] as (typeof templates)[number];
    return { name: `${t.name}#${i + 1}`, varbinds: t.varbinds, synthetic: { ordinal: i + 1 }, faults: { latencyMs: opts.latencyMs } };
  });
  const community = 'bench';
  const rss = new PeakRss();
  const fleet = await startFleet(specs, { auth: { communities: [community] }, firstAddress: '127.0.200.1', port: 'auto', fallbackPort: 16162 });
  const passes: Pass[] = [];
  try {
    for (const [label, bulk] of [
      ['GETBULK walks', true],
      ['GETNEXT walks', false],
    ] as const) {
      const limit = pLimit(opts.concurrency);
      let requests = 0;
      let failures = 0;
      const started = performance.now();
      await Promise.all(
        fleet.devices.map((d) =>
          limit(async () => {
            try {
              const res = await readDevice({ host: d.host, port: d.port, credentials: { version: '2c', community }, timeoutMs: 2000, retries: 1, bulk });
              requests += res.stats.requests;
            } catch {
              failures++;
            }
          }),
        ),
      );
      const ms = performance.now() - started;
      const ok = fleet.devices.length - failures;
      passes.push({ label, readingsPerSecond: (ok / ms) * 1000, requestsPerRead: ok ? requests / ok : 0, failures, ms });
    }
  } finally {
    await fleet.close();
    rss.stop();
  }
  console.log(`read: ${opts.devices} simulated devices, ${opts.latencyMs} ms added latency per answer, ${opts.concurrency} reads in flight, UDP ${fleet.port}`);
  for (const p of passes) {
    console.log(
      `  ${p.label.padEnd(14)} ${p.readingsPerSecond.toFixed(1).padStart(7)} readings/s  ${p.requestsPerRead.toFixed(1).padStart(5)} requests/read  ${(p.ms / 1000).toFixed(2)} s  failures ${p.failures}`,
    );
  }
  const [bulk, next] = passes;
  if (bulk && next && next.readingsPerSecond > 0) {
    console.log(`  ratio: GETBULK reads ${(bulk.readingsPerSecond / next.readingsPerSecond).toFixed(2)}x as fast with ${(next.requestsPerRead / Math.max(1, bulk.requestsPerRead)).toFixed(2)}x fewer requests`);
  }
  console.log(`  peak RSS ${(rss.peak / 1048576).toFixed(1)} MiB (simulator and reader in one process)`);
}
