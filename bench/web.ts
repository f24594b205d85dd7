/**
 * `npm run bench -- web`: the weight of the two pages, each figure beside its goal (issue 14).
 * Everything runs as in production, each in a process of its own: the simulated printers
 * (`meterbox simulate`), two `meterbox run` daemons reading them (one with the status page, the
 * default, one without), each delivering to its own `meterbox receiver`; Debian's Chromium loads
 * the pages.
 * - First render with N devices (default 200): from navigation to the table drawn with every
 *   device, timed by the page itself (performance.now() in the frame where the count shows N, so
 *   this process's own latency does not count), for the box's status page and the fleet view's
 *   devices page, each loaded R times. Each load is split with the browser's Navigation and
 *   Resource Timing: the HTML, the scripts (until DOMContentLoaded), the data request (the
 *   server's time to first byte, and the transfer), and the drawing after the data arrived. The
 *   fleet page's billing flags (the billing core over each device's history) come in a request of
 *   their own after the list: the time they are drawn is shown too. So that they cost what they
 *   cost a provider, the fleet receiver's database first gets D days (default 60) of hourly
 *   history before each device's first live reading, through the store's own ingest
 *   (storeReadings, with its daily snapshots), written beside the running receiver.
 * - Memory the status page costs `meterbox run`: each daemon's RSS from /proc (median of samples
 *   over two poll cycles) before any browser, and again after the page was loaded R times, fetched
 *   F more times and left open refreshing itself. The figure judged is the growth of the daemon
 *   that served the page: an upper bound of the page's cost, since it also holds what polling
 *   alone adds over the same time. That growth minus the other daemon's is shown beside it, and
 *   the plain side-by-side difference too, but both compare two heaps, which drift apart by
 *   several MB either way (the daemon without the page alone grew +1.2 to +6.8 MB over the same
 *   minutes in three runs), so neither can be judged.
 * Goals: first render ≤ 1 s; the page adds ≤ 10 MB.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { Reading } from '../src/contract/reading.js';
import { NODE_FLAGS } from '../src/node-flags.js';
import { SqliteStore } from '../src/receiver/store/sqlite.js';
import type { IncomingReading } from '../src/receiver/store/types.js';
import { launchBrowser } from './browser.js';
import { CLI_MAIN, freePort, processMemory, spawnReceiver, type ReceiverProcess } from './receiver-process.js';
import { startSimulator, stopChild } from './simulator-process.js';

const GOAL_RENDER_MS = 1000;
const GOAL_PAGE_MB = 10;
const POLL_SECONDS = 20;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (b: number) => (b / 1024 / 1024).toFixed(1);
const signedMb = (b: number) => `${b >= 0 ? '+' : '−'}${mb(Math.abs(b))}`;
const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
const median = (xs: readonly number[]) => {
  const s = [...xs].filter(Number.isFinite).sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? (s[(s.length - 1) / 2] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};

async function until(what: string, ms: number, fn: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`bench web: timed out waiting for ${what}`);
    await sleep(1000);
  }
}

/** GET a receiver's provider API with a bearer token, trusting its certificate. */
function getJson<T>(url: string, token: string, ca: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, headers: { authorization: `Bearer ${token}` }, timeout: 30_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(text) as T) : reject(new Error(`${url}: HTTP ${res.statusCode}: ${text.slice(0, 200)}`))));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error(`${url}: timed out`)));
    req.end();
  });
}

/** Median RSS and anonymous RSS of each process over `seconds`, sampled twice a second. */
async function memoryMedians(pids: readonly number[], seconds: number): Promise<{ rss: number; anon: number }[]> {
  const samples = pids.map(() => ({ rss: [] as number[], anon: [] as number[] }));
  for (let i = 0; i < seconds * 2; i++) {
    pids.forEach((pid, j) => {
      const m = processMemory(pid);
      samples[j]?.rss.push(m?.rss ?? NaN);
      samples[j]?.anon.push(m?.anon ?? NaN);
    });
    await sleep(500);
  }
  return samples.map((s) => ({ rss: median(s.rss), anon: median(s.anon) }));
}

