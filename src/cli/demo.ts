/**
 * `meterbox demo`: the whole product on loopback, without root: a simulated multi-vendor fleet,
 * the reference receiver (HTTPS, self-signed certificate) and `meterbox run` as a child process
 * with a generated config and second-level schedules; its log is shown live as one line per
 * event; after two poll cycles it prints the receiver's view and the agent's status and stops.
 * `--classic`: read every device once and print the table.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { constants as osConstants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Command } from 'commander';
import { pino } from 'pino';
import { PACKAGE_ROOT } from '../paths.js';
import { NODE_ENVIRONMENT, NODE_FLAGS } from '../node-flags.js';
import { readStatus } from '../store/status.js';
import { formatStatus } from './status.js';
import Table from 'cli-table3';
import { DEVICE_FIXTURES } from '../paths.js';
import { readDevice } from '../reader/read-device.js';
import { listSnmprec, loadSnmprecFile, startFleet, type Fleet } from '../simulator/fleet.js';
import { STOP_BOUND_MS } from '../daemon/daemon.js';
import type { Reading } from '../contract/reading.js';
import type { RunningReceiver } from '../receiver/types.js';

function lowestSupply(r: Reading): string {
  const withPercent = r.supplies.filter((s) => s.percent !== undefined && s.class !== 'receptacle');
  if (withPercent.length === 0) return '';
  const low = withPercent.reduce((a, b) => ((a.percent as number) <= (b.percent as number) ? a : b));
  return `${low.description} ${low.percent}%`;
}

export function demoCommand(): Command {
  return new Command('demo')
    .description('the whole product on loopback: simulated fleet + reference receiver + meterbox run for two poll cycles, then the receiver view and status')
    .option('--first <address>', 'first loopback address of the simulated fleet', '127.0.10.1')
    .option('--classic', 'only read every device once and print the meter table')
    .option('--poll-seconds <n>', 'poll interval of the demo agent', '15')
    .option('--stay', 'keep running after the two poll cycles (to look at the pages) until Ctrl-C')
    .action(async (f: { first: string; classic?: boolean; pollSeconds: string; stay?: boolean }) => {
      if (f.classic) await classicDemo(f.first);
      else await productDemo(f.first, Math.max(5, Math.min(59, Number(f.pollSeconds) || 15)), !!f.stay);
    });
}

type LogLine = Record<string, unknown> & { msg: string; component?: string; time?: string };

/** One human line per interesting daemon log line; undefined for the rest. */
function describeLogLine(l: LogLine): string | undefined {
  const t = typeof l.time === 'string' ? l.time.slice(11, 19) : '';
  const c = l.component ?? '';
  const n = (k: string) => (typeof l[k] === 'number' ? (l[k] as number) : 0);
  if (l.msg === 'meterbox running') return `${t}  agent      running; health on ${String(l.health)}`;
  if (c === 'job.discovery' && l.msg === 'job done') return `${t}  discovery  ${n('addresses')} addresses swept, ${n('printers')} printers found, ${n('stored')} readings stored`;
  if (c === 'job.poll' && l.msg === 'job done') return `${t}  poll       ${n('ok')}/${n('devices')} devices read, ${n('stored')} readings stored in the outbox`;
  if (c === 'job.upload' && l.msg === 'job done') return n('delivered') > 0 ? `${t}  upload     ${n('delivered')} readings delivered in ${n('batches')} batch(es), acknowledged by the receiver` : undefined;
  if (c === 'job.heartbeat' && l.msg === 'job done') return `${t}  heartbeat  accepted (HTTP ${String(l.status)})`;
  if (l.msg === 'job failed') return `${t}  ${c.replace('job.', '').padEnd(10)} FAILED: ${String(l.reason)}`;
  if (l.level === 'error' || l.level === 'fatal') return `${t}  ${c.padEnd(10)} ${l.msg}`;
  if (l.msg.startsWith('stopped')) return `${t}  agent      ${l.msg}`;
  return undefined;
}

/**
 * Ctrl-C and SIGTERM end the demo cleanly, whichever process gets them: the demo stops its
 * `meterbox run` child, the receiver and the fleet and removes its temp dir (which holds a token),
 * then exits 128 + the signal's number; a child that dies alone ends the demo the same way.
 */
function onStopSignals(): { signal(): NodeJS.Signals | undefined; wait: Promise<void>; off(): void } {
  let got: NodeJS.Signals | undefined;
  let wake: () => void = () => undefined;
  const wait = new Promise<void>((r) => (wake = r));
  const handler = (s: NodeJS.Signals) => {
    if (got) return;
    got = s;
    process.stderr.write(`\n${s}: stopping the demo and cleaning up\n`);
    wake();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  process.on('SIGHUP', handler);
  return {
    signal: () => got,
    wait,
    off: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
      process.off('SIGHUP', handler);
    },
  };
}

