/**
 * Discovery benchmark: a sweep of 4,096 loopback addresses of which 2% are simulated printers and
 * the rest silent, at a 1 s timeout and 1 retry. Prints the wall time next to its lower bound,
 * ceil(silent / concurrency) × timeout × (retries + 1): a silent address holds a worker for that
 * long and not a moment longer. Traffic goes to 127.0.0.0/8 only.
 */
import { DEVICE_FIXTURES } from '../src/paths.js';
import { expandTargets } from '../src/net/targets.js';
import { sweep } from '../src/discovery/sweep.js';
import { listSnmprec, loadSnmprecFile } from '../src/simulator/fleet.js';
import { startAgent, type RunningAgent } from '../src/simulator/agent.js';
import { makeSynthetic } from '../src/simulator/synthetic.js';
import { PeakRss } from './rss.js';

export interface DiscoverBenchOptions {
  addresses: number;
  printerShare: number;
  timeoutMs: number;
  retries: number;
  concurrency: number;
  ratePerSecond: number;
}

function address(base: number, offset: number): string {
  const n = base + offset;
  return `127.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

async function bindAll(hosts: string[], port: number, varbindsFor: (i: number) => ReturnType<typeof makeSynthetic>, community: string): Promise<RunningAgent[]> {
  const agents: RunningAgent[] = [];
  try {
    for (const [i, host] of hosts.entries()) {
      const syn = varbindsFor(i);
      agents.push(await startAgent({ address: host, port, data: syn.data, auth: { communities: [community] }, beforeRequest: () => syn.advance() }));
    }
  } catch (err) {
    await Promise.all(agents.map((a) => a.close()));
    throw err;
  }
  return agents;
}

export async function benchDiscover(opts: DiscoverBenchOptions): Promise<void> {
  const templates = listSnmprec(DEVICE_FIXTURES).map((t) => loadSnmprecFile(t.path));
  const base = (127 << 24) | (202 << 16); // 127.202.0.0
  const printerCount = Math.round(opts.addresses * opts.printerShare);
  const step = Math.floor(opts.addresses / printerCount);
  const printerHosts = Array.from({ length: printerCount }, (_, i) => address(base, i * step + Math.floor(step / 2)));
  const community = 'bench';
  const make = (i: number) => makeSynthetic(templates[i % templates.length] ?? [], { ordinal: i + 1 });
  let port = 161;
  let agents: RunningAgent[];
  try {
    agents = await bindAll(printerHosts, port, make, community);
  } catch {
    port = 16163;
    agents = await bindAll(printerHosts, port, make, community);
  }
  const first = address(base, 0);
  const last = address(base, opts.addresses - 1);
  const rss = new PeakRss();
  let result;
  try {
    const targets = await expandTargets([{ target: `${first}-${last}` }]);
    result = await sweep({
      targets,
      credentials: [{ name: 'bench', credentials: { version: '2c', community } }],
      port,
      concurrency: opts.concurrency,
      ratePerSecond: opts.ratePerSecond,
      timeoutMs: opts.timeoutMs,
      retries: opts.retries,
    });
  } finally {
    rss.stop();
    await Promise.all(agents.map((a) => a.close()));
  }
  const s = result.summary;
  const bound = Math.ceil(s.silent / opts.concurrency) * opts.timeoutMs * (opts.retries + 1);
  console.log(
    `discover: ${s.addresses} loopback addresses (${first}-${last}), ${printerCount} simulated printers, the rest silent; ` +
      `${opts.timeoutMs} ms timeout, ${opts.retries} retries, ${opts.concurrency} in flight, cap ${opts.ratePerSecond} packets/s, UDP ${port}`,
  );
  console.log(`  wall time     ${(s.ms / 1000).toFixed(2)} s`);
  console.log(`  lower bound   ${(bound / 1000).toFixed(2)} s   = ceil(${s.silent} silent / ${opts.concurrency}) × ${opts.timeoutMs} ms × ${opts.retries + 1}`);
  console.log(`  overhead      ${(((s.ms - bound) / bound) * 100).toFixed(1)} % over the bound`);
  console.log(`  found         ${s.printers} printers of ${printerCount}, ${s.nonPrinters} non-printers, ${s.silent} silent, ${s.packets} SNMP requests`);
  console.log(`  peak RSS      ${(rss.peak / 1048576).toFixed(1)} MiB (simulator and sweeper in one process)`);
  const perAddress = s.ms / s.addresses;
  console.log(`  extrapolated  ${((64_516 * perAddress) / 60_000).toFixed(1)} min for 64,516 addresses at this rate (published commercial figure: 54 min)`);
  if (s.printers !== printerCount) process.exitCode = 1;
}