/** One load of a page, as the browser timed it (ms from the start of the navigation). */
interface Load {
  firstRender: number;
  html: number;
  domReady: number;
  apiStart: number;
  apiServer: number;
  apiEnd: number;
  apiBytes: number;
  /** When the billing flags were drawn (the fleet page), else NaN. */
  flagsDrawn: number;
}

/** Loads `url` in a fresh tab and waits until `selector`'s text is `text`; the timings of that load. */
async function timedLoad(page: Page, url: string, selector: string, text: string, api: string, afterwards?: string): Promise<Load> {
  await page.goto(url, { waitUntil: 'commit' });
  const handle = await page.waitForFunction(
    ([sel, want]) => (document.querySelector(sel as string)?.textContent === want ? performance.now() : false),
    [selector, text],
    { polling: 'raf', timeout: 120_000 },
  );
  const firstRender = (await handle.jsonValue()) as number;
  const flagsDrawn = afterwards
    ? ((await (await page.waitForFunction((sel) => (document.querySelector(sel) ? performance.now() : false), afterwards, { polling: 'raf', timeout: 300_000 })).jsonValue()) as number)
    : NaN;
  const t = await page.evaluate((path) => {
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
    const res = (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).find((r) => new URL(r.name).pathname === path);
    return {
      html: nav.responseEnd,
      domReady: nav.domContentLoadedEventEnd,
      apiStart: res?.startTime ?? NaN,
      apiServer: res ? res.responseStart - res.requestStart : NaN,
      apiEnd: res?.responseEnd ?? NaN,
      apiBytes: res?.encodedBodySize ?? NaN,
    };
  }, api);
  return { firstRender, flagsDrawn, ...t };
}

function renderLines(label: string, loads: readonly Load[]): string[] {
  const m = (f: (l: Load) => number) => median(loads.map(f));
  const all = loads.map((l) => l.firstRender);
  const first = m((l) => l.firstRender);
  return [
    `  ${label.padEnd(20)} ${first.toFixed(0).padStart(5)} ms (${Math.min(...all).toFixed(0)}–${Math.max(...all).toFixed(0)})   goal ≤ ${GOAL_RENDER_MS} ms   ${verdict(first <= GOAL_RENDER_MS)}`,
    `    HTML ${m((l) => l.html).toFixed(0)} ms · scripts ready ${m((l) => l.domReady).toFixed(0)} ms · data asked at ${m((l) => l.apiStart).toFixed(0)} ms, server ${m((l) => l.apiServer).toFixed(0)} ms, received at ${m((l) => l.apiEnd).toFixed(0)} ms (${(m((l) => l.apiBytes) / 1024).toFixed(0)} KiB) · drawn ${m((l) => l.firstRender - l.apiEnd).toFixed(0)} ms after`,
    ...(loads.some((l) => Number.isFinite(l.flagsDrawn))
      ? [`    then the billing flags, asked beside the list: drawn at ${m((l) => l.flagsDrawn).toFixed(0)} ms (${Math.min(...loads.map((l) => l.flagsDrawn)).toFixed(0)}–${Math.max(...loads.map((l) => l.flagsDrawn)).toFixed(0)}; no goal: the page is usable before)`]
      : []),
  ];
}

/**
 * `days` of hourly readings before each device's first live one, into a running receiver's SQLite
 * database through the store's own ingest (storeReadings: readings, devices, daily snapshots), one
 * device-day per transaction. The counters climb from half the live reading's to just below it;
 * the bodies carry what billing reads (device, counters, sources, units), as bench/billing.ts's do.
 */
async function seedHistory(dbPath: string, agentId: string, days: number): Promise<number> {
  const store = SqliteStore.open(dbPath);
  let stored = 0;
  try {
    const hours = days * 24;
    for (const d of await store.devices({ agentId })) {
      const first = (await store.readings({ agentId, deviceKey: d.key, limit: 1 }))[0];
      if (!first) continue;
      const live = first.body as unknown as Reading;
      const start = Date.parse(first.readAt) - hours * 3_600_000;
      for (let day = 0; day < days; day++) {
        const batch: IncomingReading[] = [];
        for (let h = day * 24; h < (day + 1) * 24; h++) {
          const readAt = new Date(start + h * 3_600_000).toISOString();
          const counters = Object.fromEntries(Object.entries(live.counters).map(([k, v]) => [k, Math.floor((v as number) * (0.5 + (0.5 * h) / hours))]));
          const id = `bench-history-${d.key}-${h}`;
          const body = JSON.stringify({ id, readAt, device: { key: d.key, serial: live.device.serial }, counters, sources: live.sources, units: live.units });
          batch.push({ id, readAt, deviceKey: d.key, ...(d.vendor ? { vendor: d.vendor } : {}), ...(d.model ? { model: d.model } : {}), ...(d.serial ? { serial: d.serial } : {}), counters, body });
        }
        stored += (await store.storeReadings(agentId, batch, new Date())).accepted.length;
      }
    }
  } finally {
    await store.close();
  }
  return stored;
}

