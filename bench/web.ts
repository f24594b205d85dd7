/**
 * `npm run bench -- web`: the weight of the two pages, side by side in one run.
 * - First render with N devices (default 200): the time from navigation to the table drawn with
 *   every device, as the page itself measures it (performance.now() when the count shows N), in
 *   Debian's Chromium; the box's status page and the fleet view's devices page, each loaded R times.
 * - RSS the status page adds to `meterbox run`: two daemons read the same simulated fleet, one
 *   with the page (health.statusPage true, the default) and one without; their RSS from /proc,
 *   sampled, medians, before and after the page has been loaded and refreshed by a browser.
 * Goals (issue 14): first render ≤ 1 s; the page adds ≤ 10 MB.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { NODE_FLAGS } from '../src/node-flags.js';
import { DEVICE_FIXTURES, PACKAGE_ROOT } from '../src/paths.js';
import { startReceiver } from '../src/receiver/index.js';
import type { RunningReceiver } from '../src/receiver/types.js';
import { listSnmprec, loadSnmprecFile, startFleet } from '../src/simulator/fleet.js';
import { launchBrowser } from './browser.js';
import { freePort, processMemory } from './receiver-process.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (b: number) => (b / 1024 / 1024).toFixed(1);
const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? (s[(s.length - 1) / 2] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};

async function until(what: string, ms: number, fn: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`bench web: timed out waiting for ${what}`);
    await sleep(500);
  }
}

/** Median RSS of each process over `seconds`, sampled twice a second. */
async function rssMedians(pids: readonly number[], seconds: number): Promise<number[]> {
  const samples: number[][] = pids.map(() => []);
  for (let i = 0; i < seconds * 2; i++) {
    pids.forEach((pid, j) => samples[j]?.push(processMemory(pid)?.rss ?? NaN));
    await sleep(500);
  }
  return samples.map(median);
}

export async function benchWeb(o: { devices: number; renders: number }): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mbx-bench-web-'));
  const templates = listSnmprec(DEVICE_FIXTURES);
  const specs = Array.from({ length: o.devices }, (_, i) => {
    const t = templates[i % templates.length] as { name: string; path: string };
    return { name: t.name, varbinds: loadSnmprecFile(t.path), synthetic: { ordinal: i + 1 } };
  });
  const fleet = await startFleet(specs, { auth: { communities: ['bench'] }, firstAddress: '127.0.62.1', port: 'auto', fallbackPort: 16162 });
  const hosts = fleet.devices.map((d) => d.host);
  const receivers: RunningReceiver[] = [];
  const children: ChildProcess[] = [];
  const admin = 'bench-provider-token-0123456789';
  try {
    const start = async (name: string, statusPage: boolean) => {
      const rx = await startReceiver({ dbPath: join(dir, `${name}-receiver.db`), tokens: { [name]: `${name}-token-0123456789`, ops: { role: 'admin', token: admin } }, logger: pino({ level: 'silent' }) });
      receivers.push(rx);
      writeFileSync(join(dir, `${name}.pem`), rx.certPem);
      const healthPort = await freePort();
      const config = {
        agentId: name,
        provider: { url: rx.url, token: `${name}-token-0123456789`, caFile: join(dir, `${name}.pem`) },
        credentials: [{ name: 'bench', version: '2c', community: 'bench' }],
        targets: [`${hosts[0]}-${hosts.at(-1)}`],
        snmp: { port: fleet.port, timeoutMs: 1000, retries: 1 },
        schedules: { discovery: '0 0 1 1 *', poll: '*/20 * * * * *', upload: '*/20 * * * * *', heartbeat: '*/10 * * * * *', retention: '0 0 1 1 *', jitterSeconds: 2 },
        storage: { path: join(dir, `${name}.db`) },
        logging: { level: 'warn' },
        health: { port: healthPort, statusPage },
      };
      const file = join(dir, `${name}.json`);
      writeFileSync(file, JSON.stringify(config), { mode: 0o600 });
      const child = spawn(process.execPath, [...NODE_FLAGS, join(PACKAGE_ROOT, 'dist', 'cli', 'main.js'), 'run', '--config', file], { stdio: ['ignore', 'ignore', 'inherit'] });
      children.push(child);
      return { rx, child, url: `http://127.0.0.1:${healthPort}/` };
    };
    const withPage = await start('bench-page', true);
    const without = await start('bench-nopage', false);
    process.stdout.write(`web: ${o.devices} simulated devices; two meterbox run processes read them (with and without the status page)\n`);
    await until('both boxes to deliver every device', 600_000, async () => (await withPage.rx.devices()).length >= o.devices && (await without.rx.devices()).length >= o.devices);
    const pids = [withPage.child.pid as number, without.child.pid as number];
    const [idleWith = NaN, idleWithout = NaN] = await rssMedians(pids, 10);

    const browser = await launchBrowser();
    const boxRenders: number[] = [];
    const fleetRenders: number[] = [];
    try {
      for (let i = 0; i < o.renders; i++) {
        const page = await browser.page();
        await page.goto(withPage.url);
        await page.waitForSelector(`#device-count:text-is("${o.devices}")`, { timeout: 60_000 });
        boxRenders.push(await page.evaluate(() => performance.now()));
        await page.close();
      }
      // One page left open, refreshing itself as a person would leave it, while the boxes poll.
      const open = await browser.page();
      await open.goto(withPage.url);
      await open.waitForSelector(`#device-count:text-is("${o.devices}")`);
      const login = await browser.page();
      await login.goto(`${withPage.rx.url}/fleet/login`);
      await login.fill('input[name=token]', admin);
      await login.click('button[type=submit]');
      await login.waitForSelector('#agents tbody tr');
      await login.close();
      for (let i = 0; i < o.renders; i++) {
        const page = await browser.page();
        await page.goto(`${withPage.rx.url}/fleet/devices`);
        await page.waitForSelector(`#device-count:text-is("${o.devices} device(s)")`, { timeout: 60_000 });
        fleetRenders.push(await page.evaluate(() => performance.now()));
        await page.close();
      }
      await sleep(20_000);
    } finally {
      // RSS after use is measured with the browser still open on the page.
      const [usedWith = NaN, usedWithout = NaN] = await rssMedians(pids, 10);
      await browser.close();
      const added = usedWith - usedWithout;
      process.stdout.write(
        [
          `first render, ${o.devices} devices (median of ${o.renders}; min–max):`,
          `  box status page       ${median(boxRenders).toFixed(0)} ms (${Math.min(...boxRenders).toFixed(0)}–${Math.max(...boxRenders).toFixed(0)})   goal ≤ 1000 ms`,
          `  fleet devices page    ${median(fleetRenders).toFixed(0)} ms (${Math.min(...fleetRenders).toFixed(0)}–${Math.max(...fleetRenders).toFixed(0)})   goal ≤ 1000 ms`,
          `daemon RSS, side by side (median of 20 samples over 10 s):`,
          `  idle, before any browser:  with page ${mb(idleWith)} MB, without ${mb(idleWithout)} MB, difference ${mb(idleWith - idleWithout)} MB`,
          `  after ${o.renders} loads and ~30 s of a page left open: with page ${mb(usedWith)} MB, without ${mb(usedWithout)} MB`,
          `  added by the status page: ${mb(added)} MB   goal ≤ 10 MB`,
          '',
        ].join('\n'),
      );
    }
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))));
    for (const rx of receivers) await rx.close();
    await fleet.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
