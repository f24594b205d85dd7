/**
 * The pages' pure parts, without a browser: signed sessions (a changed byte, another key, an
 * expired or revoked subject: no session) and their CSRF tokens, the login throttle, supply words
 * for the Printer-MIB's special values, the CSV cells (formula injection made inert), the daily
 * volume (no bar across a rollback or a missing day), and the status page's config (LAN password
 * from a secret, masked, checked), and the status page's document built from a real outbox.
 */
import Database from 'better-sqlite3';
import type { IncomingMessage } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { sampleReading } from '../../bench/store.js';
import { loadConfig } from '../../src/config/load.js';
import { maskConfig } from '../../src/config/redact.js';
import type { JobState } from '../../src/daemon/scheduler.js';
import { Store } from '../../src/store/store.js';
import { OutboxView, StatusDocument, buildStatus, type BoxStatus } from '../../src/web/box/status.js';
import type { BoxSource } from '../../src/web/box/types.js';
import { supplyWords, type Supply } from '../../src/web/client/supplies.js';
import { csvCell, csvLine } from '../../src/web/fleet/billing.js';
import { dailyVolume } from '../../src/web/fleet/volume.js';
import { Assets } from '../../src/web/shared/assets.js';
import { hostName, isLoopback, sameOrigin } from '../../src/web/shared/http.js';
import { LoginThrottle, Sessions } from '../../src/web/shared/session.js';
import { problemsOf } from '../helpers/config-problems.js';

const req = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

