/**
 * Both web pages in a real browser (Debian's Chromium through playwright-core), the way people use
 * them: a simulated fleet, the receiver (HTTPS, with a clock the test moves) and `meterbox run` as
 * a child process. The box's status page: device count, serials, a counter equal to what the
 * simulator serves at the OID shown on hover, a supply bar as wide as its percentage, the keyboard
 * on the tables, the agent's and the provider's facts and the events as the status document has
 * them, refreshed without a reload and with nothing fetched from another origin, "test
 * communication" and "read now" (single-flight), LAN access over HTTPS with a password and the
 * certificate's fingerprint, no secret anywhere. The fleet view: provider-token login (agent tokens
 * refused, cookie flags, CSRF, roles, a revoked token's session ended), a silent agent turning
 * stale when the clock moves (agents filtered and sorted), device filters (agent or customer,
 * vendor or model, last reading age, supplies low, billing flag), a device page with its charts and events (one key
 * from two agents never mixed), the billing CSV. axe-core finds no serious or critical violation
 * on any page; screenshots go to test-results/.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { join } from 'node:path';
import tls from 'node:tls';
import type { Page } from 'playwright-core';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleReading } from '../../bench/store.js';
import { DEVICE_FIXTURES, PACKAGE_ROOT } from '../../src/paths.js';
import type { JobState } from '../../src/daemon/scheduler.js';
import type { Reading } from '../../src/contract/reading.js';
import type { BoxStatus } from '../../src/web/box/status.js';
import { startReceiver } from '../../src/receiver/index.js';
import { generateToken } from '../../src/receiver/tokens.js';
import type { RunningReceiver } from '../../src/receiver/types.js';
import { listSnmprec, loadSnmprecFile, startFleet, type Fleet } from '../../src/simulator/fleet.js';
import { SnmpClient } from '../../src/snmp/client.js';
import { asNumber } from '../../src/snmp/values.js';
import type { StoredEvent } from '../../src/store/events.js';
import { buildHeartbeatBody } from '../../src/upload/heartbeat.js';
import { DaemonProcess, labConfig, tempDir, waitFor, writeConfig } from '../daemon/harness.js';
import { axeViolations, browserSkipReason, launchBrowser, screenshot, serious, type Browser } from '../helpers/browser.js';
import { loopbackEndpoint } from '../helpers/net.js';

const why = browserSkipReason();

const TOKEN = 'lab-agent-token-4f1c9e2b77';
const COMMUNITY = 'lab-c0mmunity';
const LAN_PASSWORD = 'lan-pass-83b1d0c5e9';
const ADMIN = 'provider-admin-token-51a7c3';
const VIEWER = 'provider-read-token-0e9d24';
const DEVICES = 4;
const STALE_AFTER = 600;
const DAY = 86_400_000;

/** A POST to the receiver as an agent (the real protocol, over HTTPS with its certificate). */
function post(rx: RunningReceiver, path: string, token: string, body: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const text = JSON.stringify(body);
    const u = new URL(path, rx.url);
    const req = https.request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', ca: rx.certPem, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(text);
  });
}

function served(fingerprintOf: { host: string; port: number }): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: fingerprintOf.host, port: fingerprintOf.port, rejectUnauthorized: false }, () => {
      const cert = s.getPeerX509Certificate() as X509Certificate;
      s.destroy();
      resolve(cert.fingerprint256);
    });
    s.on('error', reject);
  });
}

function rawGet(port: number, path: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path, headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject);
  });
}

const text = async (page: Page, sel: string) => ((await page.textContent(sel)) ?? '').trim();