async function productDemo(first: string, pollSeconds: number, stay: boolean): Promise<void> {
  // Loaded here, not at the top: `--classic` and the rest of the CLI do not pay for the receiver.
  const { startReceiver } = await import('../receiver/index.js');
  const stopSignals = onStopSignals();
  const dir = mkdtempSync(join(tmpdir(), 'meterbox-demo-'));
  let fleet: Fleet | undefined;
  let receiver: RunningReceiver | undefined;
  let child: ChildProcess | undefined;
  try {
    const templates = listSnmprec(DEVICE_FIXTURES);
    const specs = templates.map((t, i) => ({ name: t.name, varbinds: loadSnmprecFile(t.path), synthetic: { ordinal: i + 1 } }));
    const community = 'demo-public';
    fleet = await startFleet(specs, { auth: { communities: [community] }, firstAddress: first, port: 'auto', fallbackPort: 16161 });
    const token = `demo-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
    const agentId = 'demo-box';
    // A provider token for the fleet view: printed, since this throwaway receiver lives only as long as the demo.
    const providerToken = `demo-provider-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
    receiver = await startReceiver({ dbPath: join(dir, 'receiver.db'), tokens: { [agentId]: token, 'demo-provider': { role: 'admin', token: providerToken } }, logger: pino({ level: 'silent' }) });
    if (stopSignals.signal()) return;
    writeFileSync(join(dir, 'receiver.pem'), receiver.certPem);
    const hosts = fleet.devices.map((d) => d.host);
    const config = {
      agentId,
      provider: { url: receiver.url, token: { file: 'token' }, caFile: 'receiver.pem' },
      credentials: [{ name: 'demo', version: '2c', community: { env: 'DEMO_COMMUNITY' } }],
      targets: [{ target: `${hosts[0]}-${hosts.at(-1)}`, label: 'demo-lan' }],
      snmp: { port: fleet.port, timeoutMs: 1000, retries: 1 },
      // Jitter on, as in production (at most a third of each interval).
      schedules: { discovery: '0 0 * * *', poll: `*/${pollSeconds} * * * * *`, upload: '*/30 * * * * *', heartbeat: '*/10 * * * * *', retention: '0 0 * * *', jitterSeconds: 2 },
      storage: { path: 'outbox.db' },
      health: { port: 0 },
    };
    writeFileSync(join(dir, 'token'), token + '\n', { mode: 0o600 });
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config, null, 2), { mode: 0o600 });
    process.stdout.write(
      `Simulated ${fleet.devices.length} devices on ${hosts[0]}…${hosts.at(-1)}, UDP port ${fleet.port}\n` +
        `Reference receiver on ${receiver.url} (self-signed, SHA-256 ${receiver.fingerprint.slice(0, 23)}…)\n` +
        `Fleet view (the provider's page): ${receiver.url}/fleet/ — accept the self-signed certificate, then log in with the provider token ${providerToken}\n` +
        `meterbox run --config ${join(dir, 'config.json')}: poll every ${pollSeconds} s, heartbeat every 10 s\n` +
        `The pages work while the demo runs${stay ? ' (--stay: until Ctrl-C)' : '; add --stay to keep it running after the two poll cycles'}.\n\n`,
    );
    const agent = spawn(process.execPath, [...NODE_FLAGS, join(PACKAGE_ROOT, 'dist', 'cli', 'main.js'), 'run', '--config', join(dir, 'config.json')], {
      env: { ...process.env, ...NODE_ENVIRONMENT, DEMO_COMMUNITY: community },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child = agent;
    const exited = new Promise<number | null>((r) => agent.on('exit', (c) => r(c)));
    let polls = 0;
    let deliveredAfterSecondPoll = false;
    const done = new Promise<void>((resolve) => {
      const rl = createInterface({ input: agent.stdout as NodeJS.ReadableStream });
      rl.on('line', (text) => {
        let l: LogLine;
        try {
          l = JSON.parse(text) as LogLine;
        } catch {
          return;
        }
        const line = describeLogLine(l);
        if (line) process.stdout.write(line + '\n');
        if (l.msg === 'meterbox running' && typeof l.health === 'string') process.stdout.write(`          Status page (the box's own page): ${l.health}/\n`);
        if (l.component === 'job.poll' && l.msg === 'job done') polls++;
        if (polls >= 2 && l.component === 'job.upload' && l.msg === 'job done') {
          deliveredAfterSecondPoll = true;
          resolve();
        }
      });
      void exited.then(() => resolve());
      void stopSignals.wait.then(() => resolve());
      setTimeout(resolve, (pollSeconds * 3 + 40) * 1000).unref();
    });
    await done;
    if (stopSignals.signal()) return;
    if (stay && agent.exitCode === null) {
      process.stdout.write('\nTwo poll cycles delivered; the demo keeps running for the pages above. Ctrl-C stops it.\n');
      await Promise.race([stopSignals.wait, exited]);
      if (stopSignals.signal()) return;
    }
    // Let the heartbeat after the upload land, so the receiver's view is complete.
    await Promise.race([new Promise((r) => setTimeout(r, 1500)), stopSignals.wait]);
    agent.kill('SIGTERM');
    const code = await exited;
    child = undefined;
    if (stopSignals.signal()) return;

    const rx = receiver;
    const agents = new Table({ head: ['agent', 'version', 'last heartbeat', 'stale', 'readings'], style: { head: [], border: [], compact: true } });
    for (const a of await rx.agents()) agents.push([a.agentId, a.version ?? '', a.lastSeen ?? '—', a.stale ? 'STALE' : 'no', String(a.readings)]);
    const devices = new Table({ head: ['device', 'model', 'readings', 'total'], style: { head: [], border: [], compact: true } });
    for (const d of await rx.devices()) devices.push([d.key, d.model ?? d.vendor ?? '', String(d.readings), d.lastCounters?.total !== undefined ? d.lastCounters.total.toLocaleString('en-US') : '']);
    process.stdout.write(`\nThe receiver's view (what the provider sees): ${await rx.readingCount()} readings\n${agents.toString()}\n${devices.toString()}\n`);
    process.stdout.write(`\nThe agent's status (meterbox status --db ${join(dir, 'outbox.db')}):\n${formatStatus(readStatus(join(dir, 'outbox.db'), { recentEvents: 5 }))}\n`);
    process.stdout.write(`\nagent stopped with exit code ${code}; ${deliveredAfterSecondPoll ? 'two poll cycles delivered' : 'stopped before two poll cycles were delivered'}\n`);
    if (code !== 0 || !deliveredAfterSecondPoll) process.exitCode = 1;
  } finally {
    await stopChild(child);
    await receiver?.close().catch(() => undefined);
    await fleet?.close();
    rmSync(dir, { recursive: true, force: true });
    stopSignals.off();
    const sig = stopSignals.signal();
    if (sig) process.exitCode = 128 + (osConstants.signals[sig] ?? 0);
  }
}