describe('signed sessions', () => {
  let t = Date.parse('2026-11-22T08:00:00Z');
  const keys = new Map<string, string>([['tok1', 'sha256:aaaa'], ['tok2', 'sha256:bbbb']]);
  const sessions = new Sessions({ cookieName: 's', path: '/fleet', secure: true, ttlMs: 3600_000, now: () => t, material: async (x) => keys.get(x) });
  const cookieOf = (setCookie: string) => setCookie.split(';')[0] as string;

  it('issues a HttpOnly, Secure, SameSite=Strict cookie that verifies to its subject, with a CSRF token', async () => {
    const s = await sessions.issue('tok1');
    expect(s?.setCookie).toMatch(/^s=[^;]+; Path=\/fleet; Max-Age=3600; HttpOnly; SameSite=Strict; Secure$/);
    const back = await sessions.verify(req({ cookie: `other=1; ${cookieOf(s?.setCookie ?? '')}` }));
    expect(back).toEqual({ subject: 'tok1', expiresAt: t + 3600_000, csrf: s?.session.csrf });
    expect(back?.csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('refuses a cookie with a byte changed, moved to another subject, expired, or whose subject is gone', async () => {
    const s = await sessions.issue('tok1');
    const c = cookieOf(s?.setCookie ?? '');
    const [name, value] = c.split('=') as [string, string];
    const parts = value.split('.');
    const flip = (i: number) => `${name}=${parts.map((p, j) => (j === i ? (p[0] === 'A' ? 'B' : 'A') + p.slice(1) : p)).join('.')}`;
    for (let i = 0; i < 4; i++) expect(await sessions.verify(req({ cookie: flip(i) }))).toBeUndefined();
    const other = `${name}=${Buffer.from('tok2').toString('base64url')}.${parts.slice(1).join('.')}`;
    expect(await sessions.verify(req({ cookie: other }))).toBeUndefined();
    t += 3600_000;
    expect(await sessions.verify(req({ cookie: c }))).toBeUndefined();
    t -= 3600_000;
    keys.delete('tok1');
    expect(await sessions.verify(req({ cookie: c }))).toBeUndefined();
    keys.set('tok1', 'sha256:aaaa');
    expect(await sessions.verify(req({ cookie: c }))).toBeDefined();
  });

  it('accepts an action only with the session’s CSRF token and from the same origin', async () => {
    const s = (await sessions.issue('tok2'))?.session;
    if (!s) throw new Error('no session');
    expect(sessions.csrfOk(req({ host: 'rx:8443', 'x-csrf-token': s.csrf, origin: 'https://rx:8443', 'sec-fetch-site': 'same-origin' }), s)).toBe(true);
    expect(sessions.csrfOk(req({ host: 'rx:8443', origin: 'https://rx:8443' }), s)).toBe(false);
    expect(sessions.csrfOk(req({ host: 'rx:8443', 'x-csrf-token': `${s.csrf.slice(0, -1)}x` }), s)).toBe(false);
    expect(sessions.csrfOk(req({ host: 'rx:8443', 'x-csrf-token': s.csrf, origin: 'https://evil.example' }), s)).toBe(false);
    expect(sessions.csrfOk(req({ host: 'rx:8443', 'x-csrf-token': s.csrf, 'sec-fetch-site': 'cross-site' }), s)).toBe(false);
    expect(sameOrigin(req({ host: 'rx:8443', origin: 'null' }))).toBe(false);
  });

  it('tells loopback clients and host names apart', () => {
    expect([isLoopback('127.0.0.1'), isLoopback('::ffff:127.8.9.1'), isLoopback('::1'), isLoopback('10.0.0.5'), isLoopback(undefined)]).toEqual([true, true, true, false, false]);
    expect([hostName('[::1]:9161'), hostName('box.lan:9443'), hostName('127.0.0.1'), hostName('LOCALHOST:1')]).toEqual(['::1', 'box.lan', '127.0.0.1', 'localhost']);
  });

  it('makes an address wait after five wrong passwords, until its window ends', () => {
    let now = 0;
    const th = new LoginThrottle(() => now, 5, 60_000);
    for (let i = 0; i < 4; i++) th.failed('10.0.0.9');
    expect(th.waitSeconds('10.0.0.9')).toBe(0);
    th.failed('10.0.0.9');
    expect(th.waitSeconds('10.0.0.9')).toBe(60);
    expect(th.waitSeconds('10.0.0.8')).toBe(0);
    now = 60_001;
    expect(th.waitSeconds('10.0.0.9')).toBe(0);
  });
});

describe('supplies in words', () => {
  const s = (o: Partial<Supply>): Supply => ({ index: 1, description: 'Toner', kind: 'toner', level: 40, max: 100, state: 'ok', ...o });
  it('gives a percentage only where the printer measured one, and says the special values as what they are', () => {
    expect(supplyWords(s({ percent: 40 }))).toEqual({ text: '40 %', percent: 40, low: false });
    expect(supplyWords(s({ percent: 5, state: 'low' }))).toEqual({ text: '5 % (low)', percent: 5, low: true });
    expect(supplyWords(s({ percent: 80, class: 'receptacle' })).text).toBe('80 % full');
    expect(supplyWords(s({ level: -3, state: 'someRemaining' }))).toEqual({ text: 'some remaining (the printer does not say how much)', low: false });
    expect(supplyWords(s({ level: -2, state: 'unknown' })).text).toBe('unknown (the printer reports -2)');
    expect(supplyWords(s({ level: -1, state: 'unknown' })).text).toBe('not measured (the printer reports -1, "other")');
    expect(supplyWords(s({ level: 1200, max: -1, unit: 'impressions', state: 'unknown' })).text).toBe('1,200 impressions (no maximum: -1)');
    expect(supplyWords(s({ level: 30, max: -2, state: 'unknown' })).text).toBe('30 of an unknown maximum');
  });
});

describe('page modules', () => {
  it('names every module a page script imports, directly or not, from the compiled files, and nothing outside its folders', () => {
    const box = new Assets('/assets/', ['client', 'box/client']).modules('box/client/box.js');
    // box.js imports dom.js and supply-bars.js; dom.js imports format.js; supply-bars.js imports supplies.js.
    expect(box).toEqual(['/assets/client/dom.js', '/assets/client/format.js', '/assets/client/supplies.js', '/assets/client/supply-bars.js']);
    const fleet = new Assets('/fleet/assets/', ['client', 'fleet/client'], true).modules('fleet/client/fleet.js');
    expect(fleet).toContain('/fleet/assets/fleet/client/devices.js');
    expect(fleet).toContain('/fleet/assets/client/format.js');
    // A page whose folders leave out the shared client code names none of it.
    expect(new Assets('/assets/', ['box/client']).modules('box/client/box.js')).toEqual([]);
  });
});

describe('CSV', () => {
  it('quotes what needs it and makes formulas inert, leaving numbers alone', () => {
    expect(csvLine(['a', 1, -5, undefined, true, 'x,y', 'say "hi"', '=HYPERLINK("x")', '-2+3', '@SUM(A1)', ' pad'])).toBe('a,1,-5,,true,"x,y","say ""hi""","\'=HYPERLINK(""x"")",\'-2+3,\'@SUM(A1)," pad"\r\n');
    expect(csvCell('-12.5')).toBe('-12.5');
  });
});

describe('daily volume', () => {
  const DAY = 86_400_000;
  const t0 = Date.parse('2026-11-01T00:00:00Z');
  const row = (day: number, hour: number, c: Record<string, number>) => ({ id: `${day}-${hour}`, readAt: new Date(t0 + day * DAY + hour * 3600_000).toISOString(), counters: c });

  it('is each day’s last meter minus the last meter before it; a missing day or a rollback gives no bar', () => {
    const rows = [row(-1, 20, { mono: 100, color: 50 }), row(0, 8, { mono: 110, color: 50 }), row(0, 20, { mono: 130, color: 60 }), row(2, 9, { mono: 160, color: 60 }), row(3, 9, { mono: 5, color: 61 }), row(4, 9, { mono: 15, color: 61 })];
    const v = dailyVolume(rows, t0, t0 + 5 * DAY);
    expect(v.days).toEqual([0, 1, 2, 3, 4].map((d) => (t0 + d * DAY) / 1000));
    expect(v.series.mono).toEqual([30, null, 30, null, 10]);
    expect(v.series.color).toEqual([10, null, 0, 1, 0]);
    expect(v.series.large).toBeUndefined();
  });

  it('reads mono as total − colour where the device gives only those', () => {
    expect(dailyVolume([row(0, 1, { total: 100, color: 40 }), row(1, 1, { total: 130, color: 50 })], t0, t0 + 2 * DAY).series.mono).toEqual([null, 20]);
  });
});

describe('the status page in the configuration', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mbx-web-cfg-'));
  const base = { agentId: 'box', provider: { url: 'https://rx.test', token: 'agent-token-1234' }, credentials: [{ name: 'c', version: '2c', community: 'public' }] };
  const write = (name: string, cfg: unknown) => {
    const f = join(dir, name);
    writeFileSync(f, JSON.stringify(cfg), { mode: 0o600 });
    return f;
  };

  it('is on by default, on this machine only', () => {
    const c = loadConfig(write('a.json', base), { skipPermissionCheck: true });
    expect(c.config.health).toEqual({ enabled: true, host: '127.0.0.1', port: 9161, statusPage: true });
    expect(c.lanPassword).toBeUndefined();
  });

  it('opens to the LAN with a password from a secret, masked in `config show` and in the logs, HTTPS unless insecureHttp (warned)', () => {
    writeFileSync(join(dir, 'lan'), 'lan-password-9\n', { mode: 0o600 });
    const c = loadConfig(write('b.json', { ...base, health: { lan: { password: { file: 'lan' } } } }), { skipPermissionCheck: true });
    expect(c.lanPassword).toBe('lan-password-9');
    expect(c.secrets).toContain('lan-password-9');
    expect(c.config.health.lan).toEqual({ host: '0.0.0.0', port: 9443, password: { file: 'lan' }, insecureHttp: false });
    const inline = loadConfig(write('c.json', { ...base, health: { lan: { password: 'inline-password-1', insecureHttp: true } } }), { skipPermissionCheck: true });
    expect(JSON.stringify(maskConfig(inline.config))).not.toContain('inline-password-1');
    expect(inline.warnings).toEqual([expect.stringMatching(/^health\.lan\.insecureHttp is true: the status page and its password cross the LAN in clear text/)]);
  });

  it('refuses a short password (never shown), the health port again, a certificate without its key', () => {
    const f = write('d.json', { ...base, health: { port: 9161, lan: { password: 'short', port: 9161, certFile: 'x.pem' } } });
    expect(problemsOf(() => loadConfig(f, { skipPermissionCheck: true }))).toEqual([
      { path: '$.health.lan.password', value: '"*****" (5 chars)', expected: 'a password of 8 or more characters (anyone on the LAN may try it)', line: 1, column: expect.any(Number) },
      { path: '$.health.lan.port', value: '9161', expected: 'a port other than health.port (9161): the LAN listener is a second one', line: 1, column: expect.any(Number) },
      { path: '$.health.lan.keyFile', expected: 'certFile and keyFile together, or neither (a self-signed pair is made) (missing)', line: 1, column: expect.any(Number) },
    ]);
  });
});

describe('the status page’s document', () => {
  const job = (name: string, j: Partial<JobState>): JobState => ({ name, schedule: '* * * * *', intervalMs: 60_000, running: false, runs: 1, failures: 0, overlapsSkipped: 0, triggersMerged: 0, ...j });

  it('shows the outbox’s devices with their last counters and OIDs, the store’s events, the jobs in words and their failures once, and masks every secret', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mbx-status-doc-'));
    const store = Store.open(join(dir, 'outbox.db'), { log: pino({ level: 'silent' }) });
    try {
      const r = sampleReading({ device: 1, serial: 'SIM00001', readAt: '2026-11-22T08:00:00.000Z', total: 1234 });
      store.saveCycle([r]);
      store.events.add({ kind: 'device.moved', severity: 'info', deviceKey: r.device.key, message: `SIM00001 moved from 10.0.0.5 to ${r.device.host}` });
      const secret = 's3cret-token-in-an-error';
      const src: BoxSource = {
        agentId: () => 'box-1',
        version: '1.2.3',
        startedAt: new Date('2026-11-22T07:00:00.000Z'),
        verdict: () => ({ status: 'degraded', reasons: ['the provider refused the last upload'], warnings: [] }),
        jobs: () => [
          job('poll', { lastFinishedAt: '2026-11-22T08:00:01.000Z', lastSuccessAt: '2026-11-22T08:00:01.000Z', lastSummary: { ok: 1, devices: 1, stored: 1 } }),
          job('upload', { lastFinishedAt: '2026-11-22T08:00:02.000Z', lastFailure: { at: '2026-11-22T08:00:02.000Z', reason: `MBX_UPLOAD_AUTH: the provider said 401 to Bearer ${secret}` } }),
        ],
        store: () => store,
        underContract: (serial) => serial === 'SIM00001',
        providerUrl: () => 'https://user:pw@provider.example/v1?x=1',
        secrets: () => [secret],
        readNow: () => Promise.reject(new Error('not asked')),
      };
      const doc = buildStatus(src);
      expect(doc.agent).toEqual({ id: 'box-1', version: '1.2.3', startedAt: '2026-11-22T07:00:00.000Z' });
      expect(doc.health.reasons).toEqual(['the provider refused the last upload']);
      expect(doc.provider.url).toBe('https://provider.example/v1');
      expect(doc.provider.lastUpload).toMatchObject({ ok: false });
      expect(doc.provider.outbox).toMatchObject({ pending: 1, oldestPendingAt: r.readAt });
      expect(doc.lastPoll?.text).toBe('1 of 1 device(s) read, 1 reading(s) stored');
      const d = doc.devices[0] as BoxStatus['devices'][number];
      expect(d).toMatchObject({ serial: 'SIM00001', underContract: true, lastReadingAt: r.readAt });
      expect(d.counters.find((c) => c.name === 'total')).toEqual({ name: 'total', value: 1234, ...(r.sources?.total ? { source: r.sources.total } : {}) });
      expect(doc.events.map((e) => e.kind)).toContain('device.moved');
      expect(doc.provider.errors.filter((e) => e.what === 'upload')).toHaveLength(1);
      const { text } = new StatusDocument(src).body();
      expect(text).not.toContain(secret);
      expect(text).not.toContain('pw@');
      expect(JSON.parse(text)).toMatchObject({ provider: { errors: [{ what: 'upload' }] } });
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('is built on request and kept until the outbox changes (written by the daemon or by another connection), the jobs move or a secret changes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mbx-status-cache-'));
    const path = join(dir, 'outbox.db');
    const store = Store.open(path, { log: pino({ level: 'silent' }) });
    const other = new Database(path);
    try {
      const r1 = sampleReading({ device: 1, serial: 'SIM00001', readAt: '2026-11-22T08:00:00.000Z', total: 1000 });
      const r2 = sampleReading({ device: 2, serial: 'SIM00002', readAt: '2026-11-22T08:00:00.000Z', total: 2000 });
      store.saveCycle([r1, r2]);
      let polls = 1;
      let secrets = ['first-secret-value'];
      const src: BoxSource = {
        agentId: () => 'box-1',
        version: '1.2.3',
        startedAt: new Date('2026-11-22T07:00:00.000Z'),
        verdict: () => ({ status: 'ok', reasons: [], warnings: [] }),
        jobs: () => [job('poll', { runs: polls, lastFinishedAt: '2026-11-22T08:00:01.000Z', lastSuccessAt: '2026-11-22T08:00:01.000Z', lastSummary: { ok: 2, devices: 2, stored: polls * 2 } })],
        store: () => store,
        underContract: () => true,
        providerUrl: () => 'https://provider.example',
        secrets: () => secrets,
        readNow: () => Promise.reject(new Error('not asked')),
      };
      const doc = new StatusDocument(src);
      const total = (b: { text: string }, serial: string) => (JSON.parse(b.text) as BoxStatus).devices.find((d) => d.serial === serial)?.counters.find((c) => c.name === 'total')?.value;
      const first = doc.body();
      expect(total(first, 'SIM00001')).toBe(1000);
      // Nothing changed: the very same answer (not rebuilt, masked or hashed again).
      expect(doc.body()).toBe(first);

      // The daemon stores a reading: shown at once.
      store.saveCycle([sampleReading({ device: 1, serial: 'SIM00001', readAt: '2026-11-22T08:15:00.000Z', total: 1100 })]);
      const second = doc.body();
      expect(second.etag).not.toBe(first.etag);
      expect(total(second, 'SIM00001')).toBe(1100);
      expect(doc.body()).toBe(second);

      // Another connection (a `meterbox` command on the same file) commits an event: shown too.
      other.prepare("INSERT INTO events (at, kind, severity, device_key, message) VALUES (?, 'device.moved', 'info', ?, 'moved by another connection')").run('2026-11-22T08:16:00.000Z', r2.device.key);
      const third = doc.body();
      expect((JSON.parse(third.text) as BoxStatus).events.map((e) => e.message)).toContain('moved by another connection');

      // A job that moved, and a new secret, make a new text; the secret never shows.
      polls = 2;
      const fourth = doc.body();
      expect(fourth).not.toBe(third);
      expect((JSON.parse(fourth.text) as BoxStatus).lastPoll?.text).toBe('2 of 2 device(s) read, 4 reading(s) stored');
      secrets = ['box-1'];
      const fifth = doc.body();
      expect(fifth.text).not.toContain('"box-1"');
      expect(fifth.etag).not.toBe(fourth.etag);
    } finally {
      other.close();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('parses a device’s last reading again only when it has a newer one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mbx-status-view-'));
    const store = Store.open(join(dir, 'outbox.db'), { log: pino({ level: 'silent' }) });
    try {
      const r1 = sampleReading({ device: 1, serial: 'SIM00001', readAt: '2026-11-22T08:00:00.000Z', total: 1000 });
      const r2 = sampleReading({ device: 2, serial: 'SIM00002', readAt: '2026-11-22T08:00:00.000Z', total: 2000 });
      store.saveCycle([r1, r2]);
      const view = new OutboxView();
      const a = view.read(store);
      expect(view.read(store)).toBe(a);
      store.saveCycle([sampleReading({ device: 2, serial: 'SIM00002', readAt: '2026-11-22T08:15:00.000Z', total: 2100 })]);
      const b = view.read(store);
      expect(b).not.toBe(a);
      expect(b.last.get(r1.device.key)).toBe(a.last.get(r1.device.key));
      expect(b.last.get(r2.device.key)?.reading.counters.total).toBe(2100);
      expect(a.last.get(r2.device.key)?.reading.counters.total).toBe(2000);
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