interface Box {
  name: string;
  rx: ReceiverProcess;
  db: string;
  ca: string;
  child: ChildProcess;
  url: string;
}

export async function benchWeb(o: { devices: number; renders: number; fetches: number; first: string; historyDays: number }): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mbx-bench-web-'));
  const sim = await startSimulator({ devices: o.devices, first: o.first });
  const boxes: Box[] = [];
  const admin = 'bench-provider-token-0123456789';
  try {
    const start = async (name: string, statusPage: boolean): Promise<Box> => {
      const token = `${name}-token-0123456789`;
      writeFileSync(join(dir, `${name}-tokens.json`), JSON.stringify({ [name]: token, ops: { role: 'admin', token: admin } }));
      const pem = join(dir, `${name}.pem`);
      const db = join(dir, `${name}-receiver.db`);
      const rx = await spawnReceiver(['--listen', '127.0.0.1:0', '--db', db, '--tokens', join(dir, `${name}-tokens.json`), '--write-cert', pem, '--stale-after', '86400']);
      const healthPort = await freePort();
      const config = {
        agentId: name,
        provider: { url: rx.url, token, caFile: pem },
        credentials: [{ name: 'bench', version: '2c', community: 'bench' }],
        targets: [`${sim.hosts[0]}-${sim.hosts.at(-1)}`],
        snmp: { port: sim.port, timeoutMs: 1000, retries: 1 },
        schedules: { discovery: '0 0 1 1 *', poll: `*/${POLL_SECONDS} * * * * *`, upload: `*/${POLL_SECONDS} * * * * *`, heartbeat: '*/10 * * * * *', retention: '0 0 1 1 *', jitterSeconds: 2 },
        storage: { path: join(dir, `${name}.db`) },
        logging: { level: 'warn' },
        health: { port: healthPort, statusPage },
      };
      const file = join(dir, `${name}.json`);
      writeFileSync(file, JSON.stringify(config), { mode: 0o600 });
      const child = spawn(process.execPath, [...NODE_FLAGS, CLI_MAIN, 'run', '--config', file], { stdio: ['ignore', 'ignore', 'inherit'] });
      const box = { name, rx, db, ca: readFileSync(pem, 'utf8'), child, url: `http://127.0.0.1:${healthPort}/` };
      boxes.push(box);
      return box;
    };
    const withPage = await start('bench-page', true);
    const without = await start('bench-nopage', false);
    process.stdout.write(`web: ${o.devices} simulated devices; two meterbox run processes read them every ${POLL_SECONDS} s (with and without the status page), each delivering to its own meterbox receiver\n`);
    const delivered = async (b: Box) => (await getJson<{ devices: unknown[] }>(`${b.rx.url}/v1/devices`, admin, b.ca)).devices.length >= o.devices;
    await until('both boxes to deliver every device', 600_000, async () => (await delivered(withPage)) && (await delivered(without)));
    if (o.historyDays > 0) {
      const t0 = Date.now();
      const n = await seedHistory(withPage.db, withPage.name, o.historyDays);
      process.stdout.write(`  the fleet receiver got ${o.historyDays} days of hourly history before each device's first reading: ${n} readings in ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
    }
    // One more poll cycle, so the figures before use are a running daemon's, not a starting one's.
    await sleep(POLL_SECONDS * 1000);
    const pids = [withPage.child.pid as number, without.child.pid as number];
    const sampleSeconds = 2 * POLL_SECONDS;
    const [beforeWith, beforeWithout] = await memoryMedians(pids, sampleSeconds);

    const browser = await launchBrowser();
    const boxLoads: Load[] = [];
    const fleetLoads: Load[] = [];
    let afterWith: { rss: number; anon: number } | undefined;
    let afterWithout: { rss: number; anon: number } | undefined;
    try {
      for (let i = 0; i < o.renders; i++) {
        const page = await browser.page();
        boxLoads.push(await timedLoad(page, withPage.url, '#device-count', String(o.devices), '/api/status'));
        await page.close();
      }
      // One page left open, refreshing itself as a person would leave it, while the boxes poll.
      const open = await browser.page();
      await open.goto(withPage.url);
      await open.waitForSelector(`#device-count:text-is("${o.devices}")`);
      const openedAt = Date.now();
      // More people opening the page: full documents, no ETag.
      for (let i = 0; i < o.fetches; i++) await open.evaluate(async () => (await fetch('/api/status', { cache: 'no-store' })).text().then((t) => t.length));
      const login = await browser.page();
      await login.goto(`${withPage.rx.url}/fleet/login`);
      await login.fill('input[name=token]', admin);
      await login.click('button[type=submit]');
      await login.waitForSelector('#agents tbody tr');
      await login.close();
      for (let i = 0; i < o.renders; i++) {
        const page = await browser.page();
        fleetLoads.push(await timedLoad(page, `${withPage.rx.url}/fleet/devices`, '#device-count', `${o.devices} device(s)`, '/fleet/api/devices', '#devices:not([aria-busy]) tbody tr[data-device]'));
        await page.close();
      }
      await sleep(Math.max(0, openedAt + 3 * POLL_SECONDS * 1000 - Date.now()));
      // After use, with the page still open.
      [afterWith, afterWithout] = await memoryMedians(pids, sampleSeconds);
    } finally {
      await browser.close();
    }
    const b = { with: beforeWith as { rss: number; anon: number }, without: beforeWithout as { rss: number; anon: number } };
    const a = { with: afterWith as { rss: number; anon: number }, without: afterWithout as { rss: number; anon: number } };
    const grown = a.with.rss - b.with.rss;
    const added = grown - (a.without.rss - b.without.rss);
    const addedAnon = a.with.anon - b.with.anon - (a.without.anon - b.without.anon);
    process.stdout.write(
      [
        `first render, ${o.devices} devices (median of ${o.renders}; min–max), ms from the start of the navigation:`,
        ...renderLines('box status page', boxLoads),
        ...renderLines('fleet devices page', fleetLoads),
        `memory of meterbox run (RSS from /proc, median of samples over ${sampleSeconds} s; anonymous in brackets):`,
        `                          before any browser     after use (page open)   change`,
        `  with the status page    ${mb(b.with.rss)} MB (${mb(b.with.anon)})     ${mb(a.with.rss)} MB (${mb(a.with.anon)})      ${signedMb(a.with.rss - b.with.rss)} MB (${signedMb(a.with.anon - b.with.anon)})`,
        `  without it              ${mb(b.without.rss)} MB (${mb(b.without.anon)})     ${mb(a.without.rss)} MB (${mb(a.without.anon)})      ${signedMb(a.without.rss - b.without.rss)} MB (${signedMb(a.without.anon - b.without.anon)})`,
        `  use: ${o.renders} loads, ${o.fetches} more fetches of the full document, one page left open ~${3 * POLL_SECONDS} s refreshing itself`,
        `  added by the status page, at most (the serving daemon's own growth over the use): ${signedMb(grown)} MB (anonymous ${signedMb(a.with.anon - b.with.anon)} MB)   goal ≤ ${GOAL_PAGE_MB} MB   ${verdict(grown <= GOAL_PAGE_MB * 1024 * 1024)}`,
        `  for reference, two heaps compared (they drift apart by several MB either way): that growth minus the other daemon's ${signedMb(added)} MB (anonymous ${signedMb(addedAnon)} MB); side by side after use ${signedMb(a.with.rss - a.without.rss)} MB`,
        '',
      ].join('\n'),
    );
  } finally {
    await Promise.all(boxes.map((b) => stopChild(b.child)));
    await Promise.all(boxes.map((b) => b.rx.stop()));
    await stopChild(sim.child);
    rmSync(dir, { recursive: true, force: true });
  }
}