describe.skipIf(!!why)(`the status page and the fleet view in Chromium${why ? ` (skipped: ${why})` : ''}`, () => {
  let fleet: Fleet;
  let rx: RunningReceiver;
  let daemon: DaemonProcess;
  let browser: Browser;
  let box: string;
  let lanPort: number;
  let offsetMs = 0;
  let silentToken: string;
  let labKey: string;
  const now = () => new Date(Date.now() + offsetMs);
  /**
   * silent-box's history device: a reading every 6 hours for 10 days, at 00, 06, 12, 18 UTC, the
   * last one 30 hours before today's midnight, so that at any time of day it has been silent
   * longer than a day and its billing shows as estimated (ending 6 hours before midnight, the flag
   * came only after 18:00 UTC).
   */
  const history: Reading[] = [];

  beforeAll(async () => {
    const dir = tempDir();
    const templates = listSnmprec(DEVICE_FIXTURES);
    const { first, port } = await loopbackEndpoint();
    // Counters that stand still (0 pages per hour): what the page shows must equal what the simulator serves.
    fleet = await startFleet(
      templates.slice(0, DEVICES).map((t, i) => ({ name: t.name, varbinds: loadSnmprecFile(t.path), synthetic: { ordinal: i + 1, pagesPerHour: 0 } })),
      { auth: { communities: [COMMUNITY] }, firstAddress: first, port },
    );
    rx = await startReceiver({
      dbPath: join(dir, 'receiver.db'),
      tokens: { 'lab-box': TOKEN, ops: { role: 'admin', token: ADMIN }, viewer: { role: 'read', token: VIEWER } },
      staleAfterSeconds: STALE_AFTER,
      now,
      logger: pino({ level: 'silent' }),
    });
    // silent-box's token is issued the documented way, labelled with its customer.
    const t = generateToken();
    silentToken = t.token;
    await rx.store.addToken({ id: t.id, kind: 'agent', agentId: 'silent-box', hash: t.hash, label: 'ACME Ltd', createdAt: now().toISOString() });
    writeFileSync(join(dir, 'receiver.pem'), rx.certPem);
    writeFileSync(join(dir, 'lan-password'), `${LAN_PASSWORD}\n`, { mode: 0o600 });
    const cfg = labConfig({ fleet, dir, providerUrl: rx.url, caFile: join(dir, 'receiver.pem') });
    cfg.provider = { ...(cfg.provider as object), token: TOKEN };
    cfg.credentials = [{ name: 'lab', version: '2c', community: COMMUNITY }];
    // Ports 0: the daemon binds both listeners on free ports and logs them (nothing can take a port between a pick and the bind).
    cfg.health = { host: '127.0.0.1', port: 0, lan: { host: '127.0.0.1', port: 0, password: { file: 'lan-password' } } };
    writeConfig(join(dir, 'config.json'), cfg);
    daemon = new DaemonProcess(join(dir, 'config.json'));
    box = await daemon.healthUrl();
    lanPort = await daemon.listeningPort('status page on the LAN');
    await waitFor(async () => (await rx.devices({ agentId: 'lab-box' })).length === DEVICES || undefined, 60_000, 'the box to deliver readings of every device');
    labKey = (await rx.devices({ agentId: 'lab-box' }))[0]?.key as string;

    // silent-box: ten days of history of one device, one reading under lab-box's first key (another agent's device), one heartbeat, then silence.
    const midnight = Math.floor(now().getTime() / DAY) * DAY;
    for (let k = 44; k >= 5; k--) history.push(sampleReading({ device: 9001, serial: 'SIL00001', readAt: new Date(midnight - k * 6 * 3600_000), total: 20_000 - k * 100 }));
    const clash = sampleReading({ device: 9002, serial: 'SIM00001', readAt: now(), total: 7 });
    const other = { ...clash, device: { ...clash.device, key: labKey } };
    expect(await post(rx, '/v1/readings', silentToken, { agentId: 'silent-box', readings: [...history, other] })).toBe(200);
    const event: StoredEvent = { seq: 1, at: new Date(midnight - 2 * DAY).toISOString(), kind: 'counter.invalid', severity: 'warning', message: 'total read as 4294967295 (a placeholder); left out', deviceKey: history[0]?.device.key as string };
    const hb = buildHeartbeatBody({ version: '0.0.9', uptimeSeconds: 100, deviceCount: 2, health: { status: 'ok', reasons: [] } }, { agentId: 'silent-box', now: now(), events: [event] });
    expect(await post(rx, '/v1/heartbeat', silentToken, hb)).toBe(200);
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    daemon?.kill();
    await rx?.close().catch(() => undefined);
    await fleet?.close();
  });

  describe('the box’s status page', () => {
    let page: Page;
    beforeAll(async () => {
      page = await browser.page();
      await page.goto(`${box}/`);
      await page.waitForSelector(`#device-count:text-is("${DEVICES}")`);
    });

    it('shows every device, its serial, and a counter equal to what the simulator serves at the OID shown on hover', async () => {
      expect(await text(page, '#title')).toBe('meterbox lab-box');
      expect(await text(page, '#health-status')).toMatch(/^(ok|degraded)$/);
      for (const d of fleet.devices) await page.waitForSelector(`[data-serial="${d.serial}"]`);
      // A counter read from a plain OID (not computed): ask the simulator for that OID ourselves.
      const counters = await page.$$eval('[data-counter="total"]', (els) => els.map((e) => ({ oid: e.getAttribute('data-oid') ?? '', title: e.getAttribute('title') ?? '', shown: e.textContent ?? '', device: e.closest('tr')?.getAttribute('data-device') ?? '' })));
      const plain = counters.find((c) => /^\d+(\.\d+)+$/.test(c.oid));
      expect(plain, JSON.stringify(counters)).toBeDefined();
      const c = plain as (typeof counters)[number];
      expect(c.title).toBe(`OID ${c.oid}`);
      const row = await page.$(`tr[data-device="${c.device}"]`);
      const host = (await row?.$eval('td', (td) => td.textContent)) ?? '';
      const sim = fleet.devices.find((d) => d.host === host);
      const client = new SnmpClient({ host, port: sim?.port ?? 0, credentials: { version: '2c', community: COMMUNITY }, timeoutMs: 2000, retries: 1 });
      try {
        const v = asNumber((await client.get([c.oid])).get(c.oid));
        expect(Number(c.shown.replace(/,/g, ''))).toBe(v);
      } finally {
        client.close();
      }
    });

    it('draws a supply bar exactly as wide as its percentage, and words for what the printer did not measure', async () => {
      const bars = await page.$$eval('.bar[data-percent]', (els) =>
        els.map((b) => ({ percent: Number(b.getAttribute('data-percent')), bar: b.clientWidth, fill: (b.firstElementChild as HTMLElement).getBoundingClientRect().width })),
      );
      expect(bars.length).toBeGreaterThan(DEVICES);
      const partial = bars.find((b) => b.percent > 5 && b.percent < 95) as (typeof bars)[number];
      expect(partial.fill / partial.bar).toBeCloseTo(partial.percent / 100, 1);
      expect(Math.abs(partial.fill - (partial.bar * partial.percent) / 100)).toBeLessThanOrEqual(1);
      const unknown = await page.$$eval('.bar.unknown', (els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
      for (const label of unknown) expect(label).toMatch(/some remaining|unknown|not measured|maximum/);
      await screenshot(page, 'box-status.png');
    });

    it('sorts the devices table from the keyboard alone', async () => {
      await page.focus('#device-filter');
      let reached = false;
      for (let i = 0; i < 30 && !reached; i++) {
        await page.keyboard.press('Tab');
        reached = await page.evaluate(() => document.activeElement?.id === 'devices-sort-serial');
      }
      expect(reached).toBe(true);
      await page.keyboard.press('Enter');
      expect(await page.getAttribute('#devices th:nth-child(4)', 'aria-sort')).toBe('ascending');
      const asc = await page.$$eval('#devices tbody [data-serial]', (els) => els.map((e) => e.textContent ?? ''));
      expect(asc).toEqual([...asc].sort());
      await page.keyboard.press('Enter');
      expect(await page.getAttribute('#devices th:nth-child(4)', 'aria-sort')).toBe('descending');
      expect(await page.$$eval('#devices tbody [data-serial]', (els) => els.map((e) => e.textContent ?? ''))).toEqual([...asc].reverse());
    });

    it('has no serious or critical accessibility violation (axe-core)', async () => {
      expect(serious(await axeViolations(page))).toEqual([]);
    });

    it('"test communication" runs the doctor’s checks and shows each with its verdict', async () => {
      await page.click('#test-communication');
      await page.waitForSelector('#test-summary', { timeout: 60_000 });
      expect(await text(page, '#test-summary')).toMatch(/^Test communication: 0 failed, \d+ warning\(s\), \d+ passed\.$/);
      for (const name of ['config', 'database', 'provider TLS', 'provider token']) expect(await page.getAttribute(`[data-check="${name}"]`, 'data-verdict')).toBe('pass');
      // The token was checked with the box's own heartbeat: the receiver still knows its real version.
      expect((await rx.agents()).find((a) => a.agentId === 'lab-box')?.version).not.toBe('doctor');
    });

    it('"read now" polls every device once', async () => {
      await page.click('#read-now');
      await page.waitForSelector('#read-result', { timeout: 60_000 });
      expect(await text(page, '#read-result')).toBe(`Read now: ${DEVICES} of ${DEVICES} device(s) read, ${DEVICES} reading(s) stored`);
    });

    it('"read now" is single-flight: two at once make one poll, and both get its result', async () => {
      const poll = async () => ((await (await fetch(`${box}/healthz`)).json()) as { jobs: Record<string, JobState> }).jobs.poll as JobState;
      const before = await poll();
      const answers = await page.evaluate(async () => {
        const post = () => fetch('/api/read-now', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': document.body.dataset.csrf ?? '' }, body: '{}' }).then(async (r) => ({ status: r.status, body: await r.text() }));
        return Promise.all([post(), post()]);
      });
      expect(answers.map((a) => a.status)).toEqual([200, 200]);
      expect(answers[1]?.body).toBe(answers[0]?.body);
      expect((await poll()).triggersMerged).toBeGreaterThan(before.triggersMerged);
    });

    it('shows the agent’s version and uptime, the provider’s last upload and heartbeat, the outbox and recent events, and refreshes itself from the package alone, without reloading', async () => {
      const fresh = await browser.page();
      const requests: string[] = [];
      fresh.on('request', (r) => requests.push(r.url()));
      let navigations = 0;
      fresh.on('framenavigated', (f) => (f === fresh.mainFrame() ? navigations++ : undefined));
      await fresh.goto(`${box}/`);
      await fresh.waitForSelector(`#device-count:text-is("${DEVICES}")`);
      const version = (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
      expect(await text(fresh, '#agent-facts')).toMatch(new RegExp(`^version ${version.replace(/\./g, '\\.')} · up \\d`));
      // The box has delivered every device (beforeAll), so both jobs have run.
      await fresh.waitForSelector('#last-upload .badge.ok', { timeout: 30_000 });
      await fresh.waitForSelector('#last-heartbeat:has-text("accepted by the provider (HTTP 200)")', { timeout: 30_000 });
      const doc = (await fresh.evaluate(async () => (await fetch('/api/status')).json())) as BoxStatus;
      const o = doc.provider.outbox as NonNullable<BoxStatus['provider']['outbox']>;
      expect(o.delivered).toBeGreaterThanOrEqual(DEVICES);
      expect(await text(fresh, '#outbox')).toMatch(/^\d+ pending, [\d,]+ delivered, \d+ set aside$/);
      // The lab's outbox may hold no event (units.test.ts proves the store's events reach the document): the table draws the document's.
      expect((await fresh.$$eval('#events tbody tr td:nth-child(3)', (tds) => tds.map((t) => t.textContent ?? ''))).sort()).toEqual(doc.events.map((e) => e.kind).sort());
      // A poll asked for elsewhere (the other tab's "read now") shows up here on the page's own refresh.
      const before = await fresh.getAttribute('#health time', 'datetime');
      await page.click('#read-now');
      await page.waitForSelector('#read-result', { timeout: 60_000 });
      await fresh.waitForFunction((b) => document.querySelector('#health time')?.getAttribute('datetime') !== b, before, { timeout: 30_000 });
      expect(navigations).toBe(1);
      const origin = new URL(box).origin;
      expect(requests.filter((u) => new URL(u).origin !== origin)).toEqual([]);
      // Every module the page imports is named in the HTML (modulepreload), so none waits for the one importing it.
      const preloaded = await fresh.$$eval('link[rel=modulepreload]', (ls) => ls.map((l) => new URL((l as HTMLLinkElement).href).pathname).sort());
      const modules = [...new Set(requests.map((u) => new URL(u).pathname).filter((p) => p.endsWith('.js') && p !== '/assets/box/client/box.js'))].sort();
      expect(modules.length).toBeGreaterThan(0);
      expect(preloaded).toEqual(modules);
      await fresh.close();
    });

    it('never shows a secret, and answers this machine only: another Host name or a missing CSRF token is refused', async () => {
      const html = await page.content();
      const json = await page.evaluate(async () => (await fetch('/api/status')).text());
      for (const secret of [TOKEN, COMMUNITY, LAN_PASSWORD]) {
        expect(html).not.toContain(secret);
        expect(json).not.toContain(secret);
      }
      expect(await rawGet(Number(new URL(box).port), '/api/status', { host: 'printers.example.com' })).toBe(403);
      expect(await page.evaluate(async () => (await fetch('/api/read-now', { method: 'POST' })).status)).toBe(403);
    });
  });

  describe('the box’s status page on the LAN', () => {
    it('needs the password, over HTTPS with the certificate whose fingerprint it shows; the cookie is HttpOnly, Secure, SameSite=Strict', async () => {
      const page = await browser.page();
      await page.goto(`https://127.0.0.1:${lanPort}/`);
      expect(new URL(page.url()).pathname).toBe('/login');
      await page.fill('input[name=password]', 'not-the-password');
      await page.click('button[type=submit]');
      expect(await text(page, '.error')).toBe('Wrong password.');
      await page.fill('input[name=password]', LAN_PASSWORD);
      await page.click('button[type=submit]');
      await page.waitForSelector(`#device-count:text-is("${DEVICES}")`);
      expect(await text(page, '#fingerprint')).toBe(await served({ host: '127.0.0.1', port: lanPort }));
      const cookie = (await browser.context.cookies(`https://127.0.0.1:${lanPort}/`)).find((c) => c.name === 'mbx_box_session');
      expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict' });
      expect(await page.content()).not.toContain(LAN_PASSWORD);
      expect(serious(await axeViolations(page))).toEqual([]);
      await page.close();
    });
  });

  describe('the fleet view', () => {
    let page: Page;
    const fleetUrl = (p: string) => `${rx.url}/fleet/${p}`;
    const login = async (token: string) => {
      await page.goto(fleetUrl('login'));
      await page.fill('input[name=token]', token);
      await page.click('button[type=submit]');
    };

    beforeAll(async () => {
      page = await browser.page();
    });

    it('refuses an agent token, and logs a provider token in with a cookie that is HttpOnly, Secure and SameSite=Strict', async () => {
      await page.goto(rx.url);
      expect(new URL(page.url()).pathname).toBe('/fleet/login');
      await login(TOKEN);
      expect(await text(page, '.error')).toBe('An agent token cannot open the fleet view: log in with a provider token.');
      await login(VIEWER);
      await page.waitForSelector('#agents tbody tr[data-agent="lab-box"]');
      const cookie = (await browser.context.cookies(fleetUrl('agents'))).find((c) => c.name === 'mbx_fleet_session');
      expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict', path: '/fleet' });
      expect(await text(page, '#who')).toBe('viewer (read)');
    });

    it('lists the agents with their customer, version and events; a silent one turns stale when the clock moves, and comes first', async () => {
      await page.waitForSelector('tr[data-agent="silent-box"] [data-health="ok"]');
      const silent = page.locator('tr[data-agent="silent-box"]');
      expect(await silent.locator('td').nth(1).textContent()).toBe('ACME Ltd');
      expect(await silent.locator('td').nth(3).textContent()).toBe('0.0.9');
      expect(await silent.locator('td').nth(9).textContent()).toBe('1'); // one data-quality event reported
      offsetMs += (STALE_AFTER + 60) * 1000;
      await page.reload();
      // lab-box keeps beating (at the moved clock); silent-box does not.
      await page.waitForSelector('tr[data-agent="silent-box"] [data-health="stale"]');
      await page.waitForSelector('tr[data-agent="lab-box"] [data-health="ok"]', { timeout: 30_000 });
      expect(await page.getAttribute('#agents tbody tr:first-child', 'data-agent')).toBe('silent-box');
      expect(await text(page, '#agent-count')).toBe('2 agent(s), 1 stale');
      const agents = () => page.$$eval('#agents tbody tr[data-agent]', (rows) => rows.map((r) => r.getAttribute('data-agent')));
      await page.selectOption('#health-filter', 'ok');
      expect(await agents()).toEqual(['lab-box']);
      await page.selectOption('#health-filter', '');
      await page.fill('#agent-filter', 'acme');
      expect(await agents()).toEqual(['silent-box']);
      await page.fill('#agent-filter', '');
      await page.click('#agents-sort-agent');
      expect(await agents()).toEqual(['lab-box', 'silent-box']);
      await page.click('#agents-sort-agent');
      expect(await agents()).toEqual(['silent-box', 'lab-box']);
      await screenshot(page, 'fleet-agents.png');
      expect(serious(await axeViolations(page))).toEqual([]);
    });

    it('filters the devices by agent or customer, by supplies low; a key two agents report is two devices', async () => {
      await page.goto(fleetUrl('devices'));
      await page.waitForSelector('#devices tbody tr[data-device]');
      expect(await text(page, '#device-count')).toBe(`${DEVICES + 2} device(s)`);
      await page.fill('#who-filter', 'acme');
      expect(await text(page, '#device-count')).toBe(`${DEVICES + 2} device(s), 2 shown`);
      expect(await page.$$eval('#devices tbody tr', (rows) => rows.map((r) => r.getAttribute('data-device')).sort())).toEqual([`silent-box/${history[0]?.device.key}`, `silent-box/${labKey}`].sort());
      await page.fill('#who-filter', '');
      await page.check('#low-filter');
      const low = await page.$$eval('#devices tbody tr[data-device]', (rows) => rows.map((r) => r.querySelector('td:nth-child(9) .badge.low') !== null));
      expect(low.length).toBeGreaterThan(0);
      expect(low.every(Boolean)).toBe(true);
      await page.uncheck('#low-filter');
      expect(serious(await axeViolations(page))).toEqual([]);
    });

    it('draws the devices without waiting for their billing flags, which fill in when computed', async () => {
      // Fault injection: the flags' answer is held back until the list has been checked.
      let release = () => {};
      const held = new Promise<void>((r) => (release = r));
      await page.route('**/fleet/api/device-flags', async (route) => {
        await held;
        await route.continue();
      });
      try {
        await page.goto(fleetUrl('devices'));
        await page.waitForSelector('#devices tbody tr[data-device]');
        expect(await text(page, '#device-count')).toBe(`${DEVICES + 2} device(s)`);
        expect(await page.getAttribute('#devices', 'aria-busy')).toBe('true');
        const pending = await page.$$eval('#devices tbody tr[data-device] td:last-child', (cells) => cells.map((c) => c.textContent));
        expect(new Set(pending)).toEqual(new Set(['computing…']));
        release();
        await page.waitForSelector('#devices:not([aria-busy])');
        const drawn = await page.$$eval('#devices tbody tr[data-device] td:last-child', (cells) => cells.map((c) => c.textContent));
        expect(drawn).not.toContain('computing…');
      } finally {
        release();
        await page.unroute('**/fleet/api/device-flags');
      }
    });

    it('filters the devices by vendor or model, by last reading age and by billing flag', async () => {
      await page.goto(fleetUrl('devices'));
      await page.waitForSelector('#devices tbody tr[data-device]');
      const shown = () => page.$$eval('#devices tbody tr[data-device]', (rows) => rows.map((r) => r.getAttribute('data-device') ?? '').sort());
      const list = (await page.evaluate(async () => (await fetch('/fleet/api/devices')).json())) as { devices: { agentId: string; key: string; vendor?: string; model?: string }[]; flags: string[] };
      // The billing flags come apart from the list (the page draws the list without waiting for them).
      const computed = (await page.evaluate(async () => (await fetch('/fleet/api/device-flags')).json())) as { devices: { agentId: string; key: string; flags: string[] }[] };
      const id = (d: { agentId: string; key: string }) => `${d.agentId}/${d.key}`;
      const flagsOf = new Map(computed.devices.map((d) => [id(d), d.flags]));
      expect([...flagsOf.keys()].sort()).toEqual(list.devices.map(id).sort());
      const api = { flags: list.flags, devices: list.devices.map((d) => ({ ...d, flags: flagsOf.get(id(d)) ?? [] })) };
      const model = api.devices.find((d) => d.agentId === 'lab-box' && d.model)?.model as string;
      await page.fill('#what-filter', model.toUpperCase());
      expect(await shown()).toEqual(api.devices.filter((d) => `${d.vendor ?? ''} ${d.model ?? ''}`.toLowerCase().includes(model.toLowerCase())).map(id).sort());
      await page.fill('#what-filter', '');
      // lab-box reads every few seconds; silent-box's history device was last read hours ago, its other device at the test's start.
      await page.selectOption('#age-filter', '3600');
      expect(await shown()).toEqual([`silent-box/${history[0]?.device.key}`]);
      await page.selectOption('#age-filter', '');
      const flagged = api.devices.filter((d) => d.flags.length > 0);
      expect(flagged.length, JSON.stringify(api.devices.map((d) => [id(d), d.flags]))).toBeGreaterThan(0);
      const flag = flagged[0]?.flags[0] as string;
      expect(api.flags).toContain(flag);
      await page.waitForSelector('#devices:not([aria-busy])');
      await page.selectOption('#flag-filter', flag);
      expect(await shown()).toEqual(api.devices.filter((d) => d.flags.includes(flag)).map(id).sort());
      expect(await shown()).not.toHaveLength(api.devices.length);
      await page.selectOption('#flag-filter', '');
    });

    it('shows one agent’s device with its own counters, never the other agent’s under the same key', async () => {
      await page.goto(fleetUrl(`device?agent=lab-box&key=${encodeURIComponent(labKey)}`));
      await page.waitForSelector('#identity');
      const shown = Number((await text(page, '[data-counter="total"]')).replace(/,/g, ''));
      const labLatest = (await rx.readings({ agentId: 'lab-box', deviceKey: labKey })).at(-1)?.body as unknown as Reading;
      expect(shown).toBe(labLatest.counters.total);
      expect(shown).not.toBe(7);
    });

    it('draws the daily volume with uPlot, the device’s events on its time axis, and supplies over time', async () => {
      const key = history[0]?.device.key as string;
      await page.goto(fleetUrl(`device?agent=silent-box&key=${encodeURIComponent(key)}`));
      await page.waitForSelector('#volume-chart .uplot canvas');
      await page.waitForSelector('#supply-chart .uplot canvas');
      const days = await page.$$eval('#volume-table tbody tr', (rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent ?? '')));
      expect(days.length).toBeGreaterThanOrEqual(8);
      // 4 readings a day, 100 pages each: 400 a day, 70 % of them mono.
      expect(days.slice(1).every((d) => d[0] && Number((d[1] ?? '').replace(/,/g, '')) + Number((d[2] ?? '').replace(/,/g, '')) === 400)).toBe(true);
      expect(await page.$$eval('#device-events tbody td', (tds) => tds.map((t) => t.textContent))).toContain('counter.invalid');
      await screenshot(page, 'fleet-device.png');
      expect(serious(await axeViolations(page))).toEqual([]);
    });

    it('downloads the opening and closing meters of a period as CSV', async () => {
      await page.goto(fleetUrl('billing'));
      await page.waitForSelector('#download');
      const from = new Date(Date.parse(history[4]?.readAt as string)).toISOString().slice(0, 10);
      const to = new Date(Date.parse(history[4]?.readAt as string) + 5 * DAY).toISOString().slice(0, 10);
      await page.fill('#from', from);
      await page.fill('#to', to);
      await page.dispatchEvent('#to', 'change');
      await page.dispatchEvent('#from', 'change');
      await page.selectOption('#billing-agent', 'silent-box');
      expect(serious(await axeViolations(page))).toEqual([]);
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
      const csv = readFileSync((await download.path()) as string, 'utf8').trim().split('\r\n');
      expect(csv[0]).toBe('period_from,period_to,agent_id,customer,device_key,vendor,model,serial,counter,opening_value,opening_kind,opening_reading_at,closing_value,closing_kind,closing_reading_at,usage,estimated,oid,flags');
      const total = csv.find((l) => l.includes(`,${history[0]?.device.key},`) && l.includes(',total,'))?.split(',') ?? [];
      const at = (iso: string) => history.find((r) => r.readAt === new Date(iso).toISOString())?.counters.total;
      expect(total.slice(0, 5)).toEqual([from, to, 'silent-box', 'ACME Ltd', history[0]?.device.key]);
      expect(Number(total[9])).toBe(at(`${from}T00:00:00.000Z`));
      expect(Number(total[15])).toBe(Number(total[12]) - Number(total[9]));
      expect(Number(total[15])).toBe(5 * 400);
    });

    it('refuses an action without the CSRF token, and to a read token; an admin queues read-now for an agent', async () => {
      await page.goto(fleetUrl('agents'));
      await page.waitForSelector('#agents tbody tr');
      const noCsrf = await page.evaluate(async () => (await fetch('/fleet/api/commands', { method: 'POST', body: JSON.stringify({ agentId: 'lab-box', name: 'read-now' }) })).status);
      expect(noCsrf).toBe(403);
      const readRole = await page.evaluate(async () => (await fetch('/fleet/api/commands', { method: 'POST', headers: { 'x-csrf-token': document.body.dataset.csrf ?? '' }, body: JSON.stringify({ agentId: 'lab-box', name: 'read-now' }) })).status);
      expect(readRole).toBe(403);
      await login(ADMIN);
      await page.click('tr[data-agent="lab-box"] button:text("Read now")');
      await page.waitForSelector('#command-result:has-text("read-now queued for lab-box")');
      expect((await rx.store.commands('lab-box')).map((c) => c.name)).toContain('read-now');
    });

    it('ends the session of a token that is revoked', async () => {
      const t = generateToken();
      await rx.store.addToken({ id: t.id, kind: 'provider', name: 'temp', role: 'read', hash: t.hash, createdAt: now().toISOString() });
      await login(t.token);
      await page.waitForSelector('#agents tbody tr');
      await rx.store.revokeTokens({ id: t.id }, now());
      await page.goto(fleetUrl('devices'));
      expect(new URL(page.url()).pathname).toBe('/fleet/login');
    });
  });
});