/** SIGTERM to the agent (it stops within its own bound), SIGKILL if it is still there well after. */
async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_BOUND_MS + 2000);
  await gone;
  clearTimeout(timer);
}

async function classicDemo(first: string): Promise<void> {
  const f = { first };
  const templates = listSnmprec(DEVICE_FIXTURES);
  const specs = templates.map((t, i) => ({ name: t.name, varbinds: loadSnmprecFile(t.path), synthetic: { ordinal: i + 1 } }));
  const community = 'demo-public';
  const fleet = await startFleet(specs, { auth: { communities: [community] }, firstAddress: f.first, port: 'auto', fallbackPort: 16161 });
  process.stdout.write(`Simulated ${fleet.devices.length} devices on ${fleet.devices[0]?.host}…${fleet.devices.at(-1)?.host}, UDP port ${fleet.port}${fleet.port === 161 ? '' : ' (161 needs root, so the reader is pointed at this port)'}\n\n`);
  try {
    const table = new Table({ head: ['host', 'vendor', 'model', 'serial', 'total', 'mono', 'colour', 'lowest supply', 'requests'], style: { head: [], border: [], compact: true } });
    const started = Date.now();
    const results = await Promise.all(
      fleet.devices.map(async (d) => {
        try {
          return { d, res: await readDevice({ host: d.host, port: d.port, credentials: { version: '2c', community }, timeoutMs: 1000, retries: 1 }) };
        } catch (err) {
          return { d, err: err as Error };
        }
      }),
    );
    let failed = 0;
    for (const { d, res, err } of results) {
      if (!res) {
        failed++;
        table.push([d.host, { colSpan: 8, content: `read failed: ${err?.message}` }]);
        continue;
      }
      const r = res.reading;
      const c = r.counters;
      const fmt = (n: number | undefined) => (n === undefined ? '' : n.toLocaleString('en-US'));
      table.push([d.host, r.device.brand ? `${r.device.vendor} (${r.device.brand})` : r.device.vendor, r.device.model ?? '', r.device.serial ?? '', fmt(c.total), fmt(c.mono), fmt(c.color), lowestSupply(r), String(res.stats.requests)]);
    }
    process.stdout.write(table.toString() + '\n');
    process.stdout.write(`\nRead ${results.length - failed} of ${results.length} devices in ${Date.now() - started} ms. Try: meterbox read ${fleet.devices[0]?.host} --port ${fleet.port} --community ${community} (while 'meterbox simulate' runs).\n`);
    if (failed > 0) process.exitCode = 1;
  } finally {
    await fleet.close();
  }
}

